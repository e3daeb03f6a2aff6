/**
 * The notebook's attempts in the Retrace panel: where its history is saved,
 * each attempt (a git branch) with its title and comment, and the actions on
 * them: New attempt, Restore, Edit, and Restore of the snapshot after a
 * selected run.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { Run } from '../capture/run';
import { NotebookHistory } from '../sync/notebookhistory';
import { append } from './dom';

export interface IAttemptsCallbacks {
  newAttempt: () => void;
  restoreCommit: (commit: string) => void;
  editAttempt: (attemptId: string) => void;
  undoRestore: () => void;
}

export class AttemptsView extends Widget {
  constructor(
    private readonly _trans: TranslationBundle,
    private readonly _callbacks: IAttemptsCallbacks
  ) {
    super();
    this.addClass('jp-RetraceAttempts');
    this._status = append(this.node, 'div', 'jp-RetraceAttempts-status');
    this._status.setAttribute('aria-live', 'polite');
    this._list = append(this.node, 'ul', 'jp-RetraceAttempts-list');
    this._list.setAttribute('aria-label', this._trans.__('Attempts'));
    const actions = append(this.node, 'div', 'jp-RetraceAttempts-actions');
    this._newButton = button(actions, this._trans.__('New attempt…'), 'jp-RetraceAttempts-new', () => this._callbacks.newAttempt());
    this._restoreRun = button(actions, '', 'jp-RetraceAttempts-restoreRun', () => {
      const commit = this._selectedRun && this._history?.commitOf(this._selectedRun.id);
      if (commit) {
        this._callbacks.restoreCommit(commit);
      }
    });
    this._undo = button(actions, this._trans.__('Undo restore'), 'jp-RetraceAttempts-undo', () => this._callbacks.undoRestore());
    this.history = null;
  }

  set history(history: NotebookHistory | null) {
    this._history?.changed.disconnect(this._render, this);
    this._history = history;
    history?.changed.connect(this._render, this);
    this._render();
  }

  /** The run selected in the timeline, offered for Restore. */
  set selectedRun(run: Run | null) {
    this._selectedRun = run;
    this._render();
  }

  /** Whether the last restore of this notebook can be undone. */
  set canUndo(value: boolean) {
    this._canUndo = value;
    this._render();
  }

  private _render(): void {
    const history = this._history;
    this._list.replaceChildren();
    this._newButton.disabled = !history || history.status.state === 'broken';
    this._undo.hidden = !this._canUndo;
    const commit = this._selectedRun && history?.commitOf(this._selectedRun.id);
    this._restoreRun.hidden = !commit;
    if (this._selectedRun) {
      const count = this._selectedRun.executionCount;
      this._restoreRun.textContent = this._trans.__('Restore the notebook as it was after run [%1]', count ?? ' ');
    }
    if (!history) {
      this._status.dataset.state = 'none';
      this._status.textContent = this._trans.__('No history yet: it starts with the first run.');
      return;
    }
    const status = history.status;
    this._status.dataset.state = status.state;
    this._status.textContent = this._statusText(status.state, status.pending, status.message);
    for (const attempt of history.attempts) {
      const item = append(this._list, 'li', 'jp-RetraceAttempts-attempt');
      item.dataset.attempt = attempt.id;
      if (attempt.current) {
        item.classList.add('jp-mod-current');
        item.setAttribute('aria-current', 'true');
      }
      const title = append(item, 'span', 'jp-RetraceAttempts-title');
      title.textContent = attempt.title || attempt.id;
      title.title = this._trans.__('branch %1', attempt.id);
      if (attempt.comment) {
        append(item, 'div', 'jp-RetraceAttempts-comment').textContent = attempt.comment;
      }
      const buttons = append(item, 'span', 'jp-RetraceAttempts-buttons');
      if (attempt.tip && !(attempt.current && !history.store.divergedFrom)) {
        button(buttons, this._trans.__('Restore'), 'jp-RetraceAttempts-restore', () => this._callbacks.restoreCommit(attempt.tip!));
      }
      button(buttons, this._trans.__('Edit…'), 'jp-RetraceAttempts-edit', () => this._callbacks.editAttempt(attempt.id));
    }
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
  private _status: HTMLElement;
  private _list: HTMLElement;
  private _newButton: HTMLButtonElement;
  private _restoreRun: HTMLButtonElement;
  private _undo: HTMLButtonElement;
}

function button(parent: HTMLElement, label: string, className: string, onClick: () => void): HTMLButtonElement {
  const element = append(parent, 'button', `jp-Button jp-mod-styled jp-mod-minimal ${className}`);
  element.textContent = label;
  element.addEventListener('click', onClick);
  return element;
}
