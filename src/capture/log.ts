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

  private _runs: Run[] = [];
  private _ids = new Set<string>();
  private _sessions: KernelSession[] = [];
  private _changed = new Signal<this, void>(this);
}
