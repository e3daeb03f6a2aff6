/**
 * The vocabulary shared by the analysis engine: what one cell's code does to
 * the kernel's global namespace, and the runs the canonical order is built from.
 *
 * Plain TypeScript: no JupyterLab import, so it runs and benchmarks in Node.
 */

/** What static analysis learns from one cell source. */
export interface CellEffects {
  /** Module-level names the code certainly binds (assignment, def, class, import, for target, ...). */
  defines: string[];
  /**
   * Names bound only on some paths: `if` without `else` (or not in every
   * branch), `for`/`while` bodies, `except` handlers, walrus in comprehensions.
   * (`try` and `with` bodies bind definitely; see src/analysis/python-scope.ts.)
   */
  mayDefine: string[];
  /** Free module-level names read before (or without) being bound in this cell. */
  uses: string[];
  /**
   * Builtin names (`len`, `filter`, `max`, ...) read without being bound in this
   * cell. Not uses, unless another cell shadows them (`filter = df.a > 0`).
   */
  builtinUses?: string[];
  /** Names removed with `del`. */
  deletes: string[];
  /** Names possibly mutated in place (attribute/subscript assignment, method calls, augmented assignment of attributes). */
  mutates: string[];
  /**
   * Names in `mutates` only through calls of methods no list knows
   * (`xgboost.plot_importance(m)` when `xgboost` was imported in another
   * cell): on an object it may be a change; on a module it is not.
   */
  guessedMutates?: string[];
  /** Module-level names whose binding at the end of the cell is an import. */
  imports?: string[];
  /**
   * For each name in `imports`: the module it stands for, as its import statements loaded it
   * (`import a.b as c`: c → `a.b`; `from a import b`: b → `a.b`; `import a.b, a.c`: a → `a.b,a.c`,
   * another value than `import a`).
   */
  importedModules?: Record<string, string>;
  /** Module-level names bound to a function, class or lambda (their bodies read globals when called). */
  callables?: string[];
  /**
   * Names (not bound by the cell) whose only changes here are stores to
   * constant keys or attributes: `df["a"] = …` → `["a"`, `obj.x = …` → `.x`
   * (also `del df["a"]`, `df["a"] += 1`). `maybe`: only on some paths. A name
   * changed any other way (`df.drop(…, inplace=True)`) is not listed. Such
   * names are also in `mutates`.
   */
  keyedStores?: Record<string, KeyedStore[]>;
  /**
   * Names in `uses` read only through constant subscripts (`df["a"]`, keys
   * as in `keyedStores`) or as the base of keyed stores; the keys read. A
   * name read any other way (`df.groupby(…)`, `df.shape`, `f(df)`) is not listed.
   */
  keyedReads?: Record<string, string[]>;
  /** The cell calls a seeding function (`np.random.seed(0)`, `torch.manual_seed`, `seed_everything`). */
  seeds?: boolean;
  /** The cell calls into a random-number library (`torch.randn`, `pyro.sample`, `np.random.rand`). */
  randomLibraryCalls?: boolean;
  /**
   * The cell looks up state that a random-number library's draws change, without drawing
   * (`pyro.param('mu')` after training): it reads that state and leaves it as it was.
   */
  readsRandomState?: boolean;
  /**
   * 'barrier': the cell changes the process for later runs in ways no name
   * shows (working directory, environment variables, `sys.path`); 'install':
   * it installs packages and changes the process no other way; 'setup': it
   * only sets up the session (`%matplotlib`, `%load_ext`, `%config`).
   */
  environment?: 'barrier' | 'install' | 'setup' | null;
  /**
   * The package installs and removals the cell runs (`!pip install -U nltk`,
   * `%pip uninstall x`, `conda install y`), as typed less the `!`/`%` and extra spaces. When
   * they are its only change to the process, `environment` is 'install': only
   * what later imports load can differ.
   */
  installs?: string[];
  /**
   * The cell imports a module somewhere (any scope, also in a function body)
   * or calls `__import__`/`importlib.import_module`: it loads what the
   * installed packages provide.
   */
  loadsModules?: boolean;
  /**
   * Names the cell surely binds and then deletes (`a = big(); …; del a`):
   * the `del` reads nothing of them from the session.
   */
  temporaries?: string[];
  /**
   * Names the cell binds once, by a top-level statement that surely runs, to an immutable literal
   * the compiler keeps with the code (`order = 15`, `USER = 'pg'`, a loop over `[3, 6, 15]`), and
   * does not delete: a run that leaves one holding the very object it held (the tracer reports no
   * change) left its value as it was. (Bound twice, `x = None; x = -1.5`, the second constant,
   * made when IPython compiles its statement, may take the address the first binding freed.)
   */
  constantBindings?: string[];
  /** Globals the functions and classes the cell defines bind or delete when called (`global x`). */
  globalBindings?: string[];
  /**
   * Names in `defines` bound surely only where a run may still not bind them: in a `with` body (a
   * context manager may suppress an exception raised before the binding: `with
   * suppress(ImportError): import foo`), or as the target of a loop over something that may be
   * empty (`for row in rows:`). The tracer tells whether a run bound them.
   */
  guardedBindings?: string[];
  /**
   * When the cell only defines functions or classes (and imports): the names
   * read while defining them (decorators, defaults, bases), not those their
   * bodies read when called. Absent otherwise.
   */
  definitionReads?: string[];
  /** `from x import *` or an unknown magic: the cell may define names we cannot see. */
  unknownDefines: boolean;
  /**
   * The top-level statements as typed, without comments or blank lines (see
   * `analyzeCell`): an edit that changed none of those that bind or change
   * what later runs read does not change the state.
   */
  statements?: string[];
  /**
   * The indices in `statements` of those that surely only show something: `print`, `display` or
   * `plt.*` of what they are given, formatted by `len`, `round`, `str`, ... (as
   * `CallReads.computing`), or a value that calls nothing (`xi`, `df.shape`).
   */
  shows?: number[];
  /**
   * For each function the cell defines at top level: the globals its body
   * reads when called, apart from the statements that only show something
   * (`plt.plot(x, data)`, `print(y)`: no binding, no change, no file, no
   * draw), whose reads are listed apart, one list per statement (a call of a
   * function the session defined may still change something).
   */
  callReads?: Record<string, CallReads>;
  /**
   * For each class the cell defines at top level: what a call of it (its construction) may do
   * to the random stream, for the order to tell `net = Net(4, 3)` that draws nothing from
   * `nn.Linear(4, 3)` that draws.
   */
  classCalls?: Record<string, ClassCall>;
  /**
   * The cell is one expression statement that calls something reached through this name
   * (`findspark.init()`, `load_dotenv()`, `a.b(1).c()`): the name.
   */
  callRoot?: string;
  /**
   * Names the code (any scope, as written) only calls (`f(x)`), never uses another way
   * (`handlers = [f]`, `lru_cache(f)`, `g = f`, `f.cache`): no reference to what they hold is kept.
   */
  calledOnly?: string[];
  /**
   * IPython rewrote part of the cell (a magic, a shell escape, a magic typed without `%`, a help
   * request): code runs for it that is not in its statements' bytecode (`%time z = x + 1` runs
   * `z = x + 1` itself, `!echo {word}` reads `word`), and such a statement may end without
   * binding what it names (`%time` of IPython before 9 prints the error and goes on).
   */
  ipythonSyntax?: boolean;
  /**
   * Names the cell's shell escapes expand (`!wget $url`, `out = !ls {folder}`): read from the
   * session when there, left to the shell as typed when not (`$HOME`).
   */
  shellReads?: string[];
  /**
   * A top-level statement is an `if`, `for`, `while`, `try`, `with` or `match`: it may end without
   * having bound a name listed in `defines` (a loop over nothing, a `with suppress(KeyError)` body
   * cut short).
   */
  controlFlow?: boolean;
  /** Side effects that matter for reproducibility. */
  effects: CellEffect[];
  /** The source did not parse completely; the result covers what could be analysed. */
  parseError: boolean;
}

