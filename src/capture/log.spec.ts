import { RunLog } from './log';
import { Run } from './run';

function run(id: string, count: number, session: string, at: number): Run {
  const t = new Date(Date.UTC(2026, 0, 1, 0, 0, at)).toISOString();
  return { id, notebookId: 'nb', cellId: 'c', code: `x = ${count}`, executionCount: count, kernelSessionId: session, start: t, end: t, status: 'ok', outputs: [] };
}

describe('RunLog', () => {
  it('counts in the live kernel session the runs its kernel process made before a page reload', () => {
    const log = new RunLog();
    // Before the reload: recorded by an earlier page; each run names the process that ran it.
    log.addHistorical([run('P/1', 1, 'P', 1), run('P/2', 2, 'P', 2), run('Q/1', 1, 'Q', 0), run('X/9', 9, 'Q', 3)]);
    log.addSession({ id: 'now', kernelId: 'k', kernelName: 'python3', reason: 'start', start: new Date(Date.UTC(2026, 0, 1, 0, 1)).toISOString(), kernelProcess: 'P' });
    log.addRun(run('P/3', 3, 'P', 90));
    expect(log.currentSessionRuns.map(r => r.id)).toEqual(['P/1', 'P/2', 'P/3']);
  });

  it('without a known kernel process, only the session\'s own runs count', () => {
    const log = new RunLog();
    log.addHistorical([run('P/1', 1, 'old-page', 1)]);
    log.addSession({ id: 'now', kernelId: 'k', kernelName: 'python3', reason: 'restart', start: new Date(Date.UTC(2026, 0, 1, 0, 1)).toISOString() });
    log.addRun(run('R/1', 1, 'now', 90));
    expect(log.currentSessionRuns.map(r => r.id)).toEqual(['R/1']);
  });

  it('replaces short rows with full records of the same runs', () => {
    const log = new RunLog();
    log.addHistorical([{ ...run('P/1', 1, 'old', 1), code: 'x = 1 …' }]);
    log.addHistorical([{ ...run('P/1', 1, 'old', 1), code: 'x = 1\ny = 2' }], true);
    expect(log.runs.map(r => r.code)).toEqual(['x = 1\ny = 2']);
  });

  it('a full record replaces the short history row of the same run, and is not a new run', () => {
    const log = new RunLog();
    log.addHistorical([{ ...run('P/1', 1, 'P', 1), code: 'x = 1 …', end: run('P/1', 1, 'P', 1).start, fromHistory: true }]);
    const full = { ...run('P/1', 1, 'P', 1), code: 'x = 1\ny = 2', end: new Date(Date.UTC(2026, 0, 1, 0, 0, 4)).toISOString() };
    expect(log.addRun(full)).toBe(false);
    expect(log.runs).toEqual([full]);
  });

  it('places runs caught up from the journal where they ran among the history\'s newer runs, not at the end', () => {
    const log = new RunLog();
    // After a reload: the current attempt's runs from the history ([1], then [4] and [5] after a restore)
    // and a run of an earlier kernel session.
    log.addHistorical([run('Q/1', 1, 'Q', 0), run('P/1', 1, 'P', 10), run('P/4', 4, 'P', 40), run('P/5', 5, 'P', 50)]);
    // The kernel's journal brings back every run of its process: [2] and [3] belong to another attempt.
    // The kernel's clock may differ from the clock of the page that recorded the others: the execution
    // count places them among their process's runs.
    const late = (r: Run) => ({ ...r, start: new Date(Date.UTC(2026, 0, 1, 1)).toISOString() });
    for (const r of [run('P/1', 1, 'P', 10), late(run('P/2', 2, 'P', 20)), late(run('P/3', 3, 'P', 30)), run('P/4', 4, 'P', 40), run('P/5', 5, 'P', 50)]) {
      log.addEarlier(r);
    }
    // A run of another process than any in the log goes by its start.
    expect(log.addEarlier(run('R/1', 1, 'R', 5))).toBe(true);
    expect(log.addEarlier(run('P/2', 2, 'P', 20))).toBe(false);
    expect(log.runs.map(r => r.id)).toEqual(['Q/1', 'R/1', 'P/1', 'P/2', 'P/3', 'P/4', 'P/5']);
  });

  it('records a run once, even when it arrives twice', () => {
    const log = new RunLog();
    expect(log.addRun(run('P/1', 1, 's', 1))).toBe(true);
    expect(log.addRun(run('P/1', 1, 's', 1))).toBe(false);
    expect(log.runs).toHaveLength(1);
  });
});
