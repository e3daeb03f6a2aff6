/**
 * One canonical order, and one kernel tracer feeding it, per open notebook.
 */
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { CaptureService } from '../capture/service';
import { HistoryService } from '../sync/service';
import { NotebookOrder } from './notebookorder';
import { workerPort } from './spawn';

export class OrderService {
  constructor(private readonly _capture: CaptureService) {}

  /** The canonical order of the notebook in `panel` (created on first use). */
  orderFor(panel: NotebookPanel): NotebookOrder {
    const context = panel.context;
    let order = this._orders.get(context);
    if (!order) {
      // The tracer belongs to capture (its journal records the runs); the order reads its effects.
      const tracer = this._capture.tracerFor(panel);
      order = new NotebookOrder(context.model, this._capture.logFor(panel), tracer, () => {
        const model = context.model;
        const info = model.getMetadata('language_info') as { name?: string } | undefined;
        const spec = model.getMetadata('kernelspec') as { language?: string } | undefined;
        return info?.name ?? spec?.language ?? null;
      }, workerPort());
      const created = order;
      this._orders.set(context, created);
      context.disposed.connect(() => {
        created.dispose();
        this._orders.delete(context);
      });
    }
    return order;
  }

  /**
   * Store the canonical order with every commit of each notebook's history
   * (`canonical-order.json`), so `jupyter retrace check --order canonical`
   * and `jupyter retrace gather` work from git alone.
   */
  recordWith(histories: HistoryService, tracker: INotebookTracker): void {
    histories.historyOpened.connect((_, context) => {
      const panel = tracker.find(p => p.context === context);
      const history = panel ? histories.peek(panel) : null;
      if (panel && history) {
        history.store.attachments = (): Record<string, string> => {
          try {
            return { 'canonical-order.json': JSON.stringify(this.orderFor(panel).exported()) };
          } catch (error) {
            // The order is an extra: a commit never fails for it.
            console.warn('Retrace: canonical order not stored with the commit', error);
            return {};
          }
        };
      }
    });
  }

  private _orders = new Map<NotebookPanel['context'], NotebookOrder>();
}
