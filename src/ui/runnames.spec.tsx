/**
 * A run is named by kernel session and count wherever two sessions could share
 * a count ("2:[1]"), with the same rule in every view: the timeline, the
 * attempts' restore button, the attempt graph, the diff's point picker and the
 * cell versions. A replayed deleted cell is named as such, never "console".
 */
import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { RunLog } from '../capture/log';
import { Run } from '../capture/run';
import { CellVersionsView } from '../versions/view';
import { cellVersions } from '../versions/versions';
import { AttemptGraphView } from './attemptgraph';
import { AttemptsView } from './attempts';
import { RunNaming, runName, snapshotCellName } from './format';
import { RetraceModel } from './model';
import { NotebookDiffModel } from './notebookdiff';
import { memoryHistory, settle } from './testkit.spec-util';

const trans = nullTranslator.load('test');


function run(session: string, count: number, minute: number, cellId: string | null = 'c1', code = `x = ${count}`): Run {
  const t = new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
  return { id: `${session}/${count}`, notebookId: 'nb', cellId, code, executionCount: count, kernelSessionId: session, start: t, end: t, status: 'ok', outputs: [] };
}

const notebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [{ id: 'c1', cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: 1 }]
};

/** Session P ran [1] and [2] (cell 1, then a cell deleted since); session Q ran [1], then Replay ran the deleted cell's code as [2]. */
async function twoSessions() {
  const runs = [run('P', 1, 1), run('P', 2, 2, 'gone', 'seed = 42'), run('Q', 1, 3), run('Q', 2, 4, null, 'seed = 42')];
  const history = memoryHistory(notebook);
  await history.open();
  // One commit per run: each is a point of its own in the graph and the picker.
  for (const r of runs) {
    history.record(r);
    await settle();
    await history.flush();
  }
  const log = new RunLog();
  runs.forEach(r => log.addRun(r));
  const model = new RetraceModel();
  model.notebook = {
    name: 'nb.ipynb',
    log,
    cellLabel: id => (id === null ? 'console' : id === 'gone' ? 'deleted cell' : 'cell 1'),
    cellExists: id => id !== 'gone'
  };
  model.history = history;
  return { runs, history, model, log };
}

describe('run names', () => {
  afterEach(() => document.body.replaceChildren());

  it('number kernel sessions by their first run, whatever order the runs come in', () => {
    const runs = [run('Q', 1, 3), run('P', 1, 1), run('P', 2, 2)];
    const naming = new RunNaming(runs);
    expect(runs.map(r => runName(r, naming, trans))).toEqual(['2:[1]', '1:[1]', '[2]']);
    // A row of the run index (kernelSession, epoch ms) is named by the same rule.
    expect(runName({ executionCount: 1, kernelSession: 'Q', start: Date.UTC(2026, 0, 1, 0, 3) }, naming, trans)).toBe('2:[1]');
    // Extended with another attempt's session: known sessions keep their numbers, the new one comes after.
    const wider = naming.with([{ executionCount: 2, kernelSession: 'R', start: 0 }]);
    expect(runName(runs[0], wider, trans)).toBe('2:[1]');
    expect(runName({ executionCount: 2, kernelSession: 'R' }, wider, trans)).toBe('3:[2]');
    expect(runName(runs[2], wider, trans)).toBe('1:[2]');
  });

  it('name a snapshot row\'s cell by position, deleted, console, or replayed deleted cell', () => {
    expect(snapshotCellName({ cellId: 'a', cellIndex: 3 }, trans)).toBe('cell 4');
    expect(snapshotCellName({ cellId: 'a', cellIndex: null }, trans)).toBe('deleted cell');
    expect(snapshotCellName({ cellId: '', cellIndex: null }, trans)).toBe('console');
    expect(snapshotCellName({ cellId: '', cellIndex: null }, trans, 'deleted cell, replayed')).toBe('deleted cell, replayed');
  });

  it('the attempts\' restore button names the selected run with its kernel session', async () => {
    const { runs, history, model } = await twoSessions();
    const view = new AttemptsView(trans, { newAttempt: () => undefined, restoreCommit: () => undefined, editAttempt: () => undefined, undoRestore: () => undefined }, model);
    Widget.attach(view, document.body);
    view.history = history;
    view.selectedRun = runs[2];
    await settle();
    const button = view.node.querySelector<HTMLButtonElement>('.jp-RetraceAttempts-restoreRun')!;
    expect(button.hidden).toBe(false);
    expect(button.textContent).toBe('Restore the notebook as it was after run 2:[1]');
  });

  it('the attempt graph names points as the timeline does, a replayed deleted cell included', async () => {
    const { model } = await twoSessions();
    const view = new AttemptGraphView(model, trans, null, { editComment: async () => undefined });
    Widget.attach(view, document.body);
    await settle();
    const labels = [...view.node.querySelectorAll('.jp-RetraceGraph-run')].map(e => e.textContent);
    // Newest first.
    expect(labels).toEqual(['2:[2] deleted cell, replayed', '2:[1] cell 1', '1:[2] deleted cell', '1:[1] cell 1']);
  });

  it('the diff\'s point picker names runs with their kernel session', async () => {
    const { history, model } = await twoSessions();
    const diff = new NotebookDiffModel({ history, current: () => notebook, name: 'nb.ipynb', naming: model }, trans, 'now', 'now');
    const labels = diff.options.map(o => o.label).filter(l => l.startsWith('After run'));
    // The newest snapshot is offered as the attempt's tip.
    expect(labels.map(l => l.split(' · ').slice(0, 2).join(' · '))).toEqual([
      'After run 2:[1] · cell 1',
      'After run 1:[2] · deleted cell',
      'After run 1:[1] · cell 1'
    ]);
  });

  it('the diff\'s point picker names a replayed deleted cell as the timeline does, never "console"', async () => {
    const { history, model, log } = await twoSessions();
    // One more run: the replay's snapshot is no longer the attempt's tip, so it is offered "after run".
    const later = run('Q', 3, 5);
    history.record(later);
    await settle();
    await history.flush();
    log.addRun(later);
    const replayedCellName = (entry: any) => model.replayedCellName(entry, deleted => trans.__('%1, replayed', deleted));
    const diff = new NotebookDiffModel({ history, current: () => notebook, name: 'nb.ipynb', naming: model, replayedCellName }, trans, 'now', 'now');
    const labels = diff.options.map(o => o.label).filter(l => l.startsWith('After run'));
    expect(labels.map(l => l.split(' · ').slice(0, 2).join(' · '))).toEqual([
      'After run 2:[2] · deleted cell, replayed',
      'After run 2:[1] · cell 1',
      'After run 1:[2] · deleted cell',
      'After run 1:[1] · cell 1'
    ]);
  });

  it('the cell versions name their last run with its kernel session', async () => {
    const { history } = await twoSessions();
    const cellRuns = [run('P', 1, 1, 'c1', 'x = 1'), run('Q', 1, 3, 'c1', 'x = 2')];
    const source = { getSource: () => 'x = 2' };
    const cell = { model: { contentChanged: new Signal<unknown, void>({}), sharedModel: source } };
    const view = new CellVersionsView(cell as any, trans, null, () => history);
    Widget.attach(view, document.body);
    view.versions = cellVersions(cellRuns).get('c1')!;
    view.open = true;
    await settle();
    const when = [...view.node.querySelectorAll('.jp-RetraceVersions-when')].map(e => e.textContent);
    expect(when[0]).toContain('1:[1]');
    expect(when[1]).toContain('2:[1]');
  });
});

