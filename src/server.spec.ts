import { ServerConnection } from '@jupyterlab/services';

import { fetchServerState } from './server';

/** Settings whose fetch answers with the given status and body. */
function settingsAnswering(status: number, body: string): ServerConnection.ISettings {
  const fetch = jest.fn(async () => new Response(body, { status }));
  return ServerConnection.makeSettings({ baseUrl: 'http://localhost:8888/', fetch: fetch as any });
}

describe('fetchServerState', () => {
  it('reports the server part as ok with its version and history folder', async () => {
    const body = JSON.stringify({
      version: '1.2.3',
      historyDir: '/root/.retrace',
      historyDirRelative: '.retrace',
      historyDirExists: true
    });
    const state = await fetchServerState(settingsAnswering(200, body));
    expect(state).toEqual({
      kind: 'ok',
      status: { version: '1.2.3', historyDir: '/root/.retrace', historyDirRelative: '.retrace', historyDirExists: true }
    });
  });

  it('calls the status endpoint under the server base URL', async () => {
    const settings = settingsAnswering(200, JSON.stringify({ version: '1' }));
    await fetchServerState(settings);
    const request = (settings.fetch as jest.Mock).mock.calls[0][0];
    const url = new URL(typeof request === 'string' ? request : request.url);
    expect(url.origin + url.pathname).toBe('http://localhost:8888/retrace/api/status');
  });

  it('says the server extension is missing on a 404', async () => {
    const state = await fetchServerState(settingsAnswering(404, '<html>Not Found</html>'));
    expect(state.kind).toBe('missing');
    expect(state.kind === 'missing' && state.message).toContain('not enabled');
  });

  it('says the server extension is failing on a 500, with its message', async () => {
    const state = await fetchServerState(settingsAnswering(500, JSON.stringify({ message: 'disk full' })));
    expect(state).toEqual({ kind: 'failing', message: 'disk full' });
  });

  it('treats an answer without a version as failing', async () => {
    const state = await fetchServerState(settingsAnswering(200, '{}'));
    expect(state.kind).toBe('failing');
  });
});
