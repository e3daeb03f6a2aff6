/**
 * The run log of one notebook: its kernel sessions and runs in the order they
 * happened. The panel renders it; the history store persists it.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { KernelSession, Run } from './run';

export class RunLog {
  /** Emits after runs or sessions were added. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get runs(): readonly Run[] {
    return this._runs;
  }

  get sessions(): readonly KernelSession[] {
    return this._sessions;
  }

  /**
   * Runs of the kernel session that produced the live state, in execution
   * order: those of its kernel process, whichever page or tab recorded them
   * (each run says which process ran it).
   */
  get currentSessionRuns(): Run[] {
    const current = this._sessions[this._sessions.length - 1];
    if (!current) {
      return [];
    }
    const process = current.kernelProcess;
    const runs = this._runs.filter(run => run.kernelSessionId === current.id || (process !== undefined && run.kernelSessionId === process));
    return runs.sort(
      (a, b) => (a.executionCount ?? Infinity) - (b.executionCount ?? Infinity) || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0)
    );
  }

  /** The run with this id, if the log holds it. */
  get(id: string): Run | undefined {
    return this._runs.find(run => run.id === id);
  }

  /**
   * What the recording of this notebook's runs can promise: with the kernel's
   * journal (IPython), every run once, whoever sent it and whenever the page
   * was away; without it, only what this page saw, and runs of other tabs or
   * consoles without their cell.
   */
  get coverage(): { journal: boolean; note: string } {
    return this._coverage;
  }

  setCoverage(journal: boolean, note: string): void {
    if (journal !== this._coverage.journal || note !== this._coverage.note) {
      this._coverage = { journal, note };
      this._changed.emit();
    }
  }

  /** Emit `changed` after a session learned its kernel process. */
  sessionUpdated(): void {
    this._changed.emit();
  }

  addSession(session: KernelSession): void {
    this._sessions.push(session);
    this._changed.emit();
  }

  /**
   * Add a run; a run already present (same id: another path, tab or reload
   * reported it) is not added again. Returns whether it is new. A short row
   * read from the history is replaced by the full record, which is not new.
   */
  addRun(run: Run): boolean {
    if (this._ids.has(run.id)) {
      const i = this._runs.findIndex(r => r.id === run.id);
      if (i >= 0 && this._runs[i].fromHistory && !run.fromHistory) {
        this._runs = [...this._runs.slice(0, i), run, ...this._runs.slice(i + 1)];
        this._changed.emit();
      }
      return false;
    }
    this._ids.add(run.id);
    this._runs.push(run);
    this._changed.emit();
    return true;
  }

  /**
   * Add a run that happened before this page learned of it (caught up from the
   * kernel's journal after a reload, or in a second tab), where it happened:
   * after the runs of its kernel process with a lower execution count, and
   * after the runs of other kernel sessions that started before it. Not at the
   * end: the history's runs of the current attempt may be newer. Returns
   * whether it is new, as `addRun`.
   */
  addEarlier(run: Run): boolean {
    if (this._ids.has(run.id)) {
      return this.addRun(run);
    }
    const precedes = (r: Run) =>
      r.kernelSessionId === run.kernelSessionId && r.executionCount !== null && run.executionCount !== null
        ? r.executionCount < run.executionCount
        : r.start <= run.start;
    let at = this._runs.length;
    while (at > 0 && !precedes(this._runs[at - 1])) {
      at--;
    }
    this._ids.add(run.id);
    // In place, as `addRun` pushes: a catch-up of a long journal must not copy the log per run.
    this._runs.splice(at, 0, run);
    this._changed.emit();
    return true;
  }

  /**
   * Add runs read back from the notebook's history (after a reload, say),
   * keeping the log in time order; runs already present are skipped.
   */
  addHistorical(runs: readonly Run[], replace = false): void {
    const byId = new Map(runs.map(run => [run.id, run]));
    let changed = false;
    if (replace) {
      // Full records replace the short rows shown so far.
      this._runs = this._runs.map(run => {
        const full = byId.get(run.id);
        changed ||= !!full;
        return full ?? run;
      });
    }
    const fresh = runs.filter(run => !this._ids.has(run.id));
    for (const run of fresh) {
      this._ids.add(run.id);
    }
    if (fresh.length > 0) {
      this._runs = [...fresh, ...this._runs].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    }
    if (changed || fresh.length > 0) {
      this._changed.emit();
    }
  }

  private _coverage = { journal: false, note: '' };
  private _runs: Run[] = [];
  private _ids = new Set<string>();
  private _sessions: KernelSession[] = [];
  private _changed = new Signal<this, void>(this);
}