export interface CallReads {
  reads: string[];
  shown: string[][];
  /** The body seeds, draws or calls a random-number library (a call of the function may draw). */
  draws?: boolean;
  /**
   * The function's text up to its body (decorators, name, parameters, defaults), and its body's
   * statements as typed: two versions with the same header whose bodies differ only in
   * statements that show something compute the same when called.
   */
  header: string;
  body: string[];
  /**
   * The body's statements that may compute something: all but those that surely only show
   * (`print`, `display` or `plt.*` of what they are given, formatted by `len`, `round`, `str`, ...).
   * A `print(loss)` added to a function leaves them as they were.
   */
  computing: string[];
  /** A statement of the body augments a plain name (`arr += x`): a parameter, changed in place for arrays and lists. */
  augments?: boolean;
}

/**
 * What a class's construction may run, as its text tells: the order follows `__init__` (`__new__`,
 * `__post_init__`) and what they call on `self` through the class and its bases, and judges each
 * name they call as the session bound it (`CanonicalOrderEngine`).
 */
export interface ClassCall {
  /** A decorator other than `@dataclass` wraps the class: its construction may do anything. */
  decorated?: boolean;
  /** The bases, dotted as written (`nn.Module`, `Base`); `*` for anything else (`metaclass=M`, a call). */
  bases: string[];
  /** The methods the class body defines (a name defined again, as a property's setter, keyed `name@offset`). */
  methods: Record<string, MethodCall>;
  /** The class body's other statements (a dataclass field's `default_factory`). */
  body: MethodCall;
}

