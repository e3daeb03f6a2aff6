/**
 * Compares the outputs a replay produced with the outputs recorded when the
 * run first happened. Text is normalised for what legitimately changes between
 * two identical runs (object addresses, trailing spaces, execution counts),
 * then passed through sanitizers for what always differs (SVG element ids,
 * timings of `%%time`/`%timeit`, progress bars), plus the notebook's own
 * (`metadata.retrace.check.sanitize`, as nbval's sanitize file); images and
 * other binary data are compared by digest, never byte by byte in the UI.
 */
import type { IOutput, MultilineString } from '@jupyterlab/nbformat';

/** One rewrite applied to output text before comparing (nbval's `regex`/`replace`). */
export interface ISanitizer {
  regex: RegExp;
  replace: string;
}

export interface ICompareOptions {
  /** Applied in order to every text output after the built-in normalisation. */
  sanitizers?: readonly ISanitizer[];
}

/** What differs between every two runs of the same code, whatever it computes. */
export const BUILTIN_SANITIZERS: readonly ISanitizer[] = [
  // `%%time` / `%time`
  { regex: /^(CPU times:|Wall time:).*$/gm, replace: '$1 …' },
  // `%timeit`: "1.23 ms ± 4.5 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)"
  { regex: /^[\d.]+ ?[nµum]?s ± [\d.]+ ?[nµum]?s per loop .*$/gm, replace: '… per loop' },
  // tqdm-style progress bars: elapsed<remaining, rate
  { regex: /\[\d+:\d+(?::\d+)?<[^\]\n]*\]/g, replace: '[…]' },
  { regex: /\b\d+(?:\.\d+)?(?:it|s)\/(?:s|it)\b/g, replace: '…/s' }
];

/**
 * The notebook's sanitizers from its metadata, the same list `jupyter retrace
 * check` reads (`retrace.check.sanitize`), plus any for the page only
 * (`retrace.replay.sanitize`): `[{"regex": "…", "replace": "…"}]`.
 * `"retrace": {"replay": {"builtinSanitizers": false}}` turns the built-in
 * ones off. A pattern that does not compile is reported, never silently dropped.
 */
export function sanitizersFromMetadata(metadata: unknown): { sanitizers: ISanitizer[]; errors: string[] } {
  const retrace = (metadata as any)?.retrace;
  const sanitizers: ISanitizer[] = retrace?.replay?.builtinSanitizers === false ? [] : BUILTIN_SANITIZERS.slice();
  const errors: string[] = [];
  for (const where of ['check', 'replay']) {
    const list = retrace?.[where]?.sanitize;
    if (list === undefined) {
      continue;
    }
    if (!Array.isArray(list)) {
      errors.push(`metadata.retrace.${where}.sanitize must be a list of {"regex", "replace"}`);
      continue;
    }
    for (const entry of list) {
      if (typeof entry?.regex !== 'string') {
        errors.push(`sanitizer without a "regex" string: ${JSON.stringify(entry)}`);
        continue;
      }
      try {
        sanitizers.push({ regex: new RegExp(entry.regex, 'gm'), replace: typeof entry.replace === 'string' ? entry.replace : '' });
      } catch (error) {
        errors.push(`sanitizer ${JSON.stringify(entry.regex)}: ${(error as Error).message}`);
      }
    }
  }
  return { sanitizers, errors };
}

function sanitize(value: string, sanitizers: readonly ISanitizer[]): string {
  let out = value;
  for (const s of sanitizers) {
    s.regex.lastIndex = 0;
    out = out.replace(s.regex, s.replace);
  }
  return out;
}

/** A progress bar redraws its line with carriage returns: only what stays on screen counts. */
function collapseCarriageReturns(value: string): string {
  return value.includes('\r') ? value.split('\n').map(line => line.slice(line.lastIndexOf('\r') + 1)).join('\n') : value;
}

/**
 * SVG element ids (matplotlib makes new random ones on every draw) renamed in
 * order of first appearance, references included, so two drawings of the
 * same figure compare equal.
 */
export function canonicalSvgIds(svg: string): string {
  const names = new Map<string, string>();
  svg.replace(/\bid="([^"]+)"/g, (_, id: string) => {
    if (!names.has(id)) {
      names.set(id, `id${names.size}`);
    }
    return '';
  });
  if (names.size === 0) {
    return svg;
  }
  const escape = (id: string) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const any = new RegExp(`(id="|#)(${Array.from(names.keys()).map(escape).join('|')})(?=["')\\s])`, 'g');
  return svg.replace(any, (_, prefix: string, id: string) => prefix + names.get(id)!);
}

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
export function normaliseText(value: string, sanitizers: readonly ISanitizer[] = []): string {
  return sanitize(collapseCarriageReturns(value), sanitizers)
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
export function outputKey(output: IOutput, sanitizers: readonly ISanitizer[] = BUILTIN_SANITIZERS): string {
  switch (output.output_type) {
    case 'stream':
      return `stream:${output.name}:${normaliseText(text(output.text as MultilineString), sanitizers)}`;
    case 'error':
      return `error:${output.ename}:${normaliseText(String(output.evalue), sanitizers)}`;
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
          if (mime === 'image/svg+xml') {
            return `${mime}#${digest(sanitize(canonicalSvgIds(raw), sanitizers))}`;
          }
          return TEXT_TYPES.test(mime) ? `${mime}=${normaliseText(raw, sanitizers)}` : `${mime}#${digest(raw)}`;
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
export function compareOutputs(recorded: readonly IOutput[], replayed: readonly IOutput[], options: ICompareOptions = {}): OutputComparison {
  const sanitizers = options.sanitizers ?? BUILTIN_SANITIZERS;
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
    const ka = outputKey(a[i], sanitizers);
    const kb = outputKey(b[i], sanitizers);
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
