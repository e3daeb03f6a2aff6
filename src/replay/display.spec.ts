import type { IOutput } from '@jupyterlab/nbformat';

import { analyzeCell } from '../analysis/effects';
import { TracedEffects } from '../analysis/types';
import { planDisplayCells, stateChange } from './display';

const shown: IOutput[] = [{ output_type: 'execute_result', execution_count: 3, data: { 'text/plain': 'x    1.5' }, metadata: {} }];
const cell = (id: string, source: string, outputs: IOutput[] = shown) => ({ id, type: 'code', source, outputs });
const run = (cellId: string, code: string, executionCount: number, status = 'ok') => ({ cellId, code, executionCount, status });
const traced = (over: Partial<TracedEffects> = {}): TracedEffects => ({ added: [], rebound: [], deleted: [], mutated: [], filesRead: [], filesWritten: [], ...over });

describe('shown outputs outside the canonical order', () => {
  it('runs a display-only cell after the order, with the output the user sees as the reference', () => {
    const cells = [cell('load', 'sales = {"a": 1}', []), cell('table', 'sales["a"] * 1.5')];
    const plan = planDisplayCells(cells, new Set(['load']), [run('load', 'sales = {"a": 1}', 1), run('table', 'sales["a"] * 1.5', 2)], analyzeCell, () => traced());
    expect(plan.run).toEqual([{ cellId: 'table', recorded: shown }]);
    expect(plan.notCompared).toEqual([]);
  });

  it('reports a shown cell that binds a name as not compared, and says why', () => {
    const plan = planDisplayCells([cell('c', 'y = 2\ny')], new Set(), [run('c', 'y = 2\ny', 1)], analyzeCell, () => undefined);
    expect(plan.run).toEqual([]);
    expect(plan.notCompared).toEqual([{ cellId: 'c', reason: 'not in the order and binds or changes y: running it could change the state' }]);
  });

  it('trusts the tracer when it saw a mutation static analysis cannot', () => {
    const plan = planDisplayCells([cell('c', 'add(5)')], new Set(), [run('c', 'add(5)', 4)], analyzeCell, n => (n === 4 ? traced({ mutated: ['data'] }) : undefined));
    expect(plan.notCompared[0].reason).toContain('the tracer saw it change data');
  });

  it('does not compare a cell edited since its output, or one with no run in this kernel session', () => {
    const plan = planDisplayCells(
      [cell('edited', 'len(data) + 1'), cell('old', 'len(data)')],
      new Set(),
      [run('edited', 'len(data)', 1)],
      analyzeCell,
      () => undefined
    );
    expect(plan.notCompared.map(n => n.reason)).toEqual(['edited since its output was made', 'its output is not from this kernel session']);
  });

  it('leaves out cells in the order and cells with nothing shown', () => {
    const plan = planDisplayCells([cell('a', 'a = 1\na'), cell('b', 'a + 1', [])], new Set(['a']), [run('a', 'a = 1\na', 1), run('b', 'a + 1', 2)], analyzeCell, () => undefined);
    expect(plan).toEqual({ run: [], notCompared: [] });
  });

  it('sees a file write as a change of state', () => {
    expect(stateChange(analyzeCell('open("out.csv", "w").write("1")'), undefined)).toMatch(/out\.csv|changes/);
  });
});
