import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { CanonicalOrder } from '../analysis/orderTypes';
import { OrderView } from './orderview';

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
    await new Promise(resolve => requestAnimationFrame(resolve));
  }
};

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
    view.render({ available: true, traced: false, tracerNote: '' }, { order: order(['gone', 'a']), runs: [] });
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
});
