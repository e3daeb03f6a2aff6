/**
 * The records capture produces: a Run per code execution and a Kernel session
 * per kernel start. Plain data (JSON-serialisable), shared by the history
 * store, the analysis and the UI.
 */
import type { IOutput } from '@jupyterlab/nbformat';

export type RunStatus = 'ok' | 'error' | 'interrupted' | 'aborted';

/** One execution of code in a notebook's kernel. */
export interface Run {
  /** Unique in the notebook's history: kernel session id + execution count (or a sequence for aborted runs). */
  id: string;
  notebookId: string;
  /** The cell that ran, or null for code sent from a console attached to the notebook's kernel. */
  cellId: string | null;
  /** The code exactly as the kernel executed it. */
  code: string;
  executionCount: number | null;
  kernelSessionId: string;
  /** ISO timestamps, the browser's clock. */
  start: string;
  end: string;
  status: RunStatus;
  error?: { ename: string; evalue: string };
  outputs: IOutput[];
  /** False for a run read back from the history without its outputs (after a page reload). */
  outputsRecorded?: false;
}

/** The runs between two kernel starts: the live kernel state is the product of these runs only. */
export interface KernelSession {
  id: string;
  kernelId: string;
  kernelName: string;
  /** Why it began. */
  reason: 'start' | 'restart' | 'change';
  start: string;
  /**
   * The kernel process's own session id, once known. Runs are named
   * `<kernelProcess>/<count>`, so after a page reload the runs this process
   * executed before are found again in the history.
   */
  kernelProcess?: string;
}
