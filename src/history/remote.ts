/**
 * RemoteBackend: a history repository served by Retrace's storage endpoint
 * (`/retrace/api/repos/<id>/…`). The request function is injected (the
 * extension passes `ServerConnection.makeRequest`, which adds Jupyter's token
 * and XSRF header), so this engine imports no JupyterLab package.
 *
 * Reads are batched (one POST for many files; isomorphic-git's individual
 * calls made in the same tick are coalesced) and objects are cached forever:
 * a git object never changes once written. A commit's objects and ref updates
 * go out in one write request; the server answers 409 when a ref moved, which
 * becomes a RefConflictError for the store to recover from.
 */
import { Buffer } from 'buffer';

import {
  IHistoryBackend,
  IStoredObject,
  IWriteBatch,
  IWriteResult,
  RefConflictError,
  RefMap,
  RepositoryError
} from './backend';

/** fetch-shaped: `(url, init) => Promise<Response>`. */
export type RequestFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface IRemoteBackendOptions {
  /** Server base URL ending in '/', e.g. `PageConfig.getBaseUrl()`. */
  baseUrl: string;
  /** The notebook's history id. */
  repoId: string;
  request: RequestFunction;
  /** Split a write whose encoded size exceeds this (objects first, refs last). Default 16 MiB. */
  maxRequestBytes?: number;
  /** Bytes of immutable files kept in memory. Default 64 MiB. */
  cacheBytes?: number;
}

const GITDIR = '/repo';

/** Objects and pack files never change once written: safe to cache for good. */
function isImmutable(rel: string): boolean {
  return /^objects\/([0-9a-f]{2}\/[0-9a-f]{38}|pack\/pack-[0-9a-f]{40}\.(pack|idx))$/.test(rel);
}

function fsError(code: string, path: string): Error {
  const e = new Error(`${code}: ${path}`) as Error & { code: string };
  e.code = code;
  return e;
}

interface IStat {
  type: 'file' | 'dir' | 'symlink';
  size: number;
  mode: number;
  mtimeMs: number;
}

function statObject(s: IStat) {
  return {
    ...s,
    ctimeMs: s.mtimeMs,
    ino: 0,
    uid: 1,
    gid: 1,
    dev: 1,
    isFile: () => s.type === 'file',
    isDirectory: () => s.type === 'dir',
    isSymbolicLink: () => s.type === 'symlink'
  };
}

export class RemoteBackend implements IHistoryBackend {
  constructor(private options: IRemoteBackendOptions) {
    this.base = `${options.baseUrl.replace(/\/?$/, '/')}retrace/api/repos/${encodeURIComponent(options.repoId)}`;
  }

  readonly gitdir = GITDIR;
  /** Requests sent (for tests and benchmarks). */
  requests = 0;

  private base: string;
  private noObjectsRoute = false;
  private cache = new Map<string, Uint8Array>();
  private cacheBytes = 0;
  private batch: {
    files: Map<string, ((v: Uint8Array | null) => void)[]>;
    dirs: Map<string, ((v: string[] | null) => void)[]>;
    stats: Map<string, ((v: IStat | null) => void)[]>;
    fail: ((e: unknown) => void)[];
  } | null = null;

  /** One request; a JSON answer is parsed unless `binary` (a 200 of the file route is raw bytes). */
  private async call(
    action: string,
    init: RequestInit,
    binary = false
  ): Promise<{ status: number; data: any; raw: Response }> {
    this.requests++;
    const raw = await this.options.request(`${this.base}${action ? '/' + action : ''}`, init);
    let data: any = null;
    const type = raw.headers.get('Content-Type') ?? '';
    if (type.includes('json') && !(binary && raw.status === 200)) {
      data = await raw.json();
    }
    return { status: raw.status, data, raw };
  }

  private error(status: number, data: any): RepositoryError {
    const message = data?.message ?? `storage endpoint answered ${status}`;
    if (status === 404) {
      return new RepositoryError('missing', message, status);
    }
    // 'damaged': a ref file is empty or garbage (a crash); it is not "no history".
    if (status === 409 && (data?.kind === 'corrupt' || data?.kind === 'damaged' || data?.kind === 'damaged-objects')) {
      return new RepositoryError('corrupt', message, status);
    }
    if (status === 400 || status === 403 || status === 409 || status === 413) {
      return new RepositoryError('refused', message, status);
    }
    return new RepositoryError('io', message, status);
  }

