/**
 * Keeps one notebook's history repository in step with its runs: each run is
 * queued durably in the browser, then committed with a snapshot of the
 * notebook; several runs that arrive while a commit is under way go into the
 * next commit together. Storage errors keep runs queued, retry with backoff and
 * are shown; they never block the notebook.
 *
 * A commit is written a little after its runs (a debounce, the queue, a read
 * of the run index), and the notebook may be edited meanwhile: the owner calls
 * `beforeEdit` before each edit, so the snapshot is the notebook as the latest
 * run left it, taken at the first edit after it (at most once per run, and
 * only when an edit comes before the commit), else when the commit is written.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { Run } from '../capture/run';
import { HistoryStore, IAttempt, IRun, IRunIndexEntry, ISnapshot, RepositoryError } from '../history';
import { IPendingQueue } from './queue';

export type SyncState =
  /** Opening the repository. */
  | 'opening'
  /** Everything recorded is in the repository. */
  | 'saved'
  /** Runs are waiting or being written. */
  | 'saving'
  /** The last write failed; runs stay queued and a retry is scheduled. */
  | 'retrying'
  /** The repository is corrupt or refused: nothing is written over it. */
  | 'broken';

export interface ISyncStatus {
  state: SyncState;
  pending: number;
  message: string;
}

export interface INotebookHistoryOptions {
  notebookId: string;
  store: HistoryStore;
  queue: IPendingQueue;
  /** The notebook's content now (nbformat JSON), taken at commit time. */
  snapshot: () => unknown;
  /** Delay before a commit, so runs in quick succession share one. */
  debounceMs?: number;
  /**
   * The notebook as it was opened, before any run changed it: committed when
   * the history opens, before any run, unless the history holds exactly it.
   */
  opened?: () => unknown;
  /** The server's repair of a damaged repository (Recover), when the store is served by one. */
  repair?: IHistoryRepair;
}

/** What the server can say and do about damaged refs (an emptied or garbage ref file after a crash). */
export interface IHistoryRepair {
  /** The damaged refs of the repository and what is wrong with each (empty when none). */
  damaged(): Promise<Record<string, string>>;
  /**
   * Set each damaged ref to the newest valid commit found (reflog, dangling
   * commits); what was there is kept aside, never written over.
   */
  recover(): Promise<IRecovery>;
}

export interface IRecovery {
  /** What changed, one line per ref. */
  changes: string[];
  /** What could not be repaired, one line per ref. */
  unrepaired: string[];
}

const MAX_BACKOFF_MS = 30_000;

/** The runs of the attempts that are not current, by run id. */
interface IOtherRuns {
  /** The attempt that recorded each. */
  attempt: ReadonlyMap<string, string>;
  /** The commit that captured each. */
  commit: ReadonlyMap<string, string>;
}

export class NotebookHistory {
  constructor(private readonly _options: INotebookHistoryOptions) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get status(): ISyncStatus {
    return this._status;
  }

  get attempts(): readonly IAttempt[] {
    return this._attempts;
  }

  /** Runs of the current attempt from the repository's run index, oldest first. */
  get runIndex(): readonly IRunIndexEntry[] {
    return this._index;
  }

  get store(): HistoryStore {
    return this._options.store;
  }

  /**
   * Between a Restore of a snapshot that is no attempt's tip and the next commit: the restored
   * commit and the runs it captured (each with the attempt that recorded it), from the run index
   * (which, with no attempt current, is the restored commit's). The next run starts a new attempt
   * from that commit. Null when the notebook is on an attempt.
   */
  get pendingRestore(): { commit: string; runs: IRunIndexEntry[] } | null {
    const commit = this.store.divergedFrom;
    return commit ? { commit, runs: this._index.filter(entry => entry.commit === commit) } : null;
  }

  /**
   * The attempt that recorded each run of the other attempts (run id to attempt id), from
   * their run indexes: the timeline holds their runs (recorded before a restore to an earlier
   * point, or brought back by the kernel's journal after a reload or in a second tab), and the
   * current attempt's index does not list them.
   * Read when first asked (only the `attempt:` filter and `commitOf` need it) and again when an
   * attempt's tip moved; `changed` emits once read, and the map is empty until then.
   */
  otherAttemptsRuns(): ReadonlyMap<string, string> {
    return this._otherAttempts().attempt;
  }

