/**
 * What Retrace's commands do: Replay in order, New attempt, Edit attempt,
 * Restore attempt and Undo restore on the notebook in focus. The commands
 * themselves are registered in index.ts.
 */
import { InputDialog, MainAreaWidget, Notification, showErrorMessage } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';

import { analyzeCell } from '../analysis/effects';
import { Run } from '../capture/run';
import { CaptureService } from '../capture/service';
import { diffNotebooks } from '../diff/notebookdiff';
import { tracerSettled } from '../kernel/tracer';
import { sanitizersFromMetadata } from '../replay/compare';
import { replayInOrder } from '../replay/controller';
import { planDisplayCells } from '../replay/display';
import { OrderService } from '../order/service';
import { NotebookHistory } from '../sync/notebookhistory';
import { previewRestore, restoreInto } from '../sync/restore';
import { HistoryService } from '../sync/service';
import { describeOrder } from './diagnostic';
import { askTitleAndComment, confirmReplay, confirmRestore } from './dialogs';
import { cellIndex, cellLabel, revealCell } from './labels';
import { createNotebookDiff, DiffPoint } from './notebookdiff';
import { OrderView } from './orderview';
import { RetracePanel } from './panel';

export interface IRetraceActionsOptions {
  notebooks: INotebookTracker;
  orders: OrderService;
  histories: HistoryService;
  panel: RetracePanel;
  trans: TranslationBundle;
  /** Bring the Retrace panel into view. */
  showPanel: () => void;
  /** Something that commands' enabled state depends on changed. */
  changed: () => void;
  rendermime?: IRenderMimeRegistry | null;
  /** Put a widget in the main area and show it. */
  openMain?: (widget: MainAreaWidget) => void;
  /** The kernel tracer's evidence: a replay compares a shown output outside the order only when it changes no state. */
  capture?: CaptureService;
}

export class RetraceActions {
  constructor(private readonly _o: IRetraceActionsOptions) {}

  get replaying(): boolean {
    return this._stop !== null;
  }

  canUndoRestore(notebook: NotebookPanel | null): boolean {
    return !!notebook && this._undo.has(notebook.context);
  }

  /** Let Undo restore bring `commit` back into `notebook` (Make reproducible records the notebook first). */
  rememberUndo(notebook: NotebookPanel, commit: string): void {
    this._undo.set(notebook.context, commit);
    this._o.changed();
  }

  stopReplay(): void {
    this._stop?.abort();
  }

  async replayInOrder(): Promise<void> {
    const { notebooks, orders, panel, trans } = this._o;
    const notebook = notebooks.currentWidget;
    if (!notebook || this._stop) {
      return;
    }
    const order = orders.orderFor(notebook);
    const availability = order.availability;
    if (!availability.available) {
      await showErrorMessage(trans.__('Replay in Order'), availability.reason);
      return;
    }
    const result = await order.current();
    if (result.order.steps.length === 0 || !result.order.replayable) {
      await showErrorMessage(trans.__('Replay in Order'), describeOrder(result.order, trans).text);
      return;
    }
    // The confirmation shows exactly what will run and what may not reproduce.
    const preview = new OrderView(trans, {
      replay: () => undefined,
      stop: () => undefined,
      reveal: cellId => revealCell(notebook, cellId),
      label: id => cellLabel(notebook, id, trans),
      exists: id => cellIndex(notebook, id) >= 0
    });
    preview.addClass('jp-RetraceOrder-preview');
    preview.setOrder(availability, result);
    if (!(await confirmReplay(trans, preview))) {
      return;
    }
    this._o.showPanel();
    this._stop = new AbortController();
    this._o.changed();
    // The history marks the replay's runs, so the attempt graph can show where a replay happened.
    const history = this._o.histories.peek(notebook);
    let executions = 0;
    history?.beginReplay();
    try {
      const { sanitizers, errors } = sanitizersFromMetadata((notebook.context.model.toJSON() as any)?.metadata);
      if (errors.length) {
        Notification.warning(trans.__('Replay sanitizers in the notebook metadata ignored: %1', errors.join('; ')), { autoClose: false });
      }
      const report = await replayInOrder({
        notebook: notebook.content,
        sessionContext: notebook.sessionContext,
        steps: result.order.steps,
        runs: result.runs,
        sanitizers,
        display: this._displayPlan(notebook, result.order.steps, result.runs),
        signal: this._stop.signal,
        onProgress: (done, total) => panel.order.setProgress({ done, total }),
        // A step that runs recorded code (a deleted cell's) goes through a connection of its own: only the
        // journal records it, so the restarted kernel's tracer must be installed before it runs.
        afterRestart: () => tracerSettled(this._o.capture?.tracerFor(notebook) ?? null)
      });
      // Each step run and each shown output rerun was one execution of the restarted kernel.
      executions = report.results.filter(r => r.outcome !== 'not-run' && r.outcome !== 'not-compared').length;
      panel.order.setProgress(null);
      panel.order.showReport(report);
    } catch (error) {
      panel.order.setProgress(null);
      await showErrorMessage(trans.__('Replay in Order'), error as Error);
    } finally {
      history?.endReplay(executions);
      this._stop = null;
      this._o.changed();
    }
  }

