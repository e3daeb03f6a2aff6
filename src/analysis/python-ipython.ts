/**
 * IPython syntax → plain Python, for the def/use analysis.
 *
 * A cell holds what the user typed: magics, shell escapes and help requests
 * that @lezer/python cannot parse. This module rewrites them, line by line,
 * into Python with the same meaning for def/use (`%time x = 1` → `x = 1`,
 * `x = !ls` → `x = None`, `%store -r y` → `y = None`, `!pip install z` →
 * `pass`) and records their side effects. Indentation is kept so a magic
 * inside a block still leaves a valid block.
 *
 * Escapes are only recognised at the start of a logical line (not inside
 * brackets, a multi-line string or after a backslash continuation), as IPython
 * does; the scan is one linear pass with no regular expressions.
 */

import type { CellEffect } from './types';

/**
 * Name of the function a `%timeit` statement is wrapped in. The walker runs
 * its body at once in a local scope: timeit binds nothing in the namespace,
 * but reads and mutates it.
 */
export const TIMEIT_MARKER = '__retrace_timeit__';

/** Plain Python for the analysis, and what the IPython syntax itself does. */
export interface IPythonTranslation {
  python: string;
  effects: CellEffect[];
  unknownDefines: boolean;
  /** See `CellEffects.shellReads`. */
  shellReads: string[];
}

/** Where the scan of the previous lines left off. */
interface ScanState {
  /** Open string delimiter, or null outside strings. */
  quote: string | null;
  /** Open bracket depth. */
  depth: number;
  /** The previous line ended with a backslash continuation. */
  continued: boolean;
}

/** Python's keywords: never a name an expansion reads. */
const PYTHON_KEYWORDS: ReadonlySet<string> = new Set('False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '));

/**
 * The names a shell command reads from the session when IPython expands it before running it:
 * `$name` (or `$name.attr`; `$$` is a dollar) and the names in each `{expression}` (`{{` is a
 * brace; not attributes, keywords, string contents, or a `!r` conversion or `:spec` format). An
 * expansion IPython cannot evaluate is left as typed, so reading more is harmless.
 */
function expansionReads(command: string): string[] {
  const names = new Set<string>();
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if ((c === '$' || c === '{') && command[i + 1] === c) {
      i++;
    } else if (c === '$' && isIdentStart(command[i + 1])) {
      const name = identifierAt(command, i + 1);
      names.add(name);
      i += name.length;
    } else if (c === '{') {
      i = expressionNames(command, i + 1, names);
    }
  }
  return Array.from(names).filter(n => !PYTHON_KEYWORDS.has(n));
}

/** Adds the names `{expression}` reads, from `start` (after the brace); returns where it ends. */
function expressionNames(command: string, start: number, names: Set<string>): number {
  let depth = 0;
  let k = start;
  while (k < command.length) {
    const c = command[k];
    if (c === '"' || c === "'") {
      const end = command.indexOf(c, k + 1);
      k = end < 0 ? command.length : end + 1;
      continue;
    }
    if ((c === '}' || c === ':' || (c === '!' && command[k + 1] !== '=')) && depth === 0) {
      const close = command.indexOf('}', k);
      return close < 0 ? command.length : close;
    }
    if ('([{'.includes(c)) {
      depth++;
    } else if (')]}'.includes(c)) {
      depth--;
    }
    if (isIdentStart(c) && !isIdentChar(command[k - 1]) && command[k - 1] !== '.') {
      const name = identifierAt(command, k);
      names.add(name);
      k += name.length;
      continue;
    }
    k++;
  }
  return k;
}

/** The identifier that starts at `from` in `text`. */
function identifierAt(text: string, from: number): string {
  let k = from;
  while (k < text.length && isIdentChar(text[k])) {
    k++;
  }
  return text.slice(from, k);
}

function isIdentStart(c: string | undefined): boolean {
  if (c === undefined || c === '') {
    return false;
  }
  const code = c.charCodeAt(0);
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code > 127;
}

function isIdentChar(c: string | undefined): boolean {
  if (c === undefined || c === '') {
    return false;
  }
  const code = c.charCodeAt(0);
  return isIdentStart(c) || (code >= 48 && code <= 57);
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\f';
}

function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && isSpace(line[i])) {
    i++;
  }
  return i;
}

/**
 * Advance the scan state over one line of Python. Returns the index of the
 * last character of code on the line (outside comments), or -1.
 */
