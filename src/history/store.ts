/**
 * HistoryStore: a notebook's history as a git repository. Each commit is a
 * Snapshot plus the Runs it captures; Attempts are branches (HEAD is the
 * current one); titles and comments live on a metadata branch so they can be
 * edited without rewriting history and travel with a plain `git clone`.
 *
 * Repository layout (one bare repository per notebook):
 *   refs/heads/<attempt>        an Attempt; never moved backwards or deleted here
 *   refs/heads/retrace-attempts titles/comments: commits of `attempts.json`
 *   HEAD                        the current Attempt
 * Commit tree = the snapshot (see snapshot.ts) plus
 *   runs.json                   the Runs this commit captures (full records)
 *   index/<dir>/<chunk>.jsonl   a compact line per Run of every earlier commit on the
 *                               first-parent chain, so a timeline opens from one tree
 *
 * Every write is one batch (objects + compare-and-swap ref updates). When a ref
 * moved under us (another tab), the commit is re-parented on top of the other
 * writer's commit and retried: neither side is lost.
 */
import { IHistoryBackend, IRefUpdate, lookupPackedRef, RefConflictError, RepositoryError } from './backend';
import {
  decodeCommit,
  decodeTree,
  defaultCodec,
  encodeCommit,
  IObjectCodec,
  IPerson,
  ITreeEntry,
  MODE_FILE,
  MODE_TREE,
  OID_RE
} from './gitobject';
import { ObjectDatabase } from './objectdb';
import { ISnapshot, SnapshotCodec } from './snapshot';

/** One execution of one code cell, as captured. Extra fields are kept as given. */
export interface IRun {
  cellId: string;
  /** Code as executed. */
  code?: string;
  executionCount?: number | null;
  kernelSession?: string | null;
  /** ISO time or epoch ms, as the recorder gives it. */
  start?: string | number | null;
  end?: string | number | null;
  status?: 'ok' | 'error' | 'interrupted' | 'aborted' | string;
  ename?: string;
  evalue?: string;
  id?: string;
  /** 0-based position of the cell; looked up in the snapshot when missing. */
  cellIndex?: number;
  [extra: string]: unknown;
}

export interface IAttempt {
  /** Branch name under refs/heads/. */
  id: string;
  title: string;
  comment: string;
  /** Commit at the tip, null before the first commit. */
  tip: string | null;
  current: boolean;
  /** Commit it branched from (null for the first attempt). */
  base: string | null;
  fromAttempt: string | null;
  createdAt: number | null;
  /** Started automatically because history diverged after a Restore. */
  auto: boolean;
}

/** One line of the run index: enough for a timeline row. */
export interface IRunIndexEntry {
  commit: string;
  attempt: string;
  cellId: string;
  cellIndex: number | null;
  executionCount: number | null;
  status: string | null;
  start: string | number | null;
  kernelSession: string | null;
  runId: string | null;
  /** First line of the code, shortened. */
  summary: string;
}

export interface IHistoryStoreOptions {
  backend: IHistoryBackend;
  codec?: IObjectCodec;
  /** Largest output kept, in bytes of its JSON (default 4 MiB); larger ones become placeholders. */
  maxOutputBytes?: number;
  author?: { name: string; email: string };
  /** Clock in ms (tests make it deterministic). */
  now?: () => number;
  defaultBranch?: string;
}

interface IAttemptMeta {
  title: string;
  comment: string;
  createdAt: number | null;
  base: string | null;
  fromAttempt: string | null;
  auto: boolean;
}

interface IMetaDoc {
  version: 1;
  attempts: Record<string, IAttemptMeta>;
}

export const META_BRANCH = 'retrace-attempts';
const META_REF = `refs/heads/${META_BRANCH}`;
/** Index lines per chunk blob, and chunks per folder: small blobs and small trees per commit. */
export const INDEX_CHUNK = 32;
export const INDEX_FANOUT = 32;

