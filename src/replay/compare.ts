/**
 * Compares the outputs a replay produced with the outputs recorded when the
 * run first happened. Text is normalised for what legitimately changes between
 * two identical runs (object addresses, trailing spaces, execution counts);
 * images and other binary data are compared by digest, never byte by byte in
 * the UI.
 */
import type { IOutput, MultilineString } from '@jupyterlab/nbformat';

export type OutputComparison =
  | { same: true }
  | {
      same: false;
      /** What differs, for the report: the first differing output and how. */
      detail: string;
      /** Index of the first output that differs. */
      index: number;
    };

/** Output types whose text says what a replay printed or returned. */
const ADDRESS = /\b0x[0-9a-fA-F]{6,16}\b/g;
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

function text(value: MultilineString | undefined): string {
  return Array.isArray(value) ? value.join('') : value ?? '';
}

/** Text with object addresses, colour codes and trailing blanks normalised. */
export function normaliseText(value: string): string {
  return value
    .replace(ANSI, '')
    .replace(ADDRESS, '0x…')
    .replace(/[ \t]+$/gm, '')
    .replace(/\s+$/, '');
}

/** A short, stable digest (FNV-1a, 52 bits) so large data compares cheaply and can be shown. */
export function digest(value: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619) >>> 0;
    h2 = Math.imul(h2 ^ c, 2246822519) >>> 0;
  }
  return ((h2 & 0xfffff) * 0x100000000 + h1).toString(16).padStart(13, '0');
}

const TEXT_TYPES = /^(text\/|application\/json$|application\/javascript$)/;

/** The comparable form of one output: a kind and a normalised value. */
export function outputKey(output: IOutput): string {
  switch (output.output_type) {
    case 'stream':
      return `stream:${output.name}:${normaliseText(text(output.text as MultilineString))}`;
    case 'error':
      return `error:${output.ename}:${normaliseText(String(output.evalue))}`;
    case 'execute_result':
    case 'display_data': {
      const data = (output.data ?? {}) as Record<string, unknown>;
      const parts = Object.keys(data)
        .sort()
        // Widgets' model ids change on every run: compare only that a widget was shown.
        .filter(mime => mime !== 'application/vnd.jupyter.widget-view+json')
        .map(mime => {
          const value = data[mime];
          const raw = typeof value === 'string' || Array.isArray(value) ? text(value as MultilineString) : JSON.stringify(value);
          return TEXT_TYPES.test(mime) ? `${mime}=${normaliseText(raw)}` : `${mime}#${digest(raw)}`;
        });
      return `data:${parts.join('|')}`;
    }
    default:
      return `other:${JSON.stringify(output)}`;
  }
}

/** Streams are split arbitrarily by the kernel: merge consecutive chunks of one stream before comparing. */
function mergeStreams(outputs: readonly IOutput[]): IOutput[] {
  const merged: IOutput[] = [];
  for (const output of outputs) {
    const last = merged[merged.length - 1];
    if (output.output_type === 'stream' && last?.output_type === 'stream' && last.name === output.name) {
      merged[merged.length - 1] = { ...last, text: text(last.text as MultilineString) + text(output.text as MultilineString) };
    } else {
      merged.push(output);
    }
  }
  return merged;
}

/** Compare a replay's outputs with the recorded ones. */
export function compareOutputs(recorded: readonly IOutput[], replayed: readonly IOutput[]): OutputComparison {
  const a = mergeStreams(recorded);
  const b = mergeStreams(replayed);
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (i >= a.length) {
      return { same: false, index: i, detail: `extra output: ${describe(b[i])}` };
    }
    if (i >= b.length) {
      return { same: false, index: i, detail: `missing output: ${describe(a[i])}` };
    }
    const ka = outputKey(a[i]);
    const kb = outputKey(b[i]);
    if (ka !== kb) {
      return { same: false, index: i, detail: `${describe(a[i])} → ${describe(b[i])}` };
    }
  }
  return { same: true };
}

/** One line saying what an output is, for the report. */
export function describe(output: IOutput): string {
  switch (output.output_type) {
    case 'stream':
      return `${output.name} "${ellipsis(normaliseText(text(output.text as MultilineString)))}"`;
    case 'error':
      return `${output.ename}: ${ellipsis(String(output.evalue))}`;
    case 'execute_result':
    case 'display_data': {
      const data = (output.data ?? {}) as Record<string, unknown>;
      const plain = data['text/plain'];
      if (plain !== undefined && Object.keys(data).every(m => m === 'text/plain' || TEXT_TYPES.test(m))) {
        return `"${ellipsis(normaliseText(text(plain as MultilineString)))}"`;
      }
      const image = Object.keys(data).find(m => m.startsWith('image/'));
      if (image) {
        return `${image} #${digest(text(data[image] as MultilineString)).slice(0, 8)}`;
      }
      return Object.keys(data).sort().join(', ');
    }
    default:
      return String(output.output_type);
  }
}

function ellipsis(value: string, max = 60): string {
  const oneLine = value.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? oneLine.slice(0, max - 1) + '…' : oneLine;
}