function scanLine(line: string, st: ScanState): number {
  const n = line.length;
  let lastCode = -1;
  let i = 0;
  st.continued = false;
  let escapedNewline = false;
  while (i < n) {
    const c = line[i];
    if (st.quote !== null) {
      if (c === '\\') {
        if (i === n - 1) {
          escapedNewline = true;
        }
        i += 2;
        continue;
      }
      if (c === st.quote[0] && line.startsWith(st.quote, i)) {
        i += st.quote.length;
        st.quote = null;
        lastCode = i - 1;
        continue;
      }
      i++;
      continue;
    }
    if (c === '#') {
      break;
    }
    if (c === '"' || c === "'") {
      st.quote = line.startsWith(c + c + c, i) ? c + c + c : c;
      i += st.quote.length;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      st.depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      st.depth = st.depth > 0 ? st.depth - 1 : 0;
    } else if (c === '\\' && i === n - 1) {
      st.continued = true;
      i++;
      continue;
    }
    if (!isSpace(c)) {
      lastCode = i;
    }
    i++;
  }
  // A one-quote string ends with its line unless the newline is escaped.
  if (st.quote !== null && st.quote.length === 1 && !escapedNewline) {
    st.quote = null;
  }
  return lastCode;
}

/** Split on whitespace without regular expressions. */
function words(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (isSpace(s[i]) || s[i] === '\n')) {
      i++;
    }
    const start = i;
    while (i < s.length && !isSpace(s[i]) && s[i] !== '\n') {
      i++;
    }
    if (i > start) {
      out.push(s.slice(start, i));
    }
  }
  return out;
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) {
    return s.slice(1, -1);
  }
  return s;
}

/**
 * Strip leading `-x` options from magic arguments; `withValue` lists options
 * that take the next word as their value when it is not attached (`-n 10`).
 * Returns the rest of the argument text, unchanged.
 */
function stripOptions(args: string, withValue: ReadonlySet<string>): string {
  let i = 0;
  for (;;) {
    while (i < args.length && isSpace(args[i])) {
      i++;
    }
    if (args[i] !== '-' || !(isIdentStart(args[i + 1]) || args[i + 1] === '-')) {
      return args.slice(i);
    }
    const start = i;
    while (i < args.length && !isSpace(args[i])) {
      i++;
    }
    if (withValue.has(args.slice(start, i))) {
      while (i < args.length && isSpace(args[i])) {
        i++;
      }
      while (i < args.length && !isSpace(args[i])) {
        i++;
      }
    }
  }
}

/** Read `name` and the rest after `%` or `%%`. */
function splitMagic(text: string): { name: string; args: string } {
  let i = 0;
  while (i < text.length && (isIdentChar(text[i]) || text[i] === '!')) {
    i++;
  }
  return { name: text.slice(0, i), args: text.slice(i).trim() };
}

const TIME_OPTIONS = new Set<string>();
const TIMEIT_OPTIONS = new Set(['-n', '-r', '-p']);
const PRUN_OPTIONS = new Set(['-l', '-s', '-T', '-D']);
const MEMIT_OPTIONS = new Set(['-r', '-t']);
const DEBUG_OPTIONS = new Set(['--breakpoint', '-b']);

/** Line magics whose argument is Python run in the user namespace. */
const PYTHON_LINE_MAGICS = new Map<string, ReadonlySet<string>>([
  ['time', TIME_OPTIONS],
  ['prun', PRUN_OPTIONS],
  ['debug', DEBUG_OPTIONS]
]);

/** Line magics whose argument runs in a private function: reads, no binds. */
const TIMEIT_LINE_MAGICS = new Map<string, ReadonlySet<string>>([
  ['timeit', TIMEIT_OPTIONS],
  ['memit', MEMIT_OPTIONS]
]);

const SHELL_LINE_MAGICS = new Set(['sx', 'system', 'sc']);
/** Line magics that run a package manager (`%pip install x`). */
const INSTALLER_MAGICS = new Set(['pip', 'conda', 'mamba']);

/** Line magics that run code we cannot see: the cell may define anything. */
const UNKNOWN_DEFINE_LINE_MAGICS = new Set(['run', 'load', 'pylab', 'rerun', 'recall', 'rep', 'macro', 'edit']);

