/**
 * Tweak and rerun: a store to a constant key or attribute (`df["col"] = …`,
 * `obj.attr = …`) hides an earlier store to the same key that nothing read
 * in between. On the real analyzer.
 */

import { analyzeCell } from './effects';
import { canonicalOrder, CanonicalOrder } from './order';
import { SessionBuilder } from './orderTestkit.spec-util';

function order(s: SessionBuilder): CanonicalOrder {
  return canonicalOrder(s.runs, s.cells, { analyze: analyzeCell });
}

function steps(o: CanonicalOrder): string[] {
  return o.steps.map(st => `${st.cellId}@${st.runIndex}`);
}

const LOAD = "import pandas as pd\nsales = pd.read_csv('sales.csv')";

describe('keyed stores in the analyzer', () => {
  it('reports constant-key stores and constant-key reads', () => {
    const e = analyzeCell('threshold = 20\nsales["warm"] = sales["temperature_c"] > threshold');
    expect(e.keyedStores).toEqual({ sales: [{ key: '[warm', maybe: false }] });
    expect(e.keyedReads).toEqual({ sales: ['[temperature_c'] });
    expect(e.mutates).toEqual(['sales']);
  });

  it('an attribute store is keyed; other changes of the object are not', () => {
    expect(analyzeCell('model.alpha = 0.5').keyedStores).toEqual({ model: [{ key: '.alpha', maybe: false }] });
    expect(analyzeCell('df["a"] = 1\ndf.dropna(inplace=True)').keyedStores).toEqual({});
    expect(analyzeCell('df[col] = 1').keyedStores).toEqual({});
    expect(analyzeCell('df.loc[0, "a"] = 1').keyedStores).toEqual({});
    expect(analyzeCell('if x:\n    df["a"] = 1').keyedStores).toEqual({ df: [{ key: '[a', maybe: true }] });
  });

  it('whole-object reads are not keyed', () => {
    expect(analyzeCell('df["b"] = df.groupby("a").transform("sum")').keyedReads).toEqual({});
    expect(analyzeCell('n = df.shape[1]').keyedReads).toEqual({});
    expect(analyzeCell('df2 = df[cols]').keyedReads).toEqual({});
    expect(analyzeCell('g = df.groupby(df["a"] > 0)["b"].sum()').keyedReads).toEqual({});
    expect(analyzeCell('g = df.groupby(key)["b"].sum()').keyedReads).toEqual({});
    expect(analyzeCell('df["a"] += 1').keyedReads).toEqual({ df: ['[a'] });
    // Reading back a key the cell stored is not a read of an earlier run.
    expect(analyzeCell('df["a"] = 1\nprint(df["a"], df["b"])').keyedReads).toEqual({ df: ['[b'] });
  });
});

describe('a key popped', () => {
  it('`v.pop("k")` reads and removes key k only; other pops change the whole object', () => {
    const e = analyzeCell('y = df.pop("target")');
    expect(e.keyedReads).toEqual({ df: ['[target'] });
    expect(e.keyedStores).toEqual({ df: [{ key: '[target', maybe: false }] });
    expect(e.defines).toEqual(['y']);
    expect(analyzeCell('v = d.pop("k", None)').keyedStores).toEqual({ d: [{ key: '[k', maybe: false }] });
    expect(analyzeCell('first = xs.pop(0)').keyedStores).toEqual({});
    expect(analyzeCell('first = xs.pop(0)').mutates).toEqual(['xs']);
    expect(analyzeCell('last = xs.pop()').keyedStores).toEqual({});
    expect(analyzeCell('v = d.pop(key)').keyedStores).toEqual({});
    // What a module holds is not a keyed object: popping an environment variable changes the process.
    expect(analyzeCell('from os import environ\nenviron.pop("X", None)').environment).toBe('barrier');
    expect(analyzeCell('x = d.pop("k", np.random.rand())').randomLibraryCalls).toBe(true);
  });

  it('a column popped after another was deleted does not depend on the deletion', () => {
    // AshleshaGulhane s60: `del df['one']`, then the cell edited to `x = df.pop('two')`, then df built again.
    const s = new SessionBuilder()
      .cell('make', "d = {'one': [1], 'two': [2], 'three': [3]}\ndf = pd.DataFrame(d)")
      .cell('drop', "del df['one']")
      .cell('rows', "df = pd.DataFrame([[1, 2]], columns=['a', 'b'])")
      .run('make')
      .run('drop')
      .cell('drop', "x = df.pop('two')")
      .run('drop')
      .run('rows');
    const o = order(s);
    expect(steps(o)).toEqual(['make@0', 'drop@2', 'rows@3']);
    expect(o.diagnostics.map(d => d.kind)).not.toContain('needs-rerun');
  });
});

