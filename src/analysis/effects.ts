/**
 * Static analysis of one cell's code: which module-level names it defines,
 * uses, deletes and may mutate, and which side effects (randomness, clock,
 * files, shell, opaque magics) make it hard to reproduce. The canonical order
 * is built from these results.
 *
 * IPython syntax is first rewritten into Python (python-ipython.ts), parsed
 * with @lezer/python (error-tolerant: a broken cell is analysed as far as it
 * parses), then walked with Python's scoping rules (python-scope.ts).
 * Results are cached by source, in a bounded LRU.
 *
 * Plain TypeScript: no JupyterLab import, so it runs and benchmarks in Node.
 */

import { parser } from '@lezer/python';
import type { SyntaxNode, Tree } from '@lezer/common';
import type { CallReads, CellEffect, CellEffects, ClassCall, MethodCall } from './types';
import { translateIPython } from './python-ipython';
import { walkScopes } from './python-scope';

/** Distinct sources kept; a notebook's history rarely has more live at once. */
const CACHE_LIMIT = 5000;

interface CacheEntry {
  source: string;
  effects: CellEffects;
}

const cache = new Map<string, CacheEntry>();

/** cyrb53: a fast 53-bit string hash; entries still compare sources on a hit. */
function hashSource(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `${(h2 >>> 0).toString(36)}${(h1 >>> 0).toString(36)}:${s.length}`;
}

/** Forget every cached analysis (tests, or a change of the knowledge lists). */
export function clearEffectsCache(): void {
  cache.clear();
}

/** Number of cached analyses (for tests of the bound). */
export function effectsCacheSize(): number {
  return cache.size;
}

/** The effects of code that does nothing (also the base of a result that could not be computed). */
export function emptyEffects(): CellEffects {
  return {
    defines: [],
    mayDefine: [],
    uses: [],
    deletes: [],
    mutates: [],
    unknownDefines: false,
    effects: [],
    parseError: false,
    builtinUses: []
  };
}

/**
 * `with (open(a) as f, open(b) as g):` is Python 3.10 but not in the lezer
 * grammar; its errors sit in the head of the with statement and are not the
 * user's.
 */
function isParenthesizedWithError(node: SyntaxNode): boolean {
  let parent = node.parent;
  for (let depth = 0; parent !== null && parent.name !== 'WithStatement' && depth < 3; depth++) {
    parent = parent.parent;
  }
  if (parent === null || parent.name !== 'WithStatement') {
    return false;
  }
  let head = parent.firstChild;
  while (head !== null && (head.name === 'with' || head.name === 'async')) {
    head = head.nextSibling;
  }
  const body = parent.getChild('Body');
  const opensParen = head !== null && (head.name === 'ParenthesizedExpression' || head.name === 'TupleExpression');
  return opensParen && body !== null && node.from <= body.from;
}

/** Lezer accepts a string that runs to the end of its line without its closing quote. */
function isUnterminatedString(source: string, from: number, to: number): boolean {
  let i = from;
  while (i < to && source[i] !== '"' && source[i] !== "'") {
    i++;
  }
  if (i >= to) {
    return false;
  }
  const q = source.startsWith(source[i].repeat(3), i) && to - i >= 6 ? 3 : 1;
  const quote = source.slice(i, i + q);
  if (to - i < 2 * q || source.slice(to - q, to) !== quote) {
    return true;
  }
  let backslashes = 0;
  for (let k = to - q - 1; k >= i + q && source[k] === '\\'; k--) {
    backslashes++;
  }
  return backslashes % 2 === 1;
}

function hasParseError(tree: Tree, source: string): boolean {
  let found = false;
  tree.iterate({
    enter: ref => {
      if (found) {
        return false;
      }
      if (ref.name === 'String' && isUnterminatedString(source, ref.from, ref.to)) {
        found = true;
        return false;
      }
      if (ref.type.isError && !isParenthesizedWithError(ref.node)) {
        found = true;
        return false;
      }
      return undefined;
    }
  });
  return found;
}

function effectKey(e: CellEffect): string {
  switch (e.kind) {
    case 'shell':
      return `shell\u0000${e.command}`;
    case 'randomness':
    case 'time':
      return `${e.kind}\u0000${e.name}`;
    case 'file-read':
    case 'file-write':
      return `${e.kind}\u0000${e.path}`;
    case 'opaque-magic':
      return `opaque-magic\u0000${e.magic}`;
  }
}

/** Deduplicate and sort effects by kind, then value. */
function normalizeEffects(effects: CellEffect[]): CellEffect[] {
  const byKey = new Map<string, CellEffect>();
  for (const e of effects) {
    byKey.set(effectKey(e), e);
  }
  return Array.from(byKey.keys())
    .sort()
    .map(k => byKey.get(k)!);
}

