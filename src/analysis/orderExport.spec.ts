import { analyzeCell } from './effects';
import { canonicalOrder } from './order';
import { exportCanonicalOrder } from './orderExport';
import { SessionBuilder } from './orderTestkit.spec-util';

describe('the canonical order as a document', () => {
  it('has each step with the code it ran, its label, and whether the cell still holds it', () => {
    const s = new SessionBuilder()
      .cell('a', 'base = 40')
      .cell('b', 'answer = base + 2')
      .run('a')
      .run('b')
      .cell('b', 'answer = base + 3')
      .remove('a');
    const o = canonicalOrder(s.runs, s.cells, { analyze: analyzeCell });
    const doc = exportCanonicalOrder(o, i => s.runs[i].code, s.cells);
    expect(doc.format).toBe(1);
    expect(doc.steps).toEqual([
      { cellId: 'a', runIndex: 0, label: 'deleted cell', code: 'base = 40', current: false },
      { cellId: 'b', runIndex: 1, label: 'cell 1', code: 'answer = base + 2', current: false }
    ]);
    expect(doc.diagnostics.map(d => d.kind)).toEqual(['deleted-cell', 'edited']);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});
