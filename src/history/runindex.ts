/**
 * The run index: a compact row per Run of every earlier commit on an attempt's
 * first-parent chain, carried in each commit's tree so a timeline opens from one
 * tree without walking commits.
 *
 *   index/dict.json               cell ids, kernel sessions, attempts and statuses, append-only;
 *                                 rows name them by position (a cell id is 36 bytes, its number 1–3)
 *   index/<dir>/<chunk>.json      {"c": [commit ids], "r": [row, …]}, INDEX_CHUNK rows per chunk,
 *                                 INDEX_FANOUT chunks per folder
 *   row = [commit (position in "c"), cell, cell index, execution count, status, start (epoch ms,
 *          or the recorder's text when it is no plain ISO time), duration ms, kernel session,
 *          attempt, run id, summary, code hash (or null)(, 1 when a Replay in order ran it)]
 *
 * Only the last chunk (and, now and then, the dictionary) changes from one commit to the
 * next: a finished folder is the same tree in every later commit. Opening 100,000 runs reads
 * ~1,600 chunks of ~6 KB; the format before this one (`.jsonl`, a JSON object per line with
 * every field spelled out) took 2.5× the bytes, and parsing them was most of the open. Both
 * are read; a commit on top of an old-format index rewrites it once in this format.
 *
 * The code hash (`codeHash`, a number below 2³⁰) tells apart two codes whose summaries are
 * equal (edited after the first line): a cell's versions are told apart without reading the
 * full code, which is read only when shown. It adds ~10 bytes a row (+1.0 MB, ~11%, at
 * 100,000 runs). A number, not a short string: JSON.parse looks every short string up in
 * V8's string table, which made reading 100,000 rows ~60% slower; a small integer costs ~7%.
 * Rows written before it have 11 fields and read back with `codeHash: null`.
 */
import { RepositoryError } from './backend';
import { decodeTree, ITreeEntry, MODE_FILE, MODE_TREE } from './gitobject';
import { ObjectDatabase } from './objectdb';
import type { IRun } from './store';

/** One Run as the index keeps it: enough for a timeline row. */
export interface IRunIndexEntry {
  commit: string;
  attempt: string;
  cellId: string;
  cellIndex: number | null;
  executionCount: number | null;
  status: string | null;
  /** Epoch ms, or the recorder's own text when it was no plain ISO time. */
  start: string | number | null;
  /** Epoch ms when the run ended; null when unknown (so a duration is never made up as 0). */
  end: number | null;
  kernelSession: string | null;
  runId: string | null;
  /** First line of the code, shortened. */
  summary: string;
  /** `codeHash` of the full code; null in rows written before the index kept it. */
  codeHash: number | null;
  /** A Replay in order ran it (absent otherwise). */
  replay?: true;
}

/** The fields of a captured Run (see `IRun`) that the index reads. */
export type IIndexedRun = Pick<IRun, 'cellId' | 'code' | 'executionCount' | 'kernelSession' | 'start' | 'end' | 'status' | 'id' | 'cellIndex' | 'replay'>;

/** Rows per chunk blob, and chunks per folder: small blobs and small trees per commit. */
export const INDEX_CHUNK = 64;
export const INDEX_FANOUT = 32;

type Row = [
  number,
  number,
  number | null,
  number | null,
  number,
  string | number | null,
  number | null,
  number,
  number,
  string | null,
  string,
  (number | null)?,
  1?
];

interface IDict {
  cells: string[];
  kernels: string[];
  attempts: string[];
  statuses: string[];
}

/** What a child commit's index is built from. */
export interface IIndexState {
  count: number;
  /** Entries of the last, unfinished chunk. */
  tail: IRunIndexEntry[];
  /** Finished folders: number → tree oid. */
  dirs: Map<number, string>;
  cur: { dir: number; chunks: Map<number, string> };
  dict: IDict;
  dictOid: string | null;
}

const dec = new TextDecoder();

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function firstLine(code: string | undefined, max: number): string {
  const line = (code ?? '').split('\n').find(l => l.trim().length > 0) ?? '';
  const t = line.trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** The summary an index row keeps of a run's code. */
export function summaryOf(code: string | undefined): string {
  return firstLine(code, 80);
}

/**
 * A short hash of a run's code: FNV-1a over its UTF-16 code units, its top 30 bits (an
 * integer V8 keeps unboxed). The same code always gives the same hash, in the index and in
 * the page. It only has to tell apart the few codes one cell ran (n codes collide with a
 * chance of ~n²/2³¹), not resist anyone.
 */
export function codeHash(code: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < code.length; i++) {
    h = Math.imul(h ^ code.charCodeAt(i), 0x01000193);
  }
  return h >>> 2;
}