/** Known line magics with no effect on names (they still change the session). */
const OPAQUE_LINE_MAGICS = new Set(
  (
    'matplotlib load_ext reload_ext unload_ext autoreload aimport pip conda mamba micromamba ' +
    'env set_env config who whos who_ls lsmagic history hist pwd pdb xmode precision autosave ' +
    'alias unalias alias_magic dhist dirs page pinfo pinfo2 psearch logstart logstop logon ' +
    'logoff logstate magic quickref colors clear killbgscripts notebook automagic autocall ' +
    'doctest_mode gui save reset reset_selective tb cd pushd popd bookmark sql ' +
    'autoawait code_wrap mode lprun mprun install_ext less more cat ls ll mkdir rmdir rm cp mv ' +
    'time_all watermark'
  )
    .split(' ')
    .filter(Boolean)
);

/** Shell aliases IPython defines, usable without `!`. */
const SHELL_ALIASES = new Set(['ls', 'll', 'cat', 'mkdir', 'rmdir', 'rm', 'cp', 'mv', 'less', 'man', 'lf', 'lk', 'lx', 'ldir']);

/** Magics IPython runs without `%` (automagic) when written as `name argument`. */
const AUTOMAGIC_WITH_ARGUMENT = new Set([
  'pip',
  'conda',
  'mamba',
  'cd',
  'matplotlib',
  'load_ext',
  'reload_ext',
  'autoreload',
  'timeit',
  'time',
  'run',
  'env',
  'store',
  'prun',
  'pushd',
  'who',
  'whos',
  'precision',
  'config',
  'xdel',
  'history',
  ...SHELL_ALIASES
]);

/** Magics IPython runs without `%` when alone on their line. */
const AUTOMAGIC_ALONE = new Set(['pwd', 'ls', 'll', 'who', 'whos', 'who_ls', 'lsmagic', 'popd', 'dhist', 'dirs', 'clear']);

const PYTHON_KEYWORDS_AFTER_NAME = new Set(['in', 'is', 'and', 'or', 'if', 'else', 'not', 'for', 'as']);

/** Cell magics whose body is Python run in the user namespace. */
const PYTHON_CELL_MAGICS = new Set(['time', 'prun', 'debug', 'capture']);

const TIMEIT_CELL_MAGICS = new Map<string, ReadonlySet<string>>([
  ['timeit', TIMEIT_OPTIONS],
  ['memit', MEMIT_OPTIONS]
]);

const SHELL_CELL_MAGICS = new Set(['bash', 'sh', 'script', '!', 'system', 'perl', 'ruby', 'zsh', 'powershell', 'cmd']);

/** Cell magics that show or run something else and bind no Python name. */
const OPAQUE_CELL_MAGICS = new Set([
  'html',
  'HTML',
  'javascript',
  'js',
  'latex',
  'markdown',
  'svg',
  'python',
  'python2',
  'python3',
  'pypy',
  'sql',
  'R',
  'dot',
  'mermaid'
]);

const SHELL_COMMAND_LIMIT = 500;

class Translator {
  readonly effects: CellEffect[] = [];
  unknownDefines = false;
  /** See `CellEffects.shellReads`. */
  shellReads = new Set<string>();

  /** Translate a cell; the result has the same lines except for `%%timeit` bodies. */
  translateCell(source: string): string {
    let lines = source.split('\n');
    lines = dedentCell(lines);
    let first = 0;
    while (first < lines.length && lines[first].trim() === '') {
      first++;
    }
    if (first < lines.length && lines[first].startsWith('%%')) {
      const head = lines.slice(0, first);
      const { name, args } = splitMagic(lines[first].slice(2));
      const body = lines.slice(first + 1);
      return head.concat(this.cellMagic(name, args, body)).join('\n');
    }
    return this.translateLines(lines).join('\n');
  }

  private opaque(magic: string): void {
    this.effects.push({ kind: 'opaque-magic', magic });
  }

  private shell(command: string): void {
    this.effects.push({ kind: 'shell', command: command.trim().slice(0, SHELL_COMMAND_LIMIT) });
  }

  /** A shell escape's command: recorded, and the names it reads as a Python expression (or null). */
  private shellEscape(command: string): string | null {
    this.shell(command);
    const names = expansionReads(command);
    names.forEach(n => this.shellReads.add(n));
    return names.length > 0 ? `(${names.join(', ')},)` : null;
  }

