/**
 * Tests of KernelTracer against a fake kernel connection: what it sends to
 * install the tracer, the comm it opens, how it reads reports, and its states.
 */
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';

import { INSTALL_PREFIX, INSTALL_SUFFIX } from './protocol';
import {
  installCode,
  IJournalEntry,
  KernelTracer,
  parseTracerMessage,
  TRACER_TARGET,
  tracerSettled,
  type ITracerReport,
  type ITracerStatus
} from './tracer';
import tracerSource from './tracer.py';

const PYTHON_INFO = {
  status: 'ok',
  protocol_version: '5.3',
  implementation: 'ipython',
  implementation_version: '9.0.0',
  language_info: { name: 'python', version: '3.11.7' },
  banner: '',
  help_links: []
};

let commCount = 0;

class FakeComm {
  constructor(readonly targetName: string) {}
  readonly commId = `comm-${++commCount}`;
  isDisposed = false;
  opened: unknown = undefined;
  closed = false;
  onMsg: (msg: KernelMessage.ICommMsgMsg) => void = () => undefined;
  onClose: (msg: KernelMessage.ICommCloseMsg) => void = () => undefined;
  open(data: unknown): unknown {
    this.opened = data;
    return {};
  }
  close(): unknown {
    this.closed = true;
    return {};
  }
  dispose(): void {
    this.isDisposed = true;
  }
  sent: any[] = [];
  send(data: unknown): unknown {
    this.sent.push(data);
    return {};
  }
  /** The kernel sends data on this comm, in reply to an execute request `parent`. */
  receive(data: unknown, parent = 'execute-1'): void {
    this.onMsg({
      content: { comm_id: this.commId, data },
      parent_header: { msg_id: parent }
    } as unknown as KernelMessage.ICommMsgMsg);
  }
}

class FakeKernel {
  constructor(info: object = PYTHON_INFO) {
    this.info = Promise.resolve(info);
  }
  info: Promise<object>;
  status: Kernel.Status = 'idle';
  isDisposed = false;
  statusChanged = new Signal<this, Kernel.Status>(this);
  disposed = new Signal<this, void>(this);
  executes: { content: Record<string, unknown>; disposeOnDone: boolean }[] = [];
  comms: FakeComm[] = [];
  /** The content of the next execute replies; 'ok' once empty. */
  replies: Record<string, unknown>[] = [];

  requestExecute(content: Record<string, unknown>, disposeOnDone: boolean): unknown {
    this.executes.push({ content, disposeOnDone });
    const reply = this.replies.shift() ?? { status: 'ok', execution_count: null };
    return { done: Promise.resolve({ content: reply }) };
  }
  createComm(targetName: string): FakeComm {
    const comm = new FakeComm(targetName);
    this.comms.push(comm);
    return comm;
  }
  setStatus(status: Kernel.Status): void {
    this.status = status;
    this.statusChanged.emit(status);
  }
  get connection(): Kernel.IKernelConnection {
    return this as unknown as Kernel.IKernelConnection;
  }
}

/** Let pending promise callbacks run. */
const flush = () => new Promise(resolve => setTimeout(resolve, 0));

const HELLO = { type: 'hello', version: '1.0.0', protocol: 1, python: '3.11.7', ipython: '9.0', pid: 1, disabled: false };

const RUN = {
  type: 'run',
  execution_count: 3,
  added: ['df'],
  rebound: ['x'],
  deleted: ['old'],
  mutated: ['items'],
  read: ['path'],
  files_read: ['data/in.csv'],
  files_written: ['out.txt'],
  ms: 0.8
};

/** Attach and answer hello: an active tracer. */
async function activeTracer(kernel = new FakeKernel()) {
  const tracer = new KernelTracer({ helloTimeout: 1000 });
  const states: ITracerStatus[] = [];
  tracer.statusChanged.connect((_, s) => states.push(s));
  const attached = tracer.attach(kernel.connection);
  await flush();
  kernel.comms[0].receive(HELLO);
  await attached;
  return { tracer, kernel, states };
}

