/**
 * An import cell rerun with more imports runs once, in place of its earlier run
 * (`_importsFromLater`), and when that would change what a replay does.
 */
import type { CanonicalOrder } from './order';
import { editedOf as edited, kindsOf as kinds, orderOf as order, SessionBuilder, stepsOf as steps } from './orderTestkit.spec-util';

/** imp, f (between), a reads np, imp edited to `imp2` and rerun, b. */
function between(f: string, imp2: string, a = 'x = np.ones(3)', b = 'y = str(x)'): SessionBuilder {
  return new SessionBuilder()
    .cell('imp', 'import numpy as np')
    .cell('f', f)
    .cell('a', a)
    .cell('b', b)
    .run('imp')
    .run('f')
    .run('a')
    .cell('imp', imp2)
    .run('imp')
    .run('b');
}
/** The last run of the import cell comes after run `f@1` (what the session ran between stays before it). */
function importAfterF(o: CanonicalOrder): void {
  const st = steps(o);
  const lastImp = Math.max(...st.map((x, i) => (x.startsWith('imp@') ? i : -1)));
  expect(lastImp).toBeGreaterThan(st.indexOf('f@1'));
}

describe('an import cell rerun served by its later run: when not', () => {
  it('a later cell repeating the first cell\'s imports (plus one) is not moved above the cells between', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import pandas as pd')
      .cell('a', 'df = pd.DataFrame({"x": [1, 2]})')
      .cell('b', 'm = df.x.mean()')
      .cell('viz', 'import pandas as pd\nimport seaborn as sns')
      .cell('c', 'n = pd.Series([1])\nsns.histplot(df.x)')
      .run('imp').run('a').run('b').run('viz').run('c');
    const o = order(s);
    expect(kinds(o)).not.toContain('depends-on-later-cell');
    expect(o.topToBottomWorks).toBe(true);
  });

  it.each([
    ['pyspark sum', 'total = sum([1, 2, 3])\nx = np.ones(total)', 'import numpy as np\nfrom pyspark.sql.functions import col, sum'],
    ['numpy max', 'm = max(3, 4)\nx = np.ones(m)', 'import numpy as np\nfrom numpy import max, min'],
    ['codecs open', 'with open("a.txt") as fh:\n    text = fh.read()\nx = np.array([len(text)])', 'import numpy as np\nfrom codecs import open']
  ])('a builtin a run between used, shadowed by a name the rerun adds (%s): that run stays before it', (_w, a, imp2) => {
    const s = new SessionBuilder()
      .cell('imp', 'import numpy as np')
      .cell('a', a)
      .cell('b', 'y = str(x)')
      .run('imp').run('a')
      .cell('imp', imp2).run('imp').run('b');
    const st = steps(order(s));
    expect(st.indexOf('a@1')).toBeLessThan(Math.max(...st.map((x, i) => (x.startsWith('imp@') ? i : -1))));
  });

  it.each([
    ['from numpy import *', 'from numpy import *'],
    ['%run of a script', '%run helpers.py']
  ])('a run with unknown bindings between them (%s): the rerun stays after it', (_w, f) => {
    const s = new SessionBuilder()
      .cell('imp', 'from math import sqrt, pi')
      .cell('f', f)
      .cell('a', 'x = sqrt(2) * pi')
      .cell('b', 'df = pd.DataFrame([x])')
      .run('imp').run('f').run('a')
      .cell('imp', 'from math import sqrt, pi\nimport pandas as pd').run('imp').run('b');
    importAfterF(order(s));
  });

  it.each([
    ['findspark.init()', 'import findspark\nfindspark.init()', 'import numpy as np\nfrom pyspark.sql import SparkSession'],
    ['sys.path +=', 'import sys\nsys.path += ["../src"]', 'import numpy as np\nimport mylib'],
    ['sys.path = [...] + sys.path', 'import sys\nsys.path = ["../src"] + sys.path', 'import numpy as np\nimport mylib'],
    ['site.addsitedir', 'import site\nsite.addsitedir("../lib")', 'import numpy as np\nimport mylib'],
    ['load_dotenv()', 'from dotenv import load_dotenv\nload_dotenv()', 'import numpy as np\nimport wandb'],
    ['load_dotenv() in a conditional expression', 'import os\nfrom dotenv import load_dotenv\nload_dotenv() if os.path.exists(".env") else None', 'import numpy as np\nimport wandb'],
    ['a collections shim', 'import collections, collections.abc\ncollections.Iterable = collections.abc.Iterable', 'import numpy as np\nfrom oldlib import model'],
    ['a numpy shim under another name', 'import numpy\nnumpy.float = float', 'import numpy as np\nimport imgaug']
  ])('a run between that prepared a new import (%s): the rerun stays after it', (_w, f, imp2) => {
    importAfterF(order(between(f, imp2)));
  });

  it('a reader of a name the rerun adds, from another import cell, would make a cycle: merged without moving the rerun', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import numpy as np')
      .cell('load', 'raw = np.loadtxt("d.csv")')
      .cell('a', 'df = pd.DataFrame(raw)')
      .cell('m', 'k = raw.mean()')
      .cell('p', 'import pandas as pd')
      .cell('c', 'sns.histplot(df)')
      .run('p').run('imp').run('load').run('m').run('load').run('a')
      .cell('imp', 'import numpy as np\nimport pandas as pd\nimport seaborn as sns').run('imp').run('c');
    const o = order(s);
    expect(o.stats.mode).toBe('merged-reruns');
    expect(steps(o).filter(x => x.startsWith('load@'))).toHaveLength(1);
  });

  it.each([['np.float = float'], ['np.bool = bool']])('an attribute stored on a module the rerun binds (%s): merged, the rerun not moved', f => {
    const o = order(between(f, 'import numpy as np\nimport mylib'));
    expect(o.stats.mode).toBe('merged-reruns');
  });

  it.each([
    ['a scratch cell since deleted', (s: SessionBuilder) => s.cell('scratch', 'import numpy as np\nimport pandas as pd').run('scratch').remove('scratch')],
    ['the console', (s: SessionBuilder) => s.run(null, { code: 'import numpy as np\nimport pandas as pd' })]
  ])('a run in %s does not replace the import cell\'s run', (_w, q) => {
    const s = new SessionBuilder().cell('imp', 'import numpy as np').cell('a', 'x = np.ones(3)').cell('b', 'df = pd.DataFrame(x)').run('imp').run('a');
    const o = order(q(s).run('b'));
    expect(steps(o)).toContain('imp@0');
  });

  it('three runs of the import cell, one import added each time: one run', () => {
    const s = new SessionBuilder()
      .cell('imp', 'import numpy as np')
      .cell('a', 'x = np.ones(3)')
      .cell('b', 'df = pd.DataFrame(x)')
      .cell('c', 'g = sns.load_dataset("tips")')
      .run('imp').run('a')
      .cell('imp', 'import numpy as np\nimport pandas as pd').run('imp').run('b')
      .cell('imp', 'import numpy as np\nimport pandas as pd\nimport seaborn as sns').run('imp').run('c');
    const o = order(s);
    expect(steps(o).filter(x => x.startsWith('imp@'))).toEqual(['imp@4']);
    expect(kinds(o)).not.toContain('needs-rerun');
  });
});

