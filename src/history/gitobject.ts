/**
 * Git's object format: how blobs, trees and commits are laid out as bytes, hashed
 * and compressed, so the store can write loose objects itself (one hash and one
 * deflate per changed object, nothing else) and parse what it reads back.
 *
 * Written by hand rather than through isomorphic-git (which the extension bundles for
 * reading packs) because it wins by a clear margin: the 15 objects of a one-cell commit
 * on a 500-cell notebook took 0.84 ms here against 15.8 ms through isomorphic-git's
 * writeBlob/writeTree/writeCommit into an in-memory fs (18.8×, best of 30, same object
 * ids; `npm run bench` prints both on its `encode` line). isomorphic-git awaits its fs
 * and its compression stream once per object.
 */
import * as pako from 'pako';
import Sha1 from 'sha.js/sha1';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

/** Hashing and compression, swappable (Node's crypto/zlib in benchmarks, say). */
export interface IObjectCodec {
  sha1(data: Uint8Array): string;
  deflate(data: Uint8Array): Uint8Array;
  inflate(data: Uint8Array): Uint8Array;
}

/**
 * Level 1, and a window no larger than the object: most objects are a few hundred
 * bytes, and pako's setup for a full 32 KiB window costs more than compressing them.
 * (Any window size is valid zlib; git inflates them all.)
 */
function deflateOptions(length: number): { level: number; windowBits: number; memLevel: number } {
  let windowBits = 10;
  while (windowBits < 15 && 1 << windowBits < length + 262) {
    windowBits++;
  }
  return { level: 1, windowBits, memLevel: Math.max(1, windowBits - 7) };
}

/**
 * SHA-1 of git's object bytes, from sha.js (the implementation isomorphic-git bundles), so
 * there is one SHA-1 in the extension. A hand-written one hashed 2–3.5× faster in the same
 * process (300 B–30 KB objects), but no path hashes much any more: a commit hashes only the
 * objects it changes, and opening a history reads objects through the server's git.
 */
export function sha1Hex(data: Uint8Array): string {
  return new Sha1().update(data).digest('hex');
}

/** Pure-JS codec that runs in the browser and in Node alike. */
export const defaultCodec: IObjectCodec = {
  sha1: sha1Hex,
  deflate: data => pako.deflate(data, deflateOptions(data.length)),
  inflate: data => pako.inflate(data)
};

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

/** `<type> <size>\0<content>`, the bytes git hashes. */
export function wrapObject(type: ObjectType, content: Uint8Array): Uint8Array {
  const header = encoder.encode(`${type} ${content.length}\0`);
  const out = new Uint8Array(header.length + content.length);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

/** Hash only (for a digest of something that will not be stored). */
export function hashObject(codec: IObjectCodec, type: ObjectType, content: Uint8Array): string {
  return codec.sha1(wrapObject(type, content));
}

/** Parse an inflated loose object. */
export function unwrapObject(wrapped: Uint8Array): { type: ObjectType; content: Uint8Array } {
  const space = wrapped.indexOf(0x20);
  const nul = wrapped.indexOf(0);
  if (space < 0 || nul < space) {
    throw new Error('corrupt git object: bad header');
  }
  const type = decoder.decode(wrapped.subarray(0, space)) as ObjectType;
  const size = Number(decoder.decode(wrapped.subarray(space + 1, nul)));
  const content = wrapped.subarray(nul + 1);
  if (content.length !== size) {
    throw new Error(`corrupt git object: size ${content.length}, header says ${size}`);
  }
  return { type, content };
}

/** Loose object path inside the git directory. */
export function objectPath(oid: string): string {
  return `objects/${oid.slice(0, 2)}/${oid.slice(2)}`;
}

// ---- trees -------------------------------------------------------------------

export const MODE_FILE = '100644';
export const MODE_TREE = '40000';

export interface ITreeEntry {
  mode: string;
  name: string;
  oid: string;
}

/** Git's entry order: bytewise by name, a tree's name compared as if it ended in '/'. */
function compareEntries(a: ITreeEntry, b: ITreeEntry): number {
  const an = a.mode === MODE_TREE ? a.name + '/' : a.name;
  const bn = b.mode === MODE_TREE ? b.name + '/' : b.name;
  // Names are ASCII here (see snapshot.ts), so UTF-16 order is byte order.
  return an < bn ? -1 : an > bn ? 1 : 0;
}

const HEX = '0123456789abcdef';
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE[HEX.charCodeAt(i)] = i;
}

