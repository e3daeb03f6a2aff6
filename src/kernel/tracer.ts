/**
 * The frontend half of the kernel tracer.
 *
 * `KernelTracer` installs `tracer.py` silently into an IPython kernel (never in
 * the user's history or namespace), opens a comm to it, and turns its reports
 * into `TracedEffects` keyed by execution count. It reinstalls after a kernel
 * restart. For kernels that are not IPython, or when the install fails, its
 * status says so, and the analysis falls back to static analysis alone.
 *
 * The tracer is also the kernel's journal of executions: every stored run
 * (whoever sent it) is reported live as a `JournalEntry`, and `catchUp` asks
 * for the entries after an execution count, so a page that loads late or
 * reloads learns what the kernel ran without it.
 *
 * Following a session's kernel changes (`SessionContext.kernelChanged`) is the
 * caller's job: call `attach(newKernel)`.
 */
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { PromiseDelegate } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';
import { type ISignal, Signal } from '@lumino/signaling';

import type { TracedEffects } from '../analysis/types';
import { INSTALL_PREFIX, INSTALL_SUFFIX, TRACER_TARGET } from './protocol';
import tracerSource from './tracer.py';

export { TRACER_MODULE, TRACER_PROTOCOL, TRACER_TARGET } from './protocol';

/**
 * The code sent (silently, without history) to install the tracer.
 *
 * It execs the source inside `sys.modules['_retrace_tracer']`; evaluated in the
 * user namespace it binds nothing. A JSON string is a valid Python string literal.
 */
export function installCode(source: string = tracerSource): string {
  return INSTALL_PREFIX + JSON.stringify(source) + INSTALL_SUFFIX;
}

/** Where the tracer stands for the attached kernel. */
export type TracerState = 'unavailable' | 'installing' | 'active' | 'failed';

export interface ITracerStatus {
  state: TracerState;
  /** Why, in words a user can read (e.g. in the panel). */
  reason: string;
}

/** One run's report, as `reported` emits it. */
export interface ITracerReport {
  executionCount: number;
  effects: TracedEffects;
  /** What the tracer cost the kernel for this run, in milliseconds. */
  costMs: number;
  /** The `msg_id` of the execute request the report belongs to, when the kernel set it. */
  parentMsgId: string | null;
}

/** One execution as the kernel's journal has it; with `kernel`, the count names it everywhere. */
export interface IJournalEntry {
  /** The kernel process (its message session id). */
  kernel: string;
  executionCount: number;
  /** The cell id JupyterLab sent in the execute request's metadata; null for consoles and other clients. */
  cellId: string | null;
  code: string;
  status: 'ok' | 'error';
  error?: { ename: string; evalue: string };
  /** Kernel clock, ms since the epoch. */
  start: number;
  end: number;
  /** The execute request's msg_id and the session (client id) that sent it. */
  msgId: string | null;
  client: string | null;
  /** Null when the tracer could not trace this run. */
  effects: TracedEffects | null;
}

/** What `catchUp` learned. */
export interface IJournalCatchUp {
  kernel: string;
  entries: IJournalEntry[];
  /** Counts that left the journal before they were asked for: [first, last]. */
  missed: [number, number] | null;
}

