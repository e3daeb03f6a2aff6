/**
 * Test kit for the canonical-order specs: a small regex analyzer standing in
 * for `analyzeCell` on simple Python, a tiny interpreter for a Python subset
 * (integers, `x = a + 1`, `x += 1`, `del x`, `x.append(a)`), and a seeded PRNG.
 */

import { AnalysisCell, AnalysisRun, CellEffect, CellEffects, TracedEffects } from './types';

const KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from ' +
    'global if import in is lambda nonlocal not or pass raise return try while with yield print len range'
  ).split(' ')
);

const MUTATING = new Set('append extend insert pop remove clear update add sort fit seed set_option'.split(' '));

function identifiers(expr: string): string[] {
  const clean = expr.replace(/'[^']*'|"[^"]*"/g, '""');
  const out: string[] = [];
  const re = /(\.)?\b([A-Za-z_]\w*)\b(\s*=(?!=))?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(clean)) !== null) {
    if (!m[1] && !m[3] && !KEYWORDS.has(m[2]) && !/^\d/.test(m[2])) {
      out.push(m[2]);
    }
  }
  return out;
}

/** A regex analyzer good enough for the test snippets (not real Python analysis). */
export function fakeAnalyze(code: string): CellEffects {
  const defines: string[] = [];
  const uses: string[] = [];
  const deletes: string[] = [];
  const mutates: string[] = [];
  const effects: CellEffect[] = [];
  let unknownDefines = false;
  const bound = new Set<string>();
  const use = (names: string[]): void => {
    for (const n of names) {
      if (!bound.has(n) && !uses.includes(n)) {
        uses.push(n);
      }
    }
  };
  const define = (n: string): void => {
    bound.add(n);
    if (!defines.includes(n)) {
      defines.push(n);
    }
  };
  const lines = code.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*$/, '');
    if (/^\s*$/.test(line) || /^\s/.test(line)) {
      continue;
    }
    for (const m of line.matchAll(/\b(?:np\.random\.(\w+)|random\.(\w+))\s*\(/g)) {
      effects.push({ kind: 'randomness', name: m[0].replace(/\s*\($/, '') });
    }
    if (/\btime\.time\(/.test(line)) {
      effects.push({ kind: 'time', name: 'time.time' });
    }
    for (const m of line.matchAll(/open\('([^']+)',\s*'w'\)|to_csv\('([^']+)'\)/g)) {
      effects.push({ kind: 'file-write', path: m[1] ?? m[2] });
    }
    for (const m of line.matchAll(/open\('([^']+)'\)|read_csv\('([^']+)'\)/g)) {
      effects.push({ kind: 'file-read', path: m[1] ?? m[2] });
    }
    let m: RegExpExecArray | null;
    if (/^%/.test(line)) {
      continue;
    }
    if ((m = /^from\s+\S+\s+import\s+\*/.exec(line))) {
      unknownDefines = true;
      continue;
    }
    if ((m = /^from\s+\S+\s+import\s+(.+)$/.exec(line)) || (m = /^import\s+(.+)$/.exec(line))) {
      for (const part of m[1].split(',')) {
        const p = part.trim().split(/\s+as\s+/);
        define((p[1] ?? p[0].split('.')[0]).trim());
      }
      continue;
    }
    if ((m = /^(?:def|class)\s+(\w+)\s*\(([^)]*)\)/.exec(line))) {
      const params = new Set(identifiers(m[2]));
      const body: string[] = [];
      for (let j = i + 1; j < lines.length && /^\s+\S/.test(lines[j]); j++) {
        body.push(lines[j]);
        i = j;
      }
      const locals = new Set<string>();
      for (const b of body) {
        const a = /^\s*(\w+)\s*=(?!=)/.exec(b);
        if (a) {
          locals.add(a[1]);
        }
      }
      define(m[1]);
      use(identifiers(body.join('\n')).filter(n => !params.has(n) && !locals.has(n) && n !== 'return'));
      continue;
    }
    if ((m = /^del\s+(\w+)\s*$/.exec(line))) {
      deletes.push(m[1]);
      bound.delete(m[1]);
      continue;
    }
    if ((m = /^(\w+)\s*([-+*/])=\s*(.+)$/.exec(line))) {
      use([m[1], ...identifiers(m[3])]);
      define(m[1]);
      continue;
    }
    if ((m = /^(\w+)((?:\.\w+|\[[^\]]*\])+)\s*=(?!=)\s*(.+)$/.exec(line))) {
      use([m[1], ...identifiers(m[2]), ...identifiers(m[3])]);
      if (!mutates.includes(m[1])) {
        mutates.push(m[1]);
      }
      continue;
    }
    if ((m = /^([\w\s,]+?)\s*=(?!=)\s*(.+)$/.exec(line))) {
      use(identifiers(m[2]));
      m[1].split(',').forEach(n => define(n.trim()));
      continue;
    }
    // Expression statement; like the real analyzer, only known mutating methods
    // (and module state setters) mutate their receiver.
    for (const c of line.matchAll(/\b(\w+)(?:\.\w+)*\.(\w+)\s*\(/g)) {
      if ((MUTATING.has(c[2]) || /inplace\s*=\s*True/.test(line)) && !mutates.includes(c[1])) {
        mutates.push(c[1]);
      }
    }
    use(identifiers(line));
  }
  return { defines, mayDefine: [], uses, deletes, mutates, unknownDefines, effects, parseError: false };
}

/** Values of the mini language: integers; modules are strings. */
export type Namespace = Map<string, number | string>;

/**
 * Runs `code` (one statement per line: `x = a + 1`, `x += a`, `del x`,
 * `x.append(a)`, `import m`) in `ns`; stops at the first NameError like Python.
 */
export function interpret(
  code: string,
  ns: Namespace,
  trace?: { bound: Set<string>; deleted: Set<string>; mutated: Set<string> }
): 'ok' | 'error' {
  const bind = (name: string, v: number | string): void => {
    ns.set(name, v);
    trace?.bound.add(name);
    trace?.deleted.delete(name);
  };
  const value = (expr: string): number => {
    let total = 0;
    for (const term of expr.split('+').map(t => t.trim())) {
      if (/^\d+$/.test(term)) {
        total += Number(term);
      } else {
        const v = ns.get(term);
        if (typeof v !== 'number') {
          throw new Error('NameError: ' + term);
        }
        total += v;
      }
    }
    return total;
  };
  try {
    for (const line of code.split('\n')) {
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
        bind(m[1], value(m[1]) + value(m[2]));
      } else if ((m = /^(\w+)\.append\((.+)\)$/.exec(line))) {
        ns.set(m[1], value(m[1]) * 7 + value(m[2]));
        trace?.mutated.add(m[1]);
      } else if ((m = /^(\w+)\s*=\s*(.+)$/.exec(line))) {
        bind(m[1], value(m[2]));
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
