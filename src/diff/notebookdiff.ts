/**
 * The difference between two notebooks (nbformat JSON), cell by cell.
 *
 * Cells are aligned by their stable ids, so no fuzzy matching is needed: a
 * cell is added, removed, moved (its id is in both but out of order),
 * changed (source, outputs, type or metadata) or unchanged. The order of the
 * result is the "after" notebook's, with removed cells where they stood.
 * Plain TypeScript (no UI): it runs in Node, for tests and benchmarks.
 */
import { diffArrays } from 'diff';

import { cellKeys } from '../history/snapshot';

export type CellChange = 'added' | 'removed' | 'changed' | 'unchanged';

export type OutputChange = 'added' | 'removed' | 'changed' | 'unchanged';

export interface IOutputDiff {
  kind: OutputChange;
  before: any | null;
  after: any | null;
}

export interface ICellDiff {
  /** The cell's stable key (its id, or a key derived from its position when it has none). */
  key: string;
  kind: CellChange;
  /** Also true for a changed or unchanged cell: its id is in both, out of order. */
  moved: boolean;
  before: any | null;
  after: any | null;
  /** 0-based positions in each notebook. */
  beforeIndex: number | null;
  afterIndex: number | null;
  sourceChanged: boolean;
  outputsChanged: boolean;
  typeChanged: boolean;
  /** Names of cell metadata keys that differ. */
  metadataChanged: string[];
  /** Output by output, for cells in both notebooks (empty otherwise). */
  outputs: IOutputDiff[];
}

export interface INotebookDiff {
  cells: ICellDiff[];
  /** Notebook-level metadata keys that were added, removed or changed. */
  metadata: { added: string[]; removed: string[]; changed: string[] };
  counts: { added: number; removed: number; changed: number; moved: number; unchanged: number };
}

/** The source of a cell as one string (nbformat allows a list of lines). */
export function sourceOf(cell: any): string {
  const source = cell?.source ?? '';
  return Array.isArray(source) ? source.join('') : String(source);
}

/** Compare two notebooks. */
export function diffNotebooks(before: any, after: any): INotebookDiff {
  const a: any[] = Array.isArray(before?.cells) ? before.cells : [];
  const b: any[] = Array.isArray(after?.cells) ? after.cells : [];
  const aKeys = cellKeys(a);
  const bKeys = cellKeys(b);
  const aIndex = new Map(aKeys.map((k, i) => [k, i]));
  const bIndex = new Map(bKeys.map((k, i) => [k, i]));

  const cells: ICellDiff[] = [];
  for (const part of diffArrays(aKeys, bKeys)) {
    for (const key of part.value) {
      if (part.removed) {
        // A key that is in both notebooks but out of order is shown once, where it now stands.
        if (!bIndex.has(key)) {
          const i = aIndex.get(key)!;
          cells.push(single(key, 'removed', a[i], null, i, null));
        }
      } else if (part.added) {
        const j = bIndex.get(key)!;
        const i = aIndex.get(key);
        cells.push(i === undefined ? single(key, 'added', null, b[j], null, j) : compareCell(key, a[i], b[j], i, j, true));
      } else {
        cells.push(compareCell(key, a[aIndex.get(key)!], b[bIndex.get(key)!], aIndex.get(key)!, bIndex.get(key)!, false));
      }
    }
  }
  const counts = { added: 0, removed: 0, changed: 0, moved: 0, unchanged: 0 };
  for (const cell of cells) {
    counts[cell.kind]++;
    if (cell.moved) {
      counts.moved++;
    }
  }
  return { cells, metadata: compareKeys(before?.metadata ?? {}, after?.metadata ?? {}), counts };
}

function single(key: string, kind: 'added' | 'removed', before: any, after: any, beforeIndex: number | null, afterIndex: number | null): ICellDiff {
  return {
    key,
    kind,
    moved: false,
    before,
    after,
    beforeIndex,
    afterIndex,
    sourceChanged: true,
    outputsChanged: ((before ?? after)?.outputs?.length ?? 0) > 0,
    typeChanged: false,
    metadataChanged: [],
    outputs: []
  };
}