/** Epoch ms of a recorder's time (ISO text or ms), or null. */
function timeMs(value: string | number | null | undefined): number | null {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : null;
  }
  if (typeof value === 'string' && value) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/** The start as stored: ms when that loses nothing (a plain ISO time), else as given. */
function storedStart(value: string | number | null | undefined): string | number | null {
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return !Number.isNaN(ms) && new Date(ms).toISOString() === value ? ms : value;
  }
  return value ?? null;
}

/** Index entries for the runs one commit captured. */
export function entriesOf(commit: string, attempt: string, runs: IIndexedRun[]): IRunIndexEntry[] {
  return runs.map(r => {
    const start = timeMs(r.start);
    const end = timeMs(r.end);
    return {
      commit,
      attempt,
      cellId: r.cellId,
      cellIndex: typeof r.cellIndex === 'number' ? r.cellIndex : null,
      executionCount: r.executionCount ?? null,
      status: r.status ?? null,
      start: storedStart(r.start),
      end: start !== null && end !== null && end >= start ? end : null,
      kernelSession: r.kernelSession ?? null,
      runId: r.id ?? null,
      summary: summaryOf(r.code),
      codeHash: typeof r.code === 'string' ? codeHash(r.code) : null,
      ...(r.replay === true ? { replay: true as const } : {})
    };
  });
}

function emptyState(): IIndexState {
  return {
    count: 0,
    tail: [],
    dirs: new Map(),
    cur: { dir: 0, chunks: new Map() },
    dict: { cells: [], kernels: [], attempts: [], statuses: [] },
    dictOid: null
  };
}

function treeOf(obj: { type: string; content: Uint8Array }): ITreeEntry[] {
  if (obj.type !== 'tree') {
    throw new RepositoryError('corrupt', `run index: expected a tree, found a ${obj.type}`);
  }
  return decodeTree(obj.content);
}

function byNumber(entries: ITreeEntry[]): { n: number; oid: string; name: string }[] {
  return entries.map(e => ({ n: parseInt(e.name, 10), oid: e.oid, name: e.name })).sort((a, b) => a.n - b.n);
}

/** A v1 line (`{"c":…,"a":…,"cell":…}`) as an entry. */
function fromV1(line: string): IRunIndexEntry {
  const r = JSON.parse(line);
  return {
    commit: r.c,
    attempt: r.a,
    cellId: r.cell,
    cellIndex: r.ci ?? null,
    executionCount: r.n ?? null,
    status: r.s ?? null,
    start: r.t ?? null,
    end: null,
    kernelSession: r.k ?? null,
    runId: r.i ?? null,
    summary: r.sum ?? '',
    codeHash: null
  };
}

export class RunIndex {
  constructor(private db: ObjectDatabase) {}

  /**
   * Every entry of an index tree (null: none), oldest first. Decoded chunks are kept by
   * blob id: a chunk's rows name commits of one chain only, so the same id always means
   * the same rows, and after a commit only the new last chunk is parsed.
   */
  async read(tree: string | null): Promise<IRunIndexEntry[]> {
    if (tree === null) {
      return [];
    }
    const top = await this.db.readTree(tree);
    const dictEntry = top.find(e => e.name === 'dict.json');
    const dirs = byNumber(top.filter(e => e.mode === MODE_TREE));
    const last = dirs[dirs.length - 1];
    // A finished folder (all but the last) is the same tree in every later commit: its rows are
    // kept whole, so the refresh after a commit reads and joins only the last folder's chunks.
    const open = dirs.filter(d => d === last || !this.finished.has(d.oid));
    const [dirObjs, dictObj] = await Promise.all([
      this.db.readMany(open.map(d => d.oid)),
      dictEntry ? this.db.read(dictEntry.oid) : Promise.resolve(null)
    ]);
    const chunksOf = new Map<string, string[]>();
    for (const d of open) {
      chunksOf.set(d.oid, byNumber(treeOf(dirObjs.get(d.oid)!)).map(c => c.oid));
    }
    const todo = [...chunksOf.values()].flat().filter(oid => !this.parsed.has(oid));
    const chunkObjs = await this.db.readMany(todo);
    let dict: IDict | null = null;
    const parts: IRunIndexEntry[][] = [];
    for (const d of dirs) {
      const done = d === last ? undefined : this.finished.get(d.oid);
      if (done) {
        parts.push(done);
        continue;
      }
      const rows: IRunIndexEntry[][] = [];
      for (const oid of chunksOf.get(d.oid)!) {
        let entries = this.parsed.get(oid);
        if (!entries) {
          const text = dec.decode(chunkObjs.get(oid)!.content);
          if (dictObj) {
            dict = dict ?? JSON.parse(dec.decode(dictObj.content));
            entries = decodeChunk(text, dict!);
          } else {
            entries = text.split('\n').filter(l => l).map(fromV1);
          }
          if (d === last) {
            this.parsed.set(oid, entries);
          }
        }
        rows.push(entries);
      }
      const joined = ([] as IRunIndexEntry[]).concat(...rows);
      if (d !== last) {
        this.finished.set(d.oid, joined);
      }
      parts.push(joined);
    }
    return ([] as IRunIndexEntry[]).concat(...parts);
  }