  private cellMagic(name: string, args: string, body: string[]): string[] {
    const blank = (n: number): string[] => new Array<string>(n).fill('');
    if (PYTHON_CELL_MAGICS.has(name)) {
      let firstLine = '';
      if (name === 'capture') {
        const target = words(args).filter(w => !w.startsWith('-'));
        if (target.length > 0 && isIdentStart(target[0][0])) {
          firstLine = `${target[0]} = None`;
        }
      }
      return [firstLine].concat(this.translateLines(body));
    }
    const timeitOptions = TIMEIT_CELL_MAGICS.get(name);
    if (timeitOptions) {
      const setup = stripOptions(args, timeitOptions);
      const inner = (setup ? [setup] : []).concat(this.translateLines(body));
      const indented = inner.map(l => ' ' + l);
      indented.push(' pass');
      return [`def ${TIMEIT_MARKER}():`].concat(indented);
    }
    if (SHELL_CELL_MAGICS.has(name)) {
      this.shell(body.join('\n'));
      return blank(body.length + 1);
    }
    if (name === 'writefile' || name === 'file') {
      const target = words(args).filter(w => !w.startsWith('-'));
      if (target.length > 0) {
        this.effects.push({ kind: 'file-write', path: unquote(target[0]) });
      } else {
        this.opaque('%%' + name);
      }
      return blank(body.length + 1);
    }
    this.opaque('%%' + name);
    const out = blank(body.length + 1);
    if (OPAQUE_CELL_MAGICS.has(name)) {
      // `%%sql result <<` and `%%R -o x` bind names; `%%R -i y` reads them.
      const w = words(args);
      const defined: string[] = [];
      const used: string[] = [];
      for (let i = 0; i < w.length; i++) {
        if (w[i] === '<<' && i > 0 && name === 'sql') {
          defined.push(w[i - 1]);
        } else if ((w[i] === '-o' || w[i] === '-i') && i + 1 < w.length && name === 'R') {
          (w[i] === '-o' ? defined : used).push(...w[i + 1].split(',').filter(Boolean));
        }
      }
      const code: string[] = [];
      if (used.length > 0) {
        code.push(used.join(', '));
      }
      if (defined.length > 0) {
        code.push(defined.join(' = ') + ' = None');
      }
      out[0] = code.join('; ');
      return out;
    }
    this.unknownDefines = true;
    return out;
  }

  /**
   * Translate one line magic. `asExpression` is set for `x = %magic`: the
   * result must then be an expression.
   */
  private lineMagic(name: string, args: string, asExpression: boolean): string {
    const pythonOptions = PYTHON_LINE_MAGICS.get(name);
    if (pythonOptions) {
      const code = stripOptions(args, pythonOptions);
      if (code !== '') {
        return code;
      }
      return asExpression ? 'None' : 'pass';
    }
    const timeitOptions = TIMEIT_LINE_MAGICS.get(name);
    if (timeitOptions) {
      const code = stripOptions(args, timeitOptions);
      if (code === '') {
        return asExpression ? 'None' : 'pass';
      }
      // A lambda reads what the statement reads and binds nothing outside.
      return asExpression ? `lambda: ${code}` : `def ${TIMEIT_MARKER}(): ${code}`;
    }
    const none = asExpression ? 'None' : 'pass';
    if (SHELL_LINE_MAGICS.has(name)) {
      const reads = this.shellEscape(args);
      return reads === null ? none : asExpression ? `${reads} and None` : reads;
    }
    const w = words(args);
    if (name === 'store') {
      this.opaque('%store');
      if (w[0] === '-r') {
        const names = w.slice(1).filter(x => isIdentStart(x[0]));
        if (names.length === 0) {
          this.unknownDefines = true;
          return none;
        }
        return asExpression ? 'None' : names.join(' = ') + ' = None';
      }
      const names = w.filter(x => isIdentStart(x[0]));
      if (names.length === 0 || asExpression) {
        return none;
      }
      return names.join(', ');
    }
    if (name === 'xdel') {
      const names = w.filter(x => isIdentStart(x[0]));
      if (names.length === 0 || asExpression) {
        return none;
      }
      return 'del ' + names.join(', ');
    }
    // `%pip install x` runs pip in the kernel's environment, as `!pip install x` does
    // (`%pip list`, `%pip show x` change nothing).
    if (INSTALLER_MAGICS.has(name)) {
      this.shell(`${name} ${args}`);
      return none;
    }
    this.opaque('%' + name);
    if (name === 'run' || name === 'load') {
      const script = w.filter(x => !x.startsWith('-'));
      if (script.length > 0 && !w.includes('-m')) {
        this.effects.push({ kind: 'file-read', path: unquote(script[0]) });
      }
    }
    if (UNKNOWN_DEFINE_LINE_MAGICS.has(name) || !OPAQUE_LINE_MAGICS.has(name)) {
      this.unknownDefines = true;
    }
    return none;
  }

