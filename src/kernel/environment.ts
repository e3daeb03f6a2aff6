/**
 * The environment travels with the notebook: the Python version and the
 * versions of the installed distributions each kernel session's imports came
 * from (not a whole `pip freeze`), kept in the history as `environment.json`
 * in every commit, so two attempts, two snapshots, or a snapshot and a CI run
 * (`jupyter retrace check`, `gather --requirements`) can be compared.
 *
 * The kernel half is the last section of tracer.py: it maps each imported
 * top-level module to its distribution once and sends the kernel session's
 * environment on the tracer's comm (after hello, and whenever it grows).
 * `KernelEnvironment` follows those messages for one notebook's kernel;
 * `EnvironmentRecord` keeps every kernel session's environment for one
 * history and writes `environment.json`; `compareEnvironments` says what
 * changed between two of them.
 */
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { type ISignal, Signal } from '@lumino/signaling';

import { decodeCommit, decoder } from '../history/gitobject';
import type { HistoryStore } from '../history/store';
import type { CaptureService } from '../capture/service';
import type { HistoryService } from '../sync/service';
import type { KernelTracer } from './tracer';

/** The file each commit carries. */
export const ENVIRONMENT_FILE = 'environment.json';

/** Kernel sessions kept in `environment.json` (the most recently updated). */
export const MAX_SESSIONS = 20;

export interface IDistribution {
  version: string;
  /** The top-level modules the notebook imported from it. */
  modules: string[];
}

/** The environment of one kernel session. */
export interface ISessionEnvironment {
  python: string;
  implementation: string;
  /** By distribution name, as its metadata spells it. */
  distributions: Record<string, IDistribution>;
  /** ISO time of the last change seen. */
  updated?: string;
}

/** `environment.json`: every kernel session's environment, and the one the notebook ran on at the commit. */
export interface IEnvironmentDoc {
  format: 1;
  /** The kernel process (kernel session) attached when the commit was made. */
  current: string | null;
  sessions: Record<string, ISessionEnvironment>;
}

export interface IEnvironmentChange {
  kind: 'python' | 'added' | 'removed' | 'changed';
  /** The distribution (or 'Python'). */
  name: string;
  from: string | null;
  to: string | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseDistributions(value: unknown): Record<string, IDistribution> | null {
  if (!isRecord(value)) {
    return null;
  }
  const out: Record<string, IDistribution> = {};
  for (const [name, d] of Object.entries(value)) {
    if (isRecord(d) && typeof d.version === 'string') {
      const modules = Array.isArray(d.modules) ? d.modules.filter((m): m is string => typeof m === 'string') : [];
      out[name] = { version: d.version, modules };
    }
  }
  return out;
}

function parseSession(value: unknown): ISessionEnvironment | null {
  if (!isRecord(value) || typeof value.python !== 'string') {
    return null;
  }
  const distributions = parseDistributions(value.distributions);
  if (!distributions) {
    return null;
  }
  return {
    python: value.python,
    implementation: typeof value.implementation === 'string' ? value.implementation : '',
    distributions,
    ...(typeof value.updated === 'string' ? { updated: value.updated } : {})
  };
}

/** One message of the environment comm, or null when malformed. */
export function parseEnvironmentMessage(data: unknown): { kernel: string; environment: ISessionEnvironment } | null {
  if (!isRecord(data) || data.type !== 'environment' || typeof data.kernel !== 'string' || !data.kernel) {
    return null;
  }
  const environment = parseSession(data);
  return environment ? { kernel: data.kernel, environment } : null;
}

/** `environment.json` read back, or null when it is not one. */
export function parseEnvironmentDoc(text: string): IEnvironmentDoc | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(raw) || !isRecord(raw.sessions)) {
    return null;
  }
  const sessions: Record<string, ISessionEnvironment> = {};
  for (const [kernel, value] of Object.entries(raw.sessions)) {
    const session = parseSession(value);
    if (session) {
      sessions[kernel] = session;
    }
  }
  return { format: 1, current: typeof raw.current === 'string' ? raw.current : null, sessions };
}

/** The environment the notebook ran on at a commit: its current kernel session's, else the latest one's. */
export function environmentAt(doc: IEnvironmentDoc | null): ISessionEnvironment | null {
  if (!doc) {
    return null;
  }
  if (doc.current && doc.sessions[doc.current]) {
    return doc.sessions[doc.current];
  }
  const all = Object.values(doc.sessions).sort((a, b) => (b.updated ?? '').localeCompare(a.updated ?? ''));
  return all[0] ?? null;
}

const normal = (name: string) => name.replace(/[-_.]+/g, '-').toLowerCase();