  /**
   * The state to append to, from an index tree; `carry` holds the entries of an
   * old-format index, which the next commit rewrites in this format.
   */
  async state(tree: string | null): Promise<{ state: IIndexState; carry: IRunIndexEntry[] }> {
    const state = emptyState();
    if (tree === null) {
      return { state, carry: [] };
    }
    const top = await this.db.readTree(tree);
    const dictEntry = top.find(e => e.name === 'dict.json');
    if (!dictEntry) {
      return { state, carry: await this.read(tree) };
    }
    const dirs = byNumber(top.filter(e => e.mode === MODE_TREE));
    state.dictOid = dictEntry.oid;
    const last = dirs[dirs.length - 1];
    const [dictObj, lastDir] = await Promise.all([this.db.read(dictEntry.oid), last ? this.db.readTree(last.oid) : []]);
    state.dict = JSON.parse(dec.decode(dictObj.content));
    if (!last) {
      return { state, carry: [] };
    }
    for (const d of dirs.slice(0, -1)) {
      state.dirs.set(d.n, d.oid);
    }
    const chunks = byNumber(lastDir);
    state.cur = { dir: last.n, chunks: new Map(chunks.map(c => [c.n, c.oid])) };
    const lastChunk = chunks[chunks.length - 1];
    const obj = await this.db.read(lastChunk.oid);
    const tail = decodeChunk(dec.decode(obj.content), state.dict);
    const chunkNumber = last.n * INDEX_FANOUT + lastChunk.n;
    if (tail.length >= INDEX_CHUNK) {
      state.count = (chunkNumber + 1) * INDEX_CHUNK;
    } else {
      state.count = chunkNumber * INDEX_CHUNK + tail.length;
      state.tail = tail;
    }
    return { state, carry: [] };
  }

  /** Append entries (copy-on-write) and return the new state and index tree (null when empty). */
  append(base: IIndexState, extra: IRunIndexEntry[]): { state: IIndexState; tree: string | null } {
    const s: IIndexState = {
      count: base.count,
      tail: [...base.tail],
      dirs: new Map(base.dirs),
      cur: { dir: base.cur.dir, chunks: new Map(base.cur.chunks) },
      dict: base.dict,
      dictOid: base.dictOid
    };
    const db = this.db;
    const dict = new DictWriter(base.dict);
    const flushDir = () =>
      db.putTree([...s.cur.chunks].map(([n, oid]) => ({ mode: MODE_FILE, name: `${pad(n, 2)}.json`, oid })));
    const putChunk = (chunk: number) => {
      const oid = db.putText(encodeChunk(s.tail, dict));
      s.cur.chunks.set(chunk % INDEX_FANOUT, oid);
      this.parsed.set(oid, [...s.tail]);
    };
    for (const entry of extra) {
      const chunk = Math.floor(s.count / INDEX_CHUNK);
      const dir = Math.floor(chunk / INDEX_FANOUT);
      if (dir !== s.cur.dir) {
        s.dirs.set(s.cur.dir, flushDir());
        s.cur = { dir, chunks: new Map() };
      }
      s.tail.push(entry);
      s.count++;
      if (s.tail.length === INDEX_CHUNK) {
        putChunk(chunk);
        s.tail = [];
      }
    }
    if (s.tail.length && extra.length) {
      putChunk(Math.floor((s.count - s.tail.length) / INDEX_CHUNK));
    }
    if (s.count === 0) {
      return { state: s, tree: null };
    }
    if (dict.grew || s.dictOid === null) {
      s.dict = dict.dict;
      s.dictOid = db.putText(JSON.stringify(s.dict));
    }
    const entries: ITreeEntry[] = [...s.dirs].map(([n, oid]) => ({ mode: MODE_TREE, name: pad(n, 4), oid }));
    if (s.cur.chunks.size) {
      entries.push({ mode: MODE_TREE, name: pad(s.cur.dir, 4), oid: flushDir() });
    }
    entries.push({ mode: MODE_FILE, name: 'dict.json', oid: s.dictOid });
    return { state: s, tree: db.putTree(entries) };
  }

