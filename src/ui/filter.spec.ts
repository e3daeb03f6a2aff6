import { Run } from '../capture/run';
import { IFilterContext, matchesFilter, parseFilter } from './filter';

function run(id: string, cellId: string | null, code = 'x = 1'): Run {
  const t = new Date(Date.UTC(2026, 0, 1)).toISOString();
  return { id, notebookId: 'nb', cellId, code, executionCount: 1, kernelSessionId: 's', start: t, end: t, status: 'ok', outputs: [] };
}

describe('the cell filter', () => {
  // Cells now: a at position 0, b at 1, c at 3; "gone" was deleted. No label is given:
  // the filter decides from positions, never from how a cell is worded.
  const positions: Record<string, number> = { a: 0, b: 1, c: 3 };
  const context: IFilterContext = {
    notebook: { cellIndex: id => positions[id] ?? -1 },
    attemptOf: () => null,
    replayedFrom: r => (r.id === 'replayed' ? 'gone' : null)
  };
  const runs = [run('ra', 'a'), run('rb', 'b'), run('rc', 'c'), run('rgone', 'gone'), run('console', null), run('replayed', null)];
  const matching = (text: string) => runs.filter(r => matchesFilter(r, parseFilter(text), context)).map(r => r.id);

  it('matches cell:N on the cell now at position N', () => {
    expect(matching('cell:4')).toEqual(['rc']);
    expect(matching('cell:1')).toEqual(['ra']);
    // "cell:1" is not a prefix match of cell 10, 11...
    expect(matching('cell:3')).toEqual([]);
  });

  it('matches cell:deleted on runs of cells no longer there, a replay of their code included', () => {
    expect(matching('cell:deleted')).toEqual(['rgone', 'replayed']);
  });

  it('matches cell:console on code sent without a cell, and a cell id on that cell', () => {
    expect(matching('cell:console')).toEqual(['console']);
    expect(matching('cell:gone')).toEqual(['rgone', 'replayed']);
  });

  it('does not depend on the words of the panel language', () => {
    // Without positions, existence alone: a cell that exists has no number to match.
    const bare: IFilterContext = { notebook: { cellExists: id => id !== 'gone' }, attemptOf: () => null };
    expect(runs.filter(r => matchesFilter(r, parseFilter('cell:deleted'), bare)).map(r => r.id)).toEqual(['rgone']);
  });
});

describe('the attempt filter', () => {
  // Attempt branches are named by the extension; the user gives them titles.
  const titles: Record<string, string> = { 'attempt-2': 'Smaller threshold', main: 'main' };
  const context: IFilterContext = {
    notebook: null,
    attemptOf: r => (r.id === 'r1' ? 'main' : 'attempt-2'),
    attemptTitle: id => titles[id] ?? id
  };
  const runs = [run('r1', 'a'), run('r2', 'a')];
  const matching = (text: string) => runs.filter(r => matchesFilter(r, parseFilter(text), context)).map(r => r.id);

  it('matches the title the user gave an attempt, or its id', () => {
    expect(matching('attempt:smaller')).toEqual(['r2']);
    expect(matching('attempt:attempt-2')).toEqual(['r2']);
    expect(matching('attempt:main')).toEqual(['r1']);
    expect(matching('attempt:larger')).toEqual([]);
  });
});
