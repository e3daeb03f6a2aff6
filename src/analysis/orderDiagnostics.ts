/**
 * Diagnostics of the canonical order (hidden state), each pointing at cells,
 * and whether running today's cells top to bottom would rebuild the state.
 * A cell edited since the run the state depends on is reported only when a
 * value the edit changes reaches the state the session ends with, or a later
 * step reads a name the current code no longer binds (`editedSteps`). The
 * claims about the state (`needs-rerun`, `edited`) count only the steps its
 * values come from, not those the replay needs only to run through
 * (`valueSteps`).
 */

import { AnalysisCell, CallReads } from './types';
import { DIAGNOSTIC_SEVERITY, DiagnosticKind, OrderDiagnostic } from './orderTypes';
import { CodeFacts, importBindings, withModule } from './orderFacts';
import { isBuiltinName } from './orderHeuristics';
import { installRequest, onlyEnsuresPackages } from './effects';
import type { RunRecord } from './order';

/** What the engine hands over once the slice is ordered. */
export interface SliceView {
  records: ReadonlyArray<RunRecord>;
  /** Slice runs (sequence numbers) in step order. */
  ordered: ReadonlyArray<number>;
  /** Read i of slice run r comes from run `keys[r.readStart + i]` (-1: from no run). */
  keys: Int32Array;
  /** Every name read or written, numbered (`RunRead.nid`). */
  nameIds: ReadonlyMap<string, number>;
  /** Name by number (`nameIds` the other way). */
  names: ReadonlyArray<string>;
  cells: ReadonlyArray<AnalysisCell>;
  cellPos: ReadonlyMap<string, number>;
  everWritten: ReadonlySet<string>;
  /** Names any run of the session defines as callables, or imports. */
  callables: ReadonlySet<string>;
  modules: ReadonlySet<string>;
  /** `editEffect` by code run, then current code; emptied when `callables` or `modules` grow. */
  editEffects: Map<string, Map<string, EditEffect>>;
  /** Live name → producing run. */
  live: ReadonlyMap<string, number>;
  facts: (code: string) => CodeFacts;
  /** `normalizeSource`, memoized. */
  normalized: (code: string) => string;
}

/**
 * What an edit of a cell changes (`editEffect`): certainly something or nothing, or the names whose
 * values differ (`names`, mattering when what is computed from them reaches the state the session
 * ends with), those of them the current code binds no more (`gone`, mattering as soon as a later
 * step reads them: it would fail) and the functions that compute the same when called but are
 * other code (`liveOnly`, mattering only when the state holds them).
 */
export type EditEffect = boolean | { names: ReadonlySet<string>; gone: ReadonlySet<string>; liveOnly: ReadonlySet<string> };

const PSEUDO = '\u0000';
const FILE = PSEUDO + 'file:';
/** The installed packages (`PACKAGES` in order.ts). */
const PACKAGES = PSEUDO + 'packages';
/** An install command that removes packages (`CellEffects.installs`). */
const REMOVAL = /\s(?:uninstall|remove)\b/;
/** What IPython keeps of shown values: `_`, `__`, `___`, `_5`, `Out`, `_oh`. */
const OUTPUT_NAME = /^(?:_{1,3}|_\d+|Out|_oh)$/;

