/**
 * Facts the order needs beyond def/use come from the syntax walker (imports,
 * callables, seeds, random-library calls, environment changes, definition-time
 * reads): text in a comment or a string is not code.
 */
import { analyzeCell } from './effects';
import { canonicalOrder } from './order';
import { deriveFacts } from './orderFacts';
import { SessionBuilder } from './orderTestkit.spec-util';

const facts = (code: string) => deriveFacts(code, analyzeCell);

describe('facts from the syntax walker', () => {
  it('imports and callables are module bindings, wherever the statement sits', () => {
    const f = facts('try:\n    import numpy as np\nexcept ImportError:\n    np = None\nimport os.path\nif True:\n    def helper(x):\n        import json\n        return x\nsq = lambda v: v * v\nclass Model:\n    pass');
    expect(Array.from(f.callables).sort()).toEqual(['Model', 'helper', 'sq']);
    // `np = None` in the handler rebinds np last; json is local to helper.
    expect(Array.from(f.imports).sort()).toEqual(['os']);
  });

  it('an import, def or seed in a comment or a string is not one', () => {
    const f = facts('# import pandas as pd\n"""\ndef old_version():\nnp.random.seed(0)\nos.chdir("..")\n"""\nx = 1  # np.random.seed(1)');
    expect(f.imports.size).toBe(0);
    expect(f.callables.size).toBe(0);
    expect(f.seeds).toBe(false);
    expect(f.env).toBe(null);
    expect(facts("os.chdir('data')  # go there").env).toBe('barrier');
    expect(facts('np.random.seed(42)').seeds).toBe(true);
  });

  it('a cell that imports anywhere, or by name, loads modules; others do not', () => {
    for (const code of ['import pandas as pd', 'def f():\n    from a.b import c\n    return c', 'import importlib\nm = importlib.import_module(name)', 'm = importlib.import_module(name)', 'importlib.reload(mod)', 'm = __import__("x")']) {
      expect({ code, loads: analyzeCell(code).loadsModules }).toEqual({ code, loads: true });
    }
    for (const code of ['x = pd.read_csv("a.csv")', 's = "import os"', '# import os\ny = 1', '!pip install x']) {
      expect({ code, loads: analyzeCell(code).loadsModules }).toEqual({ code, loads: undefined });
    }
  });

  it('environment changes: magics, installs, os and sys calls, however the module is named', () => {
    for (const code of [
      '%cd data',
      'cd data',
      '%env A=1',
      '!pip install tqdm\n%cd data',
      "import os\nos.environ['A'] = '1'",
      'os.environ.update({"A": "1"})',
      'import os as o\no.chdir("..")',
      'from os import chdir\nchdir("..")',
      'import sys\nsys.path.insert(0, "..")'
    ]) {
      expect({ code, env: facts(code).env }).toEqual({ code, env: 'barrier' });
    }
    // An install changes the process only through what later imports load.
    for (const code of ['%pip install tqdm', '%pip uninstall -y tqdm', '!pip install tqdm', 'out = !python -m pip install tqdm', '%%bash\npip install tqdm', 'pip install tqdm\nimport tqdm', 'import os\nos.system("pip install tqdm")', 'import subprocess, sys\nsubprocess.check_call([sys.executable, "-m", "pip", "install", "tqdm"])', 'res = subprocess.run(["pip", "install", "tqdm"])']) {
      expect({ code, env: facts(code).env }).toEqual({ code, env: 'install' });
    }
    for (const code of ['%matplotlib inline', '%load_ext autoreload\n%autoreload 2', '%config InlineBackend.figure_format = "svg"']) {
      expect({ code, env: facts(code).env }).toEqual({ code, env: 'setup' });
    }
    for (const code of ['print(os.environ["HOME"])', 'path = os.getcwd()', '!ls', 's = "os.chdir(x)"', 'x = sys.path[0]', 'os.system("ls")', 'def f():\n    os.system("pip install tqdm")']) {
      expect({ code, env: facts(code).env }).toEqual({ code, env: null });
    }
  });

  it('seeds and random-library calls are calls', () => {
    expect(facts('import torch\ntorch.manual_seed(0)').seeds).toBe(true);
    expect(facts('pyro.set_rng_seed(1)').seeds).toBe(true);
    expect(facts('from random import seed\nseed(3)').seeds).toBe(true);
    expect(facts('seed = 3\nprint(seed)').seeds).toBe(false);
    expect(facts('x = torch.randn(3)').randomLibraryCalls).toBe(true);
    expect(facts('import tensorflow as tf\nz = tf.random.normal([2])').randomLibraryCalls).toBe(true);
    expect(facts('loss = train(model)  # torch.randn(3)').randomLibraryCalls).toBe(false);
    // Of torch.nn, layers with weights and dropouts draw; what wraps, activates, pools, or measures a loss does not.
    for (const [code, draws] of [
      ['net.means = nn.Parameter(means)', false],
      ['softmax = nn.Softmax(dim=1)', false],
      ['loss_fn = torch.nn.CrossEntropyLoss()', false],
      ['y = F.relu(x)', false],
      ['nn.init.zeros_(w)', false],
      ['layer = nn.Linear(4, 3)', true],
      ['y = F.dropout(x, 0.5)', true],
      ['nn.init.xavier_uniform_(w)', true],
      ['rnn = torch.nn.LSTM(4, 8)', true]
    ] as const) {
      expect({ code, draws: facts(code).randomLibraryCalls }).toEqual({ code, draws });
    }
  });

  it('a cell that only defines reads what its def and class lines evaluate', () => {
    const f = facts('import numpy as np\n\n@register(registry)\ndef f(x, scale=factor):\n    """Doc."""\n    return np.sum(x) * weights\n\nclass M(Base):\n    pass');
    expect(Array.from(f.headerReads ?? []).sort()).toEqual(['Base', 'factor', 'register', 'registry']);
    expect(facts('def f():\n    return w\ny = f()').headerReads).toBe(null);
    expect(facts('import numpy as np').headerReads).toBe(null);
  });

  it('a seed mentioned only in a docstring leaves the draws unseeded', () => {
    const s = new SessionBuilder()
      .cell('doc', 'import numpy as np\n"""Remember: np.random.seed(0) before sampling."""')
      .cell('draw', 'sample = np.random.rand(3)')
      .run('doc')
      .run('draw');
    const o = canonicalOrder(s.runs, s.cells, { analyze: analyzeCell });
    expect(o.diagnostics.map(d => d.kind)).toEqual(['nondeterminism']);
  });
});
