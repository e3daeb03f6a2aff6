/**
 * How cells are named for the user: by their position now ("cell 4"), which
 * is what they see in the notebook.
 */
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

export function cellLabel(notebook: NotebookPanel, cellId: string | null, trans: TranslationBundle): string {
  if (cellId === null) {
    return trans.__('console');
  }
  const index = cellIndex(notebook, cellId);
  return index >= 0 ? trans.__('cell %1', index + 1) : trans.__('deleted cell');
}

export function cellIndex(notebook: NotebookPanel, cellId: string): number {
  const cells = notebook.content.model?.cells;
  if (cells) {
    for (let i = 0; i < cells.length; i++) {
      if (cells.get(i).id === cellId) {
        return i;
      }
    }
  }
  return -1;
}

/** Bring a cell into view and make it the active one. */
export function revealCell(notebook: NotebookPanel, cellId: string): boolean {
  const index = cellIndex(notebook, cellId);
  if (index < 0) {
    return false;
  }
  notebook.content.activeCellIndex = index;
  void notebook.content.scrollToItem(index);
  return true;
}
