import { analyzeCell } from './effects';
import { canonicalOrder, CanonicalOrder } from './order';
import { SessionBuilder } from './orderTestkit.spec-util';

/** Canonical order with the real static analysis (@lezer/python). */
function order(s: SessionBuilder): CanonicalOrder {
  return canonicalOrder(s.runs, s.cells, { analyze: analyzeCell });
}

function steps(o: CanonicalOrder): string[] {
  return o.steps.map(st => `${st.cellId}@${st.runIndex}`);
}

const IMPORTS = 'import numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\n%matplotlib inline';

describe('canonical order with the real analyzer', () => {
  it('keeps the pandas pipeline and drops display, plots and summaries', () => {
    const s = new SessionBuilder()
      .cell('imp', IMPORTS)
      .cell('load', "df = pd.read_csv('data/sales.csv')\ndf.head()")
      .cell('look', 'df.describe()\nprint(df.shape)')
      .cell('clean', "df.dropna(inplace=True)\ndf['total'] = df['price'] * df['qty']")
      .cell('plot', "fig, ax = plt.subplots()\nax.plot(df['total'])\nplt.show()")
      .cell('agg', "by_month = df.groupby('month')['total'].sum()")
      .run('imp')
      .run('load')
      .run('look')
      .run('clean')
      .run('plot')
      .run('agg');
    const o = order(s);
    // fig/ax are live names too, so the plot cell stays.
    expect(steps(o)).toEqual(['imp@0', 'load@1', 'clean@3', 'plot@4', 'agg@5']);
    expect(o.topToBottomWorks).toBe(true);
    expect(o.diagnostics).toEqual([]);
  });

  it('a display-only cell is not a step', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import pandas as pd')
      .cell('load', "df = pd.read_csv('a.csv')")
      .cell('show', "df.head(10)\ndf['x'].value_counts()")
      .run('imp')
      .run('load')
      .run('show');
    expect(steps(order(s))).toEqual(['imp@0', 'load@1']);
  });

  it('re-running the import cell halfway costs no extra step', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import pandas as pd\nimport numpy as np')
      .cell('load', "df = pd.read_csv('a.csv')")
      .cell('feat', "df['log_x'] = np.log1p(df['x'])")
      .run('imp')
      .run('load')
      .run('imp')
      .run('feat');
    const o = order(s);
    expect(steps(o)).toEqual(['imp@2', 'load@1', 'feat@3']);
    expect(o.diagnostics).toEqual([]);
  });

  it('a cell that fixes a NameError by defining the function below', () => {
    const s = new SessionBuilder()
      .cell('use', 'scores = [score(x) for x in range(10)]')
      .cell('def', 'def score(x):\n    return x * weight')
      .cell('w', 'weight = 0.5')
      .run('use', { status: 'error' })
      .run('w')
      .run('def')
      .run('use');
    const o = order(s);
    expect(steps(o)).toEqual(['def@2', 'w@1', 'use@3']);
    const d = o.diagnostics.find(x => x.kind === 'depends-on-later-cell')!;
    expect(d.cellIds[0]).toBe('use');
    expect(o.topToBottomWorks).toBe(false);
  });

  it('seeding keeps the seed cell; unseeded draws are reported', () => {
    const seeded = new SessionBuilder()
      .cell('imp', 'import numpy as np')
      .cell('seed', 'np.random.seed(42)')
      .cell('draw', 'x = np.random.normal(size=100)')
      .run('imp')
      .run('seed')
      .run('draw');
    const o = order(seeded);
    expect(steps(o)).toEqual(['imp@0', 'seed@1', 'draw@2']);
    expect(o.diagnostics).toEqual([]);
    const unseeded = new SessionBuilder()
      .cell('imp', 'import numpy as np')
      .cell('draw', 'x = np.random.normal(size=100)')
      .run('imp')
      .run('draw');
    const d = order(unseeded).diagnostics;
    expect(d.map(x => x.kind)).toEqual(['nondeterminism']);
    expect(d[0].cellIds).toEqual(['draw']);
  });

  it('a model fitted in place keeps the fit cell', () => {
    const s = new SessionBuilder()
      .cell('imp', 'from sklearn.linear_model import LinearRegression')
      .cell('data', 'X = [[1], [2], [3]]\ny = [1, 2, 3]')
      .cell('model', 'model = LinearRegression()')
      .cell('fit', 'model.fit(X, y)')
      .cell('show', 'model.coef_')
      .run('imp')
      .run('data')
      .run('model')
      .run('fit')
      .run('show');
    expect(steps(order(s))).toEqual(['imp@0', 'data@1', 'model@2', 'fit@3']);
  });

  it('a CSV written by one cell and read by another', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import pandas as pd')
      .cell('w', "pd.DataFrame({'a': [1, 2]}).to_csv('out.csv', index=False)")
      .cell('r', "back = pd.read_csv('out.csv')")
      .run('imp')
      .run('w')
      .run('r');
    const o = order(s);
    expect(steps(o)).toEqual(['imp@0', 'w@1', 'r@2']);
    const d = o.diagnostics.find(x => x.kind === 'file-dependency')!;
    expect(d.cellIds).toEqual(['w', 'r']);
    expect(d.names).toEqual(['out.csv']);
  });

  it('a syntax error run executed nothing', () => {
    const s = new SessionBuilder()
      .cell('a', 'x = 1')
      .run('a')
      .cell('a', 'x = (2,')
      .run('a', { status: 'error' });
    const o = order(s);
    expect(steps(o)).toEqual(['a@0']);
    expect(o.diagnostics.map(d => d.kind)).toEqual(['edited']);
  });

  it('a loop that accumulates in place needs each run of its cell', () => {
    const s = new SessionBuilder()
      .cell('init', 'totals = []')
      .cell('acc', 'for i in range(3):\n    totals.append(i)')
      .run('init')
      .run('acc')
      .run('acc');
    const o = order(s);
    expect(steps(o)).toEqual(['init@0', 'acc@1', 'acc@2']);
    expect(o.diagnostics.map(d => d.kind)).toEqual(['needs-rerun']);
  });

  it('%cd keeps its place before the file reads that follow it', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import pandas as pd')
      .cell('cd', '%cd data')
      .cell('load', "df = pd.read_csv('x.csv')")
      .run('imp')
      .run('cd')
      .run('load');
    expect(steps(order(s))).toEqual(['imp@0', 'cd@1', 'load@2']);
  });

  it('a traced read of a name the cell binds before reading it does not chain reruns together', () => {
    // The tracer reports `model` as read (it existed before the rerun), but the
    // cell rebinds it before using it: the rerun does not need the first run.
    const code = 'model = make_model(data)\nresult = model.fit()';
    const traced = { added: [], rebound: ['model', 'result'], deleted: [], mutated: [], read: ['model', 'result', 'data', 'make_model'], filesRead: [], filesWritten: [] };
    const s = new SessionBuilder()
      .cell('def', 'def make_model(d):\n    return Model(d)')
      .cell('data', 'data = load()')
      .cell('fit', code)
      .run('def')
      .run('data')
      .run('fit', { traced: { ...traced, added: ['model', 'result'], rebound: [] } })
      .run('fit', { traced });
    expect(steps(order(s))).toEqual(['def@0', 'data@1', 'fit@3']);
  });

  it('after a seed, runs that draw through a function or a random library stay, in order, with the seed', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import pyro')
      .cell('seed', 'pyro.set_rng_seed(1)')
      .cell('def', 'def train(n):\n    for _ in range(n):\n        svi.step(data)')
      .cell('svi', 'svi = make_svi()\ndata = load()')
      .cell('fit', 'train(10)')
      .cell('value', "value = pyro.param('mu').item()")
      .run('imp')
      .run('seed')
      .run('def')
      .run('svi')
      .run('fit')
      .run('value');
    expect(steps(order(s))).toEqual(['imp@0', 'seed@1', 'def@2', 'svi@3', 'fit@4', 'value@5']);
  });

  it('after a seed, tensor conversions and a cell that only defines functions do not draw', () => {
    // A notebook run top to bottom twice after a seed (a real pyro session): only the second runs are needed.
    const s = new SessionBuilder()
      .cell('imp', 'import pyro\nimport torch')
      .cell('seed', 'pyro.set_rng_seed(1)')
      .cell('tensors', 'X = torch.FloatTensor(raw)\nw = torch.zeros(3)')
      .cell('model', 'def model(x):\n    return pyro.sample("z", dist.Normal(0, 1))')
      .cell('raw', 'raw = [[1.0]]\ny = [0]')
      .cell('draw', 'z = torch.randn(2)')
      .run('imp')
      .run('raw')
      .run('seed')
      .run('tensors')
      .run('model')
      .run('tensors')
      .run('model')
      .run('draw');
    expect(steps(order(s))).toEqual(['imp@0', 'seed@2', 'model@6', 'raw@1', 'tensors@5', 'draw@7']);
  });

  it('after a seed, a cell that defines a function drawing in its body and calls it draws, and stays in order', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import torch')
      .cell('seed', 'torch.manual_seed(0)')
      .cell('b', 'def f():\n    return torch.randn(3)\ny = f()')
      .cell('a', 'x = torch.randn(3)')
      .run('imp')
      .run('seed')
      .run('a')
      .run('b');
    const o = order(s);
    expect(steps(o)).toEqual(['imp@0', 'seed@1', 'a@2', 'b@3']);
    expect(o.diagnostics.map(d => d.kind)).toContain('depends-on-later-cell');
    const layer = new SessionBuilder()
      .cell('imp', 'import torch')
      .cell('seed', 'torch.manual_seed(0)')
      .cell('b', 'class M(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.l = torch.nn.Linear(2, 2)\nm = M()')
      .cell('a', 'x = torch.randn(3)')
      .run('imp')
      .run('seed')
      .run('a')
      .run('b');
    expect(steps(order(layer))).toEqual(['imp@0', 'seed@1', 'a@2', 'b@3']);
  });

  // puma-wust s11: `net = GaussianNaiveBayes(4, 3)` (zeros and ones) rebuilt between seeded
  // trainings kept every rebuild, and the runs that gave it its values, each taken as a draw.
  it.each([
    ['of zeros draws nothing', 'class G(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.m = nn.Parameter(torch.zeros(3))\n    def forward(self, x):\n        return torch.sum(x * self.m)', false],
    ['with a layer draws', 'class G(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.l = nn.Linear(2, 2)', true],
    ['of a layer draws', 'class G(nn.Linear):\n    pass', true],
    ['that fills its weights at random draws', 'class G:\n    def __init__(self):\n        self.w = torch.empty(3)\n        self.w.normal_()', true],
    ['that calls a function of the session may draw', 'class G:\n    def __init__(self):\n        self.w = make_weights()', true],
    ['of a session base that draws draws', 'class G(Layer):\n    pass', true],
    ['of a session base that draws nothing draws nothing', 'class G(Plain):\n    pass', false],
    ['whose field default is drawn draws', '@dataclass\nclass G:\n    w: float = random.random()', true]
  ])('after a seed, building a session class %s', (_, cls, draws) => {
    const s = new SessionBuilder()
      .cell('imp', 'import torch\nimport random\nfrom torch import nn')
      .cell('seed', 'torch.manual_seed(0)')
      .cell('lib', 'def make_weights():\n    return torch.ones(3)\nclass Layer(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.l = nn.Linear(2, 2)\nclass Plain:\n    pass')
      .cell('cls', cls)
      .cell('net', 'net = G()')
      .cell('x', 'x = torch.randn(3)')
      .run('imp')
      .run('seed')
      .run('lib')
      .run('cls')
      .run('net')
      .run('x')
      .run('net')
      .run('x');
    const kept = steps(order(s));
    expect(kept).toContain('x@5');
    expect(kept.includes('net@4')).toBe(draws);
  });

  it('without a seed, a function call is not taken for a draw', () => {
    const s = new SessionBuilder()
      .cell('def', 'def show(x):\n    print(x)')
      .cell('a', 'a = 1')
      .cell('call', 'show(a)')
      .run('def')
      .run('a')
      .run('call');
    expect(steps(order(s))).toEqual(['def@0', 'a@1']);
  });
});