describe('installCode', () => {
  it('wraps the tracer source in the shared install snippet as a Python string literal', () => {
    const code = installCode();
    expect(code.startsWith(INSTALL_PREFIX)).toBe(true);
    expect(code.endsWith(INSTALL_SUFFIX)).toBe(true);
    const literal = code.slice(INSTALL_PREFIX.length, code.length - INSTALL_SUFFIX.length);
    expect(JSON.parse(literal)).toBe(tracerSource);
    expect(code).toContain("modules.setdefault('_retrace_tracer'");
  });

  it('embeds the real tracer, which registers the same comm target', () => {
    expect(tracerSource).toContain(`TARGET = "${TRACER_TARGET}"`);
    expect(TRACER_TARGET).toBe('retrace.tracer');
  });
});

describe('KernelTracer', () => {
  it('installs silently, without history, and opens a comm to the tracer target', async () => {
    const { tracer, kernel, states } = await activeTracer();
    expect(kernel.executes).toHaveLength(1);
    const { content } = kernel.executes[0];
    expect(content.silent).toBe(true);
    expect(content.store_history).toBe(false);
    expect(content.stop_on_error).toBe(false);
    expect(content.allow_stdin).toBe(false);
    expect(content.code).toBe(installCode());
    expect(kernel.comms).toHaveLength(1);
    expect(kernel.comms[0].targetName).toBe('retrace.tracer');
    expect(kernel.comms[0].opened).toEqual({});
    expect(states.map(s => s.state)).toEqual(['installing', 'active']);
    expect(tracer.hello?.version).toBe('1.0.0');
  });

  it('turns run reports into traced effects keyed by execution count', async () => {
    const { tracer, kernel } = await activeTracer();
    const reports: ITracerReport[] = [];
    tracer.reported.connect((_, r) => reports.push(r));
    kernel.comms[0].receive(RUN, 'execute-42');
    const effects = {
      added: ['df'],
      rebound: ['x'],
      deleted: ['old'],
      mutated: ['items'],
      read: ['path'],
      filesRead: ['data/in.csv'],
      filesWritten: ['out.txt']
    };
    expect(reports).toEqual([{ executionCount: 3, effects, costMs: 0.8, parentMsgId: 'execute-42' }]);
    expect(tracer.effects(3)).toEqual(effects);
    expect(tracer.effects(4)).toBeUndefined();
  });

  it('ignores malformed messages and keeps only strings in name lists', async () => {
    const { tracer, kernel } = await activeTracer();
    const reports: ITracerReport[] = [];
    tracer.reported.connect((_, r) => reports.push(r));
    kernel.comms[0].receive(null);
    kernel.comms[0].receive({ type: 'run' });
    kernel.comms[0].receive({ type: 'run', execution_count: 'x' });
    kernel.comms[0].receive({ type: 'surprise' });
    kernel.comms[0].receive({ type: 'run', execution_count: 5, added: ['a', 7, null] });
    kernel.comms[0].receive({ type: 'run', execution_count: 6, read: ['b', 8] });
    expect(reports).toHaveLength(2);
    // No read list is not an empty one: the order takes an empty list as "read nothing".
    expect(reports[0].effects).toEqual({
      added: ['a'],
      rebound: [],
      deleted: [],
      mutated: [],
      filesRead: [],
      filesWritten: []
    });
    expect(reports[1].effects?.read).toEqual(['b']);
    expect(parseTracerMessage({ type: 'hello' })).toMatchObject({ type: 'hello', disabled: false });
  });

  it('does not install into a kernel that is not IPython and says static analysis takes over', async () => {
    const kernel = new FakeKernel({
      ...PYTHON_INFO,
      implementation: 'xeus-r',
      language_info: { name: 'R', version: '4.3' }
    });
    const tracer = new KernelTracer();
    await tracer.attach(kernel.connection);
    expect(tracer.status.state).toBe('unavailable');
    expect(tracer.status.reason).toMatch(/not IPython.*static analysis/);
    expect(kernel.executes).toHaveLength(0);
    expect(kernel.comms).toHaveLength(0);
  });

  it('fails with the kernel error when the install raises', async () => {
    const kernel = new FakeKernel();
    kernel.replies.push({ status: 'error', ename: 'RuntimeError', evalue: 'no shell', traceback: [] });
    const tracer = new KernelTracer();
    await tracer.attach(kernel.connection);
    expect(tracer.status.state).toBe('failed');
    expect(tracer.status.reason).toContain('RuntimeError: no shell');
    expect(kernel.comms).toHaveLength(0);
  });

  it('fails when the tracer never says hello', async () => {
    const kernel = new FakeKernel();
    const tracer = new KernelTracer({ helloTimeout: 5 });
    await tracer.attach(kernel.connection);
    expect(tracer.status.state).toBe('failed');
    expect(tracer.status.reason).toMatch(/did not answer/);
    expect(kernel.comms[0].isDisposed).toBe(true);
  });

  it('reinstalls after a restart and forgets the old session', async () => {
    const { tracer, kernel, states } = await activeTracer();
    const reports: ITracerReport[] = [];
    tracer.reported.connect((_, r) => reports.push(r));
    kernel.comms[0].receive(RUN);
    const oldComm = kernel.comms[0];

    kernel.setStatus('restarting');
    expect(tracer.status.state).toBe('installing');
    expect(tracer.effects(3)).toBeUndefined();
    oldComm.receive({ ...RUN, execution_count: 9 }); // late message from the old process
    expect(reports).toHaveLength(1);

    kernel.setStatus('starting');
    expect(kernel.executes).toHaveLength(1);
    kernel.setStatus('idle');
    await flush();
    expect(kernel.executes).toHaveLength(2);
    expect(kernel.executes[1].content.code).toBe(installCode());
    expect(kernel.comms).toHaveLength(2);
    kernel.comms[1].receive(HELLO);
    await flush();
    expect(tracer.status.state).toBe('active');
    kernel.comms[1].receive({ ...RUN, execution_count: 1 });
    expect(reports.map(r => r.executionCount)).toEqual([3, 1]);
    expect(states.map(s => s.state)).toEqual(['installing', 'active', 'installing', 'installing', 'active']);
    // No second install on later idles.
    kernel.setStatus('busy');
    kernel.setStatus('idle');
    await flush();
    expect(kernel.executes).toHaveLength(2);
  });

  it('fails when the tracer turns itself off, and only warns on a single error', async () => {
    const { tracer, kernel } = await activeTracer();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    kernel.comms[0].receive({ type: 'error', where: 'post_run_cell', message: 'boom', execution_count: 2, disabled: false });
    expect(tracer.status.state).toBe('active');
    expect(warn).toHaveBeenCalledTimes(1);
    kernel.comms[0].receive({ type: 'error', where: 'post_run_cell', message: 'boom', execution_count: 3, disabled: true });
    expect(tracer.status.state).toBe('failed');
    expect(tracer.status.reason).toContain('boom');
    warn.mockRestore();
  });

  it('closes its comm when attached to another kernel, and says when there is none', async () => {
    const { tracer, kernel } = await activeTracer();
    const other = new FakeKernel();
    const attached = tracer.attach(other.connection);
    expect(kernel.comms[0].closed).toBe(true);
    await flush();
    other.comms[0].receive(HELLO);
    await attached;
    expect(tracer.status.state).toBe('active');
    // Restarts of the old kernel no longer matter.
    kernel.setStatus('restarting');
    expect(tracer.status.state).toBe('active');

    await tracer.attach(null);
    expect(tracer.status).toEqual({ state: 'unavailable', reason: 'No kernel.' });
    expect(other.comms[0].closed).toBe(true);
  });

  it('becomes unavailable when the kernel dies or is disposed, and stops on dispose', async () => {
    const { tracer, kernel } = await activeTracer();
    kernel.setStatus('dead');
    expect(tracer.status.state).toBe('unavailable');
    kernel.disposed.emit();
    expect(tracer.kernel).toBeNull();
    tracer.dispose();
    expect(tracer.isDisposed).toBe(true);
    await tracer.attach(new FakeKernel().connection);
    expect(tracer.kernel).toBeNull();
  });
});

