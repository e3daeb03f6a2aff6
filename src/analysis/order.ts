/**
 * Canonical order: the shortest sequence of runs of the current kernel session
 * that, replayed in a fresh kernel, rebuilds the live global namespace, mapped
 * onto today's cells and ordered as close to top-to-bottom as the
 * dependencies allow, with the diagnostics that explain hidden state.
 *
 * Model. Each run reads names and writes names. A write is a *kill* (a certain
 * rebinding), a *may-write* (possible mutation in place, conditional binding,
 * or a binding by a failed run: it also reads the prior value, so it never
 * hides the earlier definition), or a *delete*. Files, the random generator's
 * seed and the process environment (cwd, sys.path, installs) are pseudo-names
 * read and written the same way. Every value gets a number (value numbering):
 * a run's class is its code, status and the value numbers of everything it
 * reads, and each name it writes gets a value number derived from that class.
 * Two runs of the same class produce equal values, so the slice can use the
 * latest run of a class for all its readers ("merged reruns"): rerunning the
 * import cell halfway through a session then costs no second step. When merged
 * reruns cannot be ordered (a cycle), the classes on the cycle are un-merged
 * and the order retried; as a last resort the engine uses the strict slice in
 * time, whose execution order is always valid.
 *
 * Decisions:
 * - failed runs (error, interrupted) without tracer evidence bind nothing for
 *   certain. By default ('may-bind') their static definitions become
 *   may-writes, so they enter the slice only when they come after the last
 *   successful definition of a needed name (or are its only definers), and
 *   replaying them reproduces whatever they bound before failing. Option
 *   `failedRuns: 'only-definer'` (the design brief's rule) counts them only
 *   where no successful run bound the name before. With tracer evidence,
 *   what the tracer saw added/rebound is what they bound. Aborted runs never
 *   executed; a failed run whose source does not parse stopped at a
 *   SyntaxError and executed nothing.
 * - with tracer evidence, a failed run changed in place only what the
 *   tracer saw (a call that raised usually stopped before its effect); a
 *   rerun's class is what it bound, changed and deleted (a rerun of an
 *   import binds the same module object, which the tracer, reporting changes
 *   of identity, does not list); an import-star run is kept only for the
 *   live names it bound.
 * - a static mutation (as the analyzer reports it: `df.drop(inplace=True)`,
 *   `model.fit(...)`, `np.random.seed(0)`, not `df.head()` or `plt.plot`) is a
 *   may-write: the mutating run reads the prior value and provides the next.
 * - `from x import *` / unknown magics: every successful such run is kept (the
 *   names it binds are unknown, so they may be live), and it is the producer
 *   of any name read with no other definer.
 * - a run that calls a function defined in an earlier run also reads, at call
 *   time, the globals that function's cell uses; a cell that only defines
 *   functions/classes reads at definition time only what its `def`/`class`/
 *   decorator lines name.
 * - a live name bound by an import needs only its import run, not later runs
 *   that changed settings on the module (they stay when a needed run uses it).
 * - setup magics (`%matplotlib`, `%load_ext`, ...) are kept when a needed run
 *   follows them before a later run makes the same settings again; `%cd`,
 *   `os.chdir`, `sys.path` changes and installs keep their place in time
 *   relative to the runs around them.
 * - a call of a session function reads what that function's body computes
 *   with, not what it only plots or prints (`CellEffects.callReads`).
 * - a name bound by an import statement holds that module whatever run bound
 *   it (value numbered by the statement); a method no list knows called on a
 *   module (`xgboost.plot_importance(m)`) is no change when the tracer saw none.
 * - a successful run that binds a name again to the literal it held (the
 *   tracer saw no change: `order = 15`, then a loop over `[3, 9, 15]`) left
 *   its value as it was: any run of that chain may provide it, one kept anyway
 *   rather than a run that would bring more (`LastWrite.sameValue`).
 * - a successful run the tracer watched did not bind a name the analysis
 *   counts as sure only where a run may still skip it (a `with` body, a loop
 *   over what may be empty: `CellEffects.guardedBindings`) when the tracer saw
 *   it neither added nor rebound and the session did not hold it.
 */

import { AnalysisCell, AnalysisRun, CellEffects, ClassCall, TracedEffects } from './types';
import { CanonicalOrder, CanonicalOrderOptions, CanonicalStep, OrderVerdict } from './orderTypes';
import { CodeFacts, deriveFacts, importBindings, normalizePath } from './orderFacts';
import { EdgeList, scheduleByKey } from './graphSchedule';
import { isIPythonName, isPredefinedName } from './python-names';
import { surelyDrawsNothing } from './python-scope';
import { buildDiagnostics, EditEffect, normalizeSource, SliceView } from './orderDiagnostics';

export * from './orderTypes';

/** Kinds of write. */
export const WriteKind = { Kill: 0, May: 1, Delete: 2 } as const;
export type WriteKind = (typeof WriteKind)[keyof typeof WriteKind];

/** One name read by a run, resolved when the run was added. */
export interface RunRead {
  name: string;
  /** The name's number in this engine (`_nameId`): the schedule indexes by it. */
  nid: number;
  /** The number of the variable read: the name's own, or for a key (`keyName`) its variable's. */
  variable: number;
  /** Run (sequence number) that last wrote the name before this run, or -1. */
  from: number;
  /** When `from` is -1: the last run before with unknown definitions (`import *`), or -1. */
  unknown: number;
  /** Value number read. */
  vn: number;
  /** Read at call time through a function defined earlier. */
  indirect: boolean;
  /**
   * Runs after `from` that bound the name again to the object it held (`LastWrite.sameValue`):
   * each of them provides the value read as well.
   */
  alternatives?: number[];
}

export interface RunWrite {
  name: string;
  nid: number;
  kind: WriteKind;
  vn: number;
  /** The Python variable written (its name number): the name itself, the variable of a key; -1 for other pseudo-names. */
  variable: number;
  /** A store to a constant key of the variable (`keyName`). */
  isKey: boolean;
}

/** What the engine keeps per run. `seq` is the run's place in the session (0-based). */
export interface RunRecord {
  seq: number;
  run: AnalysisRun;
  facts: CodeFacts | null;
  reads: RunRead[];
  writes: RunWrite[];
  /** Equivalence class: same code, status and inputs. */
  cls: number;
  /**
   * Where this run's reads start in the engine's read buffers: read i's producing run (its `from`,
   * else its `unknown`, else -1; `CHAINED` when several runs provide it) is at `readStart + i`. A
   * compute maps them once to the runs that provide them (`SliceView.keys`), for the slice, the
   * schedule and the diagnostics alike.
   */
  readStart: number;
  /** Randomness not covered by an earlier seed, or time. */
  nondeterministic: boolean;
  filesRead: string[];
  filesWritten: string[];
  /** Variables read as a whole (not only through constant keys): a later store to one of their keys changes what was read. */
  wholeReads?: ReadonlySet<string>;
  /** It only binds names by import (`_onlyImports`), once asked. */
  onlyImports?: boolean;
  /** A failed run: a top-level statement that did not run to its end (`_unfinished`). */
  unfinished?: number;
}

/** Pseudo-names start with NUL so they never clash with Python names. */
export const PSEUDO = '\u0000';
export const ENV = PSEUDO + 'env';
/** The installed packages: changed by package installs, read by every run (only importing runs are told apart by it). */
export const PACKAGES = PSEUDO + 'packages';
export const RNG = PSEUDO + 'rng';
export const FILE = PSEUDO + 'file:';
/** One constant key of a variable's object (`df["a"]`, `obj.x`): `KEY + name + PSEUDO + key`. */
export const KEY = PSEUDO + 'key:';

export function keyName(name: string, key: string): string {
  return KEY + name + PSEUDO + key;
}

/** The variable of a key name (`keyName`). */
export function keyBase(name: string): string {
  return name.slice(KEY.length, name.indexOf(PSEUDO, KEY.length));
}

interface LastWrite {
  seq: number;
  kind: WriteKind;
  vn: number;
  /**
   * The value is a module bound by this import run (mutations since keep it):
   * a live module only needs its import, since a module is the same object
   * whatever settings later runs changed on it.
   */
  moduleFrom: number;
  /**
   * An import run binding the same module as the import runs just before it (no other write of
   * the name in between): all of them, oldest first. Any one of them that the slice keeps for
   * another reason leaves the name holding that module (`_slice`).
   */
  sameModule?: number[];
  /**
   * Runs after `seq` that bound the name again to the object it held (`_boundAgain`), oldest
   * first, the latest 32 to 64 of them: the value is theirs as much as `seq`'s. The slice picks
   * one for each reader and for the live value (`provider` in `_slice`), so a rerun whose other
   * bindings nothing needs is not kept for this one (`order = 15`, then a loop `for order in [3,
   * 6, 9, 12, 15]` run twice), and a rerun that is kept anyway does not bring back the run before.
   */
  sameValue?: number[];
  /** With `moduleFrom`: the module's value number, as its import wrote it. */
  moduleVn?: number;
  /** A key's value as a conversion of its own left it (`KeyedStore.conversion`). */
  conversion?: string;
}

/**
 * Incremental canonical order over one kernel session. Feed runs in execution
 * order with `addRun`, keep the notebook's cells current with `setCells`, and
 * call `compute` whenever the order is shown. `reset` on a new kernel session.
 */
export class CanonicalOrderEngine {
  constructor(options: CanonicalOrderOptions) {
    this._analyze = options.analyze;
    this._merge = options.mergeReruns !== false;
    this._failedRuns = options.failedRuns ?? 'may-bind';
  }

  /** Runs added since the last reset. */
  get runCount(): number {
    return this._records.length;
  }

  /** Forget every run (a new kernel session). Cells and the analysis cache are kept. */
  reset(): void {
    this._records = [];
    this._last = new Map();
    this._weak = new Map();
    this._rep = new Map();
    this._classIndex = new Map();
    this._classOf = new Int32Array(64);
    this._lastOfClass = new Int32Array(64);
    this._deps = new Int32Array(256);
    this._readCount = 0;
    this._lastUnknown = -1;
    this._keysOf = new Map();
    this._everWritten = new Set();
    this._callables = new Set();
    this._boundByCalls = new Set();
    this._namespaceReached = false;
    this._modules = new Set();
    this._namesBound = new Set();
    this._factsSeen = new Set();
    this._installs = new Set();
    this._loaders = new Set();
    this._editEffects = new Map();
    this._failedIndices = [];
    this._unknownRuns = [];
    this._setupRuns = [];
    this._moduleChanges = 0;
    this._importBound = new Map();
    this._cache = null;
  }

  /** The notebook's cells now, in order. */
  setCells(cells: ReadonlyArray<AnalysisCell>): void {
    this._cells = cells.slice();
    this._cellPos = new Map();
    cells.forEach((c, i) => this._cellPos.set(c.id, i));
    this._cache = null;
  }