// Review of the construction rule (each case replayed in a real IPython 9.18 shell with the
// tracer; every traced list below is the tracer's). In each session the final x needs the first
// `net` run before the first `x` run: the construction draws.
describe('building a session class that draws through what the session bound', () => {
  const IMP = 'import torch\nfrom torch import nn\nimport torch.nn.functional as F\nfrom torch.nn import Linear';

  /** imp, seed, [cls], net, x, net, x. */
  function seeded(
    imp: string,
    impAdded: string[],
    seed: string,
    cls: [string, string[], string[]] | null,
    net: [string, string[], string[]],
    x: [string, string[]]
  ): SessionBuilder {
    let s = new SessionBuilder().cell('imp', imp).cell('seed', seed);
    if (cls) {
      s = s.cell('cls', cls[0]);
    }
    s = s
      .cell('net', net[0])
      .cell('x', x[0])
      .run('imp', { traced: { added: impAdded } })
      .run('seed', { traced: { read: [seed.startsWith('np') ? 'np' : 'torch'] } });
    if (cls) {
      s = s.run('cls', { traced: { added: cls[1], read: cls[2] } });
    }
    const xRead = x[0].includes('np.') ? ['np'] : ['torch'];
    return s
      .run('net', { traced: { added: net[1], read: net[2] } })
      .run('x', { traced: { added: x[1], read: xRead } })
      .run('net', { traced: { rebound: net[1], read: net[2] } })
      .run('x', { traced: { rebound: x[1], read: xRead } });
  }

  // Real x == [-0.6065, -0.5966, 0.1820]; an order building net only after the first x replays
  // x == [-0.6065, -0.7831, 1.0622].
  it.each([
    [
      'whose __init__ builds a layer imported by name (from torch.nn import Linear)',
      'class G(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.l = Linear(2, 2)',
      ['G'],
      ['Linear', 'nn'],
      'net = G()'
    ],
    ['whose base is a layer imported by name (class G(Linear))', 'class G(Linear):\n    pass', ['G'], ['Linear'], 'net = G(2, 2)'],
    [
      'whose __init__ builds PyroModule[nn.Linear](2, 2)',
      'class G(PyroModule):\n    def __init__(self):\n        super().__init__()\n        self.l = PyroModule[nn.Linear](2, 2)',
      ['G'],
      ['PyroModule', 'nn'],
      'net = G()'
    ],
    ['given a shuffled DataLoader it iterates', 'class G:\n    def __init__(self, loader):\n        self.first = next(iter(loader))', ['G'], [], 'net = G(loader)'],
    ['given the function that draws (G(torch.randn))', 'class G:\n    def __init__(self, init):\n        self.w = init(3)', ['G'], [], 'net = G(torch.randn)']
  ])('%s draws', (_t, cls, clsAdded, clsRead, net) => {
    const imp = IMP + '\nfrom pyro.nn import PyroModule\nfrom torch.utils.data import DataLoader\nloader = DataLoader(list(range(10)), batch_size=3, shuffle=True)';
    const s = seeded(
      imp,
      ['torch', 'nn', 'F', 'Linear', 'PyroModule', 'DataLoader', 'loader'],
      'torch.manual_seed(0)',
      [cls, clsAdded, clsRead],
      [net, ['net'], ['G', 'loader', 'torch'].filter(n => net.includes(n))],
      ['x = torch.randn(3)', ['x']]
    );
    expect(steps(order(s))).toContain('net@3');
  });

  it('numpy: whose __init__ calls randn imported by name (from numpy.random import randn) draws', () => {
    // Final x == [0.4106, 0.1440, 1.4543]; building w only after the first x replays x == [0.9501, -0.1514, -0.1032].
    const s = seeded(
      'import numpy as np\nfrom numpy.random import randn',
      ['np', 'randn'],
      'np.random.seed(0)',
      ['class W:\n    def __init__(self):\n        self.w = randn(3)', ['W'], ['randn']],
      ['w = W()', ['w'], ['W']],
      ['x = np.random.randn(3)', ['x']]
    );
    expect(steps(order(s))).toContain('net@3');
  });

  // A dropout mask is drawn when the module is called: y == [2, 0, 2, 2, 2, 2, 0, 0] and the final
  // x == [0.1820, 0.3704, 1.4565] need the first net run before the first x.
  it.each([
    ['nn.Dropout built and called in the cell', 'd = nn.Dropout(0.5)\ny = d(torch.ones(8))', ['d', 'y'], ['nn', 'torch']],
    ['nn.Dropout(p)(x) in one expression', 'y = nn.Dropout(p=0.5)(torch.ones(8))', ['y'], ['nn', 'torch']],
    ['F.scaled_dot_product_attention(dropout_p=0.5)', 'y = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)', ['y'], ['F', 'q']]
  ])('%s draws', (_t, code, added, read) => {
    const s = new SessionBuilder()
      .cell('imp', IMP + '\nq = torch.ones(1, 4, 4)')
      .cell('seed', 'torch.manual_seed(0)')
      .cell('net', code)
      .cell('x', 'x = torch.randn(3)')
      .run('imp', { traced: { added: ['torch', 'nn', 'F', 'Linear', 'q'] } })
      .run('seed', { traced: { read: ['torch'] } })
      .run('net', { traced: { added, read } })
      .run('x', { traced: { added: ['x'], read: ['torch'] } })
      .run('net', { traced: { rebound: added, read } })
      .run('x', { traced: { rebound: ['x'], read: ['torch'] } });
    expect(steps(order(s))).toContain('net@2');
  });
});

