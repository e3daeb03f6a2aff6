/**
 * Turns what happens in one open notebook into Runs and Kernel sessions.
 *
 * Sources: `NotebookActions.executionScheduled/executed` say which cell ran and
 * how it ended; the kernel's IOPub stream (`execute_input`, `status`) gives the
 * code exactly as executed, its execution count and timing, and reveals code
 * sent by other clients of the same kernel (a console attached to the
 * notebook), recorded as runs without a cell. Work per run is a few map
 * operations and one `toJSON()` of the outputs, well under a millisecond.
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
  code: string | null;
  executionCount: number | null;
  start: number;
  end: number | null;
  outputs: IOutput[];
  error?: { ename: string; evalue: string };
  claimed: boolean;
}

/** Keep this many finished executions for late `executed` signals to match. */
const EXECUTION_MEMORY = 64;

export class NotebookRecorder implements IDisposable {
  constructor(
    private readonly _model: INotebookModel,
    private readonly _sessionContext: ISessionContext,
    private readonly _notebookId: () => string
  ) {
    NotebookActions.executionScheduled.connect(this._onScheduled, this);
    NotebookActions.executed.connect(this._onExecuted, this);
    _sessionContext.kernelChanged.connect(this._onKernelChanged, this);
    _sessionContext.iopubMessage.connect(this._onIOPub, this);
    _sessionContext.statusChanged.connect(this._onStatus, this);
    if (_sessionContext.session?.kernel) {
      this._startSession(_sessionContext.session.kernel, 'start');
    }
  }

  /** Emits each run once it has finished. */
  get runRecorded(): ISignal<this, Run> {
    return this._runRecorded;
  }

  /** Emits when a kernel starts, restarts or is changed. */
  get kernelSessionStarted(): ISignal<this, KernelSession> {
    return this._sessionStarted;
  }

  get kernelSession(): KernelSession | null {
    return this._session;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    Signal.clearData(this);
    NotebookActions.executionScheduled.disconnect(this._onScheduled, this);
    NotebookActions.executed.disconnect(this._onExecuted, this);
  }

  /** Any view of this notebook: two views share one model, so a run is recorded once. */
  private _isMine(notebook: Notebook): boolean {
    return notebook.model === this._model;
  }

  private _onScheduled(_: unknown, args: { notebook: Notebook; cell: Cell }): void {
    if (!this._isMine(args.notebook) || args.cell.model.type !== 'code') {
      return;
    }
    this._scheduled.set(args.cell.model.id, {
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
    const scheduled = this._scheduled.get(cellId);
    this._scheduled.delete(cellId);
    const count = cell.model.executionCount;
    const execution = count === null ? undefined : this._byCount.get(count);
    const now = Date.now();

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
      id: execution ? `${this._session.id}/${count}` : `${this._session.id}/a${++this._abortedSeq}`,
      notebookId: this._notebookId(),
      cellId,
      code: execution?.code ?? scheduled?.code ?? cell.model.sharedModel.getSource(),
      executionCount: execution ? count : null,
      kernelSessionId: this._session.id,
      start: new Date(execution?.start ?? scheduled?.at ?? now).toISOString(),
      end: new Date(execution?.end ?? now).toISOString(),
      status,
      ...(error ? { error } : {}),
      outputs: status === 'aborted' ? [] : (cell.model.outputs.toJSON() as IOutput[])
    });
  }

  private _onIOPub(_: ISessionContext, msg: KernelMessage.IMessage): void {
    const parent = msg.parent_header as Partial<KernelMessage.IHeader>;
    const msgId = parent?.msg_id;
    if (!msgId || !this._session) {
      return;
    }
    const type = msg.header.msg_type;
    if (type === 'execute_input') {
      const content = (msg as KernelMessage.IExecuteInputMsg).content;
      const execution = this._executionFor(msgId, parent);
      execution.code = content.code;
      execution.executionCount = content.execution_count;
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
    if (execution.fromThisClient || execution.claimed || execution.code === null || !this._session) {
      return;
    }
    execution.claimed = true;
    const ename = execution.error?.ename;
    this._emit({
      id: `${this._session.id}/${execution.executionCount}`,
      notebookId: this._notebookId(),
      cellId: null,
      code: execution.code,
      executionCount: execution.executionCount,
      kernelSessionId: this._session.id,
      start: new Date(execution.start).toISOString(),
      end: new Date(execution.end ?? Date.now()).toISOString(),
      status: ename ? (ename === 'KeyboardInterrupt' ? 'interrupted' : 'error') : 'ok',
      ...(execution.error ? { error: execution.error } : {}),
      outputs: execution.outputs
    });
  }

  private _emit(run: Run): void {
    this._runRecorded.emit(run);
  }

  private _onKernelChanged(_: ISessionContext, change: { oldValue: Kernel.IKernelConnection | null; newValue: Kernel.IKernelConnection | null }): void {
    if (change.newValue) {
      this._startSession(change.newValue, change.oldValue ? 'change' : 'start');
    } else {
      this._session = null;
    }
  }

  private _onStatus(_: ISessionContext, status: Kernel.Status): void {
    const kernel = this._sessionContext.session?.kernel;
    if ((status === 'restarting' || status === 'autorestarting') && kernel) {
      this._startSession(kernel, 'restart');
    } else if (status === 'dead') {
      this._session = null;
    }
  }

  private _startSession(kernel: Kernel.IKernelConnection, reason: KernelSession['reason']): void {
    this._executions.clear();
    this._byCount.clear();
    this._scheduled.clear();
    this._session = {
      id: UUID.uuid4(),
      kernelId: kernel.id,
      kernelName: kernel.name,
      reason,
      start: new Date().toISOString()
    };
    this._sessionStarted.emit(this._session);
  }

  private _disposed = false;
  private _session: KernelSession | null = null;
  private _abortedSeq = 0;
  private _scheduled = new Map<string, { code: string; at: number }>();
  private _executions = new Map<string, IExecution>();
  private _byCount = new Map<number, IExecution>();
  private _runRecorded = new Signal<this, Run>(this);
  private _sessionStarted = new Signal<this, KernelSession>(this);
}
