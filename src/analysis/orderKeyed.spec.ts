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
    expect(analyzeCell('df["b"] = df.groupby("a")["c"].transform("sum")').keyedReads).toEqual({});
    expect(analyzeCell('print(df.shape)').keyedReads).toEqual({});
    expect(analyzeCell('df["a"] += 1').keyedReads).toEqual({ df: ['[a'] });
    // Reading back a key the cell stored is not a read of an earlier run.
    expect(analyzeCell('df["a"] = 1\nprint(df["a"], df["b"])').keyedReads).toEqual({ df: ['[b'] });
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