describe('column selections and display statements', () => {
  it('a constant column list and a group-by on constant columns read those columns only', () => {
    expect(analyzeCell('sub = df[["a", "b"]]').keyedReads).toEqual({ df: ['[a', '[b'] });
    expect(analyzeCell("by_region = sales.groupby('region')['revenue'].sum().sort_values(ascending=False)").keyedReads).toEqual({
      sales: ['[region', '[revenue']
    });
    expect(analyzeCell('g = df.groupby(["a", "b"], as_index=False)[["c"]].mean()').keyedReads).toEqual({ df: ['[a', '[b', '[c'] });
    expect(analyzeCell('g = df.groupby(by="a", sort=flag)["c"].mean()')).toMatchObject({
      keyedReads: { df: ['[a', '[c'] },
      uses: ['df', 'flag']
    });
    expect(analyzeCell('df["b"] = df.groupby("a")["c"].transform("sum")').keyedReads).toEqual({ df: ['[a', '[c'] });
  });

  it('a statement that only shows the object reads the variable, not its keys', () => {
    expect(analyzeCell("sales['revenue'] = sales['units'] * sales['unit_price']\nsales.describe()").keyedReads).toEqual({
      sales: ['[unit_price', '[units']
    });
    expect(analyzeCell('print(df)\ndf.head()').keyedReads).toEqual({ df: [] });
    expect(analyzeCell('import seaborn as sns\nsns.heatmap(df.corr())').keyedReads).toEqual({ df: [] });
  });

  it('a statement that changes something reads the whole object', () => {
    expect(analyzeCell('df.to_csv("out.csv")').keyedReads).toEqual({});
    expect(analyzeCell('model.fit(df, y)').keyedReads).toEqual({});
    expect(analyzeCell('train(df)').keyedReads).toEqual({});
    expect(analyzeCell('x = df.sum()').keyedReads).toEqual({});
    expect(analyzeCell('df.sample(3)').keyedReads).toEqual({});
  });
});