  /** Add the next run of the session. Runs must come in increasing `index`. */
  addRun(run: AnalysisRun): void {
    const records = this._records;
    if (records.length > 0 && run.index <= records[records.length - 1].run.index) {
      throw new RangeError(
        `Run ${run.index} arrives after run ${records[records.length - 1].run.index}: runs must be added in execution order`
      );
    }
    this._cache = null;
    const seq = records.length;
    const moduleChanges = this._moduleChanges;
    // Python creates `__annotations__` for an annotated assignment
    // (`fig: Figure = …`): no value of the user's, yet every later such run
    // would read and change it.
    const tr = run.traced && hasAnnotations(run.traced) ? withoutAnnotations(run.traced) : run.traced;
    const facts = run.status === 'aborted' ? null : this._facts(run.code);
    this._adding = facts;
    if (facts && !this._factsSeen.has(facts)) {
      // Runs of one code share its facts: each distinct code once.
      this._factsSeen.add(facts);
      const known = this._callables.size + this._modules.size;
      facts.callables.forEach(c => this._callables.add(c));
      facts.effects.globalBindings?.forEach(n => this._boundByCalls.add(n));
      if (NAMESPACE_ACCESS.test(run.code) || (facts.callables.size > 0 && facts.effects.unknownDefines)) {
        this._namespaceReached = true;
      }
      facts.imports.forEach(m => this._modules.add(m));
      [...facts.effects.defines, ...facts.effects.mayDefine, ...facts.imports].forEach(n => this._namesBound.add(n));
      if (facts.effects.loadsModules) {
        facts.callables.forEach(c => this._loaders.add(c));
      }
      if (this._callables.size + this._modules.size > known) {
        this._editEffects.clear();
      }
    }
    if (isFailed(run)) {
      this._failedIndices.push(run.index);
    }
    // An aborted run never executed; an error run whose source does not parse
    // stopped at a SyntaxError before executing anything.
    if (!facts || (run.status === 'error' && !tr && facts.effects.parseError)) {
      const lone = this._id('x' + seq);
      this._setRep(lone, seq);
      records.push({
        seq,
        run,
        facts,
        reads: [],
        writes: [],
        cls: lone,
        readStart: this._reserveReads([]),
        nondeterministic: false,
        filesRead: [],
        filesWritten: []
      });
      return;
    }
    const eff = facts.effects;
    const ok = run.status === 'ok';
    const held = (n: string): boolean => (this._last.get(n)?.kind ?? WriteKind.Delete) !== WriteKind.Delete || this._weak.has(n);
    const kill = new Set<string>();
    const may = new Set<string>();
    const del = new Set<string>();
    // Bound again to the object they held (see `_sameObject`).
    let same: ReadonlySet<string> = NO_NAMES;
    // Bound again to the object they held, which stays their value (see `_boundAgain`).
    let again: ReadonlySet<string> = NO_NAMES;
    if (ok) {
      eff.defines.forEach(n => kill.add(n));
      // `from IPython.display import display` binds a name the analysis
      // leaves out of `defines` (reading it needs no run): still a binding.
      facts.imports.forEach(n => {
        if (!eff.mayDefine.includes(n)) {
          kill.add(n);
        }
      });
      // With tracer evidence, a conditional binding that happened is in `rebound`/`added`.
      if (!tr) {
        eff.mayDefine.forEach(n => may.add(n));
      }
      eff.deletes.forEach(n => del.add(n));
    }
    // A failed run without evidence: see `CanonicalOrderOptions.failedRuns`.
    const weak: string[] = [];
    // Names a failed run bound by import statements it surely executed (`_statementsReached`): they
    // hold their modules, as after a successful run.
    const reachedImports = new Set<string>();
    if (!ok && !tr) {
      const onlyDefiner = this._failedRuns === 'only-definer';
      for (const n of [...eff.defines, ...eff.mayDefine]) {
        if (!onlyDefiner) {
          may.add(n);
        } else if (!this._last.has(n)) {
          weak.push(n);
        }
      }
      // A `del` may have run before the failure, whatever bound the name.
      for (const n of eff.deletes) {
        if (!onlyDefiner || this._last.has(n) || this._weak.has(n)) {
          may.add(n);
        }
      }
    }
    if (tr) {
      tr.added.forEach(n => kill.add(n));
      tr.rebound.forEach(n => kill.add(n));
      tr.deleted.forEach(n => del.add(n));
      tr.mutated.forEach(n => may.add(n));
      // An import run again binds the same module objects again, which the
      // tracer (it reports changes of identity) does not list: what an earlier
      // run of the same code bound by `from datetime import *`, or by an import
      // before the statement a failed run stopped at, this one binds too. A
      // failed run is taken to have reached its imports when it bound
      // something else the earlier run bound (notebooks import first).
      if (!ok) {
        const reachedBindings = this._statementsReached(facts, tr);
        reachedBindings.imports.forEach(n => {
          if (!del.has(n)) {
            kill.add(n);
            reachedImports.add(n);
          }
        });
        reachedBindings.other.forEach(n => {
          if (!del.has(n)) {
            kill.add(n);
          }
        });
      }
      if (ok) {
        same = this._sameObject(eff, tr);
        again = this._boundAgain(facts, tr, kill);
      }
      const earlier = this._importBound.get(run.code);
      if (earlier && (ok ? eff.unknownDefines : tr.added.concat(tr.rebound).some(n => earlier.other.has(n)))) {
        earlier.imports.forEach(n => {
          if (!del.has(n)) {
            kill.add(n);
          }
        });
      }
      if (eff.unknownDefines || !ok) {
        const bound = Array.from(kill).filter(n => n[0] !== PSEUDO);
        const imports = bound.filter(n => eff.unknownDefines ? !eff.defines.includes(n) || facts.imports.has(n) : facts.imports.has(n));
        // Kept across the runs of the code: a later run that stopped earlier (or
        // rebound less) must not make the next one forget what its imports bind.
        const known = this._importBound.get(run.code) ?? { imports: new Set<string>(), other: new Set<string>() };
        imports.forEach(n => known.imports.add(n));
        bound.filter(n => !imports.includes(n)).forEach(n => known.other.add(n));
        this._importBound.set(run.code, known);
      }
      if (ok && !this._namespaceReached) {
        // A name the session did not hold that a successful run bound would be in the tracer's
        // `added`. One the analysis counts as surely bound where it may not be (`with
        // suppress(ImportError): import foo`, `for row in rows:` over nothing) that is not there
        // was not bound: the run is not its producer (a replay of it leaves the name unbound).
        eff.guardedBindings?.forEach(n => {
          // (`rebound`: the kernel held it, whatever runs this engine saw; a callback may bind a global.)
          if (!tr.added.includes(n) && !tr.rebound.includes(n) && !held(n) && !UNTRACED_NAME.test(n)) {
            kill.delete(n);
          }
        });
      }
    }
    // The analyzer already tells real mutations (`df.drop(inplace=True)`,
    // `np.random.seed`) from read-only calls (`df.head()`, `plt.plot`). A
    // failed run the tracer watched changed in place only what the tracer saw:
    // a call that raised (`cur.execute(q)` with no database, `driver.get(u)`
    // with no browser) stopped before the change its method name suggests, and
    // counting it would chain every later run of the cell to the failed one.
    // A call of a method no list knows, on a name that holds a module
    // (`xgboost.plot_importance(m)`, imported in another cell), changes
    // nothing the tracer could see: chaining every later user of the module
    // to it would keep every run of the cell.
    const moduleCall = (n: string): boolean =>
      tr !== undefined && eff.guessedMutates?.includes(n) === true && !tr.mutated.includes(n) && (this._last.get(n)?.moduleFrom ?? -1) >= 0;
    if (ok || !tr) {
      eff.mutates.forEach(n => {
        if (!moduleCall(n)) {
          may.add(n);
        }
      });
    }
    for (const n of del) {
      if (kill.has(n)) {
        // Both bound and deleted: only the tracer knows which came last.
        kill.delete(n);
        if (!tr || !tr.deleted.includes(n)) {
          del.delete(n);
          may.add(n);
        }
      }
    }
    kill.forEach(n => may.delete(n));
    del.forEach(n => may.delete(n));
    // `df["a"] = …` changes key "a" only: a later store to the same key hides
    // it, unless something read the key (or the whole object) in between.
    const keyedWrites = new Map<string, string[]>();
    // A key converted again the way its last store converted it (`df["t"] = pd.to_datetime(df["t"])`
    // rerun, or edited to other parsing options) keeps its value: the run reads the key, and
    // the run that converted it first stays its producer.
    const conversions = new Map<string, string>();
    for (const [n, stores] of Object.entries(eff.keyedStores ?? {})) {
      if (may.has(n)) {
        may.delete(n);
        const names = stores.map(st => {
          const k = keyName(n, st.key);
          if (ok && st.conversion !== undefined) {
            // `df.p` and `df["p"]` name one column: a store under the other spelling since changed it.
            const last = this._last.get(k);
            const other = this._last.get(keyName(n, (st.key[0] === '.' ? '[' : '.') + st.key.slice(1)));
            if (last?.conversion === st.conversion && !(other && other.seq > last.seq)) {
              return k;
            }
            conversions.set(k, st.conversion);
          }
          (ok && !st.maybe ? kill : may).add(k);
          return k;
        });
        keyedWrites.set(n, names);
      }
    }

    // Reads: static uses (for definition-only cells, only what headers read),
    // traced reads, and the prior value of everything possibly mutated/deleted.
    const readNames = new Set<string>();
    const header = facts.headerReads;
    // `from sympy import *` then `solve(…)`: the analysis cannot tell that
    // the cell binds solve itself; the tracer saw it bound (an import-star
    // cell reads such a name after its import, not from an earlier run).
    const starBound = ok && tr && eff.unknownDefines ? new Set(Array.from(kill).filter(n => !eff.defines.includes(n))) : null;
    // IPython runs a cell's top-level statements one at a time and stops at the first that raises;
    // the tracer lists the globals, of those the session held, that the statements that started
    // load. One the session held that only the statements after a failed run's error use was not
    // read (`vect = CountVectorizer(stop_words)` failing on its first line did not read the
    // `result` that `vect.fit(result)` would have). A name the session did not hold stays read:
    // the run needed it (`undefined-name`). Not when IPython runs code of its own for the cell
    // (`%time z = x + 1` loads x outside the statements' bytecode).
    const started = !ok && tr?.read && !eff.ipythonSyntax ? new Set(tr.read) : null;
    const unread = (n: string): boolean => started !== null && !started.has(n) && held(n);
    const unfinished = !ok && tr ? this._unfinished(facts, tr, held) : undefined;
    for (const u of eff.uses) {
      if ((!header || header.has(u)) && !starBound?.has(u) && !unread(u)) {
        readNames.add(u);
      }
    }
    // A builtin is read from the session when a run shadowed it (`filter = ...`).
    eff.builtinUses?.forEach(n => {
      if (this._last.has(n) && !unread(n)) {
        readNames.add(n);
      }
    });
    // The tracer lists every global the code loads that existed before the run,
    // even one the cell binds first (`model = ols(...); model.fit()`): for those,
    // static analysis knows better, and trusting the tracer would chain every
    // rerun to the one before it.
    // It also lists the globals that functions the cell defines load in their
    // bodies: a cell that only defines functions reads them when they are
    // called, which the calls account for (see `headerReads`).
    // A name the cell surely bound and then deleted (`a = …; del a`) it bound first too.
    const boundFirst = eff.parseError
      ? null
      : new Set([...eff.defines, ...eff.mayDefine, ...facts.imports, ...(eff.temporaries ?? [])].filter(n => !eff.uses.includes(n)));
    tr?.read?.forEach(n => {
      if (!boundFirst?.has(n) && !starBound?.has(n) && (!header || header.has(n))) {
        readNames.add(n);
      }
    });
    may.forEach(n => readNames.add(n));
    // `del x` reads x (NameError when absent), whatever the run ended up deleting,
    // unless the cell bound x itself first (a temporary: `a = big(); …; del a`).
    for (const n of [...del, ...eff.deletes]) {
      if (!boundFirst?.has(n)) {
        readNames.add(n);
      }
    }
    if (!ok && tr) {
      this._readsPastRaise(facts, tr, held).forEach(n => {
        if (!may.has(n) && !del.has(n)) {
          readNames.delete(n);
        }
      });
    }
    // Call-time reads of the functions this run may call.
    const indirect = new Set<string>();
    const wholeByCall = new Set<string>();
    const seenDefs = new Set<string>();
    const queue = Array.from(readNames);
    for (let i = 0; i < queue.length; i++) {
      const lw = this._last.get(queue[i]);
      const defKey = lw ? lw.seq + PSEUDO + queue[i] : '';
      if (!lw || seenDefs.has(defKey)) {
        continue;
      }
      const def = records[lw.seq];
      if (!def.facts || !def.facts.callables.has(queue[i])) {
        continue;
      }
      seenDefs.add(defKey);
      for (const u of this._callTimeReads(def.facts, queue[i])) {
        if (!readNames.has(u) && !kill.has(u)) {
          readNames.add(u);
          indirect.add(u);
          queue.push(u);
        } else if (readNames.has(u) && !def.facts.effects.keyedReads?.[u]) {
          // Read here by constant keys, but whole by the function.
          wholeByCall.add(u);
        }
      }
    }

    // Pseudo-names.
    let nondeterministic = run.status === 'interrupted' || facts.times.length > 0;
    readNames.add(ENV);
    if (facts.env === 'barrier') {
      may.add(ENV);
    }
    // An install changes what later runs may load: every run after it depends
    // on it (a library may import lazily: `read_excel` loads openpyxl), but the
    // runs that import nothing themselves compute the same values on either side
    // of it, so they merge with their reruns there (see the class below). The
    // same install run again changes nothing (a session that ran
    // `!pip install wordcloud` twice kept both, and every rerun on either side
    // of the second).
    const installs = (eff.installs ?? []).filter(c => !this._installs.has(c));
    const reinstall = installs.length === 0 && (eff.installs?.length ?? 0) > 0;
    if (installs.length > 0) {
      readNames.add(PACKAGES);
      may.add(PACKAGES);
      if (ok) {
        installs.forEach(c => this._installs.add(c));
      }
    } else if (!reinstall) {
      readNames.add(PACKAGES);
    }
    if (facts.seeds) {
      kill.add(RNG);
    } else if (eff.readsRandomState && this._last.has(RNG) && !facts.draws.length && !this._mayDrawIndirectly(facts)) {
      // A look-up of what draws changed (`pyro.param('mu')`): after the draws, not one of them.
      readNames.add(RNG);
    } else if (facts.draws.length > 0 || (this._last.has(RNG) && run.status !== 'aborted' && this._mayDrawIndirectly(facts))) {
      if (this._last.has(RNG)) {
        may.add(RNG);
        readNames.add(RNG);
      } else {
        nondeterministic = true;
      }
    }
    // A read of a variable reads the keys stored on it since it was bound,
    // all of them unless the run reads only constant keys (`df["a"]`).
    const wholeReads = new Set<string>();
    for (const n of Array.from(readNames)) {
      if (n[0] === PSEUDO) {
        continue;
      }
      const keyed = eff.keyedReads?.[n];
      // A function the run calls may read the whole object.
      if (keyed && !may.has(n) && !del.has(n) && !indirect.has(n) && !wholeByCall.has(n)) {
        keyed.forEach(k => readNames.add(keyName(n, k)));
      } else {
        wholeReads.add(n);
        this._keysOf.get(n)?.forEach(k => readNames.add(k));
      }
    }
    const trWritten = tr ? tracedFiles(tr.filesWritten) : [];
    // A file the tracer saw both opened for reading and written, that the
    // code does not name as read, is one the run writes (`plt.savefig(p)`
    // opens p read-write): it does not read what an earlier run wrote there.
    const trRead = tr ? tracedFiles(tr.filesRead).filter(p => !trWritten.includes(p) || facts.filesRead.includes(p)) : [];
    const filesRead = uniq([...facts.filesRead, ...trRead]);
    const filesWritten = uniq([...facts.filesWritten, ...trWritten]);
    filesRead.forEach(p => readNames.add(FILE + p));
    filesWritten.forEach(p => kill.add(FILE + p));

    // Resolve reads against the state before this run; class = code + status + inputs.
    const reads: RunRead[] = [];
    const names = Array.from(readNames).sort();
    // Before any install every run reads the same packages: no need to tell loaders apart.
    const loads = installs.length > 0 || (this._last.has(PACKAGES) && this._loadsModules(facts));
    const sig: string[] = [String(this._id('c' + run.code)), run.status, nondeterministic || facts.env === 'barrier' ? 'n' + seq : ''];
    if (tr) {
      // What the run bound, changed and deleted, tracer and analysis together:
      // added or rebound is the same binding (whether the name existed before,
      // or a rerun of `import numpy` bound the same module object again, does
      // not change the value), and a rerun must merge with the first run.
      sig.push([kill, may, del].map(a => Array.from(a).sort().join(',')).join(';'));
    }
    for (const name of names) {
      const lw = this._last.get(name) ?? this._weak.get(name);
      let vn: number;
      let unknown = -1;
      if (lw) {
        vn = lw.vn;
      } else if (this._lastUnknown >= 0 && name[0] !== PSEUDO) {
        unknown = this._lastUnknown;
        vn = this._id('u' + records[unknown].cls + PSEUDO + name);
      } else {
        vn = this._id('0' + name);
      }
      const nid = this._nameId(name);
      const variable = name.startsWith(KEY) ? this._nameId(keyBase(name)) : nid;
      const read: RunRead = { name, nid, variable, from: lw ? lw.seq : -1, unknown, vn, indirect: indirect.has(name) };
      if (lw?.sameValue) {
        read.alternatives = lw.sameValue;
      }
      reads.push(read);
      // The class's last run stands for it (`_rep`): its reads, the latest install included, order it.
      if (name !== PACKAGES || loads) {
        sig.push(name + '=' + vn);
      }
    }
    const cls = this._id('s' + sig.join('\u0001'));

    const writes: RunWrite[] = [];
    const write = (name: string, kind: WriteKind): void => {
      const vn = this._id((kind === WriteKind.Delete ? 'd' : 'w') + cls + PSEUDO + name);
      const prior = again.has(name) ? this._last.get(name) : undefined;
      if (prior) {
        // The same object: the same value, from the run that bound it first or from this one. Its
        // number is this run's, as for any binding: a rerun of the cell that read it merges with
        // the run of it before (`y = 1` run again after `y = y * 1`).
        writes.push(this._write(name, kind, vn));
        const chain = [...(prior.sameValue ?? []), seq];
        this._last.set(name, { ...prior, vn, sameValue: chain.length > 2 * CHAIN_SCAN ? chain.slice(chain.length - CHAIN_SCAN) : chain });
        return;
      }
      const module = kind === WriteKind.Kill && (ok || reachedImports.has(name));
      writes.push(this._write(name, kind, module ? this._moduleValue(facts, name) ?? vn : vn));
    };
    kill.forEach(n => write(n, WriteKind.Kill));
    may.forEach(n => write(n, WriteKind.May));
    del.forEach(n => write(n, WriteKind.Delete));
    for (const w of writes) {
      if (again.has(w.name)) {
        continue;
      }
      const prev = this._last.get(w.name);
      const moduleFrom =
        w.kind === WriteKind.Kill
          ? facts.imports.has(w.name)
            ? seq
            : -1
          : w.kind === WriteKind.May && prev
            ? prev.moduleFrom
            : -1;
      // Settings changed on a module since its import (`sns.set(...)`) stay on the object an
      // import of the same module binds again: the chain of its imports goes through them.
      const moduleVn = moduleFrom === seq ? w.vn : moduleFrom >= 0 ? prev?.moduleVn : undefined;
      const sameModule =
        moduleFrom === seq
          ? prev && prev.moduleFrom >= 0 && prev.moduleVn === w.vn
            ? [...(prev.sameModule ?? [prev.moduleFrom]), seq]
            : undefined
          : moduleFrom >= 0
            ? prev?.sameModule
            : undefined;
      if (moduleFrom >= 0 && moduleFrom !== seq) {
        this._moduleChanges++;
      }
      this._last.set(w.name, { seq, kind: w.kind, vn: w.vn, moduleFrom, sameModule, moduleVn, conversion: conversions.get(w.name) });
      if (w.name[0] !== PSEUDO) {
        this._everWritten.add(w.name);
        // A new value (or a change of the whole) carries the keys from here on; bound again to
        // the object it held, the name still holds the keys stored on it.
        if (!same.has(w.name)) {
          this._keysOf.get(w.name)?.forEach(k => this._last.delete(k));
          this._keysOf.delete(w.name);
        }
      }
    }
    for (const [n, names] of keyedWrites) {
      let keys = this._keysOf.get(n);
      if (!keys) {
        keys = new Set();
        this._keysOf.set(n, keys);
      }
      names.forEach(k => keys!.add(k));
    }
    // Recorded as writes (so the order keeps failed runs of a name in time
    // order) but kept out of `_last`: a successful definition still wins.
    for (const n of weak) {
      if (!this._last.has(n) && !kill.has(n) && !may.has(n) && !del.has(n)) {
        const vn = this._id('e' + cls + PSEUDO + n);
        writes.push(this._write(n, WriteKind.May, vn));
        this._weak.set(n, { seq, kind: WriteKind.May, vn, moduleFrom: -1 });
        this._everWritten.add(n);
      }
    }
    this._setRep(cls, seq);
    if (eff.unknownDefines) {
      this._lastUnknown = seq;
      // With tracer evidence the names it bound are known (and live only
      // when nothing rebound them): it is needed like any other run.
      if (ok && !tr) {
        this._unknownRuns.push(seq);
      }
    }
    if (facts.env === 'setup' && ok) {
      // What it sets up: its line magics as typed (unknown: this run alone).
      // Per option, the last line of the cell that sets it (`%matplotlib notebook` then
      // `%matplotlib inline` ends inline); the setting is what the options end up as.
      const last = new Map<string, string>();
      eff.statements?.filter(t => t.startsWith('%')).forEach(m => last.set(knobOf(m), m));
      const knobs = Array.from(last.keys()).sort();
      const values = knobs.map(k => last.get(k)!);
      const setting = knobs.length === 0 ? PSEUDO + seq : values.join('\n');
      this._setupRuns.push({ seq, setting, knobs: knobs.length === 0 ? [setting] : knobs, values: knobs.length === 0 ? [setting] : values, moduleChanges });
    }
    records.push({
      seq,
      run,
      facts,
      reads,
      writes,
      cls,
      readStart: this._reserveReads(reads),
      nondeterministic,
      filesRead,
      filesWritten,
      wholeReads,
      ...(unfinished !== undefined ? { unfinished } : {})
    });
  }

