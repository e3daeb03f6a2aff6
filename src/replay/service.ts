/**
 * One canonical order, and one kernel tracer feeding it, per open notebook.
 */
import { NotebookPanel } from '@jupyterlab/notebook';

import { CaptureService } from '../capture/service';
import { NotebookOrder } from './order';

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
      });
      const created = order;
      this._orders.set(context, created);
      context.disposed.connect(() => {
        created.dispose();
        this._orders.delete(context);
      });
    }
    return order;
  }

  private _orders = new Map<NotebookPanel['context'], NotebookOrder>();
}