function freeze(effects: CellEffects): CellEffects {
  Object.freeze(effects.defines);
  Object.freeze(effects.mayDefine);
  Object.freeze(effects.uses);
  Object.freeze(effects.deletes);
  Object.freeze(effects.mutates);
  effects.effects.forEach(e => Object.freeze(e));
  Object.freeze(effects.effects);
  if (effects.installs) {
    Object.freeze(effects.installs);
  }
  if (effects.builtinUses) {
    Object.freeze(effects.builtinUses);
  }
  if (effects.statements) {
    Object.freeze(effects.statements);
  }
  return Object.freeze(effects);
}

/** Magics that change the process (`%cd`, `%env`) or only set up the session (`%matplotlib`); `%pip` is a pip command. */
const BARRIER_MAGICS = new Set(['%cd', '%env', '%set_env']);
const SETUP_MAGICS = new Set(['%matplotlib', '%load_ext', '%autoreload', '%config', '%precision', '%reload_ext']);
/** A package manager changing the installed packages (`pip list` or `pip show x` changes nothing). */
const INSTALL_COMMAND = /^(?:pip3?|conda|mamba|python3?\s+-m\s+pip)\s+(?:install|uninstall|remove|update|upgrade)\b/;

/**
 * A run whose only effect on the process is to make sure packages are installed, by bare name
 * (`pip install nltk`, `%pip install -q "dask[dataframe]"`, `conda install -y numpy`): where they
 * already are, it changes nothing. A version asked for (`nltk==3.8`, `-U`, `-r requirements.txt`,
 * a path or URL), an uninstall or update, or another shell command beside (`!echo 5 > out.txt`,
 * a download) may change what a later step reads.
 */
export function onlyEnsuresPackages(e: CellEffects): boolean {
  return (
    onlyInstalls(e) &&
    e.installs!.every(c => {
      const m = ENSURE_COMMAND.exec(c);
      return (
        m !== null &&
        m[1].split(' ').every(t => {
          const name = t.replace(/^(['"])(.*)\1$/, '$2');
          return OUTPUT_OPTION.test(t) || ENSURE_OPTION.test(t) || (BARE_PACKAGE.test(name) && !ARCHIVE.test(name));
        })
      );
    })
  );
}
/**
 * What an install-only statement asks for, the same whatever only changes its output
 * (`!pip install rvpkg==1` and `%pip install -q rvpkg==1`), else null.
 */
export function installRequest(e: CellEffects): string | null {
  if (!onlyInstalls(e)) {
    return null;
  }
  return e
    .installs!.map(c => {
      const words = c
        .replace(/^(?:pip3?|python3?\s+-m\s+pip)\s/, 'pip ')
        .split(' ')
        .filter(t => !OUTPUT_OPTION.test(t));
      // The packages it names, in any order, unless an option is left (`-i URL` takes the word after it).
      const named = words.slice(2);
      return [...words.slice(0, 2), ...(named.some(t => t.startsWith('-')) ? named : named.sort())].join(' ');
    })
    .join('\n');
}
/** Code whose only effects are package installs (`CellEffects.installs`): what else it does is binding names. */
function onlyInstalls(e: CellEffects): boolean {
  return e.environment === 'install' && e.effects.length === (e.installs?.length ?? 0) && e.effects.every(x => x.kind === 'shell');
}
/** Options that change only what an install prints. */
const OUTPUT_OPTION = /^(?:-q+|--quiet|-v+|--verbose|-y|--yes|--no-warn-script-location|--disable-pip-version-check)$/;
const ENSURE_COMMAND = /^(?:pip3?|conda|mamba|python3?\s+-m\s+pip)\s+install\s+(.+)$/;
/** Options an install by name may have: where it installs to, whether it caches, and what it prints. */
const ENSURE_OPTION = /^(?:--user|--no-cache-dir)$/;
/** A file to install from (`rvpkg-2.0-py3-none-any.whl`): its version is in its name. */
const ARCHIVE = /\.(?:whl|zip|tar|tgz|tar\.gz|tar\.bz2|tar\.xz|egg)$/i;
/** A distribution's name, with extras (`dask[dataframe]`), and no version. */
const BARE_PACKAGE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._,-]+\])?$/;

/** Shell commands chained to another (`pip install x && python make.py`): more than an install. */
const CHAINED = /[;&|]/;

function isInstall(e: CellEffect): e is { kind: 'shell'; command: string } {
  return e.kind === 'shell' && INSTALL_COMMAND.test(e.command);
}

