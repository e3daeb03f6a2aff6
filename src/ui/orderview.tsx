/**
 * The canonical order in the Retrace panel: which cells, in which order,
 * rebuild the kernel state, what hidden state prevents it, the Replay button,
 * replay progress and the replay report. Every cell named is a link to it.
 *
 * A React view: the owner hands it data (`setOrder`, `setProgress`,
 * `showReport`) and it words and renders them.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { OrderDiagnostic } from '../analysis/orderTypes';
import { IOrderResult, OrderAvailability } from '../order/notebookorder';
import { IReplayReport, IStepResult, summariseReport } from '../replay/controller';
import { describeDiagnostic, describeOrder } from './diagnostic';

export interface IOrderViewCallbacks {
  replay: () => void;
  stop: () => void;
  reveal: (cellId: string) => void;
  label: (cellId: string | null) => string;
  /** Whether the cell is still in the notebook (a deleted cell gets no link). */
  exists: (cellId: string) => boolean;
}

/** A further action beside Replay (enabled whenever Replay is). */
interface IExtraAction {
  label: string;
  className: string;
  onClick: () => void;
}

export class OrderView extends ReactWidget {
  constructor(
    private readonly _trans: TranslationBundle,
    private readonly _callbacks: IOrderViewCallbacks
  ) {
    super();
    this.addClass('jp-RetraceOrder');
  }

  /** Show the order (or why there is none). */
  setOrder(availability: OrderAvailability | null, result: IOrderResult | null): void {
    this._availability = availability;
    this._result = result;
    const order = availability?.available && result && result.order.stats.runs > 0 ? result.order : null;
    if (order) {
      this.node.dataset.topToBottom = String(order.topToBottomWorks);
      this.node.dataset.verdict = order.verdict;
    }
    this.update();
  }

  /** Replay progress: `null` when no replay runs. */
  setProgress(progress: { done: number; total: number } | null): void {
    this._progress = progress;
    if (progress) {
      this._report = null;
    }
    this.update();
  }

  showReport(report: IReplayReport | null): void {
    this._report = report;
    this.update();
  }

  /** A further action beside Replay (enabled whenever Replay is). */
  addAction(label: string, className: string, onClick: () => void): void {
    this._extra = [...this._extra, { label, className, onClick }];
    this.update();
  }

  protected render(): JSX.Element {
    const trans = this._trans;
    const availability = this._availability;
    const result = this._result;
    const order = availability?.available && result && result.order.stats.runs > 0 ? result.order : null;
    let summary = '';
    if (availability && !availability.available) {
      summary = trans.__(availability.reason);
    } else if (availability && !order) {
      summary = trans.__('No runs in this kernel session yet.');
    } else if (order) {
      summary = describeOrder(order, trans).text;
    }
    const running = this._progress !== null;
    const disabled = running || !order || !order.replayable;
    const long = trans.__('Replay in order');
    const progress = this._progress;
    return (
      <>
        <div className="jp-RetraceOrder-summary">{summary}</div>
        <div className="jp-RetraceOrder-steps">
          {order?.steps.map((step, i) => (
            <React.Fragment key={i}>
              {i > 0 && <span className="jp-RetraceOrder-arrow">→</span>}
              {this._cellLink(step.cellId)}
            </React.Fragment>
          ))}
        </div>
        <ul className="jp-RetraceOrder-diagnostics">{order?.diagnostics.map((d, i) => this._diagnostic(d, i))}</ul>
        <div className="jp-RetraceOrder-note">{availability?.available ? trans.__(availability.tracerNote) : ''}</div>
        <div className="jp-RetraceOrder-actions">
          <button
            className="jp-Button jp-mod-styled jp-mod-accept jp-RetraceOrder-replay"
            disabled={disabled}
            aria-label={long}
            title={long}
            onClick={() => this._callbacks.replay()}
          >
            {/* A short label for a narrow sidebar (CSS picks one), so Replay and the actions beside it share a line. */}
            <span className="jp-RetraceOrder-labelLong">{long}</span>
            <span className="jp-RetraceOrder-labelShort" aria-hidden="true">
              {trans.__('Replay')}
            </span>
          </button>
          {this._extra.map(action => (
            <button key={action.className} className={`jp-Button jp-mod-styled ${action.className}`} disabled={disabled} onClick={action.onClick}>
              {action.label}
            </button>
          ))}
          <span className="jp-RetraceOrder-progress" role="status">
            {progress ? trans.__('Replaying step %1 of %2…', Math.min(progress.done + 1, progress.total), progress.total) : ''}
          </span>
          <button className="jp-Button jp-mod-styled jp-mod-warn jp-RetraceOrder-stop" hidden={!running} onClick={() => this._callbacks.stop()}>
            {trans.__('Stop')}
          </button>
        </div>
        {this._renderReport()}
      </>
    );
  }

