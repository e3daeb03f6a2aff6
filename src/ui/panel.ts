/**
 * The Retrace sidebar panel. For now it reports whether the server part is
 * reachable; the timeline of runs and attempts grows inside its body.
 */
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ServerState } from '../tokens';
import { retraceIcon } from './icons';

export class RetracePanel extends Widget {
  constructor(translator: ITranslator = nullTranslator) {
    super();
    this._trans = translator.load('jupyterlab_retrace');
    this.id = 'jp-retrace-panel';
    this.addClass('jp-RetracePanel');
    this.title.icon = retraceIcon;
    this.title.caption = this._trans.__('Retrace: run history and attempts');

    const header = document.createElement('div');
    header.className = 'jp-RetracePanel-header';
    header.textContent = this._trans.__('Retrace');

    this._status = document.createElement('div');
    this._status.className = 'jp-RetracePanel-status';
    this._status.setAttribute('role', 'status');

    this._body = document.createElement('div');
    this._body.className = 'jp-RetracePanel-body';
    this._body.textContent = this._trans.__('Run a cell in a notebook to start its history.');

    this.node.append(header, this._status, this._body);
    this.serverState = { kind: 'checking' };
  }

  get serverState(): ServerState {
    return this._serverState;
  }

  set serverState(state: ServerState) {
    this._serverState = state;
    this._status.dataset.state = state.kind === 'ok' ? 'ok' : state.kind === 'checking' ? 'checking' : 'error';
    this._status.textContent = this._describe(state);
    this._status.title = state.kind === 'ok' ? state.status.historyDir : '';
  }

  private _describe(state: ServerState): string {
    switch (state.kind) {
      case 'checking':
        return this._trans.__('Checking the Retrace server extension…');
      case 'ok':
        return this._trans.__(
          'Server extension %1 ready; histories in %2',
          state.status.version,
          state.status.historyDirRelative ?? state.status.historyDir
        );
      case 'missing':
        return this._trans.__(
          'Server extension missing: history cannot be saved. Install Retrace with pip in the environment that runs Jupyter, then restart it. (%1)',
          state.message
        );
      case 'failing':
        return this._trans.__('Server extension failing: %1', state.message);
    }
  }

  private _trans: TranslationBundle;
  private _status: HTMLElement;
  private _body: HTMLElement;
  private _serverState: ServerState = { kind: 'checking' };
}
