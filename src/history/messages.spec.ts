/// <reference types="node" />
/**
 * Commit subjects name a run's cell by its position in the snapshot the commit
 * holds, for notebooks with cell ids (nbformat 4.5) and without (4.0–4.4, where
 * only the recorder's position is known), never by id; and a store's commits
 * say the same in `git log`.
 */
import { cellPositions, commitMessage, IMessageRun } from './messages';
import { HistoryStore } from './store';
import { decodeCommit } from './gitobject';
import { fixtureNotebook } from './fixtures/notebooks.spec-util';
import { fakeClock, memoryBackend } from './testkit.spec-util';

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-/;

function subject(notebook: any, runs: IMessageRun[]): string {
  return commitMessage(runs, cellPositions(notebook, runs)).subject;
}

describe('commit messages', () => {
  it('names a cell of a notebook with ids by its position in the snapshot', () => {
    const nb = fixtureNotebook('jupyterlab__jupyterlab__windowed');
    expect(nb.nbformat_minor).toBe(5);
    const cell = nb.cells[3];
    // The recorder saw the cell at another place (cells moved before the commit): the snapshot wins.
    const run = { cellId: cell.id, code: 'print("hi")\nmore', executionCount: 12, cellIndex: 9 };
    expect(subject(nb, [run])).toBe('run [12] cell 4: print("hi")');
  });

  it('says a run\'s cell was removed instead of printing its id', () => {
    const nb = fixtureNotebook('jupyterlab__jupyterlab__windowed');
    const gone = { cellId: '2f0b7b8e-1c55-4c1a-9a3f-0f5c3c1b2a77', code: 'x = 1', executionCount: 3, cellIndex: 0 };
    const s = subject(nb, [gone]);
    expect(s).toBe('run [3] removed cell: x = 1');
    expect(s).not.toMatch(UUID_RE);
  });

  it.each([
    ['made__julia-nbformat-4.0', 0],
    ['jupyter__nbdime__mixed-conflicts--1', 1],
    ['google__evcxr__evcxr_jupyter_tour', 2],
    ['IRkernel__IRkernel__Demo', 4]
  ])('notebooks without cell ids (%s, nbformat 4.%s) use the recorded position, if inside the notebook', (name, minor) => {
    const nb = fixtureNotebook(name);
    expect(nb.nbformat_minor).toBe(minor);
    expect(nb.cells.every((c: any) => c.id === undefined)).toBe(true);
    const last = nb.cells.length - 1;
    const runs = [
      { cellId: 'a3c1e2d4-0000-4000-8000-000000000001', code: 'a', executionCount: 1, cellIndex: last },
      { cellId: 'a3c1e2d4-0000-4000-8000-000000000002', code: 'b', executionCount: 2, cellIndex: nb.cells.length + 3 },
      { cellId: 'a3c1e2d4-0000-4000-8000-000000000003', code: 'c', executionCount: 3 }
    ];
    expect(cellPositions(nb, runs)).toEqual([last, null, undefined]);
    const s = subject(nb, runs);
    // A recorded place outside the notebook: removed since; none recorded: no number to give.
    expect(s).toBe(`3 runs: [1] cell ${last + 1}, [2] removed cell, [3] cell`);
    expect(s).not.toMatch(UUID_RE);
  });

  it('writes these subjects into the commits, and the index keeps the snapshot position', async () => {
    for (const name of ['jupyterlab__jupyterlab__windowed', 'IRkernel__IRkernel__Demo']) {
      const nb = fixtureNotebook(name);
      const store = new HistoryStore({ backend: memoryBackend(), now: fakeClock() });
      await store.init();
      const i = nb.cells.findIndex((c: any) => c.cell_type === 'code');
      const cellId = nb.cells[i].id ?? 'model-id-of-the-cell';
      const commit = await store.commitSnapshot(nb, [{ cellId, code: 'fit()', executionCount: 7, cellIndex: i }]);
      const message = decodeCommit((await store.db.read(commit)).content).message;
      expect(message.split('\n')[0]).toBe(`run [7] cell ${i + 1}: fit()`);
      expect((await store.runIndex()).map(e => e.cellIndex)).toEqual([i]);
    }
  });
});
