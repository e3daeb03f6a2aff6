import { previewRestore } from './restore';

const nb = (...cells: [string, string, unknown[]?][]) => ({
  cells: cells.map(([id, source, outputs]) => ({ id, cell_type: 'code', source, outputs: outputs ?? [] }))
});

describe('previewRestore', () => {
  it('counts cells added, removed, changed and unchanged, matched by id', () => {
    const current = nb(['a', 'x = 1'], ['b', 'y = 2'], ['c', 'z = 3']);
    const target = nb(['a', 'x = 1'], ['b', 'y = 20'], ['d', 'w = 4']);
    expect(previewRestore(current, target)).toEqual({ added: 1, removed: 1, changed: 1, unchanged: 1, omittedOutputs: 0 });
  });

  it('sees a change of outputs alone', () => {
    const current = nb(['a', 'x', [{ output_type: 'stream', name: 'stdout', text: '1' }]]);
    const target = nb(['a', 'x', []]);
    expect(previewRestore(current, target).changed).toBe(1);
  });

  it('compares multi-line sources whatever their list or string form', () => {
    const current = { cells: [{ id: 'a', cell_type: 'code', source: ['x = 1\n', 'y = 2'], outputs: [] }] };
    const target = { cells: [{ id: 'a', cell_type: 'code', source: 'x = 1\ny = 2', outputs: [] }] };
    expect(previewRestore(current, target).unchanged).toBe(1);
  });

  it('pairs cells by position when one side has no ids (an nbformat 4.4 notebook as JupyterLab gives it)', () => {
    const current = { cells: [{ cell_type: 'code', source: 'x = 1', outputs: [] }, { cell_type: 'code', source: 'y = 2', outputs: [] }] };
    const target = nb(['k1', 'x = 1'], ['k2', 'y = 20']);
    expect(previewRestore(current, target)).toEqual({ added: 0, removed: 0, changed: 1, unchanged: 1, omittedOutputs: 0 });
  });
});
