/**
 * The edited diagnostic's propagation of a changed value through later steps (objects changed
 * in place, globals a session function changes, which version of a function a call read), and
 * import reruns, on shapes from notebooks a review wrote down.
 */
import type { CanonicalOrder } from './order';
import { editedOf as edited, orderOf as order, SessionBuilder, stepsOf as steps } from './orderTestkit.spec-util';

describe('an edit followed through the steps: objects changed in place, globals, calls', () => {
  it('a list a session function appends to (a global, not an argument), created by the same step', () => {
    const s = (traced: boolean): SessionBuilder => {
      const t = (x: object): { traced?: object } => (traced ? { traced: x } : {});
      return new SessionBuilder()
        .cell('a', 'n = 10')
        .cell('f', 'def record(x):\n    history.append(x * 2)')
        .cell('c', 'history = []\nrecord(n)')
        .cell('z', 'n = 5')
        .run('a', t({ added: ['n'] }))
        .run('f', t({ added: ['record'] }))
        .run('c', t({ added: ['history'], read: ['record', 'n', 'history'] }))
        .run('z', t({ rebound: ['n'] }))
        .cell('a', 'n = 20');
    };
    // history is [40] instead of [20].
    expect([edited(order(s(true))), edited(order(s(false)))]).toEqual([['a'], ['a']]);
  });

  it('a counter a session function bumps through `global`, reset by the same step', () => {
    const s = new SessionBuilder()
      .cell('a', 'n = 10')
      .cell('f', 'def bump():\n    global count\n    count += n')
      .cell('c', 'count = 0\nfor i in range(3):\n    bump()')
      .cell('z', 'n = 5')
      .run('a', { traced: { added: ['n'] } })
      .run('f', { traced: { added: ['bump'] } })
      .run('c', { traced: { added: ['count', 'i'], read: ['bump', 'n', 'count'] } })
      .run('z', { traced: { rebound: ['n'] } })
      .cell('a', 'n = 20');
    expect(edited(order(s))).toEqual(['a']);
  });

  it('an array the step creates, then fills from the changed value through a library function', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import numpy as np')
      .cell('a', 'n = 10')
      .cell('c', 'w = np.zeros((3, 3))\nnp.fill_diagonal(w, n)')
      .cell('z', 'n = 5')
      .run('imp', { traced: { added: ['np'] } })
      .run('a', { traced: { added: ['n'] } })
      .run('c', { traced: { added: ['w'], read: ['np', 'n'] } })
      .run('z', { traced: { rebound: ['n'] } })
      .cell('a', 'n = 20');
    expect(edited(order(s))).toEqual(['a']);
  });

  it('a session function that changes its argument with an augmented assignment (a += ...)', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import numpy as np')
      .cell('a', 'sigma = 0.1')
      .cell('f', 'def add_noise(arr, s):\n    arr += np.ones(arr.shape) * s')
      .cell('c', 'X = np.zeros(3)\nadd_noise(X, sigma)')
      .cell('z', 'sigma = 0.5')
      .run('imp', { traced: { added: ['np'] } })
      .run('a', { traced: { added: ['sigma'] } })
      .run('f', { traced: { added: ['add_noise'] } })
      .run('c', { traced: { added: ['X'], read: ['np', 'sigma', 'add_noise'] } })
      .run('z', { traced: { rebound: ['sigma'] } })
      .cell('a', 'sigma = 0.2');
    expect(edited(order(s))).toEqual(['a']);
  });

  it('a session function that changes its argument through a torch in-place initializer', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import torch')
      .cell('a', 'std = 0.1')
      .cell('f', 'def init(layer, s):\n    torch.nn.init.normal_(layer.weight, std=s)')
      .cell('c', 'net = torch.nn.Linear(2, 1)\ninit(net, std)')
      .cell('z', 'std = 0.5')
      .run('imp', { traced: { added: ['torch'] } })
      .run('a', { traced: { added: ['std'] } })
      .run('f', { traced: { added: ['init'] } })
      .run('c', { traced: { added: ['net'], read: ['torch', 'std', 'init'] } })
      .run('z', { traced: { rebound: ['std'] } })
      .cell('a', 'std = 0.2');
    expect(edited(order(s))).toEqual(['a']);
  });

  it('a session function reading the changed global only inside a lambda', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import pandas as pd')
      .cell('a', 'n = 10')
      .cell('f', 'def scaled(d):\n    return d.apply(lambda v: v * n)')
      .cell('d', "df = pd.DataFrame({'x': [1, 2]})")
      .cell('c', 'out = scaled(df)')
      .cell('z', 'n = 5')
      .run('imp').run('a').run('f').run('d').run('c').run('z')
      .cell('a', 'n = 20');
    expect(edited(order(s))).toEqual(['a']);
  });

  it('a session function reading the changed global only inside a nested def', () => {
    const s = new SessionBuilder()
      .cell('a', 'n = 10')
      .cell('f', 'def scaled(x):\n    def inner():\n        return x * n\n    return inner()')
      .cell('c', 'out = scaled(3)')
      .cell('z', 'n = 5')
      .run('a').run('f').run('c').run('z')
      .cell('a', 'n = 20');
    expect(edited(order(s))).toEqual(['a']);
  });

  it('a model trained through a trainer object, the model set up by the same step, the trainer dropped later', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import torch')
      .cell('a', 'lr = 0.1')
      .cell('m', 'model = torch.nn.Linear(2, 1)')
      .cell('c', 'opt = torch.optim.SGD(model.parameters(), lr=lr)\nmodel.train()\nfor e in range(3):\n    opt.step()')
      .cell('z', 'del opt')
      .run('imp', { traced: { added: ['torch'] } })
      .run('a', { traced: { added: ['lr'] } })
      .run('m', { traced: { added: ['model'] } })
      .run('c', { traced: { added: ['opt', 'e'], mutated: ['model'], read: ['torch', 'model', 'lr'] } })
      .run('z', { traced: { deleted: ['opt'] } })
      .cell('a', 'lr = 0.01');
    expect(edited(order(s))).toEqual(['a']);
  });

  it('a function called through functools.partial', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import functools')
      .cell('a', 'n = 10')
      .cell('f', 'def scale(v, k):\n    return v * k * n')
      .cell('g', 'g = functools.partial(scale, k=2)')
      .cell('c', 'y = g(3)')
      .cell('z', 'n = 5')
      .run('imp').run('a').run('f').run('g')
      .run('c', { traced: { added: ['y'], read: ['g', 'n'] } })
      .run('z')
      .cell('a', 'n = 20');
    expect(edited(order(s))).toEqual(['a']);
  });

  it('a method of a session class reading the changed global', () => {
    const s = new SessionBuilder()
      .cell('a', 'n = 10')
      .cell('k', 'class Model:\n    def predict(self, v):\n        return v * n')
      .cell('m', 'm = Model()')
      .cell('c', 'y = m.predict(3)')
      .cell('z', 'n = 5')
      .run('a').run('k').run('m')
      .run('c', { traced: { added: ['y'], read: ['m', 'n'] } })
      .run('z')
      .cell('a', 'n = 20');
    expect(edited(order(s))).toEqual(['a']);
  });

  it('a model the step creates, trained by an imported training function with an optimizer from the changed lr', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import torch\nfrom engine import train_one_epoch')
      .cell('a', 'lr = 0.005')
      .cell('c', 'model = torch.nn.Linear(2, 1)\noptimizer = torch.optim.SGD(model.parameters(), lr=lr)\nfor epoch in range(2):\n    train_one_epoch(model, optimizer, epoch)')
      .cell('z', 'lr = 1e-4\noptimizer = torch.optim.SGD(model.parameters(), lr=lr)')
      .run('imp', { traced: { added: ['torch', 'train_one_epoch'] } })
      .run('a', { traced: { added: ['lr'] } })
      .run('c', { traced: { added: ['model', 'optimizer', 'epoch'], read: ['torch', 'lr', 'train_one_epoch'] } })
      .run('z', { traced: { rebound: ['lr', 'optimizer'], read: ['torch', 'model'] } })
      .cell('a', 'lr = 0.01');
    const o = order(s);
    expect(steps(o)).toEqual(['imp@0', 'a@1', 'c@2', 'z@3']);
    // model's weights were trained with lr 0.005; the replay trains them with 0.01.
    expect(edited(o)).toEqual(['a']);
  });

  it('model.apply(init_weights) with a session initializer reading the changed global', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import torch')
      .cell('a', 'gain = 1.0')
      .cell('f', 'def init_weights(m):\n    if isinstance(m, torch.nn.Linear):\n        torch.nn.init.xavier_uniform_(m.weight, gain=gain)')
      .cell('c', 'model = torch.nn.Sequential(torch.nn.Linear(2, 1))\nmodel.apply(init_weights)')
      .cell('z', 'gain = 2.0')
      .run('imp', { traced: { added: ['torch'] } })
      .run('a', { traced: { added: ['gain'] } })
      .run('f', { traced: { added: ['init_weights'] } })
      .run('c', { traced: { added: ['model'], read: ['torch', 'init_weights', 'gain'] } })
      .run('z', { traced: { rebound: ['gain'] } })
      .cell('a', 'gain = 0.5');
    expect(edited(order(s))).toEqual(['a']);
  });

  it('the lr edited in the training cell itself, the optimizer rebound later', () => {
    const c = (lr: string): string => `model = torch.nn.Linear(2, 1)\noptimizer = torch.optim.SGD(model.parameters(), lr=${lr})\nfor epoch in range(2):\n    train_one_epoch(model, optimizer, epoch)`;
    const s = new SessionBuilder()
      .cell('imp', 'import torch\nfrom engine import train_one_epoch')
      .cell('c', c('0.005'))
      .cell('z', 'optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)')
      .run('imp', { traced: { added: ['torch', 'train_one_epoch'] } })
      .run('c', { traced: { added: ['model', 'optimizer', 'epoch'], read: ['torch', 'train_one_epoch'] } })
      .run('z', { traced: { rebound: ['optimizer'], read: ['torch', 'model'] } })
      .cell('c', c('0.01'));
    expect(edited(order(s))).toEqual(['c']);
  });
});

