/**
 * HistoryStore: a notebook's history as a git repository. Each commit is a
 * Snapshot plus the Runs it captures; Attempts are branches (HEAD is the
 * current one). The store ties four concerns kept in files of their own:
 * the run index (runindex.ts), attempt metadata (attempts.ts), refs (refs.ts)
 * and commit messages (messages.ts).
 *
 * Repository layout (one bare repository per notebook):
 *   refs/heads/<attempt>        an Attempt; never moved backwards or deleted here
 *   refs/heads/retrace-attempts titles/comments: commits of `attempts.json`
 *   HEAD                        the current Attempt; between a Restore of a snapshot that is no
 *                               attempt's tip and the next commit, that snapshot's commit (detached,
 *                               as `git checkout <commit>` leaves it): no attempt is current, and the
 *                               next commit starts a new one from it (no branch is made empty)
 * Commit tree = the snapshot (see snapshot.ts) plus
 *   runs.json                   the Runs this commit captures (full records)
 *   index/…                     the run index: every earlier Run on the first-parent chain
 *
 * Every write is one batch (objects + compare-and-swap ref updates) whose answer
 * carries every ref, so the refresh after it needs no request. When a ref moved
 * under us (another tab), the commit is re-parented on top of the other writer's
 * commit and retried: neither side is lost.
 */
import { IHistoryBackend, IRefUpdate, RefConflictError, RepositoryError } from './backend';
import { AttemptMetadata, copyDoc, IMetaDoc, META_BRANCH, META_REF } from './attempts';
import { decodeCommit, defaultCodec, encodeCommit, IObjectCodec, IPerson, ITreeEntry, MODE_FILE, MODE_TREE, OID_RE } from './gitobject';
import { cellPositions, commitMessage } from './messages';
import { ObjectDatabase } from './objectdb';
import { branchTips, Refs } from './refs';
import { entriesOf, IIndexState, IRunIndexEntry, RunIndex } from './runindex';
import { ISnapshot, SnapshotCodec } from './snapshot';

export { META_BRANCH } from './attempts';
export type { IRunIndexEntry } from './runindex';
export { INDEX_CHUNK, INDEX_FANOUT } from './runindex';

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
  /** A Replay in order ran it. */
  replay?: boolean;
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

/** Index state for a child of some commit: the parent's index plus the parent's own runs. */
interface IChildIndex {
  base: IIndexState;
  extra: IRunIndexEntry[];
}

const dec = new TextDecoder();

/** Options of the reads that follow a store's own change (see `Refs`). */
export interface IReadOptions {
  /** Use the refs this store's last read or write left, without a request (a refresh after a change). */
  cached?: boolean;
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
    this.refs = new Refs(this.backend);
    this.meta = new AttemptMetadata(this.db);
    this.index = new RunIndex(this.db);
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

