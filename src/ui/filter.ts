/**
 * The run filter typed above the timeline. Words match the code; `key:value`
 * words match one field:
 *
 *   status:error   cell:4   attempt:main   reads:df   writes:model   session:2
 *
 * Every word must match (AND). Names read and written come from the kernel
 * tracer when it reported on the run, else from static analysis of the code.
 */
import { analyzeCell } from '../analysis/effects';
import { TracedEffects } from '../analysis/types';
import { Run } from '../capture/run';

export interface RunFilter {
  empty: boolean;
  text: string[];
  status: string[];
  cell: string[];
  attempt: string[];
  reads: string[];
  writes: string[];
}

/** What the filter needs beyond the run itself. */
export interface IFilterContext {
  notebook: { cellLabel: (cellId: string | null) => string; traced?: (run: Run) => TracedEffects | undefined } | null;
  attemptOf(run: Run): string | null;
}

const KEYS = ['status', 'cell', 'attempt', 'reads', 'writes'] as const;

export function parseFilter(input: string): RunFilter {
  const filter: RunFilter = { empty: true, text: [], status: [], cell: [], attempt: [], reads: [], writes: [] };
  for (const word of input.trim().split(/\s+/).filter(Boolean)) {
    const colon = word.indexOf(':');
    const key = colon > 0 ? word.slice(0, colon).toLowerCase() : '';
    const value = word.slice(colon + 1).toLowerCase();
    if ((KEYS as readonly string[]).includes(key) && value) {
      filter[key as (typeof KEYS)[number]].push(value);
    } else {
      filter.text.push(word.toLowerCase());
    }
    filter.empty = false;
  }
  return filter;
}

/** Names a run read and wrote: the tracer's report when there is one, else static analysis. */
export function namesOf(run: Run, traced?: TracedEffects): { reads: string[]; writes: string[]; source: 'tracer' | 'static' } {
  if (traced) {
    return {
      reads: traced.read ?? [],
      writes: [...traced.added, ...traced.rebound, ...traced.mutated, ...traced.deleted],
      source: 'tracer'
    };
  }
  const effects = analyzeCell(run.code);
  return {
    reads: effects.uses,
    writes: [...effects.defines, ...effects.mayDefine, ...effects.mutates, ...effects.deletes],
    source: 'static'
  };
}

export function matchesFilter(run: Run, filter: RunFilter, context?: IFilterContext): boolean {
  if (filter.empty) {
    return true;
  }
  const code = run.code.toLowerCase();
  if (!filter.text.every(word => code.includes(word))) {
    return false;
  }
  if (filter.status.length && !filter.status.some(s => run.status.startsWith(s))) {
    return false;
  }
  if (filter.cell.length) {
    const label = (context?.notebook?.cellLabel(run.cellId) ?? '').toLowerCase();
    // `cell:4` is the fourth cell; `cell:deleted` or a cell id also match.
    if (!filter.cell.some(c => label === `cell ${c}` || label.includes(c) || (run.cellId ?? '').toLowerCase() === c)) {
      return false;
    }
  }
  if (filter.attempt.length) {
    const attempt = (context?.attemptOf(run) ?? '').toLowerCase();
    if (!filter.attempt.some(a => attempt.includes(a))) {
      return false;
    }
  }
  if (filter.reads.length || filter.writes.length) {
    const names = namesOf(run, context?.notebook?.traced?.(run));
    const has = (list: string[], wanted: string[]) => wanted.every(w => list.some(n => n.toLowerCase() === w));
    if (!has(names.reads, filter.reads) || !has(names.writes, filter.writes)) {
      return false;
    }
  }
  return true;
}
