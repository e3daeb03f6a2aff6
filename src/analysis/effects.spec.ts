/**
 * Def/use of plain Python: bindings, reads, deletes and Python's scoping rules.
 */

import { analyzeCell, clearEffectsCache, effectsCacheSize } from './effects';
import { Expected, expectEffects } from './effectsTestkit.spec-util';

beforeEach(() => clearEffectsCache());

describe('assignment', () => {
  it.each<[string, string, Expected]>([
    ['a simple assignment defines the name', 'x = 1', { defines: ['x'], uses: [], mayDefine: [] }],
    ['the value of an assignment is a use', 'x = y', { defines: ['x'], uses: ['y'] }],
    ['chained assignment defines every target', 'a = b = c', { defines: ['a', 'b'], uses: ['c'] }],
    ['tuple unpacking defines every element', 'a, b = pair', { defines: ['a', 'b'], uses: ['pair'] }],
    ['star unpacking defines the starred name', 'first, *rest = items', { defines: ['first', 'rest'], uses: ['items'] }],
    ['nested unpacking defines the innermost names', '(a, b), [c, d] = nested', { defines: ['a', 'b', 'c', 'd'], uses: ['nested'] }],
    ['parenthesized target is a plain binding', '(x) = 5', { defines: ['x'], uses: [] }],
    ['a name read after this cell binds it is not a use', 'x = 1\ny = x + 1', { defines: ['x', 'y'], uses: [] }],
    ['a name read before this cell binds it is a use', 'y = x + 1\nx = 2', { defines: ['x', 'y'], uses: ['x'] }],
    ['self-referencing assignment reads the old value', 'x = x + 1', { defines: ['x'], uses: ['x'] }],
    ['swap reads both names', 'a, b = b, a', { defines: ['a', 'b'], uses: ['a', 'b'] }],
    ['annotated assignment defines the name', 'x: int = 1', { defines: ['x'], builtinUses: ['int'] }],
    ['a bare annotation does not define the name', 'y: int', { defines: [], uses: [] }],
    ['a bare annotation reads the annotation type', 'y: MyType', { defines: [], uses: ['MyType'] }],
    ['an annotation type is a use', 'df: pd.DataFrame = load()', { defines: ['df'], uses: ['load', 'pd'] }],
    ['statements after a semicolon are analysed', 'a = 1; b = a; c = d', { defines: ['a', 'b', 'c'], uses: ['d'] }],
    ['assignment from a call reads the callee and its arguments', 'r = f(a, b)', { defines: ['r'], uses: ['a', 'b', 'f'] }],
    ['keyword argument names are not uses', 'r = f(key=value)', { defines: ['r'], uses: ['f', 'value'] }],
    ['star and double-star arguments are uses', 'f(*args, **kwargs)', { uses: ['args', 'f', 'kwargs'] }],
    ['attribute names are not uses', 'n = obj.attr.other', { defines: ['n'], uses: ['obj'] }],
    ['subscript indices are uses', 'v = table[row][col]', { defines: ['v'], uses: ['col', 'row', 'table'] }],
    ['slices read their bounds', 'part = seq[lo:hi:step]', { defines: ['part'], uses: ['hi', 'lo', 'seq', 'step'] }],
    ['conditional expressions read all three parts', 'x = y if c else z', { defines: ['x'], uses: ['c', 'y', 'z'] }],
    ['boolean operators read both sides', 'ok = a and not b or c', { defines: ['ok'], uses: ['a', 'b', 'c'] }],
    ['comparisons read both sides', 'flag = a != b', { defines: ['flag'], uses: ['a', 'b'] }],
    ['f-string replacement fields are uses', "s = f'{name!r:>{width}} {value=}'", { defines: ['s'], uses: ['name', 'value', 'width'] }],
    ['plain strings are not uses', "s = 'name width'", { defines: ['s'], uses: [] }],
    ['dictionary literals read keys and values', 'd = {k: v, **extra}', { defines: ['d'], uses: ['extra', 'k', 'v'] }],
    ['list and set literals read their elements', 'l = [a, *b]\ns = {c}', { defines: ['l', 's'], uses: ['a', 'b', 'c'] }],
    ['await reads its operand', 'r = await fetch(url)', { defines: ['r'], uses: ['fetch', 'url'] }],
    ['numbers and keywords are not uses', 'x = None or True or 1.5e3', { defines: ['x'], uses: [], builtinUses: [] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('augmented assignment', () => {
  it.each<[string, string, Expected]>([
    ['augmented assignment both uses and defines the name', 'x += 1', { defines: ['x'], uses: ['x'] }],
    ['augmented assignment after a binding in the cell is not a use', 'x = 0\nx += 1', { defines: ['x'], uses: [] }],
    ['augmented assignment reads its value', 'total *= factor', { defines: ['total'], uses: ['factor', 'total'] }],
    ['every augmented operator counts', 'a -= 1\nb //= 2\nc **= 2\nd @= m\ne |= f\ng >>= 1', {
      defines: ['a', 'b', 'c', 'd', 'e', 'g'],
      uses: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'm']
    }],
    ['augmented assignment of an attribute mutates the base', 'obj.count += 1', { defines: [], uses: ['obj'], mutates: ['obj'] }],
    ['augmented assignment of a subscript mutates the base', "counts['a'] += 1", { defines: [], uses: ['counts'], mutates: ['counts'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('del', () => {
  it.each<[string, string, Expected]>([
    ['del of a free name deletes and uses it', 'del x', { deletes: ['x'], uses: ['x'], defines: [] }],
    ['del after a binding leaves the name deleted, not defined', 'x = 1\ndel x', { deletes: ['x'], defines: [], uses: [] }],
    ['a binding after del defines the name again', 'del x\nx = 2', { deletes: [], defines: ['x'], uses: ['x'] }],
    ['del of several names deletes each', 'del a, b', { deletes: ['a', 'b'], uses: ['a', 'b'] }],
    ['del of a subscript mutates the base', "del df['a']", { deletes: [], mutates: ['df'], uses: ['df'] }],
    ['del of an attribute mutates the base', 'del obj.attr', { deletes: [], mutates: ['obj'], uses: ['obj'] }],
    ['del of a parenthesized tuple deletes each name', 'del (a, b)', { deletes: ['a', 'b'] }],
    ['del inside if is recorded as a deletion', 'if c:\n    del x', { deletes: ['x'], uses: ['c', 'x'] }],
    ['a name read after del in the cell is a use (of a deleted name)', 'x = 1\ndel x\nprint(x)', { uses: ['x'], deletes: ['x'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('imports', () => {
  it.each<[string, string, Expected]>([
    ['import defines the module name', 'import os', { defines: ['os'], uses: [] }],
    ['import of a dotted module defines its first component', 'import a.b.c', { defines: ['a'] }],
    ['import as defines the alias only', 'import a.b as c', { defines: ['c'] }],
    ['import of several modules defines each', 'import os, sys as system', { defines: ['os', 'system'] }],
    ['from-import defines the imported names', 'from x import y, z', { defines: ['y', 'z'], uses: [] }],
    ['from-import as defines the alias', 'from x import y as w', { defines: ['w'] }],
    ['parenthesized from-import defines each name', 'from x import (a as b,\n    c)', { defines: ['b', 'c'] }],
    ['relative import defines the imported name', 'from . import sibling\nfrom ..pkg.mod import thing', { defines: ['sibling', 'thing'] }],
    ['star import sets unknownDefines', 'from os.path import *', { unknownDefines: true, defines: [] }],
    ['plain imports leave unknownDefines unset', 'import numpy as np', { unknownDefines: false }],
    ['the imported module name is not a use', 'import pandas as pd\ndf = pd.DataFrame()', { defines: ['df', 'pd'], uses: [] }],
    ['an import inside a function binds a local', 'def f():\n    import json\n    return json.dumps(x)', { defines: ['f'], uses: ['x'] }],
    ['an import inside try is a definite define', 'try:\n    import ujson as json\nexcept ImportError:\n    import json', { defines: ['json'], mayDefine: [] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('the name a lone call statement reaches its function through', () => {
  it.each<[string, string | undefined]>([
    ['findspark.init()', 'findspark'],
    ['load_dotenv()', 'load_dotenv'],
    ['a.b(1).c()', 'a'],
    ['f(x) + 1', 'f'],
    ['load_dotenv() if os.path.exists(".env") else None', 'load_dotenv'],
    ['not f()', undefined],
    ['await f()', undefined],
    ['x = f()', undefined],
    ['a[0].b()', undefined],
    ['(f)(x)', undefined],
    ['del(a)', undefined],
    ['f()\ng()', undefined],
    ['f(x))', undefined]
  ])('%s', (source, root) => expect(analyzeCell(source).callRoot).toBe(root));
});

describe('names the code only calls', () => {
  it.each<[string, string[] | undefined]>([
    ['s = total([1, 2])\nprint(s)', ['print', 'total']],
    ['s = total(xs)\nhandlers = [total]', undefined],
    ['total = functools.lru_cache(total)', undefined],
    ['def g(x):\n    return f(x)\nh = f', undefined],
    ['f.cache_clear()\nf(1)', undefined],
    ['print(f"{f}")\nf(1)', ['print']],
    ['def g(f):\n    return 1\nf(2)', ['f']],
    ['g(f=1)\nf(2)', ['f', 'g']],
    ['f(1)\nf.calls = 0', undefined],
    ['f(1)\nh = globals()["f"]', undefined],
    ['f(1)\neval("f")', undefined]
  ])('%s', (source, names) => expect(analyzeCell(source).calledOnly).toEqual(names));
});

describe('the module an imported name stands for', () => {
  it.each<[string, string, Record<string, string> | undefined]>([
    ['a dotted import binds its first component with the submodule loaded', 'import a.b.c', { a: 'a.b.c' }],
    ['an alias stands for the whole path', 'import a.b as c, os', { c: 'a.b', os: 'os' }],
    ['a from-import stands for the member', 'from x import (y as w,\n    z)', { w: 'x.y', z: 'x.z' }],
    ['a relative from-import keeps its dots', 'from . import sibling\nfrom ..pkg import thing', { sibling: '.sibling', thing: '..pkg.thing' }],
    ['two submodules of one package on one name: both loaded', 'import a.c, a.b', { a: 'a.b,a.c' }],
    ['a name bound again by something else is no import', 'import json\njson = None', undefined],
    ['an import inside a function is not the module\'s', 'def f():\n    import json', undefined],
    ['an import in one branch of an if is not the statement\'s value', 'if GPU:\n    import math as xp\nelse:\n    import cmath as xp', undefined],
    ['nor one in a try', 'try:\n    import ujson as json\nexcept ImportError:\n    import json', undefined]
  ])('%s', (_title, source, expected) => expect(analyzeCell(source).importedModules).toEqual(expected));
});

describe('functions', () => {
  it.each<[string, string, Expected]>([
    ['def defines the function name', 'def f():\n    pass', { defines: ['f'], uses: [] }],
    ['async def defines the function name', 'async def g():\n    await h()', { defines: ['g'], uses: ['h'] }],
    ['parameters are local to the body', 'def f(a, b):\n    return a + b', { defines: ['f'], uses: [] }],
    ['star parameters are local to the body', 'def f(*args, **kwargs):\n    return args, kwargs', { uses: [] }],
    ['keyword-only and positional-only parameters are local', 'def f(a, /, b, *, c):\n    return a, b, c', { uses: [] }],
    ['free global reads in a function body are uses of the defining cell', 'def f():\n    return model.predict(X)', { defines: ['f'], uses: ['X', 'model'] }],
    ['body reads of names the cell binds later are not uses', 'def f():\n    return k\nk = 2', { defines: ['f', 'k'], uses: [] }],
    ['body reads of names the cell bound before are not uses', 'k = 2\ndef f():\n    return k', { defines: ['f', 'k'], uses: [] }],
    ['a function calling a function defined later in the cell is not a use', 'def f():\n    return g()\ndef g():\n    return 1', { uses: [] }],
    ['locals assigned in the body are not uses', 'def f():\n    y = 1\n    return y', { uses: [] }],
    ['a local assigned after its read is still local', 'def f():\n    print(y)\n    y = 1', { uses: [], builtinUses: ['print'] }],
    ['locals of a function are not defines of the cell', 'def f():\n    secret = 1', { defines: ['f'], mayDefine: [] }],
    ['default arguments are read when the def runs', 'def f(x=default):\n    return x', { uses: ['default'] }],
    ['a default reading a name bound later in the cell is a use', 'def f(x=later):\n    return x\nlater = 1', { uses: ['later'] }],
    ['parameter annotations are read when the def runs', 'def f(x: Frame) -> Result:\n    return x', { uses: ['Frame', 'Result'] }],
    ['decorators are read in the enclosing scope', '@cache\ndef f():\n    pass', { defines: ['f'], uses: ['cache'] }],
    ['decorator arguments are read', '@app.route(path)\ndef index():\n    pass', { defines: ['index'], uses: ['app', 'path'] }],
    ['dotted decorators read only their base', '@functools.lru_cache(maxsize=size)\ndef f():\n    pass', { uses: ['functools', 'size'] }],
    ['global assignment in a function body does not define at definition time', 'def reset():\n    global counter\n    counter = 0', { defines: ['reset'], mayDefine: [] }],
    ['global augmented assignment in a body is a deferred use', 'def bump():\n    global counter\n    counter += 1', { defines: ['bump'], uses: ['counter'] }],
    ['a global declaration makes a body read global even if assigned', 'def f():\n    global g\n    g = g + 1', { uses: ['g'] }],
    ['mutations inside a function body are not mutations of the defining cell', 'def add(v):\n    items.append(v)', { mutates: [], uses: ['items'] }],
    ['a recursive function is not a use of itself', 'def fact(n):\n    return 1 if n < 2 else n * fact(n - 1)', { uses: [] }],
    ['redefining a function reads nothing', 'def f():\n    pass\ndef f():\n    pass', { defines: ['f'], uses: [] }],
    ['a function body reading a builtin records a builtin use', 'def f(xs):\n    return len(xs)', { builtinUses: ['len'], uses: [] }],
    ['return type annotations that are strings are not uses', "def f() -> 'Later':\n    pass", { uses: [] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('nested functions', () => {
  it.each<[string, string, Expected]>([
    ['nested functions see enclosing locals', 'def outer():\n    n = 0\n    def inner():\n        return n\n    return inner', { uses: [] }],
    ['nonlocal rebinding refers to the enclosing function', 'def outer():\n    n = 0\n    def inner():\n        nonlocal n\n        n += 1\n        return n\n    return inner', { defines: ['outer'], uses: [] }],
    ['nonlocal does not leak to module globals', 'def outer():\n    n = 0\n    def inner():\n        nonlocal n\n        n = 5\n    inner()', { defines: ['outer'], mayDefine: [] }],
    ['an inner function reads globals through its enclosing function', 'def outer():\n    def inner():\n        return config\n    return inner', { uses: ['config'] }],
    ['an enclosing local assigned after the inner def is still visible', 'def outer():\n    def inner():\n        return late\n    late = 1\n    return inner', { uses: [] }],
    ['global in an inner function skips enclosing locals', 'def outer():\n    x = 1\n    def inner():\n        global x\n        return x\n    return inner', { uses: ['x'] }],
    ['nested function names are local to the enclosing function', 'def outer():\n    def helper():\n        pass\n    return helper', { defines: ['outer'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('lambdas', () => {
  it.each<[string, string, Expected]>([
    ['a lambda assigned to a name defines it', 'f = lambda x: x + 1', { defines: ['f'], uses: [] }],
    ['lambda parameters are local', 'f = lambda a, b=1, *c, **d: (a, b, c, d)', { uses: [] }],
    ['a free read in a lambda body is a use', 'f = lambda: undefined_name', { uses: ['undefined_name'] }],
    ['lambda default arguments are read in the enclosing scope', 'f = lambda x=dflt: x', { uses: ['dflt'] }],
    ['a lambda default inside a function default is read at definition', 'def g(a=lambda q=dflt: q + w):\n    pass', { uses: ['dflt', 'w'] }],
    ['a lambda body reading a name the cell binds later is not a use', 'key = lambda r: r[col]\ncol = 0', { uses: [] }],
    ['lambdas as call arguments read their free names', 'df.apply(lambda row: row[col] * scale, axis=1)', { uses: ['col', 'df', 'scale'] }],
    ['a walrus inside a lambda binds a lambda local', 'f = lambda: (y := 1)', { defines: ['f'], mayDefine: [] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('comprehensions', () => {
  it.each<[string, string, Expected]>([
    ['comprehension variables do not leak', 'r = [x for x in xs]', { defines: ['r'], uses: ['xs'] }],
    ['a comprehension variable read after the comprehension is a use', 'r = [x for x in xs]\nprint(x)', { uses: ['x', 'xs'] }],
    ['conditions read free names', 'r = [x for x in xs if x > t]', { uses: ['t', 'xs'] }],
    ['nested for clauses see earlier targets', 'r = [y for x in xs for y in x]', { uses: ['xs'] }],
    ['set comprehensions have their own scope', 's = {x for x in items}', { defines: ['s'], uses: ['items'] }],
    ['dict comprehensions have their own scope', 'd = {k: v for k, v in pairs}', { defines: ['d'], uses: ['pairs'] }],
    ['generator expressions have their own scope', 'g = (n * 2 for n in nums)', { defines: ['g'], uses: ['nums'] }],
    ['a bare generator argument has its own scope', 'total = sum(x * k for x in xs if x)', { defines: ['total'], uses: ['k', 'xs'], builtinUses: ['sum'] }],
    ['the first iterable is evaluated in the enclosing scope', 'xs = [1]\nr = [x for x in xs]', { uses: [] }],
    ['walrus in a comprehension binds in the enclosing scope as a maybe define', '[y := f(x) for x in data]\nprint(y)', {
      mayDefine: ['y'],
      uses: ['data', 'f']
    }],
    ['walrus in a comprehension inside a function binds a function local', 'def f():\n    return [(y := v) for v in items]', { defines: ['f'], mayDefine: [], uses: ['items'] }],
    ['a comprehension at module level reads names the cell bound before', 'k = 2\nr = [x * k for x in range(3)]', { uses: [] }],
    ['a comprehension mutating a free name records the mutation', '[out.append(v) for v in vals]', { mutates: ['out'], uses: ['out', 'vals'] }],
    ['async comprehensions have their own scope', 'r = [x async for x in stream]', { defines: ['r'], uses: ['stream'] }],
    ['a tuple target in a comprehension is local', 'r = [a + b for a, b in pairs]', { uses: ['pairs'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('class bodies', () => {
  it.each<[string, string, Expected]>([
    ['class defines the class name', 'class C:\n    pass', { defines: ['C'], uses: [] }],
    ['base classes and keywords are read', 'class C(Base, metaclass=Meta):\n    pass', { uses: ['Base', 'Meta'] }],
    ['class attributes are not module defines', 'class C:\n    a = 1\n    b = a + 1', { defines: ['C'], uses: [] }],
    ['class bodies that read globals record uses', 'class C:\n    rate = default_rate', { uses: ['default_rate'] }],
    ['methods do not see class attributes', 'class C:\n    a = 1\n    def m(self):\n        return a', { uses: ['a'] }],
    ['comprehensions in a class body do not see class attributes', 'class A:\n    xs = [1]\n    zs = [xs for _ in range(2)]', { uses: ['xs'] }],
    ['the first iterable of a class-body comprehension sees class attributes', 'class A:\n    xs = [1]\n    ys = [x for x in xs]', { uses: [] }],
    ['global in a class body binds the module name', 'class K:\n    global registry\n    registry = {}', { defines: ['K', 'registry'] }],
    ['class decorators are read', '@dataclass\nclass P:\n    x: int = 0', { defines: ['P'], uses: ['dataclass'] }],
    ['a class attribute annotation reads its type', 'class P:\n    x: Custom', { uses: ['Custom'] }],
    ['a method reading the class name defined in the cell is not a use', 'class Node:\n    def clone(self):\n        return Node()', { uses: [] }],
    ['a nested class body reads globals', 'class A:\n    class B:\n        v = outer_value', { defines: ['A'], uses: ['outer_value'] }],
    ['a class inside a function reads the function locals', 'def make():\n    size = 3\n    class Box:\n        n = size\n    return Box', { uses: [] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('control flow', () => {
  it.each<[string, string, Expected]>([
    ['if/else both binding the same name is a definite define', 'if c:\n    a = 1\nelse:\n    a = 2', { defines: ['a'], mayDefine: [], uses: ['c'] }],
    ['if without else is a maybe define', 'if c:\n    a = 1', { defines: [], mayDefine: ['a'] }],
    ['if/elif without else is a maybe define', 'if c:\n    a = 1\nelif d:\n    a = 3', { mayDefine: ['a'], uses: ['c', 'd'] }],
    ['if/elif/else all binding is a definite define', 'if c:\n    a = 1\nelif d:\n    a = 2\nelse:\n    a = 3', { defines: ['a'], mayDefine: [] }],
    ['a name bound in only one branch of if/else is a maybe define', 'if c:\n    a = 1\n    b = 2\nelse:\n    a = 3', { defines: ['a'], mayDefine: ['b'] }],
    ['if True always runs its body', 'if True:\n    x = 1', { defines: ['x'], mayDefine: [] }],
    ["a script's main guard always runs its body in a kernel", 'if __name__ == "__main__":\n    x = 1\nif \'__main__\' == __name__:\n    y = 1', { defines: ['x', 'y'], mayDefine: [] }],
    ['another test of __name__ may not hold', 'if __name__ == "lib":\n    x = 1', { defines: [], mayDefine: ['x'] }],
    ['a walrus in an if condition is a definite define', 'if (n := len(a)) > 10:\n    pass\nprint(n)', { defines: ['n'], uses: ['a'] }],
    ['a walrus in an elif condition is a maybe define', 'if a:\n    pass\nelif (m := b):\n    pass', { mayDefine: ['m'] }],
    ['a read after a maybe define is not a use', 'if c:\n    a = 1\nprint(a)', { uses: ['c'] }],
    ['a read inside a branch before the branch binds it is a use', 'if c:\n    print(a)\n    a = 1', { uses: ['a', 'c'] }],
    ['names bound before an if are visible in both branches', 'a = 1\nif c:\n    b = a\nelse:\n    b = -a', { defines: ['a', 'b'], uses: ['c'] }],
    ['the for target is a definite define', 'for i in range(3):\n    pass', { defines: ['i'], builtinUses: ['range'] }],
    ['for with tuple targets defines each', 'for k, (a, b) in items:\n    pass', { defines: ['a', 'b', 'k'], uses: ['items'] }],
    ['names bound in a for body are maybe defines', 'for i in items:\n    last = i', { defines: ['i'], mayDefine: ['last'] }],
    ['a for body reading before binding is a use', 'for i in items:\n    print(prev)\n    prev = i', { uses: ['items', 'prev'], mayDefine: ['prev'] }],
    ['a body that surely runs (range of literals) binds surely', 'for i in range(0, 500, 50):\n    last = i', { defines: ['i', 'last'], mayDefine: [] }],
    ['a body over a non-empty literal binds surely, keys too', "for c in ['a', 'b']:\n    df['n'] = 1", { defines: ['c'], mayDefine: [], uses: ['df'] }],
    ['a surely running body reading before binding is a use and binds surely', 'for i in range(3):\n    print(prev)\n    prev = i', { uses: ['prev'], defines: ['i', 'prev'], mayDefine: [] }],
    ['an empty range or literal runs no body', 'for i in range(5, 0):\n    a = 1\nfor j in []:\n    b = 1\nfor k in range(0):\n    c = 1', { mayDefine: ['a', 'b', 'c'] }],
    ['after what may leave the iteration, bindings are maybe', 'for i in range(5):\n    a = 1\n    if i > 2:\n        continue\n    b = 1', { defines: ['a', 'i'], mayDefine: ['b'] }],
    ['a break in a nested loop leaves only that loop', 'for i in range(5):\n    for j in xs:\n        break\n    a = 1', { defines: ['a', 'i', 'j'], mayDefine: [] }],
    ['range rebound by the cell is not the builtin', 'range = lambda n: []\nfor i in range(3):\n    a = 1', { defines: ['i', 'range'], mayDefine: ['a'] }],
    ['for-else bodies are maybe defines', 'for x in xs:\n    pass\nelse:\n    found = False', { mayDefine: ['found'] }],
    ['while bodies are maybe defines', 'while cond:\n    acc = step(acc)', { mayDefine: ['acc'], uses: ['acc', 'cond', 'step'] }],
    ['a while True body runs at least once, up to what may leave it', 'while True:\n    line = read()\n    if not line:\n        break\n    n = 1', { defines: ['line'], mayDefine: ['n'], uses: ['read'] }],
    ['while 1 and while (True) run their body at least once too', 'while 1:\n    a = read()\n    break\nwhile (True):\n    b = 2\n    break\nwhile 0:\n    c = 3', { defines: ['a', 'b'], mayDefine: ['c'], uses: ['read'] }],
    ['a walrus in a while condition is a definite define', 'while (line := read()):\n    pass', { defines: ['line'], uses: ['read'] }],
    ['a try body binding is a maybe define when a handler may catch instead', 'try:\n    r = risky()\nexcept Exception:\n    pass', { defines: [], mayDefine: ['r'], uses: ['risky'] }],
    ['a caught error binds nothing: the try body binding is maybe', 'c = np.array([1, 2])\ntry:\n    d = a + c\nexcept Exception as e:\n    print(e)', { defines: ['c'], mayDefine: ['d'], uses: ['a', 'np'] }],
    ['a try body binding is a definite define when every handler raises again', 'try:\n    r = risky()\nexcept KeyError as e:\n    raise ValueError(key) from e', { defines: ['r'], mayDefine: [], uses: ['key', 'risky'] }],
    ['a try without handlers binds surely', 'try:\n    r = risky()\nfinally:\n    done = True', { defines: ['done', 'r'], mayDefine: [] }],
    ['except handler bindings are maybe defines', 'try:\n    pass\nexcept ValueError:\n    fallback = 1', { mayDefine: ['fallback'] }],
    ['try and except both binding is a definite define', 'try:\n    import foo\nexcept ImportError:\n    foo = None\nfoo.bar', { defines: ['foo'], uses: [] }],
    ['the except-as name does not survive the handler', 'try:\n    pass\nexcept Exception as e:\n    print(e)', { defines: [], mayDefine: [], uses: [] }],
    ['the except-as name read after the handler is a use', 'try:\n    pass\nexcept Exception as err:\n    pass\nprint(err)', { uses: ['err'] }],
    ['except class expressions are read', 'try:\n    pass\nexcept (MyError, other.Error):\n    pass', { uses: ['MyError', 'other'] }],
    ['try-else bodies bind only when nothing was caught', 'try:\n    pass\nexcept Exception:\n    pass\nelse:\n    ok = True', { mayDefine: ['ok'] }],
    ['try-else and every handler binding is a definite define', 'try:\n    import a\nexcept ImportError:\n    ok = False\nelse:\n    ok = True', { defines: ['ok'], mayDefine: ['a'] }],
    ['finally bodies are definite defines', 'try:\n    pass\nfinally:\n    done = True', { defines: ['done'] }],
    ['with-as defines the target', "with open('f') as fh:\n    pass", { defines: ['fh'] }],
    ['with bodies are definite defines', "with open('data.txt') as fh:\n    data = fh.read()", { defines: ['data', 'fh'] }],
    ['with reads its context expression', 'with lock:\n    pass', { uses: ['lock'] }],
    ['with several items defines each target', 'with a() as x, b() as y:\n    pass', { defines: ['x', 'y'], uses: ['a', 'b'] }],
    ['parenthesized with statements are analysed without a parse error', "with (open('a') as f, open('b') as g):\n    pass", {
      defines: ['f', 'g'],
      parseError: false
    }],
    ['async with defines its target', 'async def g():\n    async with lock as l:\n        await h(l)', { defines: ['g'], uses: ['h', 'lock'] }],
    ['nested branches merge correctly', 'if a:\n    if b:\n        x = 1\n    else:\n        x = 2\nelse:\n    x = 3', { defines: ['x'], mayDefine: [] }],
    ['a binding before the branch stays definite', 'x = 0\nif c:\n    x = 1', { defines: ['x'], mayDefine: [] }],
    ['a del in one branch makes the name a maybe define and a deletion', 'x = 1\nif c:\n    del x', { mayDefine: ['x'], deletes: ['x'] }],
    ['a try inside an if keeps handler bindings maybe', 'if c:\n    try:\n        a = f()\n    except E:\n        b = 1\nelse:\n    a = 2', { defines: [], mayDefine: ['a', 'b'] }],
    ['a loop inside both branches keeps its body bindings maybe', 'if c:\n    for i in xs:\n        s = i\nelse:\n    for i in ys:\n        s = -i', { defines: ['i'], mayDefine: ['s'] }],
    ['an except-as name shadowing an earlier binding keeps that binding', 'e = 1\ntry:\n    pass\nexcept E as e:\n    pass\nprint(e)', { defines: ['e'], uses: ['E'] }],
    ['many sibling branches each merge independently', Array.from({ length: 50 }, (_, i) => `if c${i}:\n    v${i} = 1\nelse:\n    v${i} = 2`).join('\n'), {
      defines: Array.from({ length: 50 }, (_, i) => `v${i}`).sort(),
      mayDefine: []
    }],
    ['return, assert and raise read their expressions', 'assert ok, msg\nraise Err from cause', { uses: ['Err', 'cause', 'msg', 'ok'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('match statements', () => {
  it.each<[string, string, Expected]>([
    ['match reads its subject and class patterns', 'match cmd:\n    case Point(x=0, y=yy):\n        r = yy', { uses: ['Point', 'cmd'], mayDefine: ['r', 'yy'] }],
    ['a catch-all last case makes bindings in every case definite', 'match p:\n    case 1:\n        r = 1\n    case _:\n        r = 2', { defines: ['r'], mayDefine: [] }],
    ['capture patterns bind names', 'match p:\n    case [x, *rest]:\n        pass', { mayDefine: ['rest', 'x'], uses: ['p'] }],
    ['mapping and or patterns bind their captures', "match p:\n    case {'k': v, **others} | Foo.BAR as zz:\n        pass", {
      mayDefine: ['others', 'v', 'zz'],
      uses: ['Foo', 'p']
    }],
    ['value patterns read their base', 'match color:\n    case Color.RED:\n        hit = True', { uses: ['Color', 'color'], mayDefine: ['hit'] }],
    ['guards read names', 'match p:\n    case x if x > limit:\n        pass', { uses: ['limit', 'p'] }],
    ['the wildcard binds nothing', 'match p:\n    case _:\n        pass', { defines: [], mayDefine: [] }],
    ['match as a plain name still works', 'match = 3\nprint(match)', { defines: ['match'], uses: [] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('builtins and IPython names', () => {
  it.each<[string, string, Expected]>([
    ['builtins are not uses', 'print(len(range(3)))', { uses: [], builtinUses: ['len', 'print', 'range'] }],
    ['True, False and None are not uses', 'x = (True, False, None)', { uses: [], builtinUses: [] }],
    ['IPython output and input caches are not uses', 'print(_, __, _1, _i2, In, Out)', { uses: [] }],
    ['display and get_ipython are not uses', 'display(get_ipython())', { uses: [] }],
    ['__name__ is not a use', "if __name__ == '__main__':\n    pass", { uses: [] }],
    ['a cell shadowing a builtin defines it', 'filter = df.a > 0\ndf[filter]', { defines: ['filter'], uses: ['df'] }],
    ['a builtin read after the cell shadows it is not a builtin use', 'max = 3\nprint(max)', { builtinUses: ['print'] }],
    ['binding the underscore is not reported as a define', 'for _ in range(3):\n    pass', { defines: [] }],
    ['exception classes are builtins', 'raise ValueError(msg)', { uses: ['msg'], builtinUses: ['ValueError'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('other statements', () => {
  it.each<[string, string, Expected]>([
    ['a type alias defines its name and reads lazily', 'type Alias = list[T2]', { defines: ['Alias'], uses: ['T2'] }],
    ['global at module level is a no-op', 'global x\nx = 1', { defines: ['x'], uses: [] }],
    ['pass, break and continue read nothing', 'for i in x:\n    pass\n    continue\n    break', { uses: ['x'] }],
    ['yield in a function reads its value', 'def gen():\n    yield item\n    yield from others', { uses: ['item', 'others'] }],
    ['python 2 print statements still read names', 'print x', { uses: ['x'] }],
    ['exec sets unknownDefines', "exec('x = 1')", { unknownDefines: true }],
    ['assigning through globals() sets unknownDefines', "globals()['x'] = 1", { unknownDefines: true }],
    ['globals().update sets unknownDefines', 'globals().update(params)', { unknownDefines: true, uses: ['params'] }],
    ['comments are ignored', '# x = 1\ny = 2  # z = 3', { defines: ['y'], uses: [] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));
});

describe('robustness', () => {
  it('empty source gives an empty result', () => {
    expect(analyzeCell('')).toEqual({
      defines: [],
      mayDefine: [],
      uses: [],
      deletes: [],
      mutates: [],
      unknownDefines: false,
      effects: [],
      parseError: false,
      builtinUses: []
    });
  });

  it('whitespace-only source gives an empty result', () => {
    expectEffects('  \n\n\t\n', { defines: [], uses: [], parseError: false });
  });

  it.each<[string, string, Expected]>([
    ['a syntax error mid-cell keeps the analysis of the rest', 'a = 1\ndef f(:\n    pass\nz = w', { defines: ['a', 'f', 'z'], uses: ['w'], parseError: true }],
    ['an unclosed bracket sets parseError', 'x = (1,\ny = 2', { parseError: true, defines: ['x', 'y'] }],
    ['a missing colon sets parseError and keeps later statements', 'for i in range(3)\n    print(i)\nk = 5', { parseError: true, defines: ['i', 'k'] }],
    ['an unterminated string sets parseError', "s = 'abc\nt = 1", { parseError: true, defines: ['s', 't'] }],
    ['valid code has no parse error', 'x = 1', { parseError: false }],
    ['windows line endings are handled', 'x = 1\r\ny = x\r\n', { defines: ['x', 'y'], uses: [], parseError: false }],
    ['a cell indented as a whole is dedented like IPython does', '    x = 1\n    y = x', { defines: ['x', 'y'], parseError: false }],
    ['deeply nested code is analysed', 'def a():\n    def b():\n        def c():\n            return [[v for v in w] for w in deep]\n        return c\n    return b', { uses: ['deep'] }],
    ['non-ascii identifiers are names', 'données = 1\nrésultat = données + taux', { defines: ['données', 'résultat'], uses: ['taux'] }]
  ])('%s', (_title, source, expected) => expectEffects(source, expected));

  it('never throws on garbage input', () => {
    const garbage = ['))))', 'def', 'class :', '@', 'lambda', '[for]', 'x = = =', '\u0000\u0001', '"""unterminated', 'if:\n  else:'];
    for (const g of garbage) {
      const r = analyzeCell(g);
      expect(Array.isArray(r.defines)).toBe(true);
    }
    expect(analyzeCell('x = = =').parseError).toBe(true);
  });
});

describe('output shape and cache', () => {
  it('output arrays are sorted and deduplicated', () => {
    const r = analyzeCell('z = b + a + b\ny = a\nx = c\nz = 2');
    expect(r.defines).toEqual(['x', 'y', 'z']);
    expect(r.uses).toEqual(['a', 'b', 'c']);
  });

  it('the same source returns the cached result', () => {
    const a = analyzeCell('x = y');
    const b = analyzeCell('x = y');
    expect(b).toBe(a);
    expect(effectsCacheSize()).toBe(1);
  });

  it('different sources get different results', () => {
    expect(analyzeCell('x = 1').defines).toEqual(['x']);
    expect(analyzeCell('y = 1').defines).toEqual(['y']);
    expect(effectsCacheSize()).toBe(2);
  });

  it('cached results are frozen so callers cannot corrupt the cache', () => {
    const r = analyzeCell('x = 1');
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.defines)).toBe(true);
  });

  it('the cache is bounded', () => {
    for (let i = 0; i < 5200; i++) {
      analyzeCell(`x${i} = ${i}`);
    }
    expect(effectsCacheSize()).toBeLessThanOrEqual(5000);
    expect(analyzeCell('x5199 = 5199').defines).toEqual(['x5199']);
  });

  it('clearEffectsCache empties the cache', () => {
    analyzeCell('x = 1');
    clearEffectsCache();
    expect(effectsCacheSize()).toBe(0);
  });
});

describe('names bound only to literals (constantBindings)', () => {
  it.each([
    ['order = 15', ['order']],
    ["USER = 'postgres'\nrate = -1.5", ['USER', 'rate']],
    ["pair = (1, 'a')\nflag = None", ['flag', 'pair']],
    ['x: int = 5', ['x']],
    ['a = b = 3', ['a', 'b']],
    ['for order in [3, 6, 9, 12, 15]:\n    print(order)', ['order']],
    ['for a, b in ((1, 2), (3, 4)):\n    pass', ['a', 'b']]
  ])('%j binds %j to literals', (code, names) => {
    expect(analyzeCell(code).constantBindings).toEqual(names);
  });

  it.each([
    ['a call', 'x = f(1)'],
    ['a list display (a new object on every run)', 'x = [1, 2]'],
    ['an f-string', "x = f'{a}'"],
    ['arithmetic', 'x = 3 * 5'],
    ['a starred target', 'a, *x = 1, 2, 3'],
    ['an augmented assignment', 'x = 1\nx += 1'],
    ['a loop over values made as it goes', 'for x in range(300, 306):\n    pass'],
    ['a literal, then a call', 'x = 15\nx = g()'],
    ['a literal in a loop body over a range', 'for i in range(3):\n    x = 15\n    x = i'],
    // The second constant is made when IPython compiles its statement, after the first freed the old value.
    ['bound twice', 'x = None\nx = -1.5'],
    ['deleted first', "del x\nx = (1, 'a')"],
    ['a binding in a branch', 'if c:\n    x = 15'],
    ['a binding in a with body (it may be cut short)', 'with suppress(KeyError):\n    x = 15'],
    ['a loop over nothing', 'for x in []:\n    pass'],
    ['a function of the cell rebinding it (global)', 'x = 15\ndef f():\n    global x\n    x = g()'],
    ['a walrus in a loop target', 'for d[(x := g())] in [1, 2]:\n    pass']
  ])('%s is not a binding to a literal', (_title, code) => {
    expect(analyzeCell(code).constantBindings ?? []).not.toContain('x');
  });
});

describe('globals the functions of a cell bind when called (globalBindings)', () => {
  it.each([
    ['def f():\n    global x, y\n    x = 1\n    del y', ['x', 'y']],
    ['class C:\n    def m(self):\n        global z\n        z = self', ['z']],
    ['def f():\n    x = 1', []]
  ])('%j', (code, names) => {
    expect(analyzeCell(code).globalBindings ?? []).toEqual(names);
  });
});

describe('sure bindings a run may still not make (guardedBindings)', () => {
  it.each([
    ['with suppress(ImportError):\n    import foo\n    x = 15', ['foo', 'x']],
    ['for row in rows:\n    pass', ['row']],
    ['for x in []:\n    pass', ['x']],
    // An item entered before may suppress what a later one raised.
    ['with suppress(OSError), open(p) as f:\n    pass', ['f']],
    ['with (suppress(OSError), open(p) as f):\n    pass', ['f']],
    // The target of `as` is bound before the body runs; a loop over a non-empty range surely runs.
    ['with open(p) as f:\n    df = read(f)', ['df']],
    ['for i in range(3):\n    y = i', []],
    // Bound elsewhere without a guard as well.
    ['for row in rows:\n    pass\nrow = 0', []],
    ['if a:\n    z = 1\nelse:\n    with s:\n        z = 2', []],
    ['def f():\n    global g\n    with s:\n        g = 1', []]
  ])('%j', (code, names) => {
    expect(analyzeCell(code).guardedBindings ?? []).toEqual(names);
  });
});

describe('statements that surely only show (shows)', () => {
  it.each([
    ["xi = f(data)\nplt.plot(xi, data)\nplt.title('raw')\ndisplay(w)\nplt.show()", [1, 2, 3, 4]],
    ['x = 1\nprint(len(x), round(y, 2))\nx\ndf.shape\nscores["f1"]', [1, 2, 3, 4]],
    // A call other than formatting, a file written, a walrus, an iterator unpacked: may change something.
    ["print(next(gen))\nw.append(4)\nplt.savefig('a.png')\nprint((n := 3))\nprint(*rows)\nf(x)", []],
    // seaborn's plots show; its settings change what later plots draw.
    ["sns.lineplot(palette=palette, data=df)\nsns.despine(left=True)\nsns.heatmap(corr, annot=True)", [0, 1, 2]],
    ["sns.set(style='white')\nsns.set_palette('husl')\nsns.lineplot(data=df.dropna())\nsns.load_dataset('iris')", []],
    // Methods that only look at their object; not those that call functions, draw, write or change it.
    ["display(w.head())\nprint('rows: {}'.format(len(w)))\nprint(df.groupby('a').mean())", [0, 1, 2]],
    ["display(df.apply(f))\nprint(df.sample(3))\nprint(df.sort_values('a', inplace=True))\nprint(f.readline())", []],
    ["print(df.to_string('out.txt'))\ndisplay(df.to_html(buf))\nprint(df.info(buf=log))", []],
    // pyplot settings later plots read.
    ["plt.rc('lines', linewidth=3)\nplt.ioff()\nplt.switch_backend('agg')\nplt.figure(figsize=(4, 3))", [3]],
    // A line IPython rewrites is kept as typed, not judged.
    ['%time print(x)\nprint(x)', [1]]
  ])('%j', (code, shows) => {
    expect(analyzeCell(code).shows ?? []).toEqual(shows);
  });
});
