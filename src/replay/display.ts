/**
 * Shown outputs outside the canonical order: the table or figure a notebook
 * ends on changes no state, so the order leaves it out, yet it is what the
 * user checks. A replay runs such a cell after the order and compares its
 * output, when static analysis and the kernel tracer both say it changes
 * nothing; any other shown output is reported as not compared, with why.
 *
 * Plain data, so it is tested in Node.
 */
import type { IOutput } from '@jupyterlab/nbformat';

import { normalizeSource } from '../analysis/orderDiagnostics';
import { CellEffects, TracedEffects } from '../analysis/types';
import type { IDisplayPlan } from './controller';

export interface IDisplayCell {
  id: string;
  type: string;
  source: string;
  /** The outputs the cell shows now. */
  outputs: readonly IOutput[];
}

export interface IDisplayRun {
  cellId: string | null;
  code: string;
  status: string;
  executionCount: number | null;
}

/** Why a cell changes the kernel state, or null when neither analysis nor tracer sees a change. */
export function stateChange(effects: CellEffects, traced: TracedEffects | undefined): string | null {
  const bound = [...effects.defines, ...effects.mayDefine, ...effects.deletes, ...effects.mutates];
  if (bound.length > 0) {
    return `binds or changes ${bound.slice(0, 3).join(', ')}`;
  }
  if (effects.unknownDefines) {
    return 'may bind names analysis cannot see';
  }
  const effect = effects.effects.find(e => e.kind === 'file-write' || e.kind === 'shell' || e.kind === 'opaque-magic');
  if (effect) {
    return effect.kind === 'file-write' ? `writes ${effect.path}` : effect.kind === 'shell' ? 'runs a shell command' : `runs %${effect.magic}`;
  }
  if (traced) {
    const seen = [...traced.added, ...traced.rebound, ...traced.deleted, ...traced.mutated];
    if (seen.length > 0) {
      return `the tracer saw it change ${seen.slice(0, 3).join(', ')}`;
    }
    if (traced.filesWritten.length > 0) {
      return `the tracer saw it write ${traced.filesWritten[0]}`;
    }
  }
  return null;
}

/**
 * Which shown cells outside `stepCellIds` a replay runs after the order, and
 * which it reports as not compared. `runs`: the kernel session's runs, in
 * time order.
 */
export function planDisplayCells(
  cells: readonly IDisplayCell[],
  stepCellIds: ReadonlySet<string | null>,
  runs: readonly IDisplayRun[],
  analyze: (code: string) => CellEffects,
  traced: (executionCount: number) => TracedEffects | undefined
): IDisplayPlan {
  const lastRun = new Map<string, IDisplayRun>();
  for (const run of runs) {
    if (run.cellId !== null) {
      lastRun.set(run.cellId, run);
    }
  }
  const plan: IDisplayPlan = { run: [], notCompared: [] };
  for (const cell of cells) {
    if (cell.type !== 'code' || cell.outputs.length === 0 || stepCellIds.has(cell.id)) {
      continue;
    }
    const run = lastRun.get(cell.id);
    if (!run) {
      plan.notCompared.push({ cellId: cell.id, reason: 'its output is not from this kernel session' });
      continue;
    }
    if (normalizeSource(run.code) !== normalizeSource(cell.source)) {
      plan.notCompared.push({ cellId: cell.id, reason: 'edited since its output was made' });
      continue;
    }
    if (run.status !== 'ok') {
      plan.notCompared.push({ cellId: cell.id, reason: 'it failed when it ran' });
      continue;
    }
    const change = stateChange(analyze(run.code), run.executionCount === null ? undefined : traced(run.executionCount));
    if (change) {
      plan.notCompared.push({ cellId: cell.id, reason: `not in the order and ${change}: running it could change the state` });
      continue;
    }
    plan.run.push({ cellId: cell.id, recorded: cell.outputs.map(o => ({ ...o })) });
  }
  return plan;
}
