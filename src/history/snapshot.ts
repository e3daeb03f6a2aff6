/**
 * Snapshot codec: a notebook's JSON ⇄ a git tree, one file per thing that
 * changes on its own, so a one-cell change rewrites a handful of small objects.
 *
 *   notebook.json                  format header + notebook fields except cells (metadata, nbformat…)
 *   order.json                     the cells' keys in notebook order
 *   cells/<h0>/<h1>/<key>/source   the cell's source text (`git show C:…/source` prints it)
 *   cells/<h0>/<h1>/<key>/meta.json    the other cell fields, plus how to rebuild the exact JSON
 *   cells/<h0>/<h1>/<key>/outputs/<n>.json   one blob per output (an image is stored once, ever)
 *
 * `<key>` is the cell id when it is a safe file name, else a derived name; `<h0>/<h1>`
 * are two hex digits of a hash of the key (16×16 folders keep every tree small).
 * Round trip: decode(encode(nb)) is deep-equal to nb, keys in the same order. Notebooks
 * that are not nbformat ≥ 4 shaped (nbformat 3's worksheets) are kept whole in
 * notebook.json (`layout: "whole"`): exact, but without per-cell sharing.
 *
 * The codec remembers the last snapshot it encoded or decoded (cell copies and tree
 * ids), so the next encode hashes only the cells that differ from it.
 */
import { decodeTree, hashObject, IObjectCodec, ITreeEntry, MODE_FILE, MODE_TREE } from './gitobject';
import { ObjectDatabase } from './objectdb';

export const SNAPSHOT_FORMAT = 1;

/** An output left out because it was larger than the cap. */
export interface IOmittedOutput {
  cellId: string | null;
  cellIndex: number;
  outputIndex: number;
  /** Size of the output's JSON in bytes. */
  bytes: number;
  /** `git-blob:<sha1>`: the git blob id the output's JSON would have had. */
  digest: string;
  outputType: string;
  mimeTypes: string[];
}

export interface ISnapshot {
  /** The notebook JSON, with a placeholder output wherever one was omitted. */
  notebook: any;
  omitted: IOmittedOutput[];
  layout: 'cells' | 'whole';
}

interface IOmittedRecord {
  i: number;
  bytes: number;
  digest: string;
  type: string;
  mimes: string[];
}

interface ICellState {
  copy: any;
  tree: string;
  shard: string;
  omitted: IOmittedRecord[];
}

/** What the codec remembers of the last snapshot, keyed so a change touches little. */
export class SnapshotState {
  cells = new Map<string, ICellState>();
  /** "h0/h1" → key → cell tree oid */
  leaves = new Map<string, Map<string, string>>();
  leafTrees = new Map<string, string>();
  /** h0 → tree oid */
  mids = new Map<string, string>();
  cellsTree: string | null = null;
  dirty = new Set<string>();
  top: { copy: any; blob: string } | null = null;
  order: { text: string; blob: string } | null = null;
  /** Every object id referenced by this snapshot's trees. */
  oids(): string[] {
    const out: string[] = [];
    for (const c of this.cells.values()) {
      out.push(c.tree);
    }
    out.push(...this.leafTrees.values(), ...this.mids.values());
    if (this.cellsTree) {
      out.push(this.cellsTree);
    }
    return out;
  }
}

const HEX = '0123456789abcdef';
const KEY_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** 32-bit FNV-1a: a cheap, stable spread of keys over shard folders. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function shardOf(key: string): string {
  const h = fnv1a(key);
  return HEX[h >>> 28] + '/' + HEX[(h >>> 24) & 15];
}

