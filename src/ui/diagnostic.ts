/**
 * The words for the canonical order's data: one line per diagnostic (what is
 * wrong, why it matters, the fix to offer) and the summary of the order.
 * The engine (src/analysis) hands over kinds, cells, names and runs only.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { CanonicalOrder, OrderDiagnostic } from '../analysis/orderTypes';

/** The one action offered to fix a diagnostic on its cell. */
export type DiagnosticFix = 'run-now' | 'insert-deleted-code' | 'move-below' | 'seed-here' | 'define-name' | null;

export interface IDiagnosticText {
  /** One line: what is wrong. */
  reason: string;
  /** The fix's button label, or '' when there is none. */
  fixLabel: string;
  fix: DiagnosticFix;
}

const MAX_NAMES = 4;

function names(trans: TranslationBundle, list: ReadonlyArray<string>): string {
  if (list.length <= MAX_NAMES) {
    return list.join(', ');
  }
  return trans.__('%1 and %2 more', list.slice(0, MAX_NAMES).join(', '), list.length - MAX_NAMES);
}

/**
 * The reason and fix of `d`. `label` names a cell as the panel does
 * ("cell 3"); for `depends-on-later-cell` the second cell is the one below.
 */
export function describeDiagnostic(d: OrderDiagnostic, trans: TranslationBundle, label: (cellId: string) => string): IDiagnosticText {
  const n = d.names.length > 0 ? names(trans, d.names) : '';
  // One line each: the reason, then the fix and its label (none for what only the user can judge).
  const text = (reason: string, fix: DiagnosticFix = null, fixLabel = ''): IDiagnosticText => ({ reason, fix, fixLabel });
  switch (d.kind) {
    case 'edited':
      return text(
        n ? trans.__('Edited since the run the kernel state depends on (%1).', n) : trans.__('Edited since the run the kernel state depends on.'),
        'run-now',
        trans.__('Run this cell now')
      );
    case 'deleted-cell':
      return text(
        n ? trans.__('The kernel state depends on a deleted cell (%1).', n) : trans.__('The kernel state depends on a deleted cell.'),
        'insert-deleted-code',
        trans.__("Insert the deleted cell's code here")
      );
    case 'depends-on-later-cell': {
      const below = d.cellIds[1] !== undefined ? label(d.cellIds[1]) : '';
      return text(
        n ? trans.__('Uses %1 from %2, which is below it.', n, below) : trans.__('Depends on %1, which is below it.', below),
        'move-below',
        trans.__('Move this cell below %1', below)
      );
    }
    case 'needs-rerun':
      return text(
        n
          ? trans.__('The kernel state needs this cell run %1 times (%2).', d.runIndices.length, n)
          : trans.__('The kernel state needs this cell run %1 times.', d.runIndices.length),
        'run-now',
        trans.__('Run this cell now')
      );
    case 'undefined-name':
      return text(trans.__('Uses %1, which no run of this kernel session defines.', n));
    case 'nondeterminism':
      return text(trans.__('Not reproducible: randomness without a seed, or the clock (%1).', n), 'seed-here', trans.__('Seed here'));
    case 'file-dependency':
      return text(trans.__('Reads %1, written by another cell.', n));
  }
}

/** The summary line of the order, and whether it is good news. */
export function describeOrder(order: CanonicalOrder, trans: TranslationBundle): { text: string; state: 'ok' | 'warn' | 'error' | 'empty' } {
  const failed = order.failedRuns.length;
  switch (order.verdict) {
    case 'nothing-to-replay':
      return {
        text:
          failed > 0
            ? trans.__('Nothing to replay: %1 of %2 runs failed and no run left anything in the kernel state.', failed, order.stats.runs)
            : trans.__('Nothing to replay: no run left anything in the kernel state.'),
        state: 'empty'
      };
    case 'errors':
      return {
        text: trans.__(
          'The kernel state depends on %1 runs that failed: a replay would fail the same way. Fix them first.',
          order.failedSteps.length
        ),
        state: 'error'
      };
    case 'top-to-bottom':
      return {
        text: trans.__('Running the cells top to bottom rebuilds the kernel state (%1 of %2 runs needed).', order.steps.length, order.stats.runs),
        state: 'ok'
      };
    case 'in-order':
      return {
        text: trans.__('%1 of %2 runs rebuild the kernel state, in this order:', order.steps.length, order.stats.runs),
        state: 'warn'
      };
  }
}