  /** The canonical order of the session so far against the current cells. */
  compute(): CanonicalOrder {
    if (this._cache) {
      return this._cache;
    }
    let mode: CanonicalOrder['stats']['mode'] = 'time-order';
    let slice: Slice | null = null;
    let order: number[] | null = null;
    if (this._merge) {
      // Merge reruns; classes caught in a cycle are un-merged and the order retried.
      const unmerged = new Set<number>();
      // Import runs served by a later one (`_importsFromLater`) until that makes a cycle: then
      // the same classes again without it, before any is un-merged.
      let laterImports = true;
      for (let attempt = 0; attempt < MERGE_ATTEMPTS && !order; attempt++) {
        slice = this._slice(unmerged, laterImports);
        const got = this._schedule(slice);
        if (got.length === slice.runs.length) {
          order = got;
          mode = 'merged-reruns';
        } else if (slice.importsMoved) {
          laterImports = false;
          attempt--;
        } else {
          const done = new Uint8Array(slice.runs.length);
          got.forEach(i => (done[i] = 1));
          slice.runs.forEach((seq, i) => {
            if (!done[i]) {
              unmerged.add(this._records[seq].cls);
            }
          });
        }
      }
    }
    if (!order) {
      slice = this._slice(null);
      order = this._schedule(slice);
      mode = 'time-order';
      if (order.length !== slice.runs.length) {
        // Cannot happen (every edge points forward in time); keep time order.
        order = slice.runs.map((_, i) => i);
      }
    }
    const s = slice!;
    const ordered = order.map(i => s.runs[i]);
    const steps: CanonicalStep[] = ordered.map(seq => {
      const run = this._records[seq].run;
      const pos = run.cellId === null ? undefined : this._cellPos.get(run.cellId);
      return { cellId: run.cellId, runIndex: run.index, position: pos === undefined ? -1 : pos };
    });
    const view: SliceView = {
      records: this._records,
      ordered,
      keys: s.keys,
      nameIds: this._nameIds,
      names: this._names,
      cells: this._cells,
      cellPos: this._cellPos,
      everWritten: this._everWritten,
      callables: this._callables,
      modules: this._modules,
      editEffects: this._editEffects,
      live: this._liveProducers(s),
      facts: code => this._facts(code),
      normalized: code => this._normalizedSource(code)
    };
    const { diagnostics, topToBottomWorks } = buildDiagnostics(view);
    const failedRuns = this._failedIndices.slice();
    const failedSteps = ordered.filter(seq => isFailed(this._records[seq].run)).map(seq => this._records[seq].run.index);
    const verdict: OrderVerdict =
      steps.length === 0 ? 'nothing-to-replay' : failedSteps.length > 0 ? 'errors' : topToBottomWorks ? 'top-to-bottom' : 'in-order';
    this._cache = {
      steps,
      topToBottomWorks: topToBottomWorks && verdict === 'top-to-bottom',
      verdict,
      replayable: verdict === 'top-to-bottom' || verdict === 'in-order',
      failedRuns,
      failedSteps,
      diagnostics,
      stats: { runs: this._records.length, mode }
    };
    return this._cache;
  }

  /** Live names (not deleted at the end) and the run each one's value comes from. */
  private _liveProducers(slice: Slice): Map<string, number> {
    const { producer, liveFrom } = slice;
    const live = new Map<string, number>();
    for (const [name, lw] of this._last) {
      if ((name[0] !== PSEUDO || name.startsWith(KEY)) && lw.kind !== WriteKind.Delete) {
        live.set(name, liveFrom.get(name) ?? producer(lw.moduleFrom >= 0 ? lw.moduleFrom : lw.seq));
      }
    }
    for (const [name, w] of this._weak) {
      if (!this._last.has(name)) {
        live.set(name, producer(w.seq));
      }
    }
    return live;
  }

