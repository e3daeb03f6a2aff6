/**
 * NotebookHistory against a real history store on an in-memory file system:
 * a run is committed once, whoever records it (two tabs on one repository,
 * a page that catches up from the kernel's journal after a reload).
 */
import { Run } from '../capture/run';
import { HistoryStore, LocalBackend, RepositoryError } from '../history';
import { memoryFs, MemoryFs } from '../history/testkit.spec-util';
import { contentKey, NotebookHistory } from './notebookhistory';
import { IPendingQueue } from './queue';

const GITDIR = '/history/nb.git';

class Queue implements IPendingQueue {
  readonly durable = false;
  runs: Run[] = [];
  async add(_: string, run: Run): Promise<void> {
    if (!this.runs.some(r => r.id === run.id)) {
      this.runs.push(run);
    }
  }
  async list(): Promise<Run[]> {
    return [...this.runs];
  }
  async remove(_: string, ids: readonly string[]): Promise<void> {
    this.runs = this.runs.filter(r => !ids.includes(r.id));
  }
}

function run(count: number): Run {
  const t = new Date(Date.UTC(2026, 0, 1, 0, 0, count)).toISOString();
  return { id: `P/${count}`, notebookId: 'nb', cellId: 'c1', code: `x = ${count}`, executionCount: count, kernelSessionId: 'P', start: t, end: t, status: 'ok', outputs: [] };
}

const notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ id: 'c1', cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: 1 }] };

function tab(fsys: MemoryFs, backend = new LocalBackend(fsys, GITDIR)) {
  const queue = new Queue();
  const history = new NotebookHistory({ notebookId: 'nb', store: new HistoryStore({ backend }), queue, snapshot: () => notebook, debounceMs: 100000 });
  return { history, queue };
}

async function recorded(fsys: MemoryFs): Promise<string[]> {
  const store = new HistoryStore({ backend: new LocalBackend(fsys, GITDIR) });
  await store.init();
  return (await store.runIndex()).map(e => e.runId ?? '');
}

describe('NotebookHistory records a run once', () => {
  it('two tabs recording the same runs commit each once', async () => {
    const fsys = memoryFs();
    const a = tab(fsys);
    const b = tab(fsys);
    await a.history.open();
    await b.history.open();
    for (const n of [1, 2, 3]) {
      a.history.record(run(n));
      b.history.record(run(n));
    }
    await new Promise(resolve => setTimeout(resolve, 0));
    await a.history.flush();
    await b.history.flush();
    expect(await recorded(fsys)).toEqual(['P/1', 'P/2', 'P/3']);
    expect(b.queue.runs).toEqual([]);
    expect(b.history.has('P/2')).toBe(true);
  });

  it('drops the runs the server says it already stores, and commits the rest', async () => {
    const fsys = memoryFs();
    const backend = new LocalBackend(fsys, GITDIR);
    let refuse = true;
    const write = backend.write.bind(backend);
    backend.write = async batch => {
      if (refuse && batch.refs.some(r => r.ref === 'refs/heads/main')) {
        refuse = false;
        throw new RepositoryError('refused', 'runs already in the history: P/1', 409);
      }
      return write(batch);
    };
    const t = tab(fsys, backend);
    await t.history.open();
    t.history.record(run(1));
    t.history.record(run(2));
    await new Promise(resolve => setTimeout(resolve, 0));
    await t.history.flush();
    expect(t.queue.runs.map(r => r.id)).toEqual(['P/2']);
    expect(t.history.status.state).not.toBe('broken');
    await t.history.flush();
    expect(await recorded(fsys)).toEqual(['P/2']);
  });
});

describe('contentKey', () => {
  const cell = (id: string) => ({ id, cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: null });

  it('ignores the cell ids a load gives a notebook without ids in its file (nbformat 4.4)', () => {
    const a = { nbformat: 4, nbformat_minor: 4, metadata: {}, cells: [cell('random-1')] };
    const b = { nbformat: 4, nbformat_minor: 4, metadata: { retrace: { id: 'h' } }, cells: [cell('random-2')] };
    expect(contentKey(a)).toBe(contentKey(b));
    expect(contentKey(a)).not.toBe(contentKey({ ...a, cells: [{ ...cell('random-1'), source: 'x = 2' }] }));
  });

  it('keeps the ids of an nbformat 4.5 notebook: they are in its file', () => {
    const a = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell('one')] };
    expect(contentKey(a)).not.toBe(contentKey({ ...a, cells: [cell('two')] }));
  });
});

