/**
 * Facts the order needs beyond def/use come from the syntax walker (imports,
 * callables) or from code whose comments and strings are blanked (seeds,
 * environment changes): text in a comment or a string is not code.
 */
import { analyzeCell } from './effects';
import { canonicalOrder } from './order';
import { deriveFacts } from './orderFacts';
import { maskCommentsAndStrings } from './orderHeuristics';
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

  it('masking keeps length, lines and quotes', () => {
    const code = 'a = "x # y"  # note\nb = \'\'\'q\nr\'\'\'\nc = f"{a}"';
    const m = maskCommentsAndStrings(code);
    expect(m.length).toBe(code.length);
    expect(m.split('\n').length).toBe(code.split('\n').length);
    expect(m).toBe('a = "     "        \nb = \'\'\' \n \'\'\'\nc = f"   "');
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
