/**
 * The `needs-rerun` and `edited` claims speak of the state the session ends with: a step the replay
 * needs only to run through (a widget a later cell displays after computing what it keeps) is kept
 * in the order but claims nothing (`valueSteps` in orderDiagnostics.ts).
 */
import { editedOf as edited, kindsOf as kinds, orderOf as order, SessionBuilder, stepsOf as steps } from './orderTestkit.spec-util';

// Real shape (Aram1skun s48): cell 4 makes a widget, cell 9 computes `xi` and then displays the
// widget, cell 4 is edited and run again. The kernel ends with cell 4's second widget and cell 9's xi.
const session = (show: string, showRead: string[]): SessionBuilder =>
  new SessionBuilder()
    .cell('data', 'data = [1, 2, 3]')
    .cell('wid', 'w = len(data)')
    .cell('show', show)
    .run('data', { traced: { added: ['data'] } })
    .run('wid', { traced: { added: ['w'], read: ['data'] } })
    .run('show', { traced: { added: ['xi'], read: showRead } })
    .run('wid', { code: 'w = len(data) * 2', traced: { rebound: ['w'], read: ['data'] } })
    .cell('wid', 'w = len(data) * 2');

describe('claims about the state, not about running through', () => {
  it('a value shown after the last statement that computes what the step keeps: no claim', () => {
    const o = order(session('xi = sum(data)\ndisplay(w)', ['data', 'w']));
    // The replay still runs the first widget before the cell that shows it (no NameError)...
    expect(steps(o)).toEqual(['data@0', 'wid@1', 'show@2', 'wid@3']);
    // ...but the state needs cell wid once, and not its old code.
    expect([kinds(o), edited(o)]).toEqual([[], []]);
  });

  it.each([
    ['computed from the value', 'xi = sum(data) + w\ndisplay(w)', ['edited', 'needs-rerun']],
    // Without the first widget the step stops before xi; its old code only changes what is shown.
    ['shown before what the step keeps is computed', 'display(w)\nxi = sum(data)', ['needs-rerun']],
    ['added through an alias after', 'xi = list(data)\nalias = xi\nalias.append(w)', ['edited', 'needs-rerun']],
    ['added to what the value was made from after', 'base = list(data)\nxi = base\nbase.append(w)', ['edited', 'needs-rerun']],
    ['passed to a function of the session after', 'def keep(v):\n    global xi\n    xi = v\nxi = sum(data)\nkeep(w)', ['edited', 'needs-rerun']]
  ])('a value %s: claimed', (_what, show, expected) => {
    expect(kinds(order(session(show, ['data', 'w']))).sort()).toEqual(expected);
  });
});

// Review cases, each from a real IPython shell running the tracer: the session as recorded, then the
// order without wid's first run (and with wid's current code in its place) replayed, final states compared.
describe('what a statement after the value does to the state', () => {
  type Traced = { added?: string[]; mutated?: string[]; read?: string[] };
  const claims = (s: SessionBuilder): string[] =>
    kinds(order(s))
      .filter(k => k === 'edited' || k === 'needs-rerun')
      .sort();
  const sess = (
    data: [string, Traced],
    wid: [string, string, string[]],
    show: [string, Traced],
    later?: [string, Traced],
    widReadAgain?: string[]
  ): SessionBuilder => {
    let b = new SessionBuilder().cell('data', data[0]).cell('wid', wid[0]).cell('show', show[0]);
    if (later) {
      b = b.cell('later', later[0]);
    }
    b = b
      .run('data', { traced: data[1] })
      .run('wid', { traced: { added: ['w'], read: wid[2] } })
      .run('show', { traced: show[1] })
      .run('wid', { code: wid[1], traced: { rebound: ['w'], read: widReadAgain ?? wid[2] } });
    if (later) {
      b = b.run('later', { traced: later[1] });
    }
    return b.cell('wid', wid[1]);
  };
  const list: [string, Traced] = ['data = [1, 2, 3]', { added: ['data'] }];
  it.each<[string, SessionBuilder, string[]]>([
    // Without wid's first run, show stops at a NameError before changing data.
    [
      'an alias the earlier run made, appended to',
      sess(list, ['w = data', 'w = list(data)', ['data']], ['xi = sum(data)\nw.append(4)', { added: ['xi'], mutated: ['data', 'w'], read: ['data', 'w'] }]),
      ['edited', 'needs-rerun']
    ],
    [
      'a numpy view, stored into',
      sess(
        ['import numpy as np\narr = np.array([1, 2, 3])', { added: ['np', 'arr'] }],
        ['w = arr[:2]', 'w = arr[:2].copy()', ['arr']],
        ['xi = int(arr.sum())\nw[0] = 99', { added: ['xi'], mutated: ['arr', 'w'], read: ['arr', 'w'] }]
      ),
      ['edited', 'needs-rerun']
    ],
    [
      'a bound method, called',
      sess(list, ['w = data.append', 'w = print', ['data']], ['xi = sum(data)\nw(4)', { added: ['xi'], mutated: ['data'], read: ['data', 'w'] }], undefined, []),
      ['edited', 'needs-rerun']
    ],
    [
      'a DataFrame alias, given a column',
      sess(
        ["import pandas as pd\ndf = pd.DataFrame({'a': [1, 2]})", { added: ['pd', 'df'] }],
        ['w = df', 'w = df.copy()', ['df']],
        ["xi = int(df['a'].sum())\nw['b'] = w['a'] * 2", { added: ['xi'], mutated: ['df', 'w'], read: ['df', 'w'] }]
      ),
      ['edited', 'needs-rerun']
    ],
    // `print(w, next(gen))`: w fails first, the generator is not advanced (rest = [7, 8, 9]).
    [
      'a generator advanced in the same print',
      sess(
        ['data = [1, 2, 3]\ngen = iter([7, 8, 9])', { added: ['data', 'gen'] }],
        ['w = len(data)', 'w = len(data) * 2', ['data']],
        ['xi = sum(data)\nprint(w, next(gen))', { added: ['xi'], read: ['data', 'gen', 'w'] }],
        ['rest = list(gen)', { added: ['rest'], read: ['gen'] }]
      ),
      ['needs-rerun']
    ],
    [
      'an iterator alias advanced',
      sess(
        ['data = iter([1, 2, 3, 4])\nfirst = 0', { added: ['data', 'first'] }],
        ['w = data', 'w = None', ['data']],
        ['xi = 1\nnext(w)', { added: ['xi'], read: ['w'] }],
        ['rest = list(data)', { added: ['rest'], read: ['data'] }],
        []
      ),
      ['needs-rerun']
    ],
    // Printed, then the value shown bare: the replay without wid's first run ends the same.
    [
      'printed before the value is shown bare',
      sess(list, ['w = len(data)', 'w = len(data) * 2', ['data']], ['xi = sum(data)\nprint(w)\nxi', { added: ['xi'], read: ['data', 'w'] }]),
      []
    ]
  ])('%s', (_what, s, expected) => {
    expect(claims(s)).toEqual(expected);
  });
});