describe('tweak and rerun', () => {
  it('editing a threshold in the cell that stores the column needs one run and says nothing', () => {
    const s = new SessionBuilder()
      .cell('load', LOAD)
      .cell('warm', 'threshold = 15\nsales["warm"] = sales["temperature_c"] > threshold\nsales["warm"].mean()')
      .run('load')
      .run('warm')
      .cell('warm', 'threshold = 20\nsales["warm"] = sales["temperature_c"] > threshold\nsales["warm"].mean()')
      .run('warm');
    const o = order(s);
    expect(steps(o)).toEqual(['load@0', 'warm@2']);
    expect(o.diagnostics).toEqual([]);
    expect(o.topToBottomWorks).toBe(true);
  });

  it('three tweaks of a dict entry keep only the last', () => {
    const s = new SessionBuilder()
      .cell('cfg', 'config = {"lr": 0.1, "epochs": 5}')
      .cell('lr', 'config["lr"] = 0.01')
      .run('cfg')
      .run('lr')
      .cell('lr', 'config["lr"] = 0.001')
      .run('lr')
      .cell('lr', 'config["lr"] = 0.0001')
      .run('lr');
    const o = order(s);
    expect(steps(o)).toEqual(['cfg@0', 'lr@3']);
    expect(o.diagnostics).toEqual([]);
  });

  it('an attribute set again on a model keeps only the last run', () => {
    const s = new SessionBuilder()
      .cell('m', 'from sklearn.linear_model import Ridge\nmodel = Ridge()')
      .cell('a', 'model.alpha = 0.1')
      .run('m')
      .run('a')
      .cell('a', 'model.alpha = 1.0')
      .run('a');
    const o = order(s);
    expect(steps(o)).toEqual(['m@0', 'a@2']);
    expect(o.diagnostics).toEqual([]);
  });

  it('a cell that reads the key in between keeps the earlier store', () => {
    const s = new SessionBuilder()
      .cell('load', LOAD)
      .cell('warm', 'sales["warm"] = sales["temperature_c"] > 15')
      .cell('count', 'n_warm = sales["warm"].sum()')
      .run('load')
      .run('warm')
      .run('count')
      .cell('warm', 'sales["warm"] = sales["temperature_c"] > 20')
      .run('warm');
    const o = order(s);
    // n_warm was computed from the first version of the column.
    expect(steps(o)).toEqual(['load@0', 'warm@1', 'count@2', 'warm@3']);
    expect(o.diagnostics.map(d => d.kind)).toEqual(['edited', 'needs-rerun']);
  });

  it('a whole-object read in between (groupby) keeps the earlier store', () => {
    const s = new SessionBuilder()
      .cell('load', LOAD)
      .cell('warm', 'sales["warm"] = sales["temperature_c"] > 15')
      .cell('agg', 'by_warm = sales.groupby("warm").mean()')
      .run('load')
      .run('warm')
      .run('agg')
      .cell('warm', 'sales["warm"] = sales["temperature_c"] > 20')
      .run('warm');
    expect(steps(order(s))).toEqual(['load@0', 'warm@1', 'agg@2', 'warm@3']);
  });

  it('a store that reads its own key (df["x"] = df["x"] * 2) is needed each time', () => {
    const s = new SessionBuilder()
      .cell('load', LOAD)
      .cell('dbl', 'sales["qty"] = sales["qty"] * 2')
      .run('load')
      .run('dbl')
      .run('dbl');
    const o = order(s);
    expect(steps(o)).toEqual(['load@0', 'dbl@1', 'dbl@2']);
    expect(o.diagnostics.map(d => d.kind)).toEqual(['needs-rerun']);
  });

  it('a later whole-object reader still needs the store', () => {
    const s = new SessionBuilder()
      .cell('load', LOAD)
      .cell('warm', 'threshold = 15\nsales["warm"] = sales["temperature_c"] > threshold')
      .cell('agg', 'by_warm = sales.groupby("warm")["revenue"].sum()')
      .run('load')
      .run('warm')
      .cell('warm', 'threshold = 20\nsales["warm"] = sales["temperature_c"] > threshold')
      .run('warm')
      .run('agg');
    const o = order(s);
    expect(steps(o)).toEqual(['load@0', 'warm@2', 'agg@3']);
    expect(o.diagnostics).toEqual([]);
  });

  it('reloading the frame forgets the keys stored on the old one', () => {
    const s = new SessionBuilder()
      .cell('load', LOAD)
      .cell('warm', 'sales["warm"] = sales["temperature_c"] > 15')
      .run('load')
      .run('warm')
      .run('load');
    expect(steps(order(s))).toEqual(['load@2']);
  });

  it('with tracer evidence that the frame was mutated, the keyed store still supersedes', () => {
    const s = new SessionBuilder()
      .cell('load', LOAD)
      .cell('warm', 'threshold = 15\nsales["warm"] = sales["temperature_c"] > threshold')
      .run('load', { traced: { added: ['pd', 'sales'] } })
      .run('warm', { traced: { added: ['threshold'], mutated: ['sales'], read: ['sales'] } })
      .cell('warm', 'threshold = 20\nsales["warm"] = sales["temperature_c"] > threshold')
      .run('warm', { traced: { rebound: ['threshold'], mutated: ['sales'], read: ['sales'] } });
    const o = order(s);
    expect(steps(o)).toEqual(['load@0', 'warm@2']);
    expect(o.diagnostics).toEqual([]);
  });

  it('a failed keyed store keeps the one before it', () => {
    const s = new SessionBuilder()
      .cell('load', LOAD)
      .cell('warm', 'sales["warm"] = sales["temperature_c"] > 15')
      .run('load')
      .run('warm')
      .cell('warm', 'sales["warm"] = sales["temperature"] > 20')
      .run('warm', { status: 'error' });
    expect(steps(order(s))).toEqual(['load@0', 'warm@1', 'warm@2']);
  });
});

