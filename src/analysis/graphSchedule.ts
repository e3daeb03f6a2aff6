/**
 * Topological order of a small dependency graph, ties broken by a key (the
 * cell's position in the notebook, then the run's place in time), so that the
 * order stays as close to top-to-bottom as the dependencies allow.
 */

/** Edges of a graph, as two growing columns (a list per node cost a fifth of a compute in allocations). */
export class EdgeList {
  get length(): number {
    return this._length;
  }

  add(from: number, to: number): void {
    if (this._length === this._from.length) {
      const from2 = new Int32Array(this._from.length * 2);
      const to2 = new Int32Array(this._to.length * 2);
      from2.set(this._from);
      to2.set(this._to);
      this._from = from2;
      this._to = to2;
    }
    this._from[this._length] = from;
    this._to[this._length] = to;
    this._length++;
  }

  /** Successors of each of `count` nodes: node i's are `targets[start[i]] … targets[start[i + 1] - 1]`. */
  adjacency(count: number): { start: Int32Array; targets: Int32Array } {
    const start = new Int32Array(count + 1);
    for (let e = 0; e < this._length; e++) {
      start[this._from[e] + 1]++;
    }
    for (let i = 0; i < count; i++) {
      start[i + 1] += start[i];
    }
    const fill = start.slice(0, count);
    const targets = new Int32Array(this._length);
    for (let e = 0; e < this._length; e++) {
      targets[fill[this._from[e]]++] = this._to[e];
    }
    return { start, targets };
  }

  private _from = new Int32Array(1024);
  private _to = new Int32Array(1024);
  private _length = 0;
}

/**
 * Kahn's algorithm with a binary heap on (key, tie). `edges` are the graph's edges between nodes
 * 0 … count - 1. Returns the node order; when the graph has a cycle the
 * order is partial (shorter than `count`): the missing nodes are on a cycle or
 * after one.
 */
export function scheduleByKey(count: number, edges: EdgeList, key: ArrayLike<number>, tie: ArrayLike<number>): number[] {
  const { start, targets } = edges.adjacency(count);
  const indegree = new Int32Array(count);
  for (let e = 0; e < targets.length; e++) {
    indegree[targets[e]]++;
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
    for (let e = start[v]; e < start[v + 1]; e++) {
      if (--indegree[targets[e]] === 0) {
        push(targets[e]);
      }
    }
  }
  return out;
}
