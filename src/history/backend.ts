/**
 * Where a history repository lives, seen from the store: an isomorphic-git
 * file system for reads, plus the two writes the store needs — create the
 * repository, and write one commit's objects with compare-and-swap ref updates
 * in one step. `LocalBackend` serves a directory of any Node-style fs (the
 * in-memory one in tests, Node's own for the git-CLI checks and benchmarks);
 * `RemoteBackend` (remote.ts) serves the server's storage endpoint.
 */
import { OID_RE } from './gitobject';

/** Move `ref` from `old` (null: must not exist) to `new`; a ref value is an oid or `ref: refs/...`. */
export interface IRefUpdate {
  ref: string;
  old: string | null;
  new: string;
}

export interface IWriteFile {
  /** Relative to the git directory; only loose objects (`objects/xx/…`) may be written. */
  path: string;
  data: Uint8Array;
}

export interface IWriteBatch {
  files: IWriteFile[];
  refs: IRefUpdate[];
}

/** HEAD's value and every branch tip (`refs/heads/…` → oid), loose and packed. */
export type RefMap = Record<string, string>;

export interface IWriteResult {
  /** Every ref as the write left it, when the backend knows (the store's refresh needs no read). */
  tips: RefMap | null;
}

/** An object as stored: its type and inflated content. */
export interface IStoredObject {
  type: 'blob' | 'tree' | 'commit' | 'tag';
  content: Uint8Array;
}

/** A ref was not where the writer expected; `current` holds the values now on disk. */
export class RefConflictError extends Error {
  constructor(readonly current: Record<string, string | null>) {
    super(`history changed under us: ${Object.keys(current).join(', ')} moved`);
    this.name = 'RefConflictError';
  }
}

/** The repository is missing, corrupt, or refused the request; never papered over. */
export class RepositoryError extends Error {
  constructor(
    readonly kind: 'missing' | 'corrupt' | 'refused' | 'io',
    message: string,
    readonly status?: number
  ) {
    super(message);
    this.name = 'RepositoryError';
  }
}

export interface IHistoryBackend {
  /** isomorphic-git file system (promise API) holding the repository. */
  readonly fs: any;
  /** Path of the bare repository inside `fs`. */
  readonly gitdir: string;
  /** Create the repository if it does not exist; throws RepositoryError('corrupt') over bad data. */
  init(defaultBranch: string): Promise<{ created: boolean }>;
  /** Read files relative to the git directory, null where missing. One round trip when remote. */
  readFiles(paths: string[]): Promise<(Uint8Array | null)[]>;
  /** Names in a directory relative to the git directory, null when missing. */
  listDir(path: string): Promise<string[] | null>;
  /** HEAD and every branch tip, in one round trip; a damaged ref is a RepositoryError('corrupt'). */
  readRefs(): Promise<RefMap>;
  /**
   * Objects by oid (or `<oid>:<path>`), loose or packed, inflated, in one round trip; a
   * missing one is absent from the map. Optional: without it (or when it answers null)
   * the store reads loose files and packs itself.
   */
  readObjects?(names: string[]): Promise<Map<string, IStoredObject & { oid: string }> | null>;
  /** Write loose objects, then move refs if and only if every ref is still at its `old` value. */
  write(batch: IWriteBatch): Promise<IWriteResult>;
}

export const OBJECT_PATH_RE = /^objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/;
const REF_COMPONENT_RE = /^[A-Za-z0-9._-]+$/;

/** HEAD, or refs/<safe components>; the rules git's check-ref-format cares about here. */
export function isValidRefName(ref: string): boolean {
  if (ref === 'HEAD') {
    return true;
  }
  if (!ref.startsWith('refs/') || ref.endsWith('.lock') || ref.includes('..')) {
    return false;
  }
  return ref
    .split('/')
    .every(part => REF_COMPONENT_RE.test(part) && !part.startsWith('.') && !part.endsWith('.lock'));
}

export function isValidRefValue(value: string): boolean {
  return OID_RE.test(value) || (value.startsWith('ref: ') && isValidRefName(value.slice(5)));
}

/** Value of `ref` in a packed-refs file, or null. */
export function lookupPackedRef(packed: string | null, ref: string): string | null {
  if (!packed) {
    return null;
  }
  for (const line of packed.split('\n')) {
    if (line.length > 41 && line[40] === ' ' && line.slice(41) === ref) {
      return line.slice(0, 40);
    }
  }
  return null;
}

