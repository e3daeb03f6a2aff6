/**
 * The incremental canonical order behind a message port, so the page can run
 * it in a Web Worker (the panel never waits on it) and the benchmark in a Node
 * worker thread. `OrderHost` is the worker side, `OrderClient` the page side:
 * the client sends only what changed (new runs, cells whose source changed,
 * the cells' order), the host keeps the engine and answers each request with
 * the order as one JSON string (a string crosses the port as one copy; the
 * page parses it when it shows it).
 *
 * Plain TypeScript: no JupyterLab import.
 */

import { CanonicalOrderEngine } from './order';
import { CanonicalOrder, CanonicalOrderOptions } from './orderTypes';
import { AnalysisCell, AnalysisRun } from './types';

export type OrderRequest =
  /** A new kernel session: forget every run. */
  | { type: 'reset' }
  /** Runs to append, in execution order. */
  | { type: 'runs'; runs: AnalysisRun[] }
  /** A run already sent changed (tracer evidence arrived late): rebuilt from the runs kept. */
  | { type: 'update'; run: AnalysisRun }
  /** The cells' ids in notebook order, and the cells that are new or changed. */
  | { type: 'cells'; order: string[]; changed: AnalysisCell[] }
  | { type: 'compute'; id: number };

export interface OrderReply {
  type: 'order';
  /** The `compute` request answered. */
  id: number;
  /** `CanonicalOrder` as JSON. */
  json: string;
  /** Time the host spent on this answer (ms), for the benchmark. */
  ms: number;
}

export class OrderHost {
  constructor(options: CanonicalOrderOptions) {
    this._options = options;
    this._engine = new CanonicalOrderEngine(options);
  }

  /** Apply one request; a `compute` returns the reply to post. */
  handle(msg: OrderRequest): OrderReply | null {
    switch (msg.type) {
      case 'reset':
        this._runs = [];
        this._engine.reset();
        return null;
      case 'runs':
        for (const run of msg.runs) {
          this._runs.push(run);
          this._engine.addRun(run);
        }
        return null;
      case 'update': {
        const i = this._runs.findIndex(r => r.index === msg.run.index);
        if (i >= 0) {
          this._runs[i] = msg.run;
          this._engine.reset();
          this._runs.forEach(r => this._engine.addRun(r));
        }
        return null;
      }
      case 'cells': {
        msg.changed.forEach(c => this._cells.set(c.id, c));
        const keep = new Set(msg.order);
        for (const id of Array.from(this._cells.keys())) {
          if (!keep.has(id)) {
            this._cells.delete(id);
          }
        }
        this._engine.setCells(msg.order.map(id => this._cells.get(id)!).filter(c => c !== undefined));
        return null;
      }
      case 'compute': {
        const t0 = now();
        const json = JSON.stringify(this._engine.compute());
        return { type: 'order', id: msg.id, json, ms: now() - t0 };
      }
    }
  }

  get options(): CanonicalOrderOptions {
    return this._options;
  }

  private _options: CanonicalOrderOptions;
  private _engine: CanonicalOrderEngine;
  private _runs: AnalysisRun[] = [];
  private _cells = new Map<string, AnalysisCell>();
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function sameRun(a: AnalysisRun, b: AnalysisRun): boolean {
  return a.status === b.status && a.code === b.code && a.cellId === b.cellId && !!a.traced === !!b.traced;
}

/**
 * The page side: call `update` with the session's runs and the cells whenever
 * they may have changed; it posts what changed and a compute request. Pass
 * each reply to `receive`; `latest` is the newest order (parsed on first use).
 */
export class OrderClient {
  constructor(private readonly _post: (msg: OrderRequest) => void) {}

  /**
   * `session` names the kernel session the runs belong to; `holdLast`: the
   * newest run may still change (tracer evidence pending), send it later.
   * Returns the id of the compute request posted.
   */
  update(session: string, runs: ReadonlyArray<AnalysisRun>, cells: ReadonlyArray<AnalysisCell>, holdLast = false): number {
    if (session !== this._session || runs.length < this._sent.length) {
      this._session = session;
      this._sent = [];
      this._post({ type: 'reset' });
    }
    for (let i = 0; i < this._sent.length; i++) {
      // Only a run whose evidence arrived late differs (rare): the host rebuilds.
      if (runs[i] !== this._sent[i] && !sameRun(runs[i], this._sent[i])) {
        this._sent[i] = runs[i];
        this._post({ type: 'update', run: runs[i] });
      }
    }
    const upTo = holdLast && runs.length > 0 ? runs.length - 1 : runs.length;
    if (upTo > this._sent.length) {
      const fresh = runs.slice(this._sent.length, upTo);
      this._sent.push(...fresh);
      this._post({ type: 'runs', runs: fresh });
    }
    this._syncCells(cells);
    const id = ++this._requested;
    this._post({ type: 'compute', id });
    return id;
  }

  /** A reply from the host; true when it is the answer to the latest request. */
  receive(reply: OrderReply): boolean {
    if (reply.id < this._answered) {
      return false;
    }
    this._answered = reply.id;
    this._json = reply.json;
    this._parsed = null;
    return reply.id === this._requested;
  }

  /** The newest order received, or null before the first answer. */
  get latest(): CanonicalOrder | null {
    if (this._parsed === null && this._json !== null) {
      this._parsed = JSON.parse(this._json) as CanonicalOrder;
    }
    return this._parsed;
  }

  /** Every request has been answered. */
  get settled(): boolean {
    return this._answered === this._requested;
  }

  private _syncCells(cells: ReadonlyArray<AnalysisCell>): void {
    const changed: AnalysisCell[] = [];
    let orderChanged = cells.length !== this._cellOrder.length;
    const next = new Map<string, string>();
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      const key = c.type + '\u0000' + c.source;
      next.set(c.id, key);
      if (this._cellKeys.get(c.id) !== key) {
        changed.push(c);
      }
      if (!orderChanged && this._cellOrder[i] !== c.id) {
        orderChanged = true;
      }
    }
    if (changed.length > 0 || orderChanged) {
      this._cellOrder = cells.map(c => c.id);
      this._post({ type: 'cells', order: this._cellOrder, changed });
    }
    this._cellKeys = next;
  }

  private _session: string | null = null;
  private _sent: AnalysisRun[] = [];
  private _cellOrder: string[] = [];
  private _cellKeys = new Map<string, string>();
  private _requested = 0;
  private _answered = 0;
  private _json: string | null = null;
  private _parsed: CanonicalOrder | null = null;
}
