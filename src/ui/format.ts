/**
 * How runs, times and durations are worded for the user. A run is named by its
 * execution count, plus its kernel session wherever two sessions share that
 * count, so "[7]" never points at two different runs.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { Run } from '../capture/run';

/** What naming a run needs to know about the other runs. */
export interface IRunNaming {
  /** 1-based position of the run's kernel session, and whether its count is shared with another session. */
  sessionOf(run: Run): { ordinal: number; ambiguous: boolean };
}

/** Short name for a row: "[7]", or "2:[7]" when kernel session 2 is not the only one with a [7]. */
export function runName(run: Run, naming: IRunNaming, trans: TranslationBundle): string {
  const count = run.executionCount === null ? '[ ]' : `[${run.executionCount}]`;
  const session = naming.sessionOf(run);
  return session.ambiguous ? trans.__('%1:%2', session.ordinal, count) : count;
}

/** Long name for a heading: "run [7] of kernel session 2". */
export function runTitle(run: Run, naming: IRunNaming, trans: TranslationBundle): string {
  const count = run.executionCount === null ? '[ ]' : `[${run.executionCount}]`;
  return trans.__('run %1 of kernel session %2', count, naming.sessionOf(run).ordinal);
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
