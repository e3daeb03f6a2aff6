/**
 * Test kit for the canonical-order specs (which run on the real analyzer,
 * `analyzeCell`): a tiny interpreter for a Python subset (integers,
 * `x = a + 1`, `x += 1`, `del x`, `x.append(a)`, constant-key stores and
 * reads `x["k"] = a`, `x["k"]`), a seeded PRNG, a session builder, and
 * helpers that read an order on the real analyzer.
 */

import { analyzeCell } from './effects';
import { canonicalOrder, CanonicalOrder } from './order';
import { AnalysisCell, AnalysisRun, TracedEffects } from './types';

/**
 * Values of the mini language: integers with the constant keys stored on
 * them (`x["k"] = 1`; copied on assignment, so no aliasing), modules as strings.
 */
export interface Obj {
  v: number;
  keys: Record<string, number>;
}
export type Value = Obj | string;
export type Namespace = Map<string, Value>;

/**
 * Runs `code` (one statement per line: `x = a + 1`, `x += a`, `del x`,
 * `x.append(a)`, `x["k"] = a`, `print(a)`, `import m`; a term is a name, a
 * number or `x["k"]`) in `ns`; stops at the first NameError or KeyError like
 * Python. A name read whole stands for its number plus its keys' values.
 * `trace` collects what a tracer would see: names bound, deleted, changed in
 * place, and the lines that started.
 */
export function interpret(
  code: string,
  ns: Namespace,
  trace?: { bound: Set<string>; deleted: Set<string>; mutated: Set<string>; started?: string[] }
): 'ok' | 'error' {
  const bind = (name: string, v: Value): void => {
    ns.set(name, v);
    trace?.bound.add(name);
    trace?.deleted.delete(name);
  };
  const obj = (name: string): Obj => {
    const v = ns.get(name);
    if (v === undefined || typeof v === 'string') {
      throw new Error('NameError: ' + name);
    }
    return v;
  };
  const mutate = (name: string, v: Obj): void => {
    ns.set(name, v);
    trace?.mutated.add(name);
  };
  const whole = (o: Obj): number => o.v + Object.values(o.keys).reduce((a, b) => a + b, 0);
  const value = (expr: string): number => {
    let total = 0;
    for (const term of expr.split('+').map(t => t.trim())) {
      let m: RegExpExecArray | null;
      if (/^\d+$/.test(term)) {
        total += Number(term);
      } else if ((m = /^(\w+)\["(\w+)"\]$/.exec(term))) {
        const k = obj(m[1]).keys[m[2]];
        if (k === undefined) {
          throw new Error('KeyError: ' + term);
        }
        total += k;
      } else {
        total += whole(obj(term));
      }
    }
    return total;
  };
  try {
    for (const line of code.split('\n')) {
      // IPython runs a cell's statements one at a time: the lines that started.
      trace?.started?.push(line);
      let m: RegExpExecArray | null;
      if ((m = /^import\s+(\w+)$/.exec(line))) {
        bind(m[1], 'module ' + m[1]);
      } else if ((m = /^del\s+(\w+)$/.exec(line))) {
        if (!ns.has(m[1])) {
          throw new Error('NameError: ' + m[1]);
        }
        ns.delete(m[1]);
        trace?.bound.delete(m[1]);
        trace?.deleted.add(m[1]);
      } else if ((m = /^(\w+)\s*\+=\s*(.+)$/.exec(line))) {
        const o = obj(m[1]);
        bind(m[1], { v: whole(o) + value(m[2]), keys: { ...o.keys } });
      } else if ((m = /^(\w+)\.append\((.+)\)$/.exec(line))) {
        const o = obj(m[1]);
        mutate(m[1], { v: whole(o) * 7 + value(m[2]), keys: { ...o.keys } });
      } else if ((m = /^(\w+)\["(\w+)"\]\s*=\s*(.+)$/.exec(line))) {
        const o = obj(m[1]);
        const v = value(m[3]);
        mutate(m[1], { v: o.v, keys: { ...o.keys, [m[2]]: v } });
      } else if ((m = /^(\w+)\s*=\s*(.+)$/.exec(line))) {
        bind(m[1], { v: value(m[2]), keys: {} });
      } else if ((m = /^print\((.+)\)$/.exec(line))) {
        value(m[1]);
      } else {
        throw new Error('unsupported line ' + line);
      }
    }
    return 'ok';
  } catch (e) {
    if (String(e).includes('unsupported')) {
      throw e;
    }
    return 'error';
  }
}

/** mulberry32: a small seeded PRNG so random tests are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds runs and cells by hand: `s.cell('a', 'x = 1')`, `s.run('a')`. */
export class SessionBuilder {
  cells: AnalysisCell[] = [];
  runs: AnalysisRun[] = [];

  cell(id: string, source: string): this {
    const c = this.cells.find(x => x.id === id);
    if (c) {
      c.source = source;
    } else {
      this.cells.push({ id, type: 'code', source });
    }
    return this;
  }

  /** Run the cell's current source (or `code` typed in the console when id is null). */
  run(id: string | null, opts: { status?: AnalysisRun['status']; traced?: Partial<TracedEffects>; code?: string } = {}): this {
    const code = opts.code ?? this.cells.find(c => c.id === id)!.source;
    const traced = opts.traced
      ? { added: [], rebound: [], deleted: [], mutated: [], filesRead: [], filesWritten: [], ...opts.traced }
      : undefined;
    this.runs.push({
      index: this.runs.length,
      cellId: id,
      code,
      executionCount: this.runs.length + 1,
      status: opts.status ?? 'ok',
      traced
    });
    return this;
  }

  remove(id: string): this {
    this.cells = this.cells.filter(c => c.id !== id);
    return this;
  }

  markdown(id: string, source: string): this {
    this.cells.push({ id, type: 'markdown', source });
    return this;
  }
}

/** The canonical order of a built session, on the real analyzer. */
export function orderOf(s: SessionBuilder): CanonicalOrder {
  return canonicalOrder(s.runs, s.cells, { analyze: analyzeCell });
}

/** An order's steps as `cell@run`. */
export function stepsOf(o: CanonicalOrder): string[] {
  return o.steps.map(st => `${st.cellId}@${st.runIndex}`);
}

/** The kinds of an order's diagnostics. */
export function kindsOf(o: CanonicalOrder): string[] {
  return o.diagnostics.map(d => d.kind);
}

/** The cells an order's edited diagnostics name. */
export function editedOf(o: CanonicalOrder): string[] {
  return o.diagnostics.filter(d => d.kind === 'edited').flatMap(d => d.cellIds);
}

/**
 * The names a line of the mini language loads, as the tracer reads them off a
 * statement's bytecode: every name it reads, not the one it binds (`x = a`) or
 * deletes; `x += a` and `x.append(a)` load x too.
 */
export function loadsOf(line: string): string[] {
  let m: RegExpExecArray | null;
  if (/^(import|del)\s/.test(line)) {
    return [];
  }
  const names = (expr: string): string[] => (expr.replace(/"\w+"/g, '').match(/[A-Za-z_]\w*/g) ?? []).filter(n => n !== 'print');
  if ((m = /^(\w+)\s*=\s*(.+)$/.exec(line))) {
    return names(m[2]);
  }
  return names(line.replace(/\.append\b/, ' '));
}