/** Unique, file-name-safe keys: the cell id when possible. */
export function cellKeys(cells: any[]): string[] {
  const used = new Set<string>();
  const keys: string[] = [];
  for (let i = 0; i < cells.length; i++) {
    const id = cells[i]?.id;
    let base: string;
    if (typeof id === 'string' && KEY_RE.test(id)) {
      base = id;
    } else if (typeof id === 'string') {
      base = 'x' + fnv1a(id).toString(16).padStart(8, '0');
    } else {
      // No id (nbformat < 4.5): position is all there is.
      base = `i${i}`;
    }
    let key = base;
    for (let n = 1; used.has(key); n++) {
      key = `${base}.${n}`;
    }
    used.add(key);
    keys.push(key);
  }
  return keys;
}

/** nbformat's multiline-string split: pieces that each end with a newline, except maybe the last. */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      break;
    }
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) {
    out.push(text.slice(start));
  }
  return out;
}

function isPlainObject(x: unknown): x is Record<string, any> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Order-sensitive deep equality of JSON values (key order is part of what we keep). */
export function deepEqual(a: any, b: any): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) {
      return false;
    }
    for (let i = 0; i < a.length; i++) {
      if (!deepEqual(a[i], b[i])) {
        return false;
      }
    }
    return true;
  }
  if (Array.isArray(b)) {
    return false;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) {
    return false;
  }
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i] || !deepEqual(a[ka[i]], b[ka[i]])) {
      return false;
    }
  }
  return true;
}

/** Copy of a JSON value; strings are shared (immutable), containers are not. */
export function cloneJSON<T>(x: T): T {
  if (typeof x !== 'object' || x === null) {
    return x;
  }
  if (Array.isArray(x)) {
    return x.map(cloneJSON) as any;
  }
  const out: any = {};
  for (const k of Object.keys(x)) {
    out[k] = cloneJSON((x as any)[k]);
  }
  return out;
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      return false;
    }
  }
  return true;
}