  /**
   * The other attempts' runs (the attempt and the commit that captured each), read lazily: one
   * read of their run indexes per set of tips, shared by `otherAttemptsRuns`, `commitOf` and
   * `commitBefore`.
   */
  private _otherAttempts(): IOtherRuns {
    const others = this._attempts.filter(a => !a.current && a.tip);
    const tips = others.map(a => `${a.id}@${a.tip}`).join(' ');
    if (tips !== this._otherTips) {
      this._otherTips = tips;
      if (!others.length) {
        // Nothing to read (a single attempt): no read, and no `changed` for views to re-render on.
        this._otherRuns = { attempt: new Map(), commit: new Map() };
        return this._otherRuns;
      }
      this._otherReading = Promise.all(others.map(a => this.store.runIndex(a.id, { cached: true }).catch(() => []))).then(indexes => {
        if (tips !== this._otherTips) {
          return; // the tips moved meanwhile: a newer read is under way
        }
        const attempt = new Map<string, string>();
        const commit = new Map<string, string>();
        for (const entries of indexes) {
          for (const entry of entries) {
            if (entry.runId && !attempt.has(entry.runId)) {
              attempt.set(entry.runId, entry.attempt);
              commit.set(entry.runId, entry.commit);
            }
          }
        }
        this._otherRuns = { attempt, commit };
        this._changed.emit();
      });
    }
    return this._otherRuns;
  }

  /**
   * The damaged refs the server reports while the history is broken (empty
   * or garbage ref files): Recover can repair them. Null when none are known.
   */
  get damage(): Readonly<Record<string, string>> | null {
    return this._damage;
  }

  /** Whether Recover is offered: the history is broken by damaged refs the server can repair. */
  get canRecover(): boolean {
    return !!this._options.repair && this._status.state === 'broken' && !!this._damage;
  }

  /**
   * Recover the damaged refs on the server, then open the history again (its
   * runs come back, and runs queued meanwhile are committed on top).
   */
  async recover(): Promise<IRecovery> {
    const repair = this._options.repair;
    if (!repair) {
      throw new Error('this history cannot be recovered from here');
    }
    const result = await repair.recover();
    this._damage = null;
    this._opening = null;
    this._ready = false;
    this._backoff = 1000;
    this._setStatus('opening', '');
    await this.open();
    return result;
  }

  /** The current attempt's runs as timeline rows (code shortened to its first line). */
  historicalRuns(): Run[] {
    return this._index.map(entry => {
      const time = new Date(entry.start ?? 0).toISOString();
      // The index keeps each run's end: an older kernel's runs keep their duration.
      const end = entry.end === null || entry.end === undefined ? time : new Date(entry.end).toISOString();
      return {
        id: entry.runId ?? `${entry.commit}/${entry.executionCount}`,
        notebookId: this._options.notebookId,
        cellId: entry.cellId || null,
        code: entry.summary,
        executionCount: entry.executionCount,
        kernelSessionId: entry.kernelSession ?? '',
        start: time,
        end,
        status: (entry.status as Run['status'] | null) ?? 'ok',
        outputs: [],
        fromHistory: true as const,
        ...(entry.codeHash !== null ? { codeHash: entry.codeHash } : {}),
        ...(entry.replay ? { replay: true as const } : {})
      };
    });
  }

  /** Whether the history already holds this run (as of the last read of its index). */
  has(runId: string): boolean {
    return this._commitOfRun.has(runId);
  }

  /**
   * The commit that captured a run, once it is written: in the current attempt, else in another
   * one (a run recorded before a restore to an earlier point, or one the kernel's journal brought
   * back after a reload: the server refused it as a duplicate, so this page never learnt where it
   * is). The other attempts' commits arrive with their run indexes, read when first needed:
   * null until then, and `changed` emits once they are read.
   * Unlike `has`, which says whether a queued run still needs writing to the current attempt.
   */
  commitOf(runId: string): string | null {
    return this._commitOfRun.get(runId) || this._otherAttempts().commit.get(runId) || null;
  }

  /**
   * The commit before the one that captured a run: its parent, the notebook right before the run
   * was committed (for the diff of what it changed). For a notebook's first run that is the
   * notebook as opened, which no run index lists; a run of another attempt is found once that
   * attempt's run index is read. Null when the run's commit is unknown or the repository's first.
   */
  async commitBefore(runId: string): Promise<string | null> {
    let commit = this.commitOf(runId);
    if (!commit) {
      this._otherAttempts();
      await this._otherReading; // the other attempts' run indexes, if still being read
      commit = this.commitOf(runId);
    }
    return commit ? this.store.parentOf(commit) : null;
  }