describe('keys stored on an object that is bound again', () => {
  it('a store on the old frame stays before the reload, even when the reload reruns the loading cell', () => {
    const s = new SessionBuilder()
      .cell('load', LOAD)
      .cell('warm', 'sales["warm"] = sales["temperature_c"] > 15')
      .cell('agg', 'share = sales.mean()')
      .run('load')
      .run('warm')
      .run('agg')
      .run('load');
    // share was computed with the column; the live frame has none.
    expect(steps(order(s))).toEqual(['load@0', 'warm@1', 'agg@2', 'load@3']);
  });
});

describe('the README demo: run out of order, threshold edited after a group-by read the frame', () => {
  const cells: Array<[string, string]> = [
    ['load', "import pandas as pd\nimport matplotlib.pyplot as plt\n\nsales = pd.read_csv('data/cafe_sales.csv', parse_dates=['date'])\nsales.head()"],
    ['revenue', "sales['revenue'] = sales['units'] * sales['unit_price']\nsales.describe()"],
    ['region', "by_region = sales.groupby('region')['revenue'].sum().sort_values(ascending=False)\nby_region"],
    ['warm', "threshold = 15\nsales['warm'] = sales['temperature_c'] > threshold"],
    ['show', "sales.groupby(['warm', 'product'])['units'].mean().unstack()"]
  ];

  function demo(): SessionBuilder {
    const s = new SessionBuilder();
    cells.forEach(([id, src]) => s.cell(id, src));
    return s;
  }

  it('the threshold cell needs one run and nothing is reported', () => {
    const s = demo().run('load').run('revenue').run('warm').run('show').run('region');
    s.cell('warm', "threshold = 18\nsales['warm'] = sales['temperature_c'] > threshold").run('warm').run('show');
    const o = order(s);
    expect(steps(o)).toEqual(['load@0', 'revenue@1', 'region@4', 'warm@5']);
    expect(o.diagnostics).toEqual([]);
    expect(o.topToBottomWorks).toBe(true);
  });

  it('a group-by on the column in between still needs the first threshold', () => {
    const s = demo().cell('byWarm', "by_warm = sales.groupby('warm')['units'].mean()");
    s.run('load').run('revenue').run('warm').run('byWarm');
    s.cell('warm', "threshold = 18\nsales['warm'] = sales['temperature_c'] > threshold").run('warm');
    const o = order(s);
    expect(steps(o)).toEqual(['load@0', 'revenue@1', 'warm@2', 'byWarm@3', 'warm@4']);
    expect(o.diagnostics.map(d => d.kind)).toEqual(['edited', 'needs-rerun']);
  });

  it('a whole-frame read in between that binds a value still needs the first threshold', () => {
    const s = demo().cell('copy', 'snapshot = sales.copy()');
    s.run('load').run('warm').run('copy');
    s.cell('warm', "threshold = 18\nsales['warm'] = sales['temperature_c'] > threshold").run('warm');
    expect(steps(order(s))).toEqual(['load@0', 'warm@1', 'copy@2', 'warm@3']);
  });

  it('a whole-frame read in between that only shows it does not', () => {
    const s = demo().cell('peek', 'sales.tail()');
    s.run('load').run('warm').run('peek');
    s.cell('warm', "threshold = 18\nsales['warm'] = sales['temperature_c'] > threshold").run('warm');
    const o = order(s);
    expect(steps(o)).toEqual(['load@0', 'warm@3']);
    expect(o.diagnostics).toEqual([]);
  });

  it('a read of another column in between does not', () => {
    const s = demo().cell('temp', "mean_t = sales['temperature_c'].mean()");
    s.run('load').run('warm').run('temp');
    s.cell('warm', "threshold = 18\nsales['warm'] = sales['temperature_c'] > threshold").run('warm');
    const o = order(s);
    expect(steps(o)).toEqual(['load@0', 'warm@3', 'temp@2']);
    expect(o.diagnostics).toEqual([]);
  });

  it('a function that reads the frame at call time reads every column', () => {
    const s = new SessionBuilder()
      .cell('load', LOAD)
      .cell('def', 'def total():\n    return sales.sum()')
      .cell('warm', 'sales["warm"] = sales["temperature_c"] > 15')
      .cell('use', 't = total() + sales["temperature_c"].sum()')
      .run('load')
      .run('def')
      .run('warm')
      .run('use')
      .cell('warm', 'sales["warm"] = sales["temperature_c"] > 20')
      .run('warm');
    expect(steps(order(s))).toEqual(['load@0', 'def@1', 'warm@2', 'use@3', 'warm@4']);
  });
});

