import { diffNotebooks, outputImage, outputText } from './notebookdiff';

const code = (id: string, source: string, outputs: any[] = [], metadata: any = {}) => ({
  cell_type: 'code',
  id,
  source,
  metadata,
  outputs,
  execution_count: null
});
const stream = (text: string) => ({ output_type: 'stream', name: 'stdout', text });
const nb = (cells: any[], metadata: any = {}) => ({ nbformat: 4, nbformat_minor: 5, metadata, cells });

describe('diffNotebooks', () => {
  it('aligns cells by id: added, removed, moved, changed and unchanged', () => {
    const before = nb([code('a', 'x = 1'), code('b', 'y = 2', [stream('2\n')]), code('c', 'z = 3'), code('d', 'gone')]);
    const after = nb([code('c', 'z = 3'), code('a', 'x = 10'), code('b', 'y = 2', [stream('3\n')]), code('e', 'new')]);
    const diff = diffNotebooks(before, after);
    expect(diff.cells.map(c => [c.key, c.kind, c.moved])).toEqual([
      ['c', 'unchanged', true],
      ['a', 'changed', false],
      ['b', 'changed', false],
      ['d', 'removed', false],
      ['e', 'added', false]
    ]);
    const a = diff.cells[1];
    expect([a.sourceChanged, a.outputsChanged]).toEqual([true, false]);
    const b = diff.cells[2];
    expect([b.sourceChanged, b.outputsChanged, b.outputs.map(o => o.kind)]).toEqual([false, true, ['changed']]);
    expect(diff.counts).toEqual({ added: 1, removed: 1, changed: 2, moved: 1, unchanged: 1 });
  });

  it('summarises metadata changes of the notebook and of cells, and ignores execution counts in results', () => {
    const result = (n: number) => ({ output_type: 'execute_result', execution_count: n, data: { 'text/plain': '4' }, metadata: {} });
    const before = nb([code('a', '2 + 2', [result(1)], { tags: ['x'] })], { kernelspec: { name: 'python3' }, old: 1 });
    const after = nb([code('a', '2 + 2', [result(7)], { tags: ['y'] })], { kernelspec: { name: 'ir' }, extra: true });
    const diff = diffNotebooks(before, after);
    expect(diff.metadata).toEqual({ added: ['extra'], removed: ['old'], changed: ['kernelspec'] });
    expect(diff.cells[0].outputsChanged).toBe(false);
    expect(diff.cells[0].metadataChanged).toEqual(['tags']);
  });

  it('a 500-cell, 5 MB pair with one edit and one output change shows exactly those two cells as changed', () => {
    const big = 'x'.repeat(10_000);
    const cells = Array.from({ length: 500 }, (_, i) => code(`c${i}`, `v${i} = ${i}`, [stream(big)]));
    const before = nb(cells);
    const after = nb(cells.map((c, i) => (i === 100 ? { ...c, source: 'v100 = -1' } : i === 300 ? { ...c, outputs: [stream('changed')] } : c)));
    const diff = diffNotebooks(before, after);
    expect(diff.cells.filter(c => c.kind === 'changed').map(c => c.key)).toEqual(['c100', 'c300']);
    expect(diff.counts.unchanged).toBe(498);
  });
});

describe('outputs as a diff shows them', () => {
  it('text for streams, errors and plain results; an image as a data URL', () => {
    expect(outputText({ output_type: 'stream', text: ['a\n', 'b'] })).toBe('a\nb');
    expect(outputText({ output_type: 'error', ename: 'KeyError', evalue: "'k'" })).toBe("KeyError: 'k'");
    expect(outputText({ output_type: 'display_data', data: { 'image/png': 'AAA', 'text/plain': '<Figure>' } })).toBeNull();
    expect(outputImage({ output_type: 'display_data', data: { 'image/png': 'AA\nA' } })).toBe('data:image/png;base64,AAA');
  });
});
