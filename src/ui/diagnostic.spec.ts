import { nullTranslator } from '@jupyterlab/translation';

import { analyzeCell } from '../analysis/effects';
import { canonicalOrder } from '../analysis/order';
import { SessionBuilder } from '../analysis/orderTestkit.spec-util';
import { describeDiagnostic, describeOrder } from './diagnostic';

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
});
