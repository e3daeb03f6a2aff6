/**
 * The notebook's attempts in the Retrace panel: where its history is saved,
 * each attempt (a git branch) with its title and comment, and the actions on
 * them: New attempt, Restore, Edit, and Restore of the snapshot after a
 * selected run.
 *
 * A React view over the notebook's history: it re-renders when the history
 * changes, or when the owner sets the selected run or whether Undo applies.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { Run } from '../capture/run';
import { NotebookHistory } from '../sync/notebookhistory';
import { IRunNaming, runName } from './format';

export interface IAttemptsCallbacks {
  newAttempt: () => void;
  restoreCommit: (commit: string) => void;
  editAttempt: (attemptId: string) => void;
  undoRestore: () => void;
}

export class AttemptsView extends ReactWidget {
  constructor(
    private readonly _trans: TranslationBundle,
    private readonly _callbacks: IAttemptsCallbacks,
    private readonly _naming: IRunNaming
  ) {
    super();
    this.addClass('jp-RetraceAttempts');
  }

  get history(): NotebookHistory | null {
    return this._history;
  }

  set history(history: NotebookHistory | null) {
    this._history?.changed.disconnect(this._changed, this);
    this._history = history;
    history?.changed.connect(this._changed, this);
    this.update();
  }

  /** The run selected in the timeline, offered for Restore. */
  set selectedRun(run: Run | null) {
    this._selectedRun = run;
    this.update();
  }

  /** Whether the last restore of this notebook can be undone. */
  set canUndo(value: boolean) {
    this._canUndo = value;
    this.update();
  }

  dispose(): void {
    this._history?.changed.disconnect(this._changed, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    const trans = this._trans;
    const history = this._history;
    const run = this._selectedRun;
    const commit = run && history?.commitOf(run.id);
    const status = history?.status;
    return (
      <>
        <div className="jp-RetraceAttempts-status" aria-live="polite" data-state={status ? status.state : 'none'}>
          {status ? this._statusText(status.state, status.pending, status.message) : trans.__('No history yet: it starts with the first run.')}
        </div>
        <ul className="jp-RetraceAttempts-list" aria-label={trans.__('Attempts')}>
          {history?.attempts.map(attempt => (
            <li
              key={attempt.id}
              className={`jp-RetraceAttempts-attempt${attempt.current ? ' jp-mod-current' : ''}`}
              data-attempt={attempt.id}
              aria-current={attempt.current ? 'true' : undefined}
            >
              <span className="jp-RetraceAttempts-title" title={trans.__('branch %1', attempt.id)}>
                {attempt.title || attempt.id}
              </span>
              {attempt.comment && <div className="jp-RetraceAttempts-comment">{attempt.comment}</div>}
              <span className="jp-RetraceAttempts-buttons">
                {attempt.tip && !(attempt.current && !history.store.divergedFrom) && (
                  <AttemptButton className="jp-RetraceAttempts-restore" label={trans.__('Restore')} onClick={() => this._callbacks.restoreCommit(attempt.tip!)} />
                )}
                <AttemptButton className="jp-RetraceAttempts-edit" label={trans.__('Edit…')} onClick={() => this._callbacks.editAttempt(attempt.id)} />
              </span>
            </li>
          ))}
        </ul>
        {history && this._pendingLine(history)}
        <div className="jp-RetraceAttempts-actions">
          <AttemptButton
            className="jp-RetraceAttempts-new"
            label={trans.__('New attempt…')}
            disabled={!history || history.status.state === 'broken'}
            onClick={() => this._callbacks.newAttempt()}
          />
          <AttemptButton
            className="jp-RetraceAttempts-restoreRun"
            // Named as the timeline names it: "[7]" alone could be the [7] of another kernel session.
            label={run ? trans.__('Restore the notebook as it was after run %1', runName(run, this._naming, trans)) : ''}
            hidden={!commit}
            onClick={() => commit && this._callbacks.restoreCommit(commit)}
          />
          <AttemptButton
            className="jp-RetraceAttempts-undo"
            label={trans.__('Undo restore')}
            hidden={!this._canUndo}
            onClick={() => this._callbacks.undoRestore()}
          />
        </div>
      </>
    );
  }

  /**
   * After a Restore of a snapshot that is no attempt's tip, no attempt is current: say where the
   * next run goes instead, naming the snapshot by the run that made it and that run's attempt.
   */
  private _pendingLine(history: NotebookHistory): JSX.Element | null {
    const pending = history.pendingRestore;
    if (!pending) {
      return null;
    }
    const trans = this._trans;
    const last = pending.runs[pending.runs.length - 1];
    const attempt = last && history.attempts.find(a => a.id === last.attempt);
    const text = !last
      ? trans.__('Next run starts a new attempt from snapshot %1', pending.commit.slice(0, 7))
      : trans.__('Next run starts a new attempt from %1 of %2', runName(last, this._naming, trans), attempt ? attempt.title || attempt.id : last.attempt);
    return (
      <div className="jp-RetraceAttempts-pending" data-commit={pending.commit} title={trans.__('Restored snapshot %1', pending.commit.slice(0, 7))}>
        {text}
      </div>
    );
  }

  private _changed(): void {
    this.update();
  }

  private _statusText(state: string, pending: number, message: string): string {
    switch (state) {
      case 'opening':
        return this._trans.__('Opening the history…');
      case 'saved':
        return this._trans.__('History saved.');
      case 'saving':
        return this._trans.__('Saving %1 run(s)…', pending);
      case 'retrying':
        return this._trans.__('Could not save %1 run(s), retrying; they are kept in this browser: %2', pending, message);
      case 'broken':
        return this._trans.__('History unavailable, nothing was written over it: %1', message);
      default:
        return '';
    }
  }

  private _history: NotebookHistory | null = null;
  private _selectedRun: Run | null = null;
  private _canUndo = false;
}

function AttemptButton(props: { className: string; label: string; onClick: () => void; disabled?: boolean; hidden?: boolean }): JSX.Element {
  return (
    <button
      className={`jp-Button jp-mod-styled jp-mod-minimal ${props.className}`}
      disabled={props.disabled}
      hidden={props.hidden}
      onClick={props.onClick}
    >
      {props.label}
    </button>
  );
}
