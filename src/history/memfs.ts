/**
 * An in-memory file system with the shape isomorphic-git expects (`promises`
 * API) and the Node-style synchronous calls the local backend uses. It serves
 * the unit tests and the engine-only benchmarks; nothing is persisted.
 */
import { Buffer } from 'buffer';

interface INode {
  kind: 'file' | 'dir' | 'symlink';
  data?: Uint8Array;
  target?: string;
  mtimeMs: number;
  ino: number;
}

function fsError(code: string, op: string, path: string): Error {
  const e = new Error(`${code}: ${op} '${path}'`) as Error & { code: string; path: string };
  e.code = code;
  e.path = path;
  return e;
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return '/' + parts.join('/');
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

class Stats {
  constructor(
    private node: INode,
    readonly size: number
  ) {
    this.mtimeMs = node.mtimeMs;
    this.ctimeMs = node.mtimeMs;
    this.ino = node.ino;
    this.mode = node.kind === 'dir' ? 0o40755 : node.kind === 'symlink' ? 0o120000 : 0o100644;
    this.type = node.kind;
  }
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly mode: number;
  readonly type: string;
  readonly uid = 1;
  readonly gid = 1;
  readonly dev = 1;
  isFile(): boolean {
    return this.node.kind === 'file';
  }
  isDirectory(): boolean {
    return this.node.kind === 'dir';
  }
  isSymbolicLink(): boolean {
    return this.node.kind === 'symlink';
  }
}

type Data = Uint8Array | string;
type Options = { encoding?: string; flag?: string; recursive?: boolean } | string | undefined;

function encodingOf(options: Options): string | undefined {
  return typeof options === 'string' ? options : options?.encoding;
}

/** In-memory file system. `fs.promises` is what isomorphic-git uses. */
export class MemoryFS {
  private nodes = new Map<string, INode>([['/', { kind: 'dir', mtimeMs: 0, ino: 1 }]]);
  private nextIno = 2;

  /** Total bytes held in files (for growth measurements). */
  get totalBytes(): number {
    let n = 0;
    for (const node of this.nodes.values()) {
      n += node.data?.length ?? 0;
    }
    return n;
  }

  /** Number of files (not directories). */
  get fileCount(): number {
    let n = 0;
    for (const node of this.nodes.values()) {
      n += node.kind === 'file' ? 1 : 0;
    }
    return n;
  }

  private lookup(path: string, follow = true): INode | undefined {
    let p = normalize(path);
    for (let hops = 0; hops < 16; hops++) {
      const node = this.nodes.get(p);
      if (!node || node.kind !== 'symlink' || !follow) {
        return node;
      }
      p = normalize(node.target!.startsWith('/') ? node.target! : parentOf(p) + '/' + node.target!);
    }
    throw fsError('ELOOP', 'lookup', path);
  }

  private requireParent(path: string, op: string): void {
    const parent = this.lookup(parentOf(normalize(path)));
    if (!parent) {
      throw fsError('ENOENT', op, path);
    }
    if (parent.kind !== 'dir') {
      throw fsError('ENOTDIR', op, path);
    }
  }

  readFileSync(path: string, options?: Options): Uint8Array | string {
    const node = this.lookup(path);
    if (!node) {
      throw fsError('ENOENT', 'open', path);
    }
    if (node.kind === 'dir') {
      throw fsError('EISDIR', 'read', path);
    }
    const data = node.data!;
    if (encodingOf(options) === 'utf8' || encodingOf(options) === 'utf-8') {
      return new TextDecoder().decode(data);
    }
    // Buffer, not a bare Uint8Array: isomorphic-git calls Buffer methods on what it reads.
    return Buffer.from(data.buffer, data.byteOffset, data.length);
  }

  writeFileSync(path: string, data: Data, options?: Options): void {
    const p = normalize(path);
    this.requireParent(p, 'open');
    const existing = this.nodes.get(p);
    const flag = typeof options === 'object' ? options.flag : undefined;
    if (existing && flag === 'wx') {
      throw fsError('EEXIST', 'open', path);
    }
    if (existing?.kind === 'dir') {
      throw fsError('EISDIR', 'open', path);
    }
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data);
    this.nodes.set(p, { kind: 'file', data: bytes, mtimeMs: Date.now(), ino: existing?.ino ?? this.nextIno++ });
  }

  mkdirSync(path: string, options?: Options): void {
    const p = normalize(path);
    const recursive = typeof options === 'object' && !!options.recursive;
    const existing = this.nodes.get(p);
    if (existing) {
      if (recursive && existing.kind === 'dir') {
        return;
      }
      throw fsError('EEXIST', 'mkdir', path);
    }
    if (recursive && p !== '/') {
      this.mkdirSync(parentOf(p), options);
    }
    this.requireParent(p, 'mkdir');
    this.nodes.set(p, { kind: 'dir', mtimeMs: Date.now(), ino: this.nextIno++ });
  }

  readdirSync(path: string): string[] {
    const node = this.lookup(path);
    if (!node) {
      throw fsError('ENOENT', 'scandir', path);
    }
    if (node.kind !== 'dir') {
      throw fsError('ENOTDIR', 'scandir', path);
    }
    const p = normalize(path);
    const prefix = p === '/' ? '/' : p + '/';
    const names: string[] = [];
    for (const key of this.nodes.keys()) {
      if (key.startsWith(prefix) && key.length > prefix.length && key.indexOf('/', prefix.length) < 0) {
        names.push(key.slice(prefix.length));
      }
    }
    return names.sort();
  }

  unlinkSync(path: string): void {
    const p = normalize(path);
    const node = this.nodes.get(p);
    if (!node) {
      throw fsError('ENOENT', 'unlink', path);
    }
    if (node.kind === 'dir') {
      throw fsError('EISDIR', 'unlink', path);
    }
    this.nodes.delete(p);
  }

  rmdirSync(path: string): void {
    const p = normalize(path);
    const node = this.nodes.get(p);
    if (!node) {
      throw fsError('ENOENT', 'rmdir', path);
    }
    if (this.readdirSync(p).length > 0) {
      throw fsError('ENOTEMPTY', 'rmdir', path);
    }
    this.nodes.delete(p);
  }

  renameSync(from: string, to: string): void {
    const f = normalize(from);
    const t = normalize(to);
    const node = this.nodes.get(f);
    if (!node) {
      throw fsError('ENOENT', 'rename', from);
    }
    if (node.kind === 'dir') {
      throw fsError('EISDIR', 'rename', from);
    }
    this.requireParent(t, 'rename');
    this.nodes.delete(f);
    this.nodes.set(t, node);
  }

  statSync(path: string): Stats {
    const node = this.lookup(path);
    if (!node) {
      throw fsError('ENOENT', 'stat', path);
    }
    return new Stats(node, node.data?.length ?? 0);
  }

  lstatSync(path: string): Stats {
    const node = this.lookup(path, false);
    if (!node) {
      throw fsError('ENOENT', 'lstat', path);
    }
    return new Stats(node, node.data?.length ?? node.target?.length ?? 0);
  }

  existsSync(path: string): boolean {
    return this.lookup(path) !== undefined;
  }

  readlinkSync(path: string): string {
    const node = this.lookup(path, false);
    if (!node || node.kind !== 'symlink') {
      throw fsError(node ? 'EINVAL' : 'ENOENT', 'readlink', path);
    }
    return node.target!;
  }

  symlinkSync(target: string, path: string): void {
    const p = normalize(path);
    this.requireParent(p, 'symlink');
    if (this.nodes.has(p)) {
      throw fsError('EEXIST', 'symlink', path);
    }
    this.nodes.set(p, { kind: 'symlink', target, mtimeMs: Date.now(), ino: this.nextIno++ });
  }

  /** The promise API isomorphic-git binds to (it must be an enumerable own property). */
  readonly promises = {
    readFile: async (path: string, options?: Options) => this.readFileSync(path, options),
    writeFile: async (path: string, data: Data, options?: Options) => this.writeFileSync(path, data, options),
    mkdir: async (path: string, options?: Options) => this.mkdirSync(path, options),
    rmdir: async (path: string) => this.rmdirSync(path),
    unlink: async (path: string) => this.unlinkSync(path),
    stat: async (path: string) => this.statSync(path),
    lstat: async (path: string) => this.lstatSync(path),
    readdir: async (path: string) => this.readdirSync(path),
    readlink: async (path: string) => this.readlinkSync(path),
    symlink: async (target: string, path: string) => this.symlinkSync(target, path),
    rename: async (from: string, to: string) => this.renameSync(from, to),
    chmod: async () => undefined
  };
}
