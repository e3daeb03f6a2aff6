/**
 * Def/use of one cell's Python, with Python's scoping rules, over the
 * @lezer/python syntax tree.
 *
 * The module scope (the kernel namespace) and class bodies are walked in
 * execution order and track which names are bound so far, so that a read
 * before any binding is a use of another cell. Function, lambda and
 * comprehension scopes are static, as in Python: a name bound anywhere in
 * them is local throughout; their other reads are settled when the scope
 * ends and passed outwards.
 *
 * Decisions that shape the canonical order:
 * - A function body runs when called, not when defined. Its free reads of
 *   module names still count as uses of the defining cell (`def f(): return
 *   model.predict(X)` needs `model` and `X` before `f()` can work, and the
 *   cell that calls `f` rarely mentions them); they are checked against the
 *   cell's bindings at its end, since the body runs after the whole cell.
 *   Its writes (`global` assignments, mutations) and its randomness and time
 *   reads are not effects of the defining cell: they happen at call time.
 *   File reads and writes in a body are reported (data the notebook uses).
 * - Paths: `if` with an `else` (and a `match` ending in a catch-all case)
 *   binds definitely what every branch binds. A `for`/`while` body, a branch
 *   without `else`, and `except` handlers only maybe bind. The `try` body and
 *   its `else`/`finally`, and `with` bodies, bind definitely: they run unless
 *   the cell fails. A `for` target binds definitely (the contract in
 *   types.ts), though an empty iterable would leave it unbound.
 * - A read after a binding on some path only is not a use: the cell's own
 *   binding is the likely source. A mutation of a name the cell already bound
 *   changes the cell's own object and is not reported.
 */

import type { SyntaxNode, Tree } from '@lezer/common';
import type { CellEffect, KeyedStore } from './types';
import {
  ARGUMENT_MUTATORS,
  FILE_READ_CALLS,
  FILE_READ_NAMES,
  FILE_WRITE_CALLS,
  FILE_WRITE_NAMES,
  GLOBAL_STATE_SETTERS,
  INPLACE_METHODS,
  MUTATING_METHODS,
  NON_MUTATING_METHODS,
  OPEN_CALLS,
  PATH_KEYWORDS,
  RANDOM_CALLS,
  RANDOM_STATE_CALLS,
  RNG_CONSTRUCTORS,
  RngFamily,
  SEED_CALLS,
  TIME_CALLS,
  TIME_CALL_SUFFIXES,
  TORCH_NN_DRAWS_NOTHING
} from './nonmutating';
import { COMMON_MODULE_ALIASES, isIPythonName, isPredefinedName } from './python-names';
import { TIMEIT_MARKER } from './python-ipython';

/** Flow bits of a name in a module or class scope. */
const DEFINITE = 1;
const BOUND = 2;
const DELETED = 4;

type Flow = Map<string, number>;

/** A read (or mutation) waiting for its static scope to end. */
interface PendingRef {
  name: string;
  mutate: boolean;
  /** The reading code runs later than the cell (inside a def or lambda). */
  deferred: boolean;
}

type ScopeKind = 'module' | 'class' | 'function' | 'comprehension';

/** Previous flow bits of the names a branch changed (undefined: unset), to undo it. */
type Journal = Map<string, number | undefined>;

class Scope {
  /** Flow-sensitive bindings (module and class bodies). */
  readonly flow: Flow | null;
  /** One journal per open branch, innermost last. */
  readonly journals: Journal[] = [];
  /** Static locals (functions, lambdas, comprehensions). */
  readonly locals = new Set<string>();
  readonly globals = new Set<string>();
  readonly nonlocals = new Set<string>();
  readonly pending: PendingRef[] = [];

  constructor(
    readonly kind: ScopeKind,
    readonly parent: Scope | null,
    readonly deferred: boolean
  ) {
    this.flow = kind === 'module' || kind === 'class' ? new Map() : null;
  }
}

/** Arguments of a call, by position and keyword. */
interface CallArguments {
  positional: SyntaxNode[];
  keywords: Map<string, SyntaxNode>;
  count: number;
}

/** What the walk of one cell found. */
export interface ScopeWalkResult {
  defines: string[];
  mayDefine: string[];
  uses: string[];
  builtinUses: string[];
  deletes: string[];
  mutates: string[];
  /** See `CellEffects.imports`. */
  imports: string[];
  /** See `CellEffects.importedModules`. */
  importedModules?: Record<string, string>;
  /** See `CellEffects.calledOnly`. */
  calledOnly: string[];
  /** See `CellEffects.callables`. */
  callables: string[];
  /** See `CellEffects.guessedMutates`. */
  guessedMutates: string[];
  /** See `CellEffects.keyedStores`. */
  keyedStores: Record<string, KeyedStore[]>;
  /** See `CellEffects.keyedReads`. */
  keyedReads: Record<string, string[]>;
  /** See `CellEffects.seeds`. */
  seeds: boolean;
  /** See `CellEffects.randomLibraryCalls`. */
  randomLibraryCalls: boolean;
  /** See `CellEffects.readsRandomState`. */
  readsRandomState: boolean;
  /** Calls or stores that change the process: working directory, environment variables, `sys.path`. */
  changesProcess: boolean;
  /** See `CellEffects.loadsModules`. */
  loadsModules: boolean;
  /** See `CellEffects.temporaries`. */
  temporaries: string[];
  /** See `CellEffects.definitionReads`. */
  definitionReads?: string[];
  /** See `CellEffects.constantBindings`. */
  constantBindings: string[];
  /** See `CellEffects.globalBindings`. */
  globalBindings: string[];
  /** See `CellEffects.guardedBindings`. */
  guardedBindings: string[];
  unknownDefines: boolean;
  effects: CellEffect[];
}

/** How the walker is looking at the name it is about to reference. */
type RefMode = { kind: 'key-read'; key: string } | { kind: 'key-store'; key: string; maybe: boolean; conversion?: string } | { kind: 'store-base' };

const COMPREHENSIONS = new Set([
  'ArrayComprehensionExpression',
  'ComprehensionExpression',
  'SetComprehensionExpression',
  'DictionaryComprehensionExpression'
]);

const STATEMENTS_OF_EXPRESSIONS = new Set([
  'ExpressionStatement',
  'ReturnStatement',
  'YieldStatement',
  'RaiseStatement',
  'AssertStatement',
  'PrintStatement'
]);

/** Functions that seed a generator, whatever their module (`pyro.set_rng_seed`, `seed_everything`). */
const SEED_FUNCTION_NAMES = new Set(['seed', 'manual_seed', 'manual_seed_all', 'set_seed', 'set_random_seed', 'set_rng_seed', 'seed_everything']);

/**
 * Modules whose functions may draw from (or depend on) a seeded generator. Of torch, only the
 * parts that draw: layers initialise their weights at random, distributions sample, loaders
 * shuffle; `torch.zeros`, `torch.FloatTensor` or `torch.save` draw nothing (a session that
 * converted its arrays to tensors in five cells kept every rerun of them, after a seed).
 */
const RANDOM_LIBRARY_PREFIXES = [
  'pyro.',
  'torch.nn.',
  'torch.distributions.',
  'torch.utils.data.',
  'random.',
  'numpy.random.',
  'np.random.',
  'tensorflow.random.',
  'tf.random.',
  'jax.random.'
];

/** A call of this module path may draw: a listed draw, or a random-number library's (not what of `torch.nn` draws nothing). */
export function mayDraw(path: string): boolean {
  return RANDOM_CALLS.has(path) || (RANDOM_LIBRARY_PREFIXES.some(p => path.startsWith(p)) && !TORCH_NN_DRAWS_NOTHING.has(path));
}

/** Libraries whose functions draw nothing outside their random parts (`mayDraw`); torch's, only those listed. */
const COMPUTING_LIBRARIES = new Set(['numpy', 'math', 'pandas', 'collections']);
/** What of torch builds or computes a tensor without drawing (`torch.dropout`, `torch.__dict__` are not). */
const TORCH_COMPUTING = new Set(
  (
    'zeros ones full empty eye arange linspace logspace tensor Tensor FloatTensor DoubleTensor LongTensor IntTensor ' +
    'BoolTensor ByteTensor HalfTensor from_numpy as_tensor zeros_like ones_like full_like empty_like stack cat ' +
    'float32 float64 float16 float int64 int32 long int bool uint8 device no_grad sum mean abs log exp sqrt ' +
    'matmul mm reshape flatten clamp where max min argmax argmin sigmoid tanh softmax'
  )
    .split(' ')
    .map(n => 'torch.' + n)
);

/**
 * What this module path names surely draws nothing, called or handed on: numpy, math, pandas
 * outside their random parts, torch's listed constructors and computations, torch.nn's modules
 * without random weights (`torch.zeros`, `nn.Parameter`, `np.pi`). Anything else may (scipy's
 * `norm.rvs`, sklearn's `make_classification`, a project's own module: all draw from numpy's
 * global generator; `np.random` handed on).
 */
export function surelyDrawsNothing(path: string): boolean {
  if (mayDraw(path) || RANDOM_LIBRARY_PREFIXES.some(p => p.startsWith(path + '.'))) {
    return false;
  }
  return TORCH_NN_DRAWS_NOTHING.has(path) || TORCH_COMPUTING.has(path) || COMPUTING_LIBRARIES.has(path.split('.')[0]);
}

/**
 * Calls of those modules that only look up what draws changed (`pyro.param('means')` after
 * training, `pyro.get_param_store().items()`): they read that state without drawing (a session
 * that printed its parameters after each training kept every print after the seed).
 */
const READS_NO_GENERATOR = new Set(['pyro.param', 'pyro.get_param_store', 'pyro.enable_validation', 'pyro.validation_enabled']);
/** Methods of pyro's parameter store that only read it. */
const STORE_READS = new Set(['items', 'keys', 'values', 'get_param', 'get_all_param_names', 'named_parameters', 'get_state']);

/** Methods that fill a tensor at random in place (`w.normal_()`), or sample from it (`p.bernoulli()`), whatever the object. */
const RANDOM_FILL_METHODS = new Set(['uniform_', 'normal_', 'random_', 'bernoulli_', 'exponential_', 'geometric_', 'cauchy_', 'log_normal_', 'bernoulli', 'multinomial']);

/** Calls that run a shell command given as their first argument. */
const SHELL_CALLS = new Set(['os.system', 'os.popen', 'subprocess.run', 'subprocess.call', 'subprocess.check_call', 'subprocess.check_output', 'subprocess.Popen', 'subprocess.getoutput', 'subprocess.getstatusoutput']);

/** Calls that change the process for the runs after them. */
const PROCESS_CALLS = new Set([
  'os.chdir',
  'os.putenv',
  'os.unsetenv',
  'os.environ.update',
  'os.environ.setdefault',
  'os.environ.pop',
  'sys.path.append',
  'sys.path.insert',
  'sys.path.extend'
]);

/** Seeds of generators whose draws the random-call lists name (`np.random.rand`, `random.choice`). */
const LISTED_DRAW_SEEDS = new Set(['numpy.random.seed', 'random.seed']);

/** Calls that import a module by name (`CellEffects.loadsModules`). */
const IMPORT_CALLS = new Set(['__import__', 'importlib.import_module', 'importlib.reload', 'importlib.__import__']);

