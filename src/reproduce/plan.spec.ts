import { IPlanStep, planCanonicalNotebook } from './plan';

const code = (id: string, source: string) => ({ cell_type: 'code', id, source, metadata: {}, outputs: [], execution_count: 1 });
const md = (id: string, source: string) => ({ cell_type: 'markdown', id, source, metadata: {} });
const step = (cellId: string | null, runIndex: number, source: string): IPlanStep => ({
  cellId,
  runIndex,
  code: source,
  outputs: [{ output_type: 'stream', name: 'stdout', text: source }]
});

function ids(): () => string {
  let n = 0;
  return () => `new-${++n}`;
}

describe('planCanonicalNotebook', () => {
  it('leaves a notebook already in the canonical order as it is', () => {
    const cells = [code('a', 'x = 1'), code('b', 'y = x')];
    const plan = planCanonicalNotebook(cells, [step('a', 0, 'x = 1'), step('b', 1, 'y = x')], ids());
    expect(plan.unchanged).toBe(true);
    expect(plan.cells).toEqual(cells);
    expect(plan).toMatchObject({ moved: 0, inserted: 0, versions: 0 });
  });

  it('moves a definition above the cell that uses it, and its heading with it', () => {
    const cells = [md('h1', '# use'), code('use', 'y = x * 2'), md('h2', '# define'), code('def', 'x = 21')];
    const plan = planCanonicalNotebook(cells, [step('def', 0, 'x = 21'), step('use', 1, 'y = x * 2')], ids());
    expect(plan.cells.map(c => c.id)).toEqual(['h2', 'def', 'h1', 'use']);
    expect(plan.moved).toBe(1);
    expect(plan.steps).toEqual([
      { cellId: 'def', runIndex: 0, position: 1 },
      { cellId: 'use', runIndex: 1, position: 3 }
    ]);
  });

  it('brings back the code of a deleted cell as a new cell at its step, with the outputs it showed', () => {
    const cells = [code('b', 'b = a + 1')];
    const plan = planCanonicalNotebook(cells, [step('gone', 0, 'a = 5'), step('b', 1, 'b = a + 1')], ids());
    expect(plan.cells.map(c => c.source)).toEqual(['a = 5', 'b = a + 1']);
    expect(plan.cells[0]).toMatchObject({ id: 'new-1', metadata: { retrace: { reproduce: 'deleted', from: 'gone' } } });
    expect(plan.cells[0].outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: 'a = 5' }]);
    expect(plan).toMatchObject({ inserted: 1, versions: 0, moved: 0, unchanged: false });
  });

  it('keeps an edit never run beside the version that ran, which takes the step', () => {
    const cells = [code('use', 'y = x * 2'), code('def', 'x = 1000')];
    const plan = planCanonicalNotebook(cells, [step('def', 0, 'x = 21'), step('use', 1, 'y = x * 2')], ids());
    expect(plan.cells.map(c => c.source)).toEqual(['x = 21', 'y = x * 2', 'x = 1000']);
    expect(plan.cells[2].id).toBe('def');
    expect(plan).toMatchObject({ versions: 1, inserted: 0 });
    expect(plan.steps.map(s => s.cellId)).toEqual(['new-1', 'use']);
  });

  it('gives each version of a cell the order needs a cell of its own', () => {
    const cells = [code('c', 'x = x + 10')];
    const plan = planCanonicalNotebook(cells, [step('c', 0, 'x = 1'), step('c', 1, 'x = x + 10')], ids());
    expect(plan.cells.map(c => c.source)).toEqual(['x = 1', 'x = x + 10']);
    expect(plan.versions).toBe(1);
  });

  it('repeats a cell the order runs twice', () => {
    const cells = [code('a', 'x = 0'), code('b', 'x += 1')];
    const plan = planCanonicalNotebook(cells, [step('a', 0, 'x = 0'), step('b', 1, 'x += 1'), step('b', 2, 'x += 1')], ids());
    expect(plan.cells.map(c => c.source)).toEqual(['x = 0', 'x += 1', 'x += 1']);
    expect(plan.cells[2].metadata.retrace.reproduce).toBe('rerun');
    expect(plan).toMatchObject({ inserted: 1, moved: 0 });
  });

  it('loses no cell: cells outside the order stay, before the next cell kept', () => {
    const cells = [code('scratch', 'print("hi")'), code('b', 'y = x'), code('a', 'x = 1'), md('end', 'done')];
    const plan = planCanonicalNotebook(cells, [step('a', 0, 'x = 1'), step('b', 1, 'y = x')], ids());
    expect(plan.cells.map(c => c.id)).toEqual(['a', 'scratch', 'b', 'end']);
    expect(new Set(plan.cells.map(c => c.id))).toEqual(new Set(cells.map(c => c.id)));
  });
});
