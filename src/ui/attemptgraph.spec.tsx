/**
 * The attempt graph marks the points a Replay in order made (from the
 * history's replay mark) and opens the diff of a point with the snapshot
 * before it on D.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { RunLog } from '../capture/log';
import { Run } from '../capture/run';
import { AttemptGraphView } from './attemptgraph';
import { RetraceModel } from './model';
import { memoryHistory, settle } from './testkit.spec-util';

const trans = nullTranslator.load('test');


function run(session: string, count: number, minute: number): Run {
  const t = new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
  return { id: `${session}/${count}`, notebookId: 'nb', cellId: 'c1', code: `x = ${minute}`, executionCount: count, kernelSessionId: session, start: t, end: t, status: 'ok', outputs: [] };
}

const notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ id: 'c1', cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: 1 }] };

describe('AttemptGraphView', () => {
  afterEach(() => document.body.replaceChildren());

  it('marks the points of a replay and opens the diff with the snapshot before on D', async () => {
    const history = memoryHistory(notebook);
    await history.open();
    const commit = async (r: Run) => {
      history.record(r);
      await settle();
      await history.flush();
    };
    await commit(run('P', 1, 1));
    history.beginReplay();
    await commit(run('Q', 1, 2));
    history.endReplay(1);
    await commit(run('Q', 2, 3));
    const model = new RetraceModel();
    model.notebook = { name: 'nb.ipynb', log: new RunLog(), cellLabel: () => 'cell 1' };
    model.history = history;
    const diffs: [string, string | null][] = [];
    const view = new AttemptGraphView(model, trans, null, {
      editComment: async () => undefined,
      diffPrevious: (commit, previous) => diffs.push([commit, previous])
    });
    Widget.attach(view, document.body);
    await settle();

    const points = [...view.node.querySelectorAll<HTMLElement>('.jp-RetraceGraph-point')];
    // Newest first: the user's run after the replay, the replay's run, the run before it.
    expect(points.map(p => p.classList.contains('jp-mod-replay'))).toEqual([false, true, false]);
    expect(points[1].querySelector('.jp-RetraceGraph-tag.jp-mod-replay')!.textContent).toContain('replay');
    expect(view.node.querySelectorAll('circle.jp-mod-replay')).toHaveLength(1);

    points[0].focus();
    points[0].dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    await settle();
    (document.activeElement ?? points[1]).dispatchEvent(new KeyboardEvent('keydown', { key: 'd', bubbles: true }));
    await settle();
    expect(diffs).toEqual([[points[1].dataset.commit, points[2].dataset.commit]]);
    // The first snapshot has none before it.
    points[2].dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
    await settle();
    (document.activeElement ?? points[2]).dispatchEvent(new KeyboardEvent('keydown', { key: 'D', bubbles: true }));
    await settle();
    expect(diffs[1]).toEqual([points[2].dataset.commit, null]);
  });
});