/** Why `files` (HEAD, objects/, refs/ as read) do not form a git repository, or null if they do. */
export function repositoryProblem(head: string | null, hasObjects: boolean, hasRefs: boolean): string | null {
  if (head === null) {
    return 'HEAD is missing';
  }
  const h = head.trim();
  if (!(OID_RE.test(h) || (h.startsWith('ref: ') && isValidRefName(h.slice(5))))) {
    return 'HEAD is not a valid ref';
  }
  if (!hasObjects) {
    return 'objects/ is missing';
  }
  if (!hasRefs) {
    return 'refs/ is missing';
  }
  return null;
}

/** The synchronous calls of Node's fs that LocalBackend uses (the memfs package has them too). */
export interface ISyncFs {
  readFileSync(path: string, options?: any): any;
  writeFileSync(path: string, data: any, options?: any): void;
  mkdirSync(path: string, options?: any): any;
  readdirSync(path: string): string[];
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  statSync(path: string): { isDirectory(): boolean };
  existsSync(path: string): boolean;
}

const textDecoder = new TextDecoder();

/**
 * A repository in a directory of a local fs. All writes are synchronous, so one
 * `write` is atomic with respect to other LocalBackends in the same process; the
 * git-style `<ref>.lock` files keep it safe against a git CLI working alongside.
 */
export class LocalBackend implements IHistoryBackend {
  constructor(
    readonly fs: ISyncFs & { promises: any },
    readonly gitdir: string,
    private options: { atomicObjects?: boolean } = {}
  ) {}

  private abs(path: string): string {
    return `${this.gitdir}/${path}`;
  }

  private readOrNull(path: string): Uint8Array | null {
    try {
      return this.fs.readFileSync(this.abs(path));
    } catch (e: any) {
      if (e?.code === 'ENOENT' || e?.code === 'EISDIR' || e?.code === 'ENOTDIR') {
        return null;
      }
      throw e;
    }
  }

  private isDir(path: string): boolean {
    try {
      return this.fs.statSync(this.abs(path)).isDirectory();
    } catch {
      return false;
    }
  }

  async init(defaultBranch: string): Promise<{ created: boolean }> {
    if (this.fs.existsSync(this.gitdir)) {
      const head = this.readOrNull('HEAD');
      const problem = repositoryProblem(
        head ? textDecoder.decode(head) : null,
        this.isDir('objects'),
        this.isDir('refs')
      );
      if (problem) {
        throw new RepositoryError('corrupt', `${this.gitdir} is not a valid git repository (${problem}); not touched`);
      }
      return { created: false };
    }
    const parent = this.gitdir.slice(0, this.gitdir.lastIndexOf('/'));
    if (parent) {
      this.fs.mkdirSync(parent, { recursive: true });
    }
    this.fs.mkdirSync(this.gitdir);
    for (const dir of ['objects', 'objects/info', 'objects/pack', 'refs', 'refs/heads', 'refs/tags']) {
      this.fs.mkdirSync(this.abs(dir));
    }
    this.fs.writeFileSync(
      this.abs('config'),
      '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n'
    );
    this.fs.writeFileSync(this.abs('description'), 'Retrace history of one notebook\n');
    this.fs.writeFileSync(this.abs('HEAD'), `ref: refs/heads/${defaultBranch}\n`);
    return { created: true };
  }

  async readFiles(paths: string[]): Promise<(Uint8Array | null)[]> {
    return paths.map(p => this.readOrNull(p));
  }

  async listDir(path: string): Promise<string[] | null> {
    try {
      return this.fs.readdirSync(this.abs(path));
    } catch {
      return null;
    }
  }