function compareCell(key: string, before: any, after: any, beforeIndex: number, afterIndex: number, moved: boolean): ICellDiff {
  const sourceChanged = sourceOf(before) !== sourceOf(after);
  const typeChanged = before.cell_type !== after.cell_type;
  const outputs = compareOutputs(before.outputs ?? [], after.outputs ?? []);
  const outputsChanged = outputs.some(o => o.kind !== 'unchanged');
  const meta = compareKeys(withoutBookkeeping(before.metadata), withoutBookkeeping(after.metadata));
  const metadataChanged = [...meta.added, ...meta.removed, ...meta.changed];
  const changed = sourceChanged || typeChanged || outputsChanged || metadataChanged.length > 0;
  return {
    key,
    kind: changed ? 'changed' : 'unchanged',
    moved,
    before,
    after,
    beforeIndex,
    afterIndex,
    sourceChanged,
    outputsChanged,
    typeChanged,
    metadataChanged,
    outputs
  };
}

/** Outputs compared position by position (execution counts inside results are ignored). */
function compareOutputs(before: any[], after: any[]): IOutputDiff[] {
  const out: IOutputDiff[] = [];
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const x = before[i] ?? null;
    const y = after[i] ?? null;
    if (x === null) {
      out.push({ kind: 'added', before: null, after: y });
    } else if (y === null) {
      out.push({ kind: 'removed', before: x, after: null });
    } else {
      out.push({ kind: outputKey(x) === outputKey(y) ? 'unchanged' : 'changed', before: x, after: y });
    }
  }
  return out;
}

function outputKey(output: any): string {
  if (output && 'execution_count' in output) {
    return JSON.stringify({ ...output, execution_count: null });
  }
  return JSON.stringify(output);
}

/**
 * Cell metadata the front end keeps for itself: `trusted` flips when a cell
 * runs and `execution` holds timings; neither is the user's change.
 */
const BOOKKEEPING = ['trusted', 'execution'];

function withoutBookkeeping(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  const copy = { ...metadata };
  for (const key of BOOKKEEPING) {
    delete copy[key];
  }
  return copy;
}

function compareKeys(before: Record<string, unknown>, after: Record<string, unknown>): INotebookDiff['metadata'] {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const key of Object.keys(after)) {
    if (!(key in before)) {
      added.push(key);
    } else if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      changed.push(key);
    }
  }
  for (const key of Object.keys(before)) {
    if (!(key in after)) {
      removed.push(key);
    }
  }
  return { added, removed, changed };
}

/** The text of an output as a diff shows it (stream text, error traceback, or text/plain), or null for rich-only outputs. */
export function outputText(output: any): string | null {
  if (!output) {
    return null;
  }
  const join = (v: unknown) => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : null);
  switch (output.output_type) {
    case 'stream':
      return join(output.text);
    case 'error':
      return `${output.ename}: ${output.evalue}`;
    default: {
      const data = output.data ?? {};
      const rich = Object.keys(data).some(m => m.startsWith('image/') || m === 'text/html');
      return rich ? null : join(data['text/plain']);
    }
  }
}

/** The image of an output, as a data URL, if it has one. */
export function outputImage(output: any): string | null {
  const data = output?.data ?? {};
  for (const mime of ['image/png', 'image/jpeg', 'image/gif']) {
    const value = data[mime];
    if (value) {
      return `data:${mime};base64,${(Array.isArray(value) ? value.join('') : String(value)).replace(/\n/g, '')}`;
    }
  }
  if (data['image/svg+xml']) {
    const svg = Array.isArray(data['image/svg+xml']) ? data['image/svg+xml'].join('') : String(data['image/svg+xml']);
    return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  }
  return null;
}
