/**
 * Side effects that make a cell hard to reproduce: randomness, the clock,
 * files read and written.
 */

import { analyzeCell, clearEffectsCache } from './effects';
import type { CellEffect } from './types';

function effectsOf(source: string): CellEffect[] {
  return analyzeCell(source).effects;
}

beforeEach(() => clearEffectsCache());

describe('randomness', () => {
  it.each<[string, string, CellEffect[]]>([
    ['np.random.rand without a seed is randomness', 'x = np.random.rand(3)', [{ kind: 'randomness', name: 'np.random.rand' }]],
    ['np.random.randn, randint and choice are randomness', 'a = np.random.randn(2)\nb = np.random.randint(5)', [
      { kind: 'randomness', name: 'np.random.randint' },
      { kind: 'randomness', name: 'np.random.randn' }
    ]],
    ['a numpy seed earlier in the cell makes numpy draws reproducible', 'np.random.seed(0)\nx = np.random.rand(3)', []],
    ['a numpy seed after the draw does not', 'x = np.random.rand(3)\nnp.random.seed(0)', [{ kind: 'randomness', name: 'np.random.rand' }]],
    ['random.random without a seed is randomness', 'r = random.random()', [{ kind: 'randomness', name: 'random.random' }]],
    ['random.seed makes random draws reproducible', 'random.seed(1)\nr = random.choice(xs)', []],
    ['a numpy seed does not seed the random module', 'np.random.seed(0)\nr = random.random()', [{ kind: 'randomness', name: 'random.random' }]],
    ['torch.rand without a seed is randomness', 'x = torch.rand(3)', [{ kind: 'randomness', name: 'torch.rand' }]],
    ['torch.manual_seed seeds torch only', 'torch.manual_seed(0)\nx = torch.rand(3)\ny = np.random.rand(2)', [{ kind: 'randomness', name: 'np.random.rand' }]],
    ['tf.random.normal without a seed is randomness', 'z = tf.random.normal([2])', [{ kind: 'randomness', name: 'tf.random.normal' }]],
    ['default_rng without a seed is randomness', 'rng = np.random.default_rng()', [{ kind: 'randomness', name: 'np.random.default_rng' }]],
    ['default_rng with a seed is not randomness', 'rng = np.random.default_rng(42)', []],
    ['draws from a seeded generator object are not randomness', 'rng = np.random.default_rng(0)\nx = rng.normal()', []],
    ['train_test_split without random_state is randomness', 'a, b = train_test_split(X)', [{ kind: 'randomness', name: 'train_test_split' }]],
    ['train_test_split with random_state is not randomness', 'a, b = train_test_split(X, random_state=0)', []],
    ['train_test_split with random_state=None is randomness', 'a, b = train_test_split(X, random_state=None)', [{ kind: 'randomness', name: 'train_test_split' }]],
    ['train_test_split after a numpy seed is not randomness', 'np.random.seed(1)\na, b = train_test_split(X)', []],
    ['train_test_split through its module is randomness', 'a, b = sklearn.model_selection.train_test_split(X)', [
      { kind: 'randomness', name: 'sklearn.model_selection.train_test_split' }
    ]],
    ['df.sample without random_state is randomness', 'df.sample(5)', [{ kind: 'randomness', name: 'df.sample' }]],
    ['df.sample with random_state is not randomness', 'df.sample(5, random_state=1)', []],
    ['uuid4 is randomness that no seed fixes', 'random.seed(0)\nnp.random.seed(0)\nu = uuid.uuid4()', [{ kind: 'randomness', name: 'uuid.uuid4' }]],
    ['keras set_random_seed seeds every family', 'keras.utils.set_random_seed(0)\nx = np.random.rand()\ny = random.random()', []],
    ['from-imported random functions resolve through the import', 'from numpy.random import rand\nx = rand(3)', [{ kind: 'randomness', name: 'rand' }]],
    ['from-imported seed functions seed', 'from numpy.random import seed, rand\nseed(0)\nx = rand(3)', []],
    ['random calls in a function body are not randomness of the defining cell', 'def f():\n    return np.random.rand()', []],
    ['a random draw in a comprehension is randomness', 'xs = [random.random() for _ in range(3)]', [{ kind: 'randomness', name: 'random.random' }]],
    ['the same random call twice is one effect', 'a = random.random()\nb = random.random()', [{ kind: 'randomness', name: 'random.random' }]],
    ['a module named like a random function is not randomness', 'x = rand(3)', []]
  ])('%s', (_title, source, expected) => expect(effectsOf(source)).toEqual(expected));
});