  private post(action: string, body: unknown) {
    return this.call(action, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' }
    });
  }

  private remember(rel: string, data: Uint8Array): void {
    const limit = this.options.cacheBytes ?? 64 * 1024 * 1024;
    if (!isImmutable(rel) || data.length > limit / 4) {
      return;
    }
    this.cache.set(rel, data);
    this.cacheBytes += data.length;
    for (const [key, value] of this.cache) {
      if (this.cacheBytes <= limit) {
        break;
      }
      this.cache.delete(key);
      this.cacheBytes -= value.length;
    }
  }

  async init(defaultBranch: string): Promise<{ created: boolean }> {
    const { status, data } = await this.post('init', { defaultBranch });
    if (status === 200 || status === 201) {
      return { created: !!data?.created };
    }
    throw this.error(status, data);
  }

  /** One round trip for all `files`, `dirs` and `stats`; large or deferred files fetched after. */
  private async readBatch(files: string[], dirs: string[] = [], stats: string[] = []) {
    const { status, data } = await this.post('read', { files, dirs, stats });
    if (status !== 200) {
      throw this.error(status, data);
    }
    const out = new Map<string, Uint8Array | null>();
    for (const rel of files) {
      const b64 = data.files?.[rel];
      out.set(rel, typeof b64 === 'string' ? new Uint8Array(Buffer.from(b64, 'base64')) : null);
    }
    for (const rel of Object.keys(data.large ?? {})) {
      out.set(rel, await this.readRaw(rel));
    }
    if (data.deferred?.length) {
      const rest = await this.readBatch(data.deferred);
      for (const [rel, value] of rest.files) {
        out.set(rel, value);
      }
    }
    for (const [rel, value] of out) {
      if (value) {
        this.remember(rel, value);
      }
    }
    return { files: out, dirs: data.dirs ?? {}, stats: data.stats ?? {} };
  }

  private async readRaw(rel: string): Promise<Uint8Array | null> {
    const { status, data, raw } = await this.call(`file?path=${encodeURIComponent(rel)}`, { method: 'GET' }, true);
    if (status === 404) {
      return null;
    }
    if (status !== 200) {
      throw this.error(status, data);
    }
    return new Uint8Array(await raw.arrayBuffer());
  }

  async readFiles(paths: string[]): Promise<(Uint8Array | null)[]> {
    const result = new Map<string, Uint8Array | null>();
    const missing: string[] = [];
    for (const rel of paths) {
      const hit = this.cache.get(rel);
      if (hit) {
        result.set(rel, hit);
      } else {
        missing.push(rel);
      }
    }
    if (missing.length) {
      const { files } = await this.readBatch([...new Set(missing)]);
      for (const [rel, value] of files) {
        result.set(rel, value);
      }
    }
    return paths.map(p => result.get(p) ?? null);
  }

  async listDir(path: string): Promise<string[] | null> {
    const { dirs } = await this.readBatch([], [path]);
    return dirs[path] ?? null;
  }

  async readRefs(): Promise<RefMap> {
    const { status, data } = await this.call('refs', { method: 'GET' });
    if (status !== 200) {
      throw this.error(status, data);
    }
    return data.refs;
  }

  /**
   * Objects inflated by the server's git (`git cat-file --batch`), loose and packed alike, in
   * one request. Not re-hashed here: the server checked each object when it was written
   * (and git checks its packs); hashing every chunk of a 100,000-run index in JavaScript
   * would cost more than the whole read. Null when the server has no git.
   */
  async readObjects(names: string[]): Promise<Map<string, IStoredObject & { oid: string }> | null> {
    const out = new Map<string, IStoredObject & { oid: string }>();
    if (this.noObjectsRoute || names.length === 0) {
      return this.noObjectsRoute ? null : out;
    }
    const { status, data, raw } = await this.call(
      'objects',
      { method: 'POST', body: JSON.stringify({ names }), headers: { 'Content-Type': 'application/json' } },
      true
    );
    if (status === 501) {
      this.noObjectsRoute = true;
      return null;
    }
    if (status !== 200) {
      throw this.error(status, data);
    }
    const bytes = new Uint8Array(await raw.arrayBuffer());
    const text = new TextDecoder();
    let p = 0;
    let i = 0;
    while (p < bytes.length && i < names.length) {
      const nl = bytes.indexOf(10, p);
      const head = text.decode(bytes.subarray(p, nl)).split(' ');
      if (head[head.length - 1] === 'missing') {
        p = nl + 1;
        i++;
        continue;
      }
      const size = Number(head[2]);
      const content = bytes.slice(nl + 1, nl + 1 + size);
      const obj = { oid: head[0], type: head[1] as IStoredObject['type'], content };
      out.set(names[i], obj);
      p = nl + 1 + size + 1;
      i++;
    }
    return out;
  }

  async write(batch: IWriteBatch): Promise<IWriteResult> {
    const limit = this.options.maxRequestBytes ?? 16 * 1024 * 1024;
    const files = batch.files.map(f => ({ path: f.path, data: Buffer.from(f.data.buffer, f.data.byteOffset, f.data.length).toString('base64') }));
    // Objects may go ahead in several requests (harmless on their own); refs go with the last.
    const chunks: (typeof files)[] = [[]];
    let size = 0;
    for (const f of files) {
      if (size + f.data.length > limit && chunks[chunks.length - 1].length) {
        chunks.push([]);
        size = 0;
      }
      chunks[chunks.length - 1].push(f);
      size += f.data.length + f.path.length + 32;
    }
    let tips: RefMap | null = null;
    for (let i = 0; i < chunks.length; i++) {
      const refs = i === chunks.length - 1 ? batch.refs : [];
      for (let attempt = 0; ; attempt++) {
        const { status, data } = await this.post('write', { files: chunks[i], refs });
        if (status === 200) {
          tips = data?.tips ?? null;
          break;
        }
        if (status === 409 && data?.conflicts) {
          throw new RefConflictError(data.conflicts);
        }
        if (status === 409 && data?.locked && attempt < 5) {
          // Another writer (or a git CLI) holds the ref lock for a moment.
          await new Promise(r => setTimeout(r, 50 * 2 ** attempt));
          continue;
        }
        throw this.error(status, data);
      }
    }
    return { tips };
  }

  // ---- isomorphic-git file system ------------------------------------------

  private rel(path: string): string {
    if (path === GITDIR) {
      return '';
    }
    if (!path.startsWith(GITDIR + '/')) {
      throw fsError('ENOENT', path);
    }
    return path.slice(GITDIR.length + 1).replace(/\/+$/, '');
  }

  /** Queue a lookup; everything queued in the same tick goes out as one request. */
  private enqueue<T>(kind: 'files' | 'dirs' | 'stats', rel: string): Promise<T | null> {
    if (!this.batch) {
      const batch: NonNullable<RemoteBackend['batch']> = { files: new Map(), dirs: new Map(), stats: new Map(), fail: [] };
      this.batch = batch;
      queueMicrotask(async () => {
        this.batch = null;
        try {
          const answer = await this.readBatch([...batch.files.keys()], [...batch.dirs.keys()], [...batch.stats.keys()]);
          for (const [k, waiters] of batch.files) {
            waiters.forEach((w: (v: Uint8Array | null) => void) => w(answer.files.get(k) ?? null));
          }
          for (const [k, waiters] of batch.dirs) {
            waiters.forEach((w: (v: string[] | null) => void) => w(answer.dirs[k] ?? null));
          }
          for (const [k, waiters] of batch.stats) {
            waiters.forEach((w: (v: IStat | null) => void) => w(answer.stats[k] ?? null));
          }
        } catch (e) {
          batch.fail.forEach(f => f(e));
        }
      });
    }
    const batch = this.batch;
    return new Promise<T | null>((resolve, reject) => {
      const map = batch[kind] as Map<string, ((v: any) => void)[]>;
      map.set(rel, [...(map.get(rel) ?? []), resolve]);
      batch.fail.push(reject);
    });
  }

  /** The isomorphic-git fs, for reading packs when the server has no git: reads only (objects are written by `write`). */
  readonly fs = {
    promises: {
      readFile: async (path: string, options?: any) => {
        const rel = this.rel(path);
        const data = this.cache.get(rel) ?? (await this.enqueue<Uint8Array>('files', rel));
        if (!data) {
          throw fsError('ENOENT', path);
        }
        const enc = typeof options === 'string' ? options : options?.encoding;
        return enc === 'utf8' || enc === 'utf-8'
          ? new TextDecoder().decode(data)
          : Buffer.from(data.buffer, data.byteOffset, data.length);
      },
      writeFile: async (path: string) => {
        throw fsError('EPERM', path);
      },
      mkdir: async () => undefined,
      rmdir: async (path: string) => {
        throw fsError('EPERM', path);
      },
      unlink: async (path: string) => {
        throw fsError('EPERM', path);
      },
      stat: async (path: string) => this.stat(path),
      lstat: async (path: string) => this.stat(path),
      readdir: async (path: string) => {
        const names = await this.enqueue<string[]>('dirs', this.rel(path));
        if (!names) {
          throw fsError('ENOENT', path);
        }
        return names;
      },
      readlink: async (path: string) => {
        throw fsError('ENOENT', path);
      },
      symlink: async (_target: string, path: string) => {
        throw fsError('EPERM', path);
      },
      chmod: async () => undefined
    }
  };

  private async stat(path: string) {
    const rel = this.rel(path);
    const known = this.cache.get(rel);
    if (known) {
      return statObject({ type: 'file', size: known.length, mode: 0o100444, mtimeMs: 0 });
    }
    const s = rel === '' ? { type: 'dir' as const, size: 0, mode: 0o40755, mtimeMs: 0 } : await this.enqueue<IStat>('stats', rel);
    if (!s) {
      throw fsError('ENOENT', path);
    }
    return statObject(s);
  }
}