describe('a key converted again', () => {
  const convert = (code: string) => analyzeCell(code).keyedStores;
  /** The conversion of the cell's one keyed store on df (the store itself must be there). */
  const conversion = (code: string): string | undefined => {
    const stores = convert(code)?.df;
    expect(stores).toHaveLength(1);
    return stores![0].conversion;
  };

  it('the analyzer names conversions that leave their own result as it is', () => {
    expect(convert("df['t'] = pd.to_datetime(df['t'], dayfirst=True, format='%d%m%Y')")).toEqual({
      df: [{ key: '[t', maybe: false, conversion: 'to_datetime()' }]
    });
    expect(convert("df['t'] = df['t'].apply(pd.to_datetime)")).toEqual({ df: [{ key: '[t', maybe: false, conversion: 'to_datetime()' }] });
    // Options that still change a parsed column are part of it.
    expect(conversion("df['t'] = pd.to_datetime(df['t'], utc=True)")).toBe('to_datetime(utc=True)');
    expect(conversion("df['age'] = df['age'].fillna(df['age'].mean())")).toBe("fillna(df['age'].mean())");
    expect(conversion("df['p'] = df['p'].astype(float)")).toBe('astype(float)');
    expect(conversion("df['n'] = df['n'].str.strip()")).toBe('str.strip()');
  });

  it('a store from another key, with arguments that may change, or stored twice is no conversion', () => {
    expect(conversion("df['t'] = pd.to_datetime(df['s'])")).toBeUndefined();
    expect(conversion("df['p'] = df['p'].astype(kind)")).toBeUndefined();
    expect(conversion("df['a'] = df['a'].fillna(other)")).toBeUndefined();
    expect(conversion("df['a'] = df['a'].fillna(0)\ndf['a'] = df['a'] * 2")).toBeUndefined();
    expect(conversion("if x:\n    df['t'] = pd.to_datetime(df['t'])")).toBeUndefined();
    expect(conversion("df['n'] = df['n'].str.replace('a', 'b')")).toBeUndefined();
  });

  it('a date column parsed again, under other parsing options, needs its first parse only', () => {
    // DanilVelikiy s11: the parsing cell rerun nine times and edited between runs; from the second
    // run on, the column already held dates, and parsing them again left them as they were.
    const s = new SessionBuilder()
      .cell('load', "import pandas as pd\ndf = pd.read_csv('visits.csv')")
      .cell('parse', "df['t'] = df['t'].apply(pd.to_datetime)")
      .cell('use', "first = df['t'].min()")
      .run('load')
      .run('parse')
      .cell('parse', "df['t'] = pd.to_datetime(df['t'])")
      .run('parse')
      .run('parse')
      .cell('parse', "pd.options.mode.chained_assignment = None\ndf['t'] = pd.to_datetime(df['t'], dayfirst=True)")
      .run('parse')
      .run('use');
    const o = order(s);
    expect(steps(o)).toEqual(['load@0', 'parse@1', 'use@5']);
    expect(o.diagnostics.map(d => d.kind)).not.toContain('needs-rerun');
  });

  it('a conversion after another change of the key is a change', () => {
    const s = new SessionBuilder()
      .cell('load', "import pandas as pd\ndf = pd.read_csv('visits.csv')")
      .cell('parse', "df['t'] = pd.to_datetime(df['t'])")
      .cell('text', "df['t'] = df['t'].astype(str)")
      .cell('use', "first = df['t'].min()")
      .run('load')
      .run('parse')
      .run('text')
      .run('parse')
      .run('use');
    expect(steps(order(s))).toEqual(['load@0', 'parse@1', 'text@2', 'parse@3', 'use@4']);
    // The whole frame changed between two parses: the second one parses again.
    const t = new SessionBuilder()
      .cell('load', "import pandas as pd\ndf = pd.read_csv('visits.csv')")
      .cell('parse', "df['t'] = pd.to_datetime(df['t'])")
      .cell('drop', 'df.dropna(inplace=True)')
      .cell('use', "first = df['t'].min()")
      .run('load')
      .run('parse')
      .run('drop')
      .run('parse')
      .run('use');
    expect(steps(order(t))).toContain('parse@3');
  });
});

