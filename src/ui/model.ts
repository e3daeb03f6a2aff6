/**
 * What the Retrace views show, in one place: the notebook in focus (its run
 * log, its history, how its cells are named), the selected run and the run
 * filter. Plain TypeScript with signals; the React views render from it and
 * hold no state of their own beyond scroll and focus, so the sidebar and the
 * main-area view always agree on what is selected.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { TracedEffects } from '../analysis/types';
import { RunLog } from '../capture/log';
import { KernelSession, Run } from '../capture/run';
import { NotebookHistory } from '../sync/notebookhistory';
import { IRunNaming, IRunRef, RunNaming } from './format';
import { matchesFilter, parseFilter, RunFilter } from './filter';

/** The notebook the views follow. */
export interface INotebookView {
  name: string;
  log: RunLog;
  /** How to name a cell for the user now ("cell 4", "deleted cell"). */
  cellLabel: (cellId: string | null) => string;
  /** Whether the cell still exists in the notebook. */
  cellExists?: (cellId: string) => boolean;
  /** 0-based position of the cell now, -1 when it no longer exists. */
  cellIndex?: (cellId: string) => number;
  /** The cell's source now, or null when it no longer exists. */
  cellSource?: (cellId: string) => string | null;
  /** What the kernel tracer saw the run read and write, when it reported on it. */
  traced?: (run: Run) => TracedEffects | undefined;
}

/** One row of the timeline: a run or the start of a kernel session. */
export type TimelineItem = { kind: 'run'; run: Run } | { kind: 'session'; session: KernelSession };

export class RetraceModel implements IRunNaming {
  /** Emits when anything shown changed: notebook, runs, history, filter. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emits when the selected run changed. */
  get selectionChanged(): ISignal<this, Run | null> {
    return this._selectionChanged;
  }

  get notebook(): INotebookView | null {
    return this._notebook;
  }

  set notebook(view: INotebookView | null) {
    const sameLog = !!view && view.log === this._notebook?.log;
    this._notebook?.log.changed.disconnect(this._onLogChanged, this);
    this._notebook = view;
    view?.log.changed.connect(this._onLogChanged, this);
    this._items = null;
    this._naming = null;
    if (sameLog) {
      // The same notebook shown again (focus came back to it, the page restored its layout): what
      // the user picked stays picked.
      this._emit();
      return;
    }
    this._selected = null;
    this._emit();
    this._selectionChanged.emit(null);
  }

  get history(): NotebookHistory | null {
    return this._history;
  }

  set history(history: NotebookHistory | null) {
    this._history?.changed.disconnect(this._onHistoryChanged, this);
    this._history = history;
    history?.changed.connect(this._onHistoryChanged, this);
    this._emit();
  }

  /** Rows of the timeline, newest first, after the filter. */
  get items(): readonly TimelineItem[] {
    if (!this._items) {
      this._items = buildItems(this._notebook?.log ?? null, this._filter, this);
    }
    return this._items;
  }

  get filterText(): string {
    return this._filterText;
  }

  set filterText(text: string) {
    this._filterText = text;
    this._filter = parseFilter(text);
    this._items = null;
    this._emit();
  }

  get selected(): Run | null {
    return this._selected;
  }

  select(run: Run | null): void {
    if (run?.id === this._selected?.id) {
      return;
    }
    this._selected = run;
    this._selectionChanged.emit(run);
    this._changed.emit();
  }

  selectById(runId: string): void {
    this.select(this._notebook?.log.runs.find(r => r.id === runId) ?? null);
  }

  /** The run of the same cell just before this one, if any. */
  previousRunOfCell(run: Run): Run | null {
    const runs = this._notebook?.log.runs ?? [];
    const at = runs.findIndex(r => r.id === run.id);
    for (let i = at - 1; i >= 0; i--) {
      if (runs[i].cellId !== null && runs[i].cellId === run.cellId) {
        return runs[i];
      }
    }
    return null;
  }

  /** Attempt the run belongs to, from the history's run index (null when not yet written). */
  attemptOf(run: Run): string | null {
    // By run id, read once per run index (the filter asks for every run: a search per run made
    // `attempt:` quadratic in the runs).
    const index = this._history?.runIndex ?? null;
    if (index !== this._attemptsIndexed) {
      this._attemptsIndexed = index;
      this._attemptByRun = new Map();
      for (const e of index ?? []) {
        if (e.runId && !this._attemptByRun.has(e.runId)) {
          this._attemptByRun.set(e.runId, e.attempt);
        }
      }
    }
    // Else a run of another attempt (recorded before a restore, or from the kernel's journal), or one not yet written.
    const history = this._history;
    return this._attemptByRun.get(run.id) ?? history?.otherAttemptsRuns().get(run.id) ?? (history ? (history.store.currentAttempt ?? null) : null);
  }

