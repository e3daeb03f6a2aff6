/**
 * Whole cells as data scientists write them (pandas, scikit-learn,
 * matplotlib, PyTorch), and the nasty corners of Python scoping mixed together.
 */

import { analyzeCell, clearEffectsCache } from './effects';

beforeEach(() => clearEffectsCache());

describe('real-world cells', () => {
  it('a pandas loading cell defines the frame and reads the file', () => {
    const r = analyzeCell(
      [
        'import pandas as pd',
        'import numpy as np',
        '',
        "df = pd.read_csv('data/housing.csv', parse_dates=['date'])",
        "df['price_per_m2'] = df['price'] / df['area']",
        'df = df.dropna()',
        'df.head()'
      ].join('\n')
    );
    expect(r.defines).toEqual(['df', 'np', 'pd']);
    expect(r.uses).toEqual([]);
    expect(r.mutates).toEqual([]);
    expect(r.effects).toEqual([{ kind: 'file-read', path: 'data/housing.csv' }]);
  });

  it('a cleaning cell mutates a frame defined elsewhere', () => {
    const r = analyzeCell(
      [
        "df.drop(columns=['id'], inplace=True)",
        "df['age'] = df['age'].fillna(df['age'].median())",
        "df.loc[df['income'] < 0, 'income'] = np.nan",
        "df.rename(columns={'Sex': 'sex'}, inplace=True)"
      ].join('\n')
    );
    expect(r.uses).toEqual(['df', 'np']);
    expect(r.mutates).toEqual(['df']);
    expect(r.defines).toEqual([]);
  });

  it('a scikit-learn training cell defines the model and mutates nothing outside', () => {
    const r = analyzeCell(
      [
        'from sklearn.model_selection import train_test_split',
        'from sklearn.ensemble import RandomForestClassifier',
        '',
        "X = df.drop(columns=['target'])",
        "y = df['target']",
        'X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)',
        'clf = RandomForestClassifier(n_estimators=100, random_state=0)',
        'clf.fit(X_train, y_train)',
        "print(f'accuracy: {clf.score(X_test, y_test):.3f}')"
      ].join('\n')
    );
    expect(r.defines).toEqual(['RandomForestClassifier', 'X', 'X_test', 'X_train', 'clf', 'train_test_split', 'y', 'y_test', 'y_train']);
    expect(r.uses).toEqual(['df']);
    expect(r.mutates).toEqual([]);
    expect(r.effects).toEqual([]);
  });

  it('an evaluation cell uses the fitted model', () => {
    const r = analyzeCell(
      ['from sklearn.metrics import classification_report', 'y_pred = clf.predict(X_test)', 'print(classification_report(y_test, y_pred))'].join('\n')
    );
    expect(r.uses).toEqual(['X_test', 'clf', 'y_test']);
    expect(r.defines).toEqual(['classification_report', 'y_pred']);
    expect(r.mutates).toEqual([]);
  });

  it('a matplotlib cell reads data and writes the figure', () => {
    const r = analyzeCell(
      [
        'fig, ax = plt.subplots(figsize=(10, 4))',
        "ax.plot(history['loss'], label='train')",
        "ax.plot(history['val_loss'], label='validation')",
        'ax.legend()',
        "plt.savefig('figures/loss.png')",
        'plt.show()'
      ].join('\n')
    );
    expect(r.defines).toEqual(['ax', 'fig']);
    expect(r.uses).toEqual(['history', 'plt']);
    expect(r.mutates).toEqual([]);
    expect(r.effects).toEqual([{ kind: 'file-write', path: 'figures/loss.png' }]);
  });

  it('a seaborn styling cell mutates module state', () => {
    const r = analyzeCell(["sns.set_theme(style='whitegrid')", "plt.rcParams['figure.dpi'] = 120", "pd.set_option('display.max_columns', None)"].join('\n'));
    expect(r.mutates).toEqual(['pd', 'plt', 'sns']);
    expect(r.uses).toEqual(['pd', 'plt', 'sns']);
  });

  it('a PyTorch training loop', () => {
    const r = analyzeCell(
      [
        'torch.manual_seed(0)',
        'for epoch in range(n_epochs):',
        '    model.train()',
        '    for xb, yb in loader:',
        '        optimizer.zero_grad()',
        '        loss = loss_fn(model(xb), yb)',
        '        loss.backward()',
        '        optimizer.step()',
        '    losses.append(loss.item())'
      ].join('\n')
    );
    expect(r.defines).toEqual(['epoch']);
    expect(r.mayDefine).toEqual(['loss', 'xb', 'yb']);
    expect(r.uses).toEqual(['loader', 'loss_fn', 'losses', 'model', 'n_epochs', 'optimizer', 'torch']);
    expect(r.mutates).toEqual(['losses', 'model', 'optimizer', 'torch']);
    expect(r.seeds).toBe(true);
    expect(r.effects).toEqual([]);
  });

  it('a helper-function cell uses the globals its functions read', () => {
    const r = analyzeCell(
      [
        'def evaluate(m):',
        '    preds = m.predict(X_val)',
        '    return metric(y_val, preds)',
        '',
        'def best_model():',
        '    return max(models, key=evaluate)'
      ].join('\n')
    );
    expect(r.defines).toEqual(['best_model', 'evaluate']);
    expect(r.uses).toEqual(['X_val', 'metric', 'models', 'y_val']);
    expect(r.builtinUses).toEqual(['max']);
  });

  it('a feature-engineering cell with a lambda and a comprehension', () => {
    const r = analyzeCell(
      [
        "cols = [c for c in df.columns if c.startswith('feat_')]",
        "df['total'] = df[cols].apply(lambda row: row.sum() * weight, axis=1)",
        'mapping = {k: i for i, k in enumerate(sorted(set(df.city)))}'
      ].join('\n')
    );
    expect(r.defines).toEqual(['cols', 'mapping']);
    expect(r.uses).toEqual(['df', 'weight']);
    expect(r.mutates).toEqual(['df']);
  });

  it('an exploratory cell with magics, shell and help', () => {
    const r = analyzeCell(['%matplotlib inline', '!pip install -q seaborn', 'import seaborn as sns', 'df.describe()', 'df.info?', '%time stats = df.agg(["mean", "std"])'].join('\n'));
    expect(r.defines).toEqual(['sns', 'stats']);
    expect(r.uses).toEqual(['df']);
    expect(r.parseError).toBe(false);
    expect(r.effects).toEqual([
      { kind: 'opaque-magic', magic: '%matplotlib' },
      { kind: 'shell', command: 'pip install -q seaborn' }
    ]);
  });

  it('a data download cell with a shell assignment', () => {
    const r = analyzeCell(['!mkdir -p data', 'files = !ls data/*.csv', 'frames = [pd.read_csv(f) for f in files]', 'full = pd.concat(frames)'].join('\n'));
    expect(r.defines).toEqual(['files', 'frames', 'full']);
    expect(r.uses).toEqual(['pd']);
    expect(r.effects).toEqual([
      { kind: 'shell', command: 'ls data/*.csv' },
      { kind: 'shell', command: 'mkdir -p data' }
    ]);
  });

  it('a cell with a syntax error in the middle still reports the rest', () => {
    const r = analyzeCell(['a = load(path)', 'b = a.mean(', 'c = transform(a)'].join('\n'));
    expect(r.parseError).toBe(true);
    expect(r.defines).toContain('a');
    expect(r.uses).toEqual(expect.arrayContaining(['load', 'path']));
  });
});