/** Sources are compared like the corpus does: trailing spaces and outer blank lines ignored. */
export function normalizeSource(s: string): string {
  return s
    .split(/\r?\n/)
    .map(l => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

const KEY = PSEUDO + 'key:';

/** The variable a key name (`order.ts` `keyName`) belongs to, else the name itself. */
function variableOf(name: string): string {
  return name.startsWith(KEY) ? name.slice(KEY.length, name.indexOf(PSEUDO, KEY.length)) : name;
}

function displayName(name: string): string {
  if (name.startsWith(KEY)) {
    return variableOf(name);
  }
  if (name.startsWith(FILE)) {
    return name.slice(FILE.length);
  }
  if (name === PSEUDO + 'rng') {
    return 'random seed';
  }
  if (name === PSEUDO + 'env') {
    return 'environment';
  }
  if (name === PSEUDO + 'packages') {
    return 'installed packages';
  }
  return name;
}

class Collector {
  add(kind: DiagnosticKind, group: string, cellIds: string[], names: Iterable<string>, runs: Iterable<number>): void {
    const key = kind + PSEUDO + group;
    let g = this.groups.get(key);
    if (!g) {
      g = { kind, cellIds, names: new Set(), runs: new Set() };
      this.groups.set(key, g);
    }
    for (const n of names) {
      g.names.add(n);
    }
    for (const r of runs) {
      g.runs.add(r);
    }
  }

  groups = new Map<string, { kind: DiagnosticKind; cellIds: string[]; names: Set<string>; runs: Set<number> }>();
}

const ORDER: DiagnosticKind[] = [
  'deleted-cell',
  'edited',
  'depends-on-later-cell',
  'needs-rerun',
  'undefined-name',
  'nondeterminism',
  'file-dependency'
];

export function buildDiagnostics(v: SliceView): { diagnostics: OrderDiagnostic[]; topToBottomWorks: boolean } {
  const { records, ordered, keys, cellPos } = v;
  const posOf = (seq: number): number => {
    const id = records[seq].run.cellId;
    const p = id === null ? undefined : cellPos.get(id);
    return p === undefined ? -1 : p;
  };

  // Names a run provides to the state (read by another step, or live); built
  // only for the runs a diagnostic names, on first use.
  let provides: Map<number, Set<string>> | null = null;
  const wanted = new Set<number>();
  for (const seq of ordered) {
    const r = records[seq];
    const pos = posOf(seq);
    if (pos < 0 || v.normalized(r.run.code) !== v.normalized(v.cells[pos].source)) {
      wanted.add(seq);
    }
  }
  const seen = new Map<string, number>();
  for (const seq of ordered) {
    const id = records[seq].run.cellId;
    if (id !== null) {
      const first = seen.get(id);
      if (first === undefined) {
        seen.set(id, seq);
      } else {
        wanted.add(first);
        wanted.add(seq);
      }
    }
  }
  const provided = (seq: number): string[] => {
    if (!provides) {
      const p = new Map<number, Set<string>>();
      const provide = (from: number, name: string): void => {
        if (wanted.has(from)) {
          let set = p.get(from);
          if (!set) {
            set = new Set();
            p.set(from, set);
          }
          set.add(name);
        }
      };
      for (const s of ordered) {
        const { reads, readStart } = records[s];
        for (let i = 0; i < reads.length; i++) {
          const k = keys[readStart + i];
          const name = reads[i].name;
          if (k >= 0 && k !== s && (name[0] !== PSEUDO || name.startsWith(KEY))) {
            provide(k, variableOf(name));
          }
        }
      }
      for (const [name, k] of v.live) {
        provide(k, variableOf(name));
      }
      provides = p;
    }
    return Array.from(provides.get(seq) ?? []).sort();
  };

  const edited = editedSteps(v, posOf);
  // Built only when a claim asks (`needs-rerun`, `edited`).
  let forValues: Set<number> | null = null;
  const givesValues = (seq: number): boolean => (forValues ??= valueSteps(v)).has(seq);
  const c = new Collector();
  const stepsOfCell = new Map<string, number[]>();
  let seeded = false;
  for (let step = 0; step < ordered.length; step++) {
    const seq = ordered[step];
    const r = records[seq];
    const run = r.run;
    const pos = posOf(seq);
    if (run.cellId !== null) {
      const a = stepsOfCell.get(run.cellId) ?? [];
      a.push(seq);
      stepsOfCell.set(run.cellId, a);
    }
    if (pos < 0) {
      c.add('deleted-cell', run.cellId ?? '', run.cellId === null ? [] : [run.cellId], provided(seq), [run.index]);
    } else if (edited.get(step) && givesValues(seq)) {
      c.add('edited', run.cellId!, [run.cellId!], provided(seq), [run.index]);
    }
    for (let i = 0; i < r.reads.length; i++) {
      const a = r.reads[i];
      const p = keys[r.readStart + i];
      if (p >= 0 && p !== seq) {
        const pp = posOf(p);
        if (pos >= 0 && pp > pos) {
          const pid = records[p].run.cellId!;
          c.add('depends-on-later-cell', run.cellId + PSEUDO + pid, [run.cellId!, pid], [displayName(a.name)], [
            run.index,
            records[p].run.index
          ]);
        }
        if (a.name.startsWith(FILE) && records[p].run.cellId !== run.cellId) {
          const wid = records[p].run.cellId;
          const ids = [wid, run.cellId].filter((x): x is string => x !== null);
          c.add('file-dependency', a.name + PSEUDO + wid + PSEUDO + run.cellId, ids, [displayName(a.name)], [
            records[p].run.index,
            run.index
          ]);
        }
      } else if (
        p < 0 &&
        a.name[0] !== PSEUDO &&
        !isBuiltinName(a.name) &&
        !v.everWritten.has(a.name) &&
        // IPython leaves an expansion it cannot evaluate as typed, for the shell (`$HOME`, awk's `$NF`).
        !(r.facts?.effects.shellReads?.includes(a.name) ?? false)
      ) {
        // One diagnostic per cell, naming every name it lacks (one badge, one reason).
        c.add('undefined-name', run.cellId ?? '', run.cellId === null ? [] : [run.cellId], [a.name], [run.index]);
      }
    }
    const f = r.facts;
    if (f) {
      if (f.seeds) {
        seeded = true;
      } else if (f.draws.length > 0 && !seeded) {
        c.add('nondeterminism', 'r' + (run.cellId ?? ''), run.cellId === null ? [] : [run.cellId], f.draws, [run.index]);
      }
      if (f.times.length > 0) {
        c.add('nondeterminism', 't' + (run.cellId ?? ''), run.cellId === null ? [] : [run.cellId], f.times, [run.index]);
      }
    }
  }
  for (const [id, all] of stepsOfCell) {
    const seqs = all.length > 1 ? all.filter(givesValues) : all;
    if (seqs.length > 1) {
      const names = new Set<string>();
      seqs.forEach(s => provided(s).forEach(n => names.add(n)));
      c.add('needs-rerun', id, [id], names, seqs.map(s => records[s].run.index));
    }
  }

  const diagnostics: OrderDiagnostic[] = [];
  for (const g of c.groups.values()) {
    const names = Array.from(g.names).map(displayName);
    diagnostics.push({
      kind: g.kind,
      severity: DIAGNOSTIC_SEVERITY[g.kind],
      cellIds: g.cellIds,
      names,
      runIndices: Array.from(g.runs).sort((a, b) => a - b)
    });
  }
  const rank = { error: 0, warning: 1, info: 2 };
  const cellRank = (d: OrderDiagnostic): number => {
    const p = d.cellIds.length > 0 ? cellPos.get(d.cellIds[0]) : undefined;
    return p === undefined ? -1 : p;
  };
  diagnostics.sort(
    (a, b) => rank[a.severity] - rank[b.severity] || ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || cellRank(a) - cellRank(b)
  );
  return { diagnostics, topToBottomWorks: topToBottom(v, posOf, edited) };
}

/**
 * The steps the values the state ends with come from, not only the replay's running through: a
 * step is kept for what another step reads of it, but a read only by the statements that end the
 * reading step and surely only show something (`CellEffects.shows`: `print`, `display`, `plt.*`
 * of what they are given, a bare value) changes none of its values (cell 9 computing `xi`, then
 * `display(w)` of a widget cell 4 made: cell 4's run before it keeps the replay from a NameError,
 * the state does not need it). Anything else after them may change state through what it reads
 * (`w.append(4)` on an alias, `next(gen)`, `w[0] = 99` on a view). Nor does a run that only
 * makes sure packages are installed (`onlyEnsuresPackages`: `!pip install nltk`, no version asked
 * for) give a value: the order keeps it before the imports that load the package (a fresh
 * environment needs it), but what they load is the environment's, recorded with each kernel
 * session and written as requirements by gather and the check (a cell used to install one package
 * at a time, edited between installs, is not "edited since the run the state depends on"; one
 * edited from `rvpkg==1` to `rvpkg==2` is). And a module read needs only the first of the imports
 * that bound it to the same object. The `needs-rerun` and `edited` claims speak of the state: they
 * count these steps only.
 */
function valueSteps(v: SliceView): Set<number> {
  const { records, ordered, keys } = v;
  const live = new Set<number>(v.live.values());
  // Read by another step (a file, the generator, the environment included).
  const read = new Set<number>();
  // A step reads what IPython kept of a shown value (`_`, `Out`): a show at the end of a step sets it.
  let readsOutput = false;
  for (const seq of ordered) {
    const r = records[seq];
    for (let i = 0; i < r.reads.length; i++) {
      const k = keys[r.readStart + i];
      if (k >= 0 && k !== seq) {
        read.add(k);
      }
    }
    // IPython's own names are no reads of the session (`CellEffects.builtinUses`).
    readsOutput ||= r.facts?.effects.builtinUses?.some(n => OUTPUT_NAME.test(n)) ?? false;
  }
  const kept = new Set<number>();
  const stack: number[] = [];
  const keep = (seq: number): void => {
    if (!kept.has(seq)) {
      kept.add(seq);
      stack.push(seq);
    }
  };
  // Steps kept for the live state, or for something other than what a step reads of them.
  for (const seq of ordered) {
    if (live.has(seq) || !read.has(seq)) {
      keep(seq);
    }
  }
  // The run, and the code its cell holds now (an edit to `rvpkg==2` changes what is loaded).
  const ensuresPackages = (seq: number): boolean => {
    const { run, facts } = records[seq];
    const pos = run.cellId === null ? undefined : v.cellPos.get(run.cellId);
    const now = pos === undefined ? null : v.cells[pos].source;
    return !!facts && onlyEnsuresPackages(facts.effects) && (now === null || onlyEnsuresPackages(v.facts(now).effects));
  };
  // What a read of the installed packages needs: past the runs that only make sure of packages,
  // the run that changed them (`rvpkg==1` pinned before `!pip install rvpkg`); not past an
  // uninstall, after which making sure installs again.
  const installedBy = (seq: number): number => {
    let at = seq;
    while (at >= 0 && ensuresPackages(at)) {
      const r = records[at];
      const i = r.reads.findIndex(a => a.name === PACKAGES);
      const before = i < 0 ? -1 : keys[r.readStart + i];
      if (before >= 0 && (records[before].facts?.effects.installs ?? []).some(c => REMOVAL.test(c))) {
        return at;
      }
      at = before;
    }
    return at;
  };
  // A module is the same object whichever import binds it: a read of a name the step before its
  // producer had imported from the same module needs only that earlier import (each version of a
  // load cell importing seaborn as sns; the later versions' other values are another question).
  const modules = new Map<number, Map<string, string | null>>();
  const importedOnly = (seq: number, name: string): string | null => {
    let m = modules.get(seq);
    if (!m) {
      m = new Map();
      modules.set(seq, m);
    }
    if (!m.has(name)) {
      m.set(name, onlyImports(v, records[seq].facts, name));
    }
    return m.get(name)!;
  };
  let stepOf: Map<number, number> | null = null;
  const earlier = new Map<string, number | null>();
  // The tracer saw the import bind another object (`del sys.modules['m']` before it, `m.f` replaced
  // before `from m import f`).
  const newObject = (seq: number, name: string): boolean => records[seq].run.traced?.rebound.includes(name) ?? false;
  const importedBefore = (seq: number, name: string): number | null => {
    const module = importedOnly(seq, name);
    if (module === null || newObject(seq, name)) {
      return null;
    }
    const key = seq + PSEUDO + name;
    if (earlier.has(key)) {
      return earlier.get(key)!;
    }
    stepOf ??= new Map(ordered.map((s, i) => [s, i]));
    // The first of the imports of the same module that bind the name one after another.
    let found: number | null = null;
    for (let j = stepOf.get(seq)! - 1; j >= 0; j--) {
      const e = ordered[j];
      if (records[e].writes.some(w => w.name === name)) {
        if (importedOnly(e, name) !== module) {
          break;
        }
        found = e;
        if (newObject(e, name)) {
          break;
        }
        const known = earlier.get(e + PSEUDO + name);
        if (known !== undefined) {
          found = known ?? e;
          break;
        }
      }
    }
    earlier.set(key, found);
    return found;
  };
  const waiting: number[] = [];
  while (stack.length > 0) {
    const seq = stack.pop()!;
    const r = records[seq];
    // Only the reads of runs not kept yet are asked about (most come from live runs).
    waiting.length = 0;
    for (let i = 0; i < r.reads.length; i++) {
      const k = keys[r.readStart + i];
      if (k >= 0 && k !== seq && !kept.has(k)) {
        waiting.push(i);
      }
    }
    if (waiting.length === 0) {
      continue;
    }
    const e = r.facts?.effects;
    const t = e?.statements && e.shows && !e.unknownDefines && !e.ipythonSyntax && !readsOutput ? statementTable(r.facts!, v.facts) : null;
    // The last statement that may change something (a show calling a function of the session may).
    let upTo = t ? t.reads.length - 1 : -1;
    while (t && upTo >= 0 && t.shows[upTo] && !t.uses[upTo].some(n => v.callables.has(n))) {
      upTo--;
    }
    let counted: Set<string> | null = null;
    let calls = false;
    if (t && upTo < t.reads.length - 1) {
      counted = new Set();
      for (let j = 0; j <= upTo; j++) {
        t.reads[j].forEach(n => counted!.add(n));
        calls ||= t.uses[j].some(n => v.callables.has(n));
      }
      // The tracer saw the run change what no statement before the shows touches, or bind what the
      // code does not: a show did (`print(counts[k])` of a defaultdict, a `__repr__` appending to a
      // list or counting in a global).
      const tr = r.run.traced;
      const binds = new Set([...e!.defines, ...e!.mayDefine, ...e!.deletes]);
      if (tr && (tr.mutated.some(n => !counted!.has(n)) || [...tr.added, ...tr.rebound, ...tr.deleted].some(n => !binds.has(n)))) {
        counted = null;
      }
    }
    for (const i of waiting) {
      const a = r.reads[i];
      const name = variableOf(a.name);
      if (a.name === PACKAGES) {
        const from = installedBy(keys[r.readStart + i]);
        if (from >= 0) {
          keep(from);
        }
        continue;
      }
      if (
        !counted ||
        (a.name[0] === PSEUDO && !a.name.startsWith(KEY)) ||
        (a.indirect ? calls : counted.has(name) || !t!.everywhere.has(name))
      ) {
        const k = keys[r.readStart + i];
        keep(a.name[0] === PSEUDO ? k : (importedBefore(k, a.name) ?? k));
      }
    }
  }
  return kept;
}

/**
 * The module(s) a run binds `name` to when only import statements bind it and nothing of it is
 * changed (`import seaborn as sns`; `import a.b`, `import a.c`: 'a.b,a.c'), else null.
 */
function onlyImports(v: SliceView, facts: CodeFacts | null, name: string): string | null {
  const e = facts?.effects;
  if (!e?.statements || e.unknownDefines || e.ipythonSyntax || !facts!.imports.has(name)) {
    return null;
  }
  let module: string | null = null;
  for (const t of e.statements) {
    const f = v.facts(t);
    const bound = importBindings(f)?.get(name);
    if (bound !== undefined) {
      module = withModule(module ?? undefined, bound);
    } else if (
      f.effects.unknownDefines ||
      [f.effects.defines, f.effects.mayDefine, f.effects.deletes, f.effects.mutates].some(names => names.includes(name)) ||
      f.effects.keyedStores?.[name]
    ) {
      // Bound otherwise too, or the module changed (`mymod.CONFIG = 5`).
      return null;
    }
  }
  return module;
}

/** What `valueSteps` asks of a code's top-level statements, by statement. */
interface StatementTable {
  /** Names each reads (a change or `del` reads too). */
  reads: string[][];
  uses: string[][];
  /** It surely only shows something (`CellEffects.shows`). */
  shows: boolean[];
  /** Names any statement reads. */
  everywhere: ReadonlySet<string>;
}

/** Per code (its facts, shared by its runs): built once (bench:speed, 1,466 steps per compute). */
const statementTables = new WeakMap<CodeFacts, StatementTable>();

function statementTable(facts: CodeFacts, factsOf: (code: string) => CodeFacts): StatementTable {
  let t = statementTables.get(facts);
  if (!t) {
    const table: StatementTable = { reads: [], uses: [], shows: [], everywhere: new Set() };
    const everywhere = new Set<string>();
    const shows = new Set(facts.effects.shows ?? []);
    (facts.effects.statements ?? []).forEach((statement, i) => {
      const e = factsOf(statement).effects;
      const reads = [...e.uses, ...(e.builtinUses ?? []), ...e.mutates, ...e.deletes, ...e.mayDefine, ...Object.keys(e.keyedStores ?? {})];
      reads.forEach(n => everywhere.add(n));
      table.reads.push(reads);
      table.uses.push([...e.uses, ...(e.builtinUses ?? [])]);
      table.shows.push(shows.has(i));
    });
    table.everywhere = everywhere;
    t = table;
    statementTables.set(facts, t);
  }
  return t;
}

/**
 * Top to bottom works when the steps are in notebook order, run today's code,
 * need no cell twice, and no other code cell in between would rebind a value
 * a later step reads or the live state holds.
 */
function topToBottom(
  v: SliceView,
  posOf: (seq: number) => number,
  edited: ReadonlyMap<number, boolean>
): boolean {
  const { records, ordered } = v;
  let last = -1;
  const stepCells = new Set<string>();
  for (let step = 0; step < ordered.length; step++) {
    const seq = ordered[step];
    const pos = posOf(seq);
    if (pos <= last) {
      return false;
    }
    last = pos;
    if (edited.get(step)) {
      return false;
    }
    stepCells.add(v.cells[pos].id);
  }
  // Intervals (producer position, reader position) each name must survive.
  const spans = new Map<string, Array<[number, number]>>();
  for (const seq of ordered) {
    const { reads, readStart } = records[seq];
    for (let i = 0; i < reads.length; i++) {
      const a = reads[i];
      const p = v.keys[readStart + i];
      if (a.name[0] !== PSEUDO && p >= 0 && p !== seq) {
        const s = spans.get(a.name) ?? [];
        s.push([posOf(p), posOf(seq)]);
        spans.set(a.name, s);
      }
    }
  }
  for (let q = 0; q < v.cells.length; q++) {
    const cell = v.cells[q];
    if (cell.type !== 'code' || stepCells.has(cell.id) || cell.source.trim() === '') {
      continue;
    }
    const f = v.facts(cell.source);
    const e = f.effects;
    for (const n of [...e.defines, ...e.mayDefine, ...e.deletes, ...e.mutates]) {
      const lp = v.live.get(n);
      if (lp !== undefined && posOf(lp) < q) {
        return false;
      }
      for (const [pp, rp] of spans.get(n) ?? []) {
        if (pp < q && q < rp) {
          return false;
        }
      }
    }
  }
  return true;
}

const KILL = 0;
const MAY = 1;
const RNG = PSEUDO + 'rng';

/**
 * What running the cell's code now, in place of the code the step ran, could
 * change: the names (files, the seeded generator) that a statement differing
 * between the two versions (comments and blank lines aside) binds, changes or
 * deletes, directly or through the cell's other statements that read them;
 * `editedSteps` then follows them through the later steps. An edit to a comment, a
 * `print`, a display-only expression, or a statement whose bindings nothing
 * later reads changes nothing the state shows; nor does one inside a
 * function's body while the state no longer holds that function (its calls
 * computed the same). Changes to a module's
 * settings (`plt.style.use`) do not count: a module is the same object.
 * Anything the analysis cannot see through (a call of a function the session
 * defined, a shell command, `import *`, the environment) counts as a change.
 * Answers true or false when the statements decide it, else the names the
 * edit affects (`EditEffect`), for `editedSteps` to look up in the later steps.
 */
function editEffect(v: SliceView, code: string, now: string): EditEffect {
  const ran = v.facts(code).effects.statements;
  const cur = v.facts(now).effects.statements;
  if (!ran || !cur) {
    return true;
  }
  // Statements are compared without their spacing (a cell reformatted, `[ 1, 2]` made `[1, 2]`),
  // installs by what they ask for (`-q` added).
  const key = (t: string): string => installRequest(v.facts(t).effects) ?? withoutSpacing(t);
  const left = new Map<string, string[]>();
  ran.forEach(t => {
    const k = key(t);
    left.set(k, [...(left.get(k) ?? []), t]);
  });
  const added: string[] = [];
  for (const t of cur) {
    const same = left.get(key(t));
    if (same && same.length > 0) {
      same.pop();
    } else {
      added.push(t);
    }
  }
  const removed = Array.from(left.values()).flat();
  if (added.length === 0 && removed.length === 0) {
    // Same statements in another order: no attempt to tell whether that matters.
    return ran.map(key).join('\n') !== cur.map(key).join('\n');
  }
  const { callables, modules } = v;
  const liveOnly = sameWhenCalled(v, ran, cur, removed, added);
  const changed = [...added, ...removed].filter(t => !liveOnly.has(functionDefined(v, t) ?? ''));
  if (changed.length === 0) {
    // The other statements the same, perhaps in another order (as above).
    const others = (ts: ReadonlyArray<string>): string =>
      ts
        .filter(t => !liveOnly.has(functionDefined(v, t) ?? ''))
        .map(key)
        .join('\n');
    if (others(ran) !== others(cur)) {
      return true;
    }
  }
  const affected = new Set<string>();
  const changes = (t: string): boolean => {
    const f = v.facts(t);
    const e = f.effects;
    if (e.parseError || e.unknownDefines || f.env === 'barrier' || e.effects.some(x => x.kind === 'shell' || (x.kind === 'opaque-magic' && f.env !== 'setup'))) {
      return true;
    }
    if (e.uses.some(n => callables.has(n))) {
      return true;
    }
    [...e.defines, ...e.mayDefine, ...e.deletes].forEach(n => affected.add(n));
    e.mutates.forEach(n => {
      if (!modules.has(n) || e.defines.includes(n)) {
        affected.add(n);
      }
    });
    f.filesWritten.forEach(p => affected.add(FILE + p));
    if (f.seeds || f.draws.length > 0 || f.randomLibraryCalls) {
      affected.add(RNG);
    }
    return false;
  };
  // An import binds a module, the same object whichever statement imports it: an import added,
  // removed or moved changes only the names whose module differs between the two versions (the
  // first cell edited to add `import seaborn as sns` and rerun changes nothing the old run gave).
  const ranModules = importedModules(v, ran);
  const curModules = importedModules(v, cur);
  const rest = changed.filter(t => {
    const bound = importBindings(v.facts(t));
    if (!bound) {
      return true;
    }
    bound.forEach((_, name) => {
      if (ranModules.get(name) !== curModules.get(name)) {
        affected.add(name);
      }
    });
    return false;
  });
  if (rest.some(changes)) {
    return true;
  }
  // The cell's other statements that read an affected name carry the change on.
  const others = Array.from(new Set([...ran, ...cur]));
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of others) {
      const f = v.facts(t);
      if (f.effects.uses.some(n => affected.has(n))) {
        const size = affected.size;
        if (changes(t)) {
          return true;
        }
        grew ||= affected.size > size;
      }
    }
  }
  if (affected.size === 0 && liveOnly.size === 0) {
    return false;
  }
  const binds = (f: CodeFacts): Set<string> => new Set([...f.effects.defines, ...f.effects.mayDefine, ...f.imports]);
  const before = binds(v.facts(code));
  const after = binds(v.facts(now));
  // Deleted by the current code only (`del raw` added): a later read fails as well.
  const deletedNow = new Set(v.facts(now).effects.deletes.filter(n => !v.facts(code).effects.deletes.includes(n)));
  const gone = new Set(Array.from(affected).filter(n => (before.has(n) && !after.has(n)) || deletedNow.has(n)));
  return { names: affected, gone, liveOnly };
}