describe('time', () => {
  it.each<[string, string, CellEffect[]]>([
    ['time.time reads the clock', 't = time.time()', [{ kind: 'time', name: 'time.time' }]],
    ['datetime.now reads the clock', 'now = datetime.now()', [{ kind: 'time', name: 'datetime.now' }]],
    ['datetime.datetime.now reads the clock', 'now = datetime.datetime.now()', [{ kind: 'time', name: 'datetime.datetime.now' }]],
    ['dt.datetime.today reads the clock', 'd = dt.datetime.today()', [{ kind: 'time', name: 'dt.datetime.today' }]],
    ['date.today reads the clock', 'd = date.today()', [{ kind: 'time', name: 'date.today' }]],
    ['pd.Timestamp.now reads the clock', 'ts = pd.Timestamp.now()', [{ kind: 'time', name: 'pd.Timestamp.now' }]],
    ['datetime.now imported in the cell reads the clock', 'from datetime import datetime\nnow = datetime.now()', [{ kind: 'time', name: 'datetime.now' }]],
    ['perf_counter measures durations and is not reported', 't0 = time.perf_counter()', []],
    ['a datetime built from literals does not read the clock', 'd = datetime(2020, 1, 1)', []],
    ['time.sleep does not read the clock', 'time.sleep(1)', []],
    ['clock reads in a function body are not effects of the defining cell', 'def stamp():\n    return time.time()', []]
  ])('%s', (_title, source, expected) => expect(effectsOf(source)).toEqual(expected));
});

