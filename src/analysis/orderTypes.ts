/**
 * The result of the canonical-order engine: which runs, of which cells, in
 * which order, rebuild the live kernel state, and why the notebook as it
 * stands may not (hidden state).
 */

import { CellEffects } from './types';

export type DiagnosticKind =
  | 'edited'
  | 'deleted-cell'
  | 'depends-on-later-cell'
  | 'needs-rerun'
  | 'undefined-name'
  | 'nondeterminism'
  | 'file-dependency';

/**
 * How much a diagnostic threatens a replay of the notebook as it stands.
 * 'error': top to bottom fails or rebuilds another state (deleted code, a
 * cell that needs one below it, a name nothing defines); 'warning': the
 * state differs from what the cells show (edited, run several times,
 * unseeded randomness); 'info': worth knowing (a file passed between cells).
 */
export type DiagnosticSeverity = 'error' | 'warning' | 'info';

export const DIAGNOSTIC_SEVERITY: Readonly<Record<DiagnosticKind, DiagnosticSeverity>> = {
  'deleted-cell': 'error',
  'depends-on-later-cell': 'error',
  'undefined-name': 'error',
  edited: 'warning',
  'needs-rerun': 'warning',
  nondeterminism: 'warning',
  'file-dependency': 'info'
};

/**
 * A diagnostic is data: the UI words it (src/ui/diagnostic.ts) and the
 * history stores it for the command-line check.
 */
export interface OrderDiagnostic {
  kind: DiagnosticKind;
  severity: DiagnosticSeverity;
  /** Cells involved, most relevant first (for `depends-on-later-cell`: the dependent cell, then the cell below it). */
  cellIds: string[];
  /** Python names involved (for `file-dependency`: the file paths; for `nondeterminism`: the random/time calls). */
  names: string[];
  /** Runs involved (`AnalysisRun.index`). */
  runIndices: number[];
}

export interface CanonicalStep {
  /** Cell to run; null for console input (no cell). */
  cellId: string | null;
  /** The run (`AnalysisRun.index`) this step repeats; its `code` is what to execute. */
  runIndex: number;
  /** Position of the cell in the notebook now (0-based), or -1 when the cell no longer exists. */
  position: number;
}

/**
 * What a replay of the order is expected to do.
 * 'top-to-bottom': today's cells, top to bottom, rebuild the state.
 * 'in-order': the steps, in order, rebuild it (the diagnostics say why top to bottom does not).
 * 'errors': the state comes from runs that failed; a replay would fail the same way.
 * 'nothing-to-replay': no run left anything in the kernel state.
 */
export type OrderVerdict = 'top-to-bottom' | 'in-order' | 'errors' | 'nothing-to-replay';

export interface CanonicalOrder {
  steps: CanonicalStep[];
  /** Running today's cells top to bottom would rebuild the same state (never with failed steps). */
  topToBottomWorks: boolean;
  verdict: OrderVerdict;
  /** Replay makes sense: there are steps and none of them failed. */
  replayable: boolean;
  /** Runs (`AnalysisRun.index`) of the session that failed (error or interrupted), in time order. */
  failedRuns: number[];
  /** Steps (`AnalysisRun.index`) that failed: the state depends on them. */
  failedSteps: number[];
  /** Most severe first (see `DiagnosticSeverity`), then by kind, then by cell position. */
  diagnostics: OrderDiagnostic[];
  stats: {
    /** Runs of the kernel session seen. */
    runs: number;
    /**
     * 'merged-reruns': equivalent reruns (same code, same inputs) were merged
     * into their latest run; 'time-order': merging conflicted, so every
     * dependency points at the run that really produced the value.
     */
    mode: 'merged-reruns' | 'time-order';
  };
}

export interface CanonicalOrderOptions {
  /** Static analysis of one source (e.g. `analyzeCell` from `./effects`). */
  analyze: (code: string) => CellEffects;
  /**
   * Merge reruns that repeat an earlier run with the same inputs (default
   * true). Off: a strict backward slice in time.
   */
  mergeReruns?: boolean;
  /**
   * What a failed run (error, interrupted) without tracer evidence bound; it
   * may have bound names before the statement that failed.
   * 'may-bind' (default): every name it defines may have been bound: it is
   * kept whenever it comes after the last successful definition of a needed
   * name, together with that definition (the failure replays the same way).
   * 'only-definer' (the design brief's rule): it binds a name only where no
   * successful run bound it before. Shorter slices when many runs fail; wrong
   * when a failed run rebound a name before failing. On the developers' corpus
   * replayed with real statuses: 'may-bind' 51/68 sessions identical, ratio
   * 0.525; 'only-definer' 47/68, ratio 0.358.
   */
  failedRuns?: 'may-bind' | 'only-definer';
}
