/**
 * Make reproducible, the plan: the open notebook's cells rewritten into the
 * canonical order. Cells the order runs as they stand are moved into place;
 * code the state depends on that no cell holds any more (a deleted cell, a
 * second run of a cell, the version of a cell that ran before it was edited)
 * comes back as a new cell at its step. Nothing is dropped: cells outside the
 * order (markdown, code the state does not need, edits never run) stay just
 * before the cell that followed them, or at the end.
 *
 * Plain data in, plain data out (nbformat cell JSON), so it is tested in Node.
 */
import type { IOutput } from '@jupyterlab/nbformat';

import { normalizeSource } from '../analysis/orderDiagnostics';

/** One step of the canonical order, with what its run executed and showed. */
export interface IPlanStep {
  cellId: string | null;
  runIndex: number;
  /** The code the run executed. */
  code: string;
  /** The outputs the run produced (the new cell shows them until it is replayed). */
  outputs: readonly IOutput[];
}

/** Why a cell was added. */
export type InsertedKind =
  /** Code of a cell that no longer exists (or console input). */
  | 'deleted'
  /** A further run of a cell the order needs more than once. */
  | 'rerun'
  /** The version of a cell that ran, kept beside the cell's current (edited) version. */
  | 'version';

export interface IRewritePlan {
  /** The notebook's cells after the rewrite (nbformat JSON). */
  cells: any[];
  /** The canonical steps on the rewritten cells, top to bottom: what the confirming replay runs. */
  steps: { cellId: string; runIndex: number; position: number }[];
  /** Cells of the notebook that changed place relative to each other. */
  moved: number;
  /** New cells with code of deleted cells or further runs. */
  inserted: number;
  /** New cells holding the version that ran of a cell since edited (both versions kept). */
  versions: number;
  /** The notebook already was in the canonical order. */
  unchanged: boolean;
}

function sourceOf(cell: any): string {
  return Array.isArray(cell?.source) ? cell.source.join('') : String(cell?.source ?? '');
}

/** The length of the longest increasing subsequence: cells that need not move. */
function longestIncreasing(values: number[]): number {
  const tails: number[] = [];
  for (const v of values) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid] < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    tails[lo] = v;
  }
  return tails.length;
}

/**
 * Rewrite `cells` (the notebook's, in order, each with an `id`) so that the
 * canonical `steps` run top to bottom. `newId` names inserted cells.
 */
export function planCanonicalNotebook(cells: readonly any[], steps: readonly IPlanStep[], newId: () => string): IRewritePlan {
  const indexOf = new Map<string, number>();
  cells.forEach((cell, i) => {
    if (typeof cell?.id === 'string') {
      indexOf.set(cell.id, i);
    }
  });
  type Entry = { reuse: number; runIndex: number } | { cell: any; runIndex: number; kind: InsertedKind };
  const entries: Entry[] = [];
  const reused = new Set<number>();
  // A cell is used for the step whose code it holds now; the first such step
  // when the order runs it several times.
  for (const step of steps) {
    const at = step.cellId === null ? undefined : indexOf.get(step.cellId);
    const cell = at === undefined ? undefined : cells[at];
    const holdsCode = cell !== undefined && cell.cell_type === 'code' && normalizeSource(sourceOf(cell)) === normalizeSource(step.code);
    if (at !== undefined && holdsCode && !reused.has(at)) {
      reused.add(at);
      entries.push({ reuse: at, runIndex: step.runIndex });
      continue;
    }
    const kind: InsertedKind = cell === undefined ? 'deleted' : holdsCode ? 'rerun' : 'version';
    entries.push({
      runIndex: step.runIndex,
      kind,
      cell: {
        cell_type: 'code',
        id: newId(),
        metadata: { retrace: { reproduce: kind, from: step.cellId } },
        source: step.code,
        outputs: step.outputs.map(o => ({ ...o })),
        execution_count: null
      }
    });
  }
  // Cells outside the order go just before the next cell the order keeps (a
  // heading stays above the code it introduces), else at the end.
  const before = new Map<number, any[]>();
  const trailing: any[] = [];
  let pending: any[] = [];
  cells.forEach((cell, i) => {
    if (reused.has(i)) {
      before.set(i, pending);
      pending = [];
    } else {
      pending.push(cell);
    }
  });
  trailing.push(...pending);

  const out: any[] = [];
  const planSteps: IRewritePlan['steps'] = [];
  let inserted = 0;
  let versions = 0;
  for (const entry of entries) {
    if ('reuse' in entry) {
      out.push(...(before.get(entry.reuse) ?? []));
      out.push(cells[entry.reuse]);
    } else {
      out.push(entry.cell);
      if (entry.kind === 'version') {
        versions++;
      } else {
        inserted++;
      }
    }
    const cell = out[out.length - 1];
    planSteps.push({ cellId: cell.id, runIndex: entry.runIndex, position: out.length - 1 });
  }
  out.push(...trailing);
  const order = entries.filter((e): e is { reuse: number; runIndex: number } => 'reuse' in e).map(e => e.reuse);
  const moved = order.length - longestIncreasing(order);
  const unchanged = out.length === cells.length && out.every((cell, i) => cell === cells[i]);
  return { cells: out, steps: planSteps, moved, inserted, versions, unchanged };
}