/** Parsers of a column (`pd.to_datetime`) and the options that do not change an already parsed one. */
const PARSERS = new Map<string, ReadonlySet<string>>([
  ['to_datetime', new Set(['format', 'dayfirst', 'yearfirst', 'exact', 'infer_datetime_format', 'cache'])],
  ['to_numeric', new Set()],
  ['to_timedelta', new Set()]
]);
/** The module a parser is called on (`pd.to_datetime`): a session function of that name is no parser. */
const PANDAS = new Set(['pd', 'pandas']);
/** `errors=` values after which the column is parsed (`'ignore'` may leave it as text). */
const PARSED = /^(['"])(?:raise|coerce)\1$/;
/** `fillna` keywords that fill every gap (`limit=` leaves some). */
const FILL_KEYWORDS = new Set(['value', 'method', 'downcast']);
/** Methods whose result, converted again with the same arguments, stays the same. */
const METHODS = new Set(['astype', 'fillna', 'round', 'abs']);
const STRING_METHODS = new Set(['lower', 'upper', 'strip', 'lstrip', 'rstrip', 'title', 'casefold']);
const REDUCERS = new Set(['mean', 'median', 'min', 'max', 'sum']);
const LITERALS = new Set(['Number', 'String', 'Boolean', 'None']);
/** `astype(float)`, `astype("category")`, `astype(np.float32)`. */
const DTYPE_NAMES = /^(?:int|float|str|bool|object|complex|(?:np|numpy)\.\w+)$/;

/**
 * Whether the expression `node` may go unevaluated when its statement runs: it lies in the right
 * operand of `and`/`or` (`flag and (b := 1)`) or in a branch of a conditional expression
 * (`1 if c else (y := 2)`).
 */
function maybeEvaluated(node: SyntaxNode): boolean {
  for (let child = node, parent = node.parent; parent !== null; child = parent, parent = parent.parent) {
    if (parent.name === 'BinaryExpression') {
      for (let k = parent.firstChild; k !== null && k.from < child.from; k = k.nextSibling) {
        if (k.name === 'and' || k.name === 'or') {
          return true;
        }
      }
    } else if (parent.name === 'ConditionalExpression') {
      const test = parent.getChild('if')?.nextSibling;
      if (test && child.from !== test.from) {
        return true;
      }
    } else if (parent.name.endsWith('Statement') || parent.name === 'Script' || parent.name === 'Body' || parent.name === 'LambdaExpression') {
      return false;
    }
  }
  return false;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) {
    out.push(c);
  }
  return out;
}

/** Split nodes at `,` tokens. */
function splitCommas(nodes: SyntaxNode[]): SyntaxNode[][] {
  const groups: SyntaxNode[][] = [[]];
  for (const n of nodes) {
    if (n.name === ',') {
      groups.push([]);
    } else {
      groups[groups.length - 1].push(n);
    }
  }
  return groups.filter(g => g.length > 0);
}

function isBracket(name: string): boolean {
  return name === '(' || name === ')' || name === '[' || name === ']' || name === '{' || name === '}';
}

class Walker {
  private readonly module = new Scope('module', null, false);
  private readonly uses = new Set<string>();
  private readonly builtinUses = new Set<string>();
  private readonly deferredReads = new Set<string>();
  private readonly mutates = new Set<string>();
  /**
   * Keyed access of module names not bound in the cell: constant-key stores,
   * constant-key reads, and the names also touched any other way (whole).
   */
  private readonly keyStores = new Map<string, Map<string, boolean>>();
  private readonly keyReads = new Map<string, Set<string>>();
  private readonly wholeReads = new Set<string>();
  private readonly otherMutations = new Set<string>();
  /**
   * While a module-level expression statement is walked: the names it reads
   * whole. They stay reads of the variable but not of its keys when the
   * statement turns out to change nothing (see `displayStatement`).
   */
  private displayReads: Set<string> | null = null;
  /** Mutations and calls of session functions seen so far (a statement that adds none only shows). */
  private changes = 0;
  /** Module names whose binding now is an import / a def, class or lambda. */
  private readonly moduleImports = new Set<string>();
  private readonly callables = new Set<string>();
  /** Roots of calls of methods no list knows (see `CellEffects.guessedMutates`), and of every other change. */
  private readonly guessedMutated = new Set<string>();
  private readonly surelyMutated = new Set<string>();
  /** Set around one reference made directly at module level (see `keyedRef`). */
  private refMode: RefMode | null = null;
  private readonly effects: CellEffect[] = [];
  /** Names bound by import in this cell, and the module path they stand for. */
  private readonly imported = new Map<string, string>();
  /** Where the callee of the call being read starts, when it is a plain name (see `CellEffects.calledOnly`). */
  private calleeAt = -1;
  /** Names read as the callee of a call / as a value any other way, in any scope, as written. */
  private readonly calledNames = new Set<string>();
  private readonly valueNames = new Set<string>();
  /** Module-level names whose binding now is an import: the modules it leaves loaded on them (see `CellEffects.importedModules`). */
  private readonly importedModules = new Map<string, Set<string>>();
  private readonly seeded = new Set<RngFamily>();
  private seeds = false;
  private randomLibraryCalls = false;
  private readsRandomState = false;
  private changesProcess = false;
  private loadsModules = false;
  private readonly temporaries = new Set<string>();
  /** Names bound by a top-level assignment so far (`walk`). */
  private readonly plainlyBound = new Set<string>();
  private plainStatement = false;
  /** The top-level statement being walked. */
  private topLevel: SyntaxNode | null = null;
  /** The targets being bound take a constant (`constantValue`): see `CellEffects.constantBindings`. */
  private bindingConstant = false;
  /** Module names bound to a constant, and at how many places. */
  private readonly constantBound = new Map<string, number>();
  /** Module names bound or deleted otherwise (also by a function's `global`, see `globalBindings`). */
  private readonly otherwiseBound = new Set<string>();
  private readonly globalBindings = new Set<string>();
  /**
   * Inside a `with` body (a context manager may suppress what the body raised: `with
   * suppress(ImportError): import foo`) or binding the target of a loop that may not iterate: a
   * binding there surely runs only if nothing before it in the block raised or the loop ran.
   */
  private guarded = 0;
  /** Module names bound surely at some place under `guarded`, and at some place not. */
  private readonly guardedBound = new Set<string>();
  private readonly unguardedBound = new Set<string>();
  /** Module names read when the code runs (not only when a function it defines is called). */
  private readonly immediateUses = new Set<string>();
  unknownDefines = false;
  /** Per variable and key (`name\0key`): the conversion that is the key's one store in the cell, or null. */
  private conversions = new Map<string, string | null>();

  constructor(private readonly src: string) {}

  walk(tree: Tree): ScopeWalkResult {
    for (let c = tree.topNode.firstChild; c !== null; c = c.nextSibling) {
      // A top-level assignment surely runs before what follows it (a loop target or a
      // binding in `try` may not happen): only those make a later `del` a temporary's.
      this.plainStatement = c.name === 'AssignStatement';
      this.topLevel = c;
      this.statement(c, this.module);
    }
    this.plainStatement = false;
    this.topLevel = null;
    const flow = this.module.flow!;
    for (const name of this.deferredReads) {
      if (!((flow.get(name) ?? 0) & BOUND)) {
        (isPredefinedName(name) ? this.builtinUses : this.uses).add(name);
        this.wholeReads.add(name);
      }
    }
    const keyedStores: Record<string, KeyedStore[]> = {};
    for (const [name, keys] of this.keyStores) {
      if (this.mutates.has(name) && !this.otherMutations.has(name)) {
        keyedStores[name] = Array.from(keys, ([key, maybe]) => {
          const conversion = this.conversions.get(name + '\u0000' + key);
          return conversion && !maybe ? { key, maybe, conversion } : { key, maybe };
        }).sort((a, b) => (a.key < b.key ? -1 : 1));
      }
    }
    const keyedReads: Record<string, string[]> = {};
    for (const name of this.uses) {
      if (!this.wholeReads.has(name) && !this.otherMutations.has(name)) {
        keyedReads[name] = Array.from(this.keyReads.get(name) ?? []).sort();
      }
    }
    const defines: string[] = [];
    const mayDefine: string[] = [];
    const deletes: string[] = [];
    for (const [name, bits] of flow) {
      if (isIPythonName(name) || name === TIMEIT_MARKER) {
        continue;
      }
      if (bits & DEFINITE) {
        defines.push(name);
      } else {
        if (bits & BOUND) {
          mayDefine.push(name);
        }
        if (bits & DELETED) {
          deletes.push(name);
        }
      }
    }
    const sorted = (xs: Iterable<string>): string[] => Array.from(xs).sort();
    const definitionOnly = this.definitionOnly(tree.topNode);
    return {
      seeds: this.seeds,
      randomLibraryCalls: this.randomLibraryCalls,
      readsRandomState: this.readsRandomState,
      changesProcess: this.changesProcess,
      loadsModules: this.loadsModules,
      temporaries: sorted(this.temporaries),
      constantBindings: sorted(Array.from(this.constantBound.keys()).filter(n => this.constantBound.get(n) === 1 && !this.otherwiseBound.has(n))),
      globalBindings: sorted(this.globalBindings),
      guardedBindings: sorted(defines.filter(n => this.guardedBound.has(n) && !this.unguardedBound.has(n))),
      ...(definitionOnly ? { definitionReads: sorted(Array.from(this.immediateUses).filter(n => this.uses.has(n))) } : {}),
      defines: defines.sort(),
      mayDefine: mayDefine.sort(),
      uses: sorted(this.uses),
      builtinUses: sorted(this.builtinUses),
      deletes: deletes.sort(),
      mutates: sorted(this.mutates),
      guessedMutates: sorted(Array.from(this.mutates).filter(n => this.guessedMutated.has(n) && !this.surelyMutated.has(n))),
      imports: sorted(this.moduleImports),
      // `globals()["f"]`, `eval("f")`: any name may be reached without being written.
      calledOnly: DYNAMIC_LOOKUPS.some(n => this.calledNames.has(n) || this.valueNames.has(n))
        ? []
        : sorted(Array.from(this.calledNames).filter(n => !this.valueNames.has(n))),
      ...(this.importedModules.size > 0
        ? { importedModules: Object.fromEntries(sorted(this.importedModules.keys()).map(n => [n, sorted(this.importedModules.get(n)!).join(',')])) }
        : {}),
      callables: sorted(this.callables),
      keyedStores,
      keyedReads,
      unknownDefines: this.unknownDefines,
      effects: this.effects
    };
  }

  private text(node: SyntaxNode): string {
    return this.src.slice(node.from, node.to);
  }

  /**
   * The cell only defines functions or classes (with imports, docstrings and
   * `pass`, which magics become): running it reads only what the `def` and
   * `class` lines evaluate (decorators, defaults, bases).
   */
  private definitionOnly(top: SyntaxNode): boolean {
    let defines = false;
    for (let c = top.firstChild; c !== null; c = c.nextSibling) {
      switch (c.name) {
        case 'FunctionDefinition':
        case 'ClassDefinition':
        case 'DecoratedStatement':
          defines = true;
          break;
        case 'ImportStatement':
        case 'PassStatement':
        case 'Comment':
          break;
        case 'ExpressionStatement':
          if (c.firstChild?.name === 'String' && c.firstChild.nextSibling === null) {
            break;
          }
          return false;
        default:
          return false;
      }
    }
    return defines;
  }

  // ---- Names --------------------------------------------------------------

  /** A module-level read or mutation, now or (deferred) when a function runs. */
  private moduleRef(name: string, mutate: boolean, deferred: boolean): void {
    if (deferred) {
      if (!mutate) {
        this.deferredReads.add(name);
      }
      return;
    }
    if ((this.module.flow!.get(name) ?? 0) & BOUND) {
      return;
    }
    const mode = this.refMode;
    if (mutate) {
      this.changes++;
      if (!isPredefinedName(name)) {
        this.mutates.add(name);
        if (mode?.kind === 'key-store') {
          let keys = this.keyStores.get(name);
          if (!keys) {
            keys = new Map();
            this.keyStores.set(name, keys);
          }
          // A store on one path only, after or before a certain one, stays a maybe only if every store is.
          keys.set(mode.key, (keys.get(mode.key) ?? true) && mode.maybe);
          // A conversion holds only as the key's one store in the cell.
          const at = name + '\u0000' + mode.key;
          this.conversions.set(at, this.conversions.has(at) ? null : (mode.conversion ?? null));
        } else {
          this.otherMutations.add(name);
        }
      }
    } else {
      (isPredefinedName(name) ? this.builtinUses : this.uses).add(name);
      this.immediateUses.add(name);
      if (mode?.kind === 'key-read') {
        if (this.keyStores.get(name)?.get(mode.key) === false) {
          // Reads back what the cell itself stored.
          return;
        }
        let keys = this.keyReads.get(name);
        if (!keys) {
          keys = new Set();
          this.keyReads.set(name, keys);
        }
        keys.add(mode.key);
      } else if (mode?.kind !== 'store-base') {
        (this.displayReads ?? this.wholeReads).add(name);
      }
    }
  }

  /** Reference `name` in `mode`; the mode only applies to a reference made now, at module level. */
  private keyedRef(scope: Scope, name: string, mutate: boolean, mode: RefMode): void {
    this.valueNames.add(name);
    this.refMode = scope.kind === 'module' && !scope.deferred ? mode : null;
    try {
      this.reference(scope, name, mutate);
    } finally {
      this.refMode = null;
    }
  }

  /**
   * `df["a"]` / `obj.x` directly on a variable, with a constant key: the
   * variable and the key (`["a"]`, `.x`), else null.
   */
  private constantKey(node: SyntaxNode): { name: string; key: string } | null {
    const base = node.firstChild;
    if (base === null || base.name !== 'VariableName') {
      return null;
    }
    const rest: SyntaxNode[] = [];
    for (let c = base.nextSibling; c !== null; c = c.nextSibling) {
      rest.push(c);
    }
    if (rest.length === 2 && rest[0].name === '.' && rest[1].name === 'PropertyName') {
      return { name: this.text(base), key: '.' + this.text(rest[1]) };
    }
    if (rest.length === 3 && rest[0].name === '[' && rest[2].name === ']') {
      const k = rest[1];
      if (k.name === 'Number' || (k.name === 'String' && /^(?:'[^'\\\n{}]*'|"[^"\\\n{}]*")$/.test(this.text(k)))) {
        const t = this.text(k);
        return { name: this.text(base), key: '[' + (k.name === 'String' ? t.slice(1, -1) : t) };
      }
    }
    return null;
  }

  /**
   * `df["t"] = pd.to_datetime(df["t"], dayfirst=True)`, `.apply(pd.to_datetime)`, `.astype(float)`,
   * `.fillna(0)`, `.round(2)`, `.str.lower()`: a conversion of the stored key's own value that,
   * applied to its own result, leaves it as it is (a date column parsed again, a column with no
   * missing value left filled again). Its name with the arguments that decide the result, else
   * undefined. `to_datetime` ignores its parsing options on dates; `utc=` still converts them.
   */
  private conversionOf(value: SyntaxNode, target: SyntaxNode): string | undefined {
    const callee = value.firstChild;
    const argList = value.lastChild;
    if (value.name !== 'CallExpression' || callee === null || argList === null || argList.name !== 'ArgList') {
      return undefined;
    }
    const squeeze = (n: SyntaxNode): string => this.text(n).replace(/\s+/g, '');
    const isTarget = (n: SyntaxNode | undefined): boolean => n !== undefined && squeeze(n) === squeeze(target);
    const args: SyntaxNode[][] = [];
    for (const c of children(argList)) {
      if (c.name === ',' || args.length === 0) {
        args.push([]);
      }
      if (c.name !== '(' && c.name !== ')' && c.name !== ',') {
        args[args.length - 1].push(c);
      }
    }
    const given = args.filter(a => a.length > 0);
    const keyword = (a: SyntaxNode[]): string | null => (a.length === 3 && a[0].name === 'VariableName' && a[1].name === 'AssignOp' ? this.text(a[0]) : null);
    const text = (a: SyntaxNode[]): string => a.map(squeeze).join('');
    /** `pd.to_datetime`: the parser's name, else ''. */
    const parser = (n: SyntaxNode): string => {
      const parts = n.name === 'MemberExpression' ? children(n) : [];
      const name = parts.length === 3 && parts[2].name === 'PropertyName' ? this.text(parts[2]) : '';
      return parts[0]?.name === 'VariableName' && PANDAS.has(this.text(parts[0])) && PARSERS.has(name) ? name : '';
    };
    const literal = (n: SyntaxNode): boolean => LITERALS.has(n.name) || (n.name === 'UnaryExpression' && n.lastChild?.name === 'Number');
    // For `fillna`, also a scalar of the column itself (`df["age"].mean()`): filling leaves no gap.
    const ownScalar = (n: SyntaxNode): boolean => {
      const [reducer, reducerArgs] = n.name === 'CallExpression' ? children(n) : [];
      const parts = reducer?.name === 'MemberExpression' ? children(reducer) : [];
      // `df["age"].mean()`: no arguments, only the parentheses.
      return parts.length === 3 && REDUCERS.has(this.text(parts[2])) && isTarget(parts[0]) && reducerArgs?.name === 'ArgList' && children(reducerArgs).length === 2;
    };
    const fn = parser(callee);
    if (fn) {
      // `pd.to_datetime(df["t"], …)`: the column first.
      if (given.length === 0 || given[0].length !== 1 || !isTarget(given[0][0])) {
        return undefined;
      }
      const ignored = PARSERS.get(fn)!;
      const decisive = given.slice(1).filter(a => {
        const k = keyword(a) ?? '';
        return !ignored.has(k) && !(k === 'errors' && PARSED.test(squeeze(a[2])));
      });
      return `${fn}(${decisive.map(text).sort().join(',')})`;
    }
    const parts = callee.name === 'MemberExpression' ? children(callee) : [];
    if (parts.length !== 3 || parts[2].name !== 'PropertyName') {
      return undefined;
    }
    let object = parts[0];
    const method = this.text(parts[2]);
    if (method === 'apply') {
      // `df["t"].apply(pd.to_datetime)`: the parser on each value, the same as on the column.
      const f = given.length === 1 && given[0].length === 1 ? parser(given[0][0]) : '';
      return isTarget(object) && f ? `${f}()` : undefined;
    }
    let prefix = '';
    if (STRING_METHODS.has(method)) {
      const inner = object.name === 'MemberExpression' ? children(object) : [];
      if (inner.length !== 3 || this.text(inner[2]) !== 'str') {
        return undefined;
      }
      object = inner[0];
      prefix = 'str.';
    } else if (!METHODS.has(method)) {
      return undefined;
    }
    // Arguments that cannot change between runs of the same text.
    const fixed = given.every(a => {
      const k = keyword(a);
      const v = k !== null ? a[2] : a.length === 1 ? a[0] : null;
      if (v === null || (method === 'fillna' && k !== null && !FILL_KEYWORDS.has(k))) {
        return false;
      }
      return literal(v) || (method === 'fillna' && ownScalar(v)) || (method === 'astype' && DTYPE_NAMES.test(squeeze(v)));
    });
    return isTarget(object) && fixed ? `${prefix}${method}(${given.map(text).join(',')})` : undefined;
  }

  /** `v.pop("k")` or `v.pop("k", default)` on a variable: the variable and the key; else null. */
  private keyPop(callee: SyntaxNode, argNode: SyntaxNode | null): { name: string; key: string } | null {
    const parts = children(callee);
    if (
      argNode === null ||
      callee.name !== 'MemberExpression' ||
      parts.length !== 3 ||
      parts[0].name !== 'VariableName' ||
      parts[2].name !== 'PropertyName' ||
      this.text(parts[2]) !== 'pop'
    ) {
      return null;
    }
    const args = splitCommas(children(argNode).filter(k => k.name !== '(' && k.name !== ')'));
    if (args.length < 1 || args.length > 2 || args.some(a => a.length !== 1)) {
      return null;
    }
    const key = this.constantString(args[0][0]);
    return key === null ? null : { name: this.text(parts[0]), key: '[' + key };
  }

  /** A constant string key (`"a"`, not an f-string), without its quotes, else null. */
  private constantString(node: SyntaxNode): string | null {
    const t = this.text(node);
    return node.name === 'String' && /^(?:'[^'\\\n{}]*'|"[^"\\\n{}]*")$/.test(t) ? t.slice(1, -1) : null;
  }

  /** `"a"` or `["a", "b"]` / `("a", "b")`: the keys (`[a`), else null. */
  private constantKeys(node: SyntaxNode): string[] | null {
    const one = this.constantString(node);
    if (one !== null) {
      return ['[' + one];
    }
    if (node.name !== 'ArrayExpression' && node.name !== 'TupleExpression') {
      return null;
    }
    const keys: string[] = [];
    for (let c = node.firstChild; c !== null; c = c.nextSibling) {
      if (c.name === ',' || isBracket(c.name)) {
        continue;
      }
      const k = this.constantString(c);
      if (k === null) {
        return null;
      }
      keys.push('[' + k);
    }
    return keys.length > 0 ? keys : null;
  }

  /**
   * Column selections that read only the keys they name:
   * `df[["a", "b"]]` and `df.groupby("a")["b"]` / `df.groupby(["a", "b"], as_index=False)[["c"]]`
   * (grouped by constant keys, then constant keys selected: the result
   * depends on those columns and the index only). The variable, the keys,
   * and the other argument values to walk; else null.
   */
  private columnSelection(node: SyntaxNode): { name: string; keys: string[]; rest: SyntaxNode[] } | null {
    const kids = children(node);
    if (kids.length !== 4 || kids[1].name !== '[' || kids[3].name !== ']') {
      return null;
    }
    const selected = this.constantKeys(kids[2]);
    if (selected === null) {
      return null;
    }
    const base = kids[0];
    if (base.name === 'VariableName') {
      return kids[2].name === 'String' ? null : { name: this.text(base), keys: selected, rest: [] };
    }
    if (base.name !== 'CallExpression') {
      return null;
    }
    const callee = base.firstChild;
    const args = base.getChild('ArgList');
    if (callee === null || args === null || callee.name !== 'MemberExpression') {
      return null;
    }
    const parts = children(callee);
    if (parts.length !== 3 || parts[0].name !== 'VariableName' || parts[2].name !== 'PropertyName' || this.text(parts[2]) !== 'groupby') {
      return null;
    }
    const keys = [...selected];
    const rest: SyntaxNode[] = [];
    let by = false;
    for (const arg of splitCommas(children(args).filter(k => k.name !== '(' && k.name !== ')'))) {
      if (arg.length === 3 && arg[0].name === 'VariableName' && arg[1].name === 'AssignOp') {
        if (this.text(arg[0]) === 'by') {
          const k = this.constantKeys(arg[2]);
          if (k === null || by) {
            return null;
          }
          keys.push(...k);
          by = true;
        } else {
          rest.push(arg[2]);
        }
      } else if (arg.length === 1 && !by) {
        const k = this.constantKeys(arg[0]);
        if (k === null) {
          return null;
        }
        keys.push(...k);
        by = true;
      } else {
        return null;
      }
    }
    return by ? { name: this.text(parts[0]), keys: Array.from(new Set(keys)), rest } : null;
  }

  /** Hand a reference to the nearest scope a nested scope can see (classes are skipped). */
  private resolveOuter(scope: Scope | null, ref: PendingRef): void {
    while (scope !== null && scope.kind === 'class') {
      scope = scope.parent;
    }
    if (scope === null || scope.kind === 'module') {
      this.moduleRef(ref.name, ref.mutate, ref.deferred);
    } else {
      scope.pending.push(ref);
    }
  }

  private reference(scope: Scope, name: string, mutate: boolean): void {
    const ref: PendingRef = { name, mutate, deferred: scope.deferred };
    switch (scope.kind) {
      case 'module':
        this.moduleRef(name, mutate, scope.deferred);
        return;
      case 'class':
        if (scope.globals.has(name)) {
          this.moduleRef(name, mutate, scope.deferred);
        } else if (!((scope.flow!.get(name) ?? 0) & BOUND)) {
          this.resolveOuter(scope.parent, ref);
        }
        return;
      default:
        scope.pending.push(ref);
    }
  }

  private read(scope: Scope, name: string): void {
    this.reference(scope, name, false);
  }

  private mutate(scope: Scope, name: string): void {
    this.reference(scope, name, true);
  }

  /** Settle the references of a function or comprehension scope at its end. */
  private finish(scope: Scope): void {
    for (const ref of scope.pending) {
      if (scope.globals.has(ref.name)) {
        this.moduleRef(ref.name, ref.mutate, ref.deferred);
      } else if (!scope.locals.has(ref.name)) {
        this.resolveOuter(scope.parent, ref);
      }
    }
    scope.pending.length = 0;
  }

  /** The flow-sensitive scope a binding in `scope` writes to, or null when it is invisible. */
  private bindingScope(scope: Scope, name: string): Scope | null {
    if (scope.kind === 'module') {
      return scope;
    }
    if (scope.globals.has(name)) {
      // `global x` in a body that runs later binds nothing now.
      if (scope.deferred) {
        this.globalBindings.add(name);
        this.otherwiseBound.add(name);
        return null;
      }
      return this.module;
    }
    if (scope.kind === 'class') {
      return scope;
    }
    if (!scope.nonlocals.has(name)) {
      scope.locals.add(name);
    }
    return null;
  }

  /** Change a name's flow bits, journaling the old bits for the innermost open branch. */
  private setFlow(owner: Scope, name: string, bits: number | undefined): void {
    const flow = owner.flow!;
    const journal = owner.journals[owner.journals.length - 1];
    if (journal !== undefined && !journal.has(name)) {
      journal.set(name, flow.get(name));
    }
    if (bits === undefined) {
      flow.delete(name);
    } else {
      flow.set(name, bits);
    }
  }

  private bind(scope: Scope, name: string, maybe = false, constant = false): void {
    const owner = this.bindingScope(scope, name);
    if (owner === null) {
      return;
    }
    if (owner === this.module && scope === this.module && this.plainStatement && !maybe) {
      this.plainlyBound.add(name);
    }
    if (owner === this.module && scope === this.module && !maybe) {
      (this.guarded > 0 ? this.guardedBound : this.unguardedBound).add(name);
    }
    if (owner === this.module && constant && !maybe) {
      this.constantBound.set(name, (this.constantBound.get(name) ?? 0) + 1);
    } else if (owner === this.module) {
      this.otherwiseBound.add(name);
    }
    if (owner === this.module) {
      this.imported.delete(name);
      this.importedModules.delete(name);
      this.moduleImports.delete(name);
      this.callables.delete(name);
    }
    const prev = owner.flow!.get(name) ?? 0;
    this.setFlow(owner, name, maybe ? prev | BOUND : DEFINITE | BOUND);
  }

  private unbind(scope: Scope, name: string): void {
    const owner = this.bindingScope(scope, name);
    if (owner === this.module) {
      this.otherwiseBound.add(name);
    }
    if (owner !== null) {
      this.setFlow(owner, name, DELETED);
    }
  }

  /** The module path `name` stands for, when it names a module. */
  private moduleOf(scope: Scope, name: string): string | null {
    for (let s: Scope | null = scope; s !== null && s.kind !== 'module'; s = s.parent) {
      if (s.kind !== 'class' && s.locals.has(name) && !this.imported.has(name)) {
        return null;
      }
    }
    const imported = this.imported.get(name);
    if (imported !== undefined) {
      return imported;
    }
    if ((this.module.flow!.get(name) ?? 0) & BOUND) {
      return null;
    }
    return COMMON_MODULE_ALIASES.get(name) ?? null;
  }

  // ---- Control flow -------------------------------------------------------

  /**
   * Run alternative paths from the same state and merge them: a name is
   * definitely bound after them only if every path binds it. Without
   * `exhaustive`, not taking any path is one more alternative. `failing` paths
   * end the run with an error: what they bind is bound maybe.
   */
  private branches(scope: Scope, paths: Array<() => void>, exhaustive: boolean, failing: Array<() => void> = []): void {
    const flow = scope.flow;
    if (flow === null) {
      for (const p of [...paths, ...failing]) {
        p();
      }
      return;
    }
    // Each path runs from the same state; its changes are kept aside and
    // undone, so a branch costs what it changes, not the size of the namespace.
    const results: Map<string, number>[] = [];
    const names = new Set<string>();
    for (const p of [...paths, ...failing]) {
      const journal: Journal = new Map();
      scope.journals.push(journal);
      p();
      scope.journals.pop();
      const changes = new Map<string, number>();
      for (const [name, previous] of journal) {
        changes.set(name, flow.get(name) ?? 0);
        names.add(name);
        if (previous === undefined) {
          flow.delete(name);
        } else {
          flow.set(name, previous);
        }
      }
      results.push(changes);
    }
    for (const name of names) {
      const before = flow.get(name) ?? 0;
      let all = exhaustive ? DEFINITE : before;
      let any = exhaustive ? 0 : before;
      results.forEach((r, i) => {
        const v = r.get(name) ?? before;
        if (i < paths.length) {
          all &= v;
        }
        any |= v;
      });
      let bits = (all & DEFINITE) | (any & (BOUND | DELETED));
      if (bits & DEFINITE) {
        bits = DEFINITE | BOUND;
      }
      this.setFlow(scope, name, bits === 0 && !flow.has(name) ? undefined : bits);
    }
  }

  // ---- Statements ---------------------------------------------------------

  private statements(node: SyntaxNode, scope: Scope): void {
    for (let c = node.firstChild; c !== null; c = c.nextSibling) {
      this.statement(c, scope);
    }
  }

  private statement(node: SyntaxNode, scope: Scope): void {
    const name = node.name;
    if (name === 'ExpressionStatement' && scope.kind === 'module' && !scope.deferred && this.displayReads === null) {
      this.displayStatement(node, scope);
      return;
    }
    if (STATEMENTS_OF_EXPRESSIONS.has(name)) {
      this.expressions(node, scope);
      return;
    }
    switch (name) {
      case 'AssignStatement':
        return this.assignStatement(node, scope);
      case 'UpdateStatement':
        return this.updateStatement(node, scope);
      case 'DeleteStatement':
        for (const target of splitCommas(children(node).slice(1))) {
          this.deleteTarget(target[0], scope);
        }
        return;
      case 'ImportStatement':
        return this.importStatement(node, scope);
      case 'ScopeStatement': {
        const kids = children(node);
        const set = kids[0]?.name === 'nonlocal' ? scope.nonlocals : scope.globals;
        if (scope.kind !== 'module') {
          for (const k of kids) {
            if (k.name === 'VariableName') {
              set.add(this.text(k));
            }
          }
        }
        return;
      }
      case 'TypeDefinition':
        return this.typeDefinition(node, scope);
      case 'StatementGroup':
      case 'Body':
        return this.statements(node, scope);
      case 'IfStatement':
        return this.ifStatement(children(node), 0, scope);
      case 'WhileStatement':
        return this.whileStatement(node, scope);
      case 'ForStatement':
        return this.forStatement(node, scope);
      case 'TryStatement':
        return this.tryStatement(node, scope);
      case 'WithStatement':
        return this.withStatement(node, scope);
      case 'MatchStatement':
        return this.matchStatement(node, scope);
      case 'FunctionDefinition':
        return this.functionDefinition(node, scope, []);
      case 'ClassDefinition':
        return this.classDefinition(node, scope, []);
      case 'DecoratedStatement': {
        const kids = children(node);
        const decorators = kids.filter(k => k.name === 'Decorator');
        const def = kids.find(k => k.name === 'FunctionDefinition' || k.name === 'ClassDefinition');
        if (def === undefined) {
          decorators.forEach(d => this.decorator(d, scope));
        } else if (def.name === 'FunctionDefinition') {
          this.functionDefinition(def, scope, decorators);
        } else {
          this.classDefinition(def, scope, decorators);
        }
        return;
      }
      case 'PassStatement':
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'Comment':
        return;
      default:
        // Error nodes and anything unforeseen: keep the reads they contain.
        this.expression(node, scope);
    }
  }

  /**
   * `df.describe()`, `df.head()`, `print(df)`, `sns.heatmap(df.corr())`: a
   * statement whose value is only shown. When it mutates nothing, calls no
   * function of the session and has no other effect (file, shell, clock,
   * randomness, unknown definitions), what it reads of an object's keys
   * changes no state: the names it reads whole are reads of the variable
   * only. Otherwise (`df.to_csv(p)`, `model.fit(df)`, `train(df)`) they are
   * whole reads.
   */
  private displayStatement(node: SyntaxNode, scope: Scope): void {
    const changes = this.changes;
    const effects = this.effects.length;
    const unknown = this.unknownDefines;
    const reads = new Set<string>();
    this.displayReads = reads;
    try {
      this.expressions(node, scope);
    } finally {
      this.displayReads = null;
    }
    const shows = this.changes === changes && this.effects.length === effects && this.unknownDefines === unknown;
    reads.forEach(n => (shows ? this.displayOnlyReads : this.wholeReads).add(n));
  }

  private readonly displayOnlyReads = new Set<string>();

  private expressions(node: SyntaxNode, scope: Scope): void {
    for (let c = node.firstChild; c !== null; c = c.nextSibling) {
      this.expression(c, scope);
    }
  }

  private assignStatement(node: SyntaxNode, scope: Scope): void {
    const groups: SyntaxNode[][] = [[]];
    for (const k of children(node)) {
      if (k.name === 'AssignOp') {
        groups.push([]);
      } else {
        groups[groups.length - 1].push(k);
      }
    }
    const first = groups[0];
    const annotation = first.length > 0 && first[first.length - 1].name === 'TypeDef' ? first.pop()! : null;
    // Annotations of module and class names are evaluated; in functions they are not.
    const evaluatesAnnotation = annotation !== null && (scope.kind === 'module' || scope.kind === 'class');
    if (groups.length === 1) {
      // `x: int` declares without binding (in a function, it makes x local).
      if (evaluatesAnnotation) {
        this.expressions(annotation!, scope);
      } else if (annotation !== null && scope.kind === 'function') {
        for (const t of first) {
          if (t.name === 'VariableName') {
            scope.locals.add(this.text(t));
          }
        }
      }
      return;
    }
    const value = groups[groups.length - 1];
    for (const v of value) {
      this.expression(v, scope);
    }
    if (groups.length === 2 && first.length === 1 && first[0].name === 'MemberExpression' && value.length === 1) {
      // One store of one value: `df["t"] = pd.to_datetime(df["t"])` may be a conversion (`conversionOf`).
      this.memberStore(first[0], scope, value[0]);
    } else {
      // Only a statement that surely runs (top level, not in a branch or a `with`).
      const constant = node === this.topLevel && value.every(v => v.name === ',' || constantValue(v));
      for (let g = 0; g < groups.length - 1; g++) {
        this.bindingConstant = constant && !groups[g].some(hasStarred);
        this.targets(groups[g], scope);
        this.bindingConstant = false;
      }
    }
    // `f = lambda x: …` binds a callable like `def f`.
    if (value.length === 1 && value[0].name === 'LambdaExpression') {
      for (let g = 0; g < groups.length - 1; g++) {
        if (groups[g].length === 1 && groups[g][0].name === 'VariableName') {
          this.callableBound(scope, this.text(groups[g][0]));
        }
      }
    }
    if (evaluatesAnnotation) {
      this.expressions(annotation!, scope);
    }
  }

  /** Bind a comma-separated target list (`a, *b`, `(c, d)`, `df['x']`). */
  private targets(nodes: SyntaxNode[], scope: Scope, maybe = false): void {
    for (const n of nodes) {
      this.target(n, scope, maybe);
    }
  }

  private target(node: SyntaxNode, scope: Scope, maybe = false): void {
    switch (node.name) {
      case 'VariableName':
        this.bind(scope, this.text(node), maybe, this.bindingConstant);
        return;
      case 'TupleExpression':
      case 'ArrayExpression':
      case 'ParenthesizedExpression':
        this.targets(children(node), scope, maybe);
        return;
      case 'MemberExpression':
        this.memberStore(node, scope);
        return;
      default:
        // Punctuation (`,`, `*`) and invalid targets bind nothing.
        if (node.firstChild !== null) {
          this.expression(node, scope);
        }
    }
  }

  /** `obj.attr = v`, `df['a'] = v`, `del d[k]`, `x.y += 1`: the base object changes. */
  private memberStore(node: SyntaxNode, scope: Scope, value: SyntaxNode | null = null): void {
    const keyed = this.constantKey(node);
    if (keyed !== null) {
      // `df["a"] = v`: only key "a" changes; the store reads the variable, not its content.
      const maybe = this.module.journals.length > 0;
      const conversion = value ? this.conversionOf(value, node) : undefined;
      this.keyedRef(scope, keyed.name, false, { kind: 'store-base' });
      this.keyedRef(scope, keyed.name, true, { kind: 'key-store', key: keyed.key, maybe, conversion });
      return;
    }
    this.expression(node, scope);
    const object = node.firstChild;
    if (object !== null && this.modulePathOf(scope, object) === 'os.environ') {
      this.changesProcess = true;
    }
    const root = this.rootOf(node);
    if (root === null) {
      const base = this.baseCall(node);
      if (base !== null && (base === 'globals' || base === 'locals' || base === 'vars')) {
        this.unknownDefines = true;
      }
      return;
    }
    // On a module too: `plt.rcParams['x'] = 1` changes state a later cell depends on.
    this.mutate(scope, root);
    this.surelyMutated.add(root);
  }

  private updateStatement(node: SyntaxNode, scope: Scope): void {
    const kids = children(node);
    const opIndex = kids.findIndex(k => k.name === 'UpdateOp');
    const targetNodes = kids.slice(0, opIndex < 0 ? 1 : opIndex);
    const value = opIndex < 0 ? [] : kids.slice(opIndex + 1);
    const target = targetNodes[0];
    if (target === undefined) {
      return;
    }
    if (target.name === 'VariableName') {
      const name = this.text(target);
      this.read(scope, name);
      value.forEach(v => this.expression(v, scope));
      this.bind(scope, name);
      return;
    }
    value.forEach(v => this.expression(v, scope));
    if (target.name === 'MemberExpression') {
      // `df["a"] += 1` reads what it stores.
      this.expression(target, scope);
      this.memberStore(target, scope);
    } else {
      this.expression(target, scope);
    }
  }

  private deleteTarget(node: SyntaxNode, scope: Scope): void {
    switch (node.name) {
      case 'VariableName': {
        const name = this.text(node);
        if (scope === this.module && this.plainlyBound.has(name) && ((this.module.flow!.get(name) ?? 0) & DEFINITE) !== 0) {
          this.temporaries.add(name);
        }
        this.read(scope, name);
        this.unbind(scope, name);
        return;
      }
      case 'MemberExpression':
        this.memberStore(node, scope);
        return;
      case 'TupleExpression':
      case 'ArrayExpression':
      case 'ParenthesizedExpression':
        for (const k of children(node)) {
          if (k.firstChild !== null || k.name === 'VariableName') {
            this.deleteTarget(k, scope);
          }
        }
        return;
      default:
        this.expression(node, scope);
    }
  }

  private importStatement(node: SyntaxNode, scope: Scope): void {
    this.loadsModules = true;
    const parent = node.parent;
    const topLevel = parent?.name === 'Script' || (parent?.name === 'StatementGroup' && parent.parent?.name === 'Script');
    const kids = children(node).filter(k => k.name !== '(' && k.name !== ')');
    let i = 0;
    let base: string | null = null;
    if (kids[0]?.name === 'from') {
      let path = '';
      for (i = 1; i < kids.length && kids[i].name !== 'import'; i++) {
        path += this.text(kids[i]);
      }
      base = path;
      i++;
    } else {
      i = 1;
    }
    for (const item of splitCommas(kids.slice(i))) {
      if (item[0].name === '*') {
        this.unknownDefines = true;
        continue;
      }
      const asIndex = item.findIndex(k => k.name === 'as');
      const dotted = (asIndex < 0 ? item : item.slice(0, asIndex)).map(k => this.text(k)).join('');
      const alias = asIndex >= 0 && item[asIndex + 1] !== undefined ? this.text(item[asIndex + 1]) : null;
      let bound: string;
      let path: string;
      if (base !== null) {
        bound = alias ?? dotted;
        path = base.endsWith('.') ? base + dotted : `${base}.${dotted}`;
      } else {
        // `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`.
        bound = alias ?? dotted.split('.')[0];
        path = alias !== null ? dotted : bound;
      }
      if (bound === '' || bound.includes('.')) {
        continue;
      }
      // `import a.b, a.c` leaves `a` with both submodules loaded: another value than `import a`.
      const held = this.importedModules.get(bound);
      this.bind(scope, bound);
      this.imported.set(bound, path);
      if (this.bindingScope(scope, bound) === this.module) {
        this.moduleImports.add(bound);
        // Only an import statement of the module's own (not one branch of an `if` or a `try`).
        if (topLevel) {
          this.importedModules.set(bound, new Set([...(held ?? []), base !== null || alias !== null ? path : dotted]));
        }
      }
    }
  }

  private typeDefinition(node: SyntaxNode, scope: Scope): void {
    const kids = children(node);
    const name = kids.find(k => k.name === 'VariableName');
    // The value of a type alias is evaluated lazily, like a function body.
    const lazy = new Scope('function', scope, true);
    for (const k of kids) {
      if (k.name === 'TypeParamList') {
        this.typeParams(k, lazy);
      } else if (k !== name) {
        this.expression(k, lazy);
      }
    }
    this.finish(lazy);
    if (name !== undefined) {
      this.bind(scope, this.text(name));
    }
  }

  private typeParams(node: SyntaxNode, scope: Scope): void {
    for (const p of children(node)) {
      if (p.name === 'TypeParam') {
        const v = p.getChild('VariableName');
        if (v !== null) {
          scope.locals.add(this.text(v));
        }
      }
    }
  }

  private ifStatement(kids: SyntaxNode[], start: number, scope: Scope): void {
    // kids[start] is `if`/`elif`, then the test (absent on errors), then Body.
    let i = start + 1;
    const test = kids[i] !== undefined && kids[i].name !== 'Body' ? kids[i++] : null;
    if (test !== null) {
      this.expression(test, scope);
    }
    const body = kids[i]?.name === 'Body' ? kids[i++] : null;
    const next = kids[i];
    const paths: Array<() => void> = [];
    if (body !== null) {
      paths.push(() => this.statements(body, scope));
    }
    if (next?.name === 'elif') {
      paths.push(() => this.ifStatement(kids, i, scope));
      this.branches(scope, paths, true);
    } else if (test !== null && SURELY_TRUE.test(this.text(test))) {
      // `if True:` always runs its body; so does `if __name__ == '__main__':` in a kernel.
      this.branches(scope, paths, true);
    } else if (next?.name === 'else' && kids[i + 1]?.name === 'Body') {
      const elseBody = kids[i + 1];
      paths.push(() => this.statements(elseBody, scope));
      this.branches(scope, paths, true);
    } else {
      this.branches(scope, paths, false);
    }
  }

  private whileStatement(node: SyntaxNode, scope: Scope): void {
    const kids = children(node);
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      if (k.name === 'Body') {
        if (kids[i - 1]?.name !== 'else' && /^(?:True|[1-9][0-9]*)$/.test(this.text(kids[i - 1]).replace(/[()\s]/g, ''))) {
          // `while True:` (`while 1:`, `while (True):`) runs its body at least once.
          this.surelyRunBody(k, scope);
        } else {
          this.branches(scope, [() => this.statements(k, scope)], false);
        }
      } else if (k.name !== 'while' && k.name !== 'else') {
        this.expression(k, scope);
      }
    }
  }

  private forStatement(node: SyntaxNode, scope: Scope): void {
    const kids = children(node);
    const inIndex = kids.findIndex(k => k.name === 'in');
    const bodyIndex = kids.findIndex(k => k.name === 'Body');
    const end = bodyIndex < 0 ? kids.length : bodyIndex;
    const targets = kids.slice(0, inIndex < 0 ? end : inIndex).filter(k => k.name !== 'for' && k.name !== 'async');
    if (inIndex >= 0) {
      for (const k of kids.slice(inIndex + 1, end)) {
        this.expression(k, scope);
      }
    }
    const iterable = inIndex >= 0 ? kids.slice(inIndex + 1, end) : [];
    // `for order in [3, 6, 15]:` binds constants; `for i in range(n)` makes its values as it goes.
    // A loop at top level over a display that is not empty surely binds one of its values.
    const display = iterable.length === 1 && ['ArrayExpression', 'TupleExpression', 'SetExpression'].includes(iterable[0].name) ? iterable[0] : null;
    const values = display ? children(display).filter(k => !CONSTANT_PUNCTUATION.has(k.name)) : [];
    this.bindingConstant = node === this.topLevel && values.length > 0 && values.every(constantValue) && !targets.some(hasStarred);
    const iterates = this.surelyIterates(iterable, scope);
    // `for x in rows:` leaves x bound after the loop unless rows was empty: a binding the
    // analysis counts as sure (a rerun replaces it), which the tracer can tell happened.
    this.guarded += iterates ? 0 : 1;
    this.targets(targets, scope);
    this.guarded -= iterates ? 0 : 1;
    this.bindingConstant = false;
    for (const k of kids.slice(end)) {
      if (k.name !== 'Body') {
        continue;
      }
      if (k !== kids[bodyIndex] || !iterates) {
        this.branches(scope, [() => this.statements(k, scope)], false);
        continue;
      }
      this.surelyRunBody(k, scope);
    }
  }

  /**
   * A loop body that runs at least once (`for i in range(0, 500, 50):`, `while True:`): what it
   * binds before anything that may leave the iteration is bound surely (a rerun replaces it),
   * the rest maybe.
   */
  private surelyRunBody(node: SyntaxNode, scope: Scope): void {
    const body = children(node).filter(c => c.name !== ':');
    const diverts = body.findIndex(c => this.mayLeaveIteration(c));
    const sure = diverts < 0 ? body : body.slice(0, diverts);
    sure.forEach(c => this.statement(c, scope));
    if (sure.length < body.length) {
      this.branches(scope, [() => body.slice(sure.length).forEach(c => this.statement(c, scope))], false);
    }
  }

  /** An iterable that surely yields something: `range` of integer literals with a count, a non-empty list or tuple literal. */
  private surelyIterates(nodes: SyntaxNode[], scope: Scope): boolean {
    if (nodes.length !== 1) {
      return false;
    }
    const node = nodes[0];
    if (node.name === 'ArrayExpression' || node.name === 'TupleExpression') {
      const items = children(node).filter(c => !['[', ']', '(', ')', ',', 'Comment'].includes(c.name));
      return items.length > 0 && items.every(c => c.name !== 'ArrayComprehensionExpression' && !this.text(c).startsWith('*'));
    }
    if (node.name !== 'CallExpression') {
      return false;
    }
    const [callee, args] = children(node);
    const fn = callee?.name === 'VariableName' ? this.text(callee) : '';
    if (args?.name !== 'ArgList' || (fn !== 'range' && fn !== 'enumerate') || this.boundHere(scope, fn)) {
      return false;
    }
    const values = children(args).filter(c => !['(', ')', ',', 'Comment'].includes(c.name));
    if (fn === 'enumerate') {
      return values.length === 1 && this.surelyIterates(values, scope);
    }
    const ints = values.map(v => integerLiteral(this.text(v)));
    if (ints.length === 0 || ints.length > 3 || ints.some(v => v === null)) {
      return false;
    }
    const [start, stop, step] = ints.length === 1 ? [0, ints[0]!, 1] : [ints[0]!, ints[1]!, ints[2] ?? 1];
    return step > 0 ? start < stop : step < 0 && start > stop;
  }

  /** A builtin name bound in the session by this cell (`range = …`): no longer the builtin. */
  private boundHere(scope: Scope, name: string): boolean {
    for (let s: Scope | null = scope; s !== null; s = s.parent) {
      if (s.locals.has(name) || ((s.flow?.get(name) ?? 0) & BOUND) !== 0) {
        return true;
      }
    }
    return false;
  }

  /** A statement that may end an iteration early: `break`, `continue`, `return` or `raise` in it, outside loops and definitions it holds. */
  private mayLeaveIteration(node: SyntaxNode): boolean {
    if (LEAVES_ITERATION.has(node.name)) {
      return true;
    }
    if (NESTED_SCOPES.has(node.name)) {
      if (node.name !== 'ForStatement' && node.name !== 'WhileStatement') {
        return false;
      }
      // A nested loop's own `break` and `continue` end only it; `return`/`raise` still leave, and
      // its `else` belongs to this iteration (`for j in xs: … break` / `else: continue`).
      const kids = children(node);
      const elseBody = kids.findIndex(k => k.name === 'else');
      return this.contains(node, ['ReturnStatement', 'RaiseStatement']) || (elseBody >= 0 && kids.slice(elseBody + 1).some(k => this.mayLeaveIteration(k)));
    }
    for (let c = node.firstChild; c !== null; c = c.nextSibling) {
      if (this.mayLeaveIteration(c)) {
        return true;
      }
    }
    return false;
  }

  private contains(node: SyntaxNode, names: string[]): boolean {
    const cursor = node.cursor();
    do {
      if (names.includes(cursor.name)) {
        return true;
      }
    } while (cursor.next() && cursor.from < node.to);
    return false;
  }

  private tryStatement(node: SyntaxNode, scope: Scope): void {
    const kids = children(node);
    const handlers: Array<() => void> = [];
    const raising: Array<() => void> = [];
    let tryBody: SyntaxNode | null = null;
    let elseBody: SyntaxNode | null = null;
    let finallyBody: SyntaxNode | null = null;
    let i = 0;
    while (i < kids.length) {
      const k = kids[i];
      if (k.name === 'try' && kids[i + 1]?.name === 'Body') {
        tryBody = kids[i + 1];
        i += 2;
      } else if (k.name === 'except') {
        let j = i + 1;
        const head: SyntaxNode[] = [];
        while (j < kids.length && kids[j].name !== 'Body') {
          head.push(kids[j++]);
        }
        const body = kids[j];
        // A handler that ends by raising again leaves the run failed: no path of a run that worked.
        const last = body === undefined ? null : children(body).filter(c => c.name !== ':').pop();
        (last?.name === 'RaiseStatement' ? raising : handlers).push(() => this.exceptHandler(head, body, scope));
        i = j + 1;
      } else if (k.name === 'else' && kids[i + 1]?.name === 'Body') {
        elseBody = kids[i + 1];
        i += 2;
      } else if (k.name === 'finally' && kids[i + 1]?.name === 'Body') {
        finallyBody = kids[i + 1];
        i += 2;
      } else {
        this.statement(k, scope);
        i++;
      }
    }
    // The body and `else` bind surely only when nothing was caught; a handler that ran instead
    // (`except Exception as e: print(e)`) bound only what it binds itself.
    const body = (): void => {
      if (tryBody !== null) {
        this.statements(tryBody, scope);
      }
      if (elseBody !== null) {
        this.statements(elseBody, scope);
      }
    };
    // Handlers that raise again are walked, from the same state, for what they read and may
    // bind before raising (the run failed then), not as a way the run worked.
    if (handlers.length > 0 || raising.length > 0) {
      this.branches(scope, [body, ...handlers], true, raising);
    } else {
      body();
    }
    if (finallyBody !== null) {
      this.statements(finallyBody, scope);
    }
  }

  private exceptHandler(head: SyntaxNode[], body: SyntaxNode | undefined, scope: Scope): void {
    const asIndex = head.findIndex(k => k.name === 'as' || k.name === ',');
    for (const k of asIndex < 0 ? head : head.slice(0, asIndex)) {
      this.expression(k, scope);
    }
    const bound = asIndex >= 0 ? head[asIndex + 1] : undefined;
    const name = bound?.name === 'VariableName' ? this.text(bound) : null;
    const owner = name !== null ? this.bindingScope(scope, name) : null;
    const previous = name !== null && owner !== null ? owner.flow!.get(name) : undefined;
    if (name !== null) {
      this.bind(scope, name);
    }
    if (body !== undefined) {
      this.statements(body, scope);
    }
    // Python deletes the exception name when the handler ends.
    if (name !== null && owner !== null) {
      this.setFlow(owner, name, previous);
    }
  }

  private withStatement(node: SyntaxNode, scope: Scope): void {
    const kids = children(node);
    // Past the first item, an exception raised by an item's expression or its `__enter__` may be
    // suppressed by one entered before it (`with suppress(OSError), open(p) as f:`): its target guarded.
    let item = 0;
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      if (k.name === ',' || k.name === 'TupleExpression') {
        // (`with (suppress(E), open(p) as f):` parses as a tuple before `as f`.)
        item++;
        if (k.name === 'TupleExpression') {
          this.expression(k, scope);
        }
      } else if (k.name === 'as') {
        const target = kids[i + 1];
        if (target !== undefined && target.name !== 'Body') {
          this.guarded += item > 0 ? 1 : 0;
          this.target(target, scope);
          this.guarded -= item > 0 ? 1 : 0;
          i++;
        }
      } else if (k.name === 'Body') {
        this.guarded++;
        try {
          this.statements(k, scope);
        } finally {
          this.guarded--;
        }
      } else if (k.name !== 'with' && k.name !== 'async') {
        this.expression(k, scope);
      }
    }
  }

  private matchStatement(node: SyntaxNode, scope: Scope): void {
    const kids = children(node);
    const body = kids.find(k => k.name === 'MatchBody');
    for (const k of kids) {
      if (k !== body && k.name !== 'match') {
        this.expression(k, scope);
      }
    }
    if (body === undefined) {
      return;
    }
    const clauses = children(body).filter(k => k.name === 'MatchClause');
    const paths = clauses.map(clause => () => {
      for (const k of children(clause)) {
        if (k.name === 'Guard') {
          this.expressions(k, scope);
        } else if (k.name === 'Body') {
          this.statements(k, scope);
        } else if (k.name !== 'case' && k.name !== ',') {
          this.pattern(k, scope);
        }
      }
    });
    const last = clauses[clauses.length - 1];
    const catchAll =
      last !== undefined &&
      last.getChild('Guard') === null &&
      children(last).filter(k => k.name !== 'case' && k.name !== 'Body').length === 1 &&
      last.getChild('CapturePattern') !== null;
    this.branches(scope, paths, catchAll);
  }

  private pattern(node: SyntaxNode, scope: Scope): void {
    switch (node.name) {
      case 'CapturePattern': {
        const v = node.getChild('VariableName');
        if (v !== null && this.text(v) !== '_') {
          this.bind(scope, this.text(v));
        }
        return;
      }
      case 'AsPattern': {
        const kids = children(node);
        const asIndex = kids.findIndex(k => k.name === 'as');
        kids.slice(0, asIndex < 0 ? kids.length : asIndex).forEach(k => this.pattern(k, scope));
        const v = asIndex >= 0 ? kids[asIndex + 1] : undefined;
        if (v?.name === 'VariableName') {
          this.bind(scope, this.text(v));
        }
        return;
      }
      case 'AttributePattern': {
        const v = node.firstChild;
        if (v?.name === 'VariableName') {
          this.read(scope, this.text(v));
        }
        return;
      }
      case 'ClassPattern':
        for (const k of children(node)) {
          if (k.name === 'VariableName') {
            this.read(scope, this.text(k));
          } else {
            this.pattern(k, scope);
          }
        }
        return;
      case 'KeywordPattern':
        // `x=pattern`: x names an attribute, not a variable.
        children(node)
          .slice(1)
          .forEach(k => this.pattern(k, scope));
        return;
      case 'MappingPattern': {
        const kids = children(node);
        for (let i = 0; i < kids.length; i++) {
          const k = kids[i];
          if (k.name === '**') {
            const rest = kids[i + 1];
            if (rest !== undefined) {
              this.pattern(rest, scope);
              i++;
            }
          } else if (k.name === 'VariableName') {
            this.read(scope, this.text(k));
          } else {
            this.pattern(k, scope);
          }
        }
        return;
      }
      case 'LiteralPattern':
        return;
      default:
        // SequencePattern, OrPattern, StarPattern, PatternArgList: patterns inside.
        for (const k of children(node)) {
          if (k.name === 'VariableName') {
            if (this.text(k) !== '_') {
              this.bind(scope, this.text(k));
            }
          } else {
            this.pattern(k, scope);
          }
        }
    }
  }

  private decorator(node: SyntaxNode, scope: Scope): void {
    let first = true;
    for (const k of children(node)) {
      if (k.name === 'VariableName') {
        if (first) {
          this.read(scope, this.text(k));
        }
        first = false;
      } else if (k.name === 'ArgList') {
        this.argList(k, scope);
      } else if (k.firstChild !== null) {
        this.expression(k, scope);
      }
    }
  }

  /**
   * Parameters: defaults and annotations are evaluated now, in the enclosing
   * scope; the names become locals of the function.
   */
  private parameters(list: SyntaxNode, outer: Scope, inner: Scope): void {
    const kids = children(list);
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      if (k.name === 'VariableName') {
        inner.locals.add(this.text(k));
      } else if (k.name === 'TypeDef') {
        this.expressions(k, outer);
      } else if (k.name === 'AssignOp') {
        const value = kids[i + 1];
        if (value !== undefined) {
          this.expression(value, outer);
          i++;
        }
      } else if (k.firstChild !== null) {
        this.expression(k, outer);
      }
    }
  }

  private functionDefinition(node: SyntaxNode, scope: Scope, decorators: SyntaxNode[]): void {
    decorators.forEach(d => this.decorator(d, scope));
    const kids = children(node);
    const nameNode = kids.find(k => k.name === 'VariableName');
    const name = nameNode !== undefined ? this.text(nameNode) : null;
    // `%timeit` code: runs now, binds only locals.
    const runsNow = name === TIMEIT_MARKER;
    const inner = new Scope('function', scope, runsNow ? scope.deferred : true);
    let body: SyntaxNode | null = null;
    for (const k of kids) {
      if (k.name === 'ParamList') {
        this.parameters(k, scope, inner);
      } else if (k.name === 'TypeParamList') {
        this.typeParams(k, inner);
      } else if (k.name === 'TypeDef') {
        this.expressions(k, scope);
      } else if (k.name === 'Body') {
        body = k;
      }
    }
    if (name !== null && !runsNow) {
      this.bind(scope, name);
      this.callableBound(scope, name);
    }
    if (body !== null) {
      this.statements(body, inner);
    }
    this.finish(inner);
  }

  private classDefinition(node: SyntaxNode, scope: Scope, decorators: SyntaxNode[]): void {
    decorators.forEach(d => this.decorator(d, scope));
    const kids = children(node);
    const nameNode = kids.find(k => k.name === 'VariableName');
    const inner = new Scope('class', scope, scope.deferred);
    for (const k of kids) {
      if (k.name === 'ArgList') {
        this.argList(k, scope);
      } else if (k.name === 'TypeParamList') {
        // Type parameters are visible in the class body; treat them as bound there.
        for (const p of children(k)) {
          const v = p.getChild('VariableName');
          if (v !== null) {
            inner.flow!.set(this.text(v), DEFINITE | BOUND);
          }
        }
      } else if (k.name === 'Body') {
        this.statements(k, inner);
      }
    }
    if (nameNode !== undefined) {
      this.bind(scope, this.text(nameNode));
      this.callableBound(scope, this.text(nameNode));
    }
  }

  /** `name` was just bound in `scope` to a function or class: its body reads globals when called. */
  private callableBound(scope: Scope, name: string): void {
    if (this.bindingScope(scope, name) === this.module && !scope.deferred) {
      this.callables.add(name);
    }
  }

  // ---- Expressions --------------------------------------------------------

  private expression(node: SyntaxNode, scope: Scope): void {
    switch (node.name) {
      case 'VariableName': {
        const name = this.text(node);
        (node.from === this.calleeAt ? this.calledNames : this.valueNames).add(name);
        this.read(scope, name);
        return;
      }
      case 'MemberExpression': {
        // `df["a"]` reads only key "a"; `df.a` may be a property of the whole (`df.shape`).
        const keyed = this.constantKey(node);
        if (keyed !== null && keyed.key[0] === '[') {
          this.keyedRef(scope, keyed.name, false, { kind: 'key-read', key: keyed.key });
          return;
        }
        const selected = this.columnSelection(node);
        if (selected !== null) {
          selected.keys.forEach(key => this.keyedRef(scope, selected.name, false, { kind: 'key-read', key }));
          selected.rest.forEach(n => this.expression(n, scope));
          return;
        }
        for (let c = node.firstChild; c !== null; c = c.nextSibling) {
          if (c.name !== 'PropertyName') {
            this.expression(c, scope);
          }
        }
        return;
      }
      case 'CallExpression':
        return this.call(node, scope);
      case 'ArgList':
        this.argList(node, scope);
        return;
      case 'LambdaExpression':
        return this.lambda(node, scope);
      case 'NamedExpression': {
        const kids = children(node);
        kids.slice(2).forEach(k => this.expression(k, scope));
        if (kids[0]?.name === 'VariableName') {
          this.walrus(this.text(kids[0]), scope, maybeEvaluated(node));
        }
        return;
      }
      case 'String':
      case 'Number':
      case 'Comment':
      case 'PropertyName':
        return;
      default:
        if (COMPREHENSIONS.has(node.name)) {
          const inner = children(node).filter(k => !isBracket(k.name));
          this.comprehension(inner, scope);
          return;
        }
        for (let c = node.firstChild; c !== null; c = c.nextSibling) {
          this.expression(c, scope);
        }
    }
  }

  /**
   * `x := v` binds in the nearest enclosing scope that is not a comprehension; `conditional`: the
   * expression may not be evaluated (see `maybeEvaluated`).
   */
  private walrus(name: string, scope: Scope, conditional: boolean): void {
    let target = scope;
    let inComprehension = false;
    while (target.kind === 'comprehension' && target.parent !== null) {
      target = target.parent;
      inComprehension = true;
    }
    // A comprehension may run its body zero times.
    this.bind(target, name, inComprehension || conditional);
  }

  private lambda(node: SyntaxNode, scope: Scope): void {
    const inner = new Scope('function', scope, true);
    let afterColon = false;
    for (const k of children(node)) {
      if (k.name === 'ParamList') {
        this.parameters(k, scope, inner);
      } else if (k.name === ':') {
        afterColon = true;
      } else if (afterColon) {
        this.expression(k, inner);
      }
    }
    this.finish(inner);
  }

  /**
   * The parts of a comprehension between its brackets: element, then `for`
   * and `if` clauses. The first iterable is evaluated in the enclosing scope.
   */
  private comprehension(parts: SyntaxNode[], scope: Scope): void {
    const firstFor = parts.findIndex(k => k.name === 'for' || k.name === 'async');
    if (firstFor < 0) {
      parts.forEach(k => this.expression(k, scope));
      return;
    }
    const inner = new Scope('comprehension', scope, scope.deferred);
    const element = parts.slice(0, firstFor);
    let i = firstFor;
    let firstIterable = true;
    while (i < parts.length) {
      const k = parts[i];
      if (k.name === 'for' || k.name === 'async') {
        let j = i + 1;
        const targets: SyntaxNode[] = [];
        while (j < parts.length && parts[j].name !== 'in') {
          if (parts[j].name !== 'for') {
            targets.push(parts[j]);
          }
          j++;
        }
        j++;
        const iterables: SyntaxNode[] = [];
        while (j < parts.length && parts[j].name !== 'for' && parts[j].name !== 'if' && parts[j].name !== 'async') {
          iterables.push(parts[j++]);
        }
        iterables.forEach(n => this.expression(n, firstIterable ? scope : inner));
        firstIterable = false;
        this.targets(targets, inner);
        i = j;
      } else if (k.name === 'if') {
        i++;
        while (i < parts.length && parts[i].name !== 'for' && parts[i].name !== 'if' && parts[i].name !== 'async') {
          this.expression(parts[i++], inner);
        }
      } else {
        this.expression(k, inner);
        i++;
      }
    }
    element.forEach(k => this.expression(k, inner));
    this.finish(inner);
  }

  /** Visit a call's arguments; returns them by position and keyword. */
  private argList(node: SyntaxNode, scope: Scope): CallArguments {
    const inner = children(node).filter(k => k.name !== '(' && k.name !== ')');
    const args: CallArguments = { positional: [], keywords: new Map(), count: 0 };
    if (inner.some(k => k.name === 'for')) {
      // A bare generator argument: `sum(x for x in xs)`.
      this.comprehension(inner, scope);
      args.count = 1;
      return args;
    }
    for (const group of splitCommas(inner)) {
      args.count++;
      const op = group[1];
      if (group[0].name === 'VariableName' && op?.name === 'AssignOp') {
        const name = this.text(group[0]);
        group.slice(2).forEach(k => this.expression(k, scope));
        if (this.text(op) === ':=') {
          this.walrus(name, scope, maybeEvaluated(group[0]));
          args.positional.push(group[0]);
        } else if (group[2] !== undefined) {
          args.keywords.set(name, group[2]);
        }
        continue;
      }
      if (group[0].name === '*' || group[0].name === '**') {
        group.slice(1).forEach(k => this.expression(k, scope));
        continue;
      }
      group.forEach(k => this.expression(k, scope));
      args.positional.push(group[0]);
    }
    return args;
  }

  /**
   * The variable at the base of an attribute/subscript chain (`df` in
   * `df.loc[0].x`), or null when the chain starts elsewhere or passes
   * through a call (whose result is a new object).
   */
  private rootOf(node: SyntaxNode): string | null {
    let n: SyntaxNode | null = node;
    while (n !== null && n.name === 'MemberExpression') {
      n = n.firstChild;
    }
    return n !== null && n.name === 'VariableName' ? this.text(n) : null;
  }

  /** The function name of a call at the base of a chain (`globals` in `globals()['x']`). */
  private baseCall(node: SyntaxNode): string | null {
    let n: SyntaxNode | null = node;
    while (n !== null && n.name === 'MemberExpression') {
      n = n.firstChild;
    }
    if (n !== null && n.name === 'CallExpression' && n.firstChild?.name === 'VariableName') {
      return this.text(n.firstChild);
    }
    return null;
  }

  /** `a.b.c` as ['a', 'b', 'c'] when the chain is attributes only, else null. */
  private dottedPath(node: SyntaxNode): string[] | null {
    const parts: string[] = [];
    let n: SyntaxNode | null = node;
    while (n !== null && n.name === 'MemberExpression') {
      const last: SyntaxNode | null = n.lastChild;
      if (last === null || last.name !== 'PropertyName') {
        return null;
      }
      parts.push(this.text(last));
      n = n.firstChild;
    }
    if (n === null || n.name !== 'VariableName') {
      return null;
    }
    parts.push(this.text(n));
    return parts.reverse();
  }

  private call(node: SyntaxNode, scope: Scope): void {
    const callee = node.firstChild;
    const argNode = node.getChild('ArgList');
    if (callee === null) {
      return;
    }
    // `y = df.pop("target")` reads and removes key "target" only, as `y = df["target"]`
    // then `del df["target"]` would (a string key: a dict or a frame, never a list). Not on
    // what a module holds (`environ.pop("X")` after `from os import environ` changes the process).
    let popped = this.keyPop(callee, argNode);
    if (popped !== null && this.moduleOf(scope, popped.name) !== null) {
      popped = null;
    }
    if (popped !== null) {
      const maybe = this.module.journals.length > 0;
      this.keyedRef(scope, popped.name, false, { kind: 'key-read', key: popped.key });
      this.keyedRef(scope, popped.name, false, { kind: 'store-base' });
      this.keyedRef(scope, popped.name, true, { kind: 'key-store', key: popped.key, maybe });
    }
    // A call of a function defined in the session (or of something computed)
    // may change anything. A builtin or an imported function changes nothing
    // but global state, and a method's effect on its object is judged by its
    // name (`mutationByCall`).
    if (
      callee.name === 'VariableName'
        ? !isPredefinedName(this.text(callee)) && this.moduleOf(scope, this.text(callee)) === null
        : callee.name !== 'MemberExpression'
    ) {
      this.changes++;
    }
    if (popped === null) {
      this.calleeAt = callee.name === 'VariableName' ? callee.from : -1;
      this.expression(callee, scope);
      this.calleeAt = -1;
    }
    const args = argNode !== null ? this.argList(argNode, scope) : { positional: [], keywords: new Map(), count: 0 };

    const dotted = this.dottedPath(callee);
    const written = dotted !== null ? dotted.join('.') : null;
    let modulePath: string | null = null;
    if (dotted !== null) {
      const mod = this.moduleOf(scope, dotted[0]);
      if (mod !== null) {
        modulePath = [mod, ...dotted.slice(1)].join('.');
      } else if (dotted.length === 1) {
        modulePath = dotted[0];
      }
    }
    const method = callee.name === 'MemberExpression' && callee.lastChild?.name === 'PropertyName' ? this.text(callee.lastChild) : null;
    const fnName = method ?? (callee.name === 'VariableName' ? this.text(callee) : null);
    const object = method !== null ? callee.firstChild : null;

    if (popped === null) {
      this.mutationByCall(scope, object, method, modulePath, args);
    }
    this.processCall(scope, modulePath, fnName, method, written, this.looksUp(node, [modulePath, written], args));
    this.randomnessAndTime(scope, written, modulePath, fnName, object, args);
    this.fileAccess(scope, modulePath, fnName, object, args);
    this.shellCall(scope, modulePath, args);

    if (modulePath === 'exec' || modulePath === 'execfile') {
      this.unknownDefines = true;
    }
  }

  /**
   * `os.system("pip install x")`, `subprocess.check_call([sys.executable, "-m", "pip", "install", "x"])`:
   * a shell command, as `!pip install x` is, when its text is written out (strings, and
   * `sys.executable` standing for `python`). In a function body it runs when the function is called.
   */
  private shellCall(scope: Scope, modulePath: string | null, args: CallArguments): void {
    const first = args.positional[0];
    if (scope.deferred || modulePath === null || !SHELL_CALLS.has(modulePath) || first === undefined) {
      return;
    }
    const word = (n: SyntaxNode): string | null =>
      n.name === 'String' ? this.stringValue(n) : this.modulePathOf(scope, n) === 'sys.executable' ? 'python' : null;
    let command: string | null = null;
    if (first.name === 'String') {
      command = this.stringValue(first);
    } else if (first.name === 'ArrayExpression' || first.name === 'TupleExpression') {
      const words = children(first)
        .filter(k => !isBracket(k.name) && k.name !== ',')
        .map(word);
      command = words.length > 0 && words.every(w => w !== null) ? words.join(' ') : null;
    }
    if (command !== null && command.trim() !== '') {
      this.effects.push({ kind: 'shell', command: command.trim() });
    }
  }

  /**
   * A call that only looks up what draws changed (`READS_NO_GENERATOR`): `pyro.param(name)` alone
   * (with an initial value it creates the parameter), `pyro.get_param_store()` only as the object
   * of a reading method (`.items()`; `.clear()`, `.load(p)` or a store into it change it).
   */
  private looksUp(node: SyntaxNode, paths: Array<string | null>, args: CallArguments): boolean {
    const path = paths.find(p => p !== null && READS_NO_GENERATOR.has(p));
    if (path === undefined) {
      return false;
    }
    if (path === 'pyro.param') {
      return args.positional.length === 1 && args.keywords.size === 0 && args.count === 1;
    }
    if (path === 'pyro.get_param_store') {
      const member = node.parent;
      // (Tree nodes are made on each access: compared by place.)
      const property = member?.name === 'MemberExpression' && member.firstChild?.from === node.from && member.firstChild.to === node.to ? member.lastChild : null;
      return property?.name === 'PropertyName' && STORE_READS.has(this.text(property)) && member!.parent?.name === 'CallExpression';
    }
    return true;
  }

  /**
   * Seeds (anywhere in the cell, also in a function it defines), calls into
   * random-number libraries, and calls that change the process.
   */
  private processCall(scope: Scope, modulePath: string | null, fnName: string | null, method: string | null, written: string | null, lookUp: boolean): void {
    if ((fnName !== null && SEED_FUNCTION_NAMES.has(fnName)) || (modulePath !== null && SEED_CALLS.has(modulePath))) {
      this.seeds = true;
    }
    // A call in a function body happens when the function is called (`CellEffects.callReads`).
    // As written too: `pyro` imported in another cell is no known alias.
    if (
      !scope.deferred &&
      ((method !== null && RANDOM_FILL_METHODS.has(method)) ||
        (!lookUp && [modulePath, written].some(path => path !== null && mayDraw(path))))
    ) {
      this.randomLibraryCalls = true;
    }
    if (!scope.deferred && lookUp) {
      this.readsRandomState = true;
    }
    if (modulePath !== null) {
      if (PROCESS_CALLS.has(modulePath)) {
        this.changesProcess = true;
      }
    }
    if ([modulePath, written].some(path => path !== null && IMPORT_CALLS.has(path))) {
      this.loadsModules = true;
    }
  }

  /** The module path a dotted expression stands for (`os.environ` → `os.environ`, `o.environ` after `import os as o`). */
  private modulePathOf(scope: Scope, node: SyntaxNode): string | null {
    const dotted = this.dottedPath(node);
    const mod = dotted === null ? null : this.moduleOf(scope, dotted[0]);
    return mod === null ? null : [mod, ...dotted!.slice(1)].join('.');
  }

  private mutationByCall(
    scope: Scope,
    object: SyntaxNode | null,
    method: string | null,
    modulePath: string | null,
    args: CallArguments
  ): void {
    if (modulePath !== null && ARGUMENT_MUTATORS.has(modulePath)) {
      const first = args.positional[0];
      const root = first !== undefined ? this.rootOf(first) : null;
      if (root !== null) {
        this.mutate(scope, root);
        this.surelyMutated.add(root);
      }
    }
    if (method === null || object === null) {
      return;
    }
    const root = this.rootOf(object);
    if (root === null) {
      const base = this.baseCall(object);
      if ((base === 'globals' || base === 'locals' || base === 'vars') && (method === 'update' || method === 'setdefault' || method === '__setitem__')) {
        this.unknownDefines = true;
      }
      return;
    }
    if (this.moduleOf(scope, root) !== null) {
      // Calls on a module change nothing worth replaying, except global state setters. numpy's
      // and random's seeds reset a generator whose draws the lists know (`seeds`, then draws
      // read it): were the seed also a change of the module, every later use of `np`, drawing
      // or not, would depend on the seeding run. A torch or TensorFlow seed stays a change of
      // the module: layers draw their initial weights in calls no list names.
      if (modulePath !== null && GLOBAL_STATE_SETTERS.has(modulePath) && !LISTED_DRAW_SEEDS.has(modulePath)) {
        this.mutate(scope, root);
        this.surelyMutated.add(root);
      }
      return;
    }
    let mutates: boolean;
    let guessed = false;
    if (MUTATING_METHODS.has(method)) {
      mutates = true;
    } else if (/^[A-Z]/.test(method)) {
      // `xgboost.XGBRegressor(...)`, `widgets.Play(...)`: a class reached
      // through a module imported in another cell (or any object) builds a
      // new object; it does not change the one it is looked up on.
      mutates = false;
    } else if (method === 'eval' && args.count === 0) {
      // `model.eval()` puts a torch module in evaluation mode (dropout off); pandas' `eval` takes
      // the expression to evaluate.
      mutates = true;
    } else if (INPLACE_METHODS.has(method)) {
      const inplace = args.keywords.get('inplace');
      mutates = inplace !== undefined && this.text(inplace) !== 'False';
    } else {
      mutates = !NON_MUTATING_METHODS.has(method);
      // A method no list knows: a guess, unless a module's state setter has that name.
      guessed = mutates && !SETTER_NAMES.has(method);
    }
    if (mutates) {
      this.mutate(scope, root);
      (guessed ? this.guessedMutated : this.surelyMutated).add(root);
    }
  }

  private randomnessAndTime(
    scope: Scope,
    written: string | null,
    modulePath: string | null,
    fnName: string | null,
    object: SyntaxNode | null,
    args: CallArguments
  ): void {
    // Whether a call is random or seeded is decided when it runs: not in a def.
    if (scope.deferred) {
      return;
    }
    const label = written ?? fnName ?? '';
    if (modulePath !== null) {
      const seeds = SEED_CALLS.get(modulePath);
      if (seeds !== undefined) {
        this.seeded.add(seeds);
        return;
      }
      const family = RANDOM_CALLS.get(modulePath) ?? (args.count === 0 ? RNG_CONSTRUCTORS.get(modulePath) : undefined);
      if (family !== undefined) {
        this.random(family, label);
        return;
      }
      if (TIME_CALLS.has(modulePath)) {
        this.effects.push({ kind: 'time', name: label });
        return;
      }
    }
    if (written !== null && TIME_CALL_SUFFIXES.some(s => written === s || written.endsWith('.' + s))) {
      this.effects.push({ kind: 'time', name: written });
      return;
    }
    if (fnName !== null && RANDOM_STATE_CALLS.has(fnName)) {
      // `df.sample(3)` draws; a bare or module `sample` is someone else's function.
      const root = object !== null ? this.rootOf(object) : null;
      const sampleOfData = object !== null && (root === null || this.moduleOf(scope, root) === null);
      const state = args.keywords.get('random_state');
      const unseeded = state === undefined || this.text(state) === 'None';
      if (unseeded && (fnName !== 'sample' || sampleOfData)) {
        this.random('numpy', label);
      }
    }
  }

  private random(family: RngFamily, name: string): void {
    if (family !== 'unseedable' && (this.seeded.has(family) || this.seeded.has('all'))) {
      return;
    }
    this.effects.push({ kind: 'randomness', name });
  }

  private fileAccess(
    scope: Scope,
    modulePath: string | null,
    fnName: string | null,
    object: SyntaxNode | null,
    args: CallArguments
  ): void {
    const pathArg = (index: number): string | null => {
      const node = args.positional[index];
      if (node !== undefined) {
        return this.literalPath(node);
      }
      for (const [k, v] of args.keywords) {
        if (PATH_KEYWORDS.has(k)) {
          return this.literalPath(v);
        }
      }
      return null;
    };
    const record = (kind: 'file-read' | 'file-write', path: string | null): void => {
      if (path !== null) {
        this.effects.push({ kind, path });
      }
    };
    const byMode = (path: string | null, modeNode: SyntaxNode | undefined, defaultMode: string): void => {
      const mode = modeNode !== undefined ? this.literalPath(modeNode) : defaultMode;
      if (mode === null) {
        return;
      }
      // 'w+' truncates first: it reads nothing that was there before.
      if (mode.includes('r') || (mode.includes('+') && !mode.includes('w') && !mode.includes('x'))) {
        record('file-read', path);
      }
      if (mode.includes('w') || mode.includes('a') || mode.includes('x') || mode.includes('+')) {
        record('file-write', path);
      }
    };
    if (modulePath !== null && (OPEN_CALLS.has(modulePath) || modulePath === 'h5py.File')) {
      byMode(pathArg(0), args.positional[1] ?? args.keywords.get('mode'), 'r');
      return;
    }
    const objectPath = object !== null ? this.literalPath(object, true) : null;
    if (objectPath !== null && fnName !== null) {
      // Path('x').read_text(), Path('x').open('w')
      if (fnName === 'read_text' || fnName === 'read_bytes') {
        record('file-read', objectPath);
        return;
      }
      if (fnName === 'write_text' || fnName === 'write_bytes') {
        record('file-write', objectPath);
        return;
      }
      if (fnName === 'open') {
        byMode(objectPath, args.positional[0] ?? args.keywords.get('mode'), 'r');
        return;
      }
    }
    if (modulePath !== null && FILE_READ_CALLS.has(modulePath)) {
      record('file-read', pathArg(0));
      return;
    }
    const writeIndex = modulePath !== null ? FILE_WRITE_CALLS.get(modulePath) : undefined;
    if (writeIndex !== undefined) {
      record('file-write', pathArg(writeIndex));
      return;
    }
    if (fnName === null) {
      return;
    }
    if (FILE_READ_NAMES.has(fnName)) {
      record('file-read', pathArg(0));
    } else if (FILE_WRITE_NAMES.has(fnName)) {
      record('file-write', pathArg(0));
    } else if (fnName === 'save' && object !== null) {
      const root = this.rootOf(object);
      if (root === null || this.moduleOf(scope, root) === null) {
        // model.save('model.h5'), workbook.save('out.xlsx')
        record('file-write', pathArg(0));
      }
    }
  }

  /**
   * The path a literal expression spells: a string, `Path('a')`,
   * `os.path.join('a', 'b')`, `Path('a') / 'b'`. Null when not literal.
   * `pathOnly` accepts only Path-like constructions (for `Path('x').read_text()`).
   */
  private literalPath(node: SyntaxNode, pathOnly = false): string | null {
    switch (node.name) {
      case 'String':
        return pathOnly ? null : this.stringValue(node);
      case 'ContinuedString': {
        if (pathOnly) {
          return null;
        }
        let s = '';
        for (const k of children(node)) {
          const v = k.name === 'String' ? this.stringValue(k) : null;
          if (v === null) {
            return null;
          }
          s += v;
        }
        return s;
      }
      case 'ParenthesizedExpression': {
        const inner = children(node).find(k => !isBracket(k.name));
        return inner !== undefined ? this.literalPath(inner, pathOnly) : null;
      }
      case 'BinaryExpression': {
        const kids = children(node);
        if (kids.length === 3 && kids[1].name === 'ArithOp' && this.text(kids[1]) === '/') {
          const left = this.literalPath(kids[0], true);
          const right = this.literalPath(kids[2]);
          return left !== null && right !== null ? `${left}/${right}` : null;
        }
        return null;
      }
      case 'CallExpression': {
        const callee = node.firstChild;
        const argNode = node.getChild('ArgList');
        const dotted = callee !== null ? this.dottedPath(callee) : null;
        if (dotted === null || argNode === null) {
          return null;
        }
        const fn = dotted[dotted.length - 1];
        const isJoin = dotted.length >= 2 && fn === 'join' && dotted[dotted.length - 2] === 'path';
        if (!(fn === 'Path' || fn === 'PurePath' || fn === 'PosixPath' || isJoin)) {
          return null;
        }
        const parts: string[] = [];
        for (const group of splitCommas(children(argNode).filter(k => k.name !== '(' && k.name !== ')'))) {
          const v = group.length === 1 ? this.literalPath(group[0]) : null;
          if (v === null) {
            return null;
          }
          parts.push(v);
        }
        return parts.length > 0 ? parts.join('/') : null;
      }
      default:
        return null;
    }
  }

  /** The value of a plain string literal (no f-string replacements). */
  private stringValue(node: SyntaxNode): string | null {
    const raw = this.text(node);
    let i = 0;
    let isRaw = false;
    while (i < raw.length && raw[i] !== '"' && raw[i] !== "'") {
      if (raw[i] === 'r' || raw[i] === 'R') {
        isRaw = true;
      }
      i++;
    }
    const q = raw.startsWith('"""', i) || raw.startsWith("'''", i) ? 3 : 1;
    const body = raw.slice(i + q, raw.length - q);
    if (isRaw || !body.includes('\\')) {
      return body;
    }
    let out = '';
    for (let k = 0; k < body.length; k++) {
      if (body[k] === '\\' && k + 1 < body.length) {
        const next = body[k + 1];
        out += next === 'n' ? '\n' : next === 't' ? '\t' : next;
        k++;
      } else {
        out += body[k];
      }
    }
    return out;
  }
}

