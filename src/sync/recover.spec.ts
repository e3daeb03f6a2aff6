/**
 * Recover of a damaged history, at the NotebookHistory layer, on a real
 * history store over an in-memory file system. The server's part (the
 * status endpoint's damaged refs and POST …/recover) is played by a fake that
 * puts the ref back, as the endpoint does; the browser test (recover.spec.ts
 * under ui-tests) runs the real one.
 */
import { Run } from '../capture/run';
import { HistoryStore, IHistoryBackend, IWriteBatch, IWriteResult, LocalBackend, RefMap, RepositoryError } from '../history';
import { memoryFs } from '../history/testkit.spec-util';
import { NotebookHistory } from './notebookhistory';
import { MemoryQueue } from './queue';

const GITDIR = '/history/nb.git';


/** A backend whose ref files read as damaged (as the endpoint answers 409 kind "damaged") while `damaged` is set. */
class DamagedBackend implements IHistoryBackend {
  constructor(private readonly _inner: LocalBackend) {}
  damaged = false;
  get gitdir(): string {
    return this._inner.gitdir;
  }
  get fs(): any {
    return this._inner.fs;
  }
  init(branch: string): Promise<{ created: boolean }> {
    return this._inner.init(branch);
  }
  async readFiles(paths: string[]): Promise<(Uint8Array | null)[]> {
    if (this.damaged && paths.some(p => p.startsWith('refs/heads/'))) {
      throw new RepositoryError('corrupt', 'history refs are damaged: refs/heads/main (empty)', 409);
    }
    return this._inner.readFiles(paths);
  }
  listDir(path: string): Promise<string[] | null> {
    return this._inner.listDir(path);
  }
  async readRefs(): Promise<RefMap> {
    if (this.damaged) {
      throw new RepositoryError('corrupt', 'history refs are damaged: refs/heads/main (empty)', 409);
    }
    return this._inner.readRefs();
  }
  write(batch: IWriteBatch): Promise<IWriteResult> {
    return this._inner.write(batch);
  }
}

function run(count: number): Run {
  const t = new Date(Date.UTC(2026, 0, 1, 0, 0, count)).toISOString();
  return { id: `P/${count}`, notebookId: 'nb', cellId: 'c1', code: `x = ${count}`, executionCount: count, kernelSessionId: 'P', start: t, end: t, status: 'ok', outputs: [] };
}

const notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ id: 'c1', cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: 1 }] };

describe('Recover of a damaged history', () => {
  it('is offered while refs are damaged, and brings the runs back with the runs queued meanwhile on top', async () => {
    const fsys = memoryFs();
    const first = new NotebookHistory({ notebookId: 'nb', store: new HistoryStore({ backend: new LocalBackend(fsys, GITDIR) }), queue: new MemoryQueue(), snapshot: () => notebook, debounceMs: 100000 });
    await first.open();
    first.record(run(1));
    first.record(run(2));
    await new Promise(resolve => setTimeout(resolve, 0));
    await first.flush();
    expect(first.runIndex.map(e => e.runId)).toEqual(['P/1', 'P/2']);

    const backend = new DamagedBackend(new LocalBackend(fsys, GITDIR));
    backend.damaged = true;
    const recovered: string[] = [];
    const history = new NotebookHistory({
      notebookId: 'nb',
      store: new HistoryStore({ backend }),
      queue: new MemoryQueue(),
      snapshot: () => notebook,
      debounceMs: 100000,
      repair: {
        damaged: async (): Promise<Record<string, string>> => (backend.damaged ? { 'refs/heads/main': 'empty' } : {}),
        recover: async () => {
          backend.damaged = false;
          recovered.push('refs/heads/main');
          return { changes: ['refs/heads/main was empty; set to … (from its reflog)'], unrepaired: [] };
        }
      }
    });
    await history.open();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(history.status.state).toBe('broken');
    expect(history.damage).toEqual({ 'refs/heads/main': 'empty' });
    expect(history.canRecover).toBe(true);
    history.record(run(3)); // kept queued while the history is broken
    await new Promise(resolve => setTimeout(resolve, 0));

    const result = await history.recover();
    expect(result.changes).toHaveLength(1);
    expect(recovered).toEqual(['refs/heads/main']);
    expect(history.canRecover).toBe(false);
    await history.flush();
    expect(history.status.state).toBe('saved');
    expect(history.runIndex.map(e => e.runId)).toEqual(['P/1', 'P/2', 'P/3']);
  });

  it('is not offered for a corrupt repository without damaged refs', async () => {
    const fsys = memoryFs();
    const backend = new DamagedBackend(new LocalBackend(fsys, GITDIR));
    await new HistoryStore({ backend }).init();
    backend.damaged = true;
    const history = new NotebookHistory({
      notebookId: 'nb',
      store: new HistoryStore({ backend }),
      queue: new MemoryQueue(),
      snapshot: () => notebook,
      repair: { damaged: async () => ({}), recover: async () => ({ changes: [], unrepaired: [] }) }
    });
    await history.open();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(history.status.state).toBe('broken');
    expect(history.canRecover).toBe(false);
  });
});
