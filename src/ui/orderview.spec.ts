import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { CanonicalOrder } from '../analysis/orderTypes';
import { OrderView } from './orderview';
import { settle } from './testkit.spec-util';

function order(cellIds: (string | null)[]): CanonicalOrder {
  return {
    steps: cellIds.map((cellId, i) => ({ cellId, runIndex: i, position: i })),
    topToBottomWorks: false,
    verdict: 'in-order',
    replayable: true,
    failedRuns: [],
    failedSteps: [],
    diagnostics: [{ kind: 'deleted-cell', severity: 'error', cellIds: ['gone'], names: ['seed'], runIndices: [0] }],
    stats: { runs: cellIds.length, mode: 'merged-reruns' }
  };
}

describe('OrderView', () => {
  afterEach(() => document.body.replaceChildren());

  it('decides that a cell is deleted from the notebook, not from its label', async () => {
    const revealed: string[] = [];
    // A label that reads like the deleted-cell label in no language: only `exists` tells.
    const view = new OrderView(nullTranslator.load('test'), {
      replay: () => undefined,
      stop: () => undefined,
      reveal: id => revealed.push(id),
      label: id => `Zelle ${id}`,
      exists: id => id !== 'gone'
    });
    Widget.attach(view, document.body);
    view.setOrder({ available: true, traced: false, tracerNote: '' }, { order: order(['gone', 'a']), runs: [] });
    await settle();
    const steps = [...view.node.querySelectorAll<HTMLElement>('.jp-RetraceOrder-steps .jp-RetraceOrder-cell')];
    expect(steps.map(s => [s.textContent, s.classList.contains('jp-mod-missing'), s.tagName])).toEqual([
      ['Zelle gone', true, 'SPAN'],
      ['Zelle a', false, 'BUTTON']
    ]);
    steps[1].click();
    expect(revealed).toEqual(['a']);
    // The diagnostic names the deleted cell without a link either.
    const diagnostic = view.node.querySelector('.jp-RetraceOrder-diagnostic .jp-RetraceOrder-cell')!;
    expect(diagnostic.classList.contains('jp-mod-missing')).toBe(true);
  });

  it('enables Replay and its side actions with a replayable order, and shows progress, Stop and the report', async () => {
    const calls: string[] = [];
    const view = new OrderView(nullTranslator.load('test'), {
      replay: () => calls.push('replay'),
      stop: () => calls.push('stop'),
      reveal: () => undefined,
      label: id => `cell ${id}`,
      exists: () => true
    });
    view.addAction('Make reproducible', 'jp-RetraceOrder-reproduce', () => calls.push('reproduce'));
    Widget.attach(view, document.body);
    await settle();
    const replay = () => view.node.querySelector<HTMLButtonElement>('.jp-RetraceOrder-replay')!;
    const extra = () => view.node.querySelector<HTMLButtonElement>('.jp-RetraceOrder-reproduce')!;
    const stop = () => view.node.querySelector<HTMLButtonElement>('.jp-RetraceOrder-stop')!;
    // Nothing to show yet: Replay and the side action disabled, Stop hidden.
    expect([replay().disabled, extra().disabled, stop().hidden]).toEqual([true, true, true]);

    view.setOrder({ available: true, traced: true, tracerNote: 'traced' }, { order: order(['a', 'b']), runs: [] });
    await settle();
    expect(view.node.dataset.verdict).toBe('in-order');
    expect([replay().disabled, extra().disabled]).toEqual([false, false]);
    expect(replay().getAttribute('aria-label')).toBe('Replay in order');
    replay().click();
    extra().click();
    expect(calls).toEqual(['replay', 'reproduce']);

    view.setProgress({ done: 0, total: 2 });
    await settle();
    expect(view.node.querySelector('.jp-RetraceOrder-progress')!.textContent).toBe('Replaying step 1 of 2…');
    expect([replay().disabled, stop().hidden]).toEqual([true, false]);
    stop().click();
    expect(calls).toContain('stop');

    view.setProgress(null);
    view.showReport({
      ended: 'error',
      firstError: 1,
      results: [
        { step: { cellId: 'a', runIndex: 0, position: 0 }, outcome: 'identical', edited: false, ranRecordedCode: false },
        { step: { cellId: 'b', runIndex: 1, position: 1 }, outcome: 'error', edited: false, ranRecordedCode: false, detail: 'NameError: x' }
      ]
    });
    await settle();
    const report = view.node.querySelector<HTMLElement>('.jp-RetraceOrder-report')!;
    expect(report.dataset.ended).toBe('error');
    expect(report.querySelector('.jp-RetraceOrder-reportSummary')!.textContent).toBe(
      'Replay stopped at an error: 2 of 2 steps run, 1 outputs compared: 1 identical, 0 different.'
    );
    // Only what needs a look is listed: the error, with its cell.
    const results = [...report.querySelectorAll<HTMLElement>('.jp-RetraceOrder-result')];
    expect(results.map(r => [r.dataset.outcome, r.textContent])).toEqual([['error', 'cell b error: NameError: x']]);
    expect([replay().disabled, stop().hidden]).toEqual([false, true]);
    // A new replay clears the old report.
    view.setProgress({ done: 0, total: 2 });
    await settle();
    expect(view.node.querySelector('.jp-RetraceOrder-report')!.children.length).toBe(0);
  });

  it('says why there is no order', async () => {
    const view = new OrderView(nullTranslator.load('test'), { replay: () => undefined, stop: () => undefined, reveal: () => undefined, label: () => '', exists: () => true });
    Widget.attach(view, document.body);
    view.setOrder({ available: false, reason: 'Only for Python.' }, null);
    await settle();
    expect(view.node.querySelector('.jp-RetraceOrder-summary')!.textContent).toBe('Only for Python.');
    expect(view.node.querySelector<HTMLButtonElement>('.jp-RetraceOrder-replay')!.disabled).toBe(true);
  });
});