// Second review of the construction rule (real IPython 9.18 shell with the tracer; the traced
// lists are the tracer's). Each construction draws; an order building the object only after the
// first x replays another x (e.g. real [-0.6065, -0.5966, 0.1820], replayed [-0.6065, -0.7831,
// 1.0622]).
describe('building a session class that draws through a hook, the object, a library or a decorator', () => {
  type Run = [string, string[], string[]];
  /** imp, seed, [base], cls, net, x, net, x. */
  function session(imp: Run, seed: Run, base: Run | null, cls: Run, net: Run, x: Run, netRead2: string[] = net[2]): SessionBuilder {
    let s = new SessionBuilder().cell('imp', imp[0]).cell('seed', seed[0]);
    if (base) {
      s = s.cell('base', base[0]);
    }
    s = s
      .cell('cls', cls[0])
      .cell('net', net[0])
      .cell('x', x[0])
      .run('imp', { traced: { added: imp[1] } })
      .run('seed', { traced: { read: seed[2] } });
    if (base) {
      s = s.run('base', { traced: { added: base[1], read: base[2] } });
    }
    return s
      .run('cls', { traced: { added: cls[1], read: cls[2] } })
      .run('net', { traced: { added: net[1], read: net[2] } })
      .run('x', { traced: { added: x[1], read: x[2] } })
      .run('net', { traced: { rebound: net[1], read: netRead2 } })
      .run('x', { traced: { rebound: x[1], read: x[2] } });
  }
  const TORCH: Run = ['import torch\nfrom torch import nn\nimport torch.nn.functional as F', ['torch', 'nn', 'F'], []];
  const TSEED: Run = ['torch.manual_seed(0)', [], ['torch']];
  const TX: Run = ['x = torch.randn(3)', ['x'], ['torch']];
  const NP: Run = ['import numpy as np\nfrom scipy.stats import norm\nfrom sklearn.datasets import make_classification', ['np', 'norm', 'make_classification'], []];
  const NPSEED: Run = ['np.random.seed(0)', [], ['np']];
  const NPX: Run = ['x = np.random.randn(3)', ['x'], ['np']];

  it.each([
    [
      'a base __init__ calling a hook the subclass overrides (self.build() building nn.Linear)',
      TORCH,
      TSEED,
      ['class Base(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.build()\nclass G(Base):\n    def build(self):\n        self.l = nn.Linear(2, 2)', ['Base', 'G'], ['nn']] as Run,
      ['net = G()', ['net'], ['G']] as Run,
      TX
    ],
    ['the object called in the cell that builds it (forward with F.dropout)', TORCH, TSEED, ['class G(nn.Module):\n    def forward(self, x):\n        return F.dropout(x, 0.5)', ['G'], ['F', 'nn']] as Run, ['y = G()(torch.ones(8))', ['y'], ['G', 'torch']] as Run, TX],
    [
      'the object called in the cell that builds it (forward with torch.randn_like)',
      TORCH,
      TSEED,
      ['class G(nn.Module):\n    def forward(self, mu):\n        return mu + torch.randn_like(mu)', ['G'], ['nn', 'torch']] as Run,
      ['net = G()\ny = net(torch.zeros(3))', ['net', 'y'], ['G', 'torch']] as Run,
      TX
    ],
    ["getattr(nn, 'Linear')(2, 2) in __init__", TORCH, TSEED, ["class G(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.l = getattr(nn, 'Linear')(2, 2)", ['G'], ['nn']] as Run, ['net = G()', ['net'], ['G']] as Run, TX],
    ['scipy.stats norm.rvs in __init__ (numpy\'s global generator)', NP, NPSEED, ['class W:\n    def __init__(self):\n        self.w = norm.rvs(size=3)', ['W'], ['norm']] as Run, ['w = W()', ['w'], ['W']] as Run, NPX],
    ['sklearn make_classification in __init__', NP, NPSEED, ['class D:\n    def __init__(self):\n        self.X, self.y = make_classification(n_samples=5, n_features=4)', ['D'], ['make_classification']] as Run, ['d = D()', ['d'], ['D']] as Run, NPX],
    ['randn imported by the cell that builds it', ['import numpy as np', ['np'], []] as Run, NPSEED, ['class W:\n    def __init__(self):\n        self.w = randn(3)', ['W'], []] as Run, ['from numpy.random import randn\nw = W()', ['randn', 'w'], ['W']] as Run, NPX],
    [
      "a project module's function (from helpers import init_weights)",
      ['import numpy as np\nfrom helpers import init_weights', ['np', 'init_weights'], []] as Run,
      NPSEED,
      ['class W:\n    def __init__(self):\n        self.w = init_weights(3)', ['W'], ['init_weights']] as Run,
      ['w = W()', ['w'], ['W']] as Run,
      NPX
    ],
    [
      'a session class decorator drawing on construction',
      TORCH,
      TSEED,
      ['def rand_init(c):\n    def make(*a):\n        o = c(*a)\n        o.w = torch.randn(2)\n        return o\n    return make\n@rand_init\nclass G:\n    pass', ['rand_init', 'G'], ['torch']] as Run,
      ['net = G()', ['net'], ['G']] as Run,
      TX
    ]
  ])('%s draws', (_t, imp, seed, cls, net, x) => {
    expect(steps(order(session(imp, seed, null, cls, net, x)))).toContain('net@3');
  });

  it('__init__ calling self.reset() that a session base of another cell defines (nn.Linear) draws', () => {
    const s = session(
      TORCH,
      TSEED,
      ['class Base(nn.Module):\n    def reset(self):\n        self.l = nn.Linear(2, 2)', ['Base'], ['nn']],
      ['class G(Base):\n    def __init__(self):\n        super().__init__()\n        self.reset()', ['G'], ['Base']],
      ['net = G()', ['net'], ['G']],
      TX
    );
    expect(steps(order(s))).toContain('net@4');
  });
});

