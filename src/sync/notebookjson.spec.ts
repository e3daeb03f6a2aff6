/**
 * Cell identity through snapshot, restore and undo, on every notebook of the
 * developers' shared set (nbformat 3.0, 4.0, 4.1, 4.2, 4.4 and 4.5): a real
 * NotebookModel loaded as JupyterLab loads a file, its snapshot committed to a
 * real history store, an edit, a restore of the snapshot and the undo of that
 * restore. Each brings back the same cells with the same ids, and the
 * notebook's format as JupyterLab writes it without Retrace (4.0–4.4 files as
 * 4.4 with no cell ids, 4.5 as 4.5).
 *
 * nbformat 3 files never reach the front end as such: the server converts them
 * to nbformat 4 when it reads them (with cell ids), and JupyterLab saves them in
 * that format. At this layer a notebook that is not nbformat 4 is refused with
 * a message, and the model is left as it was.
 */
import { NotebookModel } from '@jupyterlab/notebook';

import { HistoryStore, LocalBackend } from '../history';
import { memoryFs, sharedNotebooks } from '../history/testkit.spec-util';
import { NotebookHistory } from './notebookhistory';
import { loadNotebookJSON, notebookJSON } from './notebookjson';
import { IPendingQueue } from './queue';
import { restoreInto } from './restore';

const queue: IPendingQueue = {
  durable: false,
  add: async () => undefined,
  list: async () => [],
  remove: async () => undefined
};

function ids(model: NotebookModel): string[] {
  const out: string[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    out.push(model.cells.get(i).id);
  }
  return out;
}

/** What the model would write to the file. */
function saved(model: NotebookModel): any {
  return model.toJSON() as any;
}

// JupyterLab's YNotebook builds each cell before adding it to the document, and Yjs warns for every
// one (upstream noise: tens of thousands of lines over the shared set, which slow the run).
const YJS_NOISE = /Invalid access: Add Yjs type to a document|\[yjs#509\] Not same Y\.Doc/;
let warn: jest.SpyInstance;
beforeAll(() => {
  const original = console.warn.bind(console);
  warn = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!args.some(a => typeof a === 'string' && YJS_NOISE.test(a))) {
      original(...args);
    }
  });
});
afterAll(() => warn.mockRestore());

const files = sharedNotebooks().map(f => ({ name: f.name, json: JSON.parse(f.text) }));
const v4 = files.filter(f => f.json.nbformat === 4);
const older = files.filter(f => f.json.nbformat !== 4);

describe('cell identity through snapshot, restore and undo', () => {
  it('covers every nbformat version of the shared set', () => {
    const versions = new Set(files.map(f => `${f.json.nbformat}.${f.json.nbformat_minor}`));
    for (const v of ['3.0', '4.0', '4.1', '4.2', '4.4', '4.5']) {
      expect(versions).toContain(v);
    }
  });

  it.each(v4.map(f => [`${f.json.nbformat}.${f.json.nbformat_minor}`, f.name, f.json] as const))(
    'nbformat %s: %s keeps its cells and their ids, and its own format',
    async (_version, _name, file) => {
      const model = new NotebookModel();
      model.fromJSON(file);
      const opened = ids(model);
      const asOpened = saved(model);
      // JupyterLab itself writes any 4.0–4.4 notebook as 4.4, still without ids; 4.5 stays 4.5.
      expect(asOpened.nbformat_minor).toBe(Math.max(file.nbformat_minor, 4));
      expect(asOpened.cells.some((c: any) => 'id' in c)).toBe(file.nbformat_minor >= 5);
      expect(asOpened.cells.length).toBe(file.cells.length);

      const store = new HistoryStore({ backend: new LocalBackend(memoryFs(), '/h/nb.git'), maxOutputBytes: 64 << 20 });
      const history = new NotebookHistory({ notebookId: 'nb', store, queue, snapshot: () => notebookJSON(model), debounceMs: 100000 });
      await history.open();
      const snapshot = await history.saveState('as opened');
      expect(snapshot).toMatch(/^[0-9a-f]{40}$/);

      // An edit: the first cell's source changed, the last cell deleted, a cell added.
      model.cells.get(0).sharedModel.setSource('edited = True');
      model.sharedModel.deleteCell(model.cells.length - 1);
      model.sharedModel.insertCell(model.cells.length, { cell_type: 'code', source: 'added = 1' });
      const edited = ids(model);
      const asEdited = saved(model);
      expect(edited).not.toEqual(opened);

      // Restore: the same cells as opened, with the same ids, in the file's format.
      const before = await restoreInto(history, model, snapshot!);
      expect(ids(model)).toEqual(opened);
      expect(saved(model)).toEqual(asOpened);
      if (file.nbformat_minor < 5) {
        expect(saved(model).cells.some((c: any) => 'id' in c)).toBe(false);
      }

      // Undo: the edited notebook, its cells the same cells as before the restore.
      await restoreInto(history, model, before!);
      expect(ids(model)).toEqual(edited);
      expect(saved(model)).toEqual(asEdited);

      history.dispose();
      model.dispose();
    }
  );

  it.each(older.map(f => [`${f.json.nbformat}.${f.json.nbformat_minor}`, f.name, f.json] as const))(
    'nbformat %s: %s is refused with a message and the model is left as it was',
    (_version, _name, file) => {
      const model = new NotebookModel();
      model.fromJSON({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ id: 'kept', cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: null }] } as any);
      expect(() => loadNotebookJSON(model, file)).toThrow(/nbformat 3/);
      expect(ids(model)).toEqual(['kept']);
      expect(model.cells.get(0).sharedModel.getSource()).toBe('x = 1');
      model.dispose();
    }
  );
});
