/**
 * The `needs-rerun` and `edited` claims speak of the state the session ends with: a step the replay
 * needs only to run through (a widget a later cell displays after computing what it keeps) is kept
 * in the order but claims nothing (`valueSteps` in orderDiagnostics.ts).
 */
import { editedOf as edited, kindsOf as kinds, orderOf as order, SessionBuilder, stepsOf as steps } from './orderTestkit.spec-util';

// Real shape (Aram1skun s48): cell 4 makes a widget, cell 9 computes `xi` and then displays the
// widget, cell 4 is edited and run again. The kernel ends with cell 4's second widget and cell 9's xi.
const session = (show: string, showRead: string[]): SessionBuilder =>
  new SessionBuilder()
    .cell('data', 'data = [1, 2, 3]')
    .cell('wid', 'w = len(data)')
    .cell('show', show)
    .run('data', { traced: { added: ['data'] } })
    .run('wid', { traced: { added: ['w'], read: ['data'] } })
    .run('show', { traced: { added: ['xi'], read: showRead } })
    .run('wid', { code: 'w = len(data) * 2', traced: { rebound: ['w'], read: ['data'] } })
    .cell('wid', 'w = len(data) * 2');

describe('claims about the state, not about running through', () => {
  it('a value shown after the last statement that computes what the step keeps: no claim', () => {
    const o = order(session('xi = sum(data)\ndisplay(w)', ['data', 'w']));
    // The replay still runs the first widget before the cell that shows it (no NameError)...
    expect(steps(o)).toEqual(['data@0', 'wid@1', 'show@2', 'wid@3']);
    // ...but the state needs cell wid once, and not its old code.
    expect([kinds(o), edited(o)]).toEqual([[], []]);
  });

  it.each([
    ['computed from the value', 'xi = sum(data) + w\ndisplay(w)', ['edited', 'needs-rerun']],
    // Without the first widget the step stops before xi; its old code only changes what is shown.
    ['shown before what the step keeps is computed', 'display(w)\nxi = sum(data)', ['needs-rerun']],
    ['added through an alias after', 'xi = list(data)\nalias = xi\nalias.append(w)', ['edited', 'needs-rerun']],
    ['added to what the value was made from after', 'base = list(data)\nxi = base\nbase.append(w)', ['edited', 'needs-rerun']],
    ['passed to a function of the session after', 'def keep(v):\n    global xi\n    xi = v\nxi = sum(data)\nkeep(w)', ['edited', 'needs-rerun']]
  ])('a value %s: claimed', (_what, show, expected) => {
    expect(kinds(order(session(show, ['data', 'w']))).sort()).toEqual(expected);
  });
});
