/**
 * The diff view's model between two snapshots of a real history store: cells
 * that are the same in both are left unread for speed, except a moved cell,
 * which the view shows with its source.
 */
import { nullTranslator } from '@jupyterlab/translation';

import { HistoryStore, LocalBackend } from '../history';
import { memoryFs } from '../history/testkit.spec-util';
import { NotebookHistory } from '../sync/notebookhistory';
import { NotebookDiffModel } from './notebookdiff';

const cell = (id: string, source: string) => ({ id, cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null });
const notebook = (...cells: any[]) => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });

describe('NotebookDiffModel between two snapshots', () => {
  it('reads the source of a moved cell, and leaves the other unchanged cells unread', async () => {
    const store = new HistoryStore({ backend: new LocalBackend(memoryFs(), '/h/nb.git') });
    let now: any = notebook(cell('a', 'a = 1'), cell('b', 'b = 2'), cell('c', 'c = 3'), cell('d', 'd = 4'));
    const queue = { durable: false, add: async () => undefined, list: async () => [], remove: async () => undefined };
    const history = new NotebookHistory({ notebookId: 'nb', store, queue, snapshot: () => now, debounceMs: 100000 });
    await history.open();
    const from = (await history.saveState('first'))!;
    now = notebook(cell('d', 'd = 4'), cell('a', 'a = 1'), cell('b', 'b = 20'), cell('c', 'c = 3'));
    const to = (await history.saveState('second'))!;

    const model = new NotebookDiffModel({ history, current: () => now, name: 'nb.ipynb' }, nullTranslator.load('test'), from, to);
    await model.load();
    const diff = model.diff!;
    expect(diff.counts).toEqual({ added: 0, removed: 0, changed: 1, moved: 1, unchanged: 3 });
    const moved = diff.cells.find(c => c.moved)!;
    expect(moved.key).toBe('d');
    expect(moved.after.source).toBe('d = 4');
    expect(moved.after.unread).toBeUndefined();
    // The cells shown folded were not read.
    expect(diff.cells.filter(c => c.kind === 'unchanged' && !c.moved).map(c => [c.key, c.after.source, typeof c.after.unread])).toEqual([
      ['a', '', 'string'],
      ['c', '', 'string']
    ]);
    history.dispose();
  });
});