/** Messages the kernel sends on the comm. */
export namespace TracerMessage {
  export interface IHello {
    type: 'hello';
    version: string;
    protocol: number;
    python: string;
    ipython: string | null;
    pid: number;
    /** Protocol 2: the kernel process id and the last journaled count. */
    kernel: string | null;
    last: number | null;
    disabled: boolean;
  }
  export interface IJournal {
    type: 'journal';
    request: unknown;
    kernel: string;
    entries: unknown[];
    more: boolean;
    missed: [number, number] | null;
  }
  export interface IRun {
    type: 'run';
    execution_count: number;
    added: string[];
    rebound: string[];
    deleted: string[];
    mutated: string[];
    /** Absent from a tracer that does not report reads (none released so far). */
    read?: string[];
    files_read: string[];
    files_written: string[];
    ms: number;
    /** Protocol 2 (journal) fields; absent from a 1.0 tracer. */
    kernel?: string;
    cell_id?: string | null;
    code?: string | null;
    status?: 'ok' | 'error';
    ename?: string;
    evalue?: string;
    start?: number;
    end?: number;
    msg_id?: string | null;
    client?: string | null;
    traced?: boolean;
  }
  export interface IError {
    type: 'error';
    where: string;
    message: string;
    execution_count: number | null;
    disabled: boolean;
  }
  export type Any = IHello | IRun | IError | IJournal;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Validate one comm message; null for anything malformed or unknown. */
export function parseTracerMessage(data: unknown): TracerMessage.Any | null {
  if (typeof data !== 'object' || data === null) {
    return null;
  }
  const d = data as Record<string, unknown>;
  switch (d.type) {
    case 'hello':
      return {
        type: 'hello',
        version: String(d.version ?? ''),
        protocol: typeof d.protocol === 'number' ? d.protocol : 0,
        python: String(d.python ?? ''),
        ipython: typeof d.ipython === 'string' ? d.ipython : null,
        pid: typeof d.pid === 'number' ? d.pid : 0,
        kernel: typeof d.kernel === 'string' && d.kernel ? d.kernel : null,
        last: typeof d.last === 'number' ? d.last : null,
        disabled: d.disabled === true
      };
    case 'journal':
      if (typeof d.kernel !== 'string' || !Array.isArray(d.entries)) {
        return null;
      }
      return {
        type: 'journal',
        request: d.request,
        kernel: d.kernel,
        entries: d.entries,
        more: d.more === true,
        missed: Array.isArray(d.missed) && d.missed.length === 2 ? (d.missed as [number, number]) : null
      };
    case 'run': {
      const count = d.execution_count;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
        return null;
      }
      return {
        type: 'run',
        execution_count: count,
        added: strings(d.added),
        rebound: strings(d.rebound),
        deleted: strings(d.deleted),
        mutated: strings(d.mutated),
        ...(Array.isArray(d.read) ? { read: strings(d.read) } : {}),
        files_read: strings(d.files_read),
        files_written: strings(d.files_written),
        ms: typeof d.ms === 'number' ? d.ms : 0,
        ...(typeof d.kernel === 'string' ? { kernel: d.kernel } : {}),
        ...(typeof d.cell_id === 'string' ? { cell_id: d.cell_id } : {}),
        ...(typeof d.code === 'string' ? { code: d.code } : {}),
        ...(d.status === 'ok' || d.status === 'error' ? { status: d.status } : {}),
        ...(typeof d.ename === 'string' ? { ename: d.ename, evalue: String(d.evalue ?? '') } : {}),
        ...(typeof d.start === 'number' ? { start: d.start } : {}),
        ...(typeof d.end === 'number' ? { end: d.end } : {}),
        ...(typeof d.msg_id === 'string' ? { msg_id: d.msg_id } : {}),
        ...(typeof d.client === 'string' ? { client: d.client } : {}),
        ...(d.traced === false ? { traced: false } : {})
      };
    }
    case 'error':
      return {
        type: 'error',
        where: String(d.where ?? ''),
        message: String(d.message ?? ''),
        execution_count: typeof d.execution_count === 'number' ? d.execution_count : null,
        disabled: d.disabled === true
      };
    default:
      return null;
  }
}

/** A run report as the analysis vocabulary has it. */
export function toTracedEffects(run: TracerMessage.IRun): TracedEffects {
  return {
    added: run.added,
    rebound: run.rebound,
    deleted: run.deleted,
    mutated: run.mutated,
    ...(run.read ? { read: run.read } : {}),
    filesRead: run.files_read,
    filesWritten: run.files_written
  };
}

/** The journal entry a protocol-2 run report carries, or null for a 1.0 report. */
export function toJournalEntry(run: TracerMessage.IRun): IJournalEntry | null {
  if (!run.kernel || typeof run.code !== 'string' || !run.status || typeof run.start !== 'number') {
    return null;
  }
  return {
    kernel: run.kernel,
    executionCount: run.execution_count,
    cellId: run.cell_id ?? null,
    code: run.code,
    status: run.status,
    ...(run.ename !== undefined ? { error: { ename: run.ename, evalue: run.evalue ?? '' } } : {}),
    start: run.start,
    end: run.end ?? run.start,
    msgId: run.msg_id ?? null,
    client: run.client ?? null,
    effects: run.traced === false ? null : toTracedEffects(run)
  };
}