/** See `CellEffects.installs`. */
function installsOf(effects: CellEffect[]): string[] {
  return effects.filter(isInstall).filter(e => !CHAINED.test(e.command)).map(e => e.command.replace(/\s+/g, ' ').trim());
}

function environment(changesProcess: boolean, effects: CellEffect[], installs: string[]): CellEffects['environment'] {
  if (changesProcess || effects.some(e => (e.kind === 'opaque-magic' && BARRIER_MAGICS.has(e.magic)) || (isInstall(e) && CHAINED.test(e.command)))) {
    return 'barrier';
  }
  if (installs.length > 0) {
    return 'install';
  }
  return effects.some(e => e.kind === 'opaque-magic' && SETUP_MAGICS.has(e.magic)) ? 'setup' : null;
}

const DIGIT = /[0-9]/;
const NAME_CHAR = /[\w.]/;

/**
 * `1412.` (a float with nothing after its dot, as in `x / 255.`) is Python
 * that @lezer/python does not parse, and the whole cell would read as broken.
 * Outside strings and comments, such a dot becomes a space: same length, the
 * same names read and bound.
 */
export function trailingDotFloats(python: string): string {
  if (!/\d\.(?![\w.])/.test(python)) {
    return python;
  }
  const out = python.split('');
  let i = 0;
  const n = python.length;
  while (i < n) {
    const c = python[i];
    if (c === '#') {
      while (i < n && python[i] !== '\n') {
        i++;
      }
    } else if (c === '"' || c === "'") {
      const triple = python.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      i += quote.length;
      while (i < n && !python.startsWith(quote, i) && (triple || python[i] !== '\n')) {
        i += python[i] === '\\' ? 2 : 1;
      }
      i += quote.length;
    } else if (DIGIT.test(c) && (i === 0 || !NAME_CHAR.test(python[i - 1]))) {
      let j = i;
      while (j < n && DIGIT.test(python[j])) {
        j++;
      }
      if (python[j] === '.' && (j + 1 >= n || !NAME_CHAR.test(python[j + 1]))) {
        out[j] = ' ';
        j++;
      }
      i = j;
    } else {
      i++;
    }
  }
  return out.join('');
}

/** Nodes whose text is a string's value: kept whole by `topLevelStatements`. */
const STRING_NODES = new Set(['String', 'FormatString']);
/** Stands for a line break inside a string while a statement's lines are cleaned (Python source holds no NUL). */
const STRING_BREAK = '\u0000';

/**
 * The cell's top-level statements as the user wrote them, comments, blank
 * lines and trailing spaces left out (not inside a string), so two versions
 * of a cell can be compared statement by statement (an edit to a comment or a print changes none of
 * the others). A line that IPython syntax was rewritten on is kept as typed.
 * `shows`: the indices of those that surely only show (`CellEffects.shows`).
 * Undefined for a cell magic (its body may not be Python).
 */
function topLevelStatements(source: string, rewritten: string, tree: Tree): { texts: string[]; shows: number[] } | undefined {
  const typed = source.split('\n');
  const lines = rewritten.split('\n');
  // A cell magic's body may not be Python at all (`%%writefile`, `%%bash`).
  if (typed.length !== lines.length || source.trimStart().startsWith('%%')) {
    return undefined;
  }
  const lineStarts: number[] = [0];
  for (let i = 0; i < rewritten.length; i++) {
    if (rewritten[i] === '\n') {
      lineStarts.push(i + 1);
    }
  }
  const lineOf = (pos: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pos) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  };
  const out: string[] = [];
  const shows: number[] = [];
  // (A NUL the user typed is kept as it is: Python rejects the cell.)
  const sentinel = !rewritten.includes(STRING_BREAK);
  const take = (node: SyntaxNode): void => {
    const first = lineOf(node.from);
    const last = lineOf(Math.max(node.from, node.to - 1));
    let text: string;
    const asTyped = typed.slice(first, last + 1).every((l, i) => l === lines[first + i]);
    if (asTyped) {
      // Cut out the comments inside the statement; the line breaks inside a string are part of
      // its value (a blank line or trailing spaces in a triple-quoted query), so they are held
      // apart from the cleaning below.
      text = '';
      let at = node.from;
      const cursor = node.cursor();
      cursor.iterate(ref => {
        if (ref.name === 'Comment') {
          text += rewritten.slice(at, ref.from);
          at = ref.to;
        } else if (STRING_NODES.has(ref.name) && sentinel) {
          text += rewritten.slice(at, ref.from) + rewritten.slice(ref.from, ref.to).split('\n').join(STRING_BREAK);
          at = ref.to;
          return false;
        }
        return undefined;
      });
      text += rewritten.slice(at, node.to);
    } else {
      text = typed.slice(first, last + 1).join('\n');
    }
    let clean = text
      .split('\n')
      .map(l => l.replace(/\s+$/, ''))
      .filter(l => l !== '')
      .join('\n');
    if (sentinel) {
      clean = clean.split(STRING_BREAK).join('\n');
    }
    if (clean !== '') {
      if (asTyped && (plainShow(rewritten, node) || bareValue(node))) {
        shows.push(out.length);
      }
      out.push(clean);
    }
  };
  for (let c = tree.topNode.firstChild; c !== null; c = c.nextSibling) {
    if (c.name === 'Comment') {
      continue;
    }
    if (c.name === 'StatementGroup') {
      for (let g = c.firstChild; g !== null; g = g.nextSibling) {
        if (g.name !== 'Comment' && g.name !== ';') {
          take(g);
        }
      }
    } else {
      take(c);
    }
  }
  return { texts: out, shows };
}

