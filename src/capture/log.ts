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
   * Runs of the kernel session that produced the live state: those recorded in
   * it, and those its kernel process ran before a page reload (read back from
   * the history), in execution order.
   */
  get currentSessionRuns(): Run[] {
    const current = this._sessions[this._sessions.length - 1];
    if (!current) {
      return [];
    }
    const prefix = current.kernelProcess ? `${current.kernelProcess}/` : null;
    const runs = this._runs.filter(run => run.kernelSessionId === current.id || (prefix !== null && run.id.startsWith(prefix)));
    return prefix ? runs.sort((a, b) => (a.executionCount ?? Infinity) - (b.executionCount ?? Infinity) || (a.start < b.start ? -1 : 1)) : runs;
  }

  /** Emit `changed` after a session learned its kernel process. */
  sessionUpdated(): void {
    this._changed.emit();
  }

  addSession(session: KernelSession): void {
    this._sessions.push(session);
    this._changed.emit();
  }

  /** Add a run; a run already present (same id, e.g. from a second view or a reload) is ignored. */
  addRun(run: Run): boolean {
    if (this._ids.has(run.id)) {
      return false;
    }
    this._ids.add(run.id);
    this._runs.push(run);
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

  private _runs: Run[] = [];
  private _ids = new Set<string>();
  private _sessions: KernelSession[] = [];
  private _changed = new Signal<this, void>(this);
}
