/// <reference types="node" />
/**
 * HistoryStore on the in-memory fs: commits with runs, attempts as branches,
 * restore-then-commit divergence, attempt metadata, compare-and-swap recovery
 * between two writers, the run index, and refusal to touch a corrupt repository.
 */

import git from 'isomorphic-git';

import { LocalBackend, RepositoryError } from './backend';
import { decodeCommit, decodeTree, encodeCommit, MODE_FILE, MODE_TREE } from './gitobject';
import { codeHash } from './runindex';
import { HistoryStore, INDEX_CHUNK, INDEX_FANOUT, IRun, META_BRANCH } from './store';
import { fakeClock, memoryBackend, memoryFs, MemoryFs, syntheticNotebook } from './testkit.spec-util';

const GITDIR = '/history/nb.git';

function run(cellId: string, n: number, code = `x = ${n}`, extra: Partial<IRun> = {}): IRun {
  return { cellId, code, executionCount: n, status: 'ok', kernelSession: 'k1', start: `2024-01-01T00:00:${n}Z`, ...extra };
}

async function open(fsys: MemoryFs, clock = fakeClock()) {
  const store = new HistoryStore({ backend: memoryBackend(fsys, GITDIR), now: clock });
  await store.init();
  return store;
}

function edit(nb: any, i: number, source: string, count: number) {
  const copy = JSON.parse(JSON.stringify(nb));
  copy.cells[i].source = source;
  copy.cells[i].execution_count = count;
  return copy;
}

/**
 * Commit on main, on top of `parent`, a tree whose run index is `index` (and no runs.json):
 * an index as an earlier version of the store wrote it.
 */
async function commitOldIndex(store: HistoryStore, parent: string, index: string): Promise<string> {
  const db = store.db;
  const root = decodeTree((await db.read(decodeCommit((await db.read(parent)).content).tree)).content);
  const tree = db.putTree([...root.filter(e => e.name !== 'index' && e.name !== 'runs.json'), { mode: MODE_TREE, name: 'index', oid: index }]);
  const who = { name: 'Retrace', email: 'retrace@localhost', timestamp: 1700000000, tzOffsetMinutes: 0 };
  const old = db.put('commit', encodeCommit({ tree, parents: [parent], author: who, committer: who, message: 'old index\n' }));
  await store.backend.write({ files: db.pendingFiles(), refs: [{ ref: 'refs/heads/main', old: parent, new: old }] });
  db.markStored(db.pendingFiles());
  return old;
}

