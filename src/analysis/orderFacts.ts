/**
 * What the canonical order needs to know about one source text, derived once
 * per distinct source: the static effects from the injected analyzer plus the
 * code-level heuristics of `orderHeuristics.ts`.
 */

import { emptyEffects } from './effects';
import { CellEffects } from './types';
import { callableNames, EnvKind, envKind, importedNames, maskCommentsAndStrings, seedsRandomness } from './orderHeuristics';

export interface CodeFacts {
  effects: CellEffects;
  /** Names bound by import statements. */
  imports: Set<string>;
  /** Names bound to functions/classes: their body reads happen when called. */
  callables: Set<string>;
  env: EnvKind;
  seeds: boolean;
  /** Randomness effects other than seeding. */
  draws: string[];
  times: string[];
  filesRead: string[];
  filesWritten: string[];
  /**
   * When the source only defines functions/classes (and imports), the names it
   * reads at definition time: those on `def`/`class`/decorator lines. null
   * when the source has other top-level statements (then every use is read).
   */
  headerReads: Set<string> | null;
}

/** What a run that could not be analysed contributes: nothing known, marked unparsed. */
const EMPTY: CellEffects = { ...emptyEffects(), parseError: true };

const KEYWORDS = new Set(
  'def class async await lambda return if else elif for in is not and or None True False with as yield pass'.split(' ')
);

function headerReads(code: string): Set<string> | null {
  let sawDef = false;
  const names = new Set<string>();
  for (const line of code.split('\n')) {
    if (line === '' || /^\s/.test(line) || line.startsWith('#')) {
      continue;
    }
    if (/^(?:@|(?:async\s+)?def\s|class\s)/.test(line)) {
      sawDef = true;
      // For `def`, only defaults/annotations are read: drop the function name.
      const header = line.replace(/^(?:async\s+)?(?:def|class)\s+\w+/, '');
      for (const m of header.match(/[A-Za-z_]\w*/g) ?? []) {
        if (!KEYWORDS.has(m)) {
          names.add(m);
        }
      }
      continue;
    }
    if (/^(?:import\s|from\s+\S+\s+import\s)/.test(line) || /^[)\]}]/.test(line) || /^[rbuRBU]?("""|''')/.test(line)) {
      continue;
    }
    return null;
  }
  return sawDef ? names : null;
}

export function deriveFacts(code: string, analyze: (code: string) => CellEffects): CodeFacts {
  let effects: CellEffects;
  try {
    effects = analyze(code);
  } catch {
    effects = EMPTY;
  }
  const draws: string[] = [];
  const times: string[] = [];
  const filesRead: string[] = [];
  const filesWritten: string[] = [];
  for (const e of effects.effects) {
    if (e.kind === 'randomness') {
      if (!/seed/i.test(e.name)) {
        draws.push(e.name);
      }
    } else if (e.kind === 'time') {
      times.push(e.name);
    } else if (e.kind === 'file-read') {
      filesRead.push(normalizePath(e.path));
    } else if (e.kind === 'file-write') {
      filesWritten.push(normalizePath(e.path));
    }
  }
  // The syntax walker knows imports and callables; the rest is scanned on code
  // whose comments and strings are blanked.
  const masked = maskCommentsAndStrings(code);
  return {
    effects,
    imports: new Set(effects.imports ?? importedNames(masked)),
    callables: new Set(effects.callables ?? callableNames(masked)),
    env: envKind(masked),
    seeds: seedsRandomness(masked),
    draws,
    times,
    filesRead,
    filesWritten,
    headerReads: headerReads(masked)
  };
}

/** `./data/x.csv` and `data/x.csv` are the same file for the order. */
export function normalizePath(p: string): string {
  return p.replace(/^(?:\.\/)+/, '').replace(/\/{2,}/g, '/');
}
