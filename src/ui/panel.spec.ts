import { RetracePanel } from './panel';

describe('RetracePanel', () => {
  const status = (panel: RetracePanel) => panel.node.querySelector('[role="status"]') as HTMLElement;

  it('starts by checking the server part', () => {
    const panel = new RetracePanel();
    expect(status(panel).dataset.state).toBe('checking');
    expect(status(panel).textContent).toContain('Checking');
  });

  it('shows the version and the history folder when the server part is ready', () => {
    const panel = new RetracePanel();
    panel.serverState = {
      kind: 'ok',
      status: { version: '0.9.0', historyDir: '/x/.retrace', historyDirRelative: '.retrace', historyDirExists: false }
    };
    expect(status(panel).dataset.state).toBe('ok');
    expect(status(panel).textContent).toBe('Server extension 0.9.0 ready; histories in .retrace');
  });

  it('tells the user how to fix a missing server extension', () => {
    const panel = new RetracePanel();
    panel.serverState = { kind: 'missing', message: '404' };
    expect(status(panel).dataset.state).toBe('error');
    expect(status(panel).textContent).toContain('Install Retrace with pip');
  });
});
