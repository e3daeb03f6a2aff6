/**
 * Make reproducible: rewrite the open notebook into the canonical order
 * (./plan.ts), after recording it in the history so Undo restore brings it
 * back, then replay the steps on the rewritten cells to confirm, and say what
 * changed.
 */
import { Dialog, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { sanitizersFromMetadata } from '../replay/compare';
import { IReplayReport, replayInOrder, summariseReport } from '../replay/controller';
import { OrderService } from '../order/service';
import { notebookJSON, loadNotebookJSON } from '../sync/notebookjson';
import { HistoryService } from '../sync/service';
import { describeOrder } from '../ui/diagnostic';
import { OrderView } from '../ui/orderview';
import { IRewritePlan, planCanonicalNotebook } from './plan';

export interface IMakeReproducibleOptions {
  orders: OrderService;
  histories: HistoryService;
  trans: TranslationBundle;
  /** The panel's order section, where progress and the replay report show. */
  orderView: OrderView;
  /** Let Undo restore bring back `commit` for this notebook. */
  rememberUndo: (panel: NotebookPanel, commit: string) => void;
  /** Undo restore on the notebook in focus. */
  undo: () => void;
  /** Skip the confirmation (the command's `confirmed` argument). */
  confirmed?: boolean;
  /** Awaited after the replay's restart, before its first step (see `IReplayOptions.afterRestart`). */
  afterRestart?: () => Promise<void>;
}

/** What Make reproducible did, as the command returns it. */
export interface IMakeReproducibleResult {
  moved: number;
  inserted: number;
  versions: number;
  replay: IReplayReport['ended'];
  compared: number;
  identical: number;
  different: number;
  summary: string;
}

export async function makeReproducible(panel: NotebookPanel, options: IMakeReproducibleOptions): Promise<IMakeReproducibleResult | null> {
  const { orders, histories, trans, orderView } = options;
  const title = trans.__('Make Reproducible');
  const order = orders.orderFor(panel);
  const availability = order.availability;
  if (!availability.available) {
    await showErrorMessage(title, availability.reason);
    return null;
  }
  const result = await order.current();
  if (result.order.steps.length === 0 || !result.order.replayable) {
    await showErrorMessage(title, describeOrder(result.order, trans).text);
    return null;
  }
  const history = await histories.historyFor(panel.context);
  if (!history) {
    await showErrorMessage(title, trans.__('This notebook has no history yet: run a cell first.'));
    return null;
  }
  const model = panel.context.model;
  const json = notebookJSON(model);
  const plan: IRewritePlan = planCanonicalNotebook(
    json.cells,
    result.order.steps.map(step => {
      const run = result.runs[step.runIndex];
      return { cellId: step.cellId, runIndex: step.runIndex, code: run.code, outputs: run.outputsRecorded === false ? [] : run.outputs };
    }),
    () => UUID.uuid4()
  );
  if (!options.confirmed && !(await confirm(trans, plan))) {
    return null;
  }
  // Recorded first: the rewrite is undone by restoring this commit. If the
  // history cannot take it, nothing is rewritten.
  let before: string | null;
  try {
    before = await history.saveState(trans.__('before Make reproducible'));
  } catch (error) {
    before = null;
    console.warn('Retrace: Make reproducible could not record the notebook', error);
  }
  if (!before) {
    await showErrorMessage(title, trans.__('The notebook could not be recorded in its history first, so it was left as it is.'));
    return null;
  }
  options.rememberUndo(panel, before);
  if (!plan.unchanged) {
    loadNotebookJSON(model, { ...json, cells: plan.cells });
    model.dirty = true;
  }
  orderView.setProgress({ done: 0, total: plan.steps.length });
  // Its runs are a replay's, marked as Replay in order marks them (the attempt graph shows it).
  let executions = 0;
  history.beginReplay();
  let report: IReplayReport;
  try {
    report = await replayInOrder({
      notebook: panel.content,
      sessionContext: panel.sessionContext,
      steps: plan.steps,
      runs: result.runs,
      sanitizers: sanitizersFromMetadata(json.metadata).sanitizers,
      onProgress: (done, total) => orderView.setProgress({ done, total }),
      afterRestart: options.afterRestart
    });
    executions = report.results.filter(r => r.outcome !== 'not-run' && r.outcome !== 'not-compared').length;
  } finally {
    history.endReplay(executions);
    orderView.setProgress(null);
  }
  orderView.showReport(report);
  const counts = summariseReport(report);
  const changes = plan.unchanged
    ? trans.__('The notebook already was in the canonical order.')
    : trans.__('%1 moved, %2 inserted, %3 kept as separate versions.', plan.moved, plan.inserted, plan.versions);
  const replay =
    report.ended === 'completed'
      ? trans.__('Replay completed: %1 outputs compared, %2 identical, %3 different.', counts.compared, counts.identical, counts.different)
      : report.ended === 'error'
        ? trans.__('Replay stopped at an error: see the Retrace panel.')
        : trans.__('Replay stopped.');
  const summary = `${changes} ${replay}`;
  const ok = report.ended === 'completed' && counts.different === 0;
  Notification.emit(trans.__('Make reproducible: %1', summary), ok ? 'success' : 'warning', {
    autoClose: false,
    actions: [{ label: trans.__('Undo restore'), callback: () => options.undo() }]
  });
  return {
    moved: plan.moved,
    inserted: plan.inserted,
    versions: plan.versions,
    replay: report.ended,
    compared: counts.compared,
    identical: counts.identical,
    different: counts.different,
    summary
  };
}

async function confirm(trans: TranslationBundle, plan: IRewritePlan): Promise<boolean> {
  const body = document.createElement('div');
  body.className = 'jp-RetraceReproduceDialog';
  const lines = plan.unchanged
    ? [trans.__('The cells already are in the canonical order: they are replayed to confirm.')]
    : [
        trans.__(
          'The notebook is rewritten into the canonical order: %1 cell(s) move, %2 inserted, %3 kept as separate versions. No cell is removed.',
          plan.moved,
          plan.inserted,
          plan.versions
        )
      ];
  lines.push(
    trans.__('The notebook is recorded first: Undo restore brings it back.'),
    trans.__('The kernel then restarts and the order is replayed to confirm it.')
  );
  for (const line of lines) {
    const p = document.createElement('p');
    p.textContent = line;
    body.appendChild(p);
  }
  const answer = await showDialog({
    title: trans.__('Make the notebook reproducible?'),
    body: new Widget({ node: body }),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Rewrite and Replay') })]
  });
  return answer.button.accept;
}
