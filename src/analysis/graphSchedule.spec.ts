import { EdgeList, scheduleByKey } from './graphSchedule';

function graph(count: number, pairs: Array<[number, number]>): EdgeList {
  const edges = new EdgeList();
  pairs.forEach(([a, b]) => edges.add(a, b));
  return edges;
}

describe('scheduleByKey', () => {
  it('orders by key where edges allow, and after every predecessor', () => {
    // Node 0 has the highest key but node 2 depends on it.
    const order = scheduleByKey(4, graph(4, [[0, 2]]), [9, 1, 5, 2], [0, 1, 2, 3]);
    expect(order).toEqual([1, 3, 0, 2]);
  });

  it('breaks equal keys by the tie', () => {
    expect(scheduleByKey(3, graph(3, []), [1, 1, 1], [2, 0, 1])).toEqual([1, 2, 0]);
  });

  it('returns a partial order on a cycle (the nodes on it and after it are missing)', () => {
    const order = scheduleByKey(4, graph(4, [[1, 2], [2, 1], [2, 3]]), [0, 1, 2, 3], [0, 1, 2, 3]);
    expect(order).toEqual([0]);
  });

  it('keeps every edge when the list grows past its first capacity', () => {
    const n = 3000;
    const pairs: Array<[number, number]> = [];
    // A chain n-1 → n-2 → … → 0 against the keys, which would put 0 first.
    for (let i = n - 1; i > 0; i--) {
      pairs.push([i, i - 1]);
    }
    const edges = graph(n, pairs);
    expect(edges.length).toBe(n - 1);
    const keys = Array.from({ length: n }, (_, i) => i);
    const order = scheduleByKey(n, edges, keys, keys);
    expect(order[0]).toBe(n - 1);
    expect(order[n - 1]).toBe(0);
  });
});