  /** Translate the lines of a cell (or a cell magic body). */
  translateLines(lines: string[]): string[] {
    const out: string[] = new Array<string>(lines.length);
    const st: ScanState = { quote: null, depth: 0, continued: false };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const atLogicalStart = st.quote === null && st.depth === 0 && !st.continued;
      const ind = indentOf(line);
      if (!atLogicalStart || ind === line.length) {
        out[i] = line;
        scanLine(line, st);
        continue;
      }
      const indent = line.slice(0, ind);
      const text = line.slice(ind);
      const escape = this.escapedLine(text);
      if (escape === null) {
        out[i] = line;
        scanLine(line, st);
        continue;
      }
      // The escape owns its backslash-continued lines, unless it left Python
      // that continues them itself.
      let joined = escape.raw;
      let j = i;
      if (!escape.python) {
        while (joined.endsWith('\\') && j + 1 < lines.length) {
          j++;
          joined = joined.slice(0, -1) + ' ' + lines[j].trim();
        }
      }
      const code = escape.translate(joined);
      out[i] = code === '' ? '' : indent + code;
      for (let k = i + 1; k <= j; k++) {
        out[k] = '';
      }
      st.continued = false;
      if (escape.python) {
        scanLine(out[i], st);
      }
      i = j;
    }
    return out;
  }

  /**
   * Recognise IPython syntax at the start of a logical line (indentation
   * removed). Returns how to translate the line, or null for plain Python.
   */
  private escapedLine(
    text: string
  ): { raw: string; python: boolean; translate: (joined: string) => string } | null {
    const c = text[0];
    if (c === '%') {
      if (text[1] === '%') {
        // A cell magic below the first line is an error in IPython; it runs nothing.
        return {
          raw: text,
          python: false,
          translate: () => {
            this.opaque('%%' + splitMagic(text.slice(2)).name);
            return 'pass';
          }
        };
      }
      if (text.endsWith('?')) {
        return { raw: text, python: false, translate: () => 'pass' };
      }
      const { name } = splitMagic(text.slice(1));
      const python = PYTHON_LINE_MAGICS.has(name) || TIMEIT_LINE_MAGICS.has(name);
      return {
        raw: text,
        python,
        translate: joined => {
          const m = splitMagic(joined.slice(1));
          return this.lineMagic(m.name, m.args, false);
        }
      };
    }
    if (c === '!') {
      return {
        raw: text,
        python: false,
        translate: joined => this.shellEscape(joined.slice(joined[1] === '!' ? 2 : 1)) ?? 'pass'
      };
    }
    if (c === '?') {
      return { raw: text, python: false, translate: () => 'pass' };
    }
    if ((c === '/' || c === ',' || c === ';') && isIdentStart(text[1])) {
      // Autocall escapes: `/f a` is `f(a)`; keep the read of the callee.
      let k = 1;
      while (k < text.length && (isIdentChar(text[k]) || text[k] === '.')) {
        k++;
      }
      const callee = text.slice(1, k);
      return { raw: text, python: false, translate: () => callee };
    }
    const probe: ScanState = { quote: null, depth: 0, continued: false };
    const last = scanLine(text, probe);
    if (last >= 0 && text[last] === '?' && probe.quote === null) {
      // `df?`, `df.head??`: help, which reads nothing a later run depends on.
      return { raw: text, python: false, translate: () => 'pass' };
    }
    const assign = this.assignedEscape(text);
    if (assign !== null) {
      return assign;
    }
    return this.automagic(text);
  }

  /** `x = !ls`, `files = %sx ls`, `t = %time f()`: the escape's value is assigned. */
  private assignedEscape(
    text: string
  ): { raw: string; python: boolean; translate: (joined: string) => string } | null {
    const eq = findAssignment(text);
    if (eq < 0) {
      return null;
    }
    let k = eq + 1;
    while (k < text.length && isSpace(text[k])) {
      k++;
    }
    const lhs = text.slice(0, eq).trimEnd();
    if (text[k] === '!' && text[k + 1] !== '=') {
      const start = k + (text[k + 1] === '!' ? 2 : 1);
      return {
        raw: text,
        python: false,
        translate: joined => {
          const reads = this.shellEscape(joined.slice(start));
          return reads === null ? `${lhs} = None` : `${lhs} = ${reads} and None`;
        }
      };
    }
    if (text[k] === '%' && isIdentStart(text[k + 1])) {
      const { name } = splitMagic(text.slice(k + 1));
      const python = PYTHON_LINE_MAGICS.has(name) || TIMEIT_LINE_MAGICS.has(name);
      return {
        raw: text,
        python,
        translate: joined => {
          const m = splitMagic(joined.slice(k + 1));
          return `${lhs} = ${this.lineMagic(m.name, m.args, true)}`;
        }
      };
    }
    return null;
  }

  /** `pip install x`, `cd data`, `ls`: magics IPython runs without `%`. */
  private automagic(
    text: string
  ): { raw: string; python: boolean; translate: (joined: string) => string } | null {
    let k = 0;
    while (k < text.length && isIdentChar(text[k])) {
      k++;
    }
    if (k === 0) {
      return null;
    }
    const word = text.slice(0, k);
    const rest = text.slice(k).trim();
    if (rest === '' || rest[0] === '#') {
      if (!AUTOMAGIC_ALONE.has(word)) {
        return null;
      }
    } else {
      if (!AUTOMAGIC_WITH_ARGUMENT.has(word) || !isSpace(text[k])) {
        return null;
      }
      const r = rest[0];
      const optionLike = r === '-' && (isIdentStart(rest[1]) || rest[1] === '-');
      // `/` and `*` are also Python operators: only path-taking commands get them.
      const pathCommand = SHELL_ALIASES.has(word) || word === 'cd' || word === 'pushd';
      const argumentLike =
        isIdentChar(r) ||
        r === '.' ||
        r === '~' ||
        r === '"' ||
        r === "'" ||
        r === '$' ||
        (pathCommand && (r === '/' || r === '*'));
      if (!(optionLike || argumentLike)) {
        return null;
      }
      let w = 0;
      while (w < rest.length && isIdentChar(rest[w])) {
        w++;
      }
      if (PYTHON_KEYWORDS_AFTER_NAME.has(rest.slice(0, w))) {
        return null;
      }
    }
    if (SHELL_ALIASES.has(word)) {
      return {
        raw: text,
        python: false,
        translate: joined => {
          this.shell(joined);
          return 'pass';
        }
      };
    }
    const python = PYTHON_LINE_MAGICS.has(word) || TIMEIT_LINE_MAGICS.has(word);
    return {
      raw: text,
      python,
      translate: joined => {
        const m = splitMagic(joined);
        return this.lineMagic(m.name, m.args, false);
      }
    };
  }
}

