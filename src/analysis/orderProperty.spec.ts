import { AnalysisCell, AnalysisRun, TracedEffects } from './types';
import { canonicalOrder, CanonicalOrder, CanonicalOrderEngine } from './order';
import { analyzeCell } from './effects';
import { interpret, loadsOf, Namespace, prng, Value } from './orderTestkit.spec-util';

const NAMES = ['a', 'b', 'c', 'd', 'e'];
const KEYS = ['k', 'j'];

interface Session {
  runs: AnalysisRun[];
  cells: AnalysisCell[];
  /** Namespace after replaying every run in order. */
  final: Namespace;
  /** Cells as they were after each run (for the incremental engine). */
  cellsAfter: AnalysisCell[][];
  /** Some failed run changed the namespace before failing. */
  partialFailure: boolean;
}

function randomSession(seed: number, withTrace: boolean): Session {
  const rnd = prng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
  const term = (): string => {
    const r = rnd();
    return r < 0.3 ? String(Math.floor(rnd() * 5)) : r < 0.45 ? `${pick(NAMES)}["${pick(KEYS)}"]` : pick(NAMES);
  };
  const line = (): string => {
    const r = rnd();
    const n = pick(NAMES);
    if (r < 0.4) {
      return `${n} = ${term()}${rnd() < 0.5 ? ' + ' + term() : ''}`;
    } else if (r < 0.5) {
      return `${n} += ${term()}`;
    } else if (r < 0.58) {
      return `${n}.append(${term()})`;
    } else if (r < 0.61) {
      return `del ${n}`;
    } else if (r < 0.75) {
      return `${n}["${pick(KEYS)}"] = ${term()}`;
    } else if (r < 0.85) {
      return `import m${Math.floor(rnd() * 2)}`;
    }
    return `print(${term()})`;
  };
  const code = (): string => Array.from({ length: 1 + Math.floor(rnd() * 3) }, line).join('\n');
  let next = 0;
  const cells: AnalysisCell[] = Array.from({ length: 3 + Math.floor(rnd() * 5) }, () => ({
    id: 'c' + next++,
    type: 'code' as const,
    source: code()
  }));
  const runs: AnalysisRun[] = [];
  const final: Namespace = new Map();
  const cellsAfter: AnalysisCell[][] = [];
  let partialFailure = false;
  const count = 5 + Math.floor(rnd() * 40);
  for (let i = 0; i < count; i++) {
    const r = rnd();
    if (r < 0.15) {
      pick(cells).source = code();
    } else if (r < 0.2 && cells.length > 1) {
      cells.splice(Math.floor(rnd() * cells.length), 1);
    } else if (r < 0.25) {
      cells.splice(Math.floor(rnd() * (cells.length + 1)), 0, { id: 'c' + next++, type: 'code', source: code() });
    } else if (r < 0.28) {
      const [c] = cells.splice(Math.floor(rnd() * cells.length), 1);
      cells.splice(Math.floor(rnd() * (cells.length + 1)), 0, c);
    }
    const console = rnd() < 0.04;
    const cell = pick(cells);
    const src = console ? code() : cell.source;
    const before = new Set(final.keys());
    const held = new Map(final);
    const trace = { bound: new Set<string>(), deleted: new Set<string>(), mutated: new Set<string>(), started: [] as string[] };
    const status = interpret(src, final, trace);
    if (status !== 'ok' && trace.bound.size + trace.deleted.size + trace.mutated.size > 0) {
      partialFailure = true;
    }
    let traced: TracedEffects | undefined;
    if (withTrace) {
      // The tracer reports changes of identity: a module imported again, or a small integer
      // bound again (CPython keeps one object for each), is the object the name held.
      const sameObject = (n: string): boolean => {
        const was = held.get(n);
        const now = final.get(n);
        if (typeof was === 'string' || typeof now === 'string') {
          return was === now;
        }
        const plain = (o: Value | undefined): boolean => o !== undefined && typeof o !== 'string' && Object.keys(o.keys).length === 0 && o.v >= -5 && o.v <= 256;
        return plain(was) && plain(now) && was!.v === now!.v;
      };
      traced = {
        added: [...trace.bound].filter(n => !before.has(n)),
        rebound: [...trace.bound].filter(n => before.has(n) && !sameObject(n)),
        deleted: [...trace.deleted].filter(n => before.has(n)),
        mutated: [...trace.mutated].filter(n => !trace.bound.has(n)),
        filesRead: [],
        filesWritten: [],
        read: Array.from(new Set(trace.started.flatMap(loadsOf))).filter(n => before.has(n))
      };
    }
    runs.push({ index: i, cellId: console ? null : cell.id, code: src, executionCount: i + 1, status, traced });
    cellsAfter.push(cells.map(c => ({ ...c })));
  }
  return { runs, cells: cells.map(c => ({ ...c })), final, cellsAfter, partialFailure };
}

