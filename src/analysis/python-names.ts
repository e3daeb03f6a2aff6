/**
 * Names the def/use analysis must know without seeing them bound: Python
 * builtins, the names IPython puts in every namespace, and the aliases data
 * scientists conventionally give to modules.
 *
 * Plain TypeScript: no JupyterLab import, so it runs and benchmarks in Node.
 */

/** Python 3 builtins (`dir(builtins)`): reading them needs no earlier cell. */
export const PYTHON_BUILTINS: ReadonlySet<string> = new Set(
  (
    'ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup ' +
    'BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError ' +
    'ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError ' +
    'DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception ' +
    'ExceptionGroup False FileExistsError FileNotFoundError FloatingPointError FutureWarning ' +
    'GeneratorExit IOError ImportError ImportWarning IndentationError IndexError ' +
    'InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ' +
    'ModuleNotFoundError NameError None NotADirectoryError NotImplemented NotImplementedError ' +
    'OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError ' +
    'RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning ' +
    'StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError SystemExit ' +
    'TabError TimeoutError True TypeError UnboundLocalError UnicodeDecodeError ' +
    'UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning ' +
    'ValueError Warning ZeroDivisionError __build_class__ __debug__ __doc__ __import__ ' +
    '__loader__ __name__ __package__ __spec__ __builtins__ __file__ abs aiter all anext any ' +
    'ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex ' +
    'copyright credits delattr dict dir divmod enumerate eval exec exit filter float format ' +
    'frozenset getattr globals hasattr hash help hex id input int isinstance issubclass iter ' +
    'len license list locals map max memoryview min next object oct open ord pow print ' +
    'property quit range repr reversed round set setattr slice sorted staticmethod str sum ' +
    'super tuple type vars zip'
  ).split(' ')
);

/** Names IPython defines in the user namespace of every kernel session. */
const IPYTHON_NAMES: ReadonlySet<string> = new Set([
  'display',
  'get_ipython',
  'In',
  'Out',
  'exit',
  'quit',
  '_',
  '__',
  '___',
  '_i',
  '_ii',
  '_iii',
  '_ih',
  '_oh',
  '_dh',
  '_sh'
]);

function isAllDigits(s: string, from: number): boolean {
  if (from >= s.length) {
    return false;
  }
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) {
      return false;
    }
  }
  return true;
}

/**
 * True for the output and input cache names IPython maintains (`_`, `__`,
 * `_i`, `_5`, `_i5`, `Out`, ...): they change with every run, so a cell reading
 * them depends on no other cell, and a cell binding them defines nothing a
 * later cell could rely on.
 */
export function isIPythonName(name: string): boolean {
  if (IPYTHON_NAMES.has(name)) {
    return true;
  }
  if (name.charCodeAt(0) !== 95 /* _ */) {
    return false;
  }
  return isAllDigits(name, 1) || (name.charCodeAt(1) === 105 /* i */ && isAllDigits(name, 2));
}

/** A builtin or IPython name: never a use of another cell (unless some cell shadows it). */
export function isPredefinedName(name: string): boolean {
  return PYTHON_BUILTINS.has(name) || isIPythonName(name);
}

/**
 * Conventional module aliases and module names, mapped to the module they
 * usually stand for. Analysis is per cell, so a cell calling `np.random.seed`
 * usually imported `np` in another cell; this list lets it know `np` is a module.
 */
export const COMMON_MODULE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['np', 'numpy'],
  ['numpy', 'numpy'],
  ['pd', 'pandas'],
  ['pandas', 'pandas'],
  ['plt', 'matplotlib.pyplot'],
  ['mpl', 'matplotlib'],
  ['matplotlib', 'matplotlib'],
  ['sns', 'seaborn'],
  ['seaborn', 'seaborn'],
  ['tf', 'tensorflow'],
  ['tensorflow', 'tensorflow'],
  ['keras', 'keras'],
  ['K', 'keras.backend'],
  ['torch', 'torch'],
  ['nn', 'torch.nn'],
  ['F', 'torch.nn.functional'],
  ['optim', 'torch.optim'],
  ['jax', 'jax'],
  ['jnp', 'jax.numpy'],
  ['sklearn', 'sklearn'],
  ['scipy', 'scipy'],
  ['sp', 'scipy'],
  ['stats', 'scipy.stats'],
  ['sm', 'statsmodels.api'],
  ['smf', 'statsmodels.formula.api'],
  ['xgb', 'xgboost'],
  ['lgb', 'lightgbm'],
  ['px', 'plotly.express'],
  ['go', 'plotly.graph_objects'],
  ['pio', 'plotly.io'],
  ['alt', 'altair'],
  ['cv2', 'cv2'],
  ['nx', 'networkx'],
  ['pl', 'polars'],
  ['xr', 'xarray'],
  ['gpd', 'geopandas'],
  ['dd', 'dask.dataframe'],
  ['tqdm', 'tqdm'],
  ['os', 'os'],
  ['sys', 'sys'],
  ['re', 're'],
  ['json', 'json'],
  ['math', 'math'],
  ['random', 'random'],
  ['time', 'time'],
  ['datetime', 'datetime'],
  ['dt', 'datetime'],
  ['collections', 'collections'],
  ['itertools', 'itertools'],
  ['functools', 'functools'],
  ['pathlib', 'pathlib'],
  ['glob', 'glob'],
  ['shutil', 'shutil'],
  ['subprocess', 'subprocess'],
  ['pickle', 'pickle'],
  ['joblib', 'joblib'],
  ['csv', 'csv'],
  ['logging', 'logging'],
  ['warnings', 'warnings'],
  ['requests', 'requests'],
  ['string', 'string'],
  ['statistics', 'statistics'],
  ['copy', 'copy'],
  ['uuid', 'uuid'],
  ['secrets', 'secrets'],
  ['heapq', 'heapq'],
  ['bisect', 'bisect'],
  ['typing', 'typing'],
  ['io', 'io'],
  ['gc', 'gc'],
  ['locale', 'locale'],
  ['nltk', 'nltk'],
  ['spacy', 'spacy'],
  ['PIL', 'PIL'],
  ['Image', 'PIL.Image'],
  ['h5py', 'h5py'],
  ['ipywidgets', 'ipywidgets'],
  ['widgets', 'ipywidgets']
]);