/**
 * Index of the first plain `=` outside brackets and strings (not `==`, `!=`,
 * `<=`, `>=`, `:=` or an augmented assignment), or -1.
 */
function findAssignment(text: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === '\\') {
        i++;
      } else if (c === quote) {
        quote = null;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#') {
      return -1;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
    } else if (c === '=' && depth === 0) {
      const prev = text[i - 1];
      if (text[i + 1] === '=') {
        i++;
        continue;
      }
      if (prev !== undefined && '=!<>:+-*/%&|^@'.includes(prev)) {
        continue;
      }
      return i;
    }
  }
  return -1;
}

/** IPython removes the first line's indentation from every line of the cell. */
function dedentCell(lines: string[]): string[] {
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') {
    first++;
  }
  if (first === lines.length) {
    return lines;
  }
  const ind = indentOf(lines[first]);
  if (ind === 0) {
    return lines;
  }
  const prefix = lines[first].slice(0, ind);
  return lines.map(l => (l.startsWith(prefix) ? l.slice(ind) : l));
}

/** Rewrite a cell's IPython syntax into Python, collecting the syntax's own effects. */
export function translateIPython(source: string): IPythonTranslation {
  const translator = new Translator();
  const normalized = source.includes('\r') ? source.split('\r\n').join('\n').split('\r').join('\n') : source;
  const python = translator.translateCell(normalized);
  return { python, effects: translator.effects, unknownDefines: translator.unknownDefines, shellReads: Array.from(translator.shellReads).sort() };
}