/**
 * Whether the first `count` top-level statements of two versions of a cell are the same, spacing
 * aside, and both compile (a cell that does not runs none of its statements).
 */
function samePrefix(v: SliceView, code: string, now: string, count: number): boolean {
  const before = v.facts(code).effects;
  const after = v.facts(now).effects;
  const ran = before.statements;
  const cur = after.statements;
  if (!ran || !cur || before.parseError || after.parseError || ran.length < count || cur.length < count) {
    return false;
  }
  for (let i = 0; i < count; i++) {
    if (withoutSpacing(ran[i]) !== withoutSpacing(cur[i])) {
      return false;
    }
  }
  return true;
}

/** The function a statement defines, alone (`def f(...)`, decorated or not), or undefined. */
function functionDefined(v: SliceView, t: string): string | undefined {
  const e = v.facts(t).effects;
  const fns = Object.keys(e.callReads ?? {});
  return fns.length === 1 && e.defines.length === 1 && e.defines[0] === fns[0] ? fns[0] : undefined;
}

/**
 * The functions an edit redefined (once in each version, undecorated) with the same header and
 * the same other statements in the same order, only plain shows (`CallReads.computing`) added, removed or
 * changed in their body (`print(loss)` added to a training function, a plot dropped): a call
 * computes the same values with either version.
 */