describe('files', () => {
  it.each<[string, string, CellEffect[]]>([
    ['open with no mode reads the file', "f = open('in.txt')", [{ kind: 'file-read', path: 'in.txt' }]],
    ["open with mode 'w' writes the file", "f = open('out.txt', 'w')", [{ kind: 'file-write', path: 'out.txt' }]],
    ["open with mode 'a' writes the file", "f = open('log.txt', mode='a')", [{ kind: 'file-write', path: 'log.txt' }]],
    ["open with mode 'rb' reads the file", "f = open('model.pkl', 'rb')", [{ kind: 'file-read', path: 'model.pkl' }]],
    ["open with mode 'r+' reads and writes the file", "f = open('both.txt', 'r+')", [
      { kind: 'file-read', path: 'both.txt' },
      { kind: 'file-write', path: 'both.txt' }
    ]],
    ['open with a variable path records nothing', 'f = open(path)', []],
    ['open with an f-string path records nothing', "f = open(f'out_{i}.txt', 'w')", []],
    ['with open reads the file', "with open('data.json') as fh:\n    data = json.load(fh)", [{ kind: 'file-read', path: 'data.json' }]],
    ['pd.read_csv reads the file', "df = pd.read_csv('data/train.csv')", [{ kind: 'file-read', path: 'data/train.csv' }]],
    ['read_csv with a path keyword reads the file', "df = pd.read_csv(filepath_or_buffer='a.csv')", [{ kind: 'file-read', path: 'a.csv' }]],
    ['read_excel, read_json, read_parquet, read_pickle and read_table read', "a = pd.read_excel('a.xlsx')\nb = pd.read_json('b.json')\nc = pd.read_parquet('c.pq')\nd = pd.read_pickle('d.pkl')\ne = pd.read_table('e.tsv')", [
      { kind: 'file-read', path: 'a.xlsx' },
      { kind: 'file-read', path: 'b.json' },
      { kind: 'file-read', path: 'c.pq' },
      { kind: 'file-read', path: 'd.pkl' },
      { kind: 'file-read', path: 'e.tsv' }
    ]],
    ['np.load, loadtxt and genfromtxt read', "a = np.load('a.npy')\nb = np.loadtxt('b.txt')\nc = np.genfromtxt('c.csv')", [
      { kind: 'file-read', path: 'a.npy' },
      { kind: 'file-read', path: 'b.txt' },
      { kind: 'file-read', path: 'c.csv' }
    ]],
    ['to_csv writes the file', "df.to_csv('out.csv', index=False)", [{ kind: 'file-write', path: 'out.csv' }]],
    ['to_excel, to_json, to_parquet and to_pickle write', "df.to_excel('a.xlsx')\ndf.to_json('b.json')\ndf.to_parquet('c.pq')\ndf.to_pickle('d.pkl')", [
      { kind: 'file-write', path: 'a.xlsx' },
      { kind: 'file-write', path: 'b.json' },
      { kind: 'file-write', path: 'c.pq' },
      { kind: 'file-write', path: 'd.pkl' }
    ]],
    ['to_json without a path writes nothing', 's = df.to_json()', []],
    ['np.save writes its first argument', "np.save('arr.npy', a)", [{ kind: 'file-write', path: 'arr.npy' }]],
    ['np.savetxt writes its first argument', "np.savetxt('arr.txt', a)", [{ kind: 'file-write', path: 'arr.txt' }]],
    ['plt.savefig writes the figure', "plt.savefig('fig.png', dpi=200)", [{ kind: 'file-write', path: 'fig.png' }]],
    ['fig.savefig writes the figure', "fig.savefig('fig.pdf')", [{ kind: 'file-write', path: 'fig.pdf' }]],
    ['pickle.dump into open(wb) writes the file', "pickle.dump(m, open('m.pkl', 'wb'))", [{ kind: 'file-write', path: 'm.pkl' }]],
    ['pickle.load from open(rb) reads the file', "m = pickle.load(open('m.pkl', 'rb'))", [{ kind: 'file-read', path: 'm.pkl' }]],
    ['json.dump into a with-opened file writes it', "with open('cfg.json', 'w') as f:\n    json.dump(cfg, f)", [{ kind: 'file-write', path: 'cfg.json' }]],
    ['Path.read_text reads the file', "s = Path('notes.txt').read_text()", [{ kind: 'file-read', path: 'notes.txt' }]],
    ['Path.write_text writes the file', "Path('out.txt').write_text(s)", [{ kind: 'file-write', path: 'out.txt' }]],
    ['Path.open with w writes the file', "f = Path('o.txt').open('w')", [{ kind: 'file-write', path: 'o.txt' }]],
    ['Path joined with / spells the path', "df = pd.read_csv(Path('data') / 'x.csv')", [{ kind: 'file-read', path: 'data/x.csv' }]],
    ['os.path.join of literals spells the path', "df = pd.read_csv(os.path.join('data', 'train.csv'))", [{ kind: 'file-read', path: 'data/train.csv' }]],
    ['joblib.dump writes its second argument', "joblib.dump(model, 'model.joblib')", [{ kind: 'file-write', path: 'model.joblib' }]],
    ['torch.save writes its second argument', "torch.save(net.state_dict(), 'net.pt')", [{ kind: 'file-write', path: 'net.pt' }]],
    ['torch.load reads its first argument', "sd = torch.load('net.pt')", [{ kind: 'file-read', path: 'net.pt' }]],
    ['model.save writes its path', "model.save('model.h5')", [{ kind: 'file-write', path: 'model.h5' }]],
    ['concatenated string literals spell one path', "df = pd.read_csv('data/' 'x.csv')", [{ kind: 'file-read', path: 'data/x.csv' }]],
    ['raw strings keep backslashes', "df = pd.read_csv(r'C:\\data\\x.csv')", [{ kind: 'file-read', path: 'C:\\data\\x.csv' }]],
    ['escaped backslashes in plain strings are unescaped', "df = pd.read_csv('C:\\\\data\\\\x.csv')", [{ kind: 'file-read', path: 'C:\\data\\x.csv' }]],
    ['file reads in a function body are reported (data the notebook uses)', "def load():\n    return pd.read_csv('data.csv')", [{ kind: 'file-read', path: 'data.csv' }]],
    ['the same file read twice is one effect', "a = pd.read_csv('x.csv')\nb = pd.read_csv('x.csv')", [{ kind: 'file-read', path: 'x.csv' }]]
  ])('%s', (_title, source, expected) => expect(effectsOf(source)).toEqual(expected));
});

describe('effects are sorted by kind then value', () => {
  it('orders file, opaque, randomness, shell and time effects', () => {
    const source = "!ls\n%matplotlib inline\nt = time.time()\nx = np.random.rand()\ndf = pd.read_csv('a.csv')\ndf.to_csv('b.csv')";
    expect(effectsOf(source).map(e => e.kind)).toEqual(['file-read', 'file-write', 'opaque-magic', 'randomness', 'shell', 'time']);
  });
});
