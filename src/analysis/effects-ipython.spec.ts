/**
 * IPython syntax in cells: magics, shell escapes, help, automagic.
 */

import { clearEffectsCache } from './effects';
import { Expected, expectEffects } from './effectsTestkit.spec-util';
import { translateIPython } from './python-ipython';

beforeEach(() => clearEffectsCache());

describe('line magics', () => {
  it.each<[string, string, Expected]>([
    ['%time analyses the rest of the line as Python', '%time x = 1', { defines: ['x'], parseError: false, effects: [] }],
    ['%time reads the names of its statement', '%time r = f(data)', { defines: ['r'], uses: ['data', 'f'] }],
    ['%prun with options analyses its statement', '%prun -s cumulative -l 10 result = run(cfg)', { defines: ['result'], uses: ['cfg', 'run'] }],
    ['%timeit reads but binds nothing', '%timeit y = f(x)', { defines: [], uses: ['f', 'x'], parseError: false }],
    ['%timeit options are skipped', '%timeit -n 10 -r3 f(x)', { uses: ['f', 'x'] }],
    ['%timeit mutations are recorded', '%timeit lst.append(1)', { mutates: ['lst'] }],
    ['%matplotlib is an opaque magic', '%matplotlib inline', { effects: [{ kind: 'opaque-magic', magic: '%matplotlib' }], unknownDefines: false, defines: [] }],
    ['%load_ext and %autoreload are opaque magics', '%load_ext autoreload\n%autoreload 2', {
      effects: [
        { kind: 'opaque-magic', magic: '%autoreload' },
        { kind: 'opaque-magic', magic: '%load_ext' }
      ]
    }],
    [
      '%pip install runs pip as !pip install does',
      '%pip install -U  pandas',
      { effects: [{ kind: 'shell', command: 'pip install -U  pandas' }], installs: ['pip install -U pandas'], environment: 'install', uses: [] }
    ],
    ['%pip list runs pip and changes nothing', '%pip list', { effects: [{ kind: 'shell', command: 'pip list' }], environment: null, uses: [] }],
    ['a mistyped pip command changes nothing', 'pip instaall -U nltk', { installs: undefined, environment: null }],
    ['%pip uninstall changes the installed packages', '%pip uninstall -y tqdm', { installs: ['pip uninstall -y tqdm'], environment: 'install' }],
    ['%conda install is an install', '%conda install -y numpy', { installs: ['conda install -y numpy'], environment: 'install' }],
    ['%cd is an opaque magic that changes the working directory', '%cd data', { effects: [{ kind: 'opaque-magic', magic: '%cd' }] }],
    ['%env is an opaque magic', '%env HOME=/tmp', { effects: [{ kind: 'opaque-magic', magic: '%env' }] }],
    ['%run is an unknown define and reads the script', '%run script.py', {
      unknownDefines: true,
      effects: [
        { kind: 'file-read', path: 'script.py' },
        { kind: 'opaque-magic', magic: '%run' }
      ]
    }],
    ['%run -i reads the script after its options', '%run -i prep.py arg', { unknownDefines: true, effects: [
      { kind: 'file-read', path: 'prep.py' },
      { kind: 'opaque-magic', magic: '%run' }
    ] }],
    ['%store -r defines the restored names', '%store -r model scaler', { defines: ['model', 'scaler'], unknownDefines: false }],
    ['%store -r without names is an unknown define', '%store -r', { defines: [], unknownDefines: true }],
    ['%store of a name reads it', '%store model', { uses: ['model'], defines: [] }],
    ['%xdel deletes the name', '%xdel big', { deletes: ['big'], uses: ['big'] }],
    ['%sx is a shell command', '%sx ls -la', { effects: [{ kind: 'shell', command: 'ls -la' }] }],
    ['an unknown line magic is an unknown define', '%mystery arg', { unknownDefines: true, effects: [{ kind: 'opaque-magic', magic: '%mystery' }] }],
    ['%pylab injects names we cannot see', '%pylab inline', { unknownDefines: true }],
    ['the rest of the cell is still analysed after a magic', '%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot(x)', { defines: ['plt'], uses: ['x'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('magics inside blocks', () => {
  it.each<[string, string, Expected]>([
    ['a magic inside an if block keeps the block valid', 'if True:\n    %matplotlib inline\n    x = 1', { defines: ['x'], parseError: false }],
    ['%time inside a loop analyses its statement in the loop', 'for i in items:\n    %time r = i', { defines: ['i'], mayDefine: ['r'], parseError: false }],
    ['%timeit inside a function body is deferred like the body', 'def bench():\n    %timeit f(x)', { defines: ['bench'], uses: ['f', 'x'], parseError: false }],
    ['a shell escape inside a loop keeps the loop valid', 'for f in files:\n    !echo hi\n    n = 1', { mayDefine: ['n'], parseError: false, effects: [{ kind: 'shell', command: 'echo hi' }] }],
    ['a shell escape as the only statement of a block becomes pass', 'if c:\n    !ls\nelse:\n    y = 2', { mayDefine: ['y'], parseError: false }],
    ['a magic with a backslash continuation owns the next line', '%env A=1 \\\n  B=2\nx = 1', { defines: ['x'], parseError: false }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('cell magics', () => {
  it.each<[string, string, Expected]>([
    ['%%time analyses the body', '%%time\nx = 1\ny = f(x)', { defines: ['x', 'y'], uses: ['f'], effects: [] }],
    ['%%capture defines its output variable and analyses the body', '%%capture out\nprint(1)\nz = 3', { defines: ['out', 'z'] }],
    ['%%capture options are skipped', '%%capture --no-stderr cap\nrun()', { defines: ['cap'], uses: ['run'] }],
    ['%%capture without a variable defines nothing extra', '%%capture\nz = 3', { defines: ['z'] }],
    ['%%timeit reads its body but binds nothing', '%%timeit\ny = g(x)', { defines: [], uses: ['g', 'x'] }],
    ['%%timeit setup code on the first line binds only locals', '%%timeit -n 10 setup = 1\ny = g(setup)', { defines: [], uses: ['g'] }],
    ['%%bash is a shell effect with no Python names', '%%bash\necho hi\nx = 1', { defines: [], uses: [], effects: [{ kind: 'shell', command: 'echo hi\nx = 1' }] }],
    ['%%sh is a shell effect', '%%sh\nls', { effects: [{ kind: 'shell', command: 'ls' }] }],
    ['%%writefile is a file write of its target', "%%writefile script.py\nprint('hi')", { defines: [], effects: [{ kind: 'file-write', path: 'script.py' }] }],
    ['%%writefile -a appends to its target', '%%writefile -a log.txt\nline', { effects: [{ kind: 'file-write', path: 'log.txt' }] }],
    ['%%html is opaque with no names', '%%html\n<b>{x}</b>', { defines: [], uses: [], unknownDefines: false, effects: [{ kind: 'opaque-magic', magic: '%%html' }] }],
    ['%%javascript is opaque', '%%javascript\nalert(1)', { effects: [{ kind: 'opaque-magic', magic: '%%javascript' }], uses: [] }],
    ['%%sql with << defines the result name', '%%sql result <<\nSELECT 1', { defines: ['result'] }],
    ['%%R -i reads and -o defines', '%%R -i df -o fit\nfit <- lm(y ~ x, df)', { uses: ['df'], defines: ['fit'] }],
    ['an unknown cell magic is opaque and an unknown define', '%%foo\nbar = 1', { unknownDefines: true, defines: [], effects: [{ kind: 'opaque-magic', magic: '%%foo' }] }],
    ['blank lines before a cell magic are allowed', '\n\n%%time\nx = 1', { defines: ['x'] }],
    ['a cell magic below the first line is not a cell magic', 'x = 1\n%%time\ny = 2', { defines: ['x', 'y'], effects: [{ kind: 'opaque-magic', magic: '%%time' }] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('shell escapes', () => {
  it.each<[string, string, Expected]>([
    ['!pip install is a shell effect', '!pip install -q pandas', { effects: [{ kind: 'shell', command: 'pip install -q pandas' }], uses: [] }],
    ['!! is a shell effect', '!!ls', { effects: [{ kind: 'shell', command: 'ls' }] }],
    ['x = !ls defines x', 'x = !ls', { defines: ['x'], effects: [{ kind: 'shell', command: 'ls' }] }],
    ['files = !ls *.csv defines files', 'files = !ls *.csv', { defines: ['files'], effects: [{ kind: 'shell', command: 'ls *.csv' }] }],
    ['a shell assignment without spaces defines the name', 'out=!whoami', { defines: ['out'] }],
    ['a shell escape with a backslash continuation is one command', '!echo a \\\n  b\nz = 1', { defines: ['z'], effects: [{ kind: 'shell', command: 'echo a  b' }] }],
    ['shell commands may contain Python-like text', "!python -c 'x = 1'", { defines: [], effects: [{ kind: 'shell', command: "python -c 'x = 1'" }] }],
    ['x = %sx defines x', 'listing = %sx ls', { defines: ['listing'], effects: [{ kind: 'shell', command: 'ls' }] }],
    ['x = %time expr defines x and reads the expression', 'x = %time f()', { defines: ['x'], uses: ['f'] }],
    ['x = %timeit -o expr defines x and reads the expression', 'res = %timeit -o f(a)', { defines: ['res'], uses: ['a', 'f'] }],
    ['x = %who_ls defines x', 'names = %who_ls', { defines: ['names'], effects: [{ kind: 'opaque-magic', magic: '%who_ls' }] }],
    // IPython expands `$name` and `{expression}` from the session before running the command.
    ['a shell escape reads the names it expands', '!wget $url -O {path.name}', { uses: ['path', 'url'], effects: [{ kind: 'shell', command: 'wget $url -O {path.name}' }] }],
    ['a shell capture reads the names it expands', 'out = !echo {word}', { defines: ['out'], uses: ['word'] }],
    ['%sx reads the names it expands', 'found = %sx ls {folder}', { defines: ['found'], uses: ['folder'] }],
    ['$$ and {{ are a dollar and a brace, not expansions', '!echo $$HOME {{x}} {}', { uses: [], effects: [{ kind: 'shell', command: 'echo $$HOME {{x}} {}' }] }],
    ['an expansion reads every name of its expression, no keyword', '!echo {not done} {prefix + suffix}', { uses: ['done', 'prefix', 'suffix'] }],
    ['an expansion reads no attribute, string, conversion or format', "!echo {x.attr!r} {d['key']:>5} {len(words)}", { uses: ['d', 'words', 'x'], builtinUses: ['len'] }],
    ['the names a shell escape expands are its shell reads', 'files = !ls $HOME {folder}', { defines: ['files'], uses: ['HOME', 'folder'], shellReads: ['HOME', 'folder'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('things that look like IPython syntax but are Python', () => {
  it.each<[string, string, Expected]>([
    ['!= is a comparison, not a shell escape', 'ok = a != b', { defines: ['ok'], uses: ['a', 'b'], effects: [] }],
    ['% in a string is not a magic', "s = '%d items!' % n", { defines: ['s'], uses: ['n'], effects: [] }],
    ['% as the modulo operator is not a magic', 'r = a % b', { uses: ['a', 'b'], effects: [] }],
    ['! in a string is not a shell escape', "msg = 'done!'", { defines: ['msg'], effects: [] }],
    ['magic-looking lines inside a multi-line string are text', "s = '''\n%not a magic\n!not shell\n'''", { defines: ['s'], effects: [], parseError: false }],
    ['a continuation line inside brackets starting with ! is not a shell escape', 'x = [1,\n!2]', { effects: [], parseError: true }],
    ['a continuation line starting with != inside brackets is a comparison', 'ok = (a\n != b)', { defines: ['ok'], effects: [], parseError: false }],
    ['a ? inside a comment is not help', "print('hi')  # really?", { parseError: false, effects: [] }],
    ['a ? inside a string is not help', "q = 'why?'", { defines: ['q'] }],
    ['a name called time assigned and read is Python', 'time = 5\ntime', { defines: ['time'], effects: [] }],
    ['x = 5 % y is Python', 'x = 5 % y', { defines: ['x'], uses: ['y'] }],
    ['a keyword-argument equals sign is not a shell assignment', "f(a='!b')", { uses: ['f'], effects: [] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('help and automagic', () => {
  it.each<[string, string, Expected]>([
    ['df? has no effects', 'df?', { uses: [], defines: [], effects: [], parseError: false }],
    ['??df has no effects', '??df', { uses: [], effects: [], parseError: false }],
    ['df.head? has no effects', 'df.head?', { uses: [], parseError: false }],
    ['%timeit? is help', '%timeit?', { effects: [], parseError: false }],
    ['help inside a block keeps the block valid', 'if c:\n    np.mean?\n    x = 1', { mayDefine: ['x'], parseError: false }],
    ['pip install without % is automagic', 'pip install pandas', { effects: [{ kind: 'shell', command: 'pip install pandas' }], installs: ['pip install pandas'], uses: [] }],
    ['cd without % is automagic', 'cd ..', { effects: [{ kind: 'opaque-magic', magic: '%cd' }] }],
    ['ls alone is a shell alias', 'ls', { effects: [{ kind: 'shell', command: 'ls' }], uses: [] }],
    ['autocall with / reads the callee', '/f a b', { uses: ['f'] }],
    ['time - t0 is Python subtraction', 'elapsed = time - t0', { defines: ['elapsed'], uses: ['t0', 'time'] }],
    ['a name followed by in is Python', 'ok = run in done', { uses: ['done', 'run'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('translateIPython', () => {
  it('keeps the line count of ordinary magics', () => {
    const source = 'a = 1\n%matplotlib inline\n!ls\nx = !pwd\ndf?\nb = 2';
    expect(translateIPython(source).python.split('\n')).toHaveLength(6);
  });

  it('keeps the indentation of a replaced magic', () => {
    expect(translateIPython('if c:\n    !ls').python).toBe('if c:\n    pass');
  });

  it('rewrites a shell assignment to a plain assignment', () => {
    expect(translateIPython('x = !ls').python).toBe('x = None');
  });

  it('rewrites %time to its statement', () => {
    expect(translateIPython('%time x = 1').python).toBe('x = 1');
  });

  it('leaves plain Python unchanged', () => {
    const source = "def f(a):\n    return a % 2 != 0\ns = '!x'";
    expect(translateIPython(source).python).toBe(source);
  });
});