function sameWhenCalled(
  v: SliceView,
  ran: ReadonlyArray<string>,
  cur: ReadonlyArray<string>,
  removed: ReadonlyArray<string>,
  added: ReadonlyArray<string>
): Set<string> {
  const byName = (ts: ReadonlyArray<string>): Map<string, string[]> => {
    const m = new Map<string, string[]>();
    ts.forEach(t => {
      const f = functionDefined(v, t);
      if (f !== undefined) {
        m.set(f, [...(m.get(f) ?? []), t]);
      }
    });
    return m;
  };
  const before = byName(removed);
  const after = byName(added);
  const same = new Set<string>();
  // Defined once in each version (a second definition could win instead).
  const once = (ts: ReadonlyArray<string>, name: string): boolean => ts.filter(t => functionDefined(v, t) === name).length === 1;
  for (const [name, olds] of before) {
    const news = after.get(name);
    if (olds.length !== 1 || news?.length !== 1 || !once(ran, name) || !once(cur, name)) {
      continue;
    }
    const a = v.facts(olds[0]).effects.callReads![name];
    const b = v.facts(news[0]).effects.callReads![name];
    // The body's other statements, in their order (a call moved past a computing statement may
    // change what it computes).
    const computing = (ts: ReadonlyArray<string>): string => ts.map(withoutSpacing).join('\n');
    // A decorator may keep the function object it was given (a registry): not the same.
    if (!a.header.trimStart().startsWith('@') && withoutSpacing(a.header) === withoutSpacing(b.header) && computing(a.computing) === computing(b.computing)) {
      same.add(name);
    }
  }
  return same;
}

