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

/** What the filter needs beyond the run itself: facts about cells, never their wording. */
export interface IFilterContext {
  notebook: {
    /** 0-based position of the cell now, -1 when it is no longer in the notebook. */
    cellIndex?: (cellId: string) => number;
    cellExists?: (cellId: string) => boolean;
    traced?: (run: Run) => TracedEffects | undefined;
  } | null;
  attemptOf(run: Run): string | null;
  /** The attempt's title as the user named it; `attempt:` matches it or the id. */
  attemptTitle?(id: string): string;
  /** The deleted cell whose recorded code a console run replayed, if it did. */
  replayedFrom?(run: Run): string | null;
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
  if (filter.cell.length && !filter.cell.some(c => cellMatches(run, c, context))) {
    return false;
  }
  if (filter.attempt.length) {
    const id = context?.attemptOf(run) ?? '';
    const names = [id, context?.attemptTitle?.(id) ?? id].map(n => n.toLowerCase());
    if (!filter.attempt.some(a => names.some(n => n.includes(a)))) {
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

/**
 * `cell:4` is the fourth cell now; `cell:deleted` a cell no longer in the
 * notebook (a replay of its recorded code too); `cell:console` code sent
 * without a cell; a cell id matches that cell. Decided from the cell's
 * position and existence, whatever language the panel speaks.
 */
function cellMatches(run: Run, wanted: string, context?: IFilterContext): boolean {
  const origin = context?.replayedFrom?.(run) ?? run.cellId;
  if (origin === null) {
    return wanted === 'console';
  }
  if (origin.toLowerCase() === wanted) {
    return true;
  }
  const notebook = context?.notebook;
  const index = notebook?.cellIndex?.(origin);
  const exists = index !== undefined ? index >= 0 : (notebook?.cellExists?.(origin) ?? true);
  if (!exists) {
    return wanted === 'deleted';
  }
  return index !== undefined && wanted === String(index + 1);
}