/** An expression statement that calls nothing (`xi`, `df.shape`, `scores["f1"]`): shown, nothing changed. */
function bareValue(node: SyntaxNode): boolean {
  if (node.name !== 'ExpressionStatement') {
    return false;
  }
  const c = node.cursor();
  while (c.next() && c.from < node.to) {
    if (/Call|Comprehension|Lambda|Await|Yield|AssignOp|⚠/.test(c.name)) {
      return false;
    }
  }
  return true;
}

/** A statement's text with the indentation of its continuation lines made relative to its first. */
function statementText(python: string, node: SyntaxNode): string {
  const lineStart = python.lastIndexOf('\n', node.from - 1) + 1;
  const indent = node.from - lineStart;
  return python
    .slice(node.from, node.to)
    .split('\n')
    .map((l, i) => (i > 0 && /^\s*$/.test(l.slice(0, indent)) ? l.slice(indent) : l))
    .join('\n');
}

/** Code that only shows something: no binding, no change, no file written, no draw, nothing unknown. */
function onlyShows(node: SyntaxNode, text: string): boolean {
  if (node.name !== 'ExpressionStatement' || /\b(?:yield|await)\b/.test(text)) {
    return false;
  }
  const e = analyzeCell(text);
  return (
    !e.parseError &&
    !e.unknownDefines &&
    !e.seeds &&
    !e.randomLibraryCalls &&
    !e.readsRandomState &&
    e.defines.length === 0 &&
    e.mayDefine.length === 0 &&
    e.deletes.length === 0 &&
    e.mutates.length === 0 &&
    e.effects.length === 0
  );
}

/**
 * Functions whose calls only format values: a statement built from them only shows what it is
 * given. (Not `min`/`max`/`sum`: given an iterator they consume it.)
 */
const PURE_CALLS = new Set(['len', 'str', 'repr', 'round', 'type', 'format', 'abs', 'int', 'float', 'bool', 'isinstance']);
/**
 * Methods that only look at what they are called on (`display(df.head())`, `print(df.describe())`,
 * `'rows: {}'.format(n)`): no user function called (not `apply`), nothing drawn at random (not
 * `sample`), written or advanced (not `to_csv`, `readline`, nor `to_string`, `to_html` or `info`,
 * which write to a file they are given); never with `inplace=`.
 */
const LOOKING_METHODS = new Set(
  (
    'head tail describe nunique unique value_counts isna isnull notna notnull duplicated any all equals ' +
    'to_dict to_list tolist to_numpy to_frame sum mean median std var min max ' +
    'count quantile corr cov idxmin idxmax nlargest nsmallest sort_values sort_index groupby memory_usage format ' +
    'keys values items upper lower strip'
  ).split(' ')
);
const SHOW_CALLS = new Set(['print', 'display']);
/**
 * `plt` functions that write a file, or change settings or state that later plots and values read
 * (`plt.rc('lines', linewidth=3)`: a line drawn in a later cell is 3 wide).
 */
const PLT_NOT_SHOWS = new Set(
  (
    'savefig imsave rc rcdefaults rc_file rc_file_defaults rc_context switch_backend ion ioff xkcd set_cmap ' +
    'connect disconnect install_repl_displayhook uninstall_repl_displayhook set_loglevel'
  ).split(' ')
);
/**
 * seaborn's plotting functions (`sns.lineplot(data=df)`): they draw, as `plt.*` does, and leave
 * their data as it was. Not `sns.set`, `set_theme`, `set_palette`...: they change settings later
 * plots read.
 */