  /**
   * The runs the live state needs (sorted by time) and how a read maps to its
   * producer. `unmerged`: null for a strict slice in time, else the classes
   * whose reruns must not be merged.
   */
  private _slice(unmerged: ReadonlySet<number> | null, laterImports = false): Slice {
    const records = this._records;
    const inSlice = new Uint8Array(records.length);
    const stack: number[] = [];
    const classOf = this._classOf;
    const lastOf = this._lastOfClass;
    const producer = !unmerged
      ? (s: number) => s
      : unmerged.size === 0
        ? (s: number) => lastOf[classOf[s]]
        : (s: number) => (unmerged.has(records[s].cls) ? s : lastOf[classOf[s]]);
    // Each slice run's reads mapped to the runs that provide them, once (see `RunRecord.readStart`).
    if (this._keys.length < this._readCount) {
      this._keys = new Int32Array(this._deps.length);
    }
    const deps = this._deps;
    const keys = this._keys;
    let maxSeq = -1;
    let needed: RunCounts | null = null;
    const add = (s: number): void => {
      if (!inSlice[s]) {
        inSlice[s] = 1;
        needed?.add(s);
        stack.push(s);
        if (s > maxSeq) {
          maxSeq = s;
        }
      }
    };
    // Reads of a value several runs provide (`RunRead.alternatives`), as pairs (read, run): each is
    // settled once the runs needed otherwise are in (`provider`).
    let open: number[] = [];
    const settled: number[] = [];
    // The latest runs of the chain (any of them provides the value; a chain of thousands of reruns
    // of `x = 15` is not scanned whole). A rerun merged with the run that reads (`print(x); x = 15`
    // run twice) cannot provide its input.
    const providers = (r: RunRecord, i: number): number[] => {
      const read = r.reads[i - r.readStart];
      const alternatives = read.alternatives!;
      const tail = alternatives.length >= CHAIN_SCAN ? alternatives.slice(alternatives.length - CHAIN_SCAN) : alternatives;
      // The run that bound it first stays: every later one may be a rerun merged with the reader.
      return [read.from, ...tail.filter(a => producer(a) !== r.seq)];
    };
    // It succeeded and needs no run the slice lacks.
    const selfContained = (p: number): boolean => {
      const r = records[p];
      if (r.run.status !== 'ok') {
        return false;
      }
      for (let i = r.readStart, end = i + r.reads.length; i < end; i++) {
        if (deps[i] === CHAINED) {
          if (latestKept(providers(r, i)) < 0) {
            return false;
          }
        } else {
          const k = deps[i] >= 0 ? producer(deps[i]) : -1;
          if (k >= 0 && k !== p && !inSlice[k]) {
            return false;
          }
        }
      }
      return true;
    };
    const latestKept = (runs: number[]): number => {
      for (let j = runs.length - 1; j >= 0; j--) {
        if (inSlice[producer(runs[j])]) {
          return producer(runs[j]);
        }
      }
      return -1;
    };
    // Which run provides the value to `reader` (-1: the live value). The latest of the chain, as
    // for any binding, when its code is its cell's current code, its cell is above the reader and
    // it needs no run the slice lacks (a notebook binding the same literal in two cells still runs
    // top to bottom). Else an earlier one the slice keeps anyway, if as good: its code current (or
    // no run of the chain's is) and its cell above the reader (no reader tied to a cell below it).
    // With none kept and the latest edited since, the latest current one that needs no run the
    // slice lacks (`order = 15` rather than the loop, edited since, that ended on 15 again and
    // would bring the function it called), else the latest that needs none (every run of the
    // chain edited since: the fewest runs). Never a run before the latest kept: that one would
    // bind the name again between it and the reader.
    const provider = (runs: number[], reader: number): number => {
      const latest = producer(runs[runs.length - 1]);
      const kept = latestKept(runs);
      const readerPos = reader < 0 ? Infinity : this._position(reader);
      if (kept === latest || (this._isCurrent(latest) && this._position(latest) < readerPos && selfContained(latest))) {
        return latest;
      }
      if (kept >= 0) {
        const good = (this._isCurrent(kept) || !runs.some(r => this._isCurrent(producer(r)))) && this._position(kept) < readerPos;
        return good ? kept : latest;
      }
      if (!this._isCurrent(latest)) {
        const earlier = runs.slice(0, -1).map(producer).reverse();
        return earlier.find(p => this._isCurrent(p) && selfContained(p)) ?? (selfContained(latest) ? latest : earlier.find(selfContained)) ?? latest;
      }
      return latest;
    };
    // Settled in two passes: first the reads and live values `provider` gives their chain's latest
    // run (needed as for any binding), which may then serve the others (no earlier run added for
    // one that a later one serves too); then each of them.
    interface Choice {
      runs: number[];
      reader: number;
      settle: (p: number) => void;
    }
    const drain = (live: Choice[] = []): void => {
      let first = live;
      do {
        drainReads();
        const items = first;
        first = [];
        for (let j = 0; j < open.length; j += 2) {
          const i = open[j];
          const s = open[j + 1];
          items.push({
            runs: providers(records[s], i),
            reader: s,
            settle: p => {
              keys[i] = p;
              settled.push(i, s);
            }
          });
        }
        open = [];
        for (const c of items) {
          const latest = producer(c.runs[c.runs.length - 1]);
          if (provider(c.runs, c.reader) === latest) {
            add(latest);
          }
        }
        drainReads();
        for (const c of items) {
          const p = provider(c.runs, c.reader);
          add(p);
          c.settle(p);
        }
      } while (stack.length > 0 || open.length > 0);
    };
    const drainReads = (): void => {
      while (stack.length > 0) {
        const s = stack.pop()!;
        const r = records[s];
        for (let i = r.readStart, end = i + r.reads.length; i < end; i++) {
          if (deps[i] === CHAINED) {
            open.push(i, s);
            continue;
          }
          const d = deps[i];
          const k = d >= 0 ? producer(d) : -1;
          keys[i] = k;
          if (k >= 0) {
            add(k);
          }
        }
        // A name this run binds that the session deleted at the end must be
        // deleted again, or the replay ends with a name the kernel lacks.
        if (deletedAtEnd) {
          for (const w of r.writes) {
            if (w.variable === w.nid) {
              const lw = this._last.get(w.name);
              if (lw && lw.kind === WriteKind.Delete && lw.seq !== s) {
                add(producer(lw.seq));
              }
            }
          }
        }
      }
    };
    let deletedAtEnd = false;
    const sameModule: Array<[string, number[]]> = [];
    const sameValue: Array<[string, number[]]> = [];
    for (const [name, lw] of this._last) {
      if (name[0] !== PSEUDO || name.startsWith(KEY)) {
        if (lw.sameModule) {
          sameModule.push([name, lw.sameModule]);
        } else if (lw.sameValue) {
          sameValue.push([name, [lw.seq, ...lw.sameValue]]);
        } else if (lw.kind !== WriteKind.Delete) {
          add(producer(lw.moduleFrom >= 0 ? lw.moduleFrom : lw.seq));
        } else {
          deletedAtEnd = true;
        }
      }
    }
    for (const [name, w] of this._weak) {
      if (!this._last.has(name)) {
        add(producer(w.seq));
      }
    }
    this._unknownRuns.forEach(s => add(producer(s)));
    // A name bound again to the value it held (`LastWrite.sameValue`): from the run `provider` picks,
    // settled with the reads of such names.
    const liveFrom = new Map<string, number>();
    drain(
      sameValue.map(([name, runs]) => ({
        runs: runs.length > CHAIN_SCAN ? runs.slice(runs.length - CHAIN_SCAN) : runs,
        reader: -1,
        settle: (p: number) => liveFrom.set(name, p)
      }))
    );
    // A module name imported again by several runs in a row: one of them kept for another reason
    // (`import timeit` in the first cell, the same import again in a later cell) leaves the name
    // holding the module; only when none is kept does the last one join for it.
    for (const [name, runs] of sameModule) {
      // The latest kept: the value the replay ends with (all hold the same module).
      let kept = -1;
      for (let i = runs.length - 1; i >= 0 && kept < 0; i--) {
        kept = inSlice[producer(runs[i])] ? runs[i] : -1;
      }
      if (kept >= 0) {
        liveFrom.set(name, producer(kept));
      } else {
        add(producer(runs[runs.length - 1]));
        drain();
      }
    }
    // Session settings (`%matplotlib inline`) are kept when something needed
    // runs after them, before a later run makes the same settings again (a
    // cell that also sets `%matplotlib notebook`, run ten times, needs the
    // setting once, not ten runs).
    // Made again, or replaced: `%matplotlib notebook` ends `%matplotlib inline` as much as a rerun of
    // it does; a run setting several things is in effect until each of them is set again.
    const nextSame = new Map<number, number>();
    const later = new Map<string, number>();
    for (let i = this._setupRuns.length - 1; i >= 0; i--) {
      const { seq, knobs } = this._setupRuns[i];
      nextSame.set(seq, Math.max(...knobs.map(k => later.get(k) ?? records.length)));
      knobs.forEach(k => later.set(k, seq));
    }
    // A setting waits for a needed run in its stretch; adding it (and what it reads) can fill the
    // stretch of an earlier one, so this repeats until nothing is added. The needed runs are counted
    // in a Fenwick tree: recounting all runs on every pass cost ~1.5 ms per compute at 10,000 runs.
    let pending = this._setupRuns.filter(({ seq }) => !inSlice[producer(seq)]);
    if (pending.length > 0) {
      const counts = new RunCounts(records.length);
      inSlice.forEach((x, s) => x && counts.add(s));
      needed = counts;
      // A setting made again by the next setup run (`%matplotlib inline` in a cell rerun, or copied
      // into a later cell) changes nothing while an earlier run of that stretch is kept: the
      // setting is still in effect. Stretches of one setting in a row; the earliest kept run of each.
      const setups = this._setupRuns;
      const stretchOf = new Map<number, number>();
      // A change of a module's state between two of them (`plt.switch_backend('agg')`) ends the stretch.
      let stretch = 0;
      setups.forEach(({ seq, setting, moduleChanges }, i) => {
        const prev = setups[i - 1];
        if (!prev || setting[0] === PSEUDO || prev.setting !== setting || prev.moduleChanges !== moduleChanges) {
          stretch = i;
        }
        stretchOf.set(seq, stretch);
      });
      const firstKept = new Float64Array(setups.length);
      // Where the kept run makes the setting: a merged rerun runs at its class's last run.
      const keep = (s: number, p: number): void => {
        const k = stretchOf.get(s)!;
        if (stretchOf.get(p) === k && p < firstKept[k]) {
          firstKept[k] = p;
        }
      };
      const covered = (s: number): boolean => firstKept[stretchOf.get(s)!] < s;
      for (let changed = true; changed; ) {
        changed = false;
        firstKept.fill(Infinity);
        setups.forEach(({ seq }) => {
          if (inSlice[producer(seq)]) {
            keep(seq, producer(seq));
          }
        });
        for (const { seq: s } of pending) {
          const p = producer(s);
          if (s < maxSeq && !inSlice[p] && !covered(s) && counts.between(s + 1, nextSame.get(s)!) > 0) {
            add(p);
            changed = true;
            // Later runs of its stretch, in this pass, are covered by it.
            keep(s, p);
          }
        }
        drain();
        pending = pending.filter(({ seq }) => !inSlice[producer(seq)]);
      }
    }
    // Runs kept since a read was settled may provide it too: the latest of them does (the schedule
    // keeps a run that binds a name after the readers of the value before).
    for (let j = 0; j < settled.length; j += 2) {
      keys[settled[j]] = latestKept(providers(records[settled[j + 1]], settled[j]));
    }
    sameValue.forEach(([name, runs]) => liveFrom.set(name, latestKept(runs)));
    const importsMoved = laterImports && this._importsFromLater(inSlice, liveFrom);
    const runs: number[] = [];
    for (let s = 0; s < records.length; s++) {
      if (inSlice[s]) {
        runs.push(s);
      }
    }
    return { runs, producer, keys, liveFrom, importsMoved };
  }

  /**
   * An import cell run again with more imports (`import pandas as pd` added to the first cell,
   * then rerun) binds the same modules again: the runs that read them from its earlier run can
   * take them from the later one, replayed before them, and the cell runs once in the order
   * instead of twice. Only between runs that do nothing but import (and the same setup magics),
   * read the same environment and installed packages, when the later binds every name the earlier
   * did to the same module and no run in between binds any of those names: moving the later run
   * back in time then changes nothing any run reads. Rewrites the slice's read keys in place;
   * whether it replaced any run.
   */
  private _importsFromLater(inSlice: Uint8Array, liveFrom: Map<string, number>): boolean {
    const records = this._records;
    const imports: number[] = [];
    for (let s = 0; s < records.length; s++) {
      if (inSlice[s] && this._onlyImports(records[s])) {
        imports.push(s);
      }
    }
    if (imports.length < 2) {
      return false;
    }
    const settings = new Map(this._setupRuns.map(x => [x.seq, x.setting]));
    const replaced = new Map<number, number>();
    for (let i = imports.length - 2; i >= 0; i--) {
      const p = imports[i];
      for (let j = imports.length - 1; j > i; j--) {
        const q = imports[j];
        // A setting made between them (`%matplotlib notebook`) must stay between the two.
        const setupBetween = (settings.has(p) || settings.has(q)) && this._setupRuns.some(x => x.seq > p && x.seq < q);
        if (!replaced.has(q) && settings.get(p) === settings.get(q) && !setupBetween && this._importsCover(p, q, replaced, inSlice)) {
          replaced.set(p, q);
          break;
        }
      }
    }
    if (replaced.size === 0) {
      return false;
    }
    const keys = this._keys;
    replaced.forEach((_, p) => (inSlice[p] = 0));
    for (let s = 0; s < records.length; s++) {
      if (inSlice[s]) {
        const r = records[s];
        for (let i = r.readStart, end = i + r.reads.length; i < end; i++) {
          const q = replaced.get(keys[i]);
          if (q !== undefined) {
            keys[i] = q;
          }
        }
      }
    }
    for (const [name, p] of liveFrom) {
      const q = replaced.get(p);
      if (q !== undefined) {
        liveFrom.set(name, q);
      }
    }
    return true;
  }

