/**
 * Replay in order: restart the kernel, run the canonical steps one after the
 * other, stop at the first error, and compare each new output with the output
 * recorded when the run first happened.
 *
 * A step whose cell still exists runs that cell, so the notebook shows the new
 * outputs. A step whose cell was deleted (or that came from a console) runs
 * its recorded code directly in the kernel: the state depends on it and there
 * is no cell to show it in.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { CodeCell } from '@jupyterlab/cells';
import { IOutput } from '@jupyterlab/nbformat';
import { Notebook, NotebookActions } from '@jupyterlab/notebook';
import { KernelMessage } from '@jupyterlab/services';

import { CanonicalStep } from '../analysis/orderTypes';
import { Run } from '../capture/run';
import { compareOutputs } from './compare';

export type StepOutcome =
  /** Ran, and every output matches the recorded one. */
  | 'identical'
  /** Ran; neither the recorded run nor the replay produced an output: nothing was compared. */
  | 'no-output'
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
  /** The cell ran its current source, which differs from the code recorded for this step. */
  edited: boolean;
  /** The step ran recorded code because its cell no longer exists. */
  ranRecordedCode: boolean;
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
}

export async function replayInOrder(options: IReplayOptions): Promise<IReplayReport> {
  const { notebook, sessionContext, steps, runs, onProgress, signal } = options;
  const results: IStepResult[] = steps.map(step => ({ step, outcome: 'not-run', edited: false, ranRecordedCode: false }));
  const onAbort = () => void sessionContext.session?.kernel?.interrupt();
  signal?.addEventListener('abort', onAbort);
  try {
    await sessionContext.restartKernel();
    for (let i = 0; i < steps.length; i++) {
      if (signal?.aborted) {
        return { results, ended: 'cancelled', firstError: null };
      }
      onProgress?.(i, steps.length);
      const step = steps[i];
      const run = runs[step.runIndex];
      const cell = step.cellId === null ? undefined : notebook.widgets.find(w => w.model.id === step.cellId);
      const result = results[i];
      let outputs: IOutput[];
      let error: { ename: string; evalue: string } | null;
      if (cell && cell.model.type === 'code') {
        const codeCell = cell as CodeCell;
        result.edited = codeCell.model.sharedModel.getSource() !== run.code;
        // Through NotebookActions, so the run is captured like any other.
        notebook.activeCellIndex = notebook.widgets.indexOf(cell);
        notebook.deselectAll();
        const ok = await NotebookActions.run(notebook, sessionContext);
        outputs = codeCell.model.outputs.toJSON() as IOutput[];
        error = ok ? null : errorOf(undefined, outputs);
      } else {
        result.ranRecordedCode = true;
        ({ outputs, error } = await executeCode(sessionContext, run.code));
      }
      if (signal?.aborted) {
        return { results, ended: 'cancelled', firstError: null };
      }
      if (error) {
        result.outcome = 'error';
        result.detail = `${error.ename}: ${error.evalue}`;
        return { results, ended: 'error', firstError: i };
      }
      if (run.outputsRecorded === false) {
        result.outcome = 'unchecked';
        continue;
      }
      if (run.outputs.length === 0 && outputs.length === 0) {
        result.outcome = 'no-output';
        continue;
      }
      const comparison = compareOutputs(run.outputs, outputs);
      result.outcome = comparison.same ? 'identical' : 'different';
      if (!comparison.same) {
        result.detail = comparison.detail;
      }
    }
    onProgress?.(steps.length, steps.length);
    return { results, ended: 'completed', firstError: null };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
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