const SNS_PLOTS = new Set(
  (
    'relplot scatterplot lineplot displot histplot kdeplot ecdfplot rugplot distplot catplot stripplot swarmplot ' +
    'boxplot violinplot boxenplot pointplot barplot countplot lmplot regplot residplot heatmap clustermap ' +
    'pairplot jointplot despine'
  ).split(' ')
);

/**
 * A statement that surely only shows something: `print(...)`, `display(...)`, `plt.<f>(...)` or a
 * seaborn plot (`sns.lineplot(...)`) whose arguments call nothing but `PURE_CALLS` and
 * `LOOKING_METHODS` and take nothing apart (`print(*batches)` consumes an iterator, as a
 * comprehension does). What `onlyShows` accepts is broader (`model.eval()`, `next(it)` inside a
 * print, a callback parameter called) and cannot stand for "the function computes the same"
 * (`CallReads.computing`).
 */
function plainShow(python: string, node: SyntaxNode): boolean {
  const call = node.name === 'ExpressionStatement' && node.firstChild?.nextSibling === null ? node.firstChild : null;
  const callee = call?.name === 'CallExpression' ? call.firstChild : null;
  const args = call?.getChild('ArgList');
  if (!callee || !args) {
    return false;
  }
  const module = callee.name === 'MemberExpression' && callee.firstChild?.name === 'VariableName' ? python.slice(callee.firstChild.from, callee.firstChild.to) : null;
  const member = callee.lastChild?.name === 'PropertyName' ? python.slice(callee.lastChild.from, callee.lastChild.to) : null;
  const shows =
    callee.name === 'VariableName'
      ? SHOW_CALLS.has(python.slice(callee.from, callee.to))
      : member !== null && ((module === 'plt' && !PLT_NOT_SHOWS.has(member)) || (module === 'sns' && SNS_PLOTS.has(member)));
  if (!shows) {
    return false;
  }
  // Everything inside the arguments, in document order.
  const c = args.cursor();
  while (c.next() && c.from < args.to) {
    const name = c.name;
    if ((name === '*' || name === '**') && c.node.parent?.name !== 'ArithOp') {
      // Unpacked (`print(*batches)`, `[*it]`): an iterator is consumed.
      return false;
    } else if (name === 'VariableName' && c.node.nextSibling?.name === 'AssignOp' && python.slice(c.from, c.to) === 'file') {
      // `print(x, file=log)` writes to a file.
      return false;
    } else if (name === 'CallExpression') {
      const f = c.node.firstChild;
      const method = f?.name === 'MemberExpression' && f.lastChild?.name === 'PropertyName' ? python.slice(f.lastChild.from, f.lastChild.to) : null;
      const looks = method !== null && LOOKING_METHODS.has(method) && !/\binplace\s*=/.test(python.slice(c.from, c.to));
      if (!looks && (f?.name !== 'VariableName' || !PURE_CALLS.has(python.slice(f.from, f.to)))) {
        return false;
      }
    } else if ((name === 'AssignOp' && python.slice(c.from, c.to) === ':=') || /Comprehension|Lambda|Await|Yield|⚠/.test(name)) {
      return false;
    }
  }
  return true;
}

/** The statements of `CellEffects.controlFlow`, as the parser names them. */
const CONTROL_FLOW = new Set(['IfStatement', 'ForStatement', 'WhileStatement', 'TryStatement', 'WithStatement', 'MatchStatement']);

/** See `CellEffects.callRoot`. */
function callRootOf(python: string, tree: Tree): string | undefined {
  const statement = tree.topNode.firstChild;
  if (statement?.name !== 'ExpressionStatement' || statement.nextSibling !== null) {
    return undefined;
  }
  // Down the leftmost branch (`a.b(1).c()`, `f(x) + 1`, `f() if c else None`) to the first call of
  // a dotted name; a keyword or bracket first (`not f()`, `(f)()`, `await f()`) has none.
  for (let n = statement.firstChild; n !== null; n = n.firstChild) {
    if (n.name === 'CallExpression') {
      const root = dottedRoot(python, n.firstChild);
      if (root !== undefined) {
        return root;
      }
    }
  }
  return undefined;
}

/** `a` for `a` or `a.b.c`; undefined for anything else (`a[0].b`, `f().b`). */
function dottedRoot(python: string, node: SyntaxNode | null): string | undefined {
  if (node?.name === 'VariableName') {
    return python.slice(node.from, node.to);
  }
  if (node?.name === 'MemberExpression' && node.getChild('.') !== null && node.getChild('PropertyName') !== null) {
    return dottedRoot(python, node.firstChild);
  }
  return undefined;
}