describe('edit propagation and import reruns: odd code', () => {
  it('a session function called between the runs uses a builtin the rerun shadows (sum)', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import numpy as np')
      .cell('f', 'def total(xs):\n    return sum(xs)')
      .cell('a', 't = total([1, 2, 3])\nx = np.ones(t)')
      .cell('b', 'y = str(x)')
      .run('imp').run('f').run('a')
      .cell('imp', 'import numpy as np\nfrom pyspark.sql.functions import col, sum').run('imp').run('b');
    const st = steps(order(s));
    // In the replay, the call of total must run before pyspark's sum shadows the builtin.
    expect(st.indexOf('a@2')).toBeLessThan(Math.max(...st.map((x, i) => (x.startsWith('imp@') ? i : -1))));
  });

  it('odd code does not throw: empty bodies, lambdas, decorators, async, cell magics, syntax errors, console, deleted cells', () => {
    const s = new SessionBuilder()
      .cell('a', 'n = 10')
      .cell('f1', 'def f(x):\n    ...')
      .cell('f2', '@functools.wraps(g)\nasync def h(x):\n    return x * n')
      .cell('f3', 'k = lambda v: v * n')
      .cell('f4', '%%time\ndef q(d):\n    d.append(n)')
      .cell('bad', 'def broken(x:\n    return n')
      .cell('tmp', 'def gone(d):\n    d.append(n)')
      .cell('c', 'lst = []\nf(n)\nk(n)\nq(lst)\ngone(lst)\nbroken(n)\nwhile 1:\n    break')
      .cell('z', 'n = 5')
      .run('a').run('f1').run('f2').run('f3').run('f4').run('bad', { status: 'error' }).run('tmp').remove('tmp')
      .run(null, { code: 'def f(x):\n    return x + n' })
      .run('c', { status: 'error' })
      .run('c')
      .run(null, { code: 'lst.append(n)' })
      .run('z')
      .cell('a', 'n = 20');
    expect(() => order(s)).not.toThrow();
    expect(edited(order(s))).toEqual(['a']);
  });

  it.each([
    ['torch in-place init', 'import torch', 'layer = torch.nn.Linear(2, 1)\ntorch.nn.init.normal_(layer.weight, std=g)', ['torch', 'g'], ['layer']],
    ['networkx set_node_attributes', 'import networkx as nx', "G = nx.Graph()\nnx.set_node_attributes(G, {0: g}, 'score')", ['nx', 'g'], ['G']]
  ])('an object the step creates, changed in place by a library function with the changed value (%s)', (_w, imp, c, read, added) => {
    const s = new SessionBuilder()
      .cell('imp', imp)
      .cell('a', 'g = 0.1')
      .cell('c', c)
      .cell('z', 'g = 0.5')
      .run('imp', { traced: { added: [imp.split(' ').pop()!] } })
      .run('a', { traced: { added: ['g'] } })
      .run('c', { traced: { added, read } })
      .run('z', { traced: { rebound: ['g'] } })
      .cell('a', 'g = 0.2');
    expect(edited(order(s))).toEqual(['a']);
  });
});

