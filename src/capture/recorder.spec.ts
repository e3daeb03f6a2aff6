/**
 * The recorder's bookkeeping against a fake session context: which runs it
 * records, with which status, in which kernel session. The browser tests
 * (ui-tests/tests/capture.spec.ts) prove the same cases on a real kernel.
 */
import { NotebookActions } from '@jupyterlab/notebook';
import { Signal } from '@lumino/signaling';

import { NotebookRecorder } from './recorder';
import { KernelSession, Run } from './run';

const ME = 'client-of-the-notebook';

class FakeSessionContext {
  kernelChanged = new Signal<this, unknown>(this);
  iopubMessage = new Signal<this, unknown>(this);
  statusChanged = new Signal<this, string>(this);
  session = { kernel: { id: 'kernel-1', name: 'python3', clientId: ME } };
}

interface IFakeCell {
  model: {
    id: string;
    type: 'code';
    executionCount: number | null;
    sharedModel: { getSource(): string };
    outputs: { toJSON(): unknown[] };
  };
}

function cell(id: string, source: string): IFakeCell {
  return {
    model: {
      id,
      type: 'code',
      executionCount: null,
      sharedModel: { getSource: () => source },
      outputs: { toJSON: () => [] }
    }
  };
}

const scheduled = NotebookActions.executionScheduled as unknown as Signal<unknown, unknown>;
const executed = NotebookActions.executed as unknown as Signal<unknown, unknown>;

function setup(cellsNow: IFakeCell[] = [], journalCovers = false) {
  const model = {
    cells: {
      length: cellsNow.length,
      get: (i: number) => ({ id: cellsNow[i].model.id, type: 'code', sharedModel: cellsNow[i].model.sharedModel })
    }
  };
  const notebook = { model };
  const context = new FakeSessionContext();
  const recorder = new NotebookRecorder(model as never, context as never, () => 'nb-1', () => journalCovers);
  const runs: Run[] = [];
  const sessions: KernelSession[] = [recorder.kernelSession!];
  recorder.runRecorded.connect((_, run) => runs.push(run));
  recorder.kernelSessionStarted.connect((_, session) => sessions.push(session));

  let seq = 0;
  /** The kernel process's message session; a restart makes a new one. */
  const kernel = { process: 'kernel-process-1' };
  /** What the kernel broadcasts on IOPub for one execute request. */
  const kernelRuns = (code: string, count: number, from: string, opts: { finish?: boolean; error?: string } = {}) => {
    const parent = { msg_id: `msg-${++seq}`, msg_type: 'execute_request', session: from };
    const send = (msgType: string, content: object) =>
      context.iopubMessage.emit({ header: { msg_type: msgType, session: kernel.process }, parent_header: parent, content });
    send('status', { execution_state: 'busy' });
    send('execute_input', { code, execution_count: count });
    if (opts.finish === false) {
      return;
    }
    if (opts.error) {
      send('error', { ename: opts.error, evalue: 'boom', traceback: [] });
    } else {
      send('execute_result', { data: { 'text/plain': String(count) }, metadata: {}, execution_count: count });
    }
    send('status', { execution_state: 'idle' });
  };
  return { recorder, context, notebook, runs, sessions, kernelRuns, kernel };
}