/** Is this kernel one the tracer can run in? Null if so, else the reason. */
export function unsupportedReason(info: KernelMessage.IInfoReply): string | null {
  const language = info.language_info?.name ?? 'unknown';
  const implementation = info.implementation ?? 'unknown';
  if (language.toLowerCase() === 'python' && implementation.toLowerCase() === 'ipython') {
    return null;
  }
  return `The kernel (${implementation}, ${language}) is not IPython: falling back to static analysis.`;
}

export class KernelTracer implements IDisposable {
  constructor(options: KernelTracer.IOptions = {}) {
    this._helloTimeout = options.helloTimeout ?? 10000;
    this._maxReports = options.maxReports ?? 10000;
    this._source = options.source ?? tracerSource;
  }

  /** The attached kernel, if any. */
  get kernel(): Kernel.IKernelConnection | null {
    return this._kernel;
  }

  get status(): ITracerStatus {
    return this._status;
  }

  get statusChanged(): ISignal<this, ITracerStatus> {
    return this._statusChanged;
  }

  /** One signal per traced run of the attached kernel. */
  get reported(): ISignal<this, ITracerReport> {
    return this._reported;
  }

  /** Every run the kernel journals while the comm is open (whoever sent it). */
  get journaled(): ISignal<this, IJournalEntry> {
    return this._journaled;
  }

  /** The kernel process the tracer names runs by, once active with a journal. */
  get kernelProcess(): string | null {
    return this._status.state === 'active' ? (this._hello?.kernel ?? null) : null;
  }

  /**
   * The journal entries after an execution count (all it keeps, paged), or
   * null when there is no journal to ask (no active protocol-2 tracer).
   */
  async catchUp(after: number): Promise<IJournalCatchUp | null> {
    const kernel = this.kernelProcess;
    const entries: IJournalEntry[] = [];
    let missed: [number, number] | null = null;
    let from = after;
    while (kernel && this._comm) {
      const request = ++this._requestSeq;
      const answer = new PromiseDelegate<TracerMessage.IJournal | null>();
      this._answers.set(request, answer);
      const timer = setTimeout(() => answer.resolve(null), this._helloTimeout);
      try {
        this._comm.send({ type: 'journal', after: from, request });
      } catch {
        answer.resolve(null);
      }
      const page = await answer.promise;
      clearTimeout(timer);
      this._answers.delete(request);
      if (!page || page.kernel !== kernel) {
        return null;
      }
      missed ??= page.missed;
      for (const raw of page.entries) {
        const run = parseTracerMessage(raw);
        const entry = run?.type === 'run' ? toJournalEntry(run) : null;
        if (entry) {
          entries.push(entry);
          if (entry.effects) {
            this._remember(entry.executionCount, entry.effects);
          }
        }
      }
      const last = entries[entries.length - 1]?.executionCount;
      if (!page.more || last === undefined || last <= from) {
        return { kernel, entries, missed };
      }
      from = last;
    }
    return null;
  }