describe('an import cell rerun served by its later run: the environment between', () => {
  it.each([
    ['%env', '%env CUDA_VISIBLE_DEVICES=1'],
    ['os.environ[...] =', 'import os\nos.environ["KERAS_BACKEND"] = "torch"'],
    ['os.environ.update', 'import os\nos.environ.update({"A": "1"})'],
    ['sys.path.append', 'import sys\nsys.path.append("../src")'],
    ['sys.path.insert', 'import sys\nsys.path.insert(0, "..")'],
    ['sys.path.extend', 'import sys\nsys.path.extend(["../src"])'],
    ['os.chdir', 'import os\nos.chdir("..")'],
    ['!pip install', '!pip install mylib'],
    ['os.system("pip install")', 'import os\nos.system("pip install mylib")'],
    ['subprocess.check_call([sys.executable, "-m", "pip", "install"])', 'import subprocess, sys\nsubprocess.check_call([sys.executable, "-m", "pip", "install", "mylib"])'],
    ['a failed run binding a name the rerun binds', 'import mylib\nraise ValueError']
  ])('keeps both runs when %s lies between', (_w, f) => {
    const s = between(f, 'import numpy as np\nimport mylib');
    if (_w.startsWith('a failed')) {
      s.runs[1].status = 'error';
    }
    expect(steps(order(s)).filter(x => x.startsWith('imp@'))).toHaveLength(2);
  });

  it.each([['pd.set_option', 'pd.set_option("display.max_rows", 50)'], ['sns.set()', 'sns.set()']])(
    'a change of a module the rerun binds (%s) between them keeps both',
    (_w, f) => {
      const s = between(f, 'import numpy as np\nimport pandas as pd\nimport seaborn as sns\nimport mylib').cell('imp', 'import numpy as np\nimport pandas as pd\nimport seaborn as sns');
      s.runs[0].code = 'import numpy as np\nimport pandas as pd\nimport seaborn as sns';
      expect(steps(order(s)).filter(x => x.startsWith('imp@'))).toHaveLength(2);
    }
  );

  it('the common workflow, with tracer evidence, and after a reader failed for the missing import', () => {
    const t = new SessionBuilder()
      .cell('imp', 'import numpy as np').cell('a', 'x = np.ones(3)').cell('b', 'df = pd.DataFrame(x)')
      .run('imp', { traced: { added: ['np'] } }).run('a', { traced: { added: ['x'], read: ['np'] } })
      .cell('imp', 'import numpy as np\nimport pandas as pd').run('imp', { traced: { added: ['pd'] } }).run('b', { traced: { added: ['df'], read: ['pd', 'x'] } });
    expect(steps(order(t))).toEqual(['imp@2', 'a@1', 'b@3']);
    const f = new SessionBuilder()
      .cell('imp', 'import numpy as np').cell('a', 'x = np.ones(3)').cell('b', 'df = pd.DataFrame(x)')
      .run('imp').run('a').run('b', { status: 'error' })
      .cell('imp', 'import numpy as np\nimport pandas as pd').run('imp').run('b');
    expect(steps(order(f))).toEqual(['imp@3', 'a@1', 'b@4']);
  });
});