describe('NotebookRecorder', () => {
  it('records a run of a cell of this notebook with the code and count the kernel reported', () => {
    const { notebook, runs, sessions, kernelRuns, recorder } = setup();
    const c = cell('cell-a', 'x = 1');
    scheduled.emit({ notebook, cell: c });
    kernelRuns('x = 1', 1, ME);
    c.model.executionCount = 1;
    executed.emit({ notebook, cell: c, success: true });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      cellId: 'cell-a',
      code: 'x = 1',
      executionCount: 1,
      status: 'ok',
      notebookId: 'nb-1',
      // The kernel process, the same in every tab and page that records it.
      kernelSessionId: 'kernel-process-1'
    });
    expect(sessions[0].kernelProcess).toBe('kernel-process-1');
    recorder.dispose();
  });

  it('records code another client sent to the kernel as a run without a cell, with its outputs', () => {
    const { runs, kernelRuns, recorder } = setup();
    kernelRuns('from_console = 42\nfrom_console', 2, 'a-console');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ cellId: null, code: 'from_console = 42\nfrom_console', executionCount: 2, status: 'ok' });
    expect(runs[0].outputs).toEqual([
      { output_type: 'execute_result', data: { 'text/plain': '2' }, metadata: {}, execution_count: 2 }
    ]);
    recorder.dispose();
  });

  it('without a journal, code another tab ran is recorded without a cell, never guessed from equal source', () => {
    const { runs, kernelRuns } = setup([cell('cell-a', 'x = 1'), cell('cell-b', 'y = x + 1')]);
    kernelRuns('y = x + 1', 7, 'another-tab');
    expect(runs.map(r => [r.cellId, r.executionCount])).toEqual([[null, 7]]);
  });

  it('when the kernel journal covers the kernel, runs of other clients are left to it', () => {
    const { runs, kernelRuns, notebook } = setup([], true);
    kernelRuns('y = x + 1', 7, 'another-tab');
    expect(runs).toEqual([]);
    // This page's own cell runs are still recorded here too (the log keeps one per id).
    const c = cell('cell-a', 'x = 1');
    scheduled.emit({ notebook, cell: c });
    kernelRuns('x = 1', 8, ME);
    c.model.executionCount = 8;
    executed.emit({ notebook, cell: c, success: true });
    expect(runs.map(r => r.id)).toEqual(['kernel-process-1/8']);
  });

  it('names a run by the kernel process and execution count, the same in every tab', () => {
    const { runs, kernelRuns } = setup();
    kernelRuns('print(1)', 3, 'another-tab');
    expect(runs[0].id).toBe('kernel-process-1/3');
  });

  it('learns which kernel process it found running from the kernel\'s first message', () => {
    const { recorder, context } = setup();
    const known: (string | undefined)[] = [];
    recorder.kernelProcessKnown.connect((_, session) => known.push(session.kernelProcess));
    context.iopubMessage.emit({
      header: { msg_type: 'status', session: 'kernel-process-1' },
      parent_header: { msg_id: 'info-1', msg_type: 'kernel_info_request', session: ME },
      content: { execution_state: 'idle' }
    });
    expect(recorder.kernelSession?.kernelProcess).toBe('kernel-process-1');
    expect(known).toEqual(['kernel-process-1']);
  });

  it('does not record an empty cell, which never reaches the kernel', () => {
    const { notebook, runs, recorder } = setup();
    const c = cell('cell-empty', '  \n');
    scheduled.emit({ notebook, cell: c });
    executed.emit({ notebook, cell: c, success: true });
    expect(runs).toEqual([]);
    recorder.dispose();
  });

  it('ignores runs of another notebook', () => {
    const { runs, kernelRuns, recorder } = setup();
    const other = { model: {} };
    const c = cell('cell-a', 'x = 1');
    scheduled.emit({ notebook: other, cell: c });
    kernelRuns('x = 1', 1, ME);
    c.model.executionCount = 1;
    executed.emit({ notebook: other, cell: c, success: true });
    expect(runs).toEqual([]);
    recorder.dispose();
  });

  it('a restart records the running cell as interrupted and the queued cells as aborted, in the old session', () => {
    const { notebook, context, runs, sessions, kernelRuns, recorder } = setup();
    const cells = [cell('c1', 'import time; time.sleep(60)'), cell('c2', 'y = 2'), cell('c3', 'z = 3')];
    for (const c of cells) {
      scheduled.emit({ notebook, cell: c });
    }
    kernelRuns('import time; time.sleep(60)', 1, ME, { finish: false });
    // JupyterLab cancels the futures: `executed` never fires for any of them.
    context.statusChanged.emit('restarting');
    context.statusChanged.emit('restarting');
    context.statusChanged.emit('idle');

    expect(runs.map(r => [r.cellId, r.status, r.executionCount, r.kernelSessionId])).toEqual([
      ['c1', 'interrupted', 1, 'kernel-process-1'],
      ['c2', 'aborted', null, 'kernel-process-1'],
      ['c3', 'aborted', null, 'kernel-process-1']
    ]);
    // Aborted runs have no count: each gets an id of its own.
    expect(new Set(runs.map(r => r.id)).size).toBe(3);
    expect(sessions.map(s => s.reason)).toEqual(['start', 'restart']);
    expect(recorder.kernelSession).toBe(sessions[1]);
    recorder.dispose();
  });

  it('the reconnect JupyterLab makes after a restart is not another kernel session; a change of kernel is', () => {
    const { context, sessions, recorder } = setup();
    const kernel = context.session.kernel;
    context.statusChanged.emit('restarting');
    context.kernelChanged.emit({ name: 'kernel', oldValue: kernel, newValue: kernel });
    context.statusChanged.emit('idle');
    const other = { id: 'kernel-2', name: 'ir', clientId: 'other-client' };
    context.session.kernel = other;
    context.kernelChanged.emit({ name: 'kernel', oldValue: kernel, newValue: other });
    expect(sessions.map(s => [s.reason, s.kernelId])).toEqual([
      ['start', 'kernel-1'],
      ['restart', 'kernel-1'],
      ['change', 'kernel-2']
    ]);
    recorder.dispose();
  });

  it('a restart asked by another client (a console) starts a new kernel session', () => {
    const { context, runs, sessions, kernelRuns, recorder, kernel } = setup();
    kernelRuns('x = 1', 1, 'a-console');
    const parent = { msg_id: 'shutdown-1', msg_type: 'shutdown_request', session: 'a-console' };
    context.iopubMessage.emit({ header: { msg_type: 'shutdown_reply' }, parent_header: parent, content: { status: 'ok', restart: true } });
    context.iopubMessage.emit({ header: { msg_type: 'status' }, parent_header: parent, content: { execution_state: 'idle' } });
    context.statusChanged.emit('idle');
    context.statusChanged.emit('starting');
    kernel.process = 'kernel-process-2';
    kernelRuns('x = 2', 1, 'a-console');
    expect(sessions.map(s => s.reason)).toEqual(['start', 'restart']);
    expect(runs.map(r => [r.code, r.executionCount, r.kernelSessionId])).toEqual([
      ['x = 1', 1, 'kernel-process-1'],
      ['x = 2', 1, 'kernel-process-2']
    ]);
    expect(sessions.map(s => s.kernelProcess)).toEqual(['kernel-process-1', 'kernel-process-2']);
    recorder.dispose();
  });

  it('one restart reported again after the new kernel spoke (the old process’s shutdown_reply, a second restarting) is one kernel session', () => {
    const { notebook, context, runs, sessions, kernelRuns, recorder, kernel } = setup();
    kernelRuns('x = 1', 1, ME);
    context.statusChanged.emit('restarting');
    context.statusChanged.emit('idle');
    // Late, from the process that was restarted.
    const parent = { msg_id: 'shutdown-1', msg_type: 'shutdown_request', session: 'the-server' };
    context.iopubMessage.emit({ header: { msg_type: 'shutdown_reply', session: 'kernel-process-1' }, parent_header: parent, content: { status: 'ok', restart: true } });
    context.statusChanged.emit('busy');
    context.statusChanged.emit('autorestarting');
    expect(sessions.map(s => s.reason)).toEqual(['start', 'restart']);
    // The cells run after it are in that session; a restart after them is a new one.
    kernel.process = 'kernel-process-2';
    const c = cell('cell-a', 'x = 1');
    scheduled.emit({ notebook, cell: c });
    kernelRuns('x = 1', 1, ME);
    c.model.executionCount = 1;
    executed.emit({ notebook, cell: c, success: true });
    context.statusChanged.emit('idle');
    context.statusChanged.emit('restarting');
    expect(sessions.map(s => s.reason)).toEqual(['start', 'restart', 'restart']);
    expect(runs.map(r => [r.cellId, r.kernelSessionId])).toEqual([['cell-a', 'kernel-process-2']]);
    expect(sessions[1].kernelProcess).toBe('kernel-process-2');
    recorder.dispose();
  });

  it('a second restart while cells wait for the restarted kernel is a new kernel session: the waiting cells are aborted in the first', () => {
    const { notebook, context, runs, sessions, recorder } = setup();
    context.statusChanged.emit('restarting');
    context.statusChanged.emit('idle');
    const c = cell('cell-a', 'x = 1');
    scheduled.emit({ notebook, cell: c });
    context.statusChanged.emit('restarting');
    expect(sessions.map(s => s.reason)).toEqual(['start', 'restart', 'restart']);
    expect(runs.map(r => [r.cellId, r.status, r.kernelSessionId === sessions[1].id])).toEqual([['cell-a', 'aborted', true]]);
    recorder.dispose();
  });

  it('a kernel that starts again after runs, with no restart seen, starts a new kernel session', () => {
    const { context, sessions, kernelRuns, recorder } = setup();
    // A fresh kernel reporting "starting" is the session that already began.
    context.statusChanged.emit('starting');
    expect(sessions).toHaveLength(1);
    kernelRuns('x = 1', 1, ME);
    context.statusChanged.emit('starting');
    expect(sessions.map(s => s.reason)).toEqual(['start', 'restart']);
    recorder.dispose();
  });

  it('runs after a restart belong to the new kernel session', () => {
    const { notebook, context, runs, sessions, kernelRuns, recorder, kernel } = setup();
    context.statusChanged.emit('restarting');
    context.statusChanged.emit('idle');
    kernel.process = 'kernel-process-2';
    const c = cell('cell-a', 'x = 1');
    scheduled.emit({ notebook, cell: c });
    kernelRuns('x = 1', 1, ME);
    c.model.executionCount = 1;
    executed.emit({ notebook, cell: c, success: true });
    // A second restart is a third session.
    context.statusChanged.emit('restarting');
    expect(runs.map(r => r.kernelSessionId)).toEqual(['kernel-process-2']);
    expect(sessions[1].kernelProcess).toBe('kernel-process-2');
    expect(sessions).toHaveLength(3);
    recorder.dispose();
  });

  it('a cell that failed records the error the kernel reported', () => {
    const { notebook, runs, kernelRuns, recorder } = setup();
    const c = cell('cell-a', "raise ValueError('boom')");
    scheduled.emit({ notebook, cell: c });
    kernelRuns("raise ValueError('boom')", 1, ME, { error: 'ValueError' });
    c.model.executionCount = 1;
    executed.emit({ notebook, cell: c, success: false, error: { errorName: 'ValueError', errorValue: 'boom' } });
    expect(runs[0]).toMatchObject({ status: 'error', error: { ename: 'ValueError', evalue: 'boom' }, executionCount: 1 });
    recorder.dispose();
  });

  it('stops recording once disposed', () => {
    const { notebook, runs, kernelRuns, recorder } = setup();
    recorder.dispose();
    const c = cell('cell-a', 'x = 1');
    scheduled.emit({ notebook, cell: c });
    kernelRuns('x = 2', 1, 'a-console');
    c.model.executionCount = 1;
    executed.emit({ notebook, cell: c, success: true });
    expect(runs).toEqual([]);
  });
});