  async readRefs(): Promise<RefMap> {
    const out: RefMap = {};
    const packed = this.readOrNull('packed-refs');
    for (const line of (packed ? textDecoder.decode(packed) : '').split('\n')) {
      if (/^[0-9a-f]{40} refs\/heads\/\S+$/.test(line)) {
        out[line.slice(41)] = line.slice(0, 40);
      }
    }
    const walk = (dir: string) => {
      for (const name of this.fs.readdirSync(this.abs(dir))) {
        const rel = `${dir}/${name}`;
        if (this.isDir(rel)) {
          walk(rel);
        } else if (!name.endsWith('.lock')) {
          const value = textDecoder.decode(this.readOrNull(rel) ?? new Uint8Array()).trim();
          if (!isValidRefValue(value)) {
            throw new RepositoryError('corrupt', `history refs are damaged: ${rel} (${value ? 'not a ref' : 'empty'})`);
          }
          out[rel] = value;
        }
      }
    };
    if (this.isDir('refs/heads')) {
      walk('refs/heads');
    }
    const head = this.currentRef('HEAD');
    if (!head || !isValidRefValue(head)) {
      throw new RepositoryError('corrupt', `history refs are damaged: HEAD (${head ? 'not a ref' : 'missing'})`);
    }
    const sorted: RefMap = { HEAD: head };
    for (const key of Object.keys(out).sort()) {
      sorted[key] = out[key];
    }
    return sorted;
  }

  private currentRef(ref: string): string | null {
    const loose = this.readOrNull(ref);
    if (loose) {
      return textDecoder.decode(loose).trim();
    }
    if (ref === 'HEAD') {
      return null;
    }
    const packed = this.readOrNull('packed-refs');
    return lookupPackedRef(packed ? textDecoder.decode(packed) : null, ref);
  }

  async write(batch: IWriteBatch): Promise<IWriteResult> {
    for (const f of batch.files) {
      if (!OBJECT_PATH_RE.test(f.path)) {
        throw new RepositoryError('refused', `only loose objects may be written, not ${f.path}`);
      }
    }
    for (const r of batch.refs) {
      if (!isValidRefName(r.ref) || !isValidRefValue(r.new) || (r.old !== null && !isValidRefValue(r.old))) {
        throw new RepositoryError('refused', `bad ref update ${r.ref}`);
      }
    }
    // Compare-and-swap under git's own lock files, so a git CLI sees a consistent state.
    const locked: string[] = [];
    try {
      for (const r of batch.refs) {
        const lock = this.abs(r.ref) + '.lock';
        const dir = lock.slice(0, lock.lastIndexOf('/'));
        this.fs.mkdirSync(dir, { recursive: true });
        try {
          this.fs.writeFileSync(lock, r.new + '\n', { flag: 'wx' });
        } catch (e: any) {
          if (e?.code === 'EEXIST') {
            throw new RepositoryError('refused', `${r.ref} is locked by another writer`, 409);
          }
          throw e;
        }
        locked.push(lock);
      }
      const conflicts: Record<string, string | null> = {};
      let conflict = false;
      const current: Record<string, string | null> = {};
      for (const r of batch.refs) {
        current[r.ref] = this.currentRef(r.ref);
        if (current[r.ref] !== r.old) {
          conflict = true;
        }
      }
      if (conflict) {
        for (const r of batch.refs) {
          conflicts[r.ref] = current[r.ref];
        }
        throw new RefConflictError(conflicts);
      }
      // Objects only once the refs are sure to move (git's receive-pack quarantines them
      // the same way): a refused write leaves nothing behind.
      const made = new Set<string>();
      for (const f of batch.files) {
        const target = this.abs(f.path);
        // Loose objects are content-addressed: one that exists is already right.
        if (this.fs.existsSync(target)) {
          continue;
        }
        const dir = target.slice(0, target.lastIndexOf('/'));
        if (!made.has(dir)) {
          this.fs.mkdirSync(dir, { recursive: true });
          made.add(dir);
        }
        if (this.options.atomicObjects === false) {
          this.fs.writeFileSync(target, f.data);
        } else {
          const tmp = `${dir}/tmp_obj_${Math.random().toString(36).slice(2)}`;
          this.fs.writeFileSync(tmp, f.data);
          this.fs.renameSync(tmp, target);
        }
      }
      for (const r of batch.refs) {
        const lock = this.abs(r.ref) + '.lock';
        this.fs.renameSync(lock, this.abs(r.ref));
        locked.splice(locked.indexOf(lock), 1);
      }
    } finally {
      for (const lock of locked) {
        try {
          this.fs.unlinkSync(lock);
        } catch {
          // Already gone.
        }
      }
    }
    return { tips: await this.readRefs() };
  }
}