  /**
   * Set after restoring a snapshot that is no branch's tip (HEAD detached at it): no attempt is
   * current, and the next commit starts a new attempt from it.
   */
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
    const refs = await this.refs.read();
    if (!refs.HEAD) {
      throw new RepositoryError('corrupt', 'history repository has no HEAD');
    }
    this.headValue = refs.HEAD.trim();
    if (this.headValue.startsWith('ref: refs/heads/')) {
      this.branch = this.headValue.slice('ref: refs/heads/'.length);
      this.tip = refs[`refs/heads/${this.branch}`] ?? null;
      this.fork = null;
      this.forkOrigin = null;
    } else if (OID_RE.test(this.headValue)) {
      // Detached (a Restore not yet followed by a run, or a git CLI user checked out a commit):
      // continue from it on a new attempt. Which attempt the restore left is not on disk.
      this.branch = null;
      this.tip = this.headValue;
      this.fork = this.headValue;
      this.forkOrigin = null;
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
      const fromAttempt = this.branch ?? this.forkOrigin;
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
        const mark = this.db.checkpoint();
        const meta = await this.readMeta();
        const doc: IMetaDoc = copyDoc(meta.doc);
        const prev = doc.attempts[id] ?? {
          title: id,
          comment: '',
          createdAt: null,
          base: null,
          fromAttempt: null,
          auto: false
        };
        doc.attempts[id] = { ...prev, ...changes };
        const update = this.meta.commit(meta.tip, doc, `edit attempt ${id}`, this.person());
        try {
          await this.writeBatch([update]);
          this.meta.stored(update.new, doc);
          return;
        } catch (e) {
          this.db.rollback(mark);
          if (!(e instanceof RefConflictError) || tries > 8) {
            throw e;
          }
          this.meta.forget();
        }
      }
    });
  }

  /**
   * Load a snapshot for bringing it back into the notebook. Restoring the tip of an
   * attempt continues that attempt; restoring anything else makes the next commit
   * start a new attempt (history diverged), so no branch ever moves backwards.
   * Until then HEAD is detached at the restored commit: no attempt is current (the
   * notebook is on none of them), and a reload still knows where the next run goes.
   */
  restore(commit: string): Promise<ISnapshot> {
    return this.serial(async () => {
      const snapshot = await this.readSnapshotOf(commit, true);
      if (commit === this.tip && this.branch !== null) {
        this.fork = null;
        return snapshot;
      }
      const tips = branchTips(await this.refs.read());
      const owner = [...tips].find(([name, tip]) => tip === commit && name !== META_BRANCH)?.[0];
      if (owner) {
        const value = `ref: refs/heads/${owner}`;
        await this.writeHead(value);
        this.branch = owner;
        this.tip = commit;
        this.fork = null;
        this.forkOrigin = null;
      } else {
        await this.writeHead(commit);
        this.forkOrigin = this.branch ?? this.forkOrigin;
        this.branch = null;
        this.tip = commit;
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

  /** A commit's first parent (the snapshot it was committed on top of), null for the repository's first commit. */
  async parentOf(commit: string): Promise<string | null> {
    const obj = await this.db.read(commit);
    if (obj.type !== 'commit') {
      throw new RepositoryError('corrupt', `${commit} is a ${obj.type}, not a commit`);
    }
    return decodeCommit(obj.content).parents[0] ?? null;
  }

  /** The full Run records a commit captured. */
  async readRuns(commit: string): Promise<IRun[]> {
    const { runs } = await this.indexAndRuns(commit);
    if (!runs) {
      return [];
    }
    const doc = JSON.parse(dec.decode(runs.content));
    return doc.runs ?? [];
  }

  /** All attempts: every branch, with titles and comments from the metadata branch. */
  async listAttempts(options: IReadOptions = {}): Promise<IAttempt[]> {
    const refs = await this.refs.current(options.cached);
    const tips = branchTips(refs);
    const meta = await this.meta.read(refs[META_REF] ?? null);
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

  /**
   * Every Run on an attempt's first-parent chain, oldest first, without walking commits.
   * Reads the ref, not our memory of it (another tab may have committed since), unless
   * `cached` asks for the refs this store's last read or write left.
   */
  async runIndex(attempt?: string, options: IReadOptions = {}): Promise<IRunIndexEntry[]> {
    const id = attempt ?? this.branch;
    const tip = id === null ? this.tip : ((await this.refs.current(options.cached))[`refs/heads/${id}`] ?? null);
    if (!tip) {
      return [];
    }
    const { index, runs } = await this.indexAndRuns(tip);
    const entries = await this.index.read(index);
    if (!runs) {
      return entries;
    }
    const doc = JSON.parse(dec.decode(runs.content));
    return entries.concat(entriesOf(tip, doc.attempt ?? id ?? '', doc.runs ?? []));
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
  /** The attempt the notebook was on before the restore that set `fork` (this page's knowledge only). */
  private forkOrigin: string | null = null;
  private refs: Refs;
  private meta: AttemptMetadata;
  private index: RunIndex;
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

  /** Titles and comments as on disk now (the ref is re-read; the document only when it moved). */
  private async readMeta(): Promise<{ tip: string | null; doc: IMetaDoc }> {
    return this.meta.read((await this.refs.read())[META_REF] ?? null);
  }

  /**
   * A commit's run index tree (null: none) and its runs.json, in one round trip at most
   * (the index's dictionary is fetched with them: every read of the index needs it).
   */
  private async indexAndRuns(commit: string): Promise<{ index: string | null; runs: { content: Uint8Array } | null }> {
    const at = await this.db.readPaths(commit, ['index', 'runs.json', 'index/dict.json']);
    const index = at.get('index');
    const runs = at.get('runs.json');
    return {
      index: index && index.type === 'tree' ? index.oid : null,
      runs: runs && runs.type === 'blob' ? runs : null
    };
  }

  private async rootOf(commit: string): Promise<ITreeEntry[]> {
    return this.db.readTree(await this.db.commitTree(commit));
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
    const result = await this.backend.write({ files, refs });
    this.db.markStored(files);
    if (result?.tips) {
      this.refs.learn(result.tips);
    } else {
      this.refs.forget();
    }
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
    const refs = await this.refs.read();
    const tips = branchTips(refs);
    const meta = await this.meta.read(refs[META_REF] ?? null);
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
      const mark = this.db.checkpoint();
      const id = await this.nextAttemptId();
      const meta = await this.meta.read(this.refs.known?.[META_REF] ?? null);
      const doc: IMetaDoc = copyDoc(meta.doc);
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
      const metaUpdate = this.meta.commit(
        meta.tip,
        doc,
        `${info.auto ? 'new attempt (after restore)' : 'new attempt'} ${id}: ${info.title}`,
        this.person()
      );
      refs.push(metaUpdate);
      try {
        await this.writeBatch(refs);
      } catch (e) {
        this.db.rollback(mark);
        if (!(e instanceof RefConflictError) || tries > 8) {
          throw e;
        }
        // Another writer took the name, moved HEAD or edited metadata: reload and retry.
        if ('HEAD' in e.current) {
          this.headValue = e.current.HEAD;
        }
        this.meta.forget();
        continue;
      }
      this.meta.stored(metaUpdate.new, doc);
      this.headValue = `ref: refs/heads/${id}`;
      this.branch = id;
      this.tip = tip;
      this.fork = null;
      this.forkOrigin = null;
      return id;
    }
  }

  /** The index a child of `parent` carries (the parent's own index plus the parent's runs). */
  private async childIndexOf(parent: string | null): Promise<IChildIndex> {
    if (parent === null) {
      return { base: (await this.index.state(null)).state, extra: [] };
    }
    const cached = this.childIndex.get(parent);
    if (cached) {
      return cached;
    }
    const { index, runs } = await this.indexAndRuns(parent);
    const { state, carry } = await this.index.state(index);
    let extra = carry;
    if (runs) {
      const doc = JSON.parse(dec.decode(runs.content));
      extra = extra.concat(entriesOf(parent, doc.attempt ?? '', doc.runs ?? []));
    }
    const result = { base: state, extra };
    this.childIndex.set(parent, result);
    return result;
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
    // Cells are named by their place in this snapshot, not where the recorder saw them.
    const positions = cellPositions(notebook, runsIn);
    const runs = runsIn.map((r, i) => {
      const rest = { ...r };
      delete rest.cellIndex;
      const at = positions[i];
      return typeof at === 'number' ? { ...rest, cellIndex: at } : rest;
    });
    const encoded = this.snapshots.encode(notebook, this.db);
    this.primedFor = this.primedFor ?? 'encoded';
    const { subject, body } = commitMessage(runs, positions, message);

    const build = async (attempt: string, parentOid: string | null) => {
      const child = await this.childIndexOf(parentOid);
      const index = this.index.append(child.base, child.extra);
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
        extra: entriesOf(commit, attempt, runs)
      });
      return { commit, parent: parentOid };
    };

    if (this.fork !== null || this.branch === null) {
      const from = this.fork;
      const fromAttempt = this.branch ?? this.forkOrigin;
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
      // The snapshot's objects (queued above) serve every try; the rest is this try's own.
      const mark = this.db.checkpoint();
      const { commit } = await build(branch, parent);
      try {
        await this.writeBatch([{ ref: `refs/heads/${branch}`, old: parent, new: commit }]);
        this.tip = commit;
        this.pruneIndexCache();
        return commit;
      } catch (e) {
        this.db.rollback(mark);
        this.childIndex.delete(commit);
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