  private parsed = new Map<string, IRunIndexEntry[]>();
  /** Rows of finished folders, by tree id. */
  private finished = new Map<string, IRunIndexEntry[]>();
}

/** Appends to a dictionary without touching the one a parent state holds. */
class DictWriter {
  constructor(private base: IDict) {
    this.dict = base;
  }
  dict: IDict;
  grew = false;
  private lookup: Map<string, number>[] | null = null;

  ref(kind: keyof IDict, value: string | null): number {
    if (value === null) {
      return -1;
    }
    const kinds: (keyof IDict)[] = ['cells', 'kernels', 'attempts', 'statuses'];
    if (!this.lookup) {
      this.lookup = kinds.map(k => new Map(this.base[k].map((v, i) => [v, i])));
    }
    const map = this.lookup[kinds.indexOf(kind)];
    let n = map.get(value);
    if (n === undefined) {
      if (!this.grew) {
        this.dict = { cells: [...this.base.cells], kernels: [...this.base.kernels], attempts: [...this.base.attempts], statuses: [...this.base.statuses] };
        this.grew = true;
      }
      n = this.dict[kind].length;
      this.dict[kind].push(value);
      map.set(value, n);
    }
    return n;
  }
}

function encodeChunk(entries: IRunIndexEntry[], dict: DictWriter): string {
  const commits: string[] = [];
  const rows: Row[] = entries.map(e => {
    let c = commits.lastIndexOf(e.commit);
    if (c < 0) {
      c = commits.push(e.commit) - 1;
    }
    const startMs = typeof e.start === 'number' ? e.start : timeMs(e.start);
    const row: Row = [
      c,
      dict.ref('cells', e.cellId),
      e.cellIndex,
      e.executionCount,
      dict.ref('statuses', e.status),
      e.start,
      e.end !== null && startMs !== null ? e.end - startMs : null,
      dict.ref('kernels', e.kernelSession),
      dict.ref('attempts', e.attempt),
      e.runId,
      e.summary
    ];
    // A row carried over from an older index has no hash: it stays an 11-field row, unless it is a
    // replay run, whose flag comes after a null hash.
    if (e.codeHash !== null || e.replay) {
      row.push(e.codeHash);
    }
    // Only replay runs carry the 13th field: other rows stay as they were.
    if (e.replay) {
      row.push(1);
    }
    return row;
  });
  return JSON.stringify({ c: commits, r: rows });
}

function decodeChunk(text: string, dict: IDict): IRunIndexEntry[] {
  const doc = JSON.parse(text) as { c: string[]; r: Row[] };
  const at = (list: string[], n: number) => (n < 0 ? null : list[n]);
  return doc.r.map(r => {
    const start = r[5];
    const startMs = typeof start === 'number' ? start : timeMs(start);
    return {
      commit: doc.c[r[0]],
      attempt: dict.attempts[r[8]] ?? '',
      cellId: dict.cells[r[1]] ?? '',
      cellIndex: r[2],
      executionCount: r[3],
      status: at(dict.statuses, r[4]),
      start,
      end: r[6] !== null && startMs !== null ? startMs + r[6] : null,
      kernelSession: at(dict.kernels, r[7]),
      runId: r[9],
      summary: r[10],
      codeHash: typeof r[11] === 'number' ? r[11] : null,
      ...(r[12] === 1 ? { replay: true as const } : {})
    };
  });
}
