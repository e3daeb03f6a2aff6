import { nullTranslator } from '@jupyterlab/translation';

import { analyzeCell } from '../analysis/effects';
import { canonicalOrder } from '../analysis/order';
import { DIAGNOSTIC_SEVERITY, DiagnosticKind } from '../analysis/orderTypes';
import { SessionBuilder } from '../analysis/orderTestkit.spec-util';
import { describeDiagnostic, describeOrder, DiagnosticFix } from './diagnostic';

const trans = nullTranslator.load('jupyterlab_retrace');

describe('wording of the order', () => {
  it('an all-error session is described as errors, not green', () => {
    const s = new SessionBuilder().cell('a', 'import nothere').run('a', { status: 'error' });
    const o = canonicalOrder(s.runs, s.cells, { analyze: analyzeCell });
    const d = describeOrder(o, trans);
    expect(d.state).toBe('error');
    expect(d.text).toContain('failed');
  });

  it('each diagnostic gets a reason and its fix', () => {
    const s = new SessionBuilder()
      .cell('b', 'total = x + 1')
      .cell('c', 'x = 1')
      .run('c')
      .run('b')
      .cell('d', 'y = 2')
      .run('d')
      .remove('d');
    const o = canonicalOrder(s.runs, s.cells, { analyze: analyzeCell });
    const texts = o.diagnostics.map(d => describeDiagnostic(d, trans, id => `cell ${id}`));
    expect(o.diagnostics.map(d => d.kind)).toEqual(['deleted-cell', 'depends-on-later-cell']);
    expect(texts[0].fix).toBe('insert-deleted-code');
    expect(texts[0].reason).toContain('y');
    expect(texts[1].fix).toBe('move-below');
    expect(texts[1].fixLabel).toBe('Move this cell below cell c');
    expect(texts[1].reason).toBe('Uses x from cell c, which is below it.');
  });

  it('every kind has its reason, with and without names, and its fix', () => {
    const word = (kind: DiagnosticKind, names: string[]) =>
      describeDiagnostic({ kind, severity: DIAGNOSTIC_SEVERITY[kind], cellIds: ['a', 'b'], names, runIndices: [0, 3] }, trans, id => `cell ${id}`);
    // [kind, reason with the name x, reason without names, fix, fix label]
    const expected: [DiagnosticKind, string, string, DiagnosticFix, string][] = [
      ['edited', 'Edited since the run the kernel state depends on (x).', 'Edited since the run the kernel state depends on.', 'run-now', 'Run this cell now'],
      [
        'deleted-cell',
        'The kernel state depends on a deleted cell (x).',
        'The kernel state depends on a deleted cell.',
        'insert-deleted-code',
        "Insert the deleted cell's code here"
      ],
      ['depends-on-later-cell', 'Uses x from cell b, which is below it.', 'Depends on cell b, which is below it.', 'move-below', 'Move this cell below cell b'],
      ['needs-rerun', 'The kernel state needs this cell run 2 times (x).', 'The kernel state needs this cell run 2 times.', 'run-now', 'Run this cell now'],
      ['undefined-name', 'Uses x, which no run of this kernel session defines.', 'Uses , which no run of this kernel session defines.', null, ''],
      [
        'nondeterminism',
        'Not reproducible: randomness without a seed, or the clock (x).',
        'Not reproducible: randomness without a seed, or the clock ().',
        'seed-here',
        'Seed here'
      ],
      ['file-dependency', 'Reads x, written by another cell.', 'Reads , written by another cell.', null, '']
    ];
    for (const [kind, withNames, without, fix, fixLabel] of expected) {
      expect(word(kind, ['x'])).toEqual({ reason: withNames, fix, fixLabel });
      expect(word(kind, [])).toEqual({ reason: without, fix, fixLabel });
    }
    expect(expected.map(e => e[0]).sort()).toEqual(Object.keys(DIAGNOSTIC_SEVERITY).sort());
  });
});