export function encodeTree(entries: ITreeEntry[]): Uint8Array {
  const sorted = [...entries].sort(compareEntries);
  const heads = sorted.map(e => encoder.encode(`${e.mode} ${e.name}\0`));
  let size = 0;
  for (const h of heads) {
    size += h.length + 20;
  }
  const out = new Uint8Array(size);
  let p = 0;
  for (let i = 0; i < sorted.length; i++) {
    out.set(heads[i], p);
    p += heads[i].length;
    const oid = sorted[i].oid;
    for (let j = 0; j < 40; j += 2) {
      out[p++] = (HEX_VALUE[oid.charCodeAt(j)] << 4) | HEX_VALUE[oid.charCodeAt(j + 1)];
    }
  }
  return out;
}

export function decodeTree(content: Uint8Array): ITreeEntry[] {
  const entries: ITreeEntry[] = [];
  let p = 0;
  while (p < content.length) {
    const space = content.indexOf(0x20, p);
    const nul = content.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > content.length) {
      throw new Error('corrupt tree object');
    }
    const mode = decoder.decode(content.subarray(p, space));
    const name = decoder.decode(content.subarray(space + 1, nul));
    let oid = '';
    for (let j = nul + 1; j < nul + 21; j++) {
      oid += HEX[content[j] >> 4] + HEX[content[j] & 15];
    }
    entries.push({ mode, name, oid });
    p = nul + 21;
  }
  return entries;
}

// ---- commits -----------------------------------------------------------------

export interface IPerson {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** Minutes east of UTC (git's sign convention: +0100 is 60). */
  tzOffsetMinutes: number;
}

export interface ICommit {
  tree: string;
  parents: string[];
  author: IPerson;
  committer: IPerson;
  message: string;
}

function formatPerson(p: IPerson): string {
  const sign = p.tzOffsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(p.tzOffsetMinutes);
  const tz = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  // Angle brackets and newlines would break the header line; git forbids them.
  const clean = (s: string) => s.replace(/[<>\n]/g, '');
  return `${clean(p.name)} <${clean(p.email)}> ${Math.floor(p.timestamp)} ${tz}`;
}

function parsePerson(s: string): IPerson {
  const m = /^(.*) <(.*)> (\d+) ([+-])(\d\d)(\d\d)$/.exec(s);
  if (!m) {
    return { name: s, email: '', timestamp: 0, tzOffsetMinutes: 0 };
  }
  const tz = (Number(m[5]) * 60 + Number(m[6])) * (m[4] === '-' ? -1 : 1);
  return { name: m[1], email: m[2], timestamp: Number(m[3]), tzOffsetMinutes: tz };
}

export function encodeCommit(c: ICommit): Uint8Array {
  let text = `tree ${c.tree}\n`;
  for (const p of c.parents) {
    text += `parent ${p}\n`;
  }
  text += `author ${formatPerson(c.author)}\ncommitter ${formatPerson(c.committer)}\n\n`;
  text += c.message.endsWith('\n') ? c.message : c.message + '\n';
  return encoder.encode(text);
}

export function decodeCommit(content: Uint8Array): ICommit {
  const text = decoder.decode(content);
  const split = text.indexOf('\n\n');
  const headers = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? '' : text.slice(split + 2);
  const commit: ICommit = {
    tree: '',
    parents: [],
    author: parsePerson(''),
    committer: parsePerson(''),
    message
  };
  for (const line of headers.split('\n')) {
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'tree') {
      commit.tree = value;
    } else if (key === 'parent') {
      commit.parents.push(value);
    } else if (key === 'author') {
      commit.author = parsePerson(value);
    } else if (key === 'committer') {
      commit.committer = parsePerson(value);
    }
  }
  return commit;
}

export const OID_RE = /^[0-9a-f]{40}$/;