  /** Open (creating if missing, never over existing data) and send what was left queued. */
  open(): Promise<void> {
    this._opening ??= this._open();
    return this._opening;
  }

  private async _open(): Promise<void> {
    try {
      await this.store.init();
      this._ready = true;
      await this._refresh();
      await this._commitOpened();
      const left = await this._options.queue.list(this._options.notebookId);
      this._pending = left.length;
      this._setStatus(left.length ? 'saving' : 'saved', '');
      if (left.length) {
        this._schedule(0);
      }
    } catch (error) {
      this._fail(error);
    }
  }

  /**
   * Commit the notebook as it was opened if the history does not hold that
   * exact content (a file changed since its last snapshot, or a notebook
   * with no history yet): its outputs are otherwise lost at the first run.
   */
  private async _commitOpened(): Promise<void> {
    const notebook = this._options.opened?.();
    if (!notebook) {
      return;
    }
    const content = contentKey(notebook);
    if (this.store.divergedFrom && (await this._leftRestore(content))) {
      return;
    }
    const seen = openedSeen(this._options.notebookId);
    if (seen.has(content)) {
      return; // this browser committed exactly this content as opened already (another tab, a reload)
    }
    await exclusively(`retrace-commit:${this._options.notebookId}`, async () => {
      if (await this._holds(content)) {
        return;
      }
      if (openedSeen(this._options.notebookId).has(content)) {
        return;
      }
      await this.store.commitSnapshot(notebook, [], 'notebook as opened');
      rememberOpened(this._options.notebookId, content);
      await this._refresh();
    });
  }