/** True when the notebook can use the per-cell layout (nbformat ≥ 4 shaped). */
export function isCellLayout(nb: any): boolean {
  if (!isPlainObject(nb) || !Array.isArray(nb.cells) || typeof nb.nbformat !== 'number' || nb.nbformat < 4) {
    return false;
  }
  for (const cell of nb.cells) {
    if (!isPlainObject(cell)) {
      return false;
    }
    const src = cell.source;
    if (src !== undefined && typeof src !== 'string' && !(Array.isArray(src) && src.every(s => typeof s === 'string'))) {
      return false;
    }
    const outs = cell.outputs;
    if (outs !== undefined && !(Array.isArray(outs) && outs.every(isPlainObject))) {
      return false;
    }
  }
  return true;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`;
}

/** What restore puts where an output was too large to keep: visible, never a silent gap. */
export function omittedPlaceholder(rec: IOmittedRecord, cap: number): any {
  return {
    output_type: 'display_data',
    data: {
      'text/plain': [
        `[Retrace] This output (${rec.type}; ${rec.mimes.join(', ') || 'no data'}; ${formatBytes(rec.bytes)}) ` +
          `was not kept in history: it is larger than the cap of ${formatBytes(cap)} per output.\n`,
        `Digest of the original: ${rec.digest}`
      ]
    },
    metadata: {
      retrace: {
        omitted: true,
        bytes: rec.bytes,
        digest: rec.digest,
        output_type: rec.type,
        mime_types: rec.mimes
      }
    }
  };
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export interface IEncodeResult {
  /** Root tree entries of the snapshot (notebook.json, order.json, cells). */
  entries: ITreeEntry[];
  omitted: IOmittedOutput[];
  /** Cells whose content was (re)encoded in this call. */
  changedCells: number;
}

export class SnapshotCodec {
  constructor(
    private codec: IObjectCodec,
    readonly maxOutputBytes: number
  ) {}

  state = new SnapshotState();

  encode(nb: any, db: ObjectDatabase): IEncodeResult {
    if (!isCellLayout(nb)) {
      this.state = new SnapshotState();
      const blob = db.putText(JSON.stringify({ format: SNAPSHOT_FORMAT, layout: 'whole', notebook: nb }));
      return { entries: [{ mode: MODE_FILE, name: 'notebook.json', oid: blob }], omitted: [], changedCells: 0 };
    }
    const st = this.state;
    const cells: any[] = nb.cells;
    const keys = cellKeys(cells);
    const seen = new Set<string>();
    let changed = 0;
    const omitted: IOmittedOutput[] = [];
    for (let i = 0; i < cells.length; i++) {
      const key = keys[i];
      const cell = cells[i];
      seen.add(key);
      let cs = st.cells.get(key);
      if (!cs || !deepEqual(cs.copy, cell)) {
        changed++;
        const { tree, omitted: om } = this.encodeCell(cell, db);
        const shard = cs?.shard ?? shardOf(key);
        if (!cs || cs.tree !== tree) {
          let leaf = st.leaves.get(shard);
          if (!leaf) {
            leaf = new Map();
            st.leaves.set(shard, leaf);
          }
          leaf.set(key, tree);
          st.dirty.add(shard);
        }
        cs = { copy: cloneJSON(cell), tree, shard, omitted: om };
        st.cells.set(key, cs);
      }
      for (const rec of cs.omitted) {
        omitted.push(this.omittedOf(rec, cell, i));
      }
    }
    for (const [key, cs] of st.cells) {
      if (!seen.has(key)) {
        st.leaves.get(cs.shard)?.delete(key);
        st.dirty.add(cs.shard);
        st.cells.delete(key);
      }
    }
    this.rebuildTrees(db);

    const top: Record<string, any> = {};
    for (const k of Object.keys(nb)) {
      if (k !== 'cells') {
        top[k] = nb[k];
      }
    }
    const topDoc: any = { format: SNAPSHOT_FORMAT, layout: 'cells', notebook: top };
    const nbKeys = Object.keys(nb);
    if (!isSorted(nbKeys)) {
      topDoc.keys = nbKeys;
    }
    if (!st.top || !deepEqual(st.top.copy, topDoc)) {
      st.top = { copy: cloneJSON(topDoc), blob: db.putText(JSON.stringify(topDoc)) };
    }
    const orderText = JSON.stringify(keys);
    if (!st.order || st.order.text !== orderText) {
      st.order = { text: orderText, blob: db.putText(orderText) };
    }
    const entries: ITreeEntry[] = [
      { mode: MODE_FILE, name: 'notebook.json', oid: st.top.blob },
      { mode: MODE_FILE, name: 'order.json', oid: st.order.blob }
    ];
    if (st.cellsTree) {
      entries.push({ mode: MODE_TREE, name: 'cells', oid: st.cellsTree });
    }
    return { entries, omitted, changedCells: changed };
  }

  private omittedOf(rec: IOmittedRecord, cell: any, index: number): IOmittedOutput {
    return {
      cellId: typeof cell?.id === 'string' ? cell.id : null,
      cellIndex: index,
      outputIndex: rec.i,
      bytes: rec.bytes,
      digest: rec.digest,
      outputType: rec.type,
      mimeTypes: rec.mimes
    };
  }

  private rebuildTrees(db: ObjectDatabase): void {
    const st = this.state;
    if (st.dirty.size === 0 && st.cellsTree !== null) {
      return;
    }
    const mids = new Set<string>();
    for (const shard of st.dirty) {
      const leaf = st.leaves.get(shard);
      if (!leaf || leaf.size === 0) {
        st.leaves.delete(shard);
        st.leafTrees.delete(shard);
      } else {
        const entries: ITreeEntry[] = [];
        for (const [key, oid] of leaf) {
          entries.push({ mode: MODE_TREE, name: key, oid });
        }
        st.leafTrees.set(shard, db.putTree(entries));
      }
      mids.add(shard[0]);
    }
    st.dirty.clear();
    for (const h0 of mids) {
      const entries: ITreeEntry[] = [];
      for (const h1 of HEX) {
        const oid = st.leafTrees.get(h0 + '/' + h1);
        if (oid) {
          entries.push({ mode: MODE_TREE, name: h1, oid });
        }
      }
      if (entries.length === 0) {
        st.mids.delete(h0);
      } else {
        st.mids.set(h0, db.putTree(entries));
      }
    }
    const top: ITreeEntry[] = [];
    for (const h0 of HEX) {
      const oid = st.mids.get(h0);
      if (oid) {
        top.push({ mode: MODE_TREE, name: h0, oid });
      }
    }
    st.cellsTree = top.length ? db.putTree(top) : null;
  }

  private encodeCell(cell: any, db: ObjectDatabase): { tree: string; omitted: IOmittedRecord[] } {
    const fields: Record<string, any> = {};
    const keys = Object.keys(cell);
    for (const k of keys) {
      if (k !== 'source' && k !== 'outputs') {
        fields[k] = cell[k];
      }
    }
    const meta: Record<string, any> = { cell: fields };
    if (!isSorted(keys)) {
      meta.keys = keys;
    }
    const entries: ITreeEntry[] = [];
    const src = cell.source;
    if (src === undefined) {
      meta.src = null;
    } else {
      let text: string;
      if (typeof src === 'string') {
        text = src;
      } else {
        text = src.join('');
        const canonical = splitLines(text);
        meta.src = canonical.length === src.length && canonical.every((s, i) => s === src[i]) ? 'lines' : src;
      }
      entries.push({ mode: MODE_FILE, name: 'source', oid: db.putText(text) });
    }
    const omitted: IOmittedRecord[] = [];
    const outputs = cell.outputs;
    if (outputs !== undefined) {
      meta.outputs = outputs.length;
      const counts: Record<string, [any, number]> = {};
      let hasCounts = false;
      const outEntries: ITreeEntry[] = [];
      for (let j = 0; j < outputs.length; j++) {
        let out = outputs[j];
        const outKeys = Object.keys(out);
        const at = outKeys.indexOf('execution_count');
        let count: [any, number] | null = null;
        if (at >= 0) {
          // Kept apart so a re-run with the same result reuses the same (maybe large) blob.
          count = [out.execution_count, at];
          out = { ...out };
          delete out.execution_count;
        }
        let bytes = textEncoder.encode(JSON.stringify(out));
        if (bytes.length > this.maxOutputBytes) {
          const rec: IOmittedRecord = {
            i: j,
            bytes: bytes.length,
            digest: 'git-blob:' + hashObject(this.codec, 'blob', bytes),
            type: String(out.output_type ?? 'unknown'),
            mimes: isPlainObject(out.data) ? Object.keys(out.data) : []
          };
          omitted.push(rec);
          bytes = textEncoder.encode(JSON.stringify(omittedPlaceholder(rec, this.maxOutputBytes)));
        } else if (count) {
          counts[j] = count;
          hasCounts = true;
        }
        outEntries.push({ mode: MODE_FILE, name: `${j}.json`, oid: db.put('blob', bytes) });
      }
      if (hasCounts) {
        meta.counts = counts;
      }
      if (omitted.length) {
        meta.omitted = omitted;
      }
      if (outEntries.length) {
        entries.push({ mode: MODE_TREE, name: 'outputs', oid: db.putTree(outEntries) });
      }
    }
    entries.push({ mode: MODE_FILE, name: 'meta.json', oid: db.putText(JSON.stringify(meta)) });
    return { tree: db.putTree(entries), omitted };
  }

  /**
   * The tree id of each cell of a snapshot, in notebook order, read from the
   * small trees only. Identical ids mean identical cells (source, outputs,
   * metadata), so a comparison needs to read only the cells whose ids differ.
   * Null for a snapshot stored whole (no per-cell trees).
   */
  async cellTreeIds(db: ObjectDatabase, rootEntries: ITreeEntry[]): Promise<{ key: string; tree: string }[] | null> {
    const layout = await this.readLayout(db, rootEntries);
    if (!layout.cellTrees) {
      return null;
    }
    return layout.order.map(key => ({ key, tree: layout.cellTrees!.get(key)?.oid ?? '' }));
  }

  /** The top document, the cell order and the per-cell tree ids (small objects only). */
  private async readLayout(db: ObjectDatabase, rootEntries: ITreeEntry[]) {
    const root = new Map(rootEntries.map(e => [e.name, e]));
    const nbEntry = root.get('notebook.json');
    if (!nbEntry) {
      throw new Error('not a Retrace snapshot: notebook.json is missing');
    }
    const wanted = [nbEntry.oid];
    const orderEntry = root.get('order.json');
    if (orderEntry) {
      wanted.push(orderEntry.oid);
    }
    const cellsEntry = root.get('cells');
    if (cellsEntry) {
      wanted.push(cellsEntry.oid);
    }
    const first = await db.readMany(wanted);
    const topDoc = JSON.parse(textDecoder.decode(first.get(nbEntry.oid)!.content));
    if (topDoc.layout === 'whole') {
      return { topDoc, order: [] as string[], orderText: '', cellTrees: null, st: new SnapshotState(), nbEntry, orderEntry };
    }
    if (typeof topDoc.format !== 'number' || topDoc.format > SNAPSHOT_FORMAT) {
      throw new Error(`snapshot format ${topDoc.format} is newer than this version of Retrace understands`);
    }
    const orderText = orderEntry ? textDecoder.decode(first.get(orderEntry.oid)!.content) : '[]';
    const order: string[] = JSON.parse(orderText);

    const st = new SnapshotState();
    const cellTrees = new Map<string, { oid: string; shard: string }>();
    if (cellsEntry) {
      st.cellsTree = cellsEntry.oid;
      const mids = decodeTreeOf(first.get(cellsEntry.oid)!);
      const midObjs = await db.readMany(mids.map(m => m.oid));
      const leafRefs: { shard: string; oid: string }[] = [];
      for (const m of mids) {
        st.mids.set(m.name, m.oid);
        for (const l of decodeTreeOf(midObjs.get(m.oid)!)) {
          leafRefs.push({ shard: `${m.name}/${l.name}`, oid: l.oid });
        }
      }
      const leafObjs = await db.readMany(leafRefs.map(l => l.oid));
      for (const l of leafRefs) {
        st.leafTrees.set(l.shard, l.oid);
        const leaf = new Map<string, string>();
        for (const c of decodeTreeOf(leafObjs.get(l.oid)!)) {
          leaf.set(c.name, c.oid);
          cellTrees.set(c.name, { oid: c.oid, shard: l.shard });
        }
        st.leaves.set(l.shard, leaf);
      }
    }
    return { topDoc, order, orderText, cellTrees: cellTrees as Map<string, { oid: string; shard: string }> | null, st, nbEntry, orderEntry };
  }

  /**
   * Read the snapshot whose root tree is `rootEntries`. With `adopt`, the codec's
   * memory becomes this snapshot, so committing it (or a small edit of it) next is cheap.
   * Cells whose tree id is in `skipTrees` are not read and come back as null
   * (only without `adopt`: the codec's memory needs every cell).
   */
  async decode(db: ObjectDatabase, rootEntries: ITreeEntry[], adopt: boolean, skipTrees?: ReadonlySet<string>): Promise<ISnapshot> {
    const layout = await this.readLayout(db, rootEntries);
    if (!layout.cellTrees) {
      if (adopt) {
        this.state = new SnapshotState();
      }
      return { notebook: layout.topDoc.notebook, omitted: [], layout: 'whole' };
    }
    const { topDoc, order, orderText, cellTrees, st, nbEntry, orderEntry } = layout;
    const skip = adopt ? undefined : skipTrees;
    const wantedTrees = [...cellTrees.entries()].filter(([, ref]) => !skip?.has(ref.oid));
    const cellTreeObjs = await db.readMany(wantedTrees.map(([, c]) => c.oid));
    const parts = new Map<string, Map<string, string>>();
    const blobs: string[] = [];
    const outTrees: string[] = [];
    for (const [key, ref] of wantedTrees) {
      const m = new Map(decodeTreeOf(cellTreeObjs.get(ref.oid)!).map(e => [e.name, e.oid]));
      parts.set(key, m);
      for (const [name, oid] of m) {
        (name === 'outputs' ? outTrees : blobs).push(oid);
      }
    }
    const second = await db.readMany([...blobs, ...outTrees]);
    const outBlobs: string[] = [];
    const outLists = new Map<string, Map<string, string>>();
    for (const oid of outTrees) {
      const m = new Map(decodeTreeOf(second.get(oid)!).map(e => [e.name, e.oid]));
      outLists.set(oid, m);
      outBlobs.push(...m.values());
    }
    const third = await db.readMany(outBlobs);
    const text = (oid: string | undefined, map: Map<string, any>) => {
      if (!oid) {
        throw new Error('snapshot is missing a file');
      }
      return textDecoder.decode(map.get(oid)!.content);
    };

    const cells: any[] = [];
    const omitted: IOmittedOutput[] = [];
    for (let index = 0; index < order.length; index++) {
      const key = order[index];
      if (skip?.has(cellTrees.get(key)?.oid ?? '')) {
        cells.push(null);
        continue;
      }
      const p = parts.get(key);
      if (!p) {
        throw new Error(`snapshot lists cell ${key} but has no folder for it`);
      }
      const meta = JSON.parse(text(p.get('meta.json'), second));
      const fields = meta.cell ?? {};
      const values: Record<string, any> = { ...fields };
      if (meta.src !== null) {
        const srcText = text(p.get('source'), second);
        values.source = meta.src === undefined ? srcText : meta.src === 'lines' ? splitLines(srcText) : meta.src;
      }
      if (typeof meta.outputs === 'number') {
        const outs: any[] = [];
        const list = p.get('outputs') ? outLists.get(p.get('outputs')!)! : new Map<string, string>();
        for (let j = 0; j < meta.outputs; j++) {
          let out = JSON.parse(text(list.get(`${j}.json`), third));
          const count = meta.counts?.[j];
          if (count) {
            const entries = Object.entries(out);
            entries.splice(count[1], 0, ['execution_count', count[0]]);
            out = Object.fromEntries(entries);
          }
          outs.push(out);
        }
        values.outputs = outs;
      }
      const keyOrder: string[] = meta.keys ?? Object.keys(values).sort();
      const cell: Record<string, any> = {};
      for (const k of keyOrder) {
        if (k in values) {
          cell[k] = values[k];
        }
      }
      cells.push(cell);
      const recs: IOmittedRecord[] = meta.omitted ?? [];
      for (const rec of recs) {
        omitted.push(this.omittedOf(rec, cell, index));
      }
      const ref = cellTrees.get(key)!;
      st.cells.set(key, { copy: cloneJSON(cell), tree: ref.oid, shard: ref.shard, omitted: recs });
    }
    const values: Record<string, any> = { ...topDoc.notebook, cells };
    const nbKeys: string[] = topDoc.keys ?? Object.keys(values).sort();
    const notebook: Record<string, any> = {};
    for (const k of nbKeys) {
      if (k in values) {
        notebook[k] = values[k];
      }
    }
    if (adopt) {
      st.top = { copy: cloneJSON(topDoc), blob: nbEntry.oid };
      st.order = { text: orderText, blob: orderEntry?.oid ?? '' };
      if (!orderEntry) {
        st.order = null;
      }
      this.state = st;
      db.markKnown(st.oids());
    }
    return { notebook, omitted, layout: 'cells' };
  }
}

function decodeTreeOf(obj: { type: string; content: Uint8Array }): ITreeEntry[] {
  if (obj.type !== 'tree') {
    throw new Error(`expected a tree, found a ${obj.type}`);
  }
  return decodeTree(obj.content);
}
