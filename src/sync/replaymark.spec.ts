/**
 * A Replay in order is recorded in the history: its runs carry `replay` in
 * the commit's runs.json and in the run index (read back from git by a fresh
 * store), a run of the replay recorded after it returned included, the user's
 * runs after it not.
 */
import { Run } from '../capture/run';
import { HistoryStore, LocalBackend } from '../history';
import { memoryFs } from '../history/testkit.spec-util';
import { NotebookHistory } from './notebookhistory';
import { MemoryQueue } from './queue';

const GITDIR = '/history/nb.git';


function run(session: string, count: number): Run {
  const t = new Date(Date.UTC(2026, 0, 1, 0, count, session === 'P' ? 0 : 30)).toISOString();
  return { id: `${session}/${count}`, notebookId: 'nb', cellId: 'c1', code: `x = ${count}`, executionCount: count, kernelSessionId: session, start: t, end: t, status: 'ok', outputs: [] };
}

const notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ id: 'c1', cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: 1 }] };

describe('a replay in the history', () => {
  it('marks the replay\'s runs, late ones included, and not the user\'s', async () => {
    const fsys = memoryFs();
    const history = new NotebookHistory({ notebookId: 'nb', store: new HistoryStore({ backend: new LocalBackend(fsys, GITDIR) }), queue: new MemoryQueue(), snapshot: () => notebook, debounceMs: 100000 });
    await history.open();
    const settle = () => new Promise(resolve => setTimeout(resolve, 0));
    history.record(run('P', 1));
    // The replay restarts the kernel (session Q) and runs two codes; the second is recorded after it returned.
    history.beginReplay();
    history.record(run('Q', 1));
    history.endReplay(2);
    history.record(run('Q', 2));
    // The user goes on in the replayed kernel.
    history.record(run('Q', 3));
    await settle();
    await history.flush();

    const store = new HistoryStore({ backend: new LocalBackend(fsys, GITDIR) });
    await store.init();
    const index = await store.runIndex();
    expect(index.map(e => [e.runId, e.replay ?? false])).toEqual([
      ['P/1', false],
      ['Q/1', true],
      ['Q/2', true],
      ['Q/3', false]
    ]);
    const records = await store.readRuns(index[1].commit);
    expect(records.find(r => r.id === 'Q/1')?.replay).toBe(true);
    // The timeline's rows read back from the history keep the mark.
    expect(history.historicalRuns().filter(r => r.replay).map(r => r.id)).toEqual(['Q/1', 'Q/2']);
  });
});