describe('the attempt filter on the panel model', () => {
  it('follows a rename of the attempt: attempt:TITLE matches once the title is saved', async () => {
    const { history, model, runs } = await twoSessions();
    model.filterText = 'attempt:threshold';
    expect(model.items.length).toBe(0);
    const attempt = history.attempts.find(a => a.current)!;
    await history.editAttempt(attempt.id, { title: 'Smaller threshold' });
    await settle();
    expect(model.items.length).toBe(runs.length);
  });

  it('files the runs of an attempt that is not current under it, though the current attempt\'s index does not list them', async () => {
    const history = memoryHistory(notebook);
    await history.open();
    const runs = [1, 2, 3, 4, 5].map(n => run('P', n, n));
    // The first attempt (main): [1], [2], [3], one commit each.
    for (const r of runs.slice(0, 3)) {
      history.record(r);
      await settle();
      await history.flush();
    }
    // Back to the notebook after [1]; a second attempt from there runs [4] and [5].
    await history.restore(history.commitOf('P/1')!);
    const second = await history.newAttempt('threshold sweep', '');
    for (const r of runs.slice(3)) {
      history.record(r);
      await settle();
      await history.flush();
    }
    expect(history.runIndex.map(e => e.runId)).toEqual(['P/1', 'P/4', 'P/5']);
    // The timeline holds every run of the kernel (its journal brings back [2] and [3] after a reload).
    const log = new RunLog();
    runs.forEach(r => log.addRun(r));
    const model = new RetraceModel();
    model.notebook = { name: 'nb.ipynb', log, cellLabel: () => 'cell 1' };
    model.history = history;
    const shown = async (filter: string) => {
      model.filterText = filter;
      // As the timeline does: rows at once, again when the model says the history changed.
      expect(model.items.length).toBeGreaterThan(0);
      await settle();
      return model.items.map(item => (item.kind === 'run' ? item.run.id : ''));
    };
    expect(await shown('attempt:sweep')).toEqual(['P/5', 'P/4']);
    expect(await shown(`attempt:${second.id}`)).toEqual(['P/5', 'P/4']);
    expect(await shown('attempt:main')).toEqual(['P/3', 'P/2', 'P/1']);
  });
});
