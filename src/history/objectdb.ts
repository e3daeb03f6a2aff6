/**
 * The store's view of a repository's objects: encodes new objects once and keeps
 * them until a batch write has stored them, remembers which objects the
 * repository already holds (so unchanged content is neither compressed nor sent
 * again), and reads objects with a cache — objects never change once written.
 * Loose objects are read in batches through the backend; packed ones (after a
 * server-side `git gc`) through isomorphic-git.
 */
import git from 'isomorphic-git';

import { IHistoryBackend, IWriteFile, RepositoryError } from './backend';
import {
  decodeCommit,
  decodeTree,
  encoder,
  encodeTree as encodeTreeBytes,
  IObjectCodec,
  ITreeEntry,
  ObjectType,
  objectPath,
  unwrapObject,
  wrapObject
} from './gitobject';

export interface IObject {
  type: ObjectType;
  content: Uint8Array;
}

export class ObjectDatabase {
  constructor(
    readonly backend: IHistoryBackend,
    readonly codec: IObjectCodec,
    private cacheLimitBytes = 64 * 1024 * 1024
  ) {}

  /** Objects encoded but not yet confirmed stored, by oid (insertion order = write order). */
  private pending = new Map<string, IWriteFile>();
  /** Objects the repository is known to hold. */
  private stored = new Set<string>();
  private cache = new Map<string, IObject>();
  private cacheBytes = 0;
  private gitCache = {};

  /** Hash `content` as a `type` object and queue it for writing unless the repository has it. */
  put(type: ObjectType, content: Uint8Array): string {
    const wrapped = wrapObject(type, content);
    const oid = this.codec.sha1(wrapped);
    if (!this.stored.has(oid) && !this.pending.has(oid)) {
      this.pending.set(oid, { path: objectPath(oid), data: this.codec.deflate(wrapped) });
      // Kept readable: the refresh after a commit reads what the commit just wrote.
      this.remember(oid, { type, content });
    }
    return oid;
  }

  putText(text: string): string {
    return this.put('blob', encoder.encode(text));
  }

  putTree(entries: ITreeEntry[]): string {
    return this.put('tree', encodeTreeBytes(entries));
  }

  /** A point to roll back to: objects queued after it belong to one commit being attempted. */
  checkpoint(): number {
    return this.pending.size;
  }

  /**
   * Drop what was queued after `mark` and not stored: a commit that lost its compare-and-swap
   * is rebuilt on the other writer's commit, and its own objects (commit, root tree, run
   * index) must not reach the repository with the retry, where nothing would point at them.
   */
  rollback(mark: number): void {
    let i = 0;
    for (const oid of [...this.pending.keys()]) {
      if (i++ >= mark) {
        this.pending.delete(oid);
        this.cache.delete(oid);
      }
    }
  }

  /** Files to send in the next batch write. */
  pendingFiles(): IWriteFile[] {
    return [...this.pending.values()];
  }

  /** The batch carrying `files` reached the repository. */
  markStored(files: IWriteFile[]): void {
    for (const f of files) {
      const oid = f.path.slice(8, 10) + f.path.slice(11);
      this.pending.delete(oid);
      this.stored.add(oid);
    }
  }

  /** Record that the repository holds these objects (seen while reading). */
  markKnown(oids: Iterable<string>): void {
    for (const oid of oids) {
      this.stored.add(oid);
    }
  }

  isKnown(oid: string): boolean {
    return this.stored.has(oid) || this.pending.has(oid);
  }

  private remember(oid: string, obj: IObject): void {
    if (obj.content.length > this.cacheLimitBytes / 8) {
      return;
    }
    this.cache.set(oid, obj);
    this.cacheBytes += obj.content.length;
    // Oldest first: Map keeps insertion order.
    for (const [key, value] of this.cache) {
      if (this.cacheBytes <= this.cacheLimitBytes) {
        break;
      }
      this.cache.delete(key);
      this.cacheBytes -= value.content.length;
    }
  }

  private parseLoose(oid: string, deflated: Uint8Array): IObject {
    let wrapped: Uint8Array;
    try {
      wrapped = this.codec.inflate(deflated);
    } catch (e) {
      throw new RepositoryError('corrupt', `object ${oid} cannot be decompressed`);
    }
    if (this.codec.sha1(wrapped) !== oid) {
      throw new RepositoryError('corrupt', `object ${oid} does not match its id`);
    }
    return unwrapObject(wrapped);
  }

  /** Read several objects with one backend round trip for the loose ones. */
  async readMany(oids: string[]): Promise<Map<string, IObject>> {
    const out = new Map<string, IObject>();
    const missing: string[] = [];
    for (const oid of oids) {
      const hit = this.cache.get(oid);
      if (hit) {
        out.set(oid, hit);
      } else if (this.pending.has(oid)) {
        const obj = this.parseLoose(oid, this.pending.get(oid)!.data);
        out.set(oid, obj);
      } else if (!out.has(oid)) {
        missing.push(oid);
      }
    }
    if (missing.length === 0) {
      return out;
    }
    const unique = [...new Set(missing)];
    if (this.backend.readObjects) {
      const got = await this.readThroughBackend(unique);
      if (got) {
        for (const [oid, obj] of got) {
          out.set(oid, obj);
        }
        return out;
      }
    }
    const files = await this.backend.readFiles(unique.map(objectPath));
    for (let i = 0; i < unique.length; i++) {
      const oid = unique[i];
      const file = files[i];
      let obj: IObject;
      if (file) {
        obj = this.parseLoose(oid, file);
      } else {
        obj = await this.readPacked(oid);
      }
      this.stored.add(oid);
      this.remember(oid, obj);
      out.set(oid, obj);
    }
    return out;
  }