  /**
   * The page opens while a Restore is pending (HEAD detached at the restored commit) but the
   * notebook holds other content: the restore was left unsaved, and the page opened the file as
   * it was before. When an attempt's tip holds exactly that content (the attempt the restore left:
   * its state is recorded before a restore), the notebook is back on it: make it current again,
   * so the next run continues it instead of starting an attempt "restored from" a snapshot the
   * notebook does not show. Bounded like `_holds`: the newest attempts only.
   */
  private async _leftRestore(content: string): Promise<boolean> {
    const restored = this.store.divergedFrom!;
    if (contentKey((await this.store.readSnapshot(restored)).notebook) === content) {
      return false; // the restore was saved: it stays pending
    }
    const attempts = this._attempts
      .filter(a => a.tip)
      .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))
      .slice(0, OPENED_LOOKBACK);
    for (const attempt of attempts) {
      if (contentKey((await this.store.readSnapshot(attempt.tip!)).notebook) === content) {
        await this.store.restore(attempt.tip!); // a tip: its attempt becomes current again
        await this._refresh();
        return true;
      }
    }
    return false;
  }

  /**
   * Whether one of the latest snapshots of the current attempt holds exactly
   * this content. Not only the head: a notebook saved after one run and
   * reloaded after more runs opens as an earlier snapshot, which the history
   * has. Bounded, as each look reads a snapshot; older content is rare here.
   */
  private async _holds(content: string): Promise<boolean> {
    const commits = [this.store.head, ...this._index.map(entry => entry.commit).reverse()].filter(
      (commit, i, all): commit is string => !!commit && all.indexOf(commit) === i
    );
    for (const commit of commits.slice(0, OPENED_LOOKBACK)) {
      const snapshot = await this.store.readSnapshot(commit);
      if (contentKey(snapshot.notebook) === content) {
        return true;
      }
    }
    return false;
  }

  /**
   * A Replay in order starts: the runs recorded until `endReplay` are its runs,
   * and so are those of its kernel session that arrive later with a count it
   * ran (a run is recorded when the kernel's reply arrives, which may be after
   * the replay itself has returned).
   */
  beginReplay(): void {
    this._replay = { active: true, session: null, executions: 0 };
  }

  /** The replay ended after running `executions` codes (its kernel counted them from 1). */
  endReplay(executions: number): void {
    if (this._replay) {
      this._replay = { ...this._replay, active: false, executions };
    }
  }

  /** Queue a run (durably) and commit it soon. */
  record(run: Run): void {
    // The notebook now is what this run left: the snapshot to commit, unless an edit comes first.
    this._lastRecorded = run.id;
    this._afterRun = null;
    this._afterRunDue = true;
    const replay = this._replay;
    if (replay?.active) {
      replay.session ??= run.kernelSessionId;
      run = { ...run, replay: true };
    } else if (replay && run.kernelSessionId === replay.session && run.executionCount !== null && run.executionCount <= replay.executions) {
      run = { ...run, replay: true };
    }
    this._pending++;
    this._setStatus(this._status.state === 'broken' ? 'broken' : this._status.state === 'retrying' ? 'retrying' : 'saving', this._status.message);
    void this._options.queue.add(this._options.notebookId, run).then(() => this._schedule());
  }

  /**
   * The notebook is about to be edited (its source, cells or metadata; not what the kernel
   * writes): if the latest run is not committed yet, keep the notebook as that run left it for
   * its commit. An edit made after a run is never part of the snapshot "after" that run.
   */
  beforeEdit(): void {
    if (this._afterRunDue) {
      this._afterRunDue = false;
      this._afterRun = this._options.snapshot();
    }
  }

  /** Commit everything queued now; resolves when it is written (or failed). */
  async flush(message?: string): Promise<void> {
    window.clearTimeout(this._timer);
    this._timer = 0;
    if (this._inFlight) {
      await this._inFlight;
    }
    this._inFlight = this._commit(message);
    try {
      await this._inFlight;
    } finally {
      this._inFlight = null;
    }
  }

  /**
   * Make sure the notebook as it is now is in the history (before a restore):
   * commit it if it changed since the last commit or restore. Returns the
   * commit that holds it.
   */
  async saveState(message: string): Promise<string | null> {
    await this.flush();
    if (this._status.state === 'broken' || this._status.state === 'retrying') {
      throw new Error(this._status.message);
    }
    const notebook = this._options.snapshot();
    const text = JSON.stringify(notebook);
    const at = this.store.divergedFrom ?? this.store.head;
    if (text === this._savedText && at) {
      return at;
    }
    const commit = await this.store.commitSnapshot(notebook, [], message);
    this._savedText = text;
    await this._refresh();
    return commit;
  }

  /** The notebook now matches what the history holds (after a commit or a restore). */
  markSaved(): void {
    this._savedText = JSON.stringify(this._options.snapshot());
  }

  async newAttempt(title: string, comment: string): Promise<IAttempt> {
    await this.flush();
    const attempt = await this.store.newAttempt(title, comment);
    await this._refresh();
    return attempt;
  }

  async editAttempt(id: string, changes: { title?: string; comment?: string }): Promise<void> {
    await this.store.editAttempt(id, changes);
    await this._refresh();
  }

  /** The snapshot to bring back; the next commit then starts a new attempt unless it is a tip. */
  async restore(commit: string): Promise<ISnapshot> {
    const snapshot = await this.store.restore(commit);
    await this._refresh();
    return snapshot;
  }

  readSnapshot(commit: string): Promise<ISnapshot> {
    return this.store.readSnapshot(commit);
  }

  dispose(): void {
    window.clearTimeout(this._timer);
    Signal.clearData(this);
  }

  private _schedule(delay = this._options.debounceMs ?? 300): void {
    if (this._status.state === 'broken' || this._timer) {
      return;
    }
    this._timer = window.setTimeout(() => {
      this._timer = 0;
      void this.flush();
    }, delay);
  }

  private async _commit(message?: string): Promise<void> {
    await this.open();
    if (!this._ready && this._status.state !== 'broken') {
      // Opening failed (server unreachable, say): try again now.
      this._opening = null;
      await this.open();
    }
    if (!this._ready || this._status.state === 'broken') {
      return;
    }
    try {
      // One commit at a time per notebook across this browser's tabs, each
      // against the run index as it is now: a run another tab (or an earlier
      // page) committed is never committed again.
      await exclusively(`retrace-commit:${this._options.notebookId}`, () => this._commitFresh(message));
    } catch (error) {
      this._fail(error);
    }
  }

  private async _commitFresh(message?: string): Promise<void> {
    const queue = this._options.queue;
    const queued = await queue.list(this._options.notebookId);
    if (queued.length) {
      await this._readIndex(); // reads the attempt's ref, not our memory of it
    }
    const known = queued.filter(run => this._commitOfRun.has(run.id));
    if (known.length) {
      await queue.remove(this._options.notebookId, known.map(run => run.id));
    }
    const seen = new Set<string>();
    const runs = queued.filter(run => !this._commitOfRun.has(run.id) && !seen.has(run.id) && !!seen.add(run.id));
    this._pending = runs.length;
    if (runs.length === 0) {
      if (known.length) {
        this._changed.emit();
      }
      this._setStatus('saved', '');
      return;
    }
    {
      // Every queued run was recorded before the notebook kept at the first edit after the latest one.
      const latest = this._lastRecorded;
      const notebook = this._afterRun ?? this._options.snapshot();
      let commit: string;
      try {
        commit = await this.store.commitSnapshot(notebook, runs.map(toStoreRun), message);
      } catch (error) {
        const duplicates = duplicatesRefused(error);
        if (!duplicates) {
          throw error;
        }
        // The server holds these runs already (another browser, another
        // attempt): drop them, and commit the rest on the next pass.
        for (const id of duplicates) {
          this._commitOfRun.set(id, this._commitOfRun.get(id) ?? '');
        }
        await queue.remove(this._options.notebookId, duplicates);
        this._schedule(0);
        return;
      }
      this._savedText = JSON.stringify(notebook);
      if (latest === this._lastRecorded && runs.some(run => run.id === latest)) {
        // The latest run recorded is in this commit and none came meanwhile: nothing waits for a
        // snapshot. (A run recorded but not yet in the queue when it was read keeps its snapshot.)
        this._afterRun = null;
        this._afterRunDue = false;
      }
      for (const run of runs) {
        this._commitOfRun.set(run.id, commit);
      }
      await queue.remove(
        this._options.notebookId,
        runs.map(r => r.id)
      );
      this._backoff = 1000;
      const left = await queue.list(this._options.notebookId);
      this._pending = left.length;
      await this._refresh();
      this._setStatus(left.length ? 'saving' : 'saved', '');
      if (left.length) {
        this._schedule();
      }
    }
  }

  private _fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof RepositoryError && (error.kind === 'corrupt' || error.kind === 'refused')) {
      this._setStatus('broken', message);
      if (error.kind === 'corrupt') {
        void this._readDamage();
      }
      return;
    }
    this._setStatus('retrying', message);
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(() => {
      this._timer = 0;
      void this.flush();
    }, this._backoff);
    this._backoff = Math.min(this._backoff * 2, MAX_BACKOFF_MS);
  }

  /** Ask the server which refs are damaged (a corrupt repository may have none: Recover is not offered). */
  private async _readDamage(): Promise<void> {
    const damaged = await this._options.repair?.damaged().catch(() => null);
    if (this._status.state === 'broken' && damaged && Object.keys(damaged).length) {
      this._damage = damaged;
      this._changed.emit();
    }
  }

  private async _refresh(): Promise<void> {
    // Always after this store's own read or write, whose answer carried every ref: no request.
    this._attempts = await this.store.listAttempts({ cached: true });
    await this._readIndex(true);
    this._changed.emit();
  }

  private async _readIndex(cached = false): Promise<void> {
    this._index = await this.store.runIndex(undefined, { cached });
    for (const entry of this._index) {
      if (entry.runId) {
        this._commitOfRun.set(entry.runId, entry.commit);
      }
    }
  }

  private _setStatus(state: SyncState, message: string): void {
    this._status = { state, pending: this._pending, message };
    this._changed.emit();
  }

  /** The last Replay in order: whether it still runs, its kernel session, how many codes it ran. */
  private _replay: { active: boolean; session: string | null; executions: number } | null = null;
  private _damage: Record<string, string> | null = null;
  private _opening: Promise<void> | null = null;
  /** The notebook JSON last committed or restored, to skip committing an unchanged state. */
  private _savedText: string | null = null;
  private _ready = false;
  /** The latest run `record` was given: whether it is in a commit, or came while the commit was written. */
  private _lastRecorded: string | null = null;
  /** The notebook as the latest recorded run left it, kept at the first edit after that run (see `beforeEdit`). */
  private _afterRun: unknown = null;
  /** Whether a recorded run is uncommitted and the notebook not edited since: `beforeEdit` keeps it then. */
  private _afterRunDue = false;
  private _status: ISyncStatus = { state: 'opening', pending: 0, message: '' };
  private _pending = 0;
  private _attempts: IAttempt[] = [];
  private _index: IRunIndexEntry[] = [];
  /** Tips of the other attempts whose run indexes `_otherRuns` was (or is being) read from. */
  private _otherTips: string | null = null;
  /** The latest read of the other attempts' run indexes. */
  private _otherReading: Promise<void> = Promise.resolve();
  private _otherRuns: IOtherRuns = { attempt: new Map(), commit: new Map() };
  private _commitOfRun = new Map<string, string>();
  private _timer = 0;
  private _backoff = 1000;
  private _inFlight: Promise<void> | null = null;
  private _changed = new Signal<this, void>(this);
}

