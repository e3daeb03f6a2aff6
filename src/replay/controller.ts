/**
 * Replay in order: restart the kernel, run the canonical steps one after the
 * other, stop at the first error, and compare each new output with the output
 * recorded when the run first happened.
 *
 * A step whose cell still holds the code it ran runs that cell, so the
 * notebook shows the new outputs. A step whose cell was deleted, edited since
 * (or that came from a console) runs its recorded code directly in the
 * kernel: the state depends on that code, not on what the cell shows now.
 *
 * Only steps that produced an output (recorded or replayed) count as
 * compared. After the steps, cells whose output the user sees but that are
 * not in the order (a table shown at the end) are run and compared too, when
 * the caller found that they change no state (./display.ts).
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { CodeCell } from '@jupyterlab/cells';
import { IOutput } from '@jupyterlab/nbformat';
import { Notebook, NotebookActions } from '@jupyterlab/notebook';
import { KernelMessage } from '@jupyterlab/services';

import { normalizeSource } from '../analysis/orderDiagnostics';
import { CanonicalStep } from '../analysis/orderTypes';
import { Run } from '../capture/run';
import { compareOutputs, ISanitizer } from './compare';

export type StepOutcome =
  /** Ran, and every output matches the recorded one. */
  | 'identical'
  /** Ran; neither the recorded run nor the replay produced an output: nothing was compared. */
  | 'no-output'
  /** A shown output not compared: the cell is outside the order and changes the state, or was edited (`detail` says why). */
  | 'not-compared'
  /** Ran, and some output differs from the recorded one. */
  | 'different'
  /** Ran and raised: the replay stopped here. */
  | 'error'
  /** Ran without error; its recorded outputs were not at hand (run before a page reload). */
  | 'unchecked'
  /** Not run: the replay stopped earlier or was cancelled. */
  | 'not-run';

export interface IStepResult {
  step: CanonicalStep;
  outcome: StepOutcome;
  /** The cell was edited since the recorded run: the step ran the recorded code, not the cell. */
  edited: boolean;
  /** The step ran recorded code (its cell no longer exists, or was edited since). */
  ranRecordedCode: boolean;
  /** A cell outside the order whose shown output was rerun after the steps (or said why not). */
  display?: boolean;
  /** What differs, or the error. */
  detail?: string;
}

export interface IReplayReport {
  results: IStepResult[];
  ended: 'completed' | 'error' | 'cancelled';
  /** Index into `results` of the step that raised, if any. */
  firstError: number | null;
}

export interface IReplayOptions {
  notebook: Notebook;
  sessionContext: ISessionContext;
  steps: readonly CanonicalStep[];
  /** The runs the steps' `runIndex` values point into. */
  runs: readonly Run[];
  /** Called before each step runs. */
  onProgress?: (done: number, total: number) => void;
  /** Stops before the next step (the running step is interrupted). */
  signal?: AbortSignal;
  /** Output sanitizers (default: the built-in ones). */
  sanitizers?: readonly ISanitizer[];
  /** Cells outside the order whose shown outputs are compared after the steps (see ./display.ts). */
  display?: IDisplayPlan;
  /**
   * Awaited after the restart, before the first step: the caller waits there for what must watch the
   * new kernel process first (its tracer: code run without a cell before it is installed is in no journal).
   */
  afterRestart?: () => Promise<void>;
}

/** Cells shown but not in the order: run and compared, or reported not compared. */
export interface IDisplayPlan {
  run: { cellId: string; recorded: IOutput[] }[];
  notCompared: { cellId: string; reason: string }[];
}

/** The counts a report states: compared outputs only, never steps without one. */
export interface IReportCounts {
  steps: number;
  ran: number;
  compared: number;
  identical: number;
  different: number;
  noOutput: number;
  notCompared: number;
}

export function summariseReport(report: IReplayReport): IReportCounts {
  const steps = report.results.filter(r => !r.display);
  const count = (outcome: StepOutcome) => report.results.filter(r => r.outcome === outcome).length;
  return {
    steps: steps.length,
    ran: steps.filter(r => r.outcome !== 'not-run').length,
    compared: count('identical') + count('different'),
    identical: count('identical'),
    different: count('different'),
    noOutput: count('no-output'),
    notCompared: count('unchecked') + count('not-compared')
  };
}

