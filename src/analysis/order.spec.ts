import { canonicalOrder, CanonicalOrder, CanonicalOrderEngine, DiagnosticKind } from './order';
import { analyzeCell } from './effects';
import { SessionBuilder } from './orderTestkit.spec-util';

const options = { analyze: analyzeCell };

function order(s: SessionBuilder, mergeReruns = true): CanonicalOrder {
  return canonicalOrder(s.runs, s.cells, { ...options, mergeReruns });
}

/** Steps as `cell@run` strings, e.g. ['a@0', 'b@2']. */
function steps(o: CanonicalOrder): string[] {
  return o.steps.map(st => `${st.cellId}@${st.runIndex}`);
}

function kinds(o: CanonicalOrder): DiagnosticKind[] {
  return o.diagnostics.map(d => d.kind);
}

function diag(o: CanonicalOrder, kind: DiagnosticKind) {
  const d = o.diagnostics.filter(x => x.kind === kind);
  expect(d).toHaveLength(1);
  return d[0];
}

describe('canonical order', () => {
  it('keeps a cell that a later cell reads', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').cell('b', 'y = x + 1').run('a').run('b');
    const o = order(s);
    expect(steps(o)).toEqual(['a@0', 'b@1']);
    expect(o.steps.map(st => st.position)).toEqual([0, 1]);
    expect(o.topToBottomWorks).toBe(true);
    expect(o.diagnostics).toEqual([]);
  });

  it('drops a cell whose definitions were all overwritten', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').cell('b', 'x = 2').run('a').run('b');
    expect(steps(order(s))).toEqual(['b@1']);
  });

  it('drops a cell that only displays or prints', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').cell('b', 'print(x)').cell('c', 'x').run('a').run('b').run('c');
    expect(steps(order(s))).toEqual(['a@0']);
  });

  it('orders a definer before its reader when the reader ran first and failed with NameError', () => {
    // Cell a (top) reads x, which cell b (below) defines: a failed, b ran, a reran.
    const s = new SessionBuilder()
      .cell('a', 'y = x + 1')
      .cell('b', 'x = 1')
      .run('a', { status: 'error' })
      .run('b')
      .run('a');
    const o = order(s);
    expect(steps(o)).toEqual(['b@1', 'a@2']);
    expect(o.topToBottomWorks).toBe(false);
    const d = diag(o, 'depends-on-later-cell');
    expect(d.cellIds).toEqual(['a', 'b']);
    expect(d.names).toEqual(['x']);
  });

  it('reports a cell edited after it ran', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').cell('b', 'y = x').run('a').run('b').cell('a', 'x = 2');
    const o = order(s);
    expect(steps(o)).toEqual(['a@0', 'b@1']);
    expect(o.topToBottomWorks).toBe(false);
    const d = diag(o, 'edited');
    expect(d.cellIds).toEqual(['a']);
    expect(d.names).toEqual(['x']);
    expect(d.runIndices).toEqual([0]);
  });

  it('ignores trailing whitespace when comparing a run with the cell', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').run('a').cell('a', 'x = 1   \n\n');
    const o = order(s);
    expect(kinds(o)).toEqual([]);
    expect(o.topToBottomWorks).toBe(true);
  });

  it('reports state that depends on a deleted cell', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').cell('b', 'y = x + 1').run('a').run('b').remove('a');
    const o = order(s);
    expect(o.steps).toEqual([
      { cellId: 'a', runIndex: 0, position: -1 },
      { cellId: 'b', runIndex: 1, position: 0 }
    ]);
    const d = diag(o, 'deleted-cell');
    expect(d.cellIds).toEqual(['a']);
    expect(d.names).toEqual(['x']);
    expect(o.topToBottomWorks).toBe(false);
  });

  it('reports state that depends on console input', () => {
    const s = new SessionBuilder().cell('b', 'y = x + 1').run(null, { code: 'x = 1' }).run('b');
    const o = order(s);
    expect(steps(o)).toEqual(['null@0', 'b@1']);
    const d = diag(o, 'deleted-cell');
    expect(d.cellIds).toEqual([]);
    expect(d.names).toEqual(['x']);
    expect(d.runIndices).toEqual([0]);
  });

  it('x += 1 run twice needs the cell twice', () => {
    const s = new SessionBuilder().cell('a', 'x = 0').cell('b', 'x += 1').run('a').run('b').run('b');
    const o = order(s);
    expect(steps(o)).toEqual(['a@0', 'b@1', 'b@2']);
    const d = diag(o, 'needs-rerun');
    expect(d.cellIds).toEqual(['b']);
    expect(d.runIndices).toEqual([1, 2]);
    expect(d.severity).toBe('warning');
    expect(o.topToBottomWorks).toBe(false);
  });

  it('needs a cell twice when two versions of it both contribute', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').run('a').cell('a', 'y = 2').run('a');
    const o = order(s);
    expect(steps(o)).toEqual(['a@0', 'a@1']);
    expect(kinds(o).sort()).toEqual(['edited', 'needs-rerun']);
    expect(diag(o, 'edited').runIndices).toEqual([0]);
  });

  it('a name no run defines', () => {
    const s = new SessionBuilder().cell('a', 'y = undefined_thing + 1').run('a', { status: 'error' });
    const o = order(s);
    // The failed run may have bound y before failing: it stays, and says why it may not work.
    expect(steps(o)).toEqual(['a@0']);
    const d = diag(o, 'undefined-name');
    expect(d.names).toEqual(['undefined_thing']);
    expect(d.cellIds).toEqual(['a']);
  });

  it('builtins and IPython names are not undefined', () => {
    const s = new SessionBuilder().cell('a', 'y = len(range(3)) + _ + Out').run('a');
    expect(kinds(order(s))).toEqual([]);
  });

  it('unseeded randomness', () => {
    const s = new SessionBuilder().cell('a', 'import numpy as np').cell('b', 'x = np.random.rand(3)').run('a').run('b');
    const o = order(s);
    expect(steps(o)).toEqual(['a@0', 'b@1']);
    const d = diag(o, 'nondeterminism');
    expect(d.cellIds).toEqual(['b']);
    expect(d.names).toEqual(['np.random.rand']);
  });

  it('seeded randomness keeps the seed and reports nothing', () => {
    const s = new SessionBuilder()
      .cell('a', 'import numpy as np')
      .cell('s', 'np.random.seed(0)')
      .cell('b', 'x = np.random.rand(3)')
      .run('a')
      .run('s')
      .run('b');
    const o = order(s);
    expect(steps(o)).toEqual(['a@0', 's@1', 'b@2']);
    expect(kinds(o)).toEqual([]);
  });

  it('current time is nondeterministic', () => {
    const s = new SessionBuilder().cell('a', 'import time').cell('b', 't = time.time()').run('a').run('b');
    expect(diag(order(s), 'nondeterminism').names).toEqual(['time.time']);
  });

  it('file written by one cell and read by another', () => {
    const s = new SessionBuilder()
      .cell('a', 'import pandas as pd')
      .cell('w', "df = pd.DataFrame()\ndf.to_csv('out.csv')")
      .cell('r', "df2 = pd.read_csv('./out.csv')")
      .run('a')
      .run('w')
      .run('r');
    const o = order(s);
    expect(steps(o)).toEqual(['a@0', 'w@1', 'r@2']);
    const d = diag(o, 'file-dependency');
    expect(d.cellIds).toEqual(['w', 'r']);
    expect(d.names).toEqual(['out.csv']);
  });

  it('keeps a writer the tracer saw for a file another run reads', () => {
    const s = new SessionBuilder()
      .cell('w', 'save(1)')
      .cell('r', 'data = load()')
      .run('w', { traced: { filesWritten: ['data.bin'] } })
      .run('r', { traced: { added: ['data'], filesRead: ['data.bin'] } });
    const o = order(s);
    expect(steps(o)).toEqual(['w@0', 'r@1']);
    expect(diag(o, 'file-dependency').names).toEqual(['data.bin']);
  });

  it('anti-dependency keeps reader before rebinding', () => {
    // b (top) rebinds x after c (bottom) read the old x: c must stay before b.
    const s = new SessionBuilder()
      .cell('b', 'x = 2')
      .cell('a', 'x = 1')
      .cell('c', 'y = x + 1')
      .run('a')
      .run('c')
      .run('b');
    const o = order(s);
    expect(steps(o)).toEqual(['a@0', 'c@1', 'b@2']);
    expect(o.topToBottomWorks).toBe(false);
  });

  it('del removes a name from the live state', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').cell('b', 'y = 2').cell('d', 'del x').run('a').run('b').run('d');
    const o = order(s);
    expect(steps(o)).toEqual(['b@1']);
  });

  it('deletes again a name that a needed run binds', () => {
    const s = new SessionBuilder()
      .cell('a', 'x = 1\ny = x + 1')
      .cell('d', 'del x')
      .run('a')
      .run('d');
    expect(steps(order(s))).toEqual(['a@0', 'd@1']);
  });

  it('traced mutation keeps the mutating run', () => {
    // Static analysis sees no mutation of df in `clean(df)`; the tracer does.
    const s = new SessionBuilder()
      .cell('a', 'df = load()')
      .cell('b', 'clean(df)')
      .cell('c', 'n = 1')
      .run('a')
      .run('b', { traced: { mutated: ['df'] } })
      .run('c');
    expect(steps(order(s))).toEqual(['a@0', 'b@1', 'c@2']);
    // Without the evidence the run only reads df and is dropped.
    const t = new SessionBuilder().cell('a', 'df = load()').cell('b', 'clean(df)').run('a').run('b');
    expect(steps(order(t))).toEqual(['a@0']);
  });

  it('keeps an in-place pandas call but not a display call', () => {
    const s = new SessionBuilder()
      .cell('i', 'import pandas as pd')
      .cell('a', "df = pd.read_csv('x.csv')")
      .cell('h', 'df.head()')
      .cell('d', "df.drop(columns=['a'], inplace=True)")
      .cell('p', 'plt.plot(df)')
      .run('i')
      .run('a')
      .run('h')
      .run('d')
      .run('p');
    expect(steps(order(s))).toEqual(['i@0', 'a@1', 'd@3']);
  });

  it('keeps module state setters before the runs that use the module', () => {
    const s = new SessionBuilder()
      .cell('i', 'import pandas as pd')
      .cell('o', "pd.set_option('display.max_rows', 10)")
      .cell('q', 'pd.read_json(x)')
      .cell('a', "df = pd.read_csv('x.csv')")
      .run('i')
      .run('o')
      .run('q')
      .run('a');
    expect(steps(order(s))).toEqual(['i@0', 'o@1', 'a@3']);
  });

  it('ties broken by notebook position', () => {
    // Independent cells run bottom-up come out top-down.
    const s = new SessionBuilder().cell('a', 'x = 1').cell('b', 'y = 2').cell('c', 'z = 3').run('c').run('b').run('a');
    const o = order(s);
    expect(steps(o)).toEqual(['a@2', 'b@1', 'c@0']);
    expect(o.topToBottomWorks).toBe(true);
  });

  it('new kernel session resets', () => {
    const engine = new CanonicalOrderEngine(options);
    const s = new SessionBuilder().cell('a', 'x = 1').cell('b', 'y = 2');
    engine.setCells(s.cells);
    engine.addRun({ index: 0, cellId: 'a', code: 'x = 1', executionCount: 1, status: 'ok' });
    expect(engine.compute().steps.map(st => st.cellId)).toEqual(['a']);
    engine.reset();
    expect(engine.compute().steps).toEqual([]);
    engine.addRun({ index: 0, cellId: 'b', code: 'y = 2', executionCount: 1, status: 'ok' });
    expect(engine.compute().steps.map(st => st.cellId)).toEqual(['b']);
    expect(engine.runCount).toBe(1);
  });

  it('refuses runs out of execution order', () => {
    const engine = new CanonicalOrderEngine(options);
    engine.addRun({ index: 3, cellId: 'a', code: 'x = 1', executionCount: 1, status: 'ok' });
    expect(() => engine.addRun({ index: 2, cellId: 'a', code: 'x = 1', executionCount: 1, status: 'ok' })).toThrow(
      RangeError
    );
  });

  it('merges a rerun of the import cell halfway through', () => {
    const s = new SessionBuilder()
      .cell('i', 'import numpy as np')
      .cell('a', 'x = np.zeros(3)')
      .cell('b', 'y = x + 1')
      .run('i')
      .run('a')
      .run('i')
      .run('b');
    const merged = order(s);
    expect(steps(merged)).toEqual(['i@2', 'a@1', 'b@3']);
    expect(merged.stats.mode).toBe('merged-reruns');
    expect(merged.topToBottomWorks).toBe(true);
    expect(kinds(merged)).toEqual([]);
    // A strict slice in time keeps the first import for `a`: the rerun binds the same module, so
    // it is not needed again for the live `np` (it was, before imports of one module were told apart).
    const strict = order(s, false);
    expect(steps(strict)).toEqual(['i@0', 'a@1', 'b@3']);
    expect(kinds(strict)).toEqual([]);
  });

  it('un-merges reruns that cannot be ordered once merged', () => {
    // a must run twice: once to feed the mutation read by c, once for the live df.
    const s = new SessionBuilder()
      .cell('a', 'df = load()')
      .cell('m', "df['x'] = 1")
      .cell('c', 'y = df.sum()')
      .run('a')
      .run('m')
      .run('c')
      .run('a');
    const o = order(s);
    expect(steps(o)).toEqual(['a@0', 'm@1', 'c@2', 'a@3']);
    expect(diag(o, 'needs-rerun').cellIds).toEqual(['a']);
  });

  it('a failed run without evidence does not hide an earlier definition', () => {
    const s = new SessionBuilder()
      .cell('a', 'x = 1')
      .run('a')
      .cell('a', 'x = compute()')
      .run('a', { status: 'error' });
    const o = order(s);
    // The failed run may or may not have rebound x: replaying both reproduces either case.
    expect(steps(o)).toEqual(['a@0', 'a@1']);
  });

  it("with failedRuns 'only-definer' a failed run counts only where nothing defined the name", () => {
    const s = new SessionBuilder()
      .cell('a', 'x = 1')
      .cell('b', 'x = compute()\ny = 2')
      .cell('c', 'z = y + x')
      .run('a')
      .run('b', { status: 'error' })
      .run('c', { status: 'error' });
    const o = canonicalOrder(s.runs, s.cells, { ...options, failedRuns: 'only-definer' });
    // b counts for y (nothing else defines it), not for x (a does); c only for z.
    expect(steps(o)).toEqual(['a@0', 'b@1', 'c@2']);
    const t = new SessionBuilder()
      .cell('a', 'x = 1')
      .cell('b', 'x = compute()')
      .run('a')
      .run('b', { status: 'error' })
      .run('b', { status: 'error' });
    expect(steps(canonicalOrder(t.runs, t.cells, { ...options, failedRuns: 'only-definer' }))).toEqual([
      'a@0'
    ]);
    // Two failed runs that are the only definers keep their order in time.
    const u = new SessionBuilder()
      .cell('b', 'y = 1\nfail()')
      .cell('c', 'w = y')
      .run('b', { status: 'error' })
      .run('c')
      .cell('b', 'y = 2\nfail()')
      .run('b', { status: 'error' });
    expect(steps(canonicalOrder(u.runs, u.cells, { ...options, failedRuns: 'only-definer' }))).toEqual([
      'b@0',
      'c@1',
      'b@2'
    ]);
    // The default keeps both failures: each may have rebound x.
    expect(steps(order(t))).toEqual(['a@0', 'b@1', 'b@2']);
  });

  it('a failed run with tracer evidence binds only what the tracer saw', () => {
    const s = new SessionBuilder()
      .cell('a', 'x = 1')
      .cell('b', 'y = 2\nx = compute()')
      .run('a')
      .run('b', { status: 'error', traced: { added: ['y'] } });
    expect(steps(order(s))).toEqual(['a@0', 'b@1']);
    const t = new SessionBuilder()
      .cell('a', 'x = 1')
      .cell('b', 'x = compute()')
      .run('a')
      .run('b', { status: 'error', traced: {} });
    expect(steps(order(t))).toEqual(['a@0']);
  });

  it('aborted runs never executed', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').cell('b', 'x = 2').run('a').run('b', { status: 'aborted' });
    expect(steps(order(s))).toEqual(['a@0']);
  });

  it('keeps an import-star run and takes unknown names from it', () => {
    const s = new SessionBuilder()
      .cell('i', 'from pylab import *')
      .cell('a', 'x = linspace(0, 1)')
      .cell('b', 'z = 1')
      .run('i')
      .run('a')
      .run('b');
    const o = order(s);
    expect(steps(o)).toEqual(['i@0', 'a@1', 'b@2']);
    expect(kinds(o)).toEqual([]);
  });

  it('a call reads the globals of the function it calls', () => {
    const s = new SessionBuilder()
      .cell('f', 'def f():\n    return scale * 2')
      .cell('s', 'scale = 3')
      .cell('c', 'y = f()')
      .cell('u', 'scale = 4')
      .run('f')
      .run('s')
      .run('c')
      .run('u');
    const o = order(s);
    expect(steps(o)).toEqual(['f@0', 's@1', 'c@2', 'u@3']);
    // Defining f does not depend on scale, so no "depends on a later cell".
    expect(kinds(o)).toEqual([]);
  });

  it('top to bottom fails when an unexecuted cell in between rebinds a live name', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').cell('n', 'x = 5').cell('b', 'y = x').run('a').run('b');
    const o = order(s);
    expect(steps(o)).toEqual(['a@0', 'b@1']);
    expect(o.topToBottomWorks).toBe(false);
    const t = new SessionBuilder().cell('a', 'x = 1').markdown('m', '# notes').cell('b', 'y = x').run('a').run('b');
    expect(order(t).topToBottomWorks).toBe(true);
  });

  it('keeps a setup magic that precedes needed runs', () => {
    const s = new SessionBuilder()
      .cell('m', '%matplotlib inline')
      .cell('a', 'x = 1')
      .run('m')
      .run('a');
    expect(steps(order(s))).toEqual(['m@0', 'a@1']);
  });

  it('keeps a working-directory change in its place in time', () => {
    const s = new SessionBuilder()
      .cell('r', "df = pd.read_csv('data.csv')")
      .cell('cd', '%cd data')
      .cell('i', 'import pandas as pd')
      .run('i')
      .run('cd')
      .run('r');
    expect(steps(order(s))).toEqual(['i@0', 'cd@1', 'r@2']);
  });

  it('one-shot accepts runs in any order', () => {
    const s = new SessionBuilder().cell('a', 'x = 1').cell('b', 'y = x + 1').run('a').run('b');
    const o = canonicalOrder(s.runs.slice().reverse(), s.cells, options);
    expect(steps(o)).toEqual(['a@0', 'b@1']);
  });
});

