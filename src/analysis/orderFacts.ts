/**
 * What the canonical order needs to know about one source text, derived once
 * per distinct source from the injected analyzer's syntax walk (imports,
 * callables, seeds, environment changes, definition-time reads): text in a
 * comment or a string is never code.
 */

import { emptyEffects } from './effects';
import { CellEffects } from './types';

/** See `CellEffects.environment`. */
export type EnvKind = 'barrier' | 'install' | 'setup' | null;

export interface CodeFacts {
  effects: CellEffects;
  /** Names bound by import statements. */
  imports: Set<string>;
  /** Names bound to functions/classes: their body reads happen when called. */
  callables: Set<string>;
  env: EnvKind;
  seeds: boolean;
  /** Calls into a random-number library (they may draw after a seed). */
  randomLibraryCalls: boolean;
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
  return {
    effects,
    imports: new Set(effects.imports ?? []),
    callables: new Set(effects.callables ?? []),
    env: effects.environment ?? null,
    seeds: effects.seeds ?? false,
    randomLibraryCalls: effects.randomLibraryCalls ?? false,
    draws,
    times,
    filesRead,
    filesWritten,
    headerReads: effects.definitionReads ? new Set(effects.definitionReads) : null
  };
}

/** `./data/x.csv` and `data/x.csv` are the same file for the order. */
export function normalizePath(p: string): string {
  return p.replace(/^(?:\.\/)+/, '').replace(/\/{2,}/g, '/');
}

/**
 * The module each name an import statement binds stands for (`import a.b as c`: c -> a.b; `from a
 * import b`: b -> a.b; see `CellEffects.importedModules`); null when the code of facts `f` (a
 * statement) does anything but import.
 */
export function importBindings(f: CodeFacts): Map<string, string> | null {
  const e = f.effects;
  if (
    f.imports.size === 0 ||
    e.parseError ||
    e.unknownDefines ||
    e.effects.length > 0 ||
    e.mayDefine.length > 0 ||
    e.deletes.length > 0 ||
    e.mutates.length > 0 ||
    !e.defines.every(n => f.imports.has(n))
  ) {
    return null;
  }
  const bound = new Map(Object.entries(e.importedModules ?? {}));
  return bound.size > 0 && Array.from(bound.keys()).every(n => f.imports.has(n)) ? bound : null;
}

/**
 * What a name holds after another import binds it: `import a.b, a.c` leaves `a` with both
 * submodules loaded, another value than `import a.c` alone (sorted: the order does not matter).
 */
export function withModule(held: string | undefined, module: string): string {
  return held === undefined ? module : Array.from(new Set([...held.split(','), module])).sort().join(',');
}