describe('an import rerun served by its later run: what a run between prepared', () => {
  function between(f: string, imp2: string, a = 'x = np.ones(3)', b = 'y = str(x)'): SessionBuilder {
    return new SessionBuilder()
      .cell('imp', 'import numpy as np').cell('f', f).cell('a', a).cell('b', b)
      .run('imp').run('f').run('a')
      .cell('imp', imp2).run('imp').run('b');
  }
  function importAfter(o: CanonicalOrder, step: string): void {
    const st = steps(o);
    const lastImp = Math.max(...st.map((x, i) => (x.startsWith('imp@') ? i : -1)));
    expect(st).toContain(step);
    expect(lastImp).toBeGreaterThan(st.indexOf(step));
  }
  it('a session function called between that extends sys.path (the new import needs it)', () => {
    importAfter(order(between('import sys\ndef setup_paths():\n    sys.path.append("../src")', 'import numpy as np\nimport mylib', 'setup_paths()\nx = np.ones(3)')), 'a@2');
  });
  it.each([
    ['ok = findspark.init()', 'import findspark\nok = findspark.init()', 'import numpy as np\nfrom pyspark.sql import SparkSession'],
    ['os.environ.setdefault', 'import os\nos.environ.setdefault("KERAS_BACKEND", "torch")', 'import numpy as np\nimport keras']
  ])('a run between that prepares the new import, its result bound (%s)', (_w, f, imp2) => {
    importAfter(order(between(f, imp2)), 'f@1');
  });
});