describe('merged reruns with tracer evidence', () => {
  it('a rerun that rebinds what the first run added merges with it', () => {
    const s = new SessionBuilder()
      .cell('load', 'import pandas as pd\nurl = "x.csv"\ndf = pd.read_csv(url)')
      .cell('use', 'n = len(df)')
      .run('load', { traced: { added: ['pd', 'url', 'df'] } })
      .run('use', { traced: { added: ['n'] } })
      .run('load', { traced: { rebound: ['pd', 'url', 'df'] } });
    const o = order(s);
    // n read the first load's df; the rerun computes the same value.
    expect(steps(o)).toEqual(['load@2', 'use@1']);
    expect(o.diagnostics).toEqual([]);
  });
});

describe('a binding the analysis counts as sure that the tracer saw not happen', () => {
  // Each session ends with `x = 1` in cell c; what differs is the run before it.
  const session = (code: string, added: string[], before: string | null = null): SessionBuilder => {
    const s = new SessionBuilder().cell('a', before ?? 'import contextlib\nrows = []').cell('b', code).cell('c', 'x = 1');
    return s
      .run('a', { traced: { added: before === null ? ['contextlib', 'rows'] : ['contextlib', 'rows', 'row', 'plotly'] } })
      .run('b', { traced: { added, read: ['contextlib', 'rows'] } })
      .run('c', { traced: { added: ['x'] } });
  };
  const suppressed = 'with contextlib.suppress(ImportError):\n    import plotly';
  const emptyLoop = 'for row in rows:\n    print(row)';
  it.each([
    ['an import a context manager suppressed binds nothing', session(suppressed, []), ['a@0', 'c@2']],
    ['a loop over nothing leaves its target unbound', session(emptyLoop, []), ['a@0', 'c@2']],
    ['a loop that ran binds its target', session(emptyLoop, ['row']), ['a@0', 'b@1', 'c@2']],
    ['an import that ran binds its module', session(suppressed, ['plotly']), ['a@0', 'b@1', 'c@2']],
    // Held before: the tracer, which reports changes of identity, cannot tell "bound again" from "not bound".
    ['a name the session held', session(emptyLoop, [], 'import contextlib\nrows = []\nrow = 0\nplotly = None'), ['a@0', 'b@1', 'c@2']]
  ])('%s', (_what, s, expected) => {
    expect(steps(order(s))).toEqual(expected);
  });

  // Real session: an earlier context manager suppresses what opening the file raised; f is never bound.
  it('the target of a later item of a with statement', () => {
    const code = "with contextlib.suppress(FileNotFoundError), open('/nonexistent/missing.txt') as f:\n    pass";
    expect(steps(order(session(code, [])))).toEqual(['a@0', 'c@2']);
  });

  // Real session (review): a post_run_cell callback set the global row = 0 after run a, outside any
  // run the engine saw; the loop then rebound it (the tracer lists it as rebound, not added).
  it('a name the tracer saw rebound, though no run the engine saw bound it before', () => {
    const s = new SessionBuilder()
      .cell(
        'a',
        "from IPython import get_ipython as shell\nrows = [1, 2]\ndef on_change(v):\n    global row\n    row = v\ndef once(result):\n    on_change(0)\n    shell().events.unregister('post_run_cell', once)\nshell().events.register('post_run_cell', once)"
      )
      .cell('b', 'for row in rows:\n    pass')
      .cell('c', 'last = row * 10')
      .run('a', { traced: { added: ['shell', 'rows', 'on_change', 'once'] } })
      .run('b', { traced: { rebound: ['row'], read: ['rows'] } })
      .run('c', { traced: { added: ['last'], read: ['row'] } });
    // Replaying a, c gives last = 0: only a, b, c rebuilds row = 2, last = 20.
    const o = order(s);
    expect([steps(o), kinds(o)]).toEqual([['a@0', 'b@1', 'c@2'], []]);
  });
});
