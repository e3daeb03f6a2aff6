/**
 * The versions of a cell: each distinct code the cell has run, with the runs
 * that ran it. A cell "has versions" once it ran at least two different codes;
 * its past versions are then offered in place, on the cell.
 *
 * Runs read back from the history's run index carry only the first line of
 * their code and a hash of the whole code: versions are told apart by that
 * hash, and the full code is read from the history only when a version is
 * shown. Index rows written before the hash was kept ("legacy rows") are
 * grouped by their first line until their code is read (see `legacyRuns`).
 */
import { Run } from '../capture/run';
import { codeHash, IRun, summaryOf } from '../history';

/** One code a cell ran, and every run of it (oldest first). */
export interface ICellVersion {
  /** 1-based, in the order the codes were first run. */
  number: number;
  /** `codeHash` of the code; null while the version is known only from legacy rows. */
  hash: number | null;
  /** The code; only its first line while `complete` is false. */
  code: string;
  /** Whether `code` is the full code (false: read it from the history's record of `last`). */
  complete: boolean;
  runs: Run[];
  /** The newest run of this code: its outputs are the version's outputs. */
  last: Run;
}

/**
 * The versions of every cell in `runs` (keyed by cell id), oldest first. Runs
 * without a cell (console) have no versions. `codes` holds the full code of
 * legacy rows already read from the history, by run id.
 */
export function cellVersions(runs: readonly Run[], codes: ReadonlyMap<string, string> = new Map()): Map<string, ICellVersion[]> {
  const byCell = new Map<string, ICellVersion[]>();
  for (const run of runs) {
    if (run.cellId === null) {
      continue;
    }
    const versions = byCell.get(run.cellId) ?? [];
    byCell.set(run.cellId, versions);
    const code = run.fromHistory ? codes.get(run.id) : run.code;
    const hash = code !== undefined ? codeHash(code) : (run.codeHash ?? null);
    let same = hash !== null ? versions.find(v => v.hash === hash) : undefined;
    // A legacy row joins the first version with its first line; a known code
    // takes over a version so far known only from legacy rows with its first line.
    same ??= versions.find(v => (hash === null || v.hash === null) && summaryOf(v.code) === summaryOf(code ?? run.code));
    if (!same) {
      same = { number: versions.length + 1, hash, code: run.code, complete: false, runs: [], last: run };
      versions.push(same);
    }
    same.runs.push(run);
    same.last = run;
    same.hash ??= hash;
    if (code !== undefined && !same.complete) {
      same.code = code;
      same.complete = true;
    }
  }
  return byCell;
}

/**
 * The legacy rows (no hash, code not in `codes`) of the cells in `cells` that
 * ran more than once: their code must be read to tell their versions apart.
 */
export function legacyRuns(runs: readonly Run[], cells: ReadonlySet<string>, codes: ReadonlyMap<string, string>): Run[] {
  const count = new Map<string, number>();
  for (const run of runs) {
    if (run.cellId !== null && cells.has(run.cellId)) {
      count.set(run.cellId, (count.get(run.cellId) ?? 0) + 1);
    }
  }
  return runs.filter(
    run => run.fromHistory && run.codeHash === undefined && run.cellId !== null && (count.get(run.cellId) ?? 0) > 1 && !codes.has(run.id)
  );
}

/** Where the code of a run read back from the history is: its commit's run records. */
export interface IRunRecords {
  commitOf(runId: string): string | null;
  readonly store: { readRuns(commit: string): Promise<IRun[]> };
}

/** Run records read in parallel: a request each, a few at a time so a long old history does not flood the server. */
const READS_AT_ONCE = 8;

/**
 * The full code of `runs` (legacy index rows), by run id, read from their
 * commits' run records. A run whose commit is unknown or unreadable is left
 * out: it stays grouped by its first line. Stops early once `stop()` says so.
 */
export async function readRunCodes(history: IRunRecords, runs: readonly Run[], stop: () => boolean = () => false): Promise<Map<string, string>> {
  const byCommit = new Map<string, Set<string>>();
  for (const run of runs) {
    const commit = history.commitOf(run.id);
    if (commit) {
      byCommit.set(commit, (byCommit.get(commit) ?? new Set()).add(run.id));
    }
  }
  const codes = new Map<string, string>();
  const readOne = async ([commit, ids]: [string, Set<string>]) => {
    try {
      for (const record of await history.store.readRuns(commit)) {
        if (typeof record.id === 'string' && ids.has(record.id) && typeof record.code === 'string') {
          codes.set(record.id, record.code);
        }
      }
    } catch (error) {
      console.warn('Retrace: could not read the code of earlier runs', error);
    }
  };
  const todo = [...byCommit];
  for (let i = 0; i < todo.length && !stop(); i += READS_AT_ONCE) {
    await Promise.all(todo.slice(i, i + READS_AT_ONCE).map(readOne));
  }
  return codes;
}

/** Whether `code` is the code of `version` (by its hash when the version knows only its first line). */
export function isVersionOf(version: ICellVersion, code: string): boolean {
  if (version.complete) {
    return version.code === code;
  }
  return version.hash !== null ? version.hash === codeHash(code) : false;
}

/** Whether the cell ran in more than one version. */
export function hasVersions(versions: readonly ICellVersion[] | undefined): versions is ICellVersion[] {
  return !!versions && versions.length > 1;
}
