/**
 * The Retrace sidebar: a SidePanel (as JupyterLab's own sidebars) whose header
 * says whether the server part is ready and which notebook is shown, and whose
 * sections collapse and resize: canonical order, attempts, runs, run detail.
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { AccordionPanel, Widget } from '@lumino/widgets';
import { SidePanel } from '@jupyterlab/ui-components';

import { ServerState } from '../tokens';
import { AttemptGraphView } from './attemptgraph';
import { AttemptsView, IAttemptsCallbacks } from './attempts';
import { CoverageView } from './coverage';
import { retraceIcon } from './icons';
import { INotebookView, RetraceModel } from './model';
import { IOrderViewCallbacks, OrderView } from './orderview';
import { RecoverView } from './recover';
import { IRunDetailActions, RunDetailView } from './rundetail';
import { ITimelineActions, RunsView } from './timeline';

export type { INotebookView } from './model';

export interface IRetracePanelOptions {
  translator?: ITranslator;
  model?: RetraceModel;
  rendermime?: IRenderMimeRegistry | null;
  order?: Omit<IOrderViewCallbacks, 'label'>;
  attempts?: IAttemptsCallbacks;
  timeline?: Partial<ITimelineActions>;
  detail?: IRunDetailActions;
}

export class RetracePanel extends SidePanel {
  constructor(options: IRetracePanelOptions = {}) {
    const translator = options.translator ?? nullTranslator;
    super({ translator });
    this._rtrans = translator.load('jupyterlab_retrace');
    const trans = this._rtrans;
    this.model = options.model ?? new RetraceModel();
    this.id = 'jp-retrace-panel';
    this.addClass('jp-RetracePanel');
    this.title.icon = retraceIcon;
    this.title.caption = trans.__('Retrace: run history and attempts');

    const heading = new Widget();
    heading.addClass('jp-RetracePanel-header');
    heading.node.textContent = trans.__('Retrace');
    this._status = new Widget();
    this._status.addClass('jp-RetracePanel-status');
    this._status.node.setAttribute('role', 'status');
    this._notebook = new Widget();
    this._notebook.addClass('jp-RetracePanel-notebook');
    this.header.addWidget(heading);
    this.header.addWidget(this._status);
    this.header.addWidget(this._notebook);
    this.header.addWidget(new RecoverView(this.model, trans));
    this.header.addWidget(new CoverageView(this.model, trans));

    this.order = new OrderView(trans, {
      replay: () => options.order?.replay(),
      stop: () => options.order?.stop(),
      reveal: cellId => options.order?.reveal(cellId),
      label: id => this.model.notebook?.cellLabel(id) ?? ''
    });
    this.order.title.label = trans.__('Canonical order');
    this.attempts = new AttemptsView(trans, {
      newAttempt: () => options.attempts?.newAttempt(),
      restoreCommit: commit => options.attempts?.restoreCommit(commit),
      editAttempt: id => options.attempts?.editAttempt(id),
      undoRestore: () => options.attempts?.undoRestore()
    });
    this.attempts.title.label = trans.__('Attempts');
    this.graph = new AttemptGraphView(this.model, trans, options.rendermime ?? null, {
      editComment: async (id, comment) => {
        await this.model.history?.editAttempt(id, { comment });
      }
    });
    this.graph.title.label = trans.__('Attempt graph');
    this.timeline = new RunsView(this.model, trans, {
      open: run => (options.timeline?.open ? options.timeline.open(run) : this.showDetail()),
      diffPrevious: run => options.timeline?.diffPrevious?.(run)
    });
    this.timeline.title.label = trans.__('Runs');
    this.detail = new RunDetailView(this.model, trans, options.rendermime ?? null, {
      restore: commit => options.detail?.restore(commit),
      reveal: cellId => options.detail?.reveal(cellId),
      diff: commit => options.detail?.diff?.(commit)
    });
    this.detail.title.label = trans.__('Run detail');
    for (const section of [this.order, this.attempts, this.graph, this.timeline, this.detail]) {
      section.addClass('jp-RetracePanel-section');
      this.addWidget(section);
    }
    this.model.selectionChanged.connect((_, run) => (this.attempts.selectedRun = run));
    this.serverState = { kind: 'checking' };
    this.notebook = null;
  }

  readonly model: RetraceModel;
  readonly timeline: RunsView;
  readonly detail: RunDetailView;
  readonly order: OrderView;
  readonly attempts: AttemptsView;
  readonly graph: AttemptGraphView;

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
    this.model.notebook = view;
    this._notebook.node.textContent = view ? view.name : this._rtrans.__('Open a notebook to see its history.');
    this._notebook.node.title = view?.name ?? '';
    this.order.setHidden(!view);
    this.attempts.setHidden(!view);
    this.graph.setHidden(!view);
    this.attempts.selectedRun = null;
  }

  get notebook(): INotebookView | null {
    return this.model.notebook;
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (!this._sized) {
      this._sized = true;
      // Runs and their detail get most of the height; order and attempts what they usually need.
      (this.content as AccordionPanel).setRelativeSizes([2, 1.2, 2, 3, 3.5]);
    }
  }

  /** Expand the run detail section (collapsed by the user, say) and move the focus there. */
  showDetail(): void {
    this.expand(this.detail);
    this.detail.node.focus();
  }

  /** Expand a section if the user collapsed it. */
  expand(section: Widget): void {
    const content = this.content as AccordionPanel;
    const index = content.widgets.indexOf(section);
    if (index >= 0 && !section.isVisible && content.titles[index]) {
      content.expand(index);
    }
  }

  private _describe(state: ServerState): string {
    switch (state.kind) {
      case 'checking':
        return this._rtrans.__('Checking the Retrace server extension…');
      case 'ok':
        return this._rtrans.__(
          'Server extension %1 ready; histories in %2',
          state.status.version,
          state.status.historyDirRelative ?? state.status.historyDir
        );
      case 'missing':
        return this._rtrans.__(
          'Server extension missing: history cannot be saved. Install Retrace with pip in the environment that runs Jupyter, then restart it. (%1)',
          state.message
        );
      case 'failing':
        return this._rtrans.__('Server extension failing: %1', state.message);
    }
  }

  private _rtrans: TranslationBundle;
  private _status: Widget;
  private _notebook: Widget;
  private _serverState: ServerState = { kind: 'checking' };
  private _sized = false;
}
