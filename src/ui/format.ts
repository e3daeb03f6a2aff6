/**
 * How runs, times and durations are worded for the user. A run is named by its
 * execution count, plus its kernel session wherever two sessions share that
 * count, so "[7]" never points at two different runs: every view names runs
 * with `runName` here.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { Run } from '../capture/run';

/**
 * What naming needs of a run: its count, its kernel session and when it
 * started, as a captured Run or a row of the history's run index holds them.
 */
export interface IRunRef {
  executionCount: number | null;
  /** A captured Run's kernel session. */
  kernelSessionId?: string;
  /** A run index row's kernel session. */
  kernelSession?: string | null;
  start?: string | number | null;
}

/** What naming a run needs to know about the other runs. */
export interface IRunNaming {
  /** 1-based position of the run's kernel session, and whether its count is shared with another session. */
  sessionOf(run: IRunRef): { ordinal: number; ambiguous: boolean };
}

/**
 * The one rule for numbering kernel sessions: by their first run, oldest
 * first, so every view given the same runs numbers them alike. A run's count
 * is ambiguous when another session has a run with that count.
 */
export class RunNaming implements IRunNaming {
  constructor(runs: Iterable<IRunRef>, before: RunNaming | null = null) {
    const first = new Map<string, number>();
    for (const run of runs) {
      const key = sessionKey(run);
      const start = startMs(run.start);
      const known = first.get(key);
      if (known === undefined || start < known) {
        first.set(key, start);
      }
      if (run.executionCount !== null) {
        const set = this._byCount.get(run.executionCount) ?? new Set<string>();
        set.add(key);
        this._byCount.set(run.executionCount, set);
      }
    }
    // Sessions the naming this one extends already numbered keep their numbers.
    let next = before ? before._ordinals.size : 0;
    before?._ordinals.forEach((ordinal, key) => this._ordinals.set(key, ordinal));
    before?._byCount.forEach((sessions, count) => {
      const set = this._byCount.get(count) ?? new Set<string>();
      sessions.forEach(s => set.add(s));
      this._byCount.set(count, set);
    });
    for (const [key] of [...first].sort((a, b) => a[1] - b[1])) {
      if (!this._ordinals.has(key)) {
        this._ordinals.set(key, ++next);
      }
    }
  }

  /** A naming that also knows `runs`: sessions new to it are numbered after the known ones. */
  with(runs: Iterable<IRunRef>): RunNaming {
    return new RunNaming(runs, this);
  }

  sessionOf(run: IRunRef): { ordinal: number; ambiguous: boolean } {
    const key = sessionKey(run);
    return {
      ordinal: this._ordinals.get(key) ?? this._ordinals.size + 1,
      ambiguous: run.executionCount !== null && [...(this._byCount.get(run.executionCount) ?? [])].some(s => s !== key)
    };
  }

  private _ordinals = new Map<string, number>();
  private _byCount = new Map<number, Set<string>>();
}

function sessionKey(run: IRunRef): string {
  return run.kernelSessionId ?? run.kernelSession ?? '';
}

function startMs(start: string | number | null | undefined): number {
  const ms = typeof start === 'number' ? start : start ? Date.parse(start) : NaN;
  return Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER;
}

/**
 * Short name for a row, the one used wherever a run is named: "[7]", or
 * "2:[7]" when kernel session 2 is not the only one with a [7].
 */
export function runName(run: IRunRef, naming: IRunNaming, trans: TranslationBundle): string {
  const count = run.executionCount === null ? '[ ]' : `[${run.executionCount}]`;
  const session = naming.sessionOf(run);
  return session.ambiguous ? trans.__('%1:%2', session.ordinal, count) : count;
}

/** Long name for a heading: "run [7] of kernel session 2". */
export function runTitle(run: IRunRef, naming: IRunNaming, trans: TranslationBundle): string {
  const count = run.executionCount === null ? '[ ]' : `[${run.executionCount}]`;
  return trans.__('run %1 of kernel session %2', count, naming.sessionOf(run).ordinal);
}

/**
 * How a row of the history's run index names its cell: by the cell's position
 * in the snapshot the row belongs to ("cell 4"), as commit subjects do; a cell
 * not in that snapshot as deleted; code without a cell as console input, or
 * as the replay of a deleted cell when `replayedLabel` says it was one.
 */
export function snapshotCellName(
  entry: { cellId: string | null; cellIndex: number | null },
  trans: TranslationBundle,
  replayedLabel: string | null = null
): string {
  if (entry.cellIndex !== null) {
    return trans.__('cell %1', entry.cellIndex + 1);
  }
  if (entry.cellId) {
    return trans.__('deleted cell');
  }
  return replayedLabel ?? trans.__('console');
}

export function statusText(run: Run, trans: TranslationBundle): string {
  switch (run.status) {
    case 'ok':
      return trans.__('ok');
    case 'error':
      return trans.__('error: %1: %2', run.error?.ename ?? '', run.error?.evalue ?? '');
    case 'interrupted':
      return trans.__('interrupted');
    case 'aborted':
      return trans.__('aborted (not run after an earlier error)');
  }
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatDateTime(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return '';
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  if (ms < 60_000) {
    return `${(ms / 1000).toFixed(1)} s`;
  }
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