describe('KernelTracer and the kernel journal', () => {
  const journalRun = (count: number, extra: object = {}) => ({
    ...RUN,
    execution_count: count,
    kernel: 'proc-1',
    cell_id: `cell-${count}`,
    code: `x = ${count}`,
    status: 'ok',
    start: 1_000 * count,
    end: 1_000 * count + 250,
    msg_id: `m${count}`,
    client: 'tab-a',
    ...extra
  });

  it('turns each live run report into a journal entry, whoever sent the run', async () => {
    const { tracer, kernel } = await activeTracer();
    const entries: IJournalEntry[] = [];
    tracer.journaled.connect((_, e) => entries.push(e));
    kernel.comms[0].receive(journalRun(4, { status: 'error', ename: 'KeyboardInterrupt', evalue: '', traced: false }));
    expect(entries).toEqual([
      {
        kernel: 'proc-1',
        executionCount: 4,
        cellId: 'cell-4',
        code: 'x = 4',
        status: 'error',
        error: { ename: 'KeyboardInterrupt', evalue: '' },
        start: 4000,
        end: 4250,
        msgId: 'm4',
        client: 'tab-a',
        effects: null
      }
    ]);
    // A 1.0 tracer's report has no journal fields: no entry.
    kernel.comms[0].receive(RUN);
    expect(entries).toHaveLength(1);
  });

  it('catches up from the journal page by page, and says which runs left it', async () => {
    const kernel = new FakeKernel();
    const tracer = new KernelTracer({ helloTimeout: 1000 });
    const attached = tracer.attach(kernel.connection);
    await flush();
    const comm = kernel.comms[0];
    comm.receive({ ...HELLO, protocol: 2, kernel: 'proc-1', last: 5 });
    await attached;
    expect(tracer.kernelProcess).toBe('proc-1');
    const caught = tracer.catchUp(1);
    await flush();
    expect(comm.sent).toEqual([{ type: 'journal', after: 1, request: 1 }]);
    comm.receive({ type: 'journal', request: 1, kernel: 'proc-1', entries: [journalRun(3), journalRun(4)], more: true, missed: [2, 2] });
    await flush();
    expect(comm.sent[1]).toEqual({ type: 'journal', after: 4, request: 2 });
    comm.receive({ type: 'journal', request: 2, kernel: 'proc-1', entries: [journalRun(5)], more: false, missed: null });
    const answer = await caught;
    expect(answer?.missed).toEqual([2, 2]);
    expect(answer?.entries.map(e => [e.executionCount, e.cellId])).toEqual([
      [3, 'cell-3'],
      [4, 'cell-4'],
      [5, 'cell-5']
    ]);
    // Their effects feed the order as live reports do.
    expect(tracer.effects(5)?.added).toEqual(['df']);
  });

  it('has no journal to ask with a 1.0 tracer', async () => {
    const { tracer } = await activeTracer();
    expect(tracer.kernelProcess).toBeNull();
    expect(await tracer.catchUp(0)).toBeNull();
  });
});

describe('tracerSettled', () => {
  it('waits after a restart until the new tracer answers, and not at all for an active one', async () => {
    const { tracer, kernel } = await activeTracer();
    let settled = false;
    await tracerSettled(tracer).then(() => (settled = true));
    expect(settled).toBe(true);

    kernel.setStatus('restarting');
    settled = false;
    const waiting = tracerSettled(tracer).then(() => (settled = true));
    kernel.setStatus('starting');
    kernel.setStatus('idle');
    await flush();
    expect(settled).toBe(false);
    kernel.comms[1].receive(HELLO);
    await waiting;
    expect(settled).toBe(true);
    expect(tracer.status.state).toBe('active');
  });

  it('gives up after its time limit: a replay never hangs on a tracer that does not answer', async () => {
    const { tracer, kernel } = await activeTracer();
    kernel.setStatus('restarting');
    expect(tracer.status.state).toBe('installing');
    await tracerSettled(tracer, 5);
    expect(tracer.status.state).toBe('installing');
  });
});
