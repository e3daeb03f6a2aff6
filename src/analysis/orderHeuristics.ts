/**
 * Code-level heuristics the canonical order needs on top of `CellEffects`:
 * which runs change the process environment (working directory, sys.path,
 * installs) or only set up the session (`%matplotlib`), which cells seed a
 * random generator, and which names a cell binds to functions or classes
 * (whose bodies read globals when called, not when defined).
 *
 * These are cheap line-level scans of one source; results are cached by the
 * caller per source text.
 */

/**
 * The code with the text of comments and string literals blanked (same
 * length, newlines kept), so line scans see only code: `# os.chdir(...)` or
 * a docstring mentioning `seed(` no longer count.
 */
export function maskCommentsAndStrings(code: string): string {
  const out = code.split('');
  const n = code.length;
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) {
      if (out[k] !== '\n') {
        out[k] = ' ';
      }
    }
  };
  while (i < n) {
    const c = code[i];
    if (c === '#') {
      const end = code.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      const triple = code.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let k = i + quote.length;
      while (k < n) {
        if (code[k] === '\\') {
          k += 2;
        } else if (code.startsWith(quote, k)) {
          break;
        } else if (!triple && code[k] === '\n') {
          break;
        } else {
          k++;
        }
      }
      const stop = Math.min(n, code.startsWith(quote, k) ? k + quote.length : k);
      // Keep the quotes, blank the contents.
      blank(i + quote.length, Math.max(i + quote.length, stop - (code.startsWith(quote, k) ? quote.length : 0)));
      i = stop;
    } else {
      i++;
    }
  }
  return out.join('');
}

/** Names bound by `import` / `from ... import` statements (any indentation, e.g. inside `try:`). */
export function importedNames(code: string): string[] {
  if (code.indexOf('import') < 0) {
    return [];
  }
  const out: string[] = [];
  const add = (list: string, fromForm: boolean): void => {
    for (const part of list.replace(/[()\\]/g, ' ').split(',')) {
      const p = part.trim().split(/\s+as\s+/);
      const name = (p[1] ?? (fromForm ? p[0] : p[0].split('.')[0])).trim();
      if (/^\w+$/.test(name)) {
        out.push(name);
      }
    }
  };
  // `from x import (a,\n b)` spans lines: take the parenthesised list whole.
  const text = code.replace(/^(\s*from\s+\S+\s+import\s*)\(([^)]*)\)/gm, (_m, head: string, list: string) => {
    add(list, true);
    return head + '*';
  });
  for (const raw of text.split(/\r?\n|;/)) {
    const line = raw.replace(/#.*$/, '').trim();
    let m = /^import\s+(.+)$/.exec(line);
    if (m) {
      add(m[1], false);
      continue;
    }
    m = /^from\s+\S+\s+import\s+(.+)$/.exec(line);
    if (m && m[1].trim() !== '*') {
      add(m[1], true);
    }
  }
  return out;
}

/** Names bound at module level by `def` / `class` (their bodies read globals at call time). */
export function callableNames(code: string): string[] {
  const out: string[] = [];
  const re = /^(?:async\s+)?(?:def|class)\s+(\w+)/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(code)) !== null) {
    out.push(m[1]);
  }
  const lam = /^(\w+)\s*=\s*lambda\b/gm;
  while ((m = lam.exec(code)) !== null) {
    out.push(m[1]);
  }
  return out;
}

export type EnvKind = 'barrier' | 'setup' | null;

/**
 * Runs that change the process rather than the namespace. 'barrier': working
 * directory, sys.path, environment variables, package installs: later runs may
 * depend on them in ways no name shows, and they are not idempotent (`%cd ..`),
 * so they keep their place in time. 'setup': idempotent session settings
 * (`%matplotlib inline`, `%load_ext`, `%autoreload`, `%config`).
 */
export function envKind(code: string): EnvKind {
  if (
    /^\s*%(?:cd|env|set_env|pip|conda)\b/m.test(code) ||
    /^\s*!\s*(?:pip3?|conda|python3?\s+-m\s+pip)\s+install\b/m.test(code) ||
    /\bos\s*\.\s*(?:chdir|putenv)\s*\(/.test(code) ||
    /\bos\s*\.\s*environ\s*\[[^\]\n]*\]\s*=(?!=)/.test(code) ||
    /\bos\s*\.\s*environ\s*\.\s*(?:update|setdefault)\s*\(/.test(code) ||
    /\bsys\s*\.\s*path\s*\.\s*(?:append|insert|extend)\s*\(/.test(code)
  ) {
    return 'barrier';
  }
  if (/^\s*%(?:matplotlib|load_ext|autoreload|config|precision|reload_ext)\b/m.test(code)) {
    return 'setup';
  }
  return null;
}

/** The run seeds a global random generator (numpy, random, torch, tf, pyro, ...). */
export function seedsRandomness(code: string): boolean {
  return /(?:^|[^\w])(?:seed|manual_seed|manual_seed_all|set_seed|set_random_seed|set_rng_seed|seed_everything)\s*\(/.test(
    code
  );
}

/** Python and IPython names that exist in a fresh kernel without any run. */
export const BUILTIN_NAMES: ReadonlySet<string> = new Set(
  (
    'abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex ' +
    'copyright credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr ' +
    'globals hasattr hash help hex id input int isinstance issubclass iter len license list locals map max ' +
    'memoryview min next object oct open ord pow print property quit range repr reversed round set setattr ' +
    'slice sorted staticmethod str sum super tuple type vars zip __import__ __name__ __doc__ __builtins__ ' +
    '__file__ __spec__ __loader__ __package__ __debug__ __build_class__ ' +
    'Ellipsis NotImplemented None True False ' +
    'BaseException BaseExceptionGroup Exception ExceptionGroup ArithmeticError AssertionError AttributeError ' +
    'BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError ' +
    'ConnectionError ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError EncodingWarning ' +
    'EnvironmentError FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ' +
    'ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError KeyError ' +
    'KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError NotADirectoryError ' +
    'NotImplementedError OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError ' +
    'RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration ' +
    'SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError UnboundLocalError ' +
    'UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning ' +
    'ValueError Warning ZeroDivisionError ' +
    'get_ipython display In Out _ __ ___ _i _ii _iii _ih _oh _dh _sh _exit_code'
  ).split(/\s+/)
);

/** Builtins plus IPython's numbered output/input names (`_12`, `_i12`). */
export function isBuiltinName(name: string): boolean {
  return BUILTIN_NAMES.has(name) || /^_i?\d+$/.test(name);
}