function replay(o: CanonicalOrder, runs: AnalysisRun[]): Namespace {
  const ns: Namespace = new Map();
  for (const st of o.steps) {
    interpret(runs[st.runIndex].code, ns);
  }
  return ns;
}

function sorted(ns: Namespace): Array<[string, Value]> {
  return Array.from(ns.entries()).sort((x, y) => (x[0] < y[0] ? -1 : 1));
}

describe('canonical order on random sessions', () => {
  for (const withTrace of [false, true]) {
    for (const mergeReruns of [true, false]) {
      it(`replaying the steps rebuilds the namespace (${withTrace ? 'traced' : 'static only'}, ${
        mergeReruns ? 'merged reruns' : 'time order'
      })`, () => {
        let shorter = 0;
        for (let seed = 1; seed <= 400; seed++) {
          const s = randomSession(seed, withTrace);
          const o = canonicalOrder(s.runs, s.cells, { analyze: analyzeCell, mergeReruns });
          const got = sorted(replay(o, s.runs));
          const want = sorted(s.final);
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            throw new Error(
              `seed ${seed}: replay ${JSON.stringify(got)} != full ${JSON.stringify(want)}\nsteps ${JSON.stringify(
                o.steps
              )}\nruns ${JSON.stringify(s.runs.map(r => [r.cellId, r.code, r.status]))}`
            );
          }
          // Steps are distinct runs of the session.
          expect(new Set(o.steps.map(st => st.runIndex)).size).toBe(o.steps.length);
          if (o.steps.length < s.runs.length) {
            shorter++;
          }
        }
        expect(shorter).toBeGreaterThan(200);
      });
    }
  }

  it("with failedRuns 'only-definer', replaying rebuilds the namespace when failed runs bind nothing", () => {
    // In this mini language a run fails at its first line that reads an
    // undefined name; sessions whose failed runs bound nothing must replay exactly.
    let checked = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const s = randomSession(seed, false);
      if (s.partialFailure) {
        continue;
      }
      checked++;
      const o = canonicalOrder(s.runs, s.cells, { analyze: analyzeCell, failedRuns: 'only-definer' });
      expect(sorted(replay(o, s.runs))).toEqual(sorted(s.final));
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('incremental equals one-shot', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const s = randomSession(seed * 7919, seed % 2 === 0);
      const rnd = prng(seed);
      const engine = new CanonicalOrderEngine({ analyze: analyzeCell });
      s.runs.forEach((run, i) => {
        engine.setCells(s.cellsAfter[i]);
        engine.addRun(run);
        if (rnd() < 0.3) {
          engine.compute();
        }
      });
      engine.setCells(s.cells);
      const inc = engine.compute();
      const one = canonicalOrder(s.runs, s.cells, { analyze: analyzeCell });
      expect(inc).toEqual(one);
    }
  });

  it('merging reruns never gives more steps than a strict slice', () => {
    let fewer = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const s = randomSession(seed, false);
      const merged = canonicalOrder(s.runs, s.cells, { analyze: analyzeCell });
      const strict = canonicalOrder(s.runs, s.cells, { analyze: analyzeCell, mergeReruns: false });
      expect(merged.steps.length).toBeLessThanOrEqual(strict.steps.length);
      if (merged.steps.length < strict.steps.length) {
        fewer++;
      }
    }
    expect(fewer).toBeGreaterThan(0);
  });
});
