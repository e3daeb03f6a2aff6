/**
 * Reading only what differs: each cell's tree id is known from the small trees,
 * equal ids are equal cells, and a snapshot read can leave such cells unread.
 */
import { HistoryStore } from './store';
import { fakeClock, memoryBackend, memoryFs, syntheticNotebook } from './testkit.spec-util';

describe('HistoryStore partial reads', () => {
  it('gives each cell its tree id, equal for unchanged cells, and skips the cells asked', async () => {
    const store = new HistoryStore({ backend: memoryBackend(memoryFs(), '/h/nb.git'), now: fakeClock() });
    await store.init();
    const nb1 = syntheticNotebook(6);
    const c1 = await store.commitSnapshot(nb1, []);
    const nb2 = JSON.parse(JSON.stringify(nb1));
    nb2.cells[2].source = 'changed = True';
    const c2 = await store.commitSnapshot(nb2, []);

    const [a, b] = [(await store.cellTreeIds(c1))!, (await store.cellTreeIds(c2))!];
    expect(a.map(c => c.key)).toEqual(b.map(c => c.key));
    expect(a.map((c, i) => c.tree === b[i].tree)).toEqual([true, true, false, true, true, true]);

    const same = new Set(a.filter((c, i) => c.tree === b[i].tree).map(c => c.tree));
    const partial = await store.readSnapshot(c2, same);
    expect(partial.notebook.cells.map((c: any) => (c === null ? null : c.source))).toEqual([null, null, 'changed = True', null, null, null]);
    // Without a skip set the whole snapshot comes back, as before.
    expect((await store.readSnapshot(c2)).notebook).toEqual(nb2);
  });
});
