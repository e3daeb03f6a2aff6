import { analyzeCell } from '../analysis/effects';
import { AnalysisCell, AnalysisRun } from '../analysis/types';
import { sliceForOutput } from './outputSlice';

function session(codes: Array<[string, string]>): { runs: AnalysisRun[]; cells: AnalysisCell[] } {
  const runs = codes.map(([cellId, code], index) => ({ index, cellId, code, executionCount: index + 1, status: 'ok' as const }));
  const cells: AnalysisCell[] = [];
  for (const [cellId, code] of codes) {
    if (!cells.some(c => c.id === cellId)) {
      cells.push({ id: cellId, type: 'code', source: code });
    }
  }
  return { runs, cells };
}

describe('the cells behind one output', () => {
  it('keeps what the output read and leaves out what it did not', () => {
    const { runs, cells } = session([
      ['imp', 'import math'],
      ['a', 'a = 2'],
      ['noise', 'unrelated = [1, 2, 3]'],
      ['b', 'b = math.sqrt(a * 8)'],
      ['show', 'b + 1']
    ]);
    expect(sliceForOutput(runs, 4, cells, analyzeCell).runIndices).toEqual([0, 1, 3, 4]);
  });

  it('is the state when the output was made, not later: a rebinding after it does not count', () => {
    const { runs, cells } = session([
      ['x', 'x = 21'],
      ['y', 'y = x * 2\ny'],
      ['x2', 'x = 1000']
    ]);
    expect(sliceForOutput(runs, 1, cells, analyzeCell).runIndices).toEqual([0, 1]);
  });

  it('keeps a run that changed the object in place, by the tracer when analysis cannot see it', () => {
    const { runs, cells } = session([
      ['data', 'data = []'],
      ['fn', 'def add(v):\n    data.append(v)'],
      ['call', 'add(5)'],
      ['other', 'z = 1'],
      ['show', 'len(data)']
    ]);
    runs[2].traced = { added: [], rebound: [], deleted: [], mutated: ['data'], filesRead: [], filesWritten: [] };
    expect(sliceForOutput(runs, 4, cells, analyzeCell).runIndices).toEqual([0, 1, 2, 4]);
  });

  it('follows a file from the cell that wrote it to the one that read it', () => {
    const { runs, cells } = session([
      ['w', 'open("n.txt", "w").write("7")'],
      ['other', 'q = 3'],
      ['r', 'int(open("n.txt").read())']
    ]);
    expect(sliceForOutput(runs, 2, cells, analyzeCell).runIndices).toEqual([0, 2]);
  });
});