  /** A successful run that only binds names by import (and reads only the environment); kept on the record. */
  private _onlyImports(r: RunRecord): boolean {
    const f = r.facts;
    r.onlyImports ??=
      f !== null &&
      r.run.status === 'ok' &&
      !r.nondeterministic &&
      !f.effects.unknownDefines &&
      f.env !== 'barrier' &&
      f.env !== 'install' &&
      r.writes.length > 0 &&
      r.filesRead.length === 0 &&
      r.filesWritten.length === 0 &&
      r.writes.every(w => w.kind === WriteKind.Kill && f.imports.has(w.name)) &&
      r.reads.every(a => a.name === ENV || a.name === PACKAGES);
    return r.onlyImports;
  }

  /**
   * Import run `q` (later) is a rerun of `p`'s cell that binds what `p` bound, the same modules,
   * from the same environment, and nothing between them could make an import, or a run that
   * read `p`'s modules, behave otherwise once `q` runs in `p`'s place: no binding of, or store
   * on, any of its names or any module (`numpy.float = float`, `sys.path += [...]`), no read of a
   * name only `q` binds (a builtin it shadows: `from pyspark.sql.functions import sum`), no
   * `import *` or `%run`, no call made for its effect on an imported module or function
   * (`findspark.init()`, `load_dotenv()`: what they prepare, an import of `q` may need). Runs
   * themselves served by `q` (`replaced`) bind the same modules and do not count.
   */
  private _importsCover(p: number, q: number, replaced: ReadonlyMap<number, number>, inSlice: Uint8Array): boolean {
    const a = this._records[p];
    const b = this._records[q];
    // Another cell repeating the imports (`import pandas as pd` again next to `import seaborn`)
    // stays where it is: moved up, it would be a cell below that the ones above depend on.
    const cell = a.run.cellId;
    if (cell === null || cell !== b.run.cellId || !this._cellPos.has(cell)) {
      return false;
    }
    const read = (r: RunRecord): string =>
      r.reads
        .map(x => x.name + '=' + x.vn)
        .sort()
        .join(',');
    if (read(a) !== read(b)) {
      return false;
    }
    const bound = new Map(b.writes.map(w => [w.nid, w.vn]));
    if (!a.writes.every(w => bound.get(w.nid) === w.vn)) {
      return false;
    }
    const added = new Set(b.writes.filter(w => !a.writes.some(x => x.nid === w.nid)).map(w => w.name));
    const variableOf = (w: RunWrite): string => (w.isKey ? keyBase(w.name) : w.name);
    for (let s = p + 1; s < q; s++) {
      const r = this._records[s];
      if (replaced.get(s) === q || !r.facts) {
        continue;
      }
      if (r.writes.some(w => bound.has(w.nid) || bound.has(w.variable) || (w.kind !== WriteKind.Kill && this._modules.has(variableOf(w))))) {
        return false;
      }
      // What the replay runs between them (the runs it does not run do not matter).
      if (!inSlice[s]) {
        continue;
      }
      const e = r.facts.effects;
      // A name only `q` binds, read as another value, as a builtin, or before anything bound it.
      const readsAdded =
        r.reads.some(x => added.has(x.name) && x.vn !== bound.get(x.nid)) ||
        (e.builtinUses ?? []).some(n => added.has(n)) ||
        e.uses.some(n => added.has(n) && !r.reads.some(x => x.name === n));
      if (e.unknownDefines || readsAdded || e.statements?.some(t => this._changesModules(t)) !== false) {
        return false;
      }
    }
    return true;
  }

  /**
   * A top-level statement that stores on or changes an imported name (`sys.path += [...]`,
   * `numpy.float = float`, taken alone: the cell may have imported it itself), or only calls a
   * function reached through one, outside the plotting and display libraries
   * (`findspark.init()`, `load_dotenv()`): made for an effect on what later imports find.
   */
  private _changesModules(statement: string): boolean {
    const e = this._facts(statement).effects;
    if ([...e.mutates, ...Object.keys(e.keyedStores ?? {})].some(n => this._modules.has(n))) {
      return true;
    }
    const root = e.callRoot;
    return root !== undefined && e.defines.length === 0 && e.mayDefine.length === 0 && this._modules.has(root) && !DISPLAY_ROOTS.has(root);
  }

  /**
   * Order the slice: per name, the values it takes are ordered by the time of
   * their producers; each reader goes after the producer of the value it reads
   * and before the producer of the next value (anti-dependency). Ties go to the
   * cell higher in the notebook, then to the earlier run. Partial on a cycle.
   */
  private _schedule(slice: Slice): number[] {
    const { runs, keys } = slice;
    const records = this._records;
    const local = new Int32Array(records.length);
    runs.forEach((s, i) => (local[s] = i));
    const edges = new EdgeList();
    const edge = (a: number, b: number): void => {
      if (a !== b) {
        edges.add(local[a], local[b]);
      }
    };
    // Without any environment change every run reads the same (initial) environment.
    const envUnchanged = this._last.has(ENV) ? -1 : this._nameIds.get(ENV);
    const packagesUnchanged = this._last.has(PACKAGES) ? -1 : this._nameIds.get(PACKAGES);
    const values = new ValueGroups(this._nameIds.size);
    for (let pass = 0; pass < 2; pass++) {
      for (const s of runs) {
        const r = records[s];
        for (const w of r.writes) {
          values.note(pass, w.nid, s, -1);
        }
        const reads = r.reads;
        for (let i = 0; i < reads.length; i++) {
          const nid = reads[i].nid;
          if (nid !== envUnchanged && nid !== packagesUnchanged) {
            values.note(pass, nid, keys[r.readStart + i], s);
          }
        }
      }
      values.endPass(pass);
    }
    values.forEachName((key, readers, next) => {
      for (const r of readers) {
        if (key >= 0) {
          edge(key, r);
        }
        if (next !== undefined) {
          edge(r, next);
        }
      }
      if (key >= 0 && next !== undefined) {
        edge(key, next);
      }
    });
    // A store to a key changes the object the variable holds at that time:
    // it stays before the next run in the slice that rebinds the variable, or
    // the replay stores the key on the new object. (When the rebinding is a
    // merged rerun of the object's producer, this makes a cycle, and the
    // classes are un-merged.)
    const binders: Array<number[] | undefined> = new Array(this._nameIds.size);
    let keyStores = false;
    for (const s of runs) {
      for (const w of records[s].writes) {
        if (w.variable === w.nid) {
          const b = binders[w.nid];
          if (b) {
            b.push(s);
          } else {
            binders[w.nid] = [s];
          }
        } else if (w.isKey) {
          keyStores = true;
        }
      }
    }
    for (const s of keyStores ? runs : []) {
      const r = records[s];
      for (const w of r.writes) {
        if (!w.isKey) {
          continue;
        }
        const next = firstAfter(binders[w.variable], s);
        if (next !== undefined) {
          edge(s, next);
        }
        // A store to a key changes the object earlier readers read whole
        // (`d = a + b` before `a["k"] = 1`): they stay before it.
        const i = r.reads.findIndex(x => x.nid === w.variable);
        if (i >= 0) {
          const base = r.reads[i].name;
          values.forEachReader(w.variable, keys[r.readStart + i], t => {
            if (t < s && records[t].wholeReads?.has(base)) {
              edge(t, s);
            }
          });
        }
      }
    }
    this._orderSettings(runs, edge);
    // Tie-break key: the cell's position now; a run whose cell is gone keeps
    // the place of the slice run before it in time.
    const key = new Float64Array(runs.length);
    const tie = new Float64Array(runs.length);
    let prevKey = -1;
    runs.forEach((s, i) => {
      const id = records[s].run.cellId;
      const pos = id === null ? undefined : this._cellPos.get(id);
      key[i] = pos === undefined ? prevKey : pos;
      prevKey = key[i];
      tie[i] = s;
    });
    return scheduleByKey(runs.length, edges, key, tie);
  }

  /**
   * Settings of one option keep the order they were made in when they differ: the last one
   * made is the one in effect (`%matplotlib notebook`, then `%matplotlib inline` again in a
   * merged rerun, ends inline). Runs making the same setting need no order among themselves (a
   * chain over all of them made cycles with what they also compute, and un-merged reruns). An
   * extension is loaded before its magics and options are set (`%load_ext autoreload` before
   * `%autoreload 2`), by the first run of each.
   */
  private _orderSettings(runs: number[], edge: (a: number, b: number) => void): void {
    const setups = this._setupRuns;
    if (setups.length === 0) {
      return;
    }
    const bySeq = new Map(setups.map(x => [x.seq, x]));
    const firstOfClass = new Map<number, number>();
    for (const { seq } of setups) {
      const cls = this._records[seq].cls;
      if (!firstOfClass.has(cls)) {
        firstOfClass.set(cls, seq);
      }
    }
    // Per option: the runs since its value last changed, and that value.
    const current = new Map<string, { value: string; runs: number[] }>();
    const firstRun = (s: number): number => firstOfClass.get(this._records[s].cls) ?? s;
    // A merged rerun of the load stands at its last run, maybe after the magic's run: all of them first.
    const loads = runs.filter(s => bySeq.get(s)?.values.some(l => EXTENSION_LOAD.test(l)));
    for (const s of runs) {
      const setup = bySeq.get(s);
      if (!setup) {
        continue;
      }
      setup.knobs.forEach((knob, i) => {
        const value = setup.values[i];
        const group = current.get(knob);
        if (group && group.value === value) {
          group.runs.push(s);
          return;
        }
        group?.runs.forEach(r => edge(r, s));
        current.set(knob, { value, runs: [s] });
      });
      if (setup.values.some(l => EXTENSION_SETTING.test(l))) {
        loads.forEach(l => firstRun(l) < firstRun(s) && edge(l, s));
      }
    }
  }

  /**
   * After a seed, the order of draws matters, and draws hide in calls: a
   * function defined in the session (`train(10)` looping over `svi.step`) or a
   * call into a random-number library (`pyro.sample`, `torch.randn`). Such a
   * run is taken to draw, so the seed and the draws before it stay in order.
   * A function the cell itself defines (and may call) draws when its body may
   * (a class, or a body that defines functions of its own, may). A cell that only
   * defines functions calls none of them: only its decorators and defaults run.
   */
  private _mayDrawIndirectly(facts: CodeFacts): boolean {
    if (facts.randomLibraryCalls) {
      return true;
    }
    if (facts.headerReads) {
      return Array.from(facts.headerReads).some(name => this._callMayDraw(name));
    }
    // The cell's own functions and classes are not among the names it reads: taken as called.
    const ownDraws = Array.from(facts.callables).some(name => {
      const cls = facts.effects.classCalls?.[name];
      if (cls) {
        return this._constructionMayDraw(cls, facts, new Set([name])) || instanceUsed(facts, name);
      }
      const cr = facts.effects.callReads?.[name];
      return !cr || cr.draws === true;
    });
    return ownDraws || facts.effects.uses.some(name => this._callMayDraw(name) || (this._isSessionCallable(name) && instanceUsed(facts, name)));
  }

  /**
   * A call of the session's callable `name` may draw: any function (what it is given may draw
   * as it is used), a class whose construction may (`_constructionMayDraw`). A session that
   * built `net = Net(4, 3)` of zeros between seeded trainings kept every rebuild, each run
   * taken as a draw.
   */
  private _callMayDraw(name: string, seen: Set<string> = new Set()): boolean {
    if (!this._isSessionCallable(name) || seen.has(name)) {
      return false;
    }
    seen.add(name);
    const definer = this._records[this._last.get(name)!.seq].facts!;
    const cls = definer.effects.classCalls?.[name];
    return cls === undefined || this._constructionMayDraw(cls, definer, seen);
  }