  async newAttempt(): Promise<void> {
    const target = await this._current();
    const values = target && (await askTitleAndComment(this._o.trans, this._o.trans.__('New attempt'), '', ''));
    if (target && values) {
      await target.history.newAttempt(values.title, values.comment);
    }
  }

  async editAttempt(attemptId?: string): Promise<void> {
    const target = await this._current();
    if (!target) {
      return;
    }
    const id = attemptId ?? target.history.attempts.find(a => a.current)?.id;
    if (!id && target.history.pendingRestore) {
      // After a Restore no attempt is current until the next run starts one: none to edit yet.
      Notification.info(this._o.trans.__('No attempt is current: the next run starts a new one. New attempt… names it now.'), { autoClose: 5000 });
      return;
    }
    const attempt = target.history.attempts.find(a => a.id === id);
    const values = attempt && (await askTitleAndComment(this._o.trans, this._o.trans.__('Edit attempt'), attempt.title, attempt.comment));
    if (attempt && values) {
      await target.history.editAttempt(attempt.id, values);
    }
  }

  /** Restore a commit, or (without one) the tip of an attempt the user picks. */
  async restoreAttempt(commit?: string): Promise<void> {
    const trans = this._o.trans;
    const target = await this._current();
    if (!target) {
      return;
    }
    const { notebook, history } = target;
    await history.flush();
    if (!commit) {
      const attempts = history.attempts.filter(a => a.tip);
      const byLabel = new Map(attempts.map(a => [`${a.title || a.id}${a.current ? ' ' + trans.__('(current)') : ''}`, a]));
      const choice = await InputDialog.getItem({
        title: trans.__('Restore attempt'),
        items: [...byLabel.keys()],
        label: trans.__('Attempt to bring back into the notebook:')
      });
      commit = (choice.button.accept && choice.value ? byLabel.get(choice.value)?.tip : null) ?? undefined;
      if (!commit) {
        return;
      }
    }
    const snapshot = await history.readSnapshot(commit);
    const current = notebook.context.model.toJSON();
    const preview = previewRestore(current, snapshot.notebook, snapshot.omitted.length);
    const changes = describeChanges(current, snapshot.notebook, trans);
    const answer = await confirmRestore(trans, commit, preview, changes);
    if (answer === 'diff') {
      await this.diffNotebook('now', commit);
      return;
    }
    if (answer !== 'restore' && answer !== 'restore-replay') {
      return;
    }
    await this._restore(notebook, history, commit);
    Notification.success(trans.__('Snapshot %1 restored.', commit.slice(0, 7)), {
      autoClose: 5000,
      actions: [{ label: trans.__('Undo restore'), callback: () => void this.undoRestore() }]
    });
    if (answer === 'restore-replay') {
      await this._rebuildKernel(notebook);
    }
  }

  /**
   * Restore and replay: a fresh kernel runs the restored cells top to bottom,
   * stopping at the first error, so the kernel holds what the notebook shows.
   */
  private async _rebuildKernel(notebook: NotebookPanel): Promise<void> {
    const trans = this._o.trans;
    const { sessionContext, content } = notebook;
    await sessionContext.ready;
    await sessionContext.restartKernel();
    // The first cell's run is traced as the others are (its effects, not only the analysis's).
    await tracerSettled(this._o.capture?.tracerFor(notebook) ?? null);
    const ok = await NotebookActions.runAll(content, sessionContext);
    if (ok) {
      Notification.success(trans.__('Kernel rebuilt: the restored cells ran top to bottom.'), { autoClose: 5000 });
    } else {
      const failed = content.widgets.findIndex(w => w.model.type === 'code' && (w.model.toJSON() as any).outputs?.some((o: any) => o.output_type === 'error'));
      Notification.warning(
        failed >= 0
          ? trans.__('Kernel rebuilt up to cell %1, which raised: the kernel holds the state before it.', failed + 1)
          : trans.__('The restored cells did not all run: the kernel may not match the notebook.'),
        { autoClose: false }
      );
    }
  }

