/**
 * Turns what happens in one open notebook into Runs and Kernel sessions.
 *
 * Sources: `NotebookActions.executionScheduled/executed` say which cell ran and
 * how it ended; the kernel's IOPub stream (`execute_input`, `status`) gives the
 * code exactly as executed, its execution count and timing, and reveals code
 * sent by other clients of the same kernel (a console attached to the
 * notebook), recorded as runs without a cell. Work per run is a few map
 * operations and one `toJSON()` of the outputs, well under a millisecond.
 *
 * `NotebookActions.executed` never fires for a run cancelled by a kernel
 * restart, shutdown or change, so the cells still pending when a kernel
 * session ends are recorded then: the one the kernel had started as
 * interrupted, the queued ones as aborted.
 *
 * A run is named `<kernel process>/<execution count>`, the same in every tab
 * and in the kernel's journal (see capture/journal.ts), so whichever path
 * reports it first, it is recorded once. When a journal covers the kernel,
 * runs sent by other clients come from the journal (with their real cell id)
 * and this recorder leaves them alone; without one (non-Python kernels) they
 * are recorded without a cell, since nothing says which cell sent them.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { Cell, CodeCell } from '@jupyterlab/cells';
import { IOutput } from '@jupyterlab/nbformat';
import { INotebookModel, Notebook, NotebookActions } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { UUID } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { KernelSession, Run, RunStatus } from './run';

/** What the kernel told us about one execute request. */
interface IExecution {
  msgId: string;
  fromThisClient: boolean;
  /**
   * The kernel process's own session id (IOPub header). With the execution
   * count it names a run identically in every tab watching this kernel.
   */
  kernelMsgSession: string;
  code: string | null;
  executionCount: number | null;
  start: number;
  end: number | null;
  outputs: IOutput[];
  error?: { ename: string; evalue: string };
  claimed: boolean;
}

/** A cell run that was scheduled and has not been reported as executed yet. */
interface IPending {
  cellId: string;
  code: string;
  at: number;
}

/** Keep this many finished executions for late `executed` signals to match. */
const EXECUTION_MEMORY = 64;

/**
 * Benchmarks only: when the page sets `window.__retraceBench = { enabled, ms, calls }`
 * before a notebook opens, every recorder handler adds its main-thread time to
 * `ms`, and `enabled: false` turns the recorder off (the baseline).
 */
interface IBenchProbe {
  enabled: boolean;
  ms: number;
  calls: number;
}

function benchProbe(): IBenchProbe | null {
  const probe = (globalThis as { __retraceBench?: IBenchProbe }).__retraceBench;
  return probe && typeof probe.ms === 'number' ? probe : null;
}

/** The handler itself, or (benchmarks only) the handler timed by the probe. */
function timed<A extends unknown[]>(probe: IBenchProbe | null, handler: (...args: A) => void): (...args: A) => void {
  if (!probe) {
    return handler;
  }
  return (...args: A) => {
    if (!probe.enabled) {
      return;
    }
    const t0 = performance.now();
    handler(...args);
    probe.ms += performance.now() - t0;
    probe.calls++;
  };
}

export class NotebookRecorder implements IDisposable {
  constructor(
    private readonly _model: INotebookModel,
    private readonly _sessionContext: ISessionContext,
    private readonly _notebookId: () => string,
    private readonly _journalCovers: () => boolean = () => false
  ) {
    const probe = benchProbe();
    // Connected with `this` as receiver: `Signal.clearData(this)` disconnects them all.
    NotebookActions.executionScheduled.connect(timed(probe, this._onScheduled.bind(this)), this);
    NotebookActions.executed.connect(timed(probe, this._onExecuted.bind(this)), this);
    _sessionContext.kernelChanged.connect(timed(probe, this._onKernelChanged.bind(this)), this);
    _sessionContext.iopubMessage.connect(timed(probe, this._onIOPub.bind(this)), this);
    _sessionContext.statusChanged.connect(timed(probe, this._onStatus.bind(this)), this);
    if (_sessionContext.session?.kernel) {
      this._startSession(_sessionContext.session.kernel, 'start');
    }
  }

  /** Emits each run once it has finished. */
  get runRecorded(): ISignal<this, Run> {
    return this._runRecorded;
  }

  /** Emits when a kernel starts, restarts or is changed. */
  /** Emits when the current kernel session's kernel process is known (see KernelSession.kernelProcess). */
  get kernelProcessKnown(): ISignal<this, KernelSession> {
    return this._kernelProcessKnown;
  }

