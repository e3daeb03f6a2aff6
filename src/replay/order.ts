/**
 * The canonical order of one open notebook, kept current: the runs of its
 * current kernel session (from the run log), the kernel tracer's evidence when
 * the kernel is IPython, and the notebook's cells now.
 */
import { INotebookModel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { analyzeCell } from '../analysis/effects';
import { canonicalOrder, CanonicalOrder } from '../analysis/order';
import { exportCanonicalOrder, IExportedOrder } from '../analysis/orderExport';
import { AnalysisCell, AnalysisRun } from '../analysis/types';
import { RunLog } from '../capture/log';
import { Run } from '../capture/run';
import { KernelTracer } from '../kernel/tracer';

/** Whether inference can run for this notebook, and why not. */
export type OrderAvailability = { available: true; traced: boolean; tracerNote: string } | { available: false; reason: string };

export interface IOrderResult {
  order: CanonicalOrder;
  /** The runs the order's `runIndex` values point into. */
  runs: Run[];
}

export class NotebookOrder {
  constructor(
    private readonly _model: INotebookModel,
    private readonly _log: RunLog,
    private readonly _tracer: KernelTracer | null,
    private readonly _language: () => string | null
  ) {
    _log.changed.connect(this._invalidate, this);
    _model.contentChanged.connect(this._invalidate, this);
    _tracer?.reported.connect(this._invalidate, this);
    _tracer?.statusChanged.connect(this._invalidate, this);
  }

  /** Emits when runs, cells or tracer evidence changed (callers debounce). */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get availability(): OrderAvailability {
    const language = this._language();
    if (language !== null && language.toLowerCase() !== 'python') {
      return {
        available: false,
        reason: `Canonical order is only inferred for Python; this notebook's kernel runs ${language}. Its runs are still recorded.`
      };
    }
    const status = this._tracer?.status;
    const traced = status?.state === 'active';
    return {
      available: true,
      traced,
      tracerNote: traced
        ? 'Using static analysis and the kernel tracer.'
        : `Static analysis only${status ? ` (${status.reason})` : ''}.`
    };
  }

  /** The canonical order now (memoised until something changes). */
  compute(): IOrderResult {
    if (this._result) {
      return this._result;
    }
    const runs = this._log.currentSessionRuns;
    const tracer = this._tracer?.status.state === 'active' ? this._tracer : null;
    const analysisRuns: AnalysisRun[] = runs.map((run, index) => {
      const traced = tracer && run.executionCount !== null ? tracer.effects(run.executionCount) : undefined;
      return {
        index,
        cellId: run.cellId,
        code: run.code,
        executionCount: run.executionCount,
        status: run.status,
        ...(traced ? { traced } : {})
      };
    });
    const cells: AnalysisCell[] = [];
    const modelCells = this._model.cells;
    for (let i = 0; i < modelCells.length; i++) {
      const cell = modelCells.get(i);
      cells.push({ id: cell.id, type: cell.type as AnalysisCell['type'], source: cell.sharedModel.getSource() });
    }
    this._result = { order: canonicalOrder(analysisRuns, cells, { analyze: analyzeCell }), runs };
    this._cells = cells;
    return this._result;
  }

  /** The order now as the document stored with each history commit. */
  exported(): IExportedOrder {
    const { order, runs } = this.compute();
    return exportCanonicalOrder(order, i => runs[i]?.code ?? '', this._cells);
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _invalidate(): void {
    this._result = null;
    this._changed.emit();
  }

  private _result: IOrderResult | null = null;
  private _cells: AnalysisCell[] = [];
  private _changed = new Signal<this, void>(this);
}