  /** The title the user gave an attempt (its id until renamed). */
  attemptTitle(id: string): string {
    return this._history?.attempts.find(a => a.id === id)?.title ?? id;
  }

  /** The run's kernel session (1-based, in order of first run) and whether another session has a run with its count. */
  sessionOf(run: IRunRef): { ordinal: number; ambiguous: boolean } {
    return this.naming.sessionOf(run);
  }

  /** How the notebook's runs are named (see `runName`); other views extend it with the runs they show. */
  get naming(): RunNaming {
    if (!this._naming) {
      this._naming = new RunNaming(this._notebook?.log.runs ?? []);
    }
    return this._naming;
  }

  /**
   * For a run without a cell whose code is exactly what a cell that no longer
   * exists ran before (Replay runs a deleted cell's recorded code that way),
   * that cell's id; else null. So the run is named after the deleted cell,
   * not as console input.
   */
  replayedFrom(run: Run): string | null {
    const notebook = this._notebook;
    if (run.cellId !== null || !notebook?.cellExists) {
      return null;
    }
    for (const earlier of notebook.log.runs) {
      if (earlier === run || earlier.start > run.start) {
        break;
      }
      if (earlier.cellId !== null && earlier.code === run.code && !notebook.cellExists(earlier.cellId)) {
        return earlier.cellId;
      }
    }
    return null;
  }

  /** How the timeline and the detail name the cell of a run. */
  cellOf(run: Run, replayedLabel: (deletedCellLabel: string) => string): string {
    const origin = this.replayedFrom(run);
    const label = this._notebook?.cellLabel(origin ?? run.cellId) ?? '';
    return origin ? replayedLabel(label) : label;
  }

  /**
   * A snapshot row of code run without a cell that replayed a deleted cell's recorded code: that
   * cell, named as the timeline names it ("deleted cell, replayed"); else null.
   */
  replayedCellName(entry: { cellId: string | null; runId?: string | null }, replayedLabel: (deletedCellLabel: string) => string): string | null {
    const run = !entry.cellId && entry.runId ? this._notebook?.log.runs.find(r => r.id === entry.runId) : undefined;
    return run && this.replayedFrom(run) ? this.cellOf(run, replayedLabel) : null;
  }

  /** Re-read labels (cells moved, say). */
  refresh(): void {
    this._items = null;
    this._emit();
  }

  private _onLogChanged(): void {
    this._items = null;
    this._naming = null;
    // The history's full record of a run replaces its short row: the selection follows it by id.
    const selected = this._selected;
    const current = selected ? (this._notebook?.log.runs.find(r => r.id === selected.id) ?? null) : null;
    if (selected && current !== selected) {
      this._selected = current;
      this._selectionChanged.emit(current);
    }
    this._emit();
  }

  /** An attempt renamed (or a run filed under an attempt) changes what `attempt:` matches. */
  private _onHistoryChanged(): void {
    if (this._filter.attempt.length > 0) {
      this._items = null;
    }
    this._emit();
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _notebook: INotebookView | null = null;
  private _history: NotebookHistory | null = null;
  private _selected: Run | null = null;
  private _items: TimelineItem[] | null = null;
  private _attemptsIndexed: readonly unknown[] | null = null;
  private _attemptByRun = new Map<string, string>();
  private _naming: RunNaming | null = null;
  private _filterText = '';
  private _filter: RunFilter = parseFilter('');
  private _changed = new Signal<this, void>(this);
  private _selectionChanged = new Signal<this, Run | null>(this);
}

/** Runs and session markers, newest first; with a filter, only matching runs (no markers). */
export function buildItems(log: RunLog | null, filter: RunFilter, model?: RetraceModel): TimelineItem[] {
  if (!log) {
    return [];
  }
  const items: TimelineItem[] = [];
  const runs = log.runs;
  if (!filter.empty) {
    for (let r = runs.length - 1; r >= 0; r--) {
      if (matchesFilter(runs[r], filter, model)) {
        items.push({ kind: 'run', run: runs[r] });
      }
    }
    return items;
  }
  const sessions = log.sessions;
  let s = sessions.length - 1;
  for (let r = runs.length - 1; r >= 0; r--) {
    while (s >= 0 && sessions[s].start > runs[r].start) {
      items.push({ kind: 'session', session: sessions[s--] });
    }
    items.push({ kind: 'run', run: runs[r] });
  }
  while (s >= 0) {
    items.push({ kind: 'session', session: sessions[s--] });
  }
  return items;
}