// Third review (real IPython 9.18 shell with the tracer; traced lists are the tracer's). Each
// session: imp, seed, cls, net, x, net, x; the first net run draws, and an order building it
// after the first x replays another x (real vs replayed given per case).
describe('building a session class that draws through torch, numpy or the session in other ways', () => {
  const IMP = 'import torch\nfrom torch import nn\nimport torch.nn.functional as F\nimport numpy as np\nimport pandas as pd';
  type Run = [string, string[], string[]];
  function session(seed: Run, cls: Run, net: Run, x: Run, net2: { rebound: string[]; read: string[] }): SessionBuilder {
    return new SessionBuilder()
      .cell('imp', IMP)
      .cell('seed', seed[0])
      .cell('cls', cls[0])
      .cell('net', net[0])
      .cell('x', x[0])
      .run('imp', { traced: { added: ['torch', 'nn', 'F', 'np', 'pd'] } })
      .run('seed', { traced: { read: seed[2] } })
      .run('cls', { traced: { added: cls[1], read: cls[2] } })
      .run('net', { traced: { added: net[1], read: net[2] } })
      .run('x', { traced: { added: x[1], read: x[2] } })
      .run('net', { traced: net2 })
      .run('x', { traced: { rebound: x[1], read: x[2] } });
  }
  const TS: Run = ['torch.manual_seed(0)', [], ['torch']];
  const TX: Run = ['x = torch.randn(3)', ['x'], ['torch']];
  const NS: Run = ['np.random.seed(0)', [], ['np']];
  const NX: Run = ['x = np.random.randn(3)', ['x'], ['np']];
  const NET: Run = ['net = G()', ['net'], ['G']];
  const NET2 = { rebound: ['net'], read: ['G'] };

  it.each([
    // real x [0.1820, 0.3704, 1.4565]; replayed [0.1820, -0.8567, 1.1006]
    ['torch.dropout(t, 0.5, True) in __init__', TS, ['class G:\n    def __init__(self):\n        self.w = torch.dropout(torch.ones(8), 0.5, True)', ['G'], ['torch']] as Run, TX],
    // real x [0.3058, -0.7831, 1.0622]; replayed [0.3058, 0.2100, 0.9056]
    ['torch.full(...).bernoulli() in __init__', TS, ['class G:\n    def __init__(self):\n        self.w = torch.full((3,), 0.5).bernoulli()', ['G'], ['torch']] as Run, TX],
    // real x [-0.4033, -0.5966, 0.1820]; replayed [0.4033, 0.8380, -0.7193]
    ["torch.__dict__['randn'](3) in __init__", TS, ["class G:\n    def __init__(self):\n        self.w = torch.__dict__['randn'](3)", ['G'], ['torch']] as Run, TX],
    // real x [0.4106, 0.1440, 1.4543]; replayed [0.9501, -0.1514, -0.1032]
    ['np.random handed on (self.r = np.random)', NS, ['class G:\n    def __init__(self):\n        self.r = np.random\n        self.w = self.r.randn(3)', ['G'], ['np']] as Run, NX],
    // real x [-0.4033, -0.5966, 0.1820]; replayed [0.4033, 0.8380, -0.7193]
    ["a global table of initialisers (INITS['normal'](3))", TS, ["INITS = {'normal': torch.randn}\nclass G:\n    def __init__(self):\n        self.w = INITS['normal'](3)", ['INITS', 'G'], ['torch']] as Run, TX],
    // real x [-1.3986, -0.7193, -0.4033]; replayed [-1.3986, 0.4033, 0.8380]
    [
      'next(iter(loader)) of a global shuffling DataLoader',
      TS,
      ['from torch.utils.data import DataLoader\nloader = DataLoader(list(range(10)), batch_size=3, shuffle=True)\nclass G:\n    def __init__(self):\n        self.batch = next(iter(loader))', ['DataLoader', 'loader', 'G'], []] as Run,
      TX
    ],
    // real x [-0.9773, 0.9501, -0.1514]; replayed [1.8676, -0.9773, 0.9501]
    ['a __setattr__ that draws, run by self.w = 0.0', NS, ['class G:\n    def __init__(self):\n        self.w = 0.0\n    def __setattr__(self, k, v):\n        object.__setattr__(self, k, v + np.random.randn())', ['G'], ['np']] as Run, NX],
    // real x [1.0622, -1.0712, 0.1227]; replayed [1.0622, -0.2613, 1.0667]
    ['torch.ones(5).multinomial(2) in __init__', TS, ['class G:\n    def __init__(self):\n        self.i = torch.ones(5).multinomial(2)', ['G'], ['torch']] as Run, TX]
  ])('%s draws', (_t, seed, cls, x) => {
    expect(steps(order(session(seed, cls, NET, x, NET2)))).toContain('net@3');
  });

  it.each([
    // real x [-0.4033, -0.5966, 0.1820]; replayed [0.4033, 0.8380, -0.7193]
    ['a property read (net = G(); z = net.z)', ['class G:\n    @property\n    def z(self):\n        return torch.randn(3)', ['G'], ['torch']] as Run, ['net = G()\nz = net.z', ['net', 'z'], ['G']] as Run, { rebound: ['net', 'z'], read: ['G', 'net'] }],
    ['the object iterated (list(G()))', ['class G:\n    def __iter__(self):\n        return iter(torch.randn(3).tolist())', ['G'], ['torch']] as Run, ['s = list(G())', ['s'], ['G']] as Run, { rebound: ['s'], read: ['G'] }],
    // real x [0.1820, 0.3704, 1.4565]; replayed [0.1820, -0.8567, 1.1006]
    [
      'objects built in a comprehension, one called (F.dropout in forward)',
      ['class G(nn.Module):\n    def forward(self, t):\n        return F.dropout(t, 0.5)', ['G'], ['F', 'nn']] as Run,
      ['nets = [G() for _ in range(2)]\ny = nets[0](torch.ones(8))', ['nets', 'y'], ['G', 'torch']] as Run,
      { rebound: ['nets', 'y'], read: ['G', 'nets', 'torch'] }
    ],
    // real x [0.8380, -0.7193, -0.4033]; replayed [-1.3986, 0.4033, 0.8380]
    ['the object entered (with G() as g, an __enter__ that draws)', ['class G:\n    def __enter__(self):\n        return torch.randn(2)\n    def __exit__(self, *a):\n        return False', ['G'], ['torch']] as Run, ['with G() as g:\n    y = g + 1', ['g', 'y'], ['G']] as Run, { rebound: ['g', 'y'], read: ['G', 'g'] }]
  ])('the cell using the object it builds: %s, draws', (_t, cls, net, net2) => {
    expect(steps(order(session(TS, cls, net, TX, net2)))).toContain('net@3');
  });
});

