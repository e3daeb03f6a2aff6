/**
 * Public interfaces and command ids of Retrace.
 */

/** Command ids, one namespace so a reader finds them all in one place. */
export namespace CommandIDs {
  export const openPanel = 'retrace:open-panel';
  export const replayInOrder = 'retrace:replay-in-order';
  export const newAttempt = 'retrace:new-attempt';
  export const editAttempt = 'retrace:edit-attempt';
  export const restoreAttempt = 'retrace:restore-attempt';
  export const undoRestore = 'retrace:undo-restore';
  export const openHistoryMain = 'retrace:open-history-main';
  export const focusRuns = 'retrace:focus-runs';
  export const filterRuns = 'retrace:filter-runs';
  export const showRunDetail = 'retrace:show-run-detail';
  export const restoreSelectedRun = 'retrace:restore-selected-run';
  export const diffWithPrevious = 'retrace:diff-with-previous';
  export const diffNotebook = 'retrace:diff-notebook';
  export const makeReproducible = 'retrace:make-reproducible';
  export const gatherOutput = 'retrace:gather-output';
}

/** What `GET /retrace/api/status` answers. */
export interface IServerStatus {
  version: string;
  /** Absolute path of the folder that holds the history repositories. */
  historyDir: string;
  /** The same path relative to the Jupyter root, or null when it lies outside. */
  historyDirRelative: string | null;
  historyDirExists: boolean;
}

/** The server part as the frontend sees it. */
export type ServerState =
  | { kind: 'checking' }
  | { kind: 'ok'; status: IServerStatus }
  | { kind: 'missing'; message: string }
  | { kind: 'failing'; message: string };
