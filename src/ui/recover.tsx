/**
 * Recover, in the panel: when the shown notebook's history has a damaged ref
 * (a ref file emptied or garbled by a crash), the panel says so instead of
 * "no history" and offers Recover, which asks the server to set the ref back
 * to the newest valid commit it finds (reflog, dangling commits; what it
 * finds is never written over), then reads the history again.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IRecovery, NotebookHistory } from '../sync/notebookhistory';
import { RetraceModel } from './model';
import { ModelView } from './modelview';

/** What the last Recover of a history said (kept until another notebook is shown). */
type Outcome = { history: NotebookHistory; recovery: IRecovery | null; error: string | null };

export interface IRecoverNoticeProps {
  history: NotebookHistory | null;
  trans: TranslationBundle;
  busy: boolean;
  outcome: Outcome | null;
  onRecover: () => void;
}

/** The notice and its button; renders nothing while the history is sound and nothing was recovered. */
export function RecoverNotice(props: IRecoverNoticeProps): JSX.Element | null {
  const { history, trans, busy, onRecover } = props;
  const outcome = props.outcome?.history === history ? props.outcome : null;
  if (!history) {
    return null;
  }
  const damage = history.damage;
  if (history.canRecover && damage) {
    const refs = Object.entries(damage)
      .map(([ref, problem]) => trans.__('%1 (%2)', ref, problem))
      .join(', ');
    return (
      <div className="jp-RetraceRecover" data-state="damaged" role="alert">
        <p className="jp-RetraceRecover-message">
          {trans.__(
            'This notebook’s history is damaged: %1. Its runs are not lost. Recover sets the damaged refs to the newest valid commit found in the repository and keeps what was there aside.',
            refs
          )}
        </p>
        {outcome?.error ? <p className="jp-RetraceRecover-error">{trans.__('Recover failed: %1', outcome.error)}</p> : null}
        {outcome?.recovery?.unrepaired.length ? (
          <ul className="jp-RetraceRecover-changes">
            {outcome.recovery.unrepaired.map(line => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        ) : null}
        <button className="jp-Button jp-mod-styled jp-mod-accept jp-RetraceRecover-button" disabled={busy} onClick={onRecover}>
          {busy ? trans.__('Recovering…') : trans.__('Recover')}
        </button>
      </div>
    );
  }
  if (outcome?.recovery) {
    const { changes, unrepaired } = outcome.recovery;
    return (
      <div className="jp-RetraceRecover" data-state={unrepaired.length ? 'partial' : 'recovered'} role="status">
        <p className="jp-RetraceRecover-message">
          {unrepaired.length ? trans.__('Recover could not repair everything.') : trans.__('History recovered.')}
        </p>
        <ul className="jp-RetraceRecover-changes">
          {[...changes, ...unrepaired].map(line => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      </div>
    );
  }
  return null;
}

export class RecoverView extends ModelView {
  constructor(
    model: RetraceModel,
    private readonly _trans: TranslationBundle
  ) {
    super(model, 'jp-RetraceRecoverView');
  }

  protected renderModel(): JSX.Element {
    return (
      <RecoverNotice
        history={this._model.history}
        trans={this._trans}
        busy={this._busy}
        outcome={this._outcome}
        onRecover={() => void this._recover()}
      />
    );
  }

  private async _recover(): Promise<void> {
    const history = this._model.history;
    if (!history || this._busy) {
      return;
    }
    this._busy = true;
    this.update();
    try {
      this._outcome = { history, recovery: await history.recover(), error: null };
    } catch (error) {
      this._outcome = { history, recovery: null, error: error instanceof Error ? error.message : String(error) };
    } finally {
      this._busy = false;
      this.update();
    }
  }

  private _busy = false;
  private _outcome: Outcome | null = null;
}