interface IIndexState {
  count: number;
  tail: string[];
  /** Finished folders: number → tree oid. */
  dirs: Map<number, string>;
  cur: { dir: number; chunks: Map<number, string> };
}

/** Index state for a child of some commit: the parent's index plus the parent's own runs. */
interface IChildIndex {
  base: IIndexState;
  extra: string[];
}

const dec = new TextDecoder();

function emptyIndex(): IIndexState {
  return { count: 0, tail: [], dirs: new Map(), cur: { dir: 0, chunks: new Map() } };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function firstLine(code: string | undefined, max: number): string {
  const line = (code ?? '').split('\n').find(l => l.trim().length > 0) ?? '';
  const t = line.trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

function runLabel(run: IRun, cellIndex: number | null): string {
  const count = run.executionCount ?? ' ';
  const where = cellIndex === null ? `cell ${run.cellId}` : `cell ${cellIndex + 1}`;
  return `[${count}] ${where}`;
}

function statusNote(run: IRun): string {
  if (!run.status || run.status === 'ok') {
    return '';
  }
  return run.status === 'error' && run.ename ? ` (error: ${run.ename})` : ` (${run.status})`;
}

export class HistoryStore {
  /**
   * Extra top-level files for each commit, taken at commit time (e.g.
   * `canonical-order.json`, so a Python-only check can read the order).
   */
  attachments: (() => Record<string, string>) | null = null;

  constructor(options: IHistoryStoreOptions) {
    this.backend = options.backend;
    this.codec = options.codec ?? defaultCodec;
    this.db = new ObjectDatabase(this.backend, this.codec);
    this.maxOutputBytes = options.maxOutputBytes ?? 4 * 1024 * 1024;
    this.snapshots = new SnapshotCodec(this.codec, this.maxOutputBytes);
    this.author = options.author ?? { name: 'Retrace', email: 'retrace@localhost' };
    this.now = options.now ?? (() => Date.now());
    this.defaultBranch = options.defaultBranch ?? 'main';
  }

  readonly backend: IHistoryBackend;
  readonly db: ObjectDatabase;
  readonly maxOutputBytes: number;

  /** Current attempt (HEAD's branch), null when HEAD is detached. */
  get currentAttempt(): string | null {
    return this.branch;
  }

  /** Tip of the current attempt as this store last saw it. */
  get head(): string | null {
    return this.tip;
  }

  /** Set after restoring a snapshot that is no branch's tip: the next commit starts a new attempt. */
  get divergedFrom(): string | null {
    return this.fork;
  }

  /** Create the repository if missing (never over existing data) and load HEAD. */
  async init(): Promise<{ created: boolean }> {
    const result = await this.backend.init(this.defaultBranch);
    await this.reload();
    return result;
  }

  /** Re-read HEAD and the current attempt's tip (after another tab wrote, say). */
  async reload(): Promise<void> {
    const [head] = await this.backend.readFiles(['HEAD']);
    if (!head) {
      throw new RepositoryError('corrupt', 'history repository has no HEAD');
    }
    this.headValue = dec.decode(head).trim();
    if (this.headValue.startsWith('ref: refs/heads/')) {
      this.branch = this.headValue.slice('ref: refs/heads/'.length);
      this.tip = (await this.readRefs([`refs/heads/${this.branch}`]))[0];
      this.fork = null;
    } else if (OID_RE.test(this.headValue)) {
      // Detached (a git CLI user checked out a commit): continue from it on a new attempt.
      this.branch = null;
      this.tip = this.headValue;
      this.fork = this.headValue;
    } else {
      throw new RepositoryError('corrupt', `HEAD holds '${this.headValue}'`);
    }
  }

  /**
   * Record a snapshot of the notebook and the runs it captures; returns the commit id.
   * After a restore of an older snapshot this starts a new, automatically named attempt.
   */
  commitSnapshot(notebook: any, runs: IRun[] = [], message?: string): Promise<string> {
    return this.serial(() => this.doCommit(notebook, runs, message));
  }

  /** Start a new attempt at the current point (the restored snapshot, if any) and make it current. */
  newAttempt(title: string, comment = ''): Promise<IAttempt> {
    return this.serial(async () => {
      const base = this.fork ?? this.tip;
      const fromAttempt = this.branch;
      const id = await this.createAttempt(base, { title, comment, auto: false, fromAttempt });
      return {
        id,
        title,
        comment,
        tip: base,
        current: true,
        base,
        fromAttempt,
        createdAt: this.now(),
        auto: false
      };
    });
  }

  /** Change an attempt's title and/or comment (a new commit on the metadata branch). */
  editAttempt(id: string, changes: { title?: string; comment?: string }): Promise<void> {
    return this.serial(async () => {
      for (let tries = 0; ; tries++) {
        const meta = await this.readMeta();
        const doc: IMetaDoc = JSON.parse(JSON.stringify(meta.doc));
        const prev = doc.attempts[id] ?? {
          title: id,
          comment: '',
          createdAt: null,
          base: null,
          fromAttempt: null,
          auto: false
        };
        doc.attempts[id] = { ...prev, ...changes };
        const update = this.metaCommit(meta.tip, doc, `edit attempt ${id}`);
        try {
          await this.writeBatch([update]);
          this.metaCache = { tip: update.new, doc };
          return;
        } catch (e) {
          if (!(e instanceof RefConflictError) || tries > 8) {
            throw e;
          }
          this.metaCache = null;
        }
      }
    });
  }

  /**
   * Load a snapshot for bringing it back into the notebook. Restoring the tip of an
   * attempt continues that attempt; restoring anything else makes the next commit
   * start a new attempt (history diverged), so no branch ever moves backwards.
   */
  restore(commit: string): Promise<ISnapshot> {
    return this.serial(async () => {
      const snapshot = await this.readSnapshotOf(commit, true);
      if (commit === this.tip && this.branch !== null) {
        this.fork = null;
        return snapshot;
      }
      const tips = await this.branchTips();
      const owner = [...tips].find(([name, tip]) => tip === commit && name !== META_BRANCH)?.[0];
      if (owner) {
        const value = `ref: refs/heads/${owner}`;
        await this.writeHead(value);
        this.branch = owner;
        this.tip = commit;
        this.fork = null;
      } else {
        this.fork = commit;
      }
      return snapshot;
    });
  }

  /**
   * The snapshot of a commit, without changing what the next commit builds on.
   * Cells whose tree id is in `skipTrees` (see `cellTreeIds`) are left unread, as null.
   */
  async readSnapshot(commit: string, skipTrees?: ReadonlySet<string>): Promise<ISnapshot> {
    if (!skipTrees) {
      return this.readSnapshotOf(commit, false);
    }
    return this.snapshots.decode(this.db, await this.rootOf(commit), false, skipTrees);
  }

  /** Each cell's tree id in a commit's snapshot, in order (equal ids: equal cells); null for a whole-notebook snapshot. */
  async cellTreeIds(commit: string): Promise<{ key: string; tree: string }[] | null> {
    return this.snapshots.cellTreeIds(this.db, await this.rootOf(commit));
  }

  /** The full Run records a commit captured. */
  async readRuns(commit: string): Promise<IRun[]> {
    const root = await this.rootOf(commit);
    const entry = root.find(e => e.name === 'runs.json');
    if (!entry) {
      return [];
    }
    const doc = JSON.parse(dec.decode((await this.db.read(entry.oid)).content));
    return doc.runs ?? [];
  }

  /** All attempts: every branch, with titles and comments from the metadata branch. */
  async listAttempts(): Promise<IAttempt[]> {
    const [tips, meta] = await Promise.all([this.branchTips(), this.readMeta()]);
    const out: IAttempt[] = [];
    const names = new Set([...tips.keys(), ...Object.keys(meta.doc.attempts)]);
    if (this.branch) {
      names.add(this.branch);
    }
    names.delete(META_BRANCH);
    for (const id of names) {
      const m = meta.doc.attempts[id];
      const tip = tips.get(id) ?? null;
      if (!m && tip === null && id !== this.branch) {
        continue;
      }
      out.push({
        id,
        title: m?.title ?? id,
        comment: m?.comment ?? '',
        tip,
        current: id === this.branch,
        base: m?.base ?? null,
        fromAttempt: m?.fromAttempt ?? null,
        createdAt: m?.createdAt ?? null,
        auto: m?.auto ?? false
      });
    }
    return out.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || a.id.localeCompare(b.id));
  }

  /** Every Run on an attempt's first-parent chain, oldest first, without walking commits. */
  async runIndex(attempt?: string): Promise<IRunIndexEntry[]> {
    const id = attempt ?? this.branch;
    // Read the ref, not our memory of it: another tab may have committed since.
    const tip = id === null ? this.tip : (await this.readRefs([`refs/heads/${id}`]))[0];
    if (!tip) {
      return [];
    }
    const root = await this.rootOf(tip);
    const lines: string[] = [];
    const index = root.find(e => e.name === 'index');
    if (index) {
      const dirs = (await this.db.readTree(index.oid)).sort((a, b) => a.name.localeCompare(b.name));
      const dirObjs = await this.db.readMany(dirs.map(d => d.oid));
      const chunks: ITreeEntry[] = [];
      for (const d of dirs) {
        const entries = decodeTreeObj(dirObjs.get(d.oid)!).sort((a, b) => a.name.localeCompare(b.name));
        chunks.push(...entries);
      }
      const chunkObjs = await this.db.readMany(chunks.map(c => c.oid));
      for (const c of chunks) {
        const text = dec.decode(chunkObjs.get(c.oid)!.content);
        for (const line of text.split('\n')) {
          if (line) {
            lines.push(line);
          }
        }
      }
    }
    const runsEntry = root.find(e => e.name === 'runs.json');
    if (runsEntry) {
      const doc = JSON.parse(dec.decode((await this.db.read(runsEntry.oid)).content));
      lines.push(...this.indexLines(tip, doc.attempt ?? id ?? '', doc.runs ?? []));
    }
    return lines.map(line => {
      const r = JSON.parse(line);
      return {
        commit: r.c,
        attempt: r.a,
        cellId: r.cell,
        cellIndex: r.ci ?? null,
        executionCount: r.n ?? null,
        status: r.s ?? null,
        start: r.t ?? null,
        kernelSession: r.k ?? null,
        runId: r.i ?? null,
        summary: r.sum ?? ''
      };
    });
  }

  // ---- internals -----------------------------------------------------------

  private codec: IObjectCodec;
  private snapshots: SnapshotCodec;
  private author: { name: string; email: string };
  private now: () => number;
  private defaultBranch: string;
  private branch: string | null = null;
  private headValue: string | null = null;
  private tip: string | null = null;
  private fork: string | null = null;
  private metaCache: { tip: string | null; doc: IMetaDoc } | null = null;
  private childIndex = new Map<string, IChildIndex>();
  private queue: Promise<unknown> = Promise.resolve();
  private primedFor: string | null = null;

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private person(): IPerson {
    const ms = this.now();
    return {
      ...this.author,
      timestamp: Math.floor(ms / 1000),
      tzOffsetMinutes: -new Date(ms).getTimezoneOffset()
    };
  }

  private async readRefs(refs: string[]): Promise<(string | null)[]> {
    const files = await this.backend.readFiles([...refs, 'packed-refs']);
    const packed = files[refs.length] ? dec.decode(files[refs.length]!) : null;
    return refs.map((ref, i) => {
      const f = files[i];
      if (f) {
        const v = dec.decode(f).trim();
        return v || null;
      }
      return lookupPackedRef(packed, ref);
    });
  }

  /** name → tip of every branch (loose and packed). */
  private async branchTips(): Promise<Map<string, string>> {
    const names: string[] = [];
    const walk = async (dir: string, prefix: string) => {
      const list = await this.backend.listDir(dir);
      for (const name of list ?? []) {
        if (name.endsWith('.lock')) {
          continue;
        }
        const sub = await this.backend.listDir(`${dir}/${name}`);
        if (sub) {
          await walk(`${dir}/${name}`, `${prefix}${name}/`);
        } else {
          names.push(prefix + name);
        }
      }
    };
    await walk('refs/heads', '');
    const [packedFile] = await this.backend.readFiles(['packed-refs']);
    if (packedFile) {
      for (const line of dec.decode(packedFile).split('\n')) {
        const m = /^[0-9a-f]{40} refs\/heads\/(.+)$/.exec(line);
        if (m && !names.includes(m[1])) {
          names.push(m[1]);
        }
      }
    }
    const tips = await this.readRefs(names.map(n => `refs/heads/${n}`));
    const out = new Map<string, string>();
    names.forEach((n, i) => {
      if (tips[i]) {
        out.set(n, tips[i]!);
      }
    });
    return out;
  }

  /** Titles and comments as on disk now (the ref is re-read; the document only when it moved). */
  private async readMeta(): Promise<{ tip: string | null; doc: IMetaDoc }> {
    const [tip] = await this.readRefs([META_REF]);
    if (this.metaCache && this.metaCache.tip === tip) {
      return this.metaCache;
    }
    let doc: IMetaDoc = { version: 1, attempts: {} };
    if (tip) {
      const root = await this.rootOf(tip);
      const entry = root.find(e => e.name === 'attempts.json');
      if (entry) {
        doc = JSON.parse(dec.decode((await this.db.read(entry.oid)).content));
      }
    }
    this.metaCache = { tip, doc };
    return this.metaCache;
  }

  private metaCommit(parent: string | null, doc: IMetaDoc, message: string): IRefUpdate {
    const blob = this.db.putText(JSON.stringify(doc, null, 1) + '\n');
    const tree = this.db.putTree([{ mode: MODE_FILE, name: 'attempts.json', oid: blob }]);
    const who = this.person();
    const commit = this.db.put(
      'commit',
      encodeCommit({ tree, parents: parent ? [parent] : [], author: who, committer: who, message })
    );
    return { ref: META_REF, old: parent, new: commit };
  }

  private async rootOf(commit: string): Promise<ITreeEntry[]> {
    const obj = await this.db.read(commit);
    if (obj.type !== 'commit') {
      throw new RepositoryError('corrupt', `${commit} is a ${obj.type}, not a commit`);
    }
    return this.db.readTree(decodeCommit(obj.content).tree);
  }

  private async readSnapshotOf(commit: string, adopt: boolean): Promise<ISnapshot> {
    const root = await this.rootOf(commit);
    const snapshot = await this.snapshots.decode(this.db, root, adopt);
    if (adopt) {
      this.primedFor = commit;
    }
    return snapshot;
  }

  /**
   * Send objects and ref updates in one write; objects count as stored only on success:
   * a refused write (409 included) leaves nothing in the repository (the server
   * quarantines a write's objects until its refs pass), so they stay pending.
   */
  private async writeBatch(refs: IRefUpdate[]): Promise<void> {
    const files = this.db.pendingFiles();
    await this.backend.write({ files, refs });
    this.db.markStored(files);
  }

  private async writeHead(value: string): Promise<void> {
    for (let tries = 0; ; tries++) {
      if (this.headValue === value) {
        return;
      }
      try {
        await this.writeBatch([{ ref: 'HEAD', old: this.headValue, new: value }]);
        this.headValue = value;
        return;
      } catch (e) {
        if (!(e instanceof RefConflictError) || tries > 8) {
          throw e;
        }
        this.headValue = e.current.HEAD ?? null;
      }
    }
  }

  private async nextAttemptId(): Promise<string> {
    const tips = await this.branchTips();
    const meta = await this.readMeta();
    let max = 0;
    for (const name of [...tips.keys(), ...Object.keys(meta.doc.attempts)]) {
      const m = /^attempt-(\d+)$/.exec(name);
      if (m) {
        max = Math.max(max, Number(m[1]));
      }
    }
    return `attempt-${max + 1}`;
  }

  /** Create a branch at `base` (if any), record its metadata and make it HEAD; one batch. */
  private async createAttempt(
    base: string | null,
    info: { title: string; comment: string; auto: boolean; fromAttempt: string | null },
    commitOnTop?: (id: string) => Promise<{ commit: string; parent: string | null }>
  ): Promise<string> {
    for (let tries = 0; ; tries++) {
      const id = await this.nextAttemptId();
      const meta = await this.readMeta();
      const doc: IMetaDoc = JSON.parse(JSON.stringify(meta.doc));
      doc.attempts[id] = { ...info, createdAt: this.now(), base };
      let tip = base;
      if (commitOnTop) {
        tip = (await commitOnTop(id)).commit;
      }
      const refs: IRefUpdate[] = [];
      if (tip) {
        refs.push({ ref: `refs/heads/${id}`, old: null, new: tip });
      }
      refs.push({ ref: 'HEAD', old: this.headValue, new: `ref: refs/heads/${id}` });
      const metaUpdate = this.metaCommit(
        meta.tip,
        doc,
        `${info.auto ? 'new attempt (after restore)' : 'new attempt'} ${id}: ${info.title}`
      );
      refs.push(metaUpdate);
      try {
        await this.writeBatch(refs);
      } catch (e) {
        if (!(e instanceof RefConflictError) || tries > 8) {
          throw e;
        }
        // Another writer took the name, moved HEAD or edited metadata: reload and retry.
        if ('HEAD' in e.current) {
          this.headValue = e.current.HEAD;
        }
        this.metaCache = null;
        continue;
      }
      this.metaCache = { tip: metaUpdate.new, doc };
      this.headValue = `ref: refs/heads/${id}`;
      this.branch = id;
      this.tip = tip;
      this.fork = null;
      return id;
    }
  }

  /** Index lines for the runs of `commit`. */
  private indexLines(commit: string, attempt: string, runs: IRun[]): string[] {
    return runs.map(r =>
      JSON.stringify({
        c: commit,
        a: attempt,
        cell: r.cellId,
        ci: typeof r.cellIndex === 'number' ? r.cellIndex : null,
        n: r.executionCount ?? null,
        s: r.status ?? null,
        t: r.start ?? null,
        k: r.kernelSession ?? null,
        i: r.id ?? null,
        sum: firstLine(r.code, 80)
      })
    );
  }

  /** The index a child of `parent` carries (the parent's own index plus the parent's runs). */
  private async childIndexOf(parent: string | null): Promise<IChildIndex> {
    if (parent === null) {
      return { base: emptyIndex(), extra: [] };
    }
    const cached = this.childIndex.get(parent);
    if (cached) {
      return cached;
    }
    const root = await this.rootOf(parent);
    const base = emptyIndex();
    const index = root.find(e => e.name === 'index');
    if (index) {
      const dirs = (await this.db.readTree(index.oid)).map(d => ({ n: Number(d.name), oid: d.oid }));
      dirs.sort((a, b) => a.n - b.n);
      const last = dirs[dirs.length - 1];
      for (const d of dirs.slice(0, -1)) {
        base.dirs.set(d.n, d.oid);
      }
      const chunks = (await this.db.readTree(last.oid)).map(c => ({ n: parseInt(c.name, 10), oid: c.oid }));
      chunks.sort((a, b) => a.n - b.n);
      base.cur = { dir: last.n, chunks: new Map(chunks.map(c => [c.n, c.oid])) };
      const lastChunk = chunks[chunks.length - 1];
      const text = dec.decode((await this.db.read(lastChunk.oid)).content);
      const tail = text.split('\n').filter(l => l);
      const chunkNumber = last.n * INDEX_FANOUT + lastChunk.n;
      if (tail.length >= INDEX_CHUNK) {
        base.count = (chunkNumber + 1) * INDEX_CHUNK;
      } else {
        base.count = chunkNumber * INDEX_CHUNK + tail.length;
        base.tail = tail;
      }
    }
    const runsEntry = root.find(e => e.name === 'runs.json');
    let extra: string[] = [];
    if (runsEntry) {
      const doc = JSON.parse(dec.decode((await this.db.read(runsEntry.oid)).content));
      extra = this.indexLines(parent, doc.attempt ?? '', doc.runs ?? []);
    }
    const result = { base, extra };
    this.childIndex.set(parent, result);
    return result;
  }

  /** Append lines to an index (copy-on-write) and return its tree oid (null when empty). */
  private buildIndex(child: IChildIndex): { state: IIndexState; tree: string | null } {
    const s: IIndexState = {
      count: child.base.count,
      tail: [...child.base.tail],
      dirs: new Map(child.base.dirs),
      cur: { dir: child.base.cur.dir, chunks: new Map(child.base.cur.chunks) }
    };
    const db = this.db;
    const flushDir = () => {
      const entries: ITreeEntry[] = [...s.cur.chunks].map(([n, oid]) => ({
        mode: MODE_FILE,
        name: `${pad(n, 2)}.jsonl`,
        oid
      }));
      return db.putTree(entries);
    };
    for (const line of child.extra) {
      const chunk = Math.floor(s.count / INDEX_CHUNK);
      const dir = Math.floor(chunk / INDEX_FANOUT);
      if (dir !== s.cur.dir) {
        s.dirs.set(s.cur.dir, flushDir());
        s.cur = { dir, chunks: new Map() };
      }
      s.tail.push(line);
      s.count++;
      if (s.tail.length === INDEX_CHUNK) {
        s.cur.chunks.set(chunk % INDEX_FANOUT, db.putText(s.tail.join('\n') + '\n'));
        s.tail = [];
      }
    }
    if (s.tail.length) {
      const chunk = Math.floor((s.count - s.tail.length) / INDEX_CHUNK);
      s.cur.chunks.set(chunk % INDEX_FANOUT, db.putText(s.tail.join('\n') + '\n'));
    }
    if (s.count === 0) {
      return { state: s, tree: null };
    }
    const entries: ITreeEntry[] = [...s.dirs].map(([n, oid]) => ({ mode: MODE_TREE, name: pad(n, 4), oid }));
    if (s.cur.chunks.size) {
      entries.push({ mode: MODE_TREE, name: pad(s.cur.dir, 4), oid: flushDir() });
    }
    return { state: s, tree: db.putTree(entries) };
  }

  private summarize(runs: IRun[], message?: string): { subject: string; body: string } {
    if (runs.length === 0) {
      return { subject: message || 'snapshot', body: '' };
    }
    const labels = runs.map(r => runLabel(r, typeof r.cellIndex === 'number' ? r.cellIndex : null));
    let subject: string;
    if (runs.length === 1) {
      subject = `run ${labels[0]}: ${firstLine(runs[0].code, 60)}${statusNote(runs[0])}`;
    } else {
      subject = `${runs.length} runs: ${labels.join(', ')}`;
      if (subject.length > 72) {
        subject = subject.slice(0, 71) + '…';
      }
    }
    const body = runs
      .map((r, i) => `${labels[i]}${statusNote(r)}: ${firstLine(r.code, 100)}`)
      .concat(message ? ['', message] : [])
      .join('\n');
    return { subject, body };
  }

  /** Make the codec and the object set reflect `parent`, so unchanged content is not re-sent. */
  private async primeFrom(parent: string | null): Promise<void> {
    if (parent === null || this.primedFor !== null) {
      return;
    }
    // First commit in this session on existing history: learn what the parent already holds.
    await this.readSnapshotOf(parent, true);
  }

  private async doCommit(notebook: any, runsIn: IRun[], message?: string): Promise<string> {
    let parent = this.fork ?? this.tip;
    await this.primeFrom(parent);
    const cellIds: any[] = Array.isArray(notebook?.cells) ? notebook.cells.map((c: any) => c?.id) : [];
    const runs = runsIn.map(r =>
      typeof r.cellIndex === 'number' || cellIds.indexOf(r.cellId) < 0
        ? r
        : { ...r, cellIndex: cellIds.indexOf(r.cellId) }
    );
    const encoded = this.snapshots.encode(notebook, this.db);
    this.primedFor = this.primedFor ?? 'encoded';
    const { subject, body } = this.summarize(runs, message);

    const build = async (attempt: string, parentOid: string | null) => {
      const child = await this.childIndexOf(parentOid);
      const index = this.buildIndex(child);
      const entries = [...encoded.entries];
      if (runs.length) {
        entries.push({
          mode: MODE_FILE,
          name: 'runs.json',
          oid: this.db.putText(JSON.stringify({ attempt, runs }))
        });
      }
      if (index.tree) {
        entries.push({ mode: MODE_TREE, name: 'index', oid: index.tree });
      }
      for (const [name, text] of Object.entries(this.attachments?.() ?? {})) {
        if (/^[a-z][a-z0-9-]*\.json$/.test(name) && !entries.some(e => e.name === name)) {
          entries.push({ mode: MODE_FILE, name, oid: this.db.putText(text) });
        }
      }
      const tree = this.db.putTree(entries);
      const who = this.person();
      const text = `${subject}\n${body ? '\n' + body + '\n' : ''}\nRetrace-Attempt: ${attempt}\n`;
      const commit = this.db.put(
        'commit',
        encodeCommit({ tree, parents: parentOid ? [parentOid] : [], author: who, committer: who, message: text })
      );
      this.childIndex.set(commit, {
        base: index.state,
        extra: this.indexLines(commit, attempt, runs)
      });
      return { commit, parent: parentOid };
    };

    if (this.fork !== null || this.branch === null) {
      const from = this.fork;
      const fromAttempt = this.branch;
      const short = from ? from.slice(0, 7) : 'nothing';
      let made = '';
      await this.createAttempt(
        from,
        { title: `Restored from ${short}`, comment: '', auto: true, fromAttempt },
        async id => {
          const r = await build(id, from);
          made = r.commit;
          return r;
        }
      );
      this.pruneIndexCache();
      return made;
    }

    const branch = this.branch;
    for (let tries = 0; ; tries++) {
      const { commit } = await build(branch, parent);
      try {
        await this.writeBatch([{ ref: `refs/heads/${branch}`, old: parent, new: commit }]);
        this.tip = commit;
        this.pruneIndexCache();
        return commit;
      } catch (e) {
        if (!(e instanceof RefConflictError) || tries > 8) {
          throw e;
        }
        // Someone else committed on this attempt: put our snapshot on top of theirs.
        parent = e.current[`refs/heads/${branch}`] ?? null;
      }
    }
  }

  private pruneIndexCache(): void {
    // Keep the entry for the new tip only; others are rebuilt from the repository when needed.
    if (this.childIndex.size > 4 && this.tip) {
      const keep = this.childIndex.get(this.tip);
      this.childIndex.clear();
      if (keep) {
        this.childIndex.set(this.tip, keep);
      }
    }
  }
}

function decodeTreeObj(obj: { type: string; content: Uint8Array }): ITreeEntry[] {
  if (obj.type !== 'tree') {
    throw new RepositoryError('corrupt', `expected a tree, found a ${obj.type}`);
  }
  return decodeTree(obj.content);
}
