import { analyzeCell } from './effects';
import { canonicalOrder } from './order';
import { OrderClient, OrderHost, OrderRequest } from './orderHost';
import { SessionBuilder } from './orderTestkit.spec-util';

/** A client wired to a host through a queue, as a worker's port is. */
function wired() {
  const host = new OrderHost({ analyze: analyzeCell });
  const queue: OrderRequest[] = [];
  const client = new OrderClient(m => queue.push(JSON.parse(JSON.stringify(m))));
  const deliver = (): void => {
    for (const m of queue.splice(0)) {
      const reply = host.handle(m);
      if (reply) {
        client.receive(reply);
      }
    }
  };
  return { client, queue, deliver };
}

describe('the order engine behind a port', () => {
  it('answers what the one-shot order answers, step by step, sending only what changed', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import pandas as pd')
      .cell('load', "df = pd.read_csv('a.csv')")
      .cell('feat', 'df["x2"] = df["x"] * 2')
      .cell('agg', 'total = df["x2"].sum()');
    const { client, queue, deliver } = wired();
    const steps: Array<[string, string?]> = [['imp'], ['load'], ['agg'], ['feat'], ['agg'], ['feat', 'df["x2"] = df["x"] * 3'], ['feat']];
    for (const [id, edit] of steps) {
      if (edit) {
        s.cell(id, edit);
      }
      s.run(id);
      client.update('session-1', s.runs, s.cells);
      const kinds = queue.map(m => m.type);
      expect(kinds.filter(k => k === 'runs')).toHaveLength(1);
      const runs = queue.find(m => m.type === 'runs');
      expect(runs?.type === 'runs' && runs.runs.length).toBe(1);
      deliver();
      expect(client.settled).toBe(true);
      expect(client.latest).toEqual(JSON.parse(JSON.stringify(canonicalOrder(s.runs, s.cells, { analyze: analyzeCell }))));
    }
  });

  it('a new kernel session resets the engine; a run changed after it was sent is rebuilt', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').cell('b', 'y = x + 1').run('a').run('b');
    const { client, queue, deliver } = wired();
    client.update('k1', s.runs, s.cells);
    deliver();
    const changed = s.runs.map(r => (r.index === 0 ? { ...r, traced: { added: ['x'], rebound: [], deleted: [], mutated: [], filesRead: [], filesWritten: [] } } : r));
    client.update('k1', changed, s.cells);
    expect(queue.map(m => m.type)).toEqual(['update', 'compute']);
    deliver();
    expect(client.latest?.steps.map(st => st.runIndex)).toEqual([0, 1]);
    client.update('k2', [s.runs[0]], s.cells);
    expect(queue[0].type).toBe('reset');
    deliver();
    expect(client.latest?.stats.runs).toBe(1);
  });

  it('holds back the newest run while its tracer evidence is pending', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').cell('b', 'y = x + 1').run('a').run('b');
    const { client, queue, deliver } = wired();
    client.update('k', s.runs, s.cells, true);
    deliver();
    expect(client.latest?.stats.runs).toBe(1);
    client.update('k', s.runs, s.cells, false);
    expect(queue.map(m => m.type)).toEqual(['runs', 'compute']);
    deliver();
    expect(client.latest?.stats.runs).toBe(2);
  });
});