describe('an import cell rerun with more imports', () => {
  const IMP1 = 'import numpy as np\n%matplotlib inline';
  const IMP2 = 'import numpy as np\nimport pandas as pd\n%matplotlib inline';

  /** imp, a reads np, [between], imp edited to import more and run, b reads what it added. */
  function session(between: string | null, imp2 = IMP2, imp1 = IMP1): SessionBuilder {
    const s = new SessionBuilder()
      .cell('imp', imp1)
      .cell('a', 'x = np.ones(3)')
      .cell('b', 'df = pd.DataFrame(x)')
      .cell('mid', between ?? 'pass')
      .run('imp')
      .run('a');
    if (between !== null) {
      s.run('mid');
    }
    return s.cell('imp', imp2).run('imp').run('b');
  }

  it('runs once, before the runs that read the modules the earlier run bound', () => {
    const o = order(session(null));
    expect(steps(o)).toEqual(['imp@2', 'a@1', 'b@3']);
    expect(o.diagnostics).toEqual([]);
    expect(o.topToBottomWorks).toBe(true);
  });

  it.each([
    ['a package installed between them', '!pip install pandas'],
    ['the working folder changed between them', '%cd data'],
    ['a name it binds rebound between them', 'np = None'],
    ['a module setting changed between them (not an import)', '%matplotlib notebook']
  ])('not when %s', (_what, between) => {
    const o = order(session(between));
    expect(steps(o).filter(x => x.startsWith('imp@'))).toHaveLength(2);
  });

  it('not when an option is stored on one of its modules between them', () => {
    const plt = 'import matplotlib.pyplot as plt';
    const s = new SessionBuilder()
      .cell('imp', plt)
      .cell('a', 'fig = plt.figure()')
      .cell('b', 'df = pd.DataFrame([1])')
      .cell('mid', "plt.rcParams['figure.figsize'] = (8, 6)")
      .run('imp')
      .run('a')
      .run('mid')
      .cell('imp', `${plt}\nimport pandas as pd`)
      .run('imp')
      .run('b');
    const o = order(s);
    expect(steps(o)).toEqual(['imp@0', 'a@1', 'imp@3', 'b@4']);
    expect(o.stats.mode).toBe('merged-reruns');
  });

  it('a run between that reads an older value of a name the later run binds keeps both runs, merged', () => {
    // `pd` held something else when `mid` read it with np: mid stays before the later import
    // and after the earlier one (taking np from the later would make a cycle).
    const s = new SessionBuilder()
      .cell('old', "pd = 'not pandas yet'")
      .cell('imp', 'import numpy as np')
      .cell('mid', 'y = np.ones(2)\nlabel = pd')
      .cell('b', 'df = pd.DataFrame(y)')
      .run('old')
      .run('imp')
      .run('mid')
      .cell('imp', 'import numpy as np\nimport pandas as pd')
      .run('imp')
      .run('b');
    const o = order(s);
    expect(steps(o)).toEqual(['old@0', 'imp@1', 'mid@2', 'imp@3', 'b@4']);
    expect(o.stats.mode).toBe('merged-reruns');
  });

  it('not when the later run no longer imports a name the earlier bound, or binds it to another module', () => {
    const dropped = order(session(null, 'import pandas as pd\n%matplotlib inline', 'import numpy as np\nimport pandas as pd\n%matplotlib inline'));
    expect(steps(dropped).filter(x => x.startsWith('imp@'))).toHaveLength(2);
    const other = order(session(null, 'import cupy as np\nimport pandas as pd\n%matplotlib inline'));
    expect(steps(other).filter(x => x.startsWith('imp@'))).toHaveLength(2);
  });
});

