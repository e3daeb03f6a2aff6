/**
 * Keeps the Retrace panel on the notebook in focus: its run log, its canonical
 * order (recomputed at most every 300 ms) and its history, whose runs fill the
 * timeline after a reload.
 */
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { CaptureService } from '../capture/service';
import { KernelTracer } from '../kernel/tracer';
import { NotebookOrder } from '../order/notebookorder';
import { OrderService } from '../order/service';
import { NotebookHistory } from '../sync/notebookhistory';
import { HistoryService } from '../sync/service';
import { cellIndex, cellLabel } from './labels';
import { RetracePanel } from './panel';

export class PanelFollower {
  constructor(
    private readonly _panel: RetracePanel,
    private readonly _notebooks: INotebookTracker,
    private readonly _capture: CaptureService,
    private readonly _orders: OrderService,
    private readonly _histories: HistoryService,
    private readonly _trans: TranslationBundle,
    private readonly _canUndo: (notebook: NotebookPanel) => boolean
  ) {
    _notebooks.currentChanged.connect((_, current) => this._show(current));
    _capture.runRecorded.connect(() => _panel.model.refresh());
    _histories.historyOpened.connect((_, context) => {
      if (_notebooks.currentWidget?.context === context) {
        this._showHistory(_notebooks.currentWidget);
      }
    });
    this._show(_notebooks.currentWidget);
  }

  /** Recompute the shown order soon (debounced). */
  refreshOrder(): void {
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(() => {
      const order = this._order;
      this._panel.order.setOrder(order?.availability ?? null, order?.availability.available ? order.compute() : null);
    }, 300);
  }

  /** Re-read whether the shown notebook's last restore can be undone. */
  refreshUndo(): void {
    const notebook = this._notebooks.currentWidget;
    this._panel.attempts.canUndo = !!notebook && this._canUndo(notebook);
  }

  private _show(notebook: NotebookPanel | null): void {
    this._order?.changed.disconnect(this.refreshOrder, this);
    this._order = notebook ? this._orders.orderFor(notebook) : null;
    this._order?.changed.connect(this.refreshOrder, this);
    // A tracer report may arrive after its run is shown: show its names then.
    this._tracer?.reported.disconnect(this._onTraced, this);
    this._tracer = notebook ? this._capture.tracerFor(notebook) : null;
    this._tracer?.reported.connect(this._onTraced, this);
    const tracer = this._tracer;
    this._panel.notebook = notebook
      ? {
          name: notebook.context.localPath,
          log: this._capture.logFor(notebook),
          cellLabel: id => cellLabel(notebook, id, this._trans),
          cellExists: id => cellIndex(notebook, id) >= 0,
          cellIndex: id => cellIndex(notebook, id),
          cellSource: id => {
            const index = cellIndex(notebook, id);
            return index >= 0 ? notebook.content.model!.cells.get(index).sharedModel.getSource() : null;
          },
          // The tracer keeps the effects of the current kernel process's runs, by execution count.
          traced: run =>
            tracer && run.executionCount !== null && tracer.kernelProcess !== null && run.kernelSessionId === tracer.kernelProcess
              ? tracer.effects(run.executionCount)
              : undefined
        }
      : null;
    this._panel.order.showReport(null);
    this.refreshOrder();
    this._showHistory(notebook);
  }

  private _showHistory(notebook: NotebookPanel | null): void {
    this._history?.changed.disconnect(this._onHistoryChanged, this);
    this._history = notebook ? this._histories.peek(notebook) : null;
    this._history?.changed.connect(this._onHistoryChanged, this);
    this._panel.attempts.history = this._history;
    this._panel.model.history = this._history;
    this.refreshUndo();
    this._onHistoryChanged();
  }

  private _onHistoryChanged(): void {
    const notebook = this._notebooks.currentWidget;
    if (notebook && this._history) {
      this._capture.logFor(notebook).addHistorical(this._history.historicalRuns());
    }
  }

  private _onTraced(): void {
    this._panel.model.refresh();
  }

  private _order: NotebookOrder | null = null;
  private _tracer: KernelTracer | null = null;
  private _history: NotebookHistory | null = null;
  private _timer = 0;
}
