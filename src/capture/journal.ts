/**
 * Runs from the kernel's journal (kernel/tracer.py): what an IPython kernel
 * executed, whoever sent it, named by kernel process and execution count.
 * A page that connects or reconnects catches up from it, so runs that
 * happened while no page listened (a reload in the middle of Run All) are
 * recorded, and a run sent by another tab carries its real cell id.
 */
import type { IOutput } from '@jupyterlab/nbformat';

import type { IJournalEntry } from '../kernel/tracer';
import type { Run } from './run';

/** The run id every page gives the run the journal entry describes. */
export function journalRunId(entry: Pick<IJournalEntry, 'kernel' | 'executionCount'>): string {
  return `${entry.kernel}/${entry.executionCount}`;
}

/** A journal entry as a Run of this notebook; `outputs` when the page saw them (runs of other clients). */
export function runFromJournal(entry: IJournalEntry, notebookId: string, outputs: IOutput[] = []): Run {
  const ename = entry.error?.ename;
  return {
    id: journalRunId(entry),
    notebookId,
    cellId: entry.cellId,
    code: entry.code,
    executionCount: entry.executionCount,
    kernelSessionId: entry.kernel,
    start: new Date(entry.start).toISOString(),
    end: new Date(Math.max(entry.end, entry.start)).toISOString(),
    status: entry.status === 'ok' ? 'ok' : ename === 'KeyboardInterrupt' ? 'interrupted' : 'error',
    ...(entry.error ? { error: entry.error } : {}),
    outputs
  };
}