  /** What the kernel said in `hello`, once active. */
  get hello(): TracerMessage.IHello | null {
    return this._hello;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The effects of the run with this execution count in the current kernel session. */
  effects(executionCount: number): TracedEffects | undefined {
    return this._reports.get(executionCount);
  }

  /**
   * Follow a kernel (or none). Resolves when the tracer is active, or known to
   * be unavailable or failed; it never rejects.
   */
  attach(kernel: Kernel.IKernelConnection | null): Promise<void> {
    if (this._isDisposed) {
      return Promise.resolve();
    }
    this._detach();
    this._kernel = kernel;
    if (!kernel || kernel.isDisposed) {
      this._setStatus('unavailable', 'No kernel.');
      return Promise.resolve();
    }
    kernel.statusChanged.connect(this._onKernelStatus, this);
    kernel.disposed.connect(this._onKernelDisposed, this);
    return this._install();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._detach();
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _detach(): void {
    this._generation++;
    this._closeComm(true);
    this._reports.clear();
    this._restarting = false;
    this._hello = null;
    const kernel = this._kernel;
    if (kernel) {
      kernel.statusChanged.disconnect(this._onKernelStatus, this);
      kernel.disposed.disconnect(this._onKernelDisposed, this);
    }
    this._kernel = null;
  }

  private async _install(): Promise<void> {
    const kernel = this._kernel;
    const generation = ++this._generation;
    const stale = () => generation !== this._generation || this._isDisposed;
    if (!kernel) {
      return;
    }
    this._setStatus('installing', 'Installing the kernel tracer.');
    try {
      const info = await kernel.info;
      if (stale()) {
        return;
      }
      const unsupported = unsupportedReason(info);
      if (unsupported) {
        this._setStatus('unavailable', unsupported);
        return;
      }
      const future = kernel.requestExecute(
        {
          code: installCode(this._source),
          silent: true,
          store_history: false,
          allow_stdin: false,
          // A failed install must not abort cells the user queued behind it.
          stop_on_error: false
        },
        true
      );
      const reply = await future.done;
      if (stale()) {
        return;
      }
      const content = reply.content;
      if (content.status !== 'ok') {
        const why = content.status === 'error' ? `${content.ename}: ${content.evalue}` : content.status;
        this._setStatus('failed', `The kernel tracer could not be installed (${why}): falling back to static analysis.`);
        return;
      }
      const hello = new PromiseDelegate<TracerMessage.IHello>();
      this._helloDelegate = hello;
      const comm = kernel.createComm(TRACER_TARGET);
      this._comm = comm;
      comm.onMsg = msg => this._onCommMsg(generation, msg);
      comm.onClose = () => this._onCommClose(generation);
      comm.open({});
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<null>(resolve => {
        timer = setTimeout(() => resolve(null), this._helloTimeout);
      });
      const answer = await Promise.race([hello.promise, timeout]);
      clearTimeout(timer);
      if (stale()) {
        return;
      }
      if (!answer) {
        this._closeComm(true);
        this._setStatus('failed', 'The kernel tracer did not answer: falling back to static analysis.');
        return;
      }
      this._hello = answer;
      if (answer.disabled) {
        this._setStatus('failed', 'The kernel tracer turned itself off after errors: falling back to static analysis.');
        return;
      }
      this._setStatus('active', `Tracing runs (tracer ${answer.version}, Python ${answer.python}).`);
    } catch (error) {
      if (!stale()) {
        this._setStatus('failed', `The kernel tracer could not be installed (${String(error)}): falling back to static analysis.`);
      }
    }
  }

  private _onCommMsg(generation: number, msg: KernelMessage.ICommMsgMsg): void {
    if (generation !== this._generation) {
      return;
    }
    const message = parseTracerMessage(msg.content.data);
    if (!message) {
      return;
    }
    switch (message.type) {
      case 'hello':
        this._helloDelegate?.resolve(message);
        break;
      case 'journal': {
        const request = typeof message.request === 'number' ? message.request : -1;
        this._answers.get(request)?.resolve(message);
        break;
      }
      case 'run': {
        const journal = toJournalEntry(message);
        if (journal) {
          this._journaled.emit(journal);
        }
        if (message.traced === false) {
          break;
        }
        const effects = toTracedEffects(message);
        this._remember(message.execution_count, effects);
        const parent = (msg.parent_header ?? {}) as Partial<KernelMessage.IHeader>;
        this._reported.emit({
          executionCount: message.execution_count,
          effects,
          costMs: message.ms,
          parentMsgId: typeof parent.msg_id === 'string' ? parent.msg_id : null
        });
        break;
      }
      case 'error':
        if (message.disabled) {
          this._setStatus(
            'failed',
            `The kernel tracer turned itself off after errors (${message.message}): falling back to static analysis.`
          );
        } else {
          console.warn(`Retrace kernel tracer: ${message.where}: ${message.message}`);
        }
        break;
    }
  }

  private _remember(executionCount: number, effects: TracedEffects): void {
    this._reports.delete(executionCount);
    this._reports.set(executionCount, effects);
    if (this._reports.size > this._maxReports) {
      // Maps iterate in insertion order: drop the oldest.
      this._reports.delete(this._reports.keys().next().value as number);
    }
  }

  private _onCommClose(generation: number): void {
    if (generation !== this._generation) {
      return;
    }
    this._comm = null;
    if (this._status.state === 'active' || this._status.state === 'installing') {
      this._setStatus('failed', 'The kernel closed the tracer connection: falling back to static analysis.');
    }
  }

  private _onKernelStatus(kernel: Kernel.IKernelConnection, status: Kernel.Status): void {
    if (kernel !== this._kernel) {
      return;
    }
    if (status === 'restarting' || status === 'autorestarting') {
      // A new kernel process: a new session of execution counts, and no tracer yet.
      this._generation++;
      this._closeComm(false);
      this._reports.clear();
      this._hello = null;
      this._restarting = true;
      this._setStatus('installing', 'The kernel is restarting; the tracer will be installed again.');
    } else if (status === 'idle' && this._restarting) {
      this._restarting = false;
      void this._install();
    } else if (status === 'dead') {
      this._generation++;
      this._closeComm(false);
      this._restarting = false;
      this._setStatus('unavailable', 'The kernel is dead.');
    }
  }

  private _onKernelDisposed(): void {
    this._detach();
    this._setStatus('unavailable', 'No kernel.');
  }

  /** Forget the comm; tell the kernel only if it is the same kernel process. */
  private _closeComm(tellKernel: boolean): void {
    const comm = this._comm;
    this._comm = null;
    this._helloDelegate = null;
    for (const answer of this._answers.values()) {
      answer.resolve(null);
    }
    this._answers.clear();
    if (!comm || comm.isDisposed) {
      return;
    }
    comm.onMsg = () => undefined;
    comm.onClose = () => undefined;
    try {
      if (tellKernel && this._kernel && !this._kernel.isDisposed && this._kernel.status !== 'dead') {
        comm.close();
      }
    } catch {
      // The connection is going away anyway.
    }
    comm.dispose();
  }

  private _setStatus(state: TracerState, reason: string): void {
    if (this._status.state === state && this._status.reason === reason) {
      return;
    }
    this._status = { state, reason };
    this._statusChanged.emit(this._status);
  }

  private _kernel: Kernel.IKernelConnection | null = null;
  private _comm: Kernel.IComm | null = null;
  private _helloDelegate: PromiseDelegate<TracerMessage.IHello> | null = null;
  private _hello: TracerMessage.IHello | null = null;
  private _generation = 0;
  private _restarting = false;
  private _isDisposed = false;
  private _status: ITracerStatus = { state: 'unavailable', reason: 'No kernel.' };
  private _reports = new Map<number, TracedEffects>();
  private readonly _helloTimeout: number;
  private readonly _maxReports: number;
  private readonly _source: string;
  private _statusChanged = new Signal<this, ITracerStatus>(this);
  private _reported = new Signal<this, ITracerReport>(this);
  private _journaled = new Signal<this, IJournalEntry>(this);
  private _answers = new Map<number, PromiseDelegate<TracerMessage.IJournal | null>>();
  private _requestSeq = 0;
}

export namespace KernelTracer {
  export interface IOptions {
    /** How long to wait for the tracer's hello after opening the comm (ms). */
    helloTimeout?: number;
    /** Reports kept for `effects()` (most recent first to stay). */
    maxReports?: number;
    /** The tracer source; tests replace it. */
    source?: string;
  }
}

/**
 * Resolves once `tracer` is no longer being installed, at most `timeoutMs` later (a replay never
 * hangs on it). After a restart, code run before the tracer is installed is in no journal and
 * has no traced effects: Replay in order, Make reproducible and restore-and-replay wait here.
 */
export function tracerSettled(tracer: KernelTracer | null, timeoutMs = 15_000): Promise<void> {
  if (!tracer || tracer.status.state !== 'installing') {
    return Promise.resolve();
  }
  return new Promise(resolve => {
    const done = (): void => {
      clearTimeout(timer);
      tracer.statusChanged.disconnect(changed);
      resolve();
    };
    const changed = (_: KernelTracer, status: ITracerStatus): void => {
      if (status.state !== 'installing') {
        done();
      }
    };
    const timer = setTimeout(done, timeoutMs);
    tracer.statusChanged.connect(changed);
  });
}
