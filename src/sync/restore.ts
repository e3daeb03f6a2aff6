/**
 * Restore: bring a snapshot back into the open notebook. The current state is
 * recorded first, so a restore loses nothing and can be undone by restoring
 * the commit it returns.
 */
import { INotebookModel } from '@jupyterlab/notebook';

import { NotebookHistory } from './notebookhistory';
import { loadNotebookJSON } from './notebookjson';

/** What a restore will change, cell by cell (matched by cell id). */
export interface IRestorePreview {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  /** Placeholders instead of outputs that were over the size cap when recorded. */
  omittedOutputs: number;
}

interface ICellLike {
  id?: string;
  cell_type?: string;
  source?: string | string[];
  outputs?: unknown[];
}

function cellsOf(notebook: any): ICellLike[] {
  return Array.isArray(notebook?.cells) ? notebook.cells : [];
}

function join(source: string | string[] | undefined): string {
  return Array.isArray(source) ? source.join('') : source ?? '';
}

export function previewRestore(current: unknown, target: unknown, omittedOutputs = 0): IRestorePreview {
  // Cells pair up by id when both sides have ids (a 4.4 notebook's JSON from
  // JupyterLab has none, its snapshots have them), else by position.
  const byId = [...cellsOf(current), ...cellsOf(target)].every(c => typeof c.id === 'string');
  const key = (c: ICellLike, i: number) => (byId ? c.id! : `#${i}`);
  const now = new Map(cellsOf(current).map((c, i) => [key(c, i), c]));
  const preview: IRestorePreview = { added: 0, removed: 0, changed: 0, unchanged: 0, omittedOutputs };
  const seen = new Set<string>();
  cellsOf(target).forEach((cell, i) => {
    const id = key(cell, i);
    seen.add(id);
    const existing = now.get(id);
    if (!existing) {
      preview.added++;
    } else if (
      existing.cell_type !== cell.cell_type ||
      join(existing.source) !== join(cell.source) ||
      JSON.stringify(existing.outputs ?? []) !== JSON.stringify(cell.outputs ?? [])
    ) {
      preview.changed++;
    } else {
      preview.unchanged++;
    }
  });
  preview.removed = [...now.keys()].filter(id => !seen.has(id)).length;
  return preview;
}

/**
 * Record the notebook as it is, then load `commit` into it. Returns the commit
 * holding the state before the restore (restore it to undo).
 */
export async function restoreInto(history: NotebookHistory, model: INotebookModel, commit: string): Promise<string | null> {
  const before = await history.saveState(`before restore of ${commit.slice(0, 7)}`);
  const snapshot = await history.restore(commit);
  loadNotebookJSON(model, snapshot.notebook);
  model.dirty = true;
  history.markSaved();
  return before;
}