  get kernelSessionStarted(): ISignal<this, KernelSession> {
    return this._sessionStarted;
  }

  get kernelSession(): KernelSession | null {
    return this._session;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Outputs this page saw on IOPub for an execute request another client sent. */
  foreignOutputs(msgId: string): IOutput[] | null {
    const execution = this._executions.get(msgId);
    return execution && !execution.fromThisClient ? execution.outputs : null;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    Signal.clearData(this);
  }

  /** Any view of this notebook: two views share one model, so a run is recorded once. */
  private _isMine(notebook: Notebook): boolean {
    return notebook.model === this._model;
  }

  private _onScheduled(_: unknown, args: { notebook: Notebook; cell: Cell }): void {
    if (!this._isMine(args.notebook) || args.cell.model.type !== 'code') {
      return;
    }
    this._pending.push({
      cellId: args.cell.model.id,
      code: args.cell.model.sharedModel.getSource(),
      at: Date.now()
    });
  }

  private _onExecuted(
    _: unknown,
    args: { notebook: Notebook; cell: Cell; success: boolean; error?: { errorName?: string; errorValue?: string } | null }
  ): void {
    if (!this._isMine(args.notebook) || args.cell.model.type !== 'code' || !this._session) {
      return;
    }
    const cell = args.cell as CodeCell;
    const cellId = cell.model.id;
    // Runs finish in the order they were scheduled, so the match is nearly always the first.
    const index = this._pending.findIndex(p => p.cellId === cellId);
    const scheduled = index < 0 ? undefined : this._pending.splice(index, 1)[0];
    const count = cell.model.executionCount;
    const execution = count === null ? undefined : this._byCount.get(count);
    const now = Date.now();
    if (args.success && !execution && !(scheduled?.code ?? cell.model.sharedModel.getSource()).trim()) {
      // An empty cell: JupyterLab "runs" it without sending anything to the kernel.
      return;
    }

    let status: RunStatus = 'ok';
    let error: Run['error'];
    if (!args.success) {
      if (!execution) {
        // The kernel never started it: queued behind a failing cell, or cancelled.
        status = 'aborted';
      } else {
        error = execution.error ?? {
          ename: args.error?.errorName ?? 'Error',
          evalue: args.error?.errorValue ?? ''
        };
        status = error.ename === 'KeyboardInterrupt' ? 'interrupted' : 'error';
      }
    }
    if (execution) {
      execution.claimed = true;
    }
    this._emit({
      // An aborted run never reached the kernel: no count names it, so it gets a unique id.
      id: execution ? this._runId(execution) : `${this._session.kernelProcess || this._session.id}/a${UUID.uuid4().slice(0, 8)}`,
      notebookId: this._notebookId(),
      cellId,
      code: execution?.code ?? scheduled?.code ?? cell.model.sharedModel.getSource(),
      executionCount: execution ? count : null,
      kernelSessionId: execution?.kernelMsgSession || this._session.kernelProcess || this._session.id,
      start: new Date(execution?.start ?? scheduled?.at ?? now).toISOString(),
      end: new Date(execution?.end ?? now).toISOString(),
      status,
      ...(error ? { error } : {}),
      outputs: status === 'aborted' ? [] : (cell.model.outputs.toJSON() as IOutput[])
    });
  }

  private _onIOPub(_: ISessionContext, msg: KernelMessage.IMessage): void {
    // Any message of a kernel this page found running names its process (the
    // kernel answers JupyterLab's kernel_info on connect). After a restart the
    // old process may still speak, so there the first execute_input decides.
    if (this._session?.reason === 'start' && !this._session.kernelProcess && msg.header.session) {
      this._learnKernelProcess(msg.header.session);
    }
    const parent = msg.parent_header as Partial<KernelMessage.IHeader>;
    const msgId = parent?.msg_id;
    if (!msgId || !this._session) {
      return;
    }
    const type = msg.header.msg_type;
    if (type === 'shutdown_reply') {
      // A restart asked by another client (a console on this kernel): the
      // kernel says so on IOPub, while this connection's status never shows it.
      if ((msg.content as { restart?: boolean }).restart && !this._restarting) {
        const kernel = this._sessionContext.session?.kernel;
        if (kernel) {
          this._restarted(kernel);
        }
      }
      return;
    }
    if (type === 'execute_input') {
      this._sessionRan = true;
      const content = (msg as KernelMessage.IExecuteInputMsg).content;
      const execution = this._executionFor(msgId, parent);
      execution.code = content.code;
      execution.executionCount = content.execution_count;
      execution.kernelMsgSession = msg.header.session ?? '';
      if (this._session && !this._session.kernelProcess && execution.kernelMsgSession) {
        this._learnKernelProcess(execution.kernelMsgSession);
      }
      if (content.execution_count !== null) {
        this._byCount.set(content.execution_count, execution);
      }
      return;
    }
    const execution = this._executions.get(msgId);
    if (!execution) {
      if (type === 'status' && (msg as KernelMessage.IStatusMsg).content.execution_state === 'busy' && parent.msg_type === 'execute_request') {
        this._executionFor(msgId, parent);
      }
      return;
    }
    switch (type) {
      case 'status':
        if ((msg as KernelMessage.IStatusMsg).content.execution_state === 'idle') {
          execution.end = Date.now();
          this._finishForeign(execution);
        }
        break;
      case 'error': {
        const content = (msg as KernelMessage.IErrorMsg).content;
        execution.error = { ename: content.ename, evalue: content.evalue };
        if (!execution.fromThisClient) {
          execution.outputs.push({ output_type: 'error', ...content } as IOutput);
        }
        break;
      }
      case 'stream':
      case 'display_data':
      case 'execute_result':
        if (!execution.fromThisClient) {
          execution.outputs.push({ output_type: type, ...(msg.content as object) } as IOutput);
        }
        break;
    }
  }

  private _executionFor(msgId: string, parent: Partial<KernelMessage.IHeader>): IExecution {
    let execution = this._executions.get(msgId);
    if (!execution) {
      const kernel = this._sessionContext.session?.kernel;
      execution = {
        msgId,
        // Runs of this notebook come from this kernel connection's client id;
        // anything else (a console on the same kernel) has another session.
        fromThisClient: parent.session === kernel?.clientId,
        kernelMsgSession: '',
        code: null,
        executionCount: null,
        start: Date.now(),
        end: null,
        outputs: [],
        claimed: false
      };
      this._executions.set(msgId, execution);
      if (this._executions.size > EXECUTION_MEMORY) {
        const oldest = this._executions.keys().next().value as string;
        const old = this._executions.get(oldest)!;
        this._executions.delete(oldest);
        if (old.executionCount !== null && this._byCount.get(old.executionCount) === old) {
          this._byCount.delete(old.executionCount);
        }
      }
    }
    return execution;
  }

  /** A run another client started on this kernel: record it without a cell. */
  private _finishForeign(execution: IExecution): void {
    if (execution.fromThisClient || execution.claimed || execution.code === null || !this._session || this._journalCovers()) {
      return;
    }
    execution.claimed = true;
    const ename = execution.error?.ename;
    this._emit({
      id: this._runId(execution),
      notebookId: this._notebookId(),
      // Without a journal nothing says which cell (if any) another client ran.
      cellId: null,
      code: execution.code,
      executionCount: execution.executionCount,
      kernelSessionId: execution.kernelMsgSession || this._session.kernelProcess || this._session.id,
      start: new Date(execution.start).toISOString(),
      end: new Date(execution.end ?? Date.now()).toISOString(),
      status: ename ? (ename === 'KeyboardInterrupt' ? 'interrupted' : 'error') : 'ok',
      ...(execution.error ? { error: execution.error } : {}),
      outputs: execution.outputs
    });
  }

  private _runId(execution: IExecution): string {
    return `${execution.kernelMsgSession || this._session!.kernelProcess || this._session!.id}/${execution.executionCount}`;
  }

  private _emit(run: Run): void {
    this._runRecorded.emit(run);
  }

  private _onKernelChanged(_: ISessionContext, change: { oldValue: Kernel.IKernelConnection | null; newValue: Kernel.IKernelConnection | null }): void {
    const kernel = change.newValue;
    if (kernel && kernel.id === this._session?.kernelId) {
      // The same kernel reconnected (JupyterLab does this after each restart,
      // which the status already reported): the kernel state is unchanged.
      return;
    }
    if (kernel) {
      this._startSession(kernel, this._restarting ? 'restart' : change.oldValue ? 'change' : 'start');
    } else {
      this._endSession();
    }
  }

  private _onStatus(_: ISessionContext, status: Kernel.Status): void {
    const kernel = this._sessionContext.session?.kernel;
    if (status === 'restarting' || status === 'autorestarting') {
      // One restart can report 'restarting' more than once: one new session per restart.
      if (kernel && !this._restarting) {
        this._restarted(kernel);
      }
      return;
    }
    if (status === 'busy' || status === 'idle') {
      this._restarting = false;
    } else if (status === 'starting' && kernel && this._sessionRan && !this._restarting) {
      // A new kernel process after runs in this session, with no restart seen:
      // restarted behind this connection's back (e.g. through the REST API).
      this._startSession(kernel, 'restart');
    } else if (status === 'dead') {
      this._endSession();
    }
  }

  /**
   * Close the current kernel session: runs still pending were cancelled
   * (JupyterLab reports nothing for them), so record them now. The kernel
   * runs this client's requests in order, so the pending cells pair up in
   * order with the executions the kernel started and nobody claimed.
   */
  private _endSession(): void {
    const session = this._session;
    if (session && this._pending.length) {
      const started = [...this._executions.values()].filter(e => e.fromThisClient && !e.claimed && e.code !== null);
      const now = Date.now();
      for (const [i, pending] of this._pending.entries()) {
        const execution = started[i];
        const base = {
          notebookId: this._notebookId(),
          cellId: pending.cellId,
          kernelSessionId: session.kernelProcess || session.id,
          outputs: []
        };
        if (execution) {
          const ename = execution.error?.ename;
          this._emit({
            ...base,
            id: `${execution.kernelMsgSession || session.kernelProcess || session.id}/${execution.executionCount}`,
            code: execution.code ?? pending.code,
            executionCount: execution.executionCount,
            start: new Date(execution.start).toISOString(),
            end: new Date(execution.end ?? now).toISOString(),
            // Cut short by the restart unless the kernel had finished it (the cell was then deleted).
            status: execution.end === null ? 'interrupted' : ename ? (ename === 'KeyboardInterrupt' ? 'interrupted' : 'error') : 'ok',
            ...(execution.error ? { error: execution.error } : {})
          });
        } else {
          this._emit({
            ...base,
            id: `${session.kernelProcess || session.id}/a${UUID.uuid4().slice(0, 8)}`,
            code: pending.code,
            executionCount: null,
            start: new Date(pending.at).toISOString(),
            end: new Date(now).toISOString(),
            status: 'aborted'
          });
        }
      }
    }
    this._pending = [];
    this._executions.clear();
    this._byCount.clear();
    this._session = null;
  }

  private _learnKernelProcess(process: string): void {
    this._session!.kernelProcess = process;
    this._kernelProcessKnown.emit(this._session!);
  }

  /**
   * A restart: a new kernel session, unless the current one is a restart in which nothing ran yet.
   * One restart can be reported again after a status ended `_restarting` (under load the old
   * process's shutdown_reply, or a second "restarting", came after the new kernel's first status),
   * and a session without runs holds no state to tell apart from the next one.
   */
  private _restarted(kernel: Kernel.IKernelConnection): void {
    this._restarting = true;
    if (this._session?.reason === 'restart' && !this._sessionRan && this._pending.length === 0) {
      return;
    }
    this._startSession(kernel, 'restart');
  }

  private _startSession(kernel: Kernel.IKernelConnection, reason: KernelSession['reason']): void {
    this._endSession();
    this._sessionRan = false;
    this._session = {
      id: UUID.uuid4(),
      kernelId: kernel.id,
      kernelName: kernel.name,
      reason,
      start: new Date().toISOString()
    };
    this._sessionStarted.emit(this._session);
    if (reason === 'start') {
      // The kernel may have run code before this page: ask which process it is.
      const session = this._session;
      void kernel
        .requestKernelInfo?.()
        .then(reply => {
          const process = reply?.header.session;
          if (process && this._session === session && !session.kernelProcess) {
            this._learnKernelProcess(process);
          }
        })
        .catch(() => undefined);
    }
  }

  private _disposed = false;
  private _session: KernelSession | null = null;
  private _kernelProcessKnown = new Signal<this, KernelSession>(this);
  private _restarting = false;
  /** Whether the kernel of the current session has started any execution. */
  private _sessionRan = false;
  private _pending: IPending[] = [];
  private _executions = new Map<string, IExecution>();
  private _byCount = new Map<number, IExecution>();
  private _runRecorded = new Signal<this, Run>(this);
  private _sessionStarted = new Signal<this, KernelSession>(this);
}