describe('which version of a session function a call read', () => {
  function s(v1: string, v2: string, console = false): SessionBuilder {
    const b = new SessionBuilder().cell('a', 'n = 10').cell('f', v1).cell('c', 'y = f(3)').cell('z', 'n = 5').run('a');
    if (console) {
      b.run(null, { code: v1 });
    } else {
      b.run('f');
    }
    return b.run('c').cell('f', v2).run('f').run('z').cell('a', 'n = 20');
  }
  it('the call read the version that reads n (redefined since): reported', () => {
    expect(edited(order(s('def f(v):\n    return v * n', 'def f(v):\n    return v * 2')))).toContain('a');
  });
  it('the call read the version that does not read n: not reported', () => {
    expect(edited(order(s('def f(v):\n    return v * 2', 'def f(v):\n    return v * n')))).not.toContain('a');
  });
  it('the version read was defined in the console: reported', () => {
    expect(edited(order(s('def f(v):\n    return v * n', 'def f(v):\n    return v * 2', true)))).toEqual(['a']);
  });
});

describe('what a call reads: parameters and their defaults', () => {
  it('a global the body reads, also named in a default value, is still read when called', () => {
    const s = new SessionBuilder()
      .cell('a', 'n = 1')
      .cell('f', 'def f(x, k=n):\n    return x * k + n')
      .cell('b', 'n = 10')
      .cell('c', 'y = f(3)')
      .cell('z', 'n = 5')
      .run('a').run('f').run('b').run('c').run('z')
      .cell('b', 'n = 20');
    // y = 3 * 1 + 10 = 13; the replay gives 23.
    expect(edited(order(s))).toEqual(['b']);
  });

  it('the same call placed in the order: it reads the n bound after the definition', () => {
    const s = new SessionBuilder()
      .cell('a', 'n = 1')
      .cell('f', 'def f(x, k=n):\n    return x * k + n')
      .cell('c', 'y = f(3)')
      .cell('b', 'n = 10')
      .run('a').run('f').run('b').run('c');
    const st = steps(order(s));
    expect(st.indexOf('b@2')).toBeLessThan(st.indexOf('c@3'));
  });
});

describe('an edit inside a string is an edit of its value', () => {
  const query = (body: string): string => `q = """\nSELECT *\n${body}FROM t\n"""\nn = len(q)`;
  it.each([
    ['a blank line added inside a triple-quoted string', '\n', ['a']],
    ['trailing spaces added inside a triple-quoted string', '  \n', ['a']],
    ['a comment and a blank line added outside the string', null, []],
    // Python rejects a NUL in source: this version no longer compiles.
    ['a line break made a NUL', 'NUL', ['a']]
  ])('%s', (_what, body, expected) => {
    const now = body === null ? `# the query\n${query('')}\n\n` : body === 'NUL' ? query('').replace('\nFROM', '\u0000FROM') : query(body);
    const s = new SessionBuilder()
      .cell('a', query(''))
      .cell('z', 'print(n)')
      .run('a', { traced: { added: ['q', 'n'] } })
      .run('z', { traced: { added: [], read: ['n'] } })
      .cell('a', now);
    expect(edited(order(s))).toEqual(expected);
  });
});

