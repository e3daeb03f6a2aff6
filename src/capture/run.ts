/**
 * The records capture produces: a Run per code execution and a Kernel session
 * per kernel start. Plain data (JSON-serialisable), shared by the history
 * store, the analysis and the UI.
 */
import type { IOutput } from '@jupyterlab/nbformat';

export type RunStatus = 'ok' | 'error' | 'interrupted' | 'aborted';

/** One execution of code in a notebook's kernel. */
export interface Run {
  /**
   * Unique in the notebook's history: `<kernel process>/<execution count>`
   * (the same in every tab and in the kernel's journal), or a random suffix for
   * aborted runs, which the kernel never counted.
   */
  id: string;
  notebookId: string;
  /** The cell that ran, or null for code sent from a console attached to the notebook's kernel. */
  cellId: string | null;
  /** The code exactly as the kernel executed it. */
  code: string;
  executionCount: number | null;
  /** The kernel process that ran it (see KernelSession.kernelProcess), else this page's session id. */
  kernelSessionId: string;
  /** ISO timestamps, the browser's clock. */
  start: string;
  end: string;
  status: RunStatus;
  error?: { ename: string; evalue: string };
  outputs: IOutput[];
  /** False for a run read back from the history without its outputs (after a page reload). */
  outputsRecorded?: false;
  /** A short row read from the history's run index (code is its first line); a full record replaces it. */
  fromHistory?: true;
  /** For such a row, the index's hash of the full code (see history's `codeHash`); absent in older rows. */
  codeHash?: number;
  /** A Replay in order ran it (the kernel state it built is the replay's, not the user's exploration). */
  replay?: true;
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
   * `<kernelProcess>/<count>` and carry it as their kernelSessionId, so every
   * page (and every reload) puts a run in the same session.
   */
  kernelProcess?: string;
  /**
   * This page connected to a kernel process that had already run code (a
   * reload, a second tab): not a new kernel session. `start` is then the
   * earliest known run of the process.
   */
  reconnected?: true;
}
