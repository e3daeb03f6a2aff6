/**
 * Topological order of a small dependency graph, ties broken by a key (the
 * cell's position in the notebook, then the run's place in time), so that the
 * order stays as close to top-to-bottom as the dependencies allow.
 */

/**
 * Kahn's algorithm with a binary heap on (key, tie). `edges[i]` lists the
 * successors of node i. Returns the node order; when the graph has a cycle the
 * order is partial (shorter than `count`): the missing nodes are on a cycle or
 * after one.
 */
export function scheduleByKey(
  count: number,
  edges: ReadonlyArray<ReadonlyArray<number>>,
  key: ArrayLike<number>,
  tie: ArrayLike<number>
): number[] {
  const indegree = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    for (const j of edges[i]) {
      indegree[j]++;
    }
  }
  const heap: number[] = [];
  const less = (a: number, b: number): boolean => key[a] < key[b] || (key[a] === key[b] && tie[a] < tie[b]);
  const push = (v: number): void => {
    heap.push(v);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) {
        break;
      }
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l], heap[m])) {
          m = l;
        }
        if (r < heap.length && less(heap[r], heap[m])) {
          m = r;
        }
        if (m === i) {
          break;
        }
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  for (let i = 0; i < count; i++) {
    if (indegree[i] === 0) {
      push(i);
    }
  }
  const out: number[] = [];
  while (heap.length > 0) {
    const v = pop();
    out.push(v);
    for (const j of edges[v]) {
      if (--indegree[j] === 0) {
        push(j);
      }
    }
  }
  return out;
}
