/**
 * The order's verdict: green only when a replay is expected to succeed; a
 * session of errors, or one that left nothing, is never green and not
 * replayable. Diagnostics are data, most severe first. On the real analyzer.
 */

import { analyzeCell } from './effects';
import { canonicalOrder, CanonicalOrder } from './order';
import { SessionBuilder } from './orderTestkit.spec-util';

function order(s: SessionBuilder): CanonicalOrder {
  return canonicalOrder(s.runs, s.cells, { analyze: analyzeCell });
}

describe('verdict of the canonical order', () => {
  it('a cell that failed with NameError leaves nothing to replay', () => {
    const s = new SessionBuilder().cell('a', 'print(undefined_thing)').run('a', { status: 'error' });
    const o = order(s);
    expect(o.verdict).toBe('nothing-to-replay');
    expect(o.replayable).toBe(false);
    expect(o.topToBottomWorks).toBe(false);
    expect(o.failedRuns).toEqual([0]);
  });

  it('three cells that all fail with ModuleNotFoundError are errors, not green', () => {
    const s = new SessionBuilder()
      .cell('a', 'import notinstalled_a')
      .cell('b', 'import notinstalled_b as nb')
      .cell('c', 'from notinstalled_c import thing')
      .run('a', { status: 'error' })
      .run('b', { status: 'error' })
      .run('c', { status: 'error' });
    const o = order(s);
    expect(o.verdict).toBe('errors');
    expect(o.replayable).toBe(false);
    expect(o.topToBottomWorks).toBe(false);
    expect(o.failedSteps).toEqual([0, 1, 2]);
  });

  it('an error that the state does not depend on leaves the order green', () => {
    const s = new SessionBuilder()
      .cell('a', 'x = 1')
      .cell('b', 'print(y)')
      .run('a')
      .run('b', { status: 'error' });
    const o = order(s);
    expect(o.verdict).toBe('top-to-bottom');
    expect(o.replayable).toBe(true);
    expect(o.failedRuns).toEqual([1]);
    expect(o.failedSteps).toEqual([]);
  });

  it('no runs: nothing to replay', () => {
    const o = order(new SessionBuilder().cell('a', 'x = 1'));
    expect(o.verdict).toBe('nothing-to-replay');
    expect(o.replayable).toBe(false);
  });

  it('hidden state: in order, replayable, diagnostics ranked by severity then position', () => {
    const s = new SessionBuilder()
      .cell('a', 'import numpy as np\nnoise = np.random.rand(3)')
      .cell('b', 'total = x + 1')
      .cell('c', 'x = 1')
      .run('a')
      .run('c')
      .run('b');
    const o = order(s);
    expect(o.verdict).toBe('in-order');
    expect(o.replayable).toBe(true);
    expect(o.diagnostics.map(d => [d.kind, d.severity])).toEqual([
      ['depends-on-later-cell', 'error'],
      ['nondeterminism', 'warning']
    ]);
    const later = o.diagnostics[0];
    expect(later.cellIds).toEqual(['b', 'c']);
    expect(later.names).toEqual(['x']);
    expect(later).not.toHaveProperty('message');
  });
});