// Real shape (BhanuBegum s3): one cell used to install a package at a time, each install followed by
// the cells importing it. The order keeps every install (a fresh environment needs them), but they
// give the state no value: what the imports load is the environment's, recorded with each kernel
// session and written as requirements by gather and the check.
describe('package installs', () => {
  // With `scale`, each install run also binds n, which the next import cell reads.
  const installs = (scale: boolean): SessionBuilder => {
    const n = (code: string, v: number): string => (scale ? `${code}\nn = ${v}` : code);
    const reads = scale ? ['n'] : [];
    const binds = scale ? { added: ['n'] } : {};
    return new SessionBuilder()
      .cell('pip', n('!pip install nltk', 1))
      .cell('nlp', 'import nltk\ntokens = nltk.word_tokenize("a b")' + (scale ? ' * n' : ''))
      .cell('sp', 'import spacy\ndoc = spacy.blank("en")(" ".join(tokens))' + (scale ? ' * n' : ''))
      .run('pip', { traced: binds })
      .run('nlp', { traced: { added: ['nltk', 'tokens'], read: reads } })
      .run('pip', { code: n('!pip install spacy', 2), traced: binds })
      .run('sp', { traced: { added: ['spacy', 'doc'], read: ['tokens', ...reads] } })
      .cell('pip', n('!pip install spacy', 2));
  };

  it('an install cell edited for each package: kept in the order, no claim', () => {
    const o = order(installs(false));
    expect(steps(o)).toEqual(['pip@0', 'nlp@1', 'pip@2', 'sp@3']);
    expect([kinds(o), edited(o)]).toEqual([[], []]);
  });

  it('an install cell that also computes a value each import cell reads: claimed', () => {
    const o = order(installs(true));
    expect(steps(o)).toEqual(['pip@0', 'nlp@1', 'pip@2', 'sp@3']);
    expect([kinds(o).sort(), edited(o)]).toEqual([['edited', 'needs-rerun'], ['pip']]);
  });
});

// Review cases, replayed in a real IPython shell with the tracer (a local package `rvpkg` installed with
// `--target`): the install cell edited, the cell importing the package run after its first version.
describe('an install cell edited', () => {
  const session = (ran: string, now: string, use: string): SessionBuilder =>
    new SessionBuilder()
      .cell('pip', ran)
      .cell('use', use)
      .run('pip', { traced: {} })
      .run('use', { traced: { added: ['rvpkg', 'n'] } })
      .cell('pip', now);
  const USE = 'import rvpkg\nn = rvpkg.VERSION * 10';
  const FILE = "import rvpkg\nn = int(open('out.txt').read()) + rvpkg.VERSION";
  it.each<[string, string, string, string, string[]]>([
    // n = 10 as it ran, 20 with the current code, also where the package is already installed.
    ['to ask for a version', '!pip install rvpkg', '%pip install rvpkg==2', USE, ['pip']],
    ['from a version to another', '%pip install rvpkg==1', '%pip install rvpkg==2', USE, ['pip']],
    ['to upgrade', '!pip install rvpkg', '!pip install -U rvpkg', USE, ['pip']],
    ['to install from a requirements file', '!pip install rvpkg', '!pip install -r requirements.txt', USE, ['pip']],
    // n = 6 as it ran, 8 with the current code: the shell command writes the file the next cell reads.
    ['beside a shell command writing a file', '%pip install rvpkg==1\n!echo 5 > out.txt', '%pip install rvpkg==1\n!echo 7 > out.txt', FILE, ['pip']],
    ['to make sure of other packages, by name', '!pip install rvpkg', '%pip install -q rvpkg "dask[dataframe]" scikit-learn', USE, []],
    ['from conda, by name', '!conda install -y rvpkg', '!conda install -y numpy', USE, []]
  ])('%s', (_what, ran, now, use, expected) => {
    expect(edited(order(session(ran, now, use)))).toEqual(expected);
  });
});