export async function replayInOrder(options: IReplayOptions): Promise<IReplayReport> {
  const { notebook, sessionContext, steps, runs, onProgress, signal, sanitizers, display, afterRestart } = options;
  const results: IStepResult[] = steps.map(step => ({ step, outcome: 'not-run', edited: false, ranRecordedCode: false }));
  const compare = (recorded: readonly IOutput[], outputs: IOutput[], result: IStepResult) => {
    if (recorded.length === 0 && outputs.length === 0) {
      result.outcome = 'no-output';
      return;
    }
    const comparison = compareOutputs(recorded, outputs, { sanitizers });
    result.outcome = comparison.same ? 'identical' : 'different';
    if (!comparison.same) {
      result.detail = comparison.detail;
    }
  };
  const onAbort = () => void sessionContext.session?.kernel?.interrupt();
  signal?.addEventListener('abort', onAbort);
  try {
    await sessionContext.restartKernel();
    await afterRestart?.();
    for (let i = 0; i < steps.length; i++) {
      if (signal?.aborted) {
        return { results, ended: 'cancelled', firstError: null };
      }
      onProgress?.(i, steps.length);
      const step = steps[i];
      const run = runs[step.runIndex];
      const cell = step.cellId === null ? undefined : notebook.widgets.find(w => w.model.id === step.cellId);
      const result = results[i];
      const codeCell = cell && cell.model.type === 'code' ? (cell as CodeCell) : undefined;
      result.edited = codeCell !== undefined && normalizeSource(codeCell.model.sharedModel.getSource()) !== normalizeSource(run.code);
      const ran = codeCell && !result.edited ? await runCell(notebook, sessionContext, codeCell) : await recordedCode(sessionContext, run.code, result);
      if (signal?.aborted) {
        return { results, ended: 'cancelled', firstError: null };
      }
      if (ran.error) {
        result.outcome = 'error';
        result.detail = `${ran.error.ename}: ${ran.error.evalue}`;
        return { results, ended: 'error', firstError: i };
      }
      if (run.outputsRecorded === false) {
        result.outcome = 'unchecked';
        continue;
      }
      compare(run.outputs, ran.outputs, result);
    }
    onProgress?.(steps.length, steps.length);
    // Shown outputs outside the order: they change no state, so running them last is safe.
    for (const { cellId, recorded } of display?.run ?? []) {
      const cell = notebook.widgets.find(w => w.model.id === cellId);
      if (signal?.aborted || !cell || cell.model.type !== 'code') {
        continue;
      }
      const result: IStepResult = { step: { cellId, runIndex: -1, position: notebook.widgets.indexOf(cell) }, outcome: 'not-run', edited: false, ranRecordedCode: false, display: true };
      results.push(result);
      const ran = await runCell(notebook, sessionContext, cell as CodeCell);
      if (ran.error && !recorded.some(o => o.output_type === 'error')) {
        result.outcome = 'error';
        result.detail = `${ran.error.ename}: ${ran.error.evalue}`;
        continue;
      }
      compare(recorded, ran.outputs, result);
    }
    for (const { cellId, reason } of display?.notCompared ?? []) {
      const position = notebook.widgets.findIndex(w => w.model.id === cellId);
      results.push({ step: { cellId, runIndex: -1, position }, outcome: 'not-compared', detail: reason, edited: false, ranRecordedCode: false, display: true });
    }
    return { results, ended: signal?.aborted ? 'cancelled' : 'completed', firstError: null };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

interface IRan {
  outputs: IOutput[];
  error: { ename: string; evalue: string } | null;
}

/** Run a cell through NotebookActions, so the run is captured like any other and the cell shows it. */
async function runCell(notebook: Notebook, sessionContext: ISessionContext, cell: CodeCell): Promise<IRan> {
  notebook.activeCellIndex = notebook.widgets.indexOf(cell);
  notebook.deselectAll();
  const ok = await NotebookActions.run(notebook, sessionContext);
  const outputs = cell.model.outputs.toJSON() as IOutput[];
  return { outputs, error: ok ? null : errorOf(undefined, outputs) };
}

async function recordedCode(sessionContext: ISessionContext, code: string, result: IStepResult): Promise<IRan> {
  result.ranRecordedCode = true;
  return executeCode(sessionContext, code);
}

function errorOf(
  reply: KernelMessage.IExecuteReplyMsg['content'] | undefined,
  outputs: IOutput[]
): { ename: string; evalue: string } | null {
  if (reply?.status === 'ok') {
    return null;
  }
  if (reply?.status === 'error') {
    return { ename: reply.ename, evalue: reply.evalue };
  }
  const shown = outputs.find(o => o.output_type === 'error');
  return shown ? { ename: String(shown.ename), evalue: String(shown.evalue) } : { ename: 'Aborted', evalue: 'the kernel did not run the code' };
}

/** Run code in the kernel without a cell, collecting what it displays. */
async function executeCode(
  sessionContext: ISessionContext,
  code: string
): Promise<{ outputs: IOutput[]; error: { ename: string; evalue: string } | null }> {
  const kernel = sessionContext.session?.kernel;
  if (!kernel) {
    return { outputs: [], error: { ename: 'NoKernel', evalue: 'the notebook has no kernel' } };
  }
  const outputs: IOutput[] = [];
  // A connection of its own: the kernel sees another client, and capture records
  // the run as one without a cell, which is what it is.
  const connection = kernel.clone({ handleComms: false });
  const future = connection.requestExecute({ code, stop_on_error: true, store_history: true });
  future.onIOPub = msg => {
    const type = msg.header.msg_type;
    if (type === 'stream' || type === 'display_data' || type === 'execute_result' || type === 'error') {
      outputs.push({ output_type: type, ...(msg.content as object) } as IOutput);
    }
  };
  const reply = await future.done.finally(() => connection.dispose());
  return { outputs, error: errorOf(reply.content as KernelMessage.IExecuteReplyMsg['content'], outputs) };
}