/**
 * A key for a notebook's content, ignoring key order (the server sorts keys
 * when it saves), Retrace's own metadata (the id is written at the first
 * run) and what a load sets anew (cell trust, the ids of a notebook without
 * ids): a hash of its canonical JSON.
 */
export function contentKey(nb: any): string {
  const metadata = { ...(nb?.metadata ?? {}) };
  delete metadata.retrace;
  let cells = nb?.cells;
  if (Array.isArray(cells)) {
    const withoutIds = nb.nbformat === 4 && nb.nbformat_minor < 5;
    cells = cells.map((cell: any) => {
      const rest = { ...(cell ?? {}) };
      if (withoutIds) {
        // A notebook without ids in its file gets new random ones at each load
        // (snapshots keep them, see notebookjson.ts): they are not its content.
        delete rest.id;
      }
      if (rest.metadata && typeof rest.metadata === 'object' && 'trusted' in rest.metadata) {
        // Transient: a save strips it (nbformat), a load sets it from the notebook's signature.
        rest.metadata = { ...rest.metadata };
        delete rest.metadata.trusted;
      }
      return rest;
    });
  }
  const text = canonical({ ...nb, metadata, ...(cells !== undefined ? { cells } : {}) });
  // cyrb53-style 53-bit hash, plus the length: enough to tell contents apart here.
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `${text.length}:${(4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)}`;
}

