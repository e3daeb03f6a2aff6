/**
 * The versions of a cell: each distinct code the cell has run, with the runs
 * that ran it. A cell "has versions" once it ran at least two different codes;
 * its past versions are then offered in place, on the cell.
 */
import { Run } from '../capture/run';

/** One code a cell ran, and every run of it (oldest first). */
export interface ICellVersion {
  /** 1-based, in the order the codes were first run. */
  number: number;
  code: string;
  runs: Run[];
  /** The newest run of this code: its outputs are the version's outputs. */
  last: Run;
}

/**
 * The versions of every cell in `runs` (keyed by cell id), oldest first. Runs
 * without a cell (console) have no versions. A run read back from the
 * history's run index carries only its first line of code: it is grouped with
 * a full run whose code starts with that line when there is one.
 */
export function cellVersions(runs: readonly Run[]): Map<string, ICellVersion[]> {
  const byCell = new Map<string, ICellVersion[]>();
  for (const run of runs) {
    if (run.cellId === null) {
      continue;
    }
    const versions = byCell.get(run.cellId) ?? [];
    byCell.set(run.cellId, versions);
    const same = versions.find(v => sameCode(v, run));
    if (same) {
      same.runs.push(run);
      same.last = run;
      if (!run.fromHistory) {
        // A full record's code replaces a history row's first line.
        same.code = run.code;
      }
    } else {
      versions.push({ number: versions.length + 1, code: run.code, runs: [run], last: run });
    }
  }
  return byCell;
}

function sameCode(version: ICellVersion, run: Run): boolean {
  if (version.code === run.code) {
    return true;
  }
  // A history index row: its code is the first line only.
  const firstLine = (code: string) => code.split('\n', 1)[0];
  if (run.fromHistory) {
    return firstLine(version.code) === run.code;
  }
  if (version.runs.every(r => r.fromHistory)) {
    return firstLine(run.code) === version.code;
  }
  return false;
}

/** Whether the cell ran in more than one version. */
export function hasVersions(versions: readonly ICellVersion[] | undefined): versions is ICellVersion[] {
  return !!versions && versions.length > 1;
}
