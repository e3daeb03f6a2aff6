/**
 * The Retrace sidebar panel: the server part's status, the current notebook,
 * and its timeline of runs.
 */
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Panel, Widget } from '@lumino/widgets';

import { RunLog } from '../capture/log';
import { ServerState } from '../tokens';
import { retraceIcon } from './icons';
import { AttemptsView, IAttemptsCallbacks } from './attempts';
import { IOrderViewCallbacks, OrderView } from './orderview';
import { RunTimeline } from './timeline';

/** What the panel shows about the notebook in focus. */
export interface INotebookView {
  name: string;
  log: RunLog;
  cellLabel: (cellId: string | null) => string;
}

export class RetracePanel extends Panel {
  constructor(
    translator: ITranslator = nullTranslator,
    orderCallbacks?: Omit<IOrderViewCallbacks, 'label'>,
    attemptsCallbacks?: IAttemptsCallbacks
  ) {
    super();
    this._trans = translator.load('jupyterlab_retrace');
    this.id = 'jp-retrace-panel';
    this.addClass('jp-RetracePanel');
    this.title.icon = retraceIcon;
    this.title.caption = this._trans.__('Retrace: run history and attempts');

    const header = new Widget();
    header.addClass('jp-RetracePanel-header');
    header.node.textContent = this._trans.__('Retrace');

    this._status = new Widget();
    this._status.addClass('jp-RetracePanel-status');
    this._status.node.setAttribute('role', 'status');

    this._notebook = new Widget();
    this._notebook.addClass('jp-RetracePanel-notebook');

    this.timeline = new RunTimeline(this._trans, id => this._view?.cellLabel(id) ?? '');
    this.order = new OrderView(this._trans, {
      replay: () => orderCallbacks?.replay(),
      stop: () => orderCallbacks?.stop(),
      reveal: cellId => orderCallbacks?.reveal(cellId),
      label: id => this._view?.cellLabel(id) ?? ''
    });

    this.addWidget(header);
    this.addWidget(this._status);
    this.attempts = new AttemptsView(this._trans, {
      newAttempt: () => attemptsCallbacks?.newAttempt(),
      restoreCommit: commit => attemptsCallbacks?.restoreCommit(commit),
      editAttempt: id => attemptsCallbacks?.editAttempt(id),
      undoRestore: () => attemptsCallbacks?.undoRestore()
    });
    this.timeline.selected.connect((_, run) => (this.attempts.selectedRun = run));

    this.addWidget(this._notebook);
    this.addWidget(this.order);
    this.addWidget(this.attempts);
    this.addWidget(this.timeline);
    this.serverState = { kind: 'checking' };
    this.notebook = null;
  }

  readonly timeline: RunTimeline;
  readonly order: OrderView;
  readonly attempts: AttemptsView;

  get serverState(): ServerState {
    return this._serverState;
  }

  set serverState(state: ServerState) {
    this._serverState = state;
    const node = this._status.node;
    node.dataset.state = state.kind === 'ok' ? 'ok' : state.kind === 'checking' ? 'checking' : 'error';
    node.textContent = this._describe(state);
    node.title = state.kind === 'ok' ? state.status.historyDir : '';
  }

  /** The notebook whose history is shown, or null when no notebook is in focus. */
  set notebook(view: INotebookView | null) {
    this._view = view;
    this._notebook.node.textContent = view
      ? view.name
      : this._trans.__('Open a notebook to see its history.');
    this.timeline.log = view?.log ?? null;
    this.timeline.refresh();
    this.order.setHidden(!view);
    this.attempts.setHidden(!view);
    this.attempts.selectedRun = null;
  }

  get notebook(): INotebookView | null {
    return this._view;
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
  private _status: Widget;
  private _notebook: Widget;
  private _view: INotebookView | null = null;
  private _serverState: ServerState = { kind: 'checking' };
}