// A function edited to add a statement whose locals only a plot or print reads still computes
// something else when called: the statement may use up an iterator, call a callback, add to a list
// parameter in place or raise. Review cases, each replayed in a real IPython shell with the tracer:
// the caller's step as it ran, then with the function's current code, final values compared.
describe('a function edited to bind locals only a show reads', () => {
  const session = (setup: string, setupBinds: string[], ran: string, now: string, caller: string, callerReads: string[], later?: string): SessionBuilder => {
    let b = new SessionBuilder().cell('setup', setup).cell('f', ran).cell('c', caller);
    if (later) {
      b = b.cell('later', later);
    }
    b = b
      .run('setup', { traced: { added: setupBinds } })
      .run('f', { traced: { added: ['f'] } })
      .run('c', { traced: { added: ['s'], read: callerReads } });
    if (later) {
      b = b.run('later', { traced: { added: ['rest'], read: ['it'] } });
    }
    return b.run('f', { code: now, traced: { rebound: ['f'] } }).cell('f', now);
  };
  const PLT = 'import matplotlib.pyplot as plt\n';
  it.each<[string, SessionBuilder]>([
    // s = 12 as it ran, 0 with the current code.
    [
      'a generator argument used up',
      session(
        'data = [1, 2, 3]',
        ['data'],
        'def f(rows):\n    t = sum(rows)\n    return t',
        'def f(rows):\n    n = len(list(rows))\n    print(n)\n    t = sum(rows)\n    return t',
        's = f(x * 2 for x in data)',
        ['data', 'f']
      )
    ],
    // history [0.5] as it ran, [0.5, 0.25] with the current code.
    [
      'a list argument added to in place (+=)',
      session(
        PLT + 'history = [0.5]',
        ['plt', 'history'],
        'def f(history, loss):\n    best = round(loss, 2)\n    return best',
        'def f(history, loss):\n    best = round(loss, 2)\n    history += [loss]\n    plt.plot(history)\n    return best',
        's = f(history, 0.25)',
        ['history', 'f']
      )
    ],
    // rest [3, 1, 2] as it ran, [1, 2] with the current code.
    [
      'an iterator argument advanced',
      session(
        'it = iter([3, 1, 2])',
        ['it'],
        'def f(rows, scale):\n    out = scale * 2\n    return out',
        'def f(rows, scale):\n    head = next(rows)\n    print(head)\n    out = scale * 2\n    return out',
        's = f(it, 3)',
        ['it', 'f'],
        'rest = list(it)'
      )
    ],
    // history [] as it ran, [3] with the current code.
    [
      'a callback argument called',
      session(
        PLT + 'history = []\ndef log(v):\n    history.append(v)\n    return v',
        ['plt', 'history', 'log'],
        'def f(xs, cb):\n    t = sum(xs)\n    return t',
        'def f(xs, cb):\n    t = sum(xs)\n    r = cb(t)\n    plt.plot([r])\n    return t',
        's = f([1, 2], log)',
        ['f', 'log']
      )
    ],
    // s = 6 as it ran; with the current code the call raises IndexError and s is not bound.
    [
      'an index that raises',
      session(
        'data = [1, 2, 3]',
        ['data'],
        'def f(xs):\n    t = sum(xs)\n    return t',
        'def f(xs):\n    t = sum(xs)\n    tenth = xs[10]\n    print(tenth)\n    return t',
        's = f(data)',
        ['data', 'f']
      )
    ],
    // Aram1skun s29's shape: a library call may raise or change what it is given as well.
    [
      'a response computed by a library and plotted',
      session(
        PLT + 'from scipy.signal import butter, sosfreqz',
        ['plt', 'butter', 'sosfreqz'],
        'def f(lo, hi):\n    sos = butter(lo, hi)\n    return sos',
        'def f(lo, hi):\n    sos = butter(lo, hi)\n    w, h = sosfreqz(sos, worN=2000)\n    plt.plot(w, abs(h))\n    return sos',
        's = f(1, 2)',
        ['butter', 'f']
      )
    ],
    [
      'a local returned through locals()',
      session(
        'data = [1, 2, 3]',
        ['data'],
        'def f(xs):\n    t = sum(xs)\n    return locals()',
        'def f(xs):\n    t = sum(xs)\n    extra = 1\n    return locals()',
        's = f(data)',
        ['data', 'f']
      )
    ]
  ])('%s: edited', (_what, s) => {
    expect(edited(order(s))).toEqual(['f']);
  });

  it('only a print of what it is given added: not edited', () => {
    const s = session('data = [1, 2, 3]', ['data'], 'def f(xs):\n    t = sum(xs)\n    return t', 'def f(xs):\n    t = sum(xs)\n    print(t)\n    return t', 's = f(data)', ['data', 'f']);
    expect(edited(order(s))).toEqual([]);
  });
});
