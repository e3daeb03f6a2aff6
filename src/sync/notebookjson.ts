/**
 * The notebook JSON the history stores and brings back, with cell identity on
 * every nbformat version.
 *
 * Notebooks written before nbformat 4.5 have no cell ids in the file:
 * JupyterLab gives their cells ids when it loads them, but leaves them out of
 * `toJSON()`, and drops any id `fromJSON()` is given. Runs name their cell by
 * that id, so snapshots keep it, and a restore puts the same ids back, while
 * the notebook keeps its own format (a save writes no ids into a 4.4 file).
 *
 * Only nbformat 4 is loaded: the server converts older files (nbformat 3's
 * worksheets) to nbformat 4 with cell ids when it reads them, so the model and
 * its snapshots are always nbformat 4. JupyterLab's `fromJSON()` would turn any
 * other JSON into one empty cell, so it is refused with a message instead.
 */
import { INotebookModel } from '@jupyterlab/notebook';

function lacksIds(json: any): boolean {
  return json?.nbformat === 4 && typeof json.nbformat_minor === 'number' && json.nbformat_minor < 5;
}

/** The notebook as JSON for a snapshot: the model's cell ids included whatever the format. */
export function notebookJSON(model: INotebookModel): any {
  const json = model.toJSON() as any;
  if (lacksIds(json) && Array.isArray(json.cells) && json.cells.length === model.cells.length) {
    json.cells = json.cells.map((cell: any, i: number) => ({ id: model.cells.get(i).id, ...cell }));
  }
  return json;
}

/** Load a snapshot into the model, keeping the ids its cells had (see the module comment). */
export function loadNotebookJSON(model: INotebookModel, json: any): void {
  if (json?.nbformat !== 4 || !Array.isArray(json.cells)) {
    throw new Error(`Cannot load a notebook of nbformat ${json?.nbformat ?? 'unknown'}: only nbformat 4 can be loaded (nothing was changed).`);
  }
  if (lacksIds(json) && Array.isArray(json.cells) && json.cells.some((cell: any) => typeof cell?.id === 'string')) {
    const minor = json.nbformat_minor;
    // JupyterLab keeps cell ids only from a 4.5 notebook; the format goes back to what it was.
    model.fromJSON({ ...json, nbformat_minor: 5 });
    (model.sharedModel as unknown as { nbformat_minor: number }).nbformat_minor = minor;
    return;
  }
  model.fromJSON(json);
}
