import { Run } from '../capture/run';
import { codeHash, summaryOf } from '../history';
import { HistoryStore } from '../history/store';
import { fakeClock, memoryBackend, syntheticNotebook } from '../history/testkit.spec-util';
import { cellVersions, hasVersions, isVersionOf, legacyRuns, readRunCodes } from './versions';

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

  it('puts an older history index row (first line only, no hash) with the full run of the same code', () => {
    const runs = [run('a', 'x = 1', { fromHistory: true }), run('a', 'x = 1\nprint(x)'), run('a', 'x = 5\nprint(x)')];
    const versions = cellVersions(runs).get('a')!;
    expect(versions.map(v => v.code)).toEqual(['x = 1\nprint(x)', 'x = 5\nprint(x)']);
    expect(versions[0].runs).toHaveLength(2);
  });

  it('tells apart history rows whose codes differ only after the first line, by their code hash', () => {
    const one = 'threshold = 15\nsales["warm"] = sales.temp > threshold';
    const two = 'threshold = 15\nsales["warm"] = sales.temp >= threshold';
    // After a reload every run is an index row: the same first line, different hashes.
    const rows = [one, two, one].map(code => run('a', summaryOf(code), { fromHistory: true, codeHash: codeHash(code) }));
    expect(rows[0].code).toBe(rows[1].code);
    const versions = cellVersions(rows).get('a')!;
    expect(versions.map(v => [v.number, v.runs.length, v.complete])).toEqual([
      [1, 2, false],
      [2, 1, false]
    ]);
    expect(versions[0].last).toBe(rows[2]);
    // Only a hash and a first line: which version is in the cell is known by the hash.
    expect(isVersionOf(versions[0], one)).toBe(true);
    expect(isVersionOf(versions[1], one)).toBe(false);
    expect(isVersionOf(versions[1], two)).toBe(true);
    // A live run of the second code joins its version and brings the full code.
    const live = run('a', two);
    const after = cellVersions([...rows, live]).get('a')!;
    expect(after.map(v => v.runs.length)).toEqual([2, 2]);
    expect(after[1]).toMatchObject({ code: two, complete: true, last: live });
  });

  it('groups older rows by their first line until their code is read, then by the code', () => {
    const one = 'threshold = 15\nwarm = t > threshold';
    const two = 'threshold = 15\nwarm = t >= threshold';
    const rows = [run('a', summaryOf(one), { fromHistory: true }), run('a', summaryOf(two), { fromHistory: true }), run('b', 'y = 1', { fromHistory: true })];
    // Unread: one version (what an older index can say).
    expect(cellVersions(rows).get('a')!).toHaveLength(1);
    // The rows to read: the cell that ran twice, among the cells asked about, not yet read.
    expect(legacyRuns(rows, new Set(['a', 'b']), new Map()).map(r => r.id)).toEqual([rows[0].id, rows[1].id]);
    expect(legacyRuns(rows, new Set(['b']), new Map())).toEqual([]);
    const codes = new Map([
      [rows[0].id, one],
      [rows[1].id, two]
    ]);
    expect(legacyRuns(rows, new Set(['a']), codes)).toEqual([]);
    const versions = cellVersions(rows, codes).get('a')!;
    expect(versions.map(v => [v.code, v.complete, v.hash])).toEqual([
      [one, true, codeHash(one)],
      [two, true, codeHash(two)]
    ]);
    // Rows with a hash are never read again.
    expect(legacyRuns([run('a', 'x', { fromHistory: true, codeHash: 7 }), run('a', 'x', { fromHistory: true, codeHash: 7 })], new Set(['a']), new Map())).toEqual([]);
  });

  it('reads the code of older rows from their commits\' run records, and leaves out what it cannot read', async () => {
    const store = new HistoryStore({ backend: memoryBackend(), now: fakeClock() });
    await store.init();
    const nb = syntheticNotebook(2);
    const one = 'threshold = 15\nwarm = t > threshold';
    const two = 'threshold = 15\nwarm = t >= threshold';
    const record = (id: string, n: number, code: string) => ({ id, cellId: 'c0000', code, executionCount: n, start: `2024-01-01T00:00:0${n}Z` });
    await store.commitSnapshot(nb, [record('k/1', 1, one), record('k/2', 2, 'y = 2')]);
    await store.commitSnapshot(nb, [record('k/3', 3, two)]);
    const commits = new Map((await store.runIndex()).map(e => [e.runId!, e.commit]));
    const rows = ['k/1', 'k/3', 'k/9'].map(id => run('c0000', 'threshold = 15', { id, fromHistory: true }));
    const codes = await readRunCodes({ commitOf: id => commits.get(id) ?? null, store }, rows);
    // k/9 has no known commit: left out, its row stays grouped by its first line.
    expect([...codes]).toEqual([
      ['k/1', one],
      ['k/3', two]
    ]);
    // A commit that cannot be read leaves its runs out and does not stop the others.
    const broken = {
      commitOf: (id: string) => (id === 'k/1' ? 'f'.repeat(40) : (commits.get(id) ?? null)),
      store: { readRuns: (commit: string) => (commit === 'f'.repeat(40) ? Promise.reject(new Error('missing')) : store.readRuns(commit)) }
    };
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect([...(await readRunCodes(broken, rows))]).toEqual([['k/3', two]]);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });
});