/** The statements of a `def` or `class` body, each with its text. */
function bodyStatements(python: string, body: SyntaxNode): Array<{ node: SyntaxNode; text: string }> {
  const statements: Array<{ node: SyntaxNode; text: string }> = [];
  for (let k = body.firstChild; k !== null; k = k.nextSibling) {
    if (k.name !== ':' && k.name !== 'Comment' && !k.type.isSkipped) {
      statements.push({ node: k, text: statementText(python, k) });
    }
  }
  return statements;
}

/** A function definition's body statements, its parameters, and the body read as a cell of its own. */
function functionBody(python: string, fn: SyntaxNode, body: SyntaxNode): { statements: Array<{ node: SyntaxNode; text: string }>; params: Set<string>; whole: CellEffects } {
  const statements = bodyStatements(python, body);
  const params = new Set<string>();
  const list = fn.getChild('ParamList');
  // A parameter's name, not the names its default or annotation reads (`def f(x, k=n)`).
  let name = true;
  for (let p = list?.firstChild ?? null; p !== null; p = p.nextSibling) {
    if (p.name === 'VariableName' && name) {
      params.add(python.slice(p.from, p.to));
      name = false;
    } else if (p.name === ',' || p.name === '(') {
      name = true;
    } else if (p.name !== '*' && p.name !== '**' && p.name !== 'VariableName') {
      name = false;
    }
  }
  // Always shorter than the cell, so this ends.
  return { statements, params, whole: analyzeCell(statements.map(st => st.text).join('\n')) };
}

/** A body read as a cell seeds, draws or calls a random-number library, or defines a function or class (which may draw when called). */
function bodyDraws(whole: CellEffects): boolean {
  return (
    whole.seeds === true ||
    whole.randomLibraryCalls === true ||
    whole.readsRandomState === true ||
    (whole.callables?.length ?? 0) > 0 ||
    whole.effects.some(e => e.kind === 'randomness')
  );
}

/** A `def` or `class` statement among a node's children (decorated or not): its node, name and body. */
interface Definition {
  statement: SyntaxNode;
  node: SyntaxNode;
  name: string;
  body: SyntaxNode;
}

/** The definitions of `kind` among `parent`'s children (a module's top level, a class body). */
function definitionsIn(python: string, parent: SyntaxNode, kind: 'FunctionDefinition' | 'ClassDefinition'): Definition[] {
  const out: Definition[] = [];
  for (let c = parent.firstChild; c !== null; c = c.nextSibling) {
    const node = c.name === 'DecoratedStatement' ? c.getChild(kind) : c.name === kind ? c : null;
    const nameNode = node?.getChild('VariableName');
    const body = node?.getChild('Body');
    if (node && nameNode && body) {
      out.push({ statement: c, node, name: python.slice(nameNode.from, nameNode.to), body });
    }
  }
  return out;
}

/** See `CellEffects.callReads`. */
function callReadsOf(python: string, tree: Tree): Record<string, CallReads> {
  const out: Record<string, CallReads> = {};
  for (const { statement: c, node: fn, name: fnName, body } of definitionsIn(python, tree.topNode, 'FunctionDefinition')) {
    // The globals a call reads: the body's, less the parameters.
    const { statements, params, whole } = functionBody(python, fn, body);
    const globals = new Set(whole.uses.filter(n => !params.has(n)));
    const reads = new Set<string>();
    const shown: string[][] = [];
    const computing: string[] = [];
    for (const { node: k, text } of statements) {
      if (!plainShow(python, k)) {
        computing.push(text);
      }
      const used = analyzeCell(text).uses.filter(n => globals.has(n));
      if (onlyShows(k, text)) {
        if (used.length > 0) {
          shown.push(used);
        }
      } else {
        used.forEach(n => reads.add(n));
      }
    }
    const draws = bodyDraws(whole);
    const header = python.slice(c.from, body.from);
    const augmenting = (k: SyntaxNode): boolean => k.name === 'UpdateStatement' && k.firstChild?.name === 'VariableName';
    const augments = statements.some(({ node: k }) => augmenting(k) || (k.name === 'StatementGroup' && k.getChildren('UpdateStatement').some(augmenting)));
    out[fnName] = {
      reads: Array.from(reads).sort(),
      shown,
      ...(draws ? { draws } : {}),
      header,
      body: statements.map(st => st.text),
      computing,
      ...(augments ? { augments } : {})
    };
  }
  return out;
}

