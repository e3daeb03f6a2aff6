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

  /** Runs of the kernel session that produced the live state. */
  get currentSessionRuns(): Run[] {
    const current = this._sessions[this._sessions.length - 1];
    return current ? this._runs.filter(run => run.kernelSessionId === current.id) : [];
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
  addHistorical(runs: readonly Run[]): void {
    const fresh = runs.filter(run => !this._ids.has(run.id));
    if (fresh.length === 0) {
      return;
    }
    for (const run of fresh) {
      this._ids.add(run.id);
    }
    this._runs = [...fresh, ...this._runs].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    this._changed.emit();
  }

  private _runs: Run[] = [];
  private _ids = new Set<string>();
  private _sessions: KernelSession[] = [];
  private _changed = new Signal<this, void>(this);
}