describe('contentKey and cell trust', () => {
  it('ignores cell trust, which a save strips and a load sets anew', () => {
    const cell = (trusted: boolean) => ({ id: 'a', cell_type: 'code', source: 'x', metadata: { trusted, tags: ['t'] }, outputs: [], execution_count: null });
    const nb = (trusted: boolean) => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell(trusted)] });
    expect(contentKey(nb(false))).toBe(contentKey(nb(true)));
    expect(contentKey(nb(true))).not.toBe(contentKey({ ...nb(true), cells: [{ ...cell(true), metadata: { trusted: true } }] }));
  });
});

describe('NotebookHistory.commitOf a run of another attempt', () => {
  /** Attempt 1 runs P/1 P/2 P/3 (a commit each); back to after P/1; attempt 2 runs P/4 P/5. */
  async function twoAttempts(fsys: MemoryFs) {
    const t = tab(fsys);
    await t.history.open();
    const commits: Record<string, string> = {};
    for (const n of [1, 2, 3]) {
      t.history.record(run(n));
      await new Promise(resolve => setTimeout(resolve, 0));
      await t.history.flush();
      commits[`P/${n}`] = t.history.commitOf(`P/${n}`)!;
    }
    const first = t.history.store.currentAttempt!;
    await t.history.restore(commits['P/1']);
    await t.history.newAttempt('threshold sweep', '');
    for (const n of [4, 5]) {
      t.history.record(run(n));
      await new Promise(resolve => setTimeout(resolve, 0));
      await t.history.flush();
    }
    return { t, commits, first };
  }

  /** Wait for the history's next `changed` (at most 2 s: a history that never reads them fails on what follows). */
  function changed(history: NotebookHistory): Promise<void> {
    return new Promise(resolve => {
      const once = () => {
        history.changed.disconnect(once);
        resolve();
      };
      history.changed.connect(once);
      setTimeout(once, 2000);
    });
  }

  it('after a reload, finds the commit of a run of another attempt once their run indexes are read', async () => {
    const fsys = memoryFs();
    const { commits, first } = await twoAttempts(fsys);
    expect(new Set(Object.values(commits)).size).toBe(3);
    const reloaded = tab(fsys);
    await reloaded.history.open();
    expect(reloaded.history.store.currentAttempt).not.toBe(first);
    // Read lazily: unknown at first, then `changed` says the other attempts' commits arrived.
    const arrived = changed(reloaded.history);
    expect(reloaded.history.commitOf('P/3')).toBeNull();
    await arrived;
    expect(reloaded.history.commitOf('P/2')).toBe(commits['P/2']);
    expect(reloaded.history.commitOf('P/3')).toBe(commits['P/3']);
    expect(reloaded.history.otherAttemptsRuns().get('P/3')).toBe(first);
    // A run both attempts hold is the current attempt's (the same commit, the branch point).
    expect(reloaded.history.commitOf('P/1')).toBe(commits['P/1']);
    // Still not in the current attempt: a queued P/3 (the kernel's journal) is not skipped as written.
    expect(reloaded.history.has('P/3')).toBe(false);
    expect(reloaded.history.has('P/4')).toBe(true);
  });

  it('finds the commit before a run on the run\'s own attempt (the diff of what it changed), live and after a reload', async () => {
    const fsys = memoryFs();
    const { t, commits } = await twoAttempts(fsys);
    const fourth = t.history.commitOf('P/4')!;
    expect(await t.history.commitBefore('P/5')).toBe(fourth);
    // Live, P/3's commit is known from its write; the commit before it is on attempt 1, not the current one.
    expect(await t.history.commitBefore('P/3')).toBe(commits['P/2']);
    const reloaded = tab(fsys);
    await reloaded.history.open();
    expect(await reloaded.history.commitBefore('P/3')).toBe(commits['P/2']);
    expect(await reloaded.history.commitBefore('P/2')).toBe(commits['P/1']);
    expect(await reloaded.history.commitBefore('P/5')).toBe(fourth);
    expect(await reloaded.history.commitBefore('P/9')).toBeNull();
  });

  it('keeps the other attempt\'s commit of a journal run the server refuses as already stored', async () => {
    const fsys = memoryFs();
    const { commits } = await twoAttempts(fsys);
    const backend = new LocalBackend(fsys, GITDIR);
    const write = backend.write.bind(backend);
    let refuse = true;
    backend.write = async batch => {
      // As the server does: the commit that records P/3 again, which attempt 1 holds, is refused.
      if (refuse) {
        refuse = false;
        throw new RepositoryError('refused', 'runs already in the history: P/3', 409);
      }
      return write(batch);
    };
    const reloaded = tab(fsys, backend);
    await reloaded.history.open();
    reloaded.history.record(run(3));
    await new Promise(resolve => setTimeout(resolve, 0));
    await reloaded.history.flush();
    expect(reloaded.queue.runs).toEqual([]);
    expect(await recorded(fsys)).toEqual(['P/1', 'P/4', 'P/5']);
    const arrived = changed(reloaded.history);
    reloaded.history.otherAttemptsRuns();
    await arrived;
    expect(reloaded.history.commitOf('P/3')).toBe(commits['P/3']);
  });
});

