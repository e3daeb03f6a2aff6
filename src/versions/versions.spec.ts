import { Run } from '../capture/run';
import { cellVersions, hasVersions } from './versions';

let clock = 0;
function run(cellId: string | null, code: string, extra: Partial<Run> = {}): Run {
  const t = new Date(Date.UTC(2026, 0, 1, 0, 0, ++clock)).toISOString();
  return { id: `k/${clock}`, notebookId: 'nb', cellId, code, executionCount: clock, kernelSessionId: 'k', start: t, end: t, status: 'ok', outputs: [], ...extra };
}

describe('cellVersions', () => {
  it('groups a cell’s runs by their code, numbered in the order the codes were first run', () => {
    const runs = [run('a', 'x = 1'), run('b', 'y = 2'), run('a', 'x = 2'), run('a', 'x = 1'), run('a', 'x = 3')];
    const versions = cellVersions(runs).get('a')!;
    expect(versions.map(v => [v.number, v.code, v.runs.length])).toEqual([
      [1, 'x = 1', 2],
      [2, 'x = 2', 1],
      [3, 'x = 3', 1]
    ]);
    // A version's outputs are its newest run's.
    expect(versions[0].last).toBe(runs[3]);
    expect(hasVersions(versions)).toBe(true);
    expect(hasVersions(cellVersions(runs).get('b'))).toBe(false);
  });

  it('leaves console runs out', () => {
    expect([...cellVersions([run(null, 'a'), run(null, 'b')]).keys()]).toEqual([]);
  });

  it('puts a history index row (first line only) with the full run of the same code', () => {
    const runs = [run('a', 'x = 1', { fromHistory: true }), run('a', 'x = 1\nprint(x)'), run('a', 'x = 5\nprint(x)')];
    const versions = cellVersions(runs).get('a')!;
    expect(versions.map(v => v.code)).toEqual(['x = 1\nprint(x)', 'x = 5\nprint(x)']);
    expect(versions[0].runs).toHaveLength(2);
  });
});