/** Walk a parsed cell. */
/** Last names of the module state setters (`seed`, `set_option`, `use`): never a guess. */
const SETTER_NAMES: ReadonlySet<string> = new Set(Array.from(GLOBAL_STATE_SETTERS, p => p.slice(p.lastIndexOf('.') + 1)));

/** Builtins that reach names through strings. */
const DYNAMIC_LOOKUPS = ['globals', 'locals', 'vars', 'eval', 'exec'];

export function walkScopes(source: string, tree: Tree): ScopeWalkResult {
  return new Walker(source).walk(tree);
}

/** Tests that hold in every kernel: `True`, `__name__ == '__main__'` (either side). */
const SURELY_TRUE = /^(?:True|__name__\s*==\s*(['"])__main__\1|(['"])__main__\2\s*==\s*__name__)$/;
const LEAVES_ITERATION = new Set(['BreakStatement', 'ContinueStatement', 'ReturnStatement', 'RaiseStatement']);
/**
 * An immutable literal the compiler keeps with the code (`15`, `-1.5`, `'pg'`, `None`, a tuple
 * of those): evaluating it makes no new object at run time.
 */
function constantValue(node: SyntaxNode): boolean {
  switch (node.name) {
    case 'Number':
    case 'String':
    case 'Boolean':
    case 'None':
    case 'Ellipsis':
      return true;
    case 'ContinuedString':
    case 'UnaryExpression':
    case 'ParenthesizedExpression':
    case 'TupleExpression':
      return children(node).every(k => CONSTANT_PUNCTUATION.has(k.name) || constantValue(k));
    default:
      return false;
  }
}
const CONSTANT_PUNCTUATION = new Set(['(', ')', '[', ']', '{', '}', ',', 'ArithOp']);

/** `a, *rest = …` binds a new list to rest. */
function hasStarred(node: SyntaxNode): boolean {
  return node.name === '*' || children(node).some(hasStarred);
}

const NESTED_SCOPES = new Set(['ForStatement', 'WhileStatement', 'FunctionDefinition', 'ClassDefinition', 'DecoratedStatement', 'LambdaExpression']);

/** `5`, `-1`, `1_000`, `0x10`: its value; anything else (a float, a name): null. */
function integerLiteral(text: string): number | null {
  const t = text.replace(/[_\s]/g, '');
  if (!/^-?(?:\d+|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)$/.test(t)) {
    return null;
  }
  const negative = t.startsWith('-');
  const v = Number(negative ? t.slice(1) : t);
  return Number.isSafeInteger(v) ? (negative ? -v : v) : null;
}