/** What changed from one environment to another: Python first, then distributions by name. */
export function compareEnvironments(before: ISessionEnvironment, after: ISessionEnvironment): IEnvironmentChange[] {
  const changes: IEnvironmentChange[] = [];
  if (before.python !== after.python || (before.implementation && after.implementation && before.implementation !== after.implementation)) {
    const label = (e: ISessionEnvironment) => (e.implementation && e.implementation !== 'CPython' ? `${e.implementation} ${e.python}` : e.python);
    changes.push({ kind: 'python', name: 'Python', from: label(before), to: label(after) });
  }
  const a = new Map(Object.entries(before.distributions).map(([name, d]) => [normal(name), { name, d }]));
  const b = new Map(Object.entries(after.distributions).map(([name, d]) => [normal(name), { name, d }]));
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const key of keys) {
    const x = a.get(key);
    const y = b.get(key);
    if (x && y) {
      if (x.d.version !== y.d.version) {
        changes.push({ kind: 'changed', name: y.name, from: x.d.version, to: y.d.version });
      }
    } else if (y) {
      changes.push({ kind: 'added', name: y.name, from: null, to: y.d.version });
    } else if (x) {
      changes.push({ kind: 'removed', name: x.name, from: x.d.version, to: null });
    }
  }
  return changes;
}

const docCache = new WeakMap<HistoryStore, Map<string, Promise<IEnvironmentDoc | null>>>();

/** `environment.json` of a commit (commits never change, so each is read once), or null without one. */
export function readEnvironment(store: HistoryStore, commit: string): Promise<IEnvironmentDoc | null> {
  let cache = docCache.get(store);
  if (!cache) {
    cache = new Map();
    docCache.set(store, cache);
  }
  let doc = cache.get(commit);
  if (!doc) {
    doc = (async () => {
      const object = await store.db.read(commit);
      if (object.type !== 'commit') {
        return null;
      }
      const root = await store.db.readTree(decodeCommit(object.content).tree);
      const entry = root.find(e => e.name === ENVIRONMENT_FILE);
      return entry ? parseEnvironmentDoc(decoder.decode((await store.db.read(entry.oid)).content)) : null;
    })();
    doc.catch(() => cache!.delete(commit));
    cache.set(commit, doc);
  }
  return doc;
}

/** Every kernel session's environment for one notebook's history; what `environment.json` holds. */
export class EnvironmentRecord {
  constructor(private readonly _now: () => Date = () => new Date()) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The kernel session the notebook runs on now. */
  get current(): string | null {
    return this._current;
  }

  set current(kernel: string | null) {
    this._current = kernel;
  }

  /** The current kernel session's environment, if known. */
  get live(): ISessionEnvironment | null {
    return this._current ? (this._sessions.get(this._current) ?? null) : null;
  }

  get isEmpty(): boolean {
    return this._sessions.size === 0;
  }

  /** A kernel session's environment as its kernel sent it; false when nothing changed. */
  update(kernel: string, environment: ISessionEnvironment): boolean {
    const old = this._sessions.get(kernel);
    const same = old && compareEnvironments(old, environment).length === 0 && sameModules(old, environment);
    if (same) {
      return false;
    }
    this._sessions.delete(kernel);
    this._sessions.set(kernel, { ...environment, updated: this._now().toISOString() });
    this._changed.emit();
    return true;
  }

  /** Sessions another page recorded (read from the history), unless known here already. */
  seed(doc: IEnvironmentDoc | null): void {
    if (!doc) {
      return;
    }
    const older = Object.entries(doc.sessions).filter(([kernel]) => !this._sessions.has(kernel));
    if (!older.length) {
      return;
    }
    const mine = [...this._sessions];
    this._sessions = new Map([...older, ...mine]);
    this._changed.emit();
  }

  toDoc(): IEnvironmentDoc {
    const entries = [...this._sessions].slice(-MAX_SESSIONS);
    return { format: 1, current: this._current, sessions: Object.fromEntries(entries) };
  }

  private _current: string | null = null;
  /** In order of last update, oldest first. */
  private _sessions = new Map<string, ISessionEnvironment>();
  private _changed = new Signal<this, void>(this);
}

function sameModules(a: ISessionEnvironment, b: ISessionEnvironment): boolean {
  const names = Object.keys(b.distributions);
  return (
    names.length === Object.keys(a.distributions).length &&
    names.every(n => a.distributions[n]?.modules.join() === b.distributions[n].modules.join())
  );
}

/**
 * Follows the environment of one notebook's kernel. The tracer sends it on its
 * own comm (after hello, then whenever it grows); this reads those messages
 * from the kernel's IOPub, so it adds no request of its own to the kernel.
 * Create it before the tracer attaches to a kernel, or it misses the first one.
 */