  /**
   * What runs on a class's construction may draw (`ClassCall`): `__init__` (`__new__`,
   * `__post_init__`) as the class and its session bases define it, what they call on `self`
   * through the same classes (a hook a subclass overrides), and the class bodies. Each name they
   * call or hand on is judged as the session bound it (`_pathMayDraw`). A decorator, a base of
   * a library that may draw (`Linear`), a method no class of the session defines (but
   * `nn.Module`'s own bookkeeping): taken as drawing.
   */
  private _constructionMayDraw(cls: ClassCall, definer: CodeFacts, seen: Set<string>): boolean {
    const chain: Array<{ cls: ClassCall; definer: CodeFacts }> = [];
    const climb = (c: ClassCall, d: CodeFacts): boolean => {
      if (c.decorated) {
        return true;
      }
      chain.push({ cls: c, definer: d });
      for (const base of c.bases) {
        if (base === 'object') {
          continue;
        }
        const [root, ...rest] = base.split('.');
        const bound = base === '*' ? null : this._binding(root, d);
        if (!bound) {
          return true;
        }
        const module = bound.effects.importedModules?.[root];
        const inner = bound.effects.classCalls?.[root];
        if (module !== undefined) {
          if (!moduleDrawsNothing(module, rest)) {
            return true;
          }
        } else if (inner && rest.length === 0) {
          if (!seen.has(root)) {
            seen.add(root);
            if (climb(inner, bound)) {
              return true;
            }
          }
        } else {
          return true;
        }
      }
      return false;
    };
    if (climb(cls, definer)) {
      return true;
    }
    const queue = chain.map(x => ({ call: x.cls.body, definer: x.definer }));
    const ran = new Set<string>();
    // Every definition of it along the chain (`super().__init__()` runs the base's); false for a
    // method no class of the session defines, that may draw.
    const run = (m: string): boolean => {
      if (ran.has(m)) {
        return true;
      }
      ran.add(m);
      const defined = chain.filter(x => x.cls.methods[m] !== undefined);
      defined.forEach(x => queue.push({ call: x.cls.methods[m], definer: x.definer }));
      return defined.length > 0 || MODULE_BOOKKEEPING.has(m);
    };
    // And the special methods Python may call on its own (`__setattr__` on `self.w = 0.0`), and
    // properties (a setter run by `net.w = 1` in the cell that builds it).
    for (const x of chain) {
      for (const [m, call] of Object.entries(x.cls.methods)) {
        if (SPECIAL.test(m) || call.decorated) {
          queue.push({ call, definer: x.definer });
        }
      }
    }
    CONSTRUCTION.forEach(m => chain.some(x => x.cls.methods[m] !== undefined) && run(m));
    for (let i = 0; i < queue.length; i++) {
      const { call, definer: d } = queue[i];
      if (
        call.draws === true ||
        call.calls.some(p => this._pathMayDraw(p, true, d, seen)) ||
        call.refs.some(p => this._pathMayDraw(p, false, d, seen)) ||
        !call.selfCalls.every(run) ||
        !call.attributeCalls.every(m => chain.every(x => x.cls.methods[m] === undefined) || run(m))
      ) {
        return true;
      }
    }
    return false;
  }

  /**
   * A name a class's construction calls (`called`) or hands on may draw, as the session bound it:
   * a builtin that reaches things by name (`getattr(nn, 'Linear')`), what a module names unless
   * it surely draws nothing (`surelyDrawsNothing`), a function of the session, a class of the
   * session whose construction may, an object the session holds, or a name nothing bound yet
   * (the cell that builds the object may import it).
   */
  private _pathMayDraw(path: string, called: boolean, definer: CodeFacts, seen: Set<string>): boolean {
    const [root, ...rest] = path.split('.');
    if (isPredefinedName(root)) {
      return DYNAMIC_BUILTINS.has(root);
    }
    const bound = this._binding(root, definer);
    if (!bound) {
      return true;
    }
    const module = bound.effects.importedModules?.[root];
    if (module !== undefined) {
      return !moduleDrawsNothing(module, rest);
    }
    if (bound.callables.has(root)) {
      const inner = bound.effects.classCalls?.[root];
      if (!inner || rest.length > 0) {
        return true;
      }
      if (seen.has(root)) {
        return false;
      }
      seen.add(root);
      return this._constructionMayDraw(inner, bound, seen);
    }
    // An object the session holds, whatever is done with it (a shuffling loader iterated, a
    // table of initialisers indexed and called).
    return true;
  }

  /**
   * The facts of the code that bound `name` as a call would find it: the session's latest
   * binding (a module changed since its import: the import; `from torch import randn as make`
   * run after the class's cell bound `make` to `zeros`), else the class's own cell, which is the
   * latest when it is the run being added.
   */
  private _binding(name: string, definer: CodeFacts): CodeFacts | null {
    const own = definer.imports.has(name) || definer.callables.has(name) || definer.effects.defines.includes(name);
    const lw = this._last.get(name);
    if (lw && !(own && definer === this._adding)) {
      return this._records[lw.moduleFrom >= 0 ? lw.moduleFrom : lw.seq].facts;
    }
    return own ? definer : null;
  }

  /**
   * The globals a call of function `name` (defined by code with `facts`)
   * reads: its body's, less those only shown (`plt.plot(x, data)` changes no
   * state; unless the statement calls a function of the session). Without
   * the analyzer's per-function reads: every name the defining code uses.
   */
  private _callTimeReads(facts: CodeFacts, name: string): ReadonlyArray<string> {
    const cr = facts.effects.callReads?.[name];
    if (!cr) {
      return facts.effects.uses;
    }
    if (cr.shown.length === 0) {
      return cr.reads;
    }
    const reads = new Set(cr.reads);
    for (const group of cr.shown) {
      if (group.some(n => this._isSessionCallable(n))) {
        group.forEach(n => reads.add(n));
      }
    }
    return Array.from(reads);
  }

  /**
   * A name an import statement binds holds that module, whichever run (or
   * version of the cell) imported it: its value number is the module's,
   * so the runs that read it after an edited import cell ran again still
   * merge with their earlier runs. Undefined when the name is no import's.
   */
  private _moduleValue(facts: CodeFacts, name: string): number | undefined {
    if (!facts.imports.has(name) || facts.effects.unknownDefines) {
      return undefined;
    }
    // The module it stands for, when the statement reads plainly (`from a import b, c` and
    // `from a import b` give b the same value); else the statement's text.
    let value: string | undefined;
    for (const t of facts.effects.statements ?? []) {
      const module = importBindings(this._facts(t))?.get(name);
      if (module !== undefined) {
        value = module;
      }
    }
    return value === undefined ? undefined : this._id('m' + value + PSEUDO + name);
  }

  /**
   * Names with keys stored on them that a successful run binds in its code but that the tracer
   * saw keep the very object they held (`cfg = mylib.CONFIG` again after `cfg["lr"] = 0.5`, or
   * `import json` again after `json.LR = 0.5`): the keys are still there. Only that: "not
   * reported" can also be an in-place change the tracer's fingerprint does not see
   * (`model = fit(model)`), so the run still counts as the name's producer.
   */
  private _sameObject(eff: CellEffects, tr: TracedEffects): ReadonlySet<string> {
    const keyed = eff.unknownDefines ? [] : eff.defines.filter(n => this._keysOf.has(n) && !UNTRACED_NAME.test(n));
    if (keyed.length === 0) {
      return NO_NAMES;
    }
    const changed = new Set([...tr.added, ...tr.rebound, ...tr.deleted, ...tr.mutated]);
    const names = keyed.filter(n => this._last.get(n)?.kind !== WriteKind.Delete && !changed.has(n));
    return names.length > 0 ? new Set(names) : NO_NAMES;
  }

  /** Where run `seq`'s cell is now (Infinity: no cell, or gone). */
  private _position(seq: number): number {
    const id = this._records[seq].run.cellId;
    return (id === null ? undefined : this._cellPos.get(id)) ?? Infinity;
  }

  /** Whether run `seq` ran its cell's current code. */
  private _isCurrent(seq: number): boolean {
    const pos = this._position(seq);
    return pos !== Infinity && this._normalizedSource(this._records[seq].run.code) === this._normalizedSource(this._cells[pos].source);
  }

  private _normalizedSource(code: string): string {
    let n = this._normalized.get(code);
    if (n === undefined) {
      n = normalizeSource(code);
      this._normalized.set(code, n);
    }
    return n;
  }

  /**
   * A top-level statement a failed run did not run to its end, the first known: one that surely
   * binds a name the session did not hold, which the tracer did not see bound (`stop_words =
   * set(stopwords.words('english'))` failing on data nltk lacks). The statements after it never
   * ran. Only where that absence tells: a statement that binds what a call returns, not an import,
   * a literal or a look-up (IPython's start-up names, `%pylab`'s, are hidden from the tracer
   * while they keep the object they were given: `import numpy as np` or `pi = np.pi` binds it
   * again unseen); not before a statement seen binding something (it ran) or a call of a function
   * of the session (it may delete any global); not a name a later statement deletes (`x = 1; del
   * x`) or a function of the session binds or deletes (`global`); not in a cell IPython rewrites
   * (`%reset -f`), nor once the session reached the namespace other than by names (`ip.del_var`,
   * `globals().pop`, `ns = globals()`, `__main__`: `_namespaceReached`). Names compared as Python
   * spells them (NFKC: `µ` binds `μ`).
   */
  private _unfinished(facts: CodeFacts, tr: TracedEffects, held: (n: string) => boolean): number | undefined {
    const statements = facts.effects.statements;
    const e = facts.effects;
    if (!statements || e.unknownDefines || e.ipythonSyntax || this._namespaceReached) {
      return undefined;
    }
    const spelled = (n: string): string => n.normalize('NFKC');
    const deletes = statements.map(t => this._facts(t).effects.deletes.map(spelled));
    const seen = new Set([...tr.added, ...tr.rebound, ...tr.deleted, ...tr.mutated].map(spelled));
    // Past the last call of a session function, and past the last statement seen binding something
    // (it ran, so every statement before it finished: `np = reload(np)` rebinding a hidden name).
    let from = 0;
    statements.forEach((t, i) => {
      const f = this._facts(t);
      if (f.effects.uses.some(n => this._callables.has(n)) || [...f.effects.defines, ...f.imports].some(n => seen.has(spelled(n)))) {
        from = i + 1;
      }
    });
    for (let i = from; i < statements.length; i++) {
      const f = this._facts(statements[i]);
      const binds = f.effects.defines.map(spelled);
      if (f.effects.controlFlow || f.imports.size > 0 || !CALL.test(statements[i])) {
        continue;
      }
      if (binds.some(n => !held(n) && !this._boundByCalls.has(n) && !UNTRACED_NAME.test(n) && !deletes.slice(i + 1).some(d => d.includes(n)))) {
        return i;
      }
    }
    return undefined;
  }

  /**
   * Names the session held that only a failed run's statements from the one that surely raised
   * on use: a statement whose first load is of a name the session's code binds somewhere but
   * nothing had bound yet (`sos = butter_bandpass(lowcut, fs)` before the cell defining it ran
   * successfully) raises there before computing anything, in the run and in any replay (the
   * read of a name not held stays: see `unread`). The statements before it keep every read, so
   * a replay runs them as the run did (the same values, the same hidden changes: `next(gen)`,
   * `fh.readline()`), and fails there or before: what that statement and those after it name was
   * not used. Aram1skun s29: a run defining `f`, showing a widget, then calling a function not
   * bound yet chained the runs that bound `fs` and `lowcut`, only named in that call. Not a name
   * the kernel may hold unknown to the engine (`__IPYTHON__`, `spark`: no code of the session
   * binds it), nor a statement that may load something else first (`x if c else y`, `a + f(b)`,
   * `next(gen) + f(1)`), nor a name bound before it in the run or by a call.
   */
  private _readsPastRaise(facts: CodeFacts, tr: TracedEffects, held: (n: string) => boolean): string[] {
    const e = facts.effects;
    const statements = e.statements;
    if (!statements || e.unknownDefines || e.ipythonSyntax || e.parseError || this._namespaceReached || this._lastUnknown >= 0 || NAMESPACE_WRITES.test(statements.join('\n'))) {
      return [];
    }
    // Bound during the run, whatever did it (`helpmod.install()` setting `__main__.f`).
    const seen = new Set([...tr.added, ...tr.rebound]);
    const bound = new Set<string>();
    const raising = statements.findIndex(t => {
      const f = this._facts(t);
      const first = FIRST_LOAD.exec(t)?.[1];
      // `results['a'] = next(gen)`, `state.batch = [next(gen)]`: the value is computed first.
      const raises =
        first !== undefined &&
        !f.effects.mutates.includes(first) &&
        !(first in (f.effects.keyedStores ?? {})) &&
        !MAY_SKIP.test(t) &&
        !KEYWORDS.has(first) &&
        !held(first) &&
        !bound.has(first) &&
        !seen.has(first) &&
        this._namesBound.has(first) &&
        !this._boundByCalls.has(first) &&
        !isPredefinedName(first);
      [...f.effects.defines, ...f.effects.mayDefine, ...f.imports].forEach(n => bound.add(n));
      return raises;
    });
    if (raising < 0) {
      return [];
    }
    const uses = statements.map(t => this._facts(t).effects.uses);
    const before = new Set(uses.slice(0, raising).flat());
    return uses
      .slice(raising)
      .flat()
      .filter(n => !before.has(n) && held(n));
  }

  /**
   * Names a successful run bound again to the object they held: the analysis sees them bound to
   * a literal (`CellEffects.constantBindings`: `order = 15` rerun, a loop over `[3, 6, 9, 12, 15]`
   * ending where `order` was), the tracer (it reports changes of identity) saw no change. The name
   * keeps its value, so the run is not its only producer (`LastWrite.sameValue`). Not for any
   * other value: a call may return the object it changed in place where the tracer cannot see
   * (`model = fit(model)`), and an object made at run time may land where the one it replaced
   * was freed (a loop over `range(n)`), which identity cannot tell. Nor for a name a function of
   * the session binds when called (`global x`: `x = 15; f()` may leave in x a new float where
   * the old one was freed), nor in a cell IPython rewrites (`%store -r x`), nor once the session
   * reached the namespace other than by names (`globals().pop('x')` before `x = -1.5`:
   * `_namespaceReached`).
   */
  private _boundAgain(facts: CodeFacts, tr: TracedEffects, kill: ReadonlySet<string>): ReadonlySet<string> {
    const eff = facts.effects;
    if (eff.unknownDefines || eff.ipythonSyntax || !eff.statements || this._namespaceReached) {
      return NO_NAMES;
    }
    const changed = new Set([...tr.added, ...tr.rebound, ...tr.deleted, ...tr.mutated]);
    const names = eff.defines.filter(n => {
      if (!kill.has(n) || changed.has(n) || !eff.constantBindings?.includes(n) || this._boundByCalls.has(n) || UNTRACED_NAME.test(n)) {
        return false;
      }
      const held = this._last.get(n);
      return held !== undefined && held.kind === WriteKind.Kill && held.moduleFrom < 0;
    });
    return names.length > 0 ? new Set(names) : NO_NAMES;
  }

