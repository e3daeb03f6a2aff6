/**
 * Commit messages: what `git log --oneline` shows of a commit. Runs name their
 * cell by its position in the snapshot the commit holds (`run [12] cell 4: …`),
 * the number a reader finds by counting cells in that snapshot: never a cell id,
 * and never the position the recorder saw at run time (cells may have moved
 * since). A run whose cell is no longer in the snapshot says so; in a notebook
 * whose cells carry no id, a run without a recorded position names no number.
 */
import { firstLine } from './runindex';

/** The fields of a Run a message uses. */
export interface IMessageRun {
  cellId: string;
  code?: string;
  executionCount?: number | null;
  status?: string;
  ename?: string;
  cellIndex?: number;
}

/**
 * 0-based position of each run's cell in the snapshot's `cells`: by cell id; for
 * notebooks whose cells carry no id (nbformat < 4.5), the recorder's position when
 * it is inside the notebook; null when the cell is not in the snapshot; undefined when
 * that cannot be told (no ids, no recorded position).
 */
export function cellPositions(notebook: any, runs: IMessageRun[]): (number | null | undefined)[] {
  const cells: any[] = Array.isArray(notebook?.cells) ? notebook.cells : [];
  const byId = new Map<string, number>();
  cells.forEach((c, i) => {
    if (typeof c?.id === 'string' && !byId.has(c.id)) {
      byId.set(c.id, i);
    }
  });
  const hasIds = byId.size > 0;
  return runs.map(r => {
    const found = byId.get(r.cellId);
    if (found !== undefined) {
      return found;
    }
    if (hasIds) {
      return null;
    }
    if (typeof r.cellIndex === 'number' && r.cellIndex >= 0 && r.cellIndex < cells.length) {
      return r.cellIndex;
    }
    return r.cellIndex === undefined ? undefined : null;
  });
}

function runLabel(run: IMessageRun, position: number | null | undefined): string {
  const count = run.executionCount ?? ' ';
  if (position === undefined) {
    return `[${count}] cell`;
  }
  return position === null ? `[${count}] removed cell` : `[${count}] cell ${position + 1}`;
}

function statusNote(run: IMessageRun): string {
  if (!run.status || run.status === 'ok') {
    return '';
  }
  return run.status === 'error' && run.ename ? ` (error: ${run.ename})` : ` (${run.status})`;
}

/** Subject and body of a commit capturing `runs` (positions from `cellPositions`). */
export function commitMessage(
  runs: IMessageRun[],
  positions: (number | null | undefined)[],
  message?: string
): { subject: string; body: string } {
  if (runs.length === 0) {
    return { subject: message || 'snapshot', body: '' };
  }
  const labels = runs.map((r, i) => runLabel(r, positions[i]));
  let subject: string;
  if (runs.length === 1) {
    subject = `run ${labels[0]}: ${firstLine(runs[0].code, 60)}${statusNote(runs[0])}`;
  } else {
    subject = `${runs.length} runs: ${labels.join(', ')}`;
    if (subject.length > 72) {
      subject = subject.slice(0, 71) + '…';
    }
  }
  const body = runs
    .map((r, i) => `${labels[i]}${statusNote(r)}: ${firstLine(r.code, 100)}`)
    .concat(message ? ['', message] : [])
    .join('\n');
  return { subject, body };
}