describe('nasty cases', () => {
  it('nested functions with nonlocal only use true globals', () => {
    const r = analyzeCell(
      [
        'def make_counter(start):',
        '    count = start',
        '    def inc(step=default_step):',
        '        nonlocal count',
        '        count += step',
        '        return count * scale',
        '    return inc',
        'counter = make_counter(0)'
      ].join('\n')
    );
    expect(r.defines).toEqual(['counter', 'make_counter']);
    expect(r.uses).toEqual(['default_step', 'scale']);
  });

  it('a class body reading globals and a method reading class names', () => {
    const r = analyzeCell(['class Config:', '    lr = base_lr * 2', '    epochs = lr_epochs', '    def total(self):', '        return lr * epochs'].join('\n'));
    expect(r.defines).toEqual(['Config']);
    expect(r.uses).toEqual(['base_lr', 'epochs', 'lr', 'lr_epochs']);
  });

  it('comprehension variables do not leak in Python 3 even with the same name as a global', () => {
    const r = analyzeCell(['x = 10', 'squares = [x * x for x in range(5)]', 'y = x + 1'].join('\n'));
    expect(r.defines).toEqual(['squares', 'x', 'y']);
    expect(r.uses).toEqual([]);
  });

  it('walrus inside a comprehension leaks to the module as a maybe define', () => {
    const r = analyzeCell(['if any((hit := v) > limit for v in values):', '    print(hit)'].join('\n'));
    expect(r.mayDefine).toEqual(['hit']);
    expect(r.uses).toEqual(['limit', 'values']);
  });

  it('decorators with arguments and default arguments are read at definition', () => {
    const r = analyzeCell(['@retry(times=n_retries)', '@log', 'def fetch(url, timeout=default_timeout, session=make_session()):', '    return session.get(url, timeout=timeout)'].join('\n'));
    expect(r.defines).toEqual(['fetch']);
    expect(r.uses).toEqual(['default_timeout', 'log', 'make_session', 'n_retries', 'retry']);
  });

  it('lambda default arguments capture names at definition', () => {
    const r = analyzeCell('callbacks = [lambda i=i: i * k for i in range(3)]');
    expect(r.defines).toEqual(['callbacks']);
    expect(r.uses).toEqual(['k']);
  });

  it('a star import and ordinary definitions together', () => {
    const r = analyzeCell(['from helpers import *', 'result = helper_fn(data)'].join('\n'));
    expect(r.unknownDefines).toBe(true);
    expect(r.defines).toEqual(['result']);
    expect(r.uses).toEqual(['data', 'helper_fn']);
  });

  it('a magic inside an indented block inside a function', () => {
    const r = analyzeCell(['def run_all():', '    for cfg in configs:', '        %time train(cfg)', '        !echo done', '    return True'].join('\n'));
    expect(r.parseError).toBe(false);
    expect(r.defines).toEqual(['run_all']);
    expect(r.uses).toEqual(['configs', 'train']);
    expect(r.effects).toEqual([{ kind: 'shell', command: 'echo done' }]);
  });

  it('a string containing % and ! is not IPython syntax', () => {
    const r = analyzeCell(['msg = "%s done!" % name', 'warn = """', '!rm -rf /', '%reset -f', '"""'].join('\n'));
    expect(r.effects).toEqual([]);
    expect(r.defines).toEqual(['msg', 'warn']);
    expect(r.uses).toEqual(['name']);
  });

  it('try/except/else/finally together', () => {
    const r = analyzeCell(
      ['try:', '    conn = connect(url)', 'except TimeoutError as exc:', '    conn = None', '    reason = str(exc)', 'else:', '    status = conn.status', 'finally:', '    attempts += 1'].join('\n')
    );
    // `else` runs only when nothing was caught.
    expect(r.defines).toEqual(['attempts', 'conn']);
    expect(r.mayDefine).toEqual(['reason', 'status']);
    expect(r.uses).toEqual(['attempts', 'connect', 'url']);
  });

  it('global statements in nested scopes', () => {
    const r = analyzeCell(['total = 0', 'def add(v):', '    global total', '    total += v', 'def show():', '    print(total, other)'].join('\n'));
    expect(r.defines).toEqual(['add', 'show', 'total']);
    expect(r.uses).toEqual(['other']);
  });

  it('a for loop over a comprehension with a walrus and a conditional define', () => {
    const r = analyzeCell(['for name in [n for n in names if (m := len(n)) > 3]:', '    if m > 5:', '        long_name = name', 'print(long_name)'].join('\n'));
    expect(r.defines).toEqual(['name']);
    expect(r.mayDefine).toEqual(['long_name', 'm']);
    expect(r.uses).toEqual(['names']);
  });
});
