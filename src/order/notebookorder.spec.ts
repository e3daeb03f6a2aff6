import { Signal } from '@lumino/signaling';

import { RunLog } from '../capture/log';
import { Run } from '../capture/run';
import { OrderRequest } from '../analysis/orderHost';
import { inProcessPort, IOrderPort, NotebookOrder } from './notebookorder';

/** Just enough of a notebook model: cells with ids and sources. */
function model(sources: [string, string][]) {
  const cells = sources.map(([id, source]) => ({ id, type: 'code', sharedModel: { getSource: () => source } }));
  return { cells: { length: cells.length, get: (i: number) => cells[i] }, contentChanged: new Signal<unknown, void>({}) };
}

function run(n: number, cellId: string, code: string): Run {
  const t = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return { id: `k/${n}`, notebookId: 'nb', cellId, code, executionCount: n, kernelSessionId: 's', start: t, end: t, status: 'ok', outputs: [] };
}

function log(...runs: Run[]): RunLog {
  const l = new RunLog();
  l.addSession({ id: 's', kernelId: 'k', kernelName: 'python3', reason: 'start', start: new Date(Date.UTC(2025, 0, 1)).toISOString() });
  runs.forEach(r => l.addRun(r));
  return l;
}

describe('NotebookOrder', () => {
  it('says plainly that order inference is unavailable for a non-Python kernel', () => {
    const order = new NotebookOrder(model([]) as never, log(), null, () => 'R');
    expect(order.availability).toEqual({
      available: false,
      reason: "Canonical order is only inferred for Python; this notebook's kernel runs R. Its runs are still recorded."
    });
  });

  it('falls back to static analysis without a tracer, and says so', () => {
    const order = new NotebookOrder(model([]) as never, log(), null, () => 'python');
    expect(order.availability).toEqual({ available: true, traced: false, tracerNote: 'Static analysis only.' });
  });

  it('orders the runs of the current kernel session over the cells as they are', () => {
    const m = model([
      ['c1', 'y = x * 2'],
      ['c2', 'x = 21']
    ]);
    const order = new NotebookOrder(m as never, log(run(1, 'c2', 'x = 21'), run(2, 'c1', 'y = x * 2')), null, () => 'python');
    const { order: result, runs } = order.compute();
    expect(result.steps.map(s => s.cellId)).toEqual(['c2', 'c1']);
    expect(runs.map(r => r.id)).toEqual(['k/1', 'k/2']);
    expect(result.diagnostics.map(d => d.kind)).toContain('depends-on-later-cell');
  });

  it('recomputes after a new run behind its port, sending only the new run, and tells its listeners', async () => {
    const runLog = log(run(1, 'c1', 'a = 1'));
    const sent: OrderRequest[] = [];
    const inner = inProcessPort();
    const port: IOrderPort = {
      get onReply() {
        return inner.onReply;
      },
      set onReply(f) {
        inner.onReply = f;
      },
      post: msg => {
        sent.push(msg);
        inner.post(msg);
      },
      dispose: () => undefined
    };
    const order = new NotebookOrder(model([['c1', 'a = 1'], ['c2', 'b = a']]) as never, runLog, null, () => 'python', port);
    expect((await order.current()).order.steps).toHaveLength(1);
    let told = 0;
    order.changed.connect(() => told++);
    sent.length = 0;
    runLog.addRun(run(2, 'c2', 'b = a'));
    const result = await order.current();
    expect(told).toBe(1);
    expect(result.order.steps.map(s => s.cellId)).toEqual(['c1', 'c2']);
    expect(result.runs.map(r => r.id)).toEqual(['k/1', 'k/2']);
    // Only the new run crossed the port; the cells did not change.
    expect(sent.map(m => m.type)).toEqual(['runs', 'compute']);
    expect(sent[0].type === 'runs' && sent[0].runs.map(r => r.code)).toEqual(['b = a']);
    expect(order.compute()).toBe(result);
  });
});
