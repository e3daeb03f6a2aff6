/**
 * The cells behind one output (as nbgather's "gather to notebook"): the runs
 * of the kernel session that the run which made a cell's current output
 * depended on, in an order that works, followed by that run.
 *
 * The canonical order of the session up to that run gives the runs and their
 * order; of those, only the ones that bound, changed or wrote something the
 * output's run needed (transitively, by the analysis and the tracer's
 * evidence) are kept. Plain TypeScript, tested in Node.
 */
import { canonicalOrder } from '../analysis/order';
import { AnalysisCell, AnalysisRun, CellEffects } from '../analysis/types';

export interface IOutputSlice {
  /** Runs (`AnalysisRun.index`) to execute, in order; the last one made the output. */
  runIndices: number[];
}

/** A name the output's run is taken to bind (a NUL-prefixed one would count as no state). */
const OUTPUT = '__retrace_gathered_output__';

/** Names and files a run reads and writes, statically and as traced. */
function footprint(run: AnalysisRun, analyze: (code: string) => CellEffects): { reads: Set<string>; writes: Set<string>; unknown: boolean } {
  const e = analyze(run.code);
  const t = run.traced;
  const reads = new Set<string>([...e.uses, ...e.mutates, ...(t?.read ?? [])]);
  const writes = new Set<string>([...e.defines, ...e.mayDefine, ...e.mutates, ...e.deletes, ...Object.keys(e.keyedStores ?? {})]);
  for (const effect of e.effects) {
    if (effect.kind === 'file-read') {
      reads.add('file:' + effect.path);
    } else if (effect.kind === 'file-write') {
      writes.add('file:' + effect.path);
    }
  }
  if (t) {
    [...t.added, ...t.rebound, ...t.mutated, ...t.deleted].forEach(n => writes.add(n));
    t.filesRead.forEach(p => reads.add('file:' + p));
    t.filesWritten.forEach(p => writes.add('file:' + p));
  }
  return { reads, writes, unknown: e.unknownDefines };
}

/**
 * The slice behind the output of run `target` (an `AnalysisRun.index` in
 * `runs`, the current kernel session in time order).
 */
export function sliceForOutput(
  runs: readonly AnalysisRun[],
  target: number,
  cells: readonly AnalysisCell[],
  analyze: (code: string) => CellEffects
): IOutputSlice {
  const targetRun = runs.find(r => r.index === target);
  if (!targetRun) {
    throw new RangeError(`run ${target} is not in the session`);
  }
  // A display-only run binds nothing, so the order would leave it (and what
  // only it needs, such as a file it reads) out: it is made to bind a name.
  const t = targetRun.traced;
  const marked: AnalysisRun = {
    ...targetRun,
    traced: {
      added: [...(t?.added ?? []), OUTPUT],
      rebound: t?.rebound ?? [],
      deleted: t?.deleted ?? [],
      mutated: t?.mutated ?? [],
      filesRead: t?.filesRead ?? [],
      filesWritten: t?.filesWritten ?? [],
      ...(t?.read ? { read: t.read } : {})
    }
  };
  const upTo = runs.filter(r => r.index < target).concat(marked);
  const order = canonicalOrder(upTo, cells, { analyze });
  const byIndex = new Map(upTo.map(r => [r.index, r]));
  const at = order.steps.findIndex(s => s.runIndex === target);
  const before = (at >= 0 ? order.steps.slice(0, at) : order.steps).map(s => byIndex.get(s.runIndex)!);
  const needed = footprint(targetRun, analyze).reads;
  const kept: number[] = [];
  for (let i = before.length - 1; i >= 0; i--) {
    const run = before[i];
    const { reads, writes, unknown } = footprint(run, analyze);
    if (unknown || Array.from(writes).some(n => needed.has(n))) {
      kept.push(run.index);
      reads.forEach(n => needed.add(n));
    }
  }
  kept.reverse();
  kept.push(target);
  return { runIndices: kept };
}