  /**
   * Names bound by the top-level statements a failed run surely executed: each one before (or
   * that is) a statement whose binding or deletion the tracer saw, since top-level statements run
   * in order. The tracer reports changes of identity, so a statement binding the same object again
   * is not in its lists: an import of the same module (`from nltk.tokenize import RegexpTokenizer`
   * rerun with a typo fixed further down, failing on a later line), a constant the interpreter
   * keeps once (`USER = 'postgres'` rerun with the line after it edited, failing further down). The
   * name is this run's, not the earlier run's, as it would be had the run succeeded. `imports`:
   * the names bound by import statements (they hold their modules).
   */
  private _statementsReached(facts: CodeFacts, tr: TracedEffects): { imports: Set<string>; other: Set<string> } {
    const reachedBindings = { imports: new Set<string>(), other: new Set<string>() };
    const statements = facts.effects.statements;
    if (!statements || facts.effects.unknownDefines) {
      return reachedBindings;
    }
    const seen = new Set([...tr.added, ...tr.rebound, ...tr.deleted]);
    // A run seen binding or deleting nothing bound every name to the object it held: taking it as
    // their producer would only make it needed (`text = comments` run again, failing further down,
    // after the run that bound the same).
    if (seen.size === 0) {
      return reachedBindings;
    }
    // Each name seen was bound or deleted by a statement that can: at least the first of those
    // ran. (The last would overreach: `df = …; df.hed(); import x; df = …` failed on the third.)
    const touches = statements.map(t => {
      const f = this._facts(t);
      const e = f.effects;
      return new Set([...e.defines, ...e.mayDefine, ...e.deletes, ...f.imports]);
    });
    const firstTouch = new Map<string, number>();
    touches.forEach((bound, i) =>
      bound.forEach(n => {
        if (seen.has(n) && !firstTouch.has(n)) {
          firstTouch.set(n, i);
        }
      })
    );
    let reached = -1;
    firstTouch.forEach(i => (reached = Math.max(reached, i)));
    // A call of the session's own function may bind any global (`global x`): the statement that
    // seems to bind a name seen may not be the one that did, so the bindings seen tell nothing of
    // how far the run went.
    for (let i = 0; i <= reached; i++) {
      if (this._facts(statements[i]).effects.uses.some(n => this._callables.has(n))) {
        reached = -1;
      }
    }
    // A global the session held that the tracer saw loaded was loaded by a statement that started
    // (see `started` where a run's reads are resolved): the statements before it ran to their
    // end. Taken as the first statement that may load it: one that names it, unless only once, as
    // what it binds (`USER = 'postgres'`, `import json`: a load is written out, and a name in a
    // string only makes the statement an earlier one). Not the names IPython's rewriting of a
    // magic loads without their being written (`get_ipython`).
    let started = -1;
    const reads = readListExact(statements) ? (tr.read ?? []) : [];
    const words = statements.map(t => {
      const counts = new Map<string, number>();
      (t.normalize('NFKC').match(IDENTIFIER) ?? []).forEach(w => counts.set(w, (counts.get(w) ?? 0) + 1));
      return counts;
    });
    const mayLoad = (i: number, n: string): boolean => {
      const mentions = words[i].get(n) ?? 0;
      const f = this._facts(statements[i]);
      return mentions > 1 || (mentions === 1 && !((f.effects.defines.includes(n) || f.imports.has(n)) && !f.effects.uses.includes(n)));
    };
    for (const n of reads) {
      if (!isIPythonName(n)) {
        started = Math.max(started, statements.findIndex((_, i) => mayLoad(i, n)));
      }
    }
    const ran = Math.max(reached, started);
    for (let i = 0; i <= reached || i < ran; i++) {
      const f = this._facts(statements[i]);
      // Not a name a later statement binds again or deletes (the tracer misses a name absent
      // before and after the run).
      const boundHere = (n: string): boolean => !touches.slice(i + 1).some(t => t.has(n));
      if (importBindings(f) && !f.effects.ipythonSyntax) {
        // The statement seen may have stopped part way (`from a import b, c`): only what it was
        // seen to bind.
        f.imports.forEach(n => {
          if ((i < ran || seen.has(n)) && boundHere(n) && (seen.has(n) || !this._keysOf.has(n))) {
            reachedBindings.imports.add(n);
          }
        });
      } else if (i < ran && !f.effects.controlFlow && !f.effects.ipythonSyntax) {
        // A statement before the one seen ran to its end: what it surely binds, it bound. Not a
        // name with keys stored on it: bound again to the object it held, it still holds them
        // (see `_sameObject`), which only the tracer could tell. Nor one the statement computes
        // from itself (`comments = str(comments)`, `x += 1`): bound again to the same object, it
        // is unchanged or changed in place, and taking the failed run as its producer would
        // chain every failed rerun of the cell to the one before.
        f.effects.defines.forEach(n => {
          if (!f.imports.has(n) && boundHere(n) && !this._keysOf.has(n) && !f.effects.uses.includes(n)) {
            reachedBindings.other.add(n);
          }
        });
      }
    }
    return reachedBindings;
  }

  /**
   * Whether a run may load what the installed packages provide: it imports,
   * runs a command or magic, calls a session function defined by code that
   * imports, or could not be analysed.
   */
  private _loadsModules(facts: CodeFacts): boolean {
    const e = facts.effects;
    const shells = e.effects.filter(x => x.kind === 'shell').length;
    return (
      e.loadsModules === true ||
      e.parseError ||
      e.unknownDefines ||
      shells > (e.installs?.length ?? 0) ||
      e.effects.some(x => x.kind === 'opaque-magic') ||
      e.uses.some(n => this._loaders.has(n))
    );
  }

  /** A write, with its name's number and the variable it belongs to (one literal: every write has one shape). */
  private _write(name: string, kind: WriteKind, vn: number): RunWrite {
    const isKey = name.startsWith(KEY);
    const nid = this._nameId(name);
    const variable = isKey ? this._nameId(keyBase(name)) : name[0] === PSEUDO ? -1 : nid;
    return { name, nid, kind, vn, variable, isKey };
  }

  /** A run's reads' producing runs, appended to the read buffer; where they start. */
  private _reserveReads(reads: ReadonlyArray<RunRead>): number {
    const start = this._readCount;
    const end = start + reads.length;
    if (end > this._deps.length) {
      const grown = new Int32Array(Math.max(end, this._deps.length * 2));
      grown.set(this._deps.subarray(0, start));
      this._deps = grown;
    }
    reads.forEach((a, i) => (this._deps[start + i] = a.alternatives ? CHAINED : a.from >= 0 ? a.from : a.unknown));
    this._readCount = end;
    return start;
  }

  /** Run `seq` is now the last of class `cls`: it stands for every run of the class. */
  private _setRep(cls: number, seq: number): void {
    this._rep.set(cls, seq);
    // Classes numbered densely, so the slice finds a run's representative with two array reads
    // (updating every earlier run of the class instead was quadratic in its reruns).
    let index = this._classIndex.get(cls);
    if (index === undefined) {
      index = this._classIndex.size;
      this._classIndex.set(cls, index);
      this._lastOfClass = grownTo(this._lastOfClass, index);
    }
    this._classOf = grownTo(this._classOf, seq);
    this._classOf[seq] = index;
    this._lastOfClass[index] = seq;
  }

  private _nameId(name: string): number {
    const id = numberOf(this._nameIds, name);
    if (id === this._names.length) {
      this._names.push(name);
    }
    return id;
  }

  private _isSessionCallable(name: string): boolean {
    const lw = this._last.get(name);
    return lw !== undefined && this._records[lw.seq]?.facts?.callables.has(name) === true;
  }

  private _facts(code: string): CodeFacts {
    let f = this._factsCache.get(code);
    if (!f) {
      f = deriveFacts(code, this._analyze);
      this._factsCache.set(code, f);
    }
    return f;
  }

  private _id(key: string): number {
    return numberOf(this._ids, key);
  }

  private _analyze: (code: string) => CellEffects;
  private _merge: boolean;
  private _failedRuns: 'may-bind' | 'only-definer';
  private _factsCache = new Map<string, CodeFacts>();
  /** The facts of the run being added (its own bindings are newer than the session's). */
  private _adding: CodeFacts | null = null;
  /** Every name the session's code binds, in the runs seen so far (whether or not they ran it). */
  private _namesBound = new Set<string>();
  private _normalized = new Map<string, string>();
  private _ids = new Map<string, number>();
  private _records: RunRecord[] = [];
  private _last = new Map<string, LastWrite>();
  /** Names only failed runs bound so far, and the latest such run (see `failedRuns`). */
  private _weak = new Map<string, LastWrite>();
  private _rep = new Map<number, number>();
  /** Each class's dense number, each run's class by it, and each class's last run (see `_setRep`). */
  private _classIndex = new Map<number, number>();
  private _classOf = new Int32Array(64);
  private _lastOfClass = new Int32Array(64);
  /** Producing run of every read of every run (`RunRecord.readStart`), and the buffer a compute maps them into. */
  private _deps = new Int32Array(256);
  private _readCount = 0;
  private _keys = new Int32Array(0);
  private _lastUnknown = -1;
  /** Variable → keys stored on it since it was last bound or changed as a whole (key names in `_last`). */
  private _keysOf = new Map<string, Set<string>>();
  private _everWritten = new Set<string>();
  /** Names any run's code defines as callables, or imports (kept as runs come: read on every compute). */
  private _callables = new Set<string>();
  /** Globals a function the session defined binds or deletes when called (`CellEffects.globalBindings`). */
  private _boundByCalls = new Set<string>();
  /**
   * Code of the session reached the namespace other than by names (`NAMESPACE_ACCESS`: `ns =
   * globals()` then `del ns['x']`, a method calling `globals().pop`, `del __main__.x`), or a
   * function it defined may bind any global (`exec`): from then on, what a run bound and deleted
   * is not told by its names.
   */
  private _namespaceReached = false;
  private _modules = new Set<string>();
  private _factsSeen = new Set<CodeFacts>();
  /** Package installs run so far (`CellEffects.installs`). */
  private _installs = new Set<string>();
  /** Session functions and classes defined by code that imports: a call may import. */
  private _loaders = new Set<string>();
  private _editEffects = new Map<string, Map<string, EditEffect>>();
  /** Every name a run read or wrote, numbered (kept across `reset`: numbers only grow). */
  private _nameIds = new Map<string, number>();
  /** Name by number (`_nameIds` the other way). */
  private _names: string[] = [];
  private _failedIndices: number[] = [];
  private _unknownRuns: number[] = [];
  /** Successful runs that set up the session, and their settings (see `_slice`). */
  private _setupRuns: Array<{ seq: number; setting: string; knobs: string[]; values: string[]; moduleChanges: number }> = [];
  /** Changes of a module's state so far (`plt.switch_backend`, `sns.set`): they end a stretch of one setting. */
  private _moduleChanges = 0;
  /** Code of a failed or import-star run with tracer evidence → the names it bound by import, and the others (see `addRun`). */
  private _importBound = new Map<string, { imports: Set<string>; other: Set<string> }>();
  private _cells: AnalysisCell[] = [];
  private _cellPos = new Map<string, number>();
  private _cache: CanonicalOrder | null = null;
}

/**
 * The values each name takes in a slice and the runs that read each: per name, (producing run,
 * reader) pairs sorted by producer, in flat arrays filled in two passes (count, then place).
 * A map of arrays per name, built on every compute, was a fifth of its time in allocations.
 */
class ValueGroups {
  constructor(names: number) {
    this._start = new Int32Array(names + 1);
  }

  /** Pass 0 counts, pass 1 places: run `reader` (-1 for the producer itself) reads name `nid`'s value from run `key` (-1: none). */
  note(pass: number, nid: number, key: number, reader: number): void {
    if (pass === 0) {
      this._start[nid + 1]++;
    } else {
      // Sorted as one number: the producer (from -1), then the reader (from -1).
      this._entries[this._fill[nid]++] = (key + 1) * READER_SPAN + (reader + 1);
    }
  }

  endPass(pass: number): void {
    const start = this._start;
    if (pass === 0) {
      for (let i = 1; i < start.length; i++) {
        start[i] += start[i - 1];
      }
      this._entries = new Float64Array(start[start.length - 1]);
      this._fill = start.slice(0, start.length - 1);
      return;
    }
    for (let nid = 0; nid + 1 < start.length; nid++) {
      if (start[nid + 1] - start[nid] > 1) {
        this._entries.subarray(start[nid], start[nid + 1]).sort();
      }
    }
  }