  private _renderReport(): JSX.Element {
    const report = this._report;
    if (!report) {
      return <div className="jp-RetraceOrder-report" />;
    }
    const trans = this._trans;
    // Only outputs compared are counted: a step without output proves nothing.
    const counts = summariseReport(report);
    const parts = [
      trans.__(
        'Replay %1: %2 of %3 steps run, %4 outputs compared: %5 identical, %6 different.',
        report.ended === 'completed' ? trans.__('completed') : report.ended === 'error' ? trans.__('stopped at an error') : trans.__('stopped'),
        counts.ran,
        counts.steps,
        counts.compared,
        counts.identical,
        counts.different
      )
    ];
    if (counts.noOutput) {
      parts.push(trans.__('%1 without output.', counts.noOutput));
    }
    if (counts.notCompared) {
      parts.push(trans.__('%1 not compared.', counts.notCompared));
    }
    const shown = report.results.filter(
      result =>
        result.outcome !== 'not-run' &&
        !((result.outcome === 'identical' || result.outcome === 'no-output') && !result.edited && !result.ranRecordedCode && !result.display)
    );
    return (
      <div
        className="jp-RetraceOrder-report"
        data-ended={report.ended}
        data-compared={counts.compared}
        data-identical={counts.identical}
        data-different={counts.different}
      >
        <div className="jp-RetraceOrder-reportSummary">{parts.join(' ')}</div>
        <ul className="jp-RetraceOrder-reportList">
          {shown.map((result, i) => (
            <li key={i} className={`jp-RetraceOrder-result jp-mod-${result.outcome}`} data-outcome={result.outcome}>
              {this._cellLink(result.step.cellId)}
              <span className="jp-RetraceOrder-resultText">{' ' + this._resultNotes(result).join(' ')}</span>
            </li>
          ))}
        </ul>
      </div>
    );
  }

  private _resultNotes(result: IStepResult): string[] {
    const trans = this._trans;
    const notes: string[] = [];
    if (result.display) {
      notes.push(trans.__('shown output, outside the order:'));
    }
    if (result.outcome === 'error') {
      notes.push(trans.__('error: %1', result.detail ?? ''));
    } else if (result.outcome === 'different') {
      notes.push(trans.__('output differs: %1', result.detail ?? ''));
    } else if (result.outcome === 'unchecked') {
      notes.push(trans.__('ran; not compared (recorded before the page was reloaded)'));
    } else if (result.outcome === 'not-compared') {
      notes.push(trans.__('not compared: %1', trans.__(result.detail ?? '')));
    } else if (result.outcome === 'no-output') {
      notes.push(trans.__('ran; no output to compare'));
    } else {
      notes.push(trans.__('output identical'));
    }
    if (result.edited) {
      notes.push(trans.__('(cell edited since: the code it ran was replayed)'));
    } else if (result.ranRecordedCode) {
      notes.push(trans.__('(recorded code of a cell that no longer exists)'));
    }
    return notes;
  }

  private _diagnostic(diagnostic: OrderDiagnostic, key: number): JSX.Element {
    const text = describeDiagnostic(diagnostic, this._trans, id => this._callbacks.label(id));
    return (
      <li
        key={key}
        className={`jp-RetraceOrder-diagnostic jp-mod-${diagnostic.kind}`}
        data-kind={diagnostic.kind}
        data-severity={diagnostic.severity}
      >
        <span className="jp-RetraceOrder-diagnosticText">{text.reason + ' '}</span>
        {diagnostic.cellIds.map((cellId, i) => (
          <React.Fragment key={i}>
            {this._cellLink(cellId)}{' '}
          </React.Fragment>
        ))}
      </li>
    );
  }

  /** A cell named as a link to it; a deleted cell (decided from the notebook, not the label) as text. */
  private _cellLink(cellId: string | null): JSX.Element {
    const label = this._callbacks.label(cellId);
    if (cellId === null || !this._callbacks.exists(cellId)) {
      return <span className="jp-RetraceOrder-cell jp-mod-missing">{label}</span>;
    }
    return (
      <button
        className="jp-RetraceOrder-cell"
        data-cell-id={cellId}
        title={this._trans.__('Show %1 in the notebook', label)}
        onClick={() => this._callbacks.reveal(cellId)}
      >
        {label}
      </button>
    );
  }

  private _availability: OrderAvailability | null = null;
  private _result: IOrderResult | null = null;
  private _progress: { done: number; total: number } | null = null;
  private _report: IReplayReport | null = null;
  private _extra: IExtraAction[] = [];
}
