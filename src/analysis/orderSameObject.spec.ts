/**
 * A name bound again to the object it already held (the tracer reports no change of identity:
 * `order = 15` when it was 15, a loop ending on the value it started from): any run that bound
 * that object serves its readers (`LastWrite.sameObject`).
 */
import { kindsOf as kinds, orderOf as order, SessionBuilder, stepsOf as steps } from './orderTestkit.spec-util';

describe('a name bound again to the object it held', () => {
  it('a plot loop that ends on the value a settings cell gave is not needed for it (Aram1skun s27 shape)', () => {
    const s = new SessionBuilder()
      .cell('set', 'fs = 1000.0\norder = 15')
      .cell('filt', 'def band(fs, order=order):\n    return fs * order')
      .cell('plot', 'r = band(fs)\nfor order in [3, 9, 15]:\n    r = band(fs, order=order)\nprint(r)')
      .run('set', { traced: { added: ['fs', 'order'] } })
      .run('filt', { traced: { added: ['band'] } })
      .run('plot', { traced: { added: ['r'] } })
      .cell('set', 'fs = 1000.0')
      .run('set', { traced: { rebound: ['fs'] } })
      .run('filt', { traced: { rebound: ['band'] } })
      .cell('plot', 'r = band(fs)\nprint(r)')
      .run('plot', { traced: { rebound: ['r'] } });
    const o = order(s);
    expect(steps(o)).toEqual(['set@0', 'set@3', 'filt@4', 'plot@5']);
    expect(kinds(o)).not.toContain('depends-on-later-cell');
    expect(o.diagnostics.filter(d => d.kind === 'needs-rerun').map(d => d.cellIds[0])).toEqual(['set']);
  });

  it('without the tracer a loop that rebinds the name is its producer, as before', () => {
    const s = new SessionBuilder()
      .cell('set', 'order = 15')
      .cell('plot', 'for order in [3, 9, 15]:\n    print(order)')
      .cell('use', 'y = order * 2')
      .run('set')
      .run('plot')
      .run('use');
    expect(steps(order(s))).toEqual(['plot@1', 'use@2']);
  });

  it('a rebinding the tracer saw change the object is the producer', () => {
    const s = new SessionBuilder()
      .cell('set', 'order = 15')
      .cell('plot', 'for order in [3, 9, 12]:\n    print(order)')
      .cell('use', 'y = order * 2')
      .run('set', { traced: { added: ['order'] } })
      .run('plot', { traced: { rebound: ['order'] } })
      .run('use', { traced: { added: ['y'] } });
    expect(steps(order(s))).toEqual(['plot@1', 'use@2']);
  });

  it('an alias bound again to the same object, then changed in place, keeps the change', () => {
    const s = new SessionBuilder()
      .cell('a', 'xs = [1, 2]')
      .cell('b', 'ys = xs')
      .cell('c', 'ys.append(3)')
      .run('a', { traced: { added: ['xs'] } })
      .run('b', { traced: { added: ['ys'] } })
      .run('c', { traced: { mutated: ['xs', 'ys'] } })
      .run('b', { traced: {} });
    const st = steps(order(s));
    expect(st).toContain('c@2');
    expect(st.indexOf('a@0')).toBeLessThan(st.indexOf('c@2'));
  });
});
