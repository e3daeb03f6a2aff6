/**
 * Possible mutation of module-level names: attribute and subscript stores,
 * method calls, module state setters.
 */

import { clearEffectsCache } from './effects';
import { Expected, expectEffects } from './effectsTestkit.spec-util';

beforeEach(() => clearEffectsCache());

describe('stores into objects', () => {
  it.each<[string, string, Expected]>([
    ['subscript assignment mutates and uses the base', "df['a'] = 1", { mutates: ['df'], uses: ['df'], defines: [] }],
    ['attribute assignment mutates and uses the base', 'obj.attr = 2', { mutates: ['obj'], uses: ['obj'], defines: [] }],
    ['a .loc store mutates the frame', "df.loc[df.a > 0, 'b'] = 0", { mutates: ['df'], uses: ['df'] }],
    ['a deep attribute chain store mutates the root', 'model.layers[0].trainable = False', { mutates: ['model'], uses: ['model'] }],
    ['a subscript store reads its index names', 'a[i] = b[j]', { mutates: ['a'], uses: ['a', 'b', 'i', 'j'] }],
    ['a store into a name bound in the cell is not a mutation', "df = load()\ndf['a'] = 1", { mutates: [], defines: ['df'], uses: ['load'] }],
    ['a store through a call result mutates nothing named', "get_frame()['a'] = 1", { mutates: [], uses: ['get_frame'] }],
    ['tuple targets with a subscript store mutate the base', "x, cache['k'] = pair", { defines: ['x'], mutates: ['cache'] }],
    ['a for target that is a subscript mutates the base', 'for out[0] in xs:\n    pass', { mutates: ['out'] }],
    ['a store in a for body mutates the base', 'for k, v in d.items():\n    out[k] = v', { mutates: ['out'], uses: ['d', 'out'] }],
    ['a store in a function body is not a mutation of the defining cell', "def f():\n    df['a'] = 1", { mutates: [], uses: ['df'] }],
    ['a store in a class body on a global mutates it', 'class C:\n    registry[name] = 1', { mutates: ['registry'], uses: ['name', 'registry'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('method calls', () => {
  it.each<[string, string, Expected]>([
    ['append mutates the list', 'lst.append(1)', { mutates: ['lst'], uses: ['lst'] }],
    ['extend, insert, remove, pop and clear mutate', 'a.extend(x)\nb.insert(0, y)\nc.remove(z)\nd.pop()\ne.clear()', { mutates: ['a', 'b', 'c', 'd', 'e'] }],
    ['update and setdefault mutate a dict', "d.update(other)\ne.setdefault('k', [])", { mutates: ['d', 'e'], uses: ['d', 'e', 'other'] }],
    ['set add mutates', 's.add(v)', { mutates: ['s'] }],
    ['sort mutates in place', 'xs.sort()', { mutates: ['xs'] }],
    ['fit mutates the estimator', 'model.fit(X_train, y_train)', { mutates: ['model'], uses: ['X_train', 'model', 'y_train'] }],
    ['fit_transform mutates the transformer', 'Xs = scaler.fit_transform(X)', { mutates: ['scaler'], defines: ['Xs'] }],
    ['predict and score are uses only', 'preds = model.predict(X)\ns = model.score(X, y)', { mutates: [], uses: ['X', 'model', 'y'] }],
    ['transform is a use only', 'Xt = scaler.transform(X)', { mutates: [], uses: ['X', 'scaler'] }],
    ['head, tail and describe are uses only', 'df.head()\ndf.tail(3)\ndf.describe()', { mutates: [], uses: ['df'] }],
    ['copy is a use only', 'df2 = df.copy()', { mutates: [], defines: ['df2'] }],
    ["a torch module's eval() changes its mode; pandas' eval(expr) is a use", "model.eval()\nr = df.eval('a + b')", { mutates: ['model'], uses: ['df', 'model'], defines: ['r'] }],
    ['groupby chains are uses only', "s = df.groupby('a').mean()", { mutates: [], uses: ['df'] }],
    ['merge and astype are uses only', "m = left.merge(right, on='k').astype(float)", { mutates: [], uses: ['left', 'right'] }],
    ['get, keys, items and values are uses only', "d.get('k')\nd.keys()\nd.items()\nd.values()", { mutates: [], uses: ['d'] }],
    ['string methods are uses only', "t = s.split(',')\nu = sep.join(parts)\nv = s.strip().lower()", { mutates: [], uses: ['parts', 's', 'sep'] }],
    ['str accessors are uses only', "n = df['name'].str.lower()", { mutates: [], uses: ['df'] }],
    ['format is a use only', "msg = template.format(name=n)", { mutates: [], uses: ['n', 'template'] }],
    ['count and index are uses only', 'c = xs.count(1)\ni = xs.index(2)', { mutates: [], uses: ['xs'] }],
    ['plot is a use only', "df.plot(kind='bar')", { mutates: [], uses: ['df'] }],
    ['to_numpy is a use only', 'arr = df.to_numpy()', { mutates: [], uses: ['df'] }],
    ['drop without inplace is a use only', "df2 = df.drop(columns=['a'])", { mutates: [], uses: ['df'] }],
    ['drop with inplace=True mutates', "df.drop(columns=['a'], inplace=True)", { mutates: ['df'], uses: ['df'] }],
    ['fillna with inplace=True mutates', 'df.fillna(0, inplace=True)', { mutates: ['df'] }],
    ['set_index with inplace=True mutates', "df.set_index('id', inplace=True)", { mutates: ['df'] }],
    ['inplace=False is not a mutation', "df.dropna(inplace=False)", { mutates: [] }],
    ['a method on a column with inplace=True mutates the frame', "df['a'].fillna(0, inplace=True)", { mutates: ['df'] }],
    ['an unknown method counts as a possible mutation', 'widget.refresh()', { mutates: ['widget'] }],
    ['a class reached through a name builds a new object', 'm = xgboost.XGBRegressor(n_estimators=50)\nplay = widgets.Play(value=1)', { mutates: [], uses: ['widgets', 'xgboost'] }],
    ['only the first call in a chain can mutate the base', 'df.groupby(key).sum().append(row)', { mutates: [], uses: ['df', 'key', 'row'] }],
    ['a method on an attribute mutates the root', 'self_state.history.append(x)', { mutates: ['self_state'] }],
    ['a method on a subscript mutates the root', "groups['a'].append(x)", { mutates: ['groups'] }],
    ['a method on a name bound in the cell is not a mutation', 'lst = []\nlst.append(1)', { mutates: [], defines: ['lst'], uses: [] }],
    ['a method on a name maybe bound in the cell is not a mutation', 'if c:\n    lst = []\nlst.append(1)', { mutates: [] }],
    ['a mutation before a rebinding is still recorded', 'lst.append(1)\nlst = []', { mutates: ['lst'], uses: ['lst'], defines: ['lst'] }],
    ['a mutation inside a loop is recorded', 'for i in range(3):\n    losses.append(i)', { mutates: ['losses'] }],
    ['a mutation in a function body is not recorded', 'def add(v):\n    items.append(v)', { mutates: [] }],
    ['an optimizer step mutates the optimizer', 'opt.zero_grad()\nloss.backward()\nopt.step()', { mutates: ['loss', 'opt'] }],
    ['file writes through a handle bound in the cell mutate nothing', "with open('f', 'w') as fh:\n    fh.write('x')", { mutates: [] }],
    ['a time method on a class is not a mutation', 'd = date.today()', { mutates: [], uses: ['date'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('functions that mutate their argument', () => {
  it.each<[string, string, Expected]>([
    ['random.shuffle mutates its argument', 'random.shuffle(deck)', { mutates: ['deck'], uses: ['deck', 'random'] }],
    ['np.random.shuffle mutates its argument', 'import numpy as np\nnp.random.shuffle(arr)', { mutates: ['arr'] }],
    ['heapq.heappush mutates the heap', 'heapq.heappush(h, item)', { mutates: ['h'] }],
    ['setattr mutates the object', "setattr(cfg, 'lr', 0.1)", { mutates: ['cfg'] }],
    ['a plain function call mutates nothing', 'process(data)', { mutates: [], uses: ['data', 'process'] }],
    ['print mutates nothing', 'print(df)', { mutates: [], uses: ['df'] }],
    ['len and sum mutate nothing', 'n = len(xs) + sum(ys)', { mutates: [], uses: ['xs', 'ys'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('modules', () => {
  it.each<[string, string, Expected]>([
    ['calls on a common module alias do not mutate it', 'plt.plot(x)\nplt.show()', { mutates: [], uses: ['plt', 'x'] }],
    ['calls on a module imported in the cell do not mutate it', 'import foo\nfoo.configure()', { mutates: [] }],
    ['calls on a from-imported name do not mutate it', 'from sklearn import datasets\nd = datasets.load_iris()', { mutates: [] }],
    ['os.makedirs does not mutate os', "os.makedirs('out', exist_ok=True)", { mutates: [], uses: ['os'] }],
    // numpy's and random's seeds reset a generator whose draws the lists know (`seeds`,
    // followed by the order as the generator's state), not a change of the module.
    ['np.random.seed seeds, without changing np', 'np.random.seed(0)', { mutates: [], seeds: true, uses: ['np'] }],
    ['random.seed seeds, without changing random', 'random.seed(42)', { mutates: [], seeds: true }],
    // Layers draw their initial weights in calls no list names: the module stays changed.
    ['torch.manual_seed seeds and changes torch', 'torch.manual_seed(0)', { mutates: ['torch'], seeds: true }],
    ['tf.random.set_seed seeds and changes tf', 'tf.random.set_seed(1)', { mutates: ['tf'], seeds: true }],
    ['np.random.set_state still changes numpy state', 'np.random.set_state(s)', { mutates: ['np'] }],
    ['pd.set_option mutates pandas state', "pd.set_option('display.max_rows', 10)", { mutates: ['pd'] }],
    ['seaborn setters mutate seaborn state', "sns.set_theme()\nsns.set_style('white')", { mutates: ['sns'] }],
    ['warnings.filterwarnings mutates warnings state', "warnings.filterwarnings('ignore')", { mutates: ['warnings'] }],
    ['plt.rcParams stores mutate pyplot state', "plt.rcParams['figure.figsize'] = (8, 6)", { mutates: ['plt'] }],
    ['pandas options stores mutate pandas state', 'pd.options.display.max_columns = 50', { mutates: ['pd'] }],
    ['os.environ stores mutate os state', "os.environ['A'] = '1'", { mutates: ['os'] }],
    ['sys.path.append mutates sys state', "sys.path.append('..')", { mutates: ['sys'] }],
    ['plt.style.use mutates pyplot state', "plt.style.use('ggplot')", { mutates: ['plt'] }],
    ['setters through an alias imported in the cell resolve the module', 'import numpy as npy\nnpy.random.seed(0)', { mutates: [], defines: ['npy'] }],
    ['a seed call through an unknown alias is an ordinary possible mutation of the value', 'npy.random.seed(0)', { mutates: ['npy'] }],
    ['a common alias rebound in the cell is a value again', 'np = make()\nnp.foo()', { mutates: [], defines: ['np'] }],
    ['a module used as a value argument is a use only', 'f(np)', { mutates: [], uses: ['f', 'np'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});
