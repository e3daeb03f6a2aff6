/**
 * The REST layer: the one place that talks to Retrace's server extension.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IServerStatus, ServerState } from './tokens';

/** Base path of Retrace's endpoints, relative to the server's base URL. */
export const API_NAMESPACE = 'retrace/api';

/** Call a Retrace endpoint; Jupyter's settings supply the token and XSRF header. */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  const response = await ServerConnection.makeRequest(url, init, settings);
  const text = await response.text();
  let data: any = text;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      // Not JSON (an HTML error page, say): keep the text for the message.
    }
  }
  if (!response.ok) {
    throw new ServerConnection.ResponseError(response, data?.message ?? String(data));
  }
  return data as T;
}

/**
 * Ask the server part for its status and classify the answer, so the panel can
 * say plainly whether the server extension is missing (404) or failing.
 */
export async function fetchServerState(
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<ServerState> {
  try {
    const status = await requestAPI<IServerStatus>('status', {}, settings);
    if (typeof status?.version !== 'string') {
      return { kind: 'failing', message: 'unexpected answer from /retrace/api/status' };
    }
    return { kind: 'ok', status };
  } catch (error) {
    if (error instanceof ServerConnection.ResponseError && error.response.status === 404) {
      return {
        kind: 'missing',
        message:
          'The Retrace server extension is not enabled on this Jupyter server (404 on /retrace/api/status).'
      };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { kind: 'failing', message };
  }
}
