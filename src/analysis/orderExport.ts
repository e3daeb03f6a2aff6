/**
 * The canonical order as a plain document (`canonical-order.json` in each
 * history commit): what `jupyter retrace check --order canonical` and
 * `jupyter retrace gather` read without Node. Format 1.
 */

import { CanonicalOrder, OrderDiagnostic, OrderVerdict } from './orderTypes';
import { normalizeSource } from './orderDiagnostics';
import { AnalysisCell } from './types';

export interface IExportedStep {
  cellId: string | null;
  runIndex: number;
  /** "cell N" (1-based position now) or "deleted cell". */
  label: string;
  /** The code the run executed: what a replay runs. */
  code: string;
  /** The cell still holds this code (a deleted or edited cell's step is false). */
  current: boolean;
}

export interface IExportedOrder {
  format: 1;
  verdict: OrderVerdict;
  replayable: boolean;
  topToBottomWorks: boolean;
  runs: number;
  steps: IExportedStep[];
  diagnostics: OrderDiagnostic[];
}

export function exportCanonicalOrder(
  order: CanonicalOrder,
  codeOfRun: (runIndex: number) => string,
  cells: ReadonlyArray<AnalysisCell>
): IExportedOrder {
  return {
    format: 1,
    verdict: order.verdict,
    replayable: order.replayable,
    topToBottomWorks: order.topToBottomWorks,
    runs: order.stats.runs,
    steps: order.steps.map(step => {
      const code = codeOfRun(step.runIndex);
      const cell = step.position >= 0 ? cells[step.position] : undefined;
      return {
        cellId: step.cellId,
        runIndex: step.runIndex,
        label: cell ? `cell ${step.position + 1}` : 'deleted cell',
        code,
        current: cell !== undefined && normalizeSource(cell.source) === normalizeSource(code)
      };
    }),
    diagnostics: order.diagnostics
  };
}