  /** Objects read by the backend itself (the server's git), null when it cannot. */
  private async readThroughBackend(oids: string[]): Promise<Map<string, IObject> | null> {
    let got: Awaited<ReturnType<NonNullable<IHistoryBackend['readObjects']>>>;
    try {
      got = await this.backend.readObjects!(oids);
    } catch (e) {
      // Too large for one answer: read them as files.
      if (e instanceof RepositoryError && e.status === 413) {
        return null;
      }
      throw e;
    }
    if (!got) {
      return null;
    }
    const out = new Map<string, IObject>();
    for (const oid of oids) {
      const obj = got.get(oid);
      if (!obj || obj.oid !== oid) {
        throw new RepositoryError('corrupt', `object ${oid} is missing from the history repository`);
      }
      const value = { type: obj.type, content: obj.content };
      this.stored.add(oid);
      this.remember(oid, value);
      out.set(oid, value);
    }
    return out;
  }

  /**
   * The objects at `paths` (e.g. `index/dict.json`) in `commit`'s tree, null where a path is
   * absent. From memory when every tree on the way is known; else in one round trip
   * (`<commit>:<path>` names, resolved by the server's git) when the backend reads objects,
   * else tree by tree. Opening a history this way costs one request where walking the
   * trees from the commit costs one per level.
   */
  async readPaths(commit: string, paths: string[]): Promise<Map<string, (IObject & { oid: string }) | null>> {
    const out = new Map<string, (IObject & { oid: string }) | null>();
    let complete = true;
    for (const p of paths) {
      const found = this.atPathCached(commit, p);
      if (found === undefined) {
        complete = false;
        break;
      }
      out.set(p, found);
    }
    if (complete) {
      return out;
    }
    out.clear();
    if (this.backend.readObjects) {
      const names = [commit, ...paths.map(p => `${commit}:${p}`)];
      let got: Awaited<ReturnType<NonNullable<IHistoryBackend['readObjects']>>> = null;
      try {
        got = await this.backend.readObjects(names);
      } catch (e) {
        if (!(e instanceof RepositoryError && e.status === 413)) {
          throw e;
        }
      }
      if (got) {
        const head = got.get(commit);
        if (!head || head.oid !== commit) {
          throw new RepositoryError('corrupt', `object ${commit} is missing from the history repository`);
        }
        if (head.type !== 'commit') {
          throw new RepositoryError('corrupt', `${commit} is a ${head.type}, not a commit`);
        }
        for (const obj of got.values()) {
          this.stored.add(obj.oid);
          this.remember(obj.oid, { type: obj.type, content: obj.content });
        }
        for (const p of paths) {
          const obj = got.get(`${commit}:${p}`);
          out.set(p, obj ? { oid: obj.oid, type: obj.type, content: obj.content } : null);
        }
        return out;
      }
    }
    for (const p of paths) {
      out.set(p, await this.atPath(commit, p));
    }
    return out;
  }

  /** The tree of a commit, checking that it is one. */
  async commitTree(commit: string): Promise<string> {
    const obj = await this.read(commit);
    if (obj.type !== 'commit') {
      throw new RepositoryError('corrupt', `${commit} is a ${obj.type}, not a commit`);
    }
    return decodeCommit(obj.content).tree;
  }

  private async atPath(commit: string, path: string): Promise<(IObject & { oid: string }) | null> {
    let oid = await this.commitTree(commit);
    for (const name of path.split('/')) {
      const entry = (await this.readTree(oid)).find(e => e.name === name);
      if (!entry) {
        return null;
      }
      oid = entry.oid;
    }
    return { oid, ...(await this.read(oid)) };
  }

  /** `atPath` from memory only: undefined when some object on the way is not held. */
  private atPathCached(commit: string, path: string): (IObject & { oid: string }) | null | undefined {
    const held = (oid: string): IObject | undefined => {
      const hit = this.cache.get(oid);
      if (hit) {
        return hit;
      }
      const file = this.pending.get(oid);
      return file ? this.parseLoose(oid, file.data) : undefined;
    };
    const head = held(commit);
    if (!head || head.type !== 'commit') {
      return undefined;
    }
    let oid = decodeCommit(head.content).tree;
    for (const name of path.split('/')) {
      const tree = held(oid);
      if (!tree || tree.type !== 'tree') {
        return undefined;
      }
      const entry = decodeTree(tree.content).find(e => e.name === name);
      if (!entry) {
        return null;
      }
      oid = entry.oid;
    }
    const obj = held(oid);
    return obj ? { oid, ...obj } : undefined;
  }

  async read(oid: string): Promise<IObject> {
    return (await this.readMany([oid])).get(oid)!;
  }

  async readTree(oid: string): Promise<ITreeEntry[]> {
    const obj = await this.read(oid);
    if (obj.type !== 'tree') {
      throw new RepositoryError('corrupt', `${oid} is a ${obj.type}, expected a tree`);
    }
    return decodeTree(obj.content);
  }

  private async readPacked(oid: string): Promise<IObject> {
    try {
      const result = await git.readObject({
        fs: this.backend.fs,
        gitdir: this.backend.gitdir,
        oid,
        format: 'content',
        cache: this.gitCache
      });
      return { type: result.type as ObjectType, content: new Uint8Array(result.object as Uint8Array) };
    } catch (e: any) {
      if (e?.code === 'NotFoundError' || e?.name === 'NotFoundError') {
        throw new RepositoryError('corrupt', `object ${oid} is missing from the history repository`);
      }
      throw e;
    }
  }
}