// Fourth review (real IPython 9.18 shell with the tracer). The first net run draws; an order
// building it only after the first x replays another x.
describe('building a session class that draws through a base, another spelling of a method, a property or a later import', () => {
  type Run = [string, string[], string[]];
  function session(base: Run | null, cls: Run, net: Run, net2?: { rebound: string[]; read: string[] }): SessionBuilder {
    let s = new SessionBuilder().cell('imp', 'import torch\nfrom torch import nn').cell('seed', 'torch.manual_seed(0)');
    if (base) {
      s = s.cell('base', base[0]);
    }
    s = s
      .cell('cls', cls[0])
      .cell('net', net[0])
      .cell('x', 'x = torch.randn(3)')
      .run('imp', { traced: { added: ['torch', 'nn'] } })
      .run('seed', { traced: { read: ['torch'] } });
    if (base) {
      s = s.run('base', { traced: { added: base[1], read: base[2] } });
    }
    return s
      .run('cls', { traced: { added: cls[1], read: cls[2] } })
      .run('net', { traced: { added: net[1], read: net[2] } })
      .run('x', { traced: { added: ['x'], read: ['torch'] } })
      .run('net', { traced: net2 ?? { rebound: net[1], read: net[2] } })
      .run('x', { traced: { rebound: ['x'], read: ['torch'] } });
  }
  const NET: Run = ['net = G()', ['net'], ['G']];
  const LAYER = 'class Base(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.l = nn.Linear(2, 2)';

  // real x [-0.6065, -0.5966, 0.1820]; replayed [-0.6065, -0.7831, 1.0622]
  it('super().__init__() of a session base of another cell building nn.Linear draws', () => {
    const s = session([LAYER, ['Base'], ['nn']], ['class G(Base):\n    def __init__(self):\n        super().__init__()\n        self.k = 1', ['G'], ['Base']], NET);
    expect(steps(order(s))).toContain('net@4');
  });

  it.each([
    // real x [-0.6065, -0.5966, 0.1820]; replayed [-0.6065, -0.7831, 1.0622]
    ['super().__init__() of a session base of the same cell', LAYER + '\nclass G(Base):\n    def __init__(self):\n        super().__init__()\n        self.k = 1', ['Base', 'G'], ['nn']],
    // real x [-0.4033, -0.5966, 0.1820]; replayed [0.4033, 0.8380, -0.7193]
    ['super().reset() of a session base', 'class Base:\n    def reset(self):\n        self.w = torch.randn(3)\nclass G(Base):\n    def __init__(self):\n        super().reset()', ['Base', 'G'], ['torch']],
    ['type(self).init(self)', 'class G:\n    def __init__(self):\n        type(self).init(self)\n    def init(self):\n        self.w = torch.randn(3)', ['G'], ['torch']]
  ])('%s draws', (_t, cls, added, read) => {
    expect(steps(order(session(null, [cls, added, read], NET)))).toContain('net@3');
  });

  // real x [-1.3986, 0.4033, 0.8380]; replayed [-1.0845, -1.3986, 0.4033]
  it('a property setter run by net.w = 1 in the building cell draws', () => {
    const s = session(
      null,
      ['class G:\n    @property\n    def w(self):\n        return self._w\n    @w.setter\n    def w(self, v):\n        self._w = v + torch.randn(1)', ['G'], ['torch']],
      ['net = G()\nnet.w = 1', ['net'], ['G']],
      { rebound: ['net'], read: ['G', 'net'] }
    );
    expect(steps(order(s))).toContain('net@3');
  });

  // real x [-0.4033, -0.5966, 0.1820]; replayed [0.4033, 0.8380, -0.7193]
  it("a name of the class's cell that a later import binds to a draw (from torch import randn as make)", () => {
    const s = new SessionBuilder()
      .cell('imp', 'import torch\nfrom torch import nn')
      .cell('seed', 'torch.manual_seed(0)')
      .cell('cls', 'from torch import zeros as make\nclass G:\n    def __init__(self):\n        self.w = make(3)')
      .cell('k', 'from torch import randn as make')
      .cell('net', 'net = G()')
      .cell('x', 'x = torch.randn(3)')
      .run('imp', { traced: { added: ['torch', 'nn'] } })
      .run('cls', { traced: { added: ['make', 'G'] } })
      .run('k', { traced: { rebound: ['make'] } })
      .run('seed', { traced: { read: ['torch'] } })
      .run('net', { traced: { added: ['net'], read: ['G'] } })
      .run('x', { traced: { added: ['x'], read: ['torch'] } })
      .run('net', { traced: { rebound: ['net'], read: ['G'] } })
      .run('x', { traced: { rebound: ['x'], read: ['torch'] } });
    expect(steps(order(s))).toContain('net@4');
  });
});