describe('HistoryStore', () => {
  it('commits snapshots with their runs, readable back and by isomorphic-git', async () => {
    const fsys = memoryFs();
    const store = await open(fsys);
    const nb1 = syntheticNotebook(5);
    const c1 = await store.commitSnapshot(nb1, [run('c0003', 12, 'model.fit(X, y)\nprint(1)')]);
    const nb2 = edit(nb1, 1, 'y = 2', 13);
    const c2 = await store.commitSnapshot(nb2, [run('c0001', 13, 'y = 2'), run('c0002', 14, 'z = 3')]);
    expect((await store.readSnapshot(c1)).notebook).toEqual(nb1);
    expect((await store.readSnapshot(c2)).notebook).toEqual(nb2);
    expect(await store.readRuns(c2)).toEqual([
      { ...run('c0001', 13, 'y = 2'), cellIndex: 1 },
      { ...run('c0002', 14, 'z = 3'), cellIndex: 2 }
    ]);
    const log = await git.log({ fs: fsys, gitdir: GITDIR, ref: 'main' });
    expect(log.map(e => e.commit.message.split('\n')[0])).toEqual([
      '2 runs: [13] cell 2, [14] cell 3',
      'run [12] cell 4: model.fit(X, y)'
    ]);
    expect(log[0].commit.message).toContain('[13] cell 2: y = 2\n[14] cell 3: z = 3');
    const { blob } = await git.readBlob({ fs: fsys, gitdir: GITDIR, oid: c2, filepath: 'order.json' });
    expect(JSON.parse(new TextDecoder().decode(blob))).toHaveLength(5);
  });

  it('says which runs failed in the summary line', async () => {
    const store = await open(memoryFs());
    const c = await store.commitSnapshot(syntheticNotebook(2), [
      run('c0000', 3, '1/0', { status: 'error', ename: 'ZeroDivisionError' })
    ]);
    const log = await git.log({ fs: (store.backend as any).fs, gitdir: GITDIR, ref: c, depth: 1 });
    expect(log[0].commit.message.split('\n')[0]).toBe('run [3] cell 1: 1/0 (error: ZeroDivisionError)');
  });

  it('starts a new attempt at the current point and leaves the old one where it was', async () => {
    const fsys = memoryFs();
    const store = await open(fsys);
    const nb = syntheticNotebook(3);
    const c1 = await store.commitSnapshot(nb, [run('c0000', 1)]);
    const attempt = await store.newAttempt('Try an SVM', 'linear kernel first');
    expect(attempt).toMatchObject({ id: 'attempt-1', tip: c1, base: c1, fromAttempt: 'main', current: true });
    const c2 = await store.commitSnapshot(edit(nb, 0, 'svm()', 2), [run('c0000', 2, 'svm()')]);
    const attempts = await store.listAttempts();
    expect(attempts.map(a => [a.id, a.tip, a.current, a.title])).toEqual([
      ['main', c1, false, 'main'],
      ['attempt-1', c2, true, 'Try an SVM']
    ]);
    expect(attempts[1].comment).toBe('linear kernel first');
    expect(new TextDecoder().decode(fsys.readFileSync(`${GITDIR}/HEAD`) as Uint8Array)).toBe('ref: refs/heads/attempt-1\n');
    // A fresh store sees the same, HEAD included.
    const again = await open(fsys);
    expect(again.currentAttempt).toBe('attempt-1');
    expect(again.head).toBe(c2);
  });

  it('restoring an old snapshot and then committing starts a new attempt; nothing moves back', async () => {
    const fsys = memoryFs();
    const store = await open(fsys);
    const nb1 = syntheticNotebook(4);
    const c1 = await store.commitSnapshot(nb1, [run('c0000', 1)]);
    const nb2 = edit(nb1, 1, 'b = 2', 2);
    await store.commitSnapshot(nb2, [run('c0001', 2)]);
    const nb3 = edit(nb2, 2, 'c = 3', 3);
    const c3 = await store.commitSnapshot(nb3, [run('c0002', 3)]);

    const restored = await store.restore(c1);
    expect(JSON.stringify(restored.notebook)).toBe(JSON.stringify(nb1));
    expect(store.divergedFrom).toBe(c1);
    const nb4 = edit(nb1, 3, 'd = 4', 4);
    const c4 = await store.commitSnapshot(nb4, [run('c0003', 4)]);

    const attempts = await store.listAttempts();
    const auto = attempts.find(a => a.id === 'attempt-1')!;
    expect(auto).toMatchObject({ auto: true, base: c1, fromAttempt: 'main', tip: c4, current: true });
    expect(auto.title).toBe(`Restored from ${c1.slice(0, 7)}`);
    expect(attempts.find(a => a.id === 'main')!.tip).toBe(c3);
    const parent = (await git.readCommit({ fs: fsys, gitdir: GITDIR, oid: c4 })).commit.parent;
    expect(parent).toEqual([c1]);
    // The new attempt's run index holds c1's run (shared history) and its own.
    expect((await store.runIndex()).map(r => [r.commit, r.executionCount, r.attempt])).toEqual([
      [c1, 1, 'main'],
      [c4, 4, 'attempt-1']
    ]);

    // Restoring main's tip switches back to main: the next commit continues it.
    const back = await store.restore(c3);
    expect(JSON.stringify(back.notebook)).toBe(JSON.stringify(nb3));
    expect(store.currentAttempt).toBe('main');
    const c5 = await store.commitSnapshot(edit(nb3, 0, 'a = 5', 5), [run('c0000', 5)]);
    expect((await git.readCommit({ fs: fsys, gitdir: GITDIR, oid: c5 })).commit.parent).toEqual([c3]);
    expect((await store.listAttempts()).map(a => a.id)).toEqual(['main', 'attempt-1']);
  });

  it('between a restore of an older snapshot and the next commit, no attempt is current, and a reopened store still starts the new attempt there', async () => {
    const fsys = memoryFs();
    const store = await open(fsys);
    const nb1 = syntheticNotebook(3);
    const c1 = await store.commitSnapshot(nb1, [run('c0000', 1)]);
    const nb2 = edit(nb1, 1, 'b = 2', 2);
    const c2 = await store.commitSnapshot(nb2, [run('c0001', 2)]);

    await store.restore(c1);
    // The notebook is on no attempt: main is not current, and no branch was made for the next run.
    expect((await store.listAttempts()).map(a => [a.id, a.tip, a.current])).toEqual([['main', c2, false]]);
    expect(store.currentAttempt).toBeNull();
    expect(await git.listBranches({ fs: fsys, gitdir: GITDIR })).toEqual(['main']);
    // HEAD is detached at the restored commit (as `git checkout <commit>` leaves it), main did not move.
    expect(await git.resolveRef({ fs: fsys, gitdir: GITDIR, ref: 'HEAD', depth: 1 })).toBe(c1);
    expect(await git.resolveRef({ fs: fsys, gitdir: GITDIR, ref: 'main' })).toBe(c2);

    // A page reload: the restore is still pending, and the next commit starts the new attempt from c1.
    const reopened = await open(fsys);
    expect(reopened.divergedFrom).toBe(c1);
    expect((await reopened.listAttempts()).some(a => a.current)).toBe(false);
    const c3 = await reopened.commitSnapshot(edit(nb1, 2, 'c = 3', 3), [run('c0002', 3)]);
    const attempts = await reopened.listAttempts();
    expect(attempts.map(a => [a.id, a.current])).toEqual([
      ['main', false],
      ['attempt-1', true]
    ]);
    expect(attempts[1]).toMatchObject({ auto: true, base: c1, tip: c3, title: `Restored from ${c1.slice(0, 7)}` });
    expect((await git.readCommit({ fs: fsys, gitdir: GITDIR, oid: c3 })).commit.parent).toEqual([c1]);
    expect(await git.resolveRef({ fs: fsys, gitdir: GITDIR, ref: 'HEAD', depth: 1 })).toBe('ref: refs/heads/attempt-1');
    expect(await git.resolveRef({ fs: fsys, gitdir: GITDIR, ref: 'main' })).toBe(c2);
  });

  it('keeps titles and comments editable without rewriting history', async () => {
    const fsys = memoryFs();
    const store = await open(fsys);
    const c1 = await store.commitSnapshot(syntheticNotebook(2), [run('c0000', 1)]);
    await store.editAttempt('main', { title: 'Baseline', comment: 'first try' });
    await store.editAttempt('main', { comment: 'first try, lr=0.1' });
    const reader = await open(fsys);
    const [main] = await reader.listAttempts();
    expect(main).toMatchObject({ id: 'main', title: 'Baseline', comment: 'first try, lr=0.1', tip: c1 });
    // Each edit is a commit on the metadata branch; the attempt's own branch is untouched.
    const metaLog = await git.log({ fs: fsys, gitdir: GITDIR, ref: META_BRANCH });
    expect(metaLog).toHaveLength(2);
    expect(await git.resolveRef({ fs: fsys, gitdir: GITDIR, ref: 'main' })).toBe(c1);
    expect(await git.listBranches({ fs: fsys, gitdir: GITDIR })).toEqual(['main', META_BRANCH]);
  });

  it('recovers from a concurrent writer by committing on top of it: neither side is lost', async () => {
    const fsys = memoryFs();
    const a = await open(fsys);
    const b = await open(fsys);
    const nb = syntheticNotebook(3);
    const a1 = await a.commitSnapshot(edit(nb, 0, 'from A', 1), [run('c0000', 1, 'from A')]);
    // B still believes main is empty: its write conflicts, then lands on top of A's.
    const b1 = await b.commitSnapshot(edit(nb, 1, 'from B', 2), [run('c0001', 2, 'from B')]);
    const log = await git.log({ fs: fsys, gitdir: GITDIR, ref: 'main' });
    expect(log.map(e => e.oid)).toEqual([b1, a1]);
    expect((await b.readSnapshot(b1)).notebook.cells[1].source).toBe('from B');
    expect((await b.readSnapshot(a1)).notebook.cells[0].source).toBe('from A');
    expect((await b.runIndex()).map(r => r.summary)).toEqual(['from A', 'from B']);
    // A is now stale in turn and recovers the same way.
    const a2 = await a.commitSnapshot(edit(nb, 2, 'A again', 3), [run('c0002', 3, 'A again')]);
    expect((await git.log({ fs: fsys, gitdir: GITDIR, ref: 'main' })).map(e => e.oid)).toEqual([a2, b1, a1]);
  });

  it('gives two attempts started at once distinct names', async () => {
    const fsys = memoryFs();
    const a = await open(fsys);
    await a.commitSnapshot(syntheticNotebook(1), [run('c0000', 1)]);
    const b = await open(fsys);
    const [x, y] = await Promise.all([a.newAttempt('from A'), b.newAttempt('from B')]);
    expect(new Set([x.id, y.id]).size).toBe(2);
    const titles = (await a.listAttempts()).map(t => t.title).sort();
    expect(titles).toEqual(['from A', 'from B', 'main']);
  });

  it('keeps a run index that opens without walking commits, across chunk and folder boundaries', async () => {
    const fsys = memoryFs();
    const store = await open(fsys);
    const nb = syntheticNotebook(10);
    const COMMITS = 60;
    const PER = 40;
    let n = 0;
    const commits: string[] = [];
    for (let c = 0; c < COMMITS; c++) {
      const runs = [];
      for (let k = 0; k < PER; k++) {
        n++;
        runs.push(run(`c000${n % 10}`, n));
      }
      commits.push(await store.commitSnapshot(edit(nb, c % 10, `v = ${c}`, n), runs));
    }
    const fresh = await open(fsys);
    const index = await fresh.runIndex();
    expect(index).toHaveLength(COMMITS * PER);
    expect(index.map(r => r.executionCount)).toEqual(Array.from({ length: COMMITS * PER }, (_, i) => i + 1));
    expect(index.map(r => r.cellId)).toEqual(Array.from({ length: COMMITS * PER }, (_, i) => `c000${(i + 1) % 10}`));
    expect(index[0].commit).toBe(commits[0]);
    expect(index[index.length - 1].commit).toBe(commits[COMMITS - 1]);
    // The tip's tree holds the index of every earlier commit, in chunks spread over 2 folders.
    const files = await git.listFiles({ fs: fsys, gitdir: GITDIR, ref: 'main' });
    const chunks = files.filter(f => f.startsWith('index/') && f !== 'index/dict.json');
    expect(chunks.length).toBe(Math.ceil(((COMMITS - 1) * PER) / INDEX_CHUNK));
    expect(new Set(chunks.map(f => f.split('/')[1])).size).toBe(Math.ceil(chunks.length / INDEX_FANOUT));
    expect(new Set(chunks.map(f => f.split('/')[1])).size).toBe(2);
    // A fresh store continues the index exactly.
    await fresh.commitSnapshot(edit(nb, 0, 'last', 5000), [run('c0000', 5000)]);
    expect((await fresh.runIndex()).map(r => r.executionCount).slice(-3)).toEqual([COMMITS * PER - 1, COMMITS * PER, 5000]);
    // Read again after the commit (finished folders come from memory, the last one from its chunks): every row, in order.
    expect((await fresh.runIndex()).map(r => r.executionCount)).toEqual([...Array.from({ length: COMMITS * PER }, (_, i) => i + 1), 5000]);
  });

  it('keeps each run\'s end in the index, so older runs read back keep their duration', async () => {
    const fsys = memoryFs();
    const store = await open(fsys);
    const nb = syntheticNotebook(3);
    const timed = (cellId: string, n: number, start: string | number, end: string | number | null) =>
      run(cellId, n, `x = ${n}`, { start, end, kernelSession: n < 3 ? 'old-kernel' : 'new-kernel' });
    await store.commitSnapshot(nb, [timed('c0000', 1, '2024-01-01T10:00:00.000Z', '2024-01-01T10:00:02.500Z')]);
    await store.commitSnapshot(nb, [timed('c0001', 2, Date.UTC(2024, 0, 1, 10, 1), Date.UTC(2024, 0, 1, 10, 1, 0, 40))]);
    await store.commitSnapshot(nb, [timed('c0002', 3, '2024-01-01T11:00:00+01:00', null)]);
    await store.commitSnapshot(nb, [timed('c0000', 4, '2024-01-01T12:00:00.000Z', '2024-01-01T12:00:00.007Z')]);
    const fresh = await open(fsys);
    const index = await fresh.runIndex();
    const durations = index.map(e => (e.end === null ? null : e.end - Number(new Date(e.start!))));
    expect(durations).toEqual([2500, 40, null, 7]);
    expect(index.map(e => e.kernelSession)).toEqual(['old-kernel', 'old-kernel', 'new-kernel', 'new-kernel']);
    // A time the recorder gave in its own form comes back as given.
    expect(index[2].start).toBe('2024-01-01T11:00:00+01:00');
  });

  it('reads a run index in the earlier line format and rewrites it once in the compact one', async () => {
    const fsys = memoryFs();
    const store = await open(fsys);
    const nb = syntheticNotebook(2);
    const first = await store.commitSnapshot(nb, [run('c0000', 1)]);
    // A commit as the earlier format wrote it: index/0000/00.jsonl, one JSON object per run.
    const db = store.db;
    const lines = [1, 2, 3].map(n =>
      JSON.stringify({ c: first, a: 'main', cell: `c000${n % 2}`, ci: n % 2, n, s: 'ok', t: `2024-01-01T00:00:0${n}Z`, k: 'k1', i: `r${n}`, sum: `x = ${n}` })
    );
    const chunk = db.putText(lines.join('\n') + '\n');
    const dir = db.putTree([{ mode: MODE_FILE, name: '00.jsonl', oid: chunk }]);
    await commitOldIndex(store, first, db.putTree([{ mode: MODE_TREE, name: '0000', oid: dir }]));

    const reader = await open(fsys);
    const before = await reader.runIndex();
    expect(before.map(e => [e.runId, e.cellId, e.summary, e.end, e.codeHash])).toEqual([
      ['r1', 'c0001', 'x = 1', null, null],
      ['r2', 'c0000', 'x = 2', null, null],
      ['r3', 'c0001', 'x = 3', null, null]
    ]);
    const next = await reader.commitSnapshot(edit(nb, 1, 'y = 4', 4), [run('c0001', 4, 'y = 4', { id: 'r4' })]);
    const after = await (await open(fsys)).runIndex();
    expect(after.map(e => e.runId)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(after[3].commit).toBe(next);
    const files = await git.listFiles({ fs: fsys, gitdir: GITDIR, ref: 'main' });
    expect(files.filter(f => f.startsWith('index/'))).toEqual(['index/0000/00.json', 'index/dict.json']);
  });

  it('keeps a hash of each run\'s full code in the index: two codes with the same first line stay apart', async () => {
    const fsys = memoryFs();
    const store = await open(fsys);
    const nb = syntheticNotebook(2);
    const one = 'threshold = 15\nsales["warm"] = sales.temp > threshold';
    const two = 'threshold = 15\nsales["warm"] = sales.temp >= threshold';
    await store.commitSnapshot(edit(nb, 0, one, 1), [run('c0000', 1, one, { id: 'r1' })]);
    await store.commitSnapshot(edit(nb, 0, two, 2), [run('c0000', 2, two, { id: 'r2' })]);
    await store.commitSnapshot(edit(nb, 1, 'y = 3', 3), [run('c0001', 3, 'y = 3', { id: 'r3' })]);
    const index = await (await open(fsys)).runIndex();
    expect(index.map(e => [e.runId, e.summary, e.codeHash])).toEqual([
      ['r1', 'threshold = 15', codeHash(one)],
      ['r2', 'threshold = 15', codeHash(two)],
      ['r3', 'y = 3', codeHash('y = 3')]
    ]);
    expect(codeHash(one)).not.toBe(codeHash(two));
    expect(Number.isInteger(codeHash(one)) && codeHash(one) >= 0 && codeHash(one) < 2 ** 30).toBe(true);
  });

  it('reads index rows of the earlier compact format (no code hash) as null, and keeps them so', async () => {
    const fsys = memoryFs();
    const store = await open(fsys);
    const nb = syntheticNotebook(2);
    const first = await store.commitSnapshot(nb, [run('c0000', 1)]);
    // A commit whose index was written before rows kept a hash: 11 fields a row.
    const db = store.db;
    const dict = db.putText(JSON.stringify({ cells: ['c0000', 'c0001'], kernels: ['k1'], attempts: ['main'], statuses: ['ok'] }));
    const t = Date.UTC(2024, 0, 1);
    const rows = [1, 2].map(n => [0, n % 2, n % 2, n, 0, t + n * 1000, 5, 0, 0, `r${n}`, `x = ${n}`]);
    const chunk = db.putText(JSON.stringify({ c: [first], r: rows }));
    const dir = db.putTree([{ mode: MODE_FILE, name: '00.json', oid: chunk }]);
    await commitOldIndex(
      store,
      first,
      db.putTree([
        { mode: MODE_TREE, name: '0000', oid: dir },
        { mode: MODE_FILE, name: 'dict.json', oid: dict }
      ])
    );

    const reader = await open(fsys);
    expect((await reader.runIndex()).map(e => [e.runId, e.summary, e.codeHash, e.end! - Number(e.start)])).toEqual([
      ['r1', 'x = 1', null, 5],
      ['r2', 'x = 2', null, 5]
    ]);
    // Two commits on top: the last chunk is written again with the old rows as they were.
    await reader.commitSnapshot(edit(nb, 1, 'y = 4\nz = 5', 4), [run('c0001', 4, 'y = 4\nz = 5', { id: 'r4' })]);
    await reader.commitSnapshot(nb, []);
    const after = await (await open(fsys)).runIndex();
    expect(after.map(e => [e.runId, e.codeHash])).toEqual([
      ['r1', null],
      ['r2', null],
      ['r4', codeHash('y = 4\nz = 5')]
    ]);
    const tip = await git.resolveRef({ fs: fsys, gitdir: GITDIR, ref: 'main' });
    const { blob } = await git.readBlob({ fs: fsys, gitdir: GITDIR, oid: tip, filepath: 'index/0000/00.json' });
    const rewritten = JSON.parse(new TextDecoder().decode(blob));
    expect(rewritten.r.map((r: unknown[]) => r.length)).toEqual([11, 11, 12]);
  });

  it('reports a corrupt repository and never overwrites it', async () => {
    const fsys = memoryFs();
    fsys.mkdirSync(`${GITDIR}/objects`, { recursive: true });
    fsys.writeFileSync(`${GITDIR}/notes.txt`, 'precious');
    const store = new HistoryStore({ backend: new LocalBackend(fsys, GITDIR) });
    await expect(store.init()).rejects.toThrow(RepositoryError);
    await expect(store.init()).rejects.toThrow(/not a valid git repository \(HEAD is missing\)/);
    expect(fsys.readdirSync(GITDIR)).toEqual(['notes.txt', 'objects']);
    expect(new TextDecoder().decode(fsys.readFileSync(`${GITDIR}/notes.txt`) as Uint8Array)).toBe('precious');
  });

  it('reports a missing object instead of inventing content', async () => {
    const fsys = memoryFs();
    const store = await open(fsys);
    const c = await store.commitSnapshot(syntheticNotebook(2));
    fsys.unlinkSync(`${GITDIR}/objects/${c.slice(0, 2)}/${c.slice(2)}`);
    const reader = await open(fsys);
    await expect(reader.readSnapshot(c)).rejects.toThrow(/missing/);
  });
});