const OPENED_KEY = 'retrace-opened:';
/** How many of the latest snapshots are compared with the notebook as opened. */
const OPENED_LOOKBACK = 10;
const OPENED_KEEP = 20;

/** Contents this browser committed as "notebook as opened" for a notebook (tabs share it). */
function openedSeen(notebookId: string): Set<string> {
  try {
    const raw = globalThis.localStorage?.getItem(OPENED_KEY + notebookId);
    return new Set(raw ? (JSON.parse(raw) as string[]) : []);
  } catch {
    return new Set();
  }
}

function rememberOpened(notebookId: string, content: string): void {
  try {
    const list = [...openedSeen(notebookId), content].slice(-OPENED_KEEP);
    globalThis.localStorage?.setItem(OPENED_KEY + notebookId, JSON.stringify(list));
  } catch {
    // No storage: the comparison with the history's head still applies.
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonical).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .filter(k => (value as any)[k] !== undefined)
      .sort()
      .map(k => `${JSON.stringify(k)}:${canonical((value as any)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The server's answer when a commit records runs it already stores: their ids. */
const DUPLICATES_MESSAGE = 'runs already in the history: ';

function duplicatesRefused(error: unknown): string[] | null {
  if (error instanceof RepositoryError && error.status === 409 && error.message.startsWith(DUPLICATES_MESSAGE)) {
    return error.message.slice(DUPLICATES_MESSAGE.length).split(' ').filter(Boolean);
  }
  return null;
}

/**
 * Run `task` holding a lock shared by every tab of this browser (Web Locks),
 * or directly where the browser has none (the run index check still applies).
 */
function exclusively<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  return locks ? (locks.request(name, task) as Promise<T>) : task();
}

/** A Run as the history store records it. */
function toStoreRun(run: Run): IRun {
  return {
    id: run.id,
    cellId: run.cellId ?? '',
    code: run.code,
    executionCount: run.executionCount,
    kernelSession: run.kernelSessionId,
    start: run.start,
    end: run.end,
    status: run.status,
    ...(run.error ? { ename: run.error.ename, evalue: run.error.evalue } : {}),
    ...(run.replay ? { replay: true } : {}),
    // A cell's outputs are in the snapshot; a console run's are nowhere else.
    ...(run.cellId === null ? { console: true, outputs: run.outputs } : {})
  };
}