/**
 * A statement without the spacing Python ignores: spaces between brackets, commas and operators
 * and what they touch dropped, other runs of spaces made one; string literals, line breaks and
 * indentation kept as typed, comments dropped. Two statements that parse give the same text only
 * if they are the same tokens (spaces inside an operator such as `= =` do not parse). Spaces next
 * to a quote or a dot stay (`'' '''a'''`, `1 .j`); shell commands and magics (`!ls a /tmp`), and
 * f-strings (their quotes may nest), are compared as typed.
 */
export function withoutSpacing(t: string): string {
  if (/(?:^|=)\s*[!%]|(?<![\w'"])[fFtT][rR]?['"]|(?<![\w'"])[rR][fFtT]['"]/.test(t)) {
    return t;
  }
  let out = '';
  let i = 0;
  const word = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
  const sticky = (c: string | undefined): boolean => c === '"' || c === "'" || c === '.';
  while (i < t.length) {
    const c = t[i];
    if (c === '"' || c === "'") {
      const quote = t.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < t.length && !t.startsWith(quote, j)) {
        j += t[j] === '\\' ? 2 : 1;
      }
      j = Math.min(t.length, j + quote.length);
      out += t.slice(i, j);
      i = j;
    } else if (c === '#') {
      while (i < t.length && t[i] !== '\n') {
        i++;
      }
    } else if (c === '\n') {
      out = out.replace(/[ \t]+$/, '') + c;
      i++;
      // Indentation is part of the statement's structure.
      while (i < t.length && (t[i] === ' ' || t[i] === '\t')) {
        out += t[i++];
      }
    } else if (c === ' ' || c === '\t') {
      while (i < t.length && (t[i] === ' ' || t[i] === '\t')) {
        i++;
      }
      const before = out[out.length - 1];
      if ((word(before) && word(t[i])) || sticky(before) || sticky(t[i])) {
        out += ' ';
      }
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/[ \t]+$/, '');
}

/** Name -> modules over a version's import statements. */
function importedModules(v: SliceView, statements: ReadonlyArray<string>): Map<string, string> {
  const all = new Map<string, string>();
  for (const t of statements) {
    importBindings(v.facts(t))?.forEach((module, name) => all.set(name, withModule(all.get(name), module)));
  }
  return all;
}

/**
 * For each step whose cell was edited since it ran, whether the edit matters (`editEffect`): the
 * names an edit affects are looked up in one sweep from the last step back, keeping for each the
 * next step that reads it and the next that rebinds it. (An index of every name's steps, built
 * per compute, cost ~3.5 ms at 10,000 runs in bench:speed.)
 */
function editedSteps(v: SliceView, posOf: (seq: number) => number): Map<number, boolean> {
  const verdicts = new Map<number, boolean>();
  const asked = new Map<number, Exclude<EditEffect, boolean>>();
  const wanted = new Set<string>();
  v.ordered.forEach((seq, step) => {
    const pos = posOf(seq);
    const now = pos < 0 ? null : v.cells[pos].source;
    if (now === null || v.normalized(v.records[seq].run.code) === v.normalized(now)) {
      return;
    }
    const code = v.records[seq].run.code;
    // A failed run whose edit lies past the statement it did not finish: the current code stops
    // there too, and the statements after it never ran (`RunRecord.unfinished`).
    const unfinished = v.records[seq].unfinished;
    if (unfinished !== undefined && samePrefix(v, code, now, unfinished + 1)) {
      verdicts.set(step, false);
      return;
    }
    // Per pair of versions, kept by the engine while the session's functions and modules stay
    // the same (bench:speed: 1.5 ms of each compute at 10,000 runs went to these).
    let known = v.editEffects.get(code);
    if (!known) {
      known = new Map();
      v.editEffects.set(code, known);
    }
    let effect = known.get(now);
    if (effect === undefined) {
      effect = editEffect(v, code, now);
      known.set(now, effect);
    }
    if (typeof effect === 'boolean') {
      verdicts.set(step, effect);
    } else {
      asked.set(step, effect);
      effect.gone.forEach(n => wanted.add(n));
      effect.liveOnly.forEach(n => wanted.add(n));
    }
  });
  if (asked.size === 0) {
    return verdicts;
  }
  const liveVariables = new Set<string>();
  for (const name of v.live.keys()) {
    liveVariables.add(variableOf(name));
  }
  // A name the current code binds no more: the first later step that reads it, before (or at) the
  // first that rebinds it, would fail; or, never rebound, the live state holding it differs. By
  // name number: the sweep looks at every read and write of the steps after the first edited one.
  const count = v.nameIds.size;
  const isWanted = new Uint8Array(count);
  for (const n of wanted) {
    const nid = v.nameIds.get(n);
    if (nid !== undefined) {
      isWanted[nid] = 1;
    }
  }
  const nextRead = new Float64Array(count).fill(Infinity);
  const nextKill = new Float64Array(count).fill(Infinity);
  // A function that computes the same when called may still be kept by a later step as it is
  // (`callbacks = [f]`, `g = np.vectorize(f)`): a reference to it other than a call.
  const liveOnly = new Set<number>();
  for (const effect of asked.values()) {
    effect.liveOnly.forEach(n => {
      const nid = v.nameIds.get(n);
      if (nid !== undefined) {
        liveOnly.add(nid);
      }
    });
  }
  const nextKept = new Float64Array(count).fill(Infinity);
  // A loop, not `Math.min(...keys)`: spreading 100k+ arguments overflows the stack.
  let first = Infinity;
  for (const step of asked.keys()) {
    first = Math.min(first, step);
  }
  for (let step = v.ordered.length - 1; step >= first; step--) {
    const effect = asked.get(step);
    if (effect) {
      let matters = false;
      for (const n of effect.gone) {
        const nid = v.nameIds.get(n);
        const read = nid === undefined ? Infinity : nextRead[nid];
        const kill = nid === undefined ? Infinity : nextKill[nid];
        if ((read <= kill && read !== Infinity) || (kill === Infinity && liveVariables.has(n))) {
          matters = true;
          break;
        }
      }
      // Calls of such a function compute the same: only the function itself, still held, differs.
      for (const n of effect.liveOnly) {
        const nid = v.nameIds.get(n);
        const kill = nid === undefined ? Infinity : nextKill[nid];
        const kept = nid === undefined ? Infinity : nextKept[nid];
        matters ||= (kill === Infinity && liveVariables.has(n)) || (kept <= kill && kept !== Infinity);
      }
      verdicts.set(step, matters);
    }
    const r = v.records[v.ordered[step]];
    for (const w of r.writes) {
      if (w.kind === KILL && w.variable === w.nid && isWanted[w.nid]) {
        nextKill[w.nid] = step;
      }
    }
    for (const a of r.reads) {
      if (isWanted[a.variable]) {
        nextRead[a.variable] = step;
      }
      if (a.variable !== a.nid && isWanted[a.nid]) {
        nextRead[a.nid] = step;
      }
      if (liveOnly.has(a.nid) && (a.indirect || r.facts?.effects.calledOnly?.includes(a.name) !== true)) {
        nextKept[a.nid] = step;
      }
    }
  }
  reachesState(v, asked, first, liveVariables).forEach(step => verdicts.set(step, true));
  return verdicts;
}

/**
 * The edited steps whose changed values reach the state the session ends with. Forward from the
 * first edited step, per variable, the set of edited steps its value was computed from: a step
 * that reads a changed value changes what it computed from it (`computedFrom`), a rebinding from
 * other values gives a variable a clean value (a column the current code computes otherwise, but
 * that every later use recomputed or dropped, changes nothing the state holds). One bit per
 * edited step.
 */
function reachesState(
  v: SliceView,
  asked: ReadonlyMap<number, Exclude<EditEffect, boolean>>,
  first: number,
  liveVariables: ReadonlySet<string>
): number[] {
  const edited = Array.from(asked.keys()).sort((a, b) => a - b);
  const bit = new Map(edited.map((step, i) => [step, i]));
  const words = (edited.length + 31) >>> 5;
  // By variable number: the edited steps its value was computed from (bench:speed: a Map here,
  // and a set per step, cost a third of a compute at 10,000 runs).
  const from: Array<Uint32Array | undefined> = new Array(v.names.length);
  let tainted = 0;
  const set = (id: number, t: Uint32Array | undefined): void => {
    tainted += (t ? 1 : 0) - (from[id] ? 1 : 0);
    from[id] = t;
  };
  const orInto = (target: Uint32Array, source: Uint32Array): void => {
    for (let i = 0; i < words; i++) {
      target[i] |= source[i];
    }
  };
  // The sets are shared between variables, never changed once stored: a union is a new one.
  const union = (a: Uint32Array, b: Uint32Array): Uint32Array => {
    for (let i = 0; i < words; i++) {
      if ((a[i] | b[i]) !== a[i]) {
        const u = a.slice();
        orInto(u, b);
        return u;
      }
    }
    return a;
  };
  const names = v.names;
  const lastEdited = edited[edited.length - 1];
  for (let step = first; step < v.ordered.length; step++) {
    if (tainted === 0 && step > lastEdited) {
      break;
    }
    const r = v.records[v.ordered[step]];
    let read: Uint32Array | null = null;
    let changed: Set<string> | null = null;
    for (const a of r.reads) {
      const t = from[a.variable];
      if (t) {
        read ??= new Uint32Array(words);
        orInto(read, t);
        (changed ??= new Set()).add(names[a.variable]);
      }
    }
    const computed = read ? computedFromKept(v, r, changed!) : null;
    for (const w of r.writes) {
      // A key stored, or a value changed in place, keeps what the variable held (files and the
      // generator's state are variables of their own here).
      const id = w.variable >= 0 ? w.variable : w.nid;
      const whole = w.variable < 0 || w.variable === w.nid;
      const dirty = read && (!computed || computed.has(w.variable >= 0 ? names[w.variable] : w.name));
      if (whole && w.kind !== MAY) {
        set(id, dirty ? read! : undefined);
      } else if (dirty) {
        const t = from[id];
        set(id, t ? union(t, read!) : read!);
      }
    }
    const i = bit.get(step);
    if (i !== undefined) {
      const own = new Uint32Array(words);
      own[i >>> 5] = 1 << (i & 31);
      for (const n of asked.get(step)!.names) {
        const id = v.nameIds.get(n);
        if (id !== undefined) {
          const t = from[id];
          set(id, t ? union(t, own) : own);
        }
      }
    }
  }
  const reached = new Uint32Array(words);
  for (const name of liveVariables) {
    const id = v.nameIds.get(name);
    const t = id === undefined ? undefined : from[id];
    if (t) {
      orInto(reached, t);
    }
  }
  return edited.filter((_, i) => (reached[i >>> 5] & (1 << (i & 31))) !== 0);
}

/**
 * The variables (and files, and the generator's state) a step computed from the variables in
 * `changed`, followed statement by statement through its code: a statement that uses one of them
 * changes what it binds or changes, and the objects it uses that the step was seen to change
 * (`optimizer.step()` changes the model it was given; `fill(results, params)` the dict); one
 * that binds a name from others gives it a clean value (`df = pd.read_csv(p)` after `df` was
 * computed from a changed threshold). A statement calling a function of the session uses what
 * the function reads when called (`callReadsAny`), and changes what it passes to one that changes
 * its arguments (`callChanges`). Null when the code cannot be followed
 * (a shell command, `import *`, a draw or a file read of a changed state): then everything the
 * step writes is taken as computed from them.
 */
function computedFrom(v: SliceView, r: RunRecord, changed: ReadonlySet<string>): Set<string> | null {
  const statements = r.facts?.effects.statements;
  if (!statements || Array.from(changed).some(n => n[0] === PSEUDO)) {
    return null;
  }
  const { written, changedInPlace } = writtenBy(r);
  const dirty = new Set(changed);
  const explained = new Set<string>();
  let any = false;
  for (const t of statements) {
    const flow = flowOf(v.facts(t));
    if (!flow) {
      return null;
    }
    const uses = flow.uses.some(n => dirty.has(n) || (v.callables.has(n) && callReadsAny(v, r, n, dirty)));
    flow.out.forEach(n => explained.add(n));
    if (uses) {
      any = true;
      flow.out.forEach(n => dirty.add(n));
      // What it uses that the step wrote may have been changed by it in a way the analysis does
      // not see (`model.apply(init_weights)`, `nn.init.normal_(layer.weight, std=s)`).
      flow.uses.forEach(n => (changedInPlace.has(n) || written.has(n)) && dirty.add(n));
      // A session function that changes what it is given (`fill(results, params)`), or a global
      // (`history.append(x)`), may have changed any variable the statement passes it, and those.
      const changes = flow.uses.filter(n => v.callables.has(n)).map(n => callChanges(v, r, n));
      if (changes.some(c => c !== null)) {
        flow.uses.forEach(u => !v.callables.has(u) && !v.modules.has(u) && dirty.add(u));
        changes.forEach(c => c?.forEach(u => dirty.add(u)));
      }
    } else {
      flow.binds.forEach(n => dirty.delete(n));
    }
  }
  // What the tracer saw written that no statement explains: computed from the changed values
  // whenever any statement was.
  for (const n of written) {
    if (!explained.has(n) && any) {
      dirty.add(n);
    }
  }
  return dirty;
}

const computeds = new WeakMap<RunRecord, Map<string, Set<string> | null>>();

/**
 * `computedFrom`, kept per run and set of changed variables while the session's functions and
 * modules stay the same (each compute sweeps the same steps again with the same changes;
 * bench:speed: a quarter of a compute at 10,000 runs went to following their statements).
 */
function computedFromKept(v: SliceView, r: RunRecord, changed: ReadonlySet<string>): Set<string> | null {
  const names = Array.from(changed);
  const key = v.callables.size + ':' + v.modules.size + ':' + (names.length === 1 ? names[0] : names.sort().join('\u0001'));
  let kept = computeds.get(r);
  if (!kept) {
    kept = new Map();
    computeds.set(r, kept);
  }
  let computed = kept.get(key);
  if (computed === undefined) {
    computed = computedFrom(v, r, changed);
    if (kept.size >= 8) {
      kept.clear();
    }
    kept.set(key, computed);
  }
  return computed;
}

const writtens = new WeakMap<RunRecord, { written: ReadonlySet<string>; changedInPlace: ReadonlySet<string> }>();

/** The variables a step writes, and those it changes in place (the tracer saw it, or the analysis says so); kept per run. */
function writtenBy(r: RunRecord): { written: ReadonlySet<string>; changedInPlace: ReadonlySet<string> } {
  let w = writtens.get(r);
  if (!w) {
    w = {
      written: new Set(r.writes.map(x => (x.variable >= 0 ? variableOf(x.name) : x.name))),
      changedInPlace: new Set(r.writes.filter(x => x.kind === MAY && x.variable >= 0).map(x => variableOf(x.name)))
    };
    writtens.set(r, w);
  }
  return w;
}

/** One statement as `computedFrom` follows it: null when it cannot be followed. */
interface StatementFlow {
  uses: ReadonlyArray<string>;
  /** What it binds, deletes or changes (files and the generator's state included). */
  out: ReadonlyArray<string>;
  /** What it surely binds. */
  binds: ReadonlyArray<string>;
}

const flows = new WeakMap<CodeFacts, StatementFlow | null>();

/** `StatementFlow` of a statement's facts, kept with them (bench:speed: per compute otherwise). */
function flowOf(f: CodeFacts): StatementFlow | null {
  let flow = flows.get(f);
  if (flow === undefined) {
    const e = f.effects;
    flow =
      e.parseError || e.unknownDefines || f.env === 'barrier' || e.effects.some(x => x.kind === 'shell' || x.kind === 'opaque-magic')
        ? null
        : {
            uses: e.uses,
            out: [
              ...e.defines,
              ...e.mayDefine,
              ...e.deletes,
              ...f.imports,
              ...Object.keys(e.keyedStores ?? {}),
              ...e.mutates,
              ...f.filesWritten.map(p => FILE + p),
              ...(f.seeds || f.draws.length > 0 ? [RNG] : [])
            ],
            binds: e.defines.filter(n => !e.mayDefine.includes(n))
          };
    flows.set(f, flow);
  }
  return flow;
}

/**
 * Whether a call of `name` in step `r` may read a variable in `dirty`: what the function's body
 * computes with (`CellEffects.callReads` of the run that defined it, as the step read it). A
 * class, a function calling another of the session's functions, or one defined by a run whose
 * code cannot be read, may read anything.
 */
function callReadsAny(v: SliceView, r: RunRecord, name: string, dirty: ReadonlySet<string>): boolean {
  const reads = callReadsOf(v, r, name);
  return !reads || reads.reads.some(n => dirty.has(n) || v.callables.has(n));
}

/**
 * What a call of `name` in step `r` may change in place: null when nothing, else the globals its
 * body changes or stores on (empty when it may change only its arguments, or when its code cannot
 * be read). Its body changing or storing on anything, augmenting a name (`arr += ...`), or calling
 * a function of the session, counts.
 */
function callChanges(v: SliceView, r: RunRecord, name: string): ReadonlyArray<string> | null {
  const reads = callReadsOf(v, r, name);
  if (!reads) {
    return [];
  }
  const body = v.facts(reads.body.join('\n')).effects;
  const changed = [...body.mutates, ...Object.keys(body.keyedStores ?? {})];
  // `arr += ...` on a parameter reads and rebinds it (a change in place for arrays and lists).
  return changed.length > 0 || reads.augments === true || body.uses.some(n => v.callables.has(n)) ? changed : null;
}

/**
 * `CellEffects.callReads` of the function `name` as step `r` called it: from the run that defined
 * it, or the step's own code when it defines the function itself (`def f(order): ...` then
 * `interact(f, ...)` in one cell).
 */
function callReadsOf(v: SliceView, r: RunRecord, name: string): CallReads | undefined {
  const i = r.reads.findIndex(a => a.name === name);
  if (i < 0) {
    return r.facts?.effects.callReads?.[name];
  }
  const producer = v.keys[r.readStart + i];
  return producer < 0 ? undefined : v.records[producer].facts?.effects.callReads?.[name];
}
