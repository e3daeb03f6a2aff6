/**
 * The notebook JSON the history stores and brings back, with cell identity on
 * every nbformat version.
 *
 * Notebooks written before nbformat 4.5 have no cell ids in the file:
 * JupyterLab gives their cells ids when it loads them, but leaves them out of
 * `toJSON()`, and drops any id `fromJSON()` is given. Runs name their cell by
 * that id, so snapshots keep it, and a restore puts the same ids back, while
 * the notebook keeps its own format (a save writes no ids into a 4.4 file).
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
  if (lacksIds(json) && Array.isArray(json.cells) && json.cells.some((cell: any) => typeof cell?.id === 'string')) {
    const minor = json.nbformat_minor;
    // JupyterLab keeps cell ids only from a 4.5 notebook; the format goes back to what it was.
    model.fromJSON({ ...json, nbformat_minor: 5 });
    (model.sharedModel as unknown as { nbformat_minor: number }).nbformat_minor = minor;
    return;
  }
  model.fromJSON(json);
}