describe('NotebookHistory.commitBefore a notebook\'s first run', () => {
  it('is the notebook as opened, so the diff of what the run changed shows the edit made before it', async () => {
    const cell = (source: string, count: number | null) => ({ id: 'c1', cell_type: 'code', source, metadata: {}, outputs: [], execution_count: count });
    const asOpened = { ...notebook, cells: [cell('x = 0', null)] };
    let now = asOpened;
    const history = new NotebookHistory({
      notebookId: 'first-run',
      store: new HistoryStore({ backend: new LocalBackend(memoryFs(), GITDIR) }),
      queue: new Queue(),
      snapshot: () => now,
      opened: () => asOpened,
      debounceMs: 100000
    });
    await history.open();
    // The user edits the cell, then runs it: the first run recorded.
    now = { ...notebook, cells: [cell('x = 1', 1)] };
    history.record(run(1));
    await new Promise(resolve => setTimeout(resolve, 0));
    await history.flush();
    const commit = history.commitOf('P/1')!;
    const before = await history.commitBefore('P/1');
    expect(before).not.toBeNull();
    expect(before).not.toBe(commit);
    expect((await history.readSnapshot(before!)).notebook.cells[0].source).toBe('x = 0');
    expect((await history.readSnapshot(commit)).notebook.cells[0].source).toBe('x = 1');
  });
});