/** Dotted names as written (`nn.Parameter`, `Linear`), each followed or not by a call's parenthesis or a subscript (`INITS['normal'](3)`). */
const DOTTED = /(?<![\w.'"])([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)(\s*[([])?/g;
/** Builtins that iterate or call what they are given. */
const CONSUMERS = 'iter|next|list|tuple|set|frozenset|sorted|enumerate|zip|map|filter|sum|min|max|any|all|dict|reversed';
/** Class decorators that only write methods from the class's own text. */
const PLAIN_DECORATORS = new Set(['dataclass', 'dataclasses.dataclass']);

/**
 * The global names a piece of code references, dotted as written: called or subscripted
 * (`calls`) or not (`refs`). Only those rooted at a name in `globals`.
 */
function dottedRefs(text: string, globals: ReadonlySet<string>, calls: Set<string>, refs: Set<string>): void {
  for (const m of text.matchAll(DOTTED)) {
    const path = m[1].replace(/\s+/g, '');
    if (globals.has(path.split('.')[0])) {
      (m[2] !== undefined ? calls : refs).add(path);
    }
  }
}

/** What a method body (or a class body) may do when it runs (see `MethodCall`). */
function methodCall(text: string, whole: CellEffects, params: ReadonlySet<string>, self: string | undefined): MethodCall {
  let draws = bodyDraws(whole);
  // Builtins too: `getattr(nn, 'Linear')` reaches a layer by name.
  const globals = new Set([...whole.uses, ...(whole.builtinUses ?? [])].filter(n => !params.has(n)));
  const calls = new Set<string>();
  const refs = new Set<string>();
  dottedRefs(text, globals, calls, refs);
  for (const p of params) {
    // What it is given, called, iterated or asked to do something, may draw (`G(loader)`
    // iterating a shuffled DataLoader, `G(torch.randn)` calling it).
    if (p !== self && new RegExp(`\\b${p}\\s*[(.\\[]|\\b(?:${CONSUMERS})\\s*\\(\\s*\\*{0,2}${p}\\b|\\bin\\s+${p}\\b|[*]${p}\\b`).test(text)) {
      draws = true;
    }
  }
  // `self.reset()`, `self.layer(x)`: a method, or a module stored on it.
  const selfCalls = new Set<string>();
  if (self !== undefined) {
    for (const m of text.matchAll(new RegExp(`\\b${self}\\s*\\.\\s*(\\w+)\\s*\\(`, 'g'))) {
      selfCalls.add(m[1]);
    }
  }
  // `super().reset()`, `type(self).init(self)`: any name called as an attribute may be a method.
  const attributeCalls = new Set<string>();
  for (const m of text.matchAll(/\.\s*(\w+)\s*\(/g)) {
    if (!selfCalls.has(m[1])) {
      attributeCalls.add(m[1]);
    }
  }
  return {
    ...(draws ? { draws } : {}),
    calls: Array.from(calls).sort(),
    refs: Array.from(refs).sort(),
    selfCalls: Array.from(selfCalls).sort(),
    attributeCalls: Array.from(attributeCalls).sort()
  };
}

/** See `CellEffects.classCalls`. */
function classCallsOf(python: string, tree: Tree): Record<string, ClassCall> {
  const out: Record<string, ClassCall> = {};
  for (const { statement: c, node: cls, name: className, body } of definitionsIn(python, tree.topNode, 'ClassDefinition')) {
    // A decorator may wrap the class in anything (`@rand_init` drawing on construction).
    const decorators = c.getChildren('Decorator').map(d => python.slice(d.from, d.to).replace(/^@\s*|\s+/g, ''));
    const decorated = decorators.some(d => !PLAIN_DECORATORS.has(d.replace(/\(.*$/, '')));
    // Bases dotted as written; anything else (`**opts`, `metaclass=M`, a call) as `*`.
    const bases: string[] = [];
    for (let b = cls.getChild('ArgList')?.firstChild ?? null; b !== null; b = b.nextSibling) {
      if (b.name === '(' || b.name === ')' || b.name === ',' || b.name === 'Comment') {
        continue;
      }
      const text = python.slice(b.from, b.to).replace(/\s+/g, '');
      bases.push(/^[A-Za-z_][\w.]*$/.test(text) && (b.name === 'VariableName' || b.name === 'MemberExpression') ? text : '*');
    }
    const methods: Record<string, MethodCall> = {};
    const defs = definitionsIn(python, body, 'FunctionDefinition');
    for (const { statement, node: fn, name, body: fnBody } of defs) {
      const { statements, params, whole } = functionBody(python, fn, fnBody);
      const call = methodCall(statements.map(st => st.text).join('\n'), whole, params, Array.from(params)[0]);
      // A property's getter or setter runs on `net.w` or `net.w = 1`: taken as run on construction.
      const decorated = statement.name === 'DecoratedStatement' && !/^@(?:staticmethod|classmethod)\s*$/.test(python.slice(statement.from, fn.from).trim());
      const key = methods[name] === undefined ? name : `${name}@${statement.from}`;
      methods[key] = decorated ? { ...call, decorated } : call;
    }
    const text = bodyStatements(python, body)
      .filter(st => !defs.some(d => d.statement.from === st.node.from))
      .map(st => st.text)
      .join('\n');
    out[className] = {
      ...(decorated ? { decorated } : {}),
      bases,
      methods,
      body: methodCall(text, analyzeCell(text), new Set(), undefined)
    };
  }
  return out;
}

function analyzeUncached(source: string): CellEffects {
  if (source.trim() === '') {
    return emptyEffects();
  }
  let result: CellEffects;
  try {
    const ipython = translateIPython(source);
    const python = trailingDotFloats(ipython.python);
    const tree = parser.parse(python);
    const walked = walkScopes(python, tree);
    // `!pip install x`, and `os.system("pip install x")` or `subprocess.run([...])` written out.
    const shells = ipython.effects.concat(walked.effects);
    const installs = installsOf(shells);
    result = {
      defines: walked.defines,
      mayDefine: walked.mayDefine,
      uses: walked.uses,
      deletes: walked.deletes,
      mutates: walked.mutates,
      ...(walked.guessedMutates.length > 0 ? { guessedMutates: walked.guessedMutates } : {}),
      imports: walked.imports,
      ...(walked.importedModules ? { importedModules: walked.importedModules } : {}),
      ...(walked.calledOnly.length > 0 ? { calledOnly: walked.calledOnly } : {}),
      callables: walked.callables,
      keyedStores: walked.keyedStores,
      keyedReads: walked.keyedReads,
      seeds: walked.seeds,
      randomLibraryCalls: walked.randomLibraryCalls,
      ...(walked.readsRandomState ? { readsRandomState: true } : {}),
      environment: environment(walked.changesProcess, shells, installs),
      ...(installs.length > 0 ? { installs } : {}),
      ...(walked.loadsModules ? { loadsModules: true } : {}),
      ...(walked.temporaries.length > 0 ? { temporaries: walked.temporaries } : {}),
      ...(walked.constantBindings.length > 0 ? { constantBindings: walked.constantBindings } : {}),
      ...(walked.globalBindings.length > 0 ? { globalBindings: walked.globalBindings } : {}),
      ...(walked.guardedBindings.length > 0 ? { guardedBindings: walked.guardedBindings } : {}),
      ...(walked.definitionReads ? { definitionReads: walked.definitionReads } : {}),
      unknownDefines: walked.unknownDefines || ipython.unknownDefines,
      effects: normalizeEffects(ipython.effects.concat(walked.effects)),
      parseError: hasParseError(tree, python),
      builtinUses: walked.builtinUses
    };
    const typed = source.includes('\r') ? source.split('\r\n').join('\n').split('\r').join('\n') : source;
    if (ipython.python !== typed) {
      result.ipythonSyntax = true;
    }
    if (ipython.shellReads.length > 0) {
      result.shellReads = ipython.shellReads;
    }
    for (let c = tree.topNode.firstChild; c !== null; c = c.nextSibling) {
      if (CONTROL_FLOW.has(c.name)) {
        result.controlFlow = true;
        break;
      }
    }
    const statements = topLevelStatements(typed, ipython.python, tree);
    if (statements) {
      result.statements = statements.texts;
      if (statements.shows.length > 0) {
        result.shows = statements.shows;
      }
    }
    if (walked.callables.length > 0) {
      result.callReads = callReadsOf(python, tree);
      const classes = classCallsOf(python, tree);
      if (Object.keys(classes).length > 0) {
        result.classCalls = classes;
      }
    }
    const root = result.parseError ? undefined : callRootOf(python, tree);
    if (root !== undefined) {
      result.callRoot = root;
    }
  } catch {
    // Never throw on user code: an internal failure reads as an unanalysable cell.
    result = { ...emptyEffects(), unknownDefines: true, parseError: true };
  }
  return result;
}

/**
 * What one cell's code does to the kernel's global namespace. Cached by
 * source; the result is frozen and shared, do not modify it.
 */
export function analyzeCell(source: string): CellEffects {
  const key = hashSource(source);
  const hit = cache.get(key);
  if (hit !== undefined && hit.source === source) {
    // Refresh the entry's place in the LRU order.
    cache.delete(key);
    cache.set(key, hit);
    return hit.effects;
  }
  const effects = freeze(analyzeUncached(source));
  cache.set(key, { source, effects });
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) {
      cache.delete(oldest);
    }
  }
  return effects;
}
