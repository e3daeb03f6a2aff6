/**
 * The canonical order of one open notebook, kept current: the runs of its
 * current kernel session (from the run log), the kernel tracer's evidence when
 * the kernel is IPython, and the notebook's cells now.
 *
 * The incremental engine runs behind a port (a Web Worker in the page, see
 * ./worker.ts): on every change this side posts only what changed and the
 * panel is told when the new order arrives; it never waits on it.
 */
import { INotebookModel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { analyzeCell } from '../analysis/effects';
import { canonicalOrder, CanonicalOrder } from '../analysis/order';
import { exportCanonicalOrder, IExportedOrder } from '../analysis/orderExport';
import { OrderClient, OrderHost, OrderReply, OrderRequest } from '../analysis/orderHost';
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

/** Where the engine runs: post requests, get replies. */
export interface IOrderPort {
  post(msg: OrderRequest): void;
  onReply: ((reply: OrderReply) => void) | null;
  dispose(): void;
}

/** The engine on this thread, answering asynchronously (tests; pages where a worker cannot start). */
export function inProcessPort(): IOrderPort {
  const host = new OrderHost({ analyze: analyzeCell });
  const port: IOrderPort = {
    onReply: null,
    post: msg => {
      const reply = host.handle(msg);
      if (reply) {
        void Promise.resolve().then(() => port.onReply?.(reply));
      }
    },
    dispose: () => undefined
  };
  return port;
}

/** Tracer evidence for the newest run is awaited this long before it is sent without. */
const TRACER_GRACE_MS = 500;

export class NotebookOrder {
  constructor(
    private readonly _model: INotebookModel,
    private readonly _log: RunLog,
    private readonly _tracer: KernelTracer | null,
    private readonly _language: () => string | null,
    port?: IOrderPort
  ) {
    this._port = port ?? inProcessPort();
    this._client = new OrderClient(msg => this._port.post(msg));
    this._port.onReply = reply => this._received(reply);
    _log.changed.connect(this._invalidate, this);
    _model.contentChanged.connect(this._invalidate, this);
    _tracer?.reported.connect(this._invalidate, this);
    _tracer?.statusChanged.connect(this._invalidate, this);
  }

  /** Emits when a new order is available (callers may debounce). */
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

  /**
   * The newest order the engine answered. Before its first answer (a notebook
   * just opened) it is computed here, once.
   */
  compute(): IOrderResult {
    this._flush();
    const latest = this._client.latest;
    if (latest !== null && this._answerRuns !== null) {
      if (!this._result || this._result.order !== latest) {
        this._result = { order: latest, runs: this._answerRuns };
      }
      return this._result;
    }
    if (!this._result || this._localStale) {
      const { runs, analysisRuns, cells } = this._inputs();
      this._result = { order: canonicalOrder(analysisRuns, cells, { analyze: analyzeCell }), runs };
      this._localStale = false;
    }
    return this._result;
  }

  /** The order of everything recorded so far: waits for the engine's answer to the latest change. */
  async current(): Promise<IOrderResult> {
    this._flush(true);
    if (!this._client.settled) {
      await new Promise<void>(resolve => this._waiters.push(resolve));
    }
    return this.compute();
  }

  /** The order now as the document stored with each history commit. */
  exported(): IExportedOrder {
    const { order, runs } = this.compute();
    return exportCanonicalOrder(order, i => runs[i]?.code ?? '', this._cells);
  }

  dispose(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
    }
    this._port.dispose();
    Signal.clearData(this);
  }

  private _invalidate(): void {
    this._dirty = true;
    this._localStale = true;
    // Several changes in one turn (log + model + tracer) make one request.
    if (!this._scheduled) {
      this._scheduled = true;
      void Promise.resolve().then(() => {
        this._flush();
        if (this._client.latest === null) {
          // No answer from the engine yet: listeners recompute here meanwhile.
          this._changed.emit();
        }
      });
    }
  }

  /** Post what changed since the last request. */
  private _flush(force = false): void {
    this._scheduled = false;
    if (!this._dirty && !force) {
      return;
    }
    this._dirty = false;
    const { runs, analysisRuns, cells } = this._inputs();
    const last = analysisRuns[analysisRuns.length - 1];
    const tracerActive = this._tracer?.status.state === 'active';
    const holdLast = !force && tracerActive && last !== undefined && !last.traced && last.status !== 'aborted';
    const id = this._client.update(runs.length > 0 ? runs[0].id : '', analysisRuns, cells, holdLast);
    this._pending.set(id, runs);
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    if (holdLast) {
      // The tracer may never report this run (it failed, or is slow): send it anyway.
      this._timer = setTimeout(() => {
        this._timer = null;
        this._flush(true);
      }, TRACER_GRACE_MS);
    }
  }

  private _received(reply: OrderReply): void {
    const runs = this._pending.get(reply.id);
    for (const key of Array.from(this._pending.keys())) {
      if (key <= reply.id) {
        this._pending.delete(key);
      }
    }
    if (!this._client.receive(reply) || !runs) {
      return;
    }
    this._answerRuns = runs;
    this._result = null;
    const waiters = this._waiters.splice(0);
    waiters.forEach(w => w());
    this._changed.emit();
  }

  /** Runs and cells now; analysis runs are kept per Run so unchanged runs stay the same objects. */
  private _inputs(): { runs: Run[]; analysisRuns: AnalysisRun[]; cells: AnalysisCell[] } {
    const runs = this._log.currentSessionRuns;
    const tracer = this._tracer?.status.state === 'active' ? this._tracer : null;
    const analysisRuns = runs.map((run, index) => {
      const known = this._analysisRuns.get(run);
      const reusable = known !== undefined && known.index === index && known.status === run.status;
      if (reusable && (known.traced || !tracer || run.executionCount === null)) {
        return known;
      }
      const traced = tracer && run.executionCount !== null ? tracer.effects(run.executionCount) : undefined;
      if (reusable && !traced) {
        // Still no evidence: the same object, so the engine is not told it changed.
        return known;
      }
      const made: AnalysisRun = {
        index,
        cellId: run.cellId,
        code: run.code,
        executionCount: run.executionCount,
        status: run.status,
        ...(traced ? { traced } : {})
      };
      this._analysisRuns.set(run, made);
      return made;
    });
    const cells: AnalysisCell[] = [];
    const modelCells = this._model.cells;
    for (let i = 0; i < modelCells.length; i++) {
      const cell = modelCells.get(i);
      cells.push({ id: cell.id, type: cell.type as AnalysisCell['type'], source: cell.sharedModel.getSource() });
    }
    this._cells = cells;
    return { runs, analysisRuns, cells };
  }

  private _port: IOrderPort;
  private _client: OrderClient;
  private _analysisRuns = new WeakMap<Run, AnalysisRun>();
  private _pending = new Map<number, Run[]>();
  private _answerRuns: Run[] | null = null;
  private _result: IOrderResult | null = null;
  private _cells: AnalysisCell[] = [];
  private _dirty = true;
  /** The order computed here before the engine's first answer is out of date. */
  private _localStale = false;
  private _scheduled = false;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _waiters: Array<() => void> = [];
  private _changed = new Signal<this, void>(this);
}