  /** For each name, each of its values in the order of their producers: its readers, and the next value's producer. */
  forEachName(visit: (key: number, readers: number[], next: number | undefined) => void): void {
    const { _start: start, _entries: entries } = this;
    const readers: number[] = [];
    for (let nid = 0; nid + 1 < start.length; nid++) {
      let e = start[nid];
      const end = start[nid + 1];
      while (e < end) {
        const key = Math.floor(entries[e] / READER_SPAN) - 1;
        readers.length = 0;
        for (; e < end && Math.floor(entries[e] / READER_SPAN) - 1 === key; e++) {
          const reader = (entries[e] % READER_SPAN) - 1;
          if (reader >= 0) {
            readers.push(reader);
          }
        }
        visit(key, readers, e < end ? Math.floor(entries[e] / READER_SPAN) - 1 : undefined);
      }
    }
  }

  /** The runs that read name `nid`'s value from run `key`. */
  forEachReader(nid: number, key: number, visit: (reader: number) => void): void {
    const entries = this._entries;
    // The first entry of the value (binary search), then its readers.
    let lo = this._start[nid];
    let hi = this._start[nid + 1];
    const first = (key + 1) * READER_SPAN;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (entries[mid] < first) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    for (let e = lo; e < this._start[nid + 1] && entries[e] < first + READER_SPAN; e++) {
      const reader = (entries[e] % READER_SPAN) - 1;
      if (reader >= 0) {
        visit(reader);
      }
    }
  }

  private _start: Int32Array;
  private _fill = new Int32Array(0);
  private _entries = new Float64Array(0);
}

/** Above any run's sequence number + 1 (a session of 4 million runs), and times any producer still exact in a double. */
const READER_SPAN = 2 ** 22;

/** `array`, or a copy at least twice as long when `index` is past its end. */
function grownTo(array: Int32Array, index: number): Int32Array {
  if (index < array.length) {
    return array;
  }
  const grown = new Int32Array(Math.max(index + 1, array.length * 2));
  grown.set(array);
  return grown;
}

/** Cycles resolved by un-merging before giving up on merged reruns. */
const MERGE_ATTEMPTS = 4;

/** Names plotting and display libraries are imported as, by convention: calls on them only show. */
const DISPLAY_ROOTS: ReadonlySet<string> = new Set(['plt', 'sns', 'px', 'go', 'alt', 'display', 'HTML', 'Markdown', 'Image', 'pprint']);

interface Slice {
  runs: number[];
  producer: (seq: number) => number;
  /** Read i of slice run r comes from run `keys[r.readStart + i]` (-1: from no run). */
  keys: Int32Array;
  /** Live names whose value comes from another run than their last write (`LastWrite.sameModule`). */
  liveFrom: ReadonlyMap<string, number>;
  /** Some import runs' readers take their modules from a later import run (`_importsFromLater`). */
  importsMoved: boolean;
}

/**
 * One-shot canonical order: `runs` of the current kernel session (any order;
 * sorted by `index`), `cells` of the notebook now.
 */
export function canonicalOrder(
  runs: ReadonlyArray<AnalysisRun>,
  cells: ReadonlyArray<AnalysisCell>,
  options: CanonicalOrderOptions
): CanonicalOrder {
  const engine = new CanonicalOrderEngine(options);
  engine.setCells(cells);
  const sorted = runs.slice().sort((a, b) => a.index - b.index);
  let last = -Infinity;
  for (const r of sorted) {
    if (r.index !== last) {
      engine.addRun(r);
      last = r.index;
    }
  }
  return engine.compute();
}

const ANNOTATIONS = '__annotations__';

function hasAnnotations(t: TracedEffects): boolean {
  return [t.added, t.rebound, t.deleted, t.mutated, t.read ?? []].some(a => a.includes(ANNOTATIONS));
}

function withoutAnnotations(t: TracedEffects): TracedEffects {
  const drop = (a: string[]): string[] => a.filter(n => n !== ANNOTATIONS);
  return {
    ...t,
    added: drop(t.added),
    rebound: drop(t.rebound),
    deleted: drop(t.deleted),
    mutated: drop(t.mutated),
    ...(t.read ? { read: drop(t.read) } : {})
  };
}

/**
 * Files the tracer saw opened, less the pseudo-files Python names in angle
 * brackets (`<ipython-input-9-…>`, `<string>`: the traceback of a failed run
 * reads its own source through linecache).
 */
function tracedFiles(paths: string[]): string[] {
  return paths.filter(p => !/^<.*>$/.test(p)).map(normalizePath);
}

function uniq(a: string[]): string[] {
  return a.length < 2 ? a : Array.from(new Set(a));
}

/** The number `key` has in `numbers`, the next free one the first time. */
function numberOf(numbers: Map<string, number>, key: string): number {
  let n = numbers.get(key);
  if (n === undefined) {
    n = numbers.size;
    numbers.set(key, n);
  }
  return n;
}

/**
 * What a setup magic sets: `%matplotlib inline` and `%matplotlib notebook` set one thing,
 * as do two `%config` lines of the same option; other lines (`%load_ext x`) only themselves.
 */
function knobOf(magic: string): string {
  const words = magic.split(/\s+/);
  // `%matplotlib --list` only prints; `%autoreload` alone (or `now`) reloads, the mode stays.
  const replaces =
    (words[0] === '%matplotlib' && !['--list', '-l'].includes(words[1])) ||
    words[0] === '%precision' ||
    (words[0] === '%autoreload' && AUTORELOAD_MODES.has(words[1] ?? ''));
  if (replaces) {
    return words[0];
  }
  const option = /^%config\s+([\w.]+)\s*=/.exec(magic);
  // A line that sets no option stands for itself, apart from the options' names.
  return option ? '%config ' + option[1] : 'line ' + words.join(' ');
}
const AUTORELOAD_MODES = new Set(['0', '1', '2', '3', 'off', 'explicit', 'all', 'complete']);
/** Names the tracer leaves out of its reports (IPython's history and start-up names). */
const UNTRACED_NAME =
  /^(?:_+|_i+|_i\d+|_\d+|In|Out|_oh|_ih|_dh|_sh|exit|quit|get_ipython|_exit_code|__builtin__|__builtins__|__name__|__doc__|__package__|__loader__|__spec__|__warningregistry__)$/;
const NO_NAMES: ReadonlySet<string> = new Set();
/** The latest runs of a chain of bindings of one value the slice looks at (`LastWrite.sameValue`). */
const CHAIN_SCAN = 32;
/** In the engine's read buffer: a read of a value several runs provide (`RunRead.alternatives`), settled apart. */
const CHAINED = -2;
/** Code that reaches the namespace other than by names (see `_namespaceReached`). */
const NAMESPACE_ACCESS = /\b(?:globals|locals|vars|exec|eval|get_ipython)\s*\(|__dict__|__main__|f_globals|\bsys\.modules\b|\.(?:del_var|run_line_magic|run_cell|run_cell_magic|ex|ev|reset|drop_by_id|push|user_ns)\b/;
/** A call in a statement (`r = np.sqrt(4.0)`): what it binds is a new object, likely. */
const CALL = /[\w)\]]\s*\(/;
/** Code that may bind a name other than by writing it: through `builtins`, `__main__`, `setattr`, `exec`. */
const NAMESPACE_WRITES = /\b(?:builtins|__builtins__|__main__|setattr|exec|eval|globals)\b/;
/** Special methods Python calls on its own (`__setattr__`, `__getattr__`, `__init_subclass__`). */
const SPECIAL = /^__\w+__$/;
/** Methods that run when a class is called. */
const CONSTRUCTION = ['__new__', '__init__', '__post_init__'];
/** What `nn.Module` (and `object`) do on `self` that draws nothing. */
const MODULE_BOOKKEEPING = new Set(['__init__', 'register_buffer', 'register_parameter', 'add_module', 'register_module', 'to', 'cpu', 'cuda', 'float', 'double', 'half', 'train', 'eval', 'requires_grad_', 'zero_grad', 'parameters', 'named_parameters', 'buffers', 'modules', 'children']);
/** Builtins that reach what they call by name or text. */
const DYNAMIC_BUILTINS = new Set(['getattr', 'eval', 'exec', '__import__', 'compile', 'vars', 'globals', 'locals']);

/**
 * What `rest` names in the module an import bound (`importedModules`: `a.b`, or `a.b,a.c` for
 * `import a.b, a.c`) surely draws nothing, whichever of them it is (`surelyDrawsNothing`).
 */
function moduleDrawsNothing(module: string, rest: string[]): boolean {
  return module.split(',').every(m => surelyDrawsNothing([m, ...rest].join('.')));
}

/**
 * The cell does more with an object of class `cls` it builds than bind it and store attributes
 * on it (`net = G()`, `net.means = nn.Parameter(m)`): calling it (`G()(x)`, `net(x)`), reading
 * a property, iterating it (`list(G())`), entering it (`with G() as g`), building several in a
 * comprehension. Its other methods may then run, and draw (a dropout in `forward`).
 */
function instanceUsed(facts: CodeFacts, cls: string): boolean {
  const statements = facts.effects.statements;
  if (!statements) {
    return true;
  }
  const mentions = (t: string, n: string): boolean => new RegExp(`(?<![\\w.])${n}\\b`).test(t);
  const held = new Set<string>();
  for (const t of statements) {
    const built = new RegExp(`^([A-Za-z_]\\w*)\\s*=\\s*${cls}\\s*\\((?:[^()]|\\([^()]*\\))*\\)\\s*$`).exec(t);
    if (built) {
      held.add(built[1]);
      continue;
    }
    if (mentions(t, cls)) {
      return true;
    }
    for (const n of held) {
      const store = new RegExp(`^${n}(?:\\s*\\.\\s*\\w+)+\\s*=(?!=)(.*)$`, 's').exec(t);
      if (mentions(t, n) && (!store || mentions(store[1], n))) {
        return true;
      }
    }
  }
  return false;
}

/**
 * The name a statement loads first: an expression statement or a plain assignment whose value
 * starts with a name (`sos = butter_bandpass(lowcut)`, `f(x).y`), the value being computed
 * before the targets are bound.
 */
const FIRST_LOAD = /^(?:[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=(?!=)\s*)?([A-Za-z_]\w*)\s*(?:[(.[]|$)/;
/** A statement whose value may be computed in another order than written (`x if c else y`, a comprehension). */
const MAY_SKIP = /\b(?:if|else|and|or|not|in|is|lambda|for|while|with|await)\b|:=/;
/** Python's keywords that may start an expression. */
const KEYWORDS = new Set(['not', 'lambda', 'await', 'yield', 'None', 'True', 'False', 'del', 'assert', 'raise', 'return', 'pass', 'import', 'from', 'global', 'nonlocal']);
/**
 * Whether the tracer's read list of a run of these statements surely lists only the globals they
 * load. It scans at most 20,000 code units of bytecode per run and past that lists every name the
 * code objects hold, stored ones and attributes too: which statements started can then not be
 * told from it. Code compiles to at most about four units per character (`with a:b`, the densest
 * form measured, to 4.0; the densest cell of the corpus to 1.3): under 4,000 characters, the scan
 * is complete.
 */
function readListExact(statements: ReadonlyArray<string>): boolean {
  let length = 0;
  for (const t of statements) {
    length += t.length;
  }
  return length < 4000;
}

/** A Python identifier (and, harmlessly for its use, the letters of a number like `1e5`). */
const IDENTIFIER = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/gu;
/** Loads an extension (`%load_ext autoreload`), and what an extension may provide: its magics or options. */
const EXTENSION_LOAD = /^%(?:re)?load_ext\b/;
const EXTENSION_SETTING = /^%(?:autoreload|aimport|config)\b/;

/** The first of ascending `seqs` after `seq` (binary search: a variable rebound thousands of times). */
function firstAfter(seqs: ReadonlyArray<number> | undefined, seq: number): number | undefined {
  if (!seqs) {
    return undefined;
  }
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seqs[mid] <= seq) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < seqs.length ? seqs[lo] : undefined;
}

function isFailed(run: { status: string }): boolean {
  return run.status === 'error' || run.status === 'interrupted';
}

/** How many runs of a growing set lie in a range of sequence numbers (a Fenwick tree). */
class RunCounts {
  constructor(size: number) {
    this._tree = new Int32Array(size + 1);
  }

  add(seq: number): void {
    for (let i = seq + 1; i < this._tree.length; i += i & -i) {
      this._tree[i]++;
    }
  }

  /** Runs with `from <= seq < to`. */
  between(from: number, to: number): number {
    return this._before(to) - this._before(from);
  }

  private _before(seq: number): number {
    let n = 0;
    for (let i = Math.min(seq, this._tree.length - 1); i > 0; i -= i & -i) {
      n += this._tree[i];
    }
    return n;
  }

  private _tree: Int32Array;
}