describe('an import in one branch of an if or a try', () => {
  it.each([
    ['if/else swapped', 'if GPU:\n    import math as xp\nelse:\n    import cmath as xp', 'if not GPU:\n    import math as xp\nelse:\n    import cmath as xp'],
    ['try/except fallbacks swapped', 'try:\n    import cmath as xp\nexcept ImportError:\n    import math as xp', 'try:\n    import math as xp\nexcept ImportError:\n    import cmath as xp']
  ])('an edit choosing another module for a name a later step computed from is reported (%s)', (_w, v1, v2) => {
    const s = new SessionBuilder().cell('cfg', 'GPU = True').cell('imp', v1).cell('use', 'r = xp.sqrt(4)').run('cfg').run('imp').run('use').cell('imp', v2);
    expect(edited(order(s))).toEqual(['imp']);
  });

  it('run again after its condition changed, it binds another module: the run stays, after the condition', () => {
    const s = new SessionBuilder()
      .cell('cfg', 'GPU = True')
      .cell('imp', 'if GPU:\n    import math as xp\nelse:\n    import cmath as xp')
      .cell('use', 'r = xp.sqrt(4)')
      .run('cfg').run('imp').run('use')
      .cell('cfg', 'GPU = False').run('cfg').run('imp');
    // As the same session written `xp = math if GPU else cmath` gets it.
    expect(steps(order(s))).toEqual(['cfg@0', 'imp@1', 'cfg@3', 'use@2', 'imp@4']);
  });
});
