/**
 * The attempts view over a real history (in memory): its save status, each
 * attempt with the current one marked, Restore and Edit per attempt, Restore
 * of the snapshot after the selected run, and Undo restore when it applies.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { Run } from '../capture/run';
import { AttemptsView } from './attempts';
import { RunNaming } from './format';
import { memoryHistory, settle } from './testkit.spec-util';


const notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ id: 'c1', cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: 1 }] };

describe('AttemptsView', () => {
  afterEach(() => document.body.replaceChildren());

  it('shows the status, the attempts and their actions, and follows the history', async () => {
    const calls: string[] = [];
    const view = new AttemptsView(
      nullTranslator.load('test'),
      {
        newAttempt: () => calls.push('new'),
        restoreCommit: commit => calls.push(`restore ${commit}`),
        editAttempt: id => calls.push(`edit ${id}`),
        undoRestore: () => calls.push('undo')
      },
      new RunNaming([])
    );
    Widget.attach(view, document.body);
    await settle();
    const q = <T extends HTMLElement>(selector: string) => view.node.querySelector<T>(selector)!;
    expect(q('.jp-RetraceAttempts-status').dataset.state).toBe('none');
    expect(q<HTMLButtonElement>('.jp-RetraceAttempts-new').disabled).toBe(true);
    expect(q<HTMLButtonElement>('.jp-RetraceAttempts-undo').hidden).toBe(true);

    const history = memoryHistory(notebook);
    view.history = history;
    await history.open();
    const t = new Date(Date.UTC(2026, 0, 1)).toISOString();
    const run: Run = { id: 'P/1', notebookId: 'nb', cellId: 'c1', code: 'x = 1', executionCount: 1, kernelSessionId: 'P', start: t, end: t, status: 'ok', outputs: [] };
    history.record(run);
    await settle();
    await history.flush();
    await history.newAttempt('smaller steps', 'try *less*');
    await settle();

    expect(q('.jp-RetraceAttempts-status').dataset.state).toBe('saved');
    expect(q('.jp-RetraceAttempts-status').textContent).toBe('History saved.');
    const items = [...view.node.querySelectorAll<HTMLElement>('.jp-RetraceAttempts-attempt')];
    expect(items.map(i => [i.querySelector('.jp-RetraceAttempts-title')!.textContent, i.getAttribute('aria-current')])).toEqual([
      [expect.any(String), null],
      ['smaller steps', 'true']
    ]);
    const current = items[1];
    expect(current.querySelector('.jp-RetraceAttempts-comment')!.textContent).toBe('try *less*');
    // The current attempt, where the notebook already is, offers no Restore; the other one does.
    expect(current.querySelector('.jp-RetraceAttempts-restore')).toBeNull();
    items[0].querySelector<HTMLButtonElement>('.jp-RetraceAttempts-restore')!.click();
    current.querySelector<HTMLButtonElement>('.jp-RetraceAttempts-edit')!.click();
    q<HTMLButtonElement>('.jp-RetraceAttempts-new').click();
    expect(calls).toEqual([`restore ${history.attempts[0].tip}`, `edit ${current.dataset.attempt}`, 'new']);

    view.selectedRun = run;
    view.canUndo = true;
    await settle();
    const restoreRun = q<HTMLButtonElement>('.jp-RetraceAttempts-restoreRun');
    expect(restoreRun.hidden).toBe(false);
    expect(restoreRun.textContent).toBe('Restore the notebook as it was after run [1]');
    restoreRun.click();
    q<HTMLButtonElement>('.jp-RetraceAttempts-undo').click();
    expect(calls.slice(3)).toEqual([`restore ${history.commitOf('P/1')}`, 'undo']);
  });

  it('after a restore of a run that is no tip, marks no attempt current and says where the next run goes, until it runs', async () => {
    const view = new AttemptsView(
      nullTranslator.load('test'),
      { newAttempt: () => undefined, restoreCommit: () => undefined, editAttempt: () => undefined, undoRestore: () => undefined },
      new RunNaming([])
    );
    Widget.attach(view, document.body);
    const history = memoryHistory(notebook);
    view.history = history;
    await history.open();
    const t = new Date(Date.UTC(2026, 0, 1)).toISOString();
    const runOf = (n: number): Run => ({ id: `P/${n}`, notebookId: 'nb', cellId: 'c1', code: 'x = 1', executionCount: n, kernelSessionId: 'P', start: t, end: t, status: 'ok', outputs: [] });
    for (const n of [1, 2]) {
      history.record(runOf(n));
      await settle();
      await history.flush();
    }
    const baseline = history.attempts[0];
    await history.editAttempt(baseline.id, { title: 'baseline' });
    await settle();
    const q = (selector: string) => view.node.querySelector<HTMLElement>(selector);
    const currentTitles = () => [...view.node.querySelectorAll('.jp-RetraceAttempts-attempt[aria-current="true"] .jp-RetraceAttempts-title')].map(n => n.textContent);
    expect(currentTitles()).toEqual(['baseline']);
    expect(q('.jp-RetraceAttempts-pending')).toBeNull();

    await history.restore(history.commitOf('P/1')!);
    await settle();
    expect(currentTitles()).toEqual([]);
    expect(view.node.querySelectorAll('.jp-mod-current')).toHaveLength(0);
    expect(q('.jp-RetraceAttempts-pending')!.textContent).toBe('Next run starts a new attempt from [1] of baseline');
    // Baseline, where the notebook no longer is, can be restored again.
    expect(q('.jp-RetraceAttempts-restore')).not.toBeNull();

    history.record(runOf(3));
    await settle();
    await history.flush();
    await settle();
    expect(q('.jp-RetraceAttempts-pending')).toBeNull();
    expect(currentTitles()).toEqual([`Restored from ${history.commitOf('P/1')!.slice(0, 7)}`]);
  });
});
