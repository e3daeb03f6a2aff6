/**
 * The Retrace sidebar: a SidePanel (as JupyterLab's own sidebars) whose header
 * says whether the server part is ready and which notebook is shown, and whose
 * sections collapse and resize: canonical order, attempts, runs, run detail.
 * The runs list takes the height the other sections leave; the graph and the
 * detail start collapsed, and the sections a user collapses stay so next time.
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
  order?: Omit<IOrderViewCallbacks, 'label' | 'exists'>;
  attempts?: IAttemptsCallbacks;
  timeline?: Partial<ITimelineActions>;
  /** The attempt graph's diff of two snapshots (D on a point). */
  graph?: { diffPoints?: (from: string, to: string) => void };
  detail?: IRunDetailActions;
  /**
   * Resolves when JupyterLab has restored its layout. The shell restores the
   * sections' expansion from the workspace, saved whenever the layout last
   * changed (not when a section is toggled), so it can be older than the
   * user's last toggle: until then toggles are not remembered, and after it
   * the remembered sections are applied again.
   */
  restored?: Promise<unknown>;
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
      label: id => this.model.notebook?.cellLabel(id) ?? '',
      exists: id => this.model.notebook?.cellExists?.(id) ?? true
    });
    this.order.title.label = trans.__('Canonical order');
    this.attempts = new AttemptsView(trans, {
      newAttempt: () => options.attempts?.newAttempt(),
      restoreCommit: commit => options.attempts?.restoreCommit(commit),
      editAttempt: id => options.attempts?.editAttempt(id),
      undoRestore: () => options.attempts?.undoRestore()
    }, this.model);
    this.attempts.title.label = trans.__('Attempts');
    this.graph = new AttemptGraphView(this.model, trans, options.rendermime ?? null, {
      editComment: async (id, comment) => {
        await this.model.history?.editAttempt(id, { comment });
      },
      diffPrevious: (commit, previous) => options.graph?.diffPoints?.(previous ?? commit, commit)
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
    // Titles as tall as a line: at 250 px × 768 px every row counts.
    (this.content as AccordionPanel).titleSpace = 22;
    this.model.selectionChanged.connect((_, run) => {
      this.attempts.selectedRun = run;
      // Picking a run is asking to see it: a collapsed detail opens.
      if (run && this.isAttached) {
        this.expand(this.detail);
      }
    });
    (this.content as AccordionPanel).expansionToggled.connect(this._onToggled, this);
    // The order grows with a replay report: give it the height its summary needs.
    this._orderObserver = new MutationObserver(() => this._scheduleFit(false));
    this._orderObserver.observe(this.order.node, { childList: true, subtree: true, characterData: true });
    this.serverState = { kind: 'checking' };
    this.notebook = null;
    if (options.restored) {
      this._restoring = true;
      void options.restored.then(() => {
        this._restoring = false;
        if (this.isAttached) {
          this._applyCollapsed();
        }
      });
    }
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
    // The line may be cut at 250 px: the tooltip has all of it.
    node.title = state.kind === 'ok' ? `${node.textContent}\n${state.status.historyDir}` : (node.textContent ?? '');
  }

  /** The notebook whose history is shown, or null when no notebook is in focus. */
  set notebook(view: INotebookView | null) {
    this.model.notebook = view;
    this._notebook.node.textContent = view ? view.name : this._rtrans.__('Open a notebook to see its history.');
    this._notebook.node.title = view?.name ?? '';
    const content = this.content as AccordionPanel;
    SECTION_KEYS.forEach((key, index) => {
      if (WITH_NOTEBOOK_ONLY.includes(key)) {
        // A section the user collapsed stays collapsed when a notebook comes.
        content.widgets[index]?.setHidden(!view || !isExpanded(content, index));
      }
    });
    this.attempts.selectedRun = this.model.selected;
  }

  get notebook(): INotebookView | null {
    return this.model.notebook;
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (!this._sized) {
      this._sized = true;
      if (!this._restoring) {
        this._applyCollapsed();
      }
    }
    this._scheduleFit(true);
  }

  /** The sections the user collapsed last time (graph and detail at first) collapsed, the others expanded. */
  private _applyCollapsed(): void {
    const collapsed = readCollapsed();
    const content = this.content as AccordionPanel;
    const restoring = this._restoring;
    this._restoring = true;
    SECTION_KEYS.forEach((key, index) => {
      const widget = content.widgets[index];
      const title = content.titles[index];
      if (!widget || !title) {
        return;
      }
      const expanded = !collapsed.includes(key);
      if (!this.model.notebook && WITH_NOTEBOOK_ONLY.includes(key)) {
        // Hidden until a notebook is shown: its title says how it will be then.
        widget.hide();
        title.classList.toggle('lm-mod-expanded', expanded);
        title.setAttribute('aria-expanded', String(expanded));
      } else if (expanded) {
        content.expand(index);
      } else {
        content.collapse(index);
      }
    });
    this._restoring = restoring;
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._scheduleFit(false);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._scheduleFit(false);
  }

  dispose(): void {
    this._orderObserver.disconnect();
    window.cancelAnimationFrame(this._fitFrame);
    super.dispose();
  }

  /**
   * Share the height. First the order's summary, its Replay button and the
   * replay report's summary (the whole order when it is short); the graph and
   * the detail, when open, a share each; then the runs enough for eight runs;
   * then the attempts what is left (at least two lines), and the runs
   * everything beyond.
   */
  fitSections(): void {
    const content = this.content as AccordionPanel;
    const widgets = content.widgets;
    const titles = content.titles.reduce((sum, title) => sum + title.offsetHeight, 0);
    const height = content.node.clientHeight - titles;
    if (height <= 0) {
      return;
    }
    this._fittedHeight = this.node.clientHeight;
    this._orderNatural = naturalHeight(this.order.node);
    const shown = (widget: Widget) => !widget.isHidden;
    const size = new Map<Widget, number>();
    if (shown(this.order)) {
      const natural = this._orderNatural;
      const essential = orderEssentialHeight(this.order.node);
      size.set(this.order, natural <= 0.2 * height ? natural : Math.min(natural, Math.max(essential, 0.2 * height)));
    }
    if (shown(this.graph)) {
      size.set(this.graph, Math.min(naturalHeight(this.graph.node), 0.35 * height));
    }
    const taken = () => [...size.values()].reduce((a, b) => a + b, 0);
    if (shown(this.detail)) {
      // Up to 40 %, but the runs keep a few rows (and the attempts their two lines) beside it.
      const keep = (shown(this.timeline) ? runsWanted(this.timeline.node, 4) : 0) + (shown(this.attempts) ? 44 : 0);
      size.set(this.detail, Math.max(0.2 * height, Math.min(0.4 * height, height - taken() - keep)));
    }
    if (shown(this.attempts)) {
      const natural = naturalHeight(this.attempts.node);
      const left = height - taken() - (shown(this.timeline) ? runsWanted(this.timeline.node) : 0);
      size.set(this.attempts, Math.min(natural, Math.max(left, 44)));
    }
    if (shown(this.timeline)) {
      size.set(this.timeline, Math.max(height - taken(), 0.2 * height));
    }
    content.setRelativeSizes(widgets.map(widget => size.get(widget) ?? 0));
    // Focus returning to Replay after its dialog may have scrolled the order while it was short:
    // once it has its height again, its summary comes first.
    this.order.node.scrollTop = 0;
  }

  private _scheduleFit(always: boolean): void {
    window.cancelAnimationFrame(this._fitFrame);
    this._fitFrame = window.requestAnimationFrame(() => {
      if (!this.isVisible) {
        return;
      }
      // Re-fit only when the panel's height or the order's needed height changed, so a user's drag holds.
      if (always || this.node.clientHeight !== this._fittedHeight || naturalHeight(this.order.node) !== this._orderNatural) {
        this.fitSections();
      }
    });
  }

  private _onToggled(): void {
    if (this._restoring) {
      return;
    }
    const content = this.content as AccordionPanel;
    writeCollapsed(SECTION_KEYS.filter((_, index) => !isExpanded(content, index)));
    this._scheduleFit(true);
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
  private _restoring = false;
  private _fitFrame = 0;
  private _fittedHeight = -1;
  private _orderNatural = -1;
  private _orderObserver: MutationObserver;
}

/** The sections in panel order, as named in the remembered collapsed list. */
const SECTION_KEYS = ['order', 'attempts', 'graph', 'runs', 'detail'] as const;
type SectionKey = (typeof SECTION_KEYS)[number];
const COLLAPSED_STORAGE_KEY = 'jupyterlab-retrace:collapsed-sections';
const DEFAULT_COLLAPSED: SectionKey[] = ['graph', 'detail'];
/** Sections shown only while a notebook is. */
const WITH_NOTEBOOK_ONLY: readonly SectionKey[] = ['order', 'attempts', 'graph'];

function isExpanded(content: AccordionPanel, index: number): boolean {
  return content.titles[index]?.getAttribute('aria-expanded') !== 'false';
}

function readCollapsed(): SectionKey[] {
  try {
    const stored = JSON.parse(window.localStorage.getItem(COLLAPSED_STORAGE_KEY) ?? 'null');
    if (Array.isArray(stored)) {
      return stored.filter((key): key is SectionKey => (SECTION_KEYS as readonly string[]).includes(key));
    }
  } catch {
    // Storage off or a value from elsewhere: the defaults.
  }
  return DEFAULT_COLLAPSED;
}

function writeCollapsed(keys: SectionKey[]): void {
  try {
    window.localStorage.setItem(COLLAPSED_STORAGE_KEY, JSON.stringify(keys));
  } catch {
    // Not remembered: nothing else depends on it.
  }
}

/** How tall a section's content is (its children laid out, however tall the section is now). */
function naturalHeight(node: HTMLElement): number {
  let bottom = 0;
  for (const child of Array.from(node.children) as HTMLElement[]) {
    bottom = Math.max(bottom, child.offsetTop + child.offsetHeight);
  }
  return Math.ceil(bottom + parseFloat(getComputedStyle(node).paddingBottom || '0'));
}

/** The runs section with its filter and eight runs (fewer when there are fewer runs), or `wanted` rows. */
function runsWanted(node: HTMLElement, wanted = 9): number {
  // The list starts below the filter box.
  const top = node.querySelector<HTMLElement>('.jp-RetraceTimeline')?.offsetTop ?? 40;
  const row = node.querySelector<HTMLElement>('.jp-RetraceTimeline-run')?.offsetHeight || 42;
  const rows = node.querySelector<HTMLElement>('.jp-RetraceTimeline-spacer')?.offsetHeight ?? 0;
  // Nine rows by default: eight runs and the start of a kernel session between them.
  return top + 6 + Math.max(Math.min(rows, wanted * row), 2 * row);
}

/** The order section down to its summary, Replay button and replay summary: what must never be clipped. */
function orderEssentialHeight(node: HTMLElement): number {
  let bottom = 0;
  for (const selector of ['.jp-RetraceOrder-summary', '.jp-RetraceOrder-actions', '.jp-RetraceOrder-reportSummary']) {
    const element = node.querySelector<HTMLElement>(selector);
    if (element && element.offsetParent === node) {
      bottom = Math.max(bottom, element.offsetTop + element.offsetHeight);
    }
  }
  return Math.ceil(bottom + parseFloat(getComputedStyle(node).paddingBottom || '0'));
}