export class KernelEnvironment implements IDisposable {
  constructor(private readonly _tracer: Pick<KernelTracer, 'kernel' | 'statusChanged'>) {
    _tracer.statusChanged.connect(this._follow, this);
    this._follow();
  }

  /** Every environment the kernel sends (on a tracer comm opening, then after each change). */
  get received(): ISignal<this, { kernel: string; environment: ISessionEnvironment }> {
    return this._received;
  }

  /** The last environment received, if any. */
  get last(): { kernel: string; environment: ISessionEnvironment } | null {
    return this._last;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._tracer.statusChanged.disconnect(this._follow, this);
    this._kernel?.iopubMessage.disconnect(this._onIOPub, this);
    this._kernel = null;
    Signal.clearData(this);
  }

  private _follow(): void {
    const kernel = this._tracer.kernel;
    if (kernel === this._kernel) {
      return;
    }
    this._kernel?.iopubMessage.disconnect(this._onIOPub, this);
    this._kernel = kernel;
    kernel?.iopubMessage.connect(this._onIOPub, this);
  }

  private _onIOPub(_: Kernel.IKernelConnection, msg: KernelMessage.IIOPubMessage): void {
    if (msg.header.msg_type !== 'comm_msg') {
      return;
    }
    const parsed = parseEnvironmentMessage((msg as KernelMessage.ICommMsgMsg).content.data);
    if (parsed) {
      this._last = parsed;
      this._received.emit(parsed);
    }
  }

  private _kernel: Kernel.IKernelConnection | null = null;
  private _last: { kernel: string; environment: ISessionEnvironment } | null = null;
  private _isDisposed = false;
  private _received = new Signal<this, { kernel: string; environment: ISessionEnvironment }>(this);
}

const records = new WeakMap<HistoryStore, EnvironmentRecord>();

/** The record kept for a history in this page (see `recordEnvironment`), if any. */
export function environmentRecordOf(store: HistoryStore): EnvironmentRecord | null {
  return records.get(store) ?? null;
}

/**
 * Keep `record` for `store` and write it as `environment.json` with every
 * commit, beside the other attachments (composed, never replaced).
 */
export function attachEnvironment(store: HistoryStore, record: EnvironmentRecord, current: () => string | null): void {
  records.set(store, record);
  const previous = store.attachments;
  store.attachments = (): Record<string, string> => {
    const files = previous?.() ?? {};
    try {
      record.current = current() ?? record.current;
      if (!record.isEmpty) {
        return { ...files, [ENVIRONMENT_FILE]: JSON.stringify(record.toDoc()) };
      }
    } catch (error) {
      // The environment is an extra: a commit never fails for it.
      console.warn('Retrace: environment not stored with the commit', error);
    }
    return files;
  };
}

/**
 * Wiring: follow the environment of every open notebook's kernel from the
 * start (the tracer sends it once, after hello), and store it with each
 * commit of its history. Call after the other attachment writers
 * (OrderService.recordWith), since it composes with what they set.
 */
export function recordEnvironment(
  histories: Pick<HistoryService, 'historyOpened' | 'peek' | 'historyFor'>,
  tracker: INotebookTracker,
  capture: Pick<CaptureService, 'tracerFor'>
): void {
  type Context = NotebookPanel['context'];
  const followed = new Map<Context, { record: EnvironmentRecord; tracer: KernelTracer }>();
  const follow = (panel: NotebookPanel) => {
    const context = panel.context;
    if (followed.has(context)) {
      return;
    }
    const tracer = capture.tracerFor(panel);
    const record = new EnvironmentRecord();
    const follower = new KernelEnvironment(tracer);
    follower.received.connect((_, { kernel, environment }) => {
      record.current = tracer.kernelProcess ?? kernel;
      record.update(kernel, environment);
    });
    followed.set(context, { record, tracer });
    context.disposed.connect(() => {
      follower.dispose();
      followed.delete(context);
    });
  };
  tracker.forEach(follow);
  tracker.widgetAdded.connect((_, panel) => follow(panel));
  histories.historyOpened.connect((_, context) => {
    const panel = tracker.find(p => p.context === context);
    const history = panel ? histories.peek(panel) : null;
    if (!panel || !history) {
      return;
    }
    follow(panel);
    const { record, tracer } = followed.get(context)!;
    attachEnvironment(history.store, record, () => tracer.kernelProcess);
    // What earlier pages recorded, from the latest commit, once the history is open.
    void histories.historyFor(context).then(async opened => {
      const head = opened?.store.head;
      if (head) {
        record.seed(await readEnvironment(opened.store, head).catch(() => null));
      }
    });
  });
}