export interface MethodCall {
  /**
   * By its text, it may draw: a seed, a call into a random-number library by a known alias, a
   * function or class defined inside, or what it is given called, iterated or asked to do
   * something (`G(loader)`, `G(torch.randn)`).
   */
  draws?: boolean;
  /** Global names, dotted as written, it calls (`Linear`, `nn.Parameter`) or references otherwise (`torch.randn` handed on). */
  calls: string[];
  refs: string[];
  /** What it calls on its first parameter (`self.reset()`, `self.layer(x)`): a method, or something stored on it. */
  selfCalls: string[];
  /** Other names it calls as attributes (`super().reset()`, `type(self).init(self)`): a method of the class, maybe. */
  attributeCalls: string[];
  /** Defined under a decorator (`@property`, `@w.setter`): run by an attribute read or store. */
  decorated?: boolean;
}

export interface KeyedStore {
  key: string;
  maybe: boolean;
  /**
   * The cell's only store to the key converts the key's own value in a way that, applied again,
   * leaves it as it is (`df["t"] = pd.to_datetime(df["t"])`, `.astype(float)`,
   * `.fillna(0)`, `.str.lower()`): the conversion and what it depends on, else absent.
   */
  conversion?: string;
}

export type CellEffect =
  | { kind: 'shell'; command: string }
  | { kind: 'randomness'; name: string }
  | { kind: 'time'; name: string }
  | { kind: 'file-read'; path: string }
  | { kind: 'file-write'; path: string }
  | { kind: 'opaque-magic'; magic: string };

/** What the kernel tracer observed during one run (when the kernel is IPython). */
export interface TracedEffects {
  added: string[];
  rebound: string[];
  deleted: string[];
  mutated: string[];
  /** Global names whose value was read during the run (if the tracer reports it). */
  read?: string[];
  filesRead: string[];
  filesWritten: string[];
}

/** One run as the analysis sees it. */
export interface AnalysisRun {
  /** Position of the run in the kernel session (0-based, increasing). */
  index: number;
  /** Cell the run belongs to, or null for console input. */
  cellId: string | null;
  /** Code exactly as executed. */
  code: string;
  executionCount: number | null;
  status: 'ok' | 'error' | 'interrupted' | 'aborted';
  traced?: TracedEffects;
}

/** A notebook cell as it is now. */
export interface AnalysisCell {
  id: string;
  /** 'code' cells are analysed; others only keep positions. */
  type: 'code' | 'markdown' | 'raw';
  source: string;
}