  /** Cells the user sees output of that the order leaves out: run after it, or reported. */
  private _displayPlan(notebook: NotebookPanel, steps: readonly { cellId: string | null }[], runs: readonly Run[]) {
    const tracer = this._o.capture?.tracerFor(notebook) ?? null;
    const cells = notebook.content.widgets.map(w => {
      const json = w.model.toJSON() as any;
      return { id: w.model.id, type: w.model.type, source: w.model.sharedModel.getSource(), outputs: json.outputs ?? [] };
    });
    return planDisplayCells(cells, new Set(steps.map(s => s.cellId)), runs, analyzeCell, count =>
      tracer?.status.state === 'active' ? tracer.effects(count) : undefined
    );
  }

  /**
   * Open the diff of two points of the notebook's history ('now' is the open
   * notebook). Without `from`, the snapshot after the selected run, else the
   * last commit; without `to`, the notebook now.
   */
  async diffNotebook(from?: DiffPoint, to?: DiffPoint, selected?: Run | null): Promise<void> {
    const target = await this._current();
    if (!target) {
      return;
    }
    const { notebook, history } = target;
    await history.flush();
    from ??= (selected && history.commitOf(selected.id)) || history.store.head || 'now';
    to ??= 'now';
    const widget = createNotebookDiff(
      // Runs named as the panel (following this notebook) names them.
      {
        history,
        current: () => notebook.context.model.toJSON(),
        name: notebook.context.localPath,
        naming: this._o.panel.model,
        replayedCellName: entry => this._o.panel.model.replayedCellName(entry, deleted => this._o.trans.__('%1, replayed', deleted))
      },
      this._o.trans,
      this._o.rendermime ?? null,
      from,
      to
    );
    this._o.openMain?.(widget);
  }

  /** Open the diff of what one run changed: the snapshot before its commit against the one after. */
  async diffRun(run: Run): Promise<void> {
    const target = await this._current();
    const commit = target?.history.commitOf(run.id);
    if (!target || !commit) {
      return;
    }
    // On the run's own attempt, which may not be the current one.
    const before = await target.history.commitBefore(run.id);
    await this.diffNotebook(before ?? commit, commit);
  }

  /** Bring back what the notebook held before its last restore. */
  async undoRestore(): Promise<void> {
    const target = await this._current();
    const before = target && this._undo.get(target.notebook.context);
    if (target && before) {
      await this._restore(target.notebook, target.history, before);
    }
  }

  private async _restore(notebook: NotebookPanel, history: NotebookHistory, commit: string): Promise<void> {
    const before = await restoreInto(history, notebook.context.model, commit);
    if (before) {
      this._undo.set(notebook.context, before);
    }
    this._o.changed();
  }

  private async _current(): Promise<{ notebook: NotebookPanel; history: NotebookHistory } | null> {
    const notebook = this._o.notebooks.currentWidget;
    const history = notebook ? await this._o.histories.historyFor(notebook.context) : null;
    if (!notebook || !history) {
      await showErrorMessage(this._o.trans.__('Retrace'), this._o.trans.__('This notebook has no history yet: run a cell first.'));
      return null;
    }
    return { notebook, history };
  }

  private _stop: AbortController | null = null;
  /** Per notebook: the commit holding its state before the last restore. */
  private _undo = new WeakMap<NotebookPanel['context'], string>();
}

/** Which cells a restore changes, one line each ("cell 3: source changed"), at most 12. */
function describeChanges(current: unknown, target: unknown, trans: TranslationBundle): string[] {
  const lines: string[] = [];
  for (const cell of diffNotebooks(current, target).cells) {
    if (cell.kind === 'unchanged' && !cell.moved) {
      continue;
    }
    const where = trans.__('cell %1', ((cell.kind === 'removed' ? cell.beforeIndex : cell.afterIndex) ?? 0) + 1);
    const first = ((cell.after ?? cell.before)?.source ?? '').toString().split('\n')[0].slice(0, 40);
    const what =
      cell.kind === 'added'
        ? trans.__('comes back')
        : cell.kind === 'removed'
          ? trans.__('goes away')
          : [cell.moved ? trans.__('moves') : '', cell.sourceChanged ? trans.__('source changes') : '', cell.outputsChanged ? trans.__('outputs change') : '']
              .filter(Boolean)
              .join(', ') || trans.__('metadata changes');
    lines.push(`${where} (${first}): ${what}`);
  }
  return lines.length > 12 ? [...lines.slice(0, 12), trans.__('… and %1 more', lines.length - 12)] : lines;
}