describe('a key converted again: what is not the same conversion (review)', () => {
  const LOAD_X = "import pandas as pd\ndf = pd.read_csv('x.csv')";
  /** load, then each code in `conv` in turn, then a use of the column. */
  const session = (...conv: string[]) => {
    let s = new SessionBuilder().cell('load', LOAD_X).cell('use', "u = df['p'].sum()").run('load');
    conv.forEach(code => (s = s.cell('conv', code).run('conv')));
    return s.run('use');
  };

  it("errors='ignore' may leave the column as text: the next parse is a change", () => {
    const s = session("df['p'] = pd.to_numeric(df['p'], errors='ignore')", "df['p'] = pd.to_numeric(df['p'], errors='coerce')");
    expect(steps(order(s))).toEqual(['load@0', 'conv@1', 'conv@2', 'use@3']);
    // 'coerce' and 'raise' parse it, whatever the next run's options.
    const t = session("df['p'] = pd.to_numeric(df['p'], errors='coerce')", "df['p'] = pd.to_numeric(df['p'])");
    expect(steps(order(t))).toEqual(['load@0', 'conv@1', 'use@3']);
  });

  it('fillna with a limit leaves gaps for the next run to fill', () => {
    const s = session("df['p'] = df['p'].fillna(0, limit=1)", "df['p'] = df['p'].fillna(0, limit=1)");
    expect(steps(order(s))).toEqual(['load@0', 'conv@1', 'conv@2', 'use@3']);
  });

  it('a session function named like a parser is no parser', () => {
    const s = new SessionBuilder()
      .cell('load', LOAD_X)
      .cell('def', 'def to_numeric(s):\n    return s * 2')
      .cell('conv', "df['p'] = to_numeric(df['p'])")
      .cell('use', "u = df['p'].sum()")
      .run('load')
      .run('def')
      .run('conv')
      .run('conv')
      .run('use');
    expect(steps(order(s))).toEqual(['load@0', 'def@1', 'conv@2', 'conv@3', 'use@4']);
  });

  /** load, the conversion, another cell's change, the same conversion again, a use. */
  const convertedAround = (conv: string, mid: string) =>
    new SessionBuilder()
      .cell('load', LOAD_X)
      .cell('conv', conv)
      .cell('mid', mid)
      .cell('use', "u = df['p'].sum()")
      .run('load')
      .run('conv')
      .run('mid')
      .run('conv')
      .run('use');

  it('an argument computed from another key may differ between the runs', () => {
    const s = convertedAround("df['p'] = df['p'].round(df['d'].max())", "df['d'] = df['d'] - 1");
    expect(steps(order(s))).toContain('conv@3');
  });

  it('a store to the column under its attribute spelling in between is a change', () => {
    const s = convertedAround("df['p'] = df['p'].fillna(0)", 'df.p = df.p.shift()');
    expect(steps(order(s))).toContain('conv@3');
  });
});