describe('NotebookHistory snapshots the notebook as the latest run left it', () => {
  /** A notebook whose cell source the test edits, and how often the history read it whole. */
  function editable(fsys: MemoryFs) {
    const state = { source: 'x = 1', reads: 0 };
    const snapshot = () => {
      state.reads++;
      return { ...notebook, cells: [{ ...notebook.cells[0], source: state.source }] };
    };
    const store = new HistoryStore({ backend: new LocalBackend(fsys, GITDIR) });
    const history = new NotebookHistory({ notebookId: 'nb', store, queue: new Queue(), snapshot, debounceMs: 100000 });
    const committedSource = async () => ((await store.readSnapshot(store.head!)).notebook as any).cells[0].source;
    return { state, history, committedSource };
  }

  it('a run recorded while the commit of the one before is being written keeps its snapshot from a later edit', async () => {
    // The commit of run 1 has read the queue when run 2 is recorded (the real queue is IndexedDB).
    const state = { source: 'x = 1' };
    const queue = new (class extends Queue {
      listed: (() => void) | null = null;
      async list(): Promise<Run[]> {
        const runs = [...this.runs];
        this.listed?.();
        return runs;
      }
    })();
    const store = new HistoryStore({ backend: new LocalBackend(memoryFs(), GITDIR) });
    const snapshot = () => ({ ...notebook, cells: [{ ...notebook.cells[0], source: state.source }] });
    const history = new NotebookHistory({ notebookId: 'nb', store, queue, snapshot, debounceMs: 100000 });
    await history.open();
    history.record(run(1));
    await new Promise(resolve => setTimeout(resolve, 0));
    const listed = new Promise<void>(resolve => (queue.listed = resolve));
    const first = history.flush();
    await listed;
    queue.listed = null;
    state.source = 'x = 2';
    history.record(run(2));
    await first;
    // The user types on at once after run 2.
    history.beforeEdit();
    state.source = 'x = 2 # typing on';
    await history.flush();
    const after2 = await store.readSnapshot(store.head!);
    expect((after2.notebook as any).cells[0].source).toBe('x = 2');
  });

  it('an edit made after a run, before its commit is written, is not in the snapshot after that run', async () => {
    const { state, history, committedSource } = editable(memoryFs());
    await history.open();
    history.record(run(1));
    // The user types on at once: two edits before the commit.
    history.beforeEdit();
    state.source = 'x = 1 # typing';
    history.beforeEdit();
    state.source = 'x = 1 # typing on';
    await history.flush();
    expect(await committedSource()).toBe('x = 1');
    // The notebook now differs from that snapshot: saved as it is before a restore.
    const after1 = history.store.head;
    expect(await history.saveState('before restore')).not.toBe(after1);
    expect(await committedSource()).toBe('x = 1 # typing on');

    // The next run, without an edit after it, is committed with the notebook as it is.
    state.source = 'x = 2';
    history.record(run(2));
    await history.flush();
    expect(await committedSource()).toBe('x = 2');
  });

  it('without an edit the commit takes the notebook when written (what the kernel wrote since is kept), read once', async () => {
    const { state, history, committedSource } = editable(memoryFs());
    await history.open();
    history.record(run(1));
    state.source = 'x = 1 # written by the kernel, no edit';
    const before = state.reads;
    await history.flush();
    expect(await committedSource()).toBe('x = 1 # written by the kernel, no edit');
    expect(state.reads - before).toBe(1);
    // An edit after the commit reads nothing: no run waits for a snapshot.
    history.beforeEdit();
    expect(state.reads - before).toBe(1);
  });
});

describe('NotebookHistory after a restore that no run followed', () => {
  const cells = (source: string) => ({ ...notebook, cells: [{ ...notebook.cells[0], source }] });
  function page(fsys: MemoryFs, shown: { now: unknown }, opened: unknown) {
    return new NotebookHistory({
      notebookId: 'nb',
      store: new HistoryStore({ backend: new LocalBackend(fsys, GITDIR) }),
      queue: new Queue(),
      snapshot: () => shown.now,
      opened: () => opened,
      debounceMs: 100000
    });
  }

  /** Attempt main: [1] then [2]; then the notebook as after [1] restored (no tip: pending). */
  async function restoredFirst(fsys: MemoryFs) {
    const shown = { now: cells('x = 1') as unknown };
    const history = page(fsys, shown, shown.now);
    await history.open();
    history.record(run(1));
    await history.flush();
    const first = history.commitOf('P/1')!;
    shown.now = cells('x = 2');
    history.record(run(2));
    await history.flush();
    const second = history.commitOf('P/2')!;
    await history.restore(first);
    expect(history.pendingRestore?.commit).toBe(first);
    expect(history.pendingRestore?.runs.map(e => e.runId)).toEqual(['P/1']);
    expect(history.attempts.some(a => a.current)).toBe(false);
    return { first, second };
  }

  it('a reload that opens the restored snapshot (the restore was saved) keeps it pending', async () => {
    const fsys = memoryFs();
    const { first } = await restoredFirst(fsys);
    const reloaded = page(fsys, { now: cells('x = 1') }, cells('x = 1'));
    await reloaded.open();
    expect(reloaded.pendingRestore?.commit).toBe(first);
    expect(reloaded.pendingRestore?.runs.map(e => e.runId)).toEqual(['P/1']);
    expect(reloaded.attempts.some(a => a.current)).toBe(false);
  });

  it('a reload that opens the attempt it left (the restore was not saved) is back on that attempt', async () => {
    const fsys = memoryFs();
    const { second } = await restoredFirst(fsys);
    const reloaded = page(fsys, { now: cells('x = 2') }, cells('x = 2'));
    await reloaded.open();
    expect(reloaded.pendingRestore).toBeNull();
    expect(reloaded.attempts.map(a => [a.id, a.tip, a.current])).toEqual([['main', second, true]]);
    // Nothing was committed for the page's opening: it holds exactly main's tip.
    expect(reloaded.store.head).toBe(second);
  });
});
