/**
 * The canonical order in the Retrace panel: which cells, in which order,
 * rebuild the kernel state, what hidden state prevents it, the Replay button,
 * replay progress and the replay report. Every cell named is a link to it.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { OrderDiagnostic } from '../analysis/orderTypes';
import { IReplayReport, summariseReport } from '../replay/controller';
import { IOrderResult, OrderAvailability } from '../order/notebookorder';
import { describeDiagnostic, describeOrder } from './diagnostic';
import { append } from './dom';

export interface IOrderViewCallbacks {
  replay: () => void;
  stop: () => void;
  reveal: (cellId: string) => void;
  label: (cellId: string | null) => string;
}

export class OrderView extends Widget {
  constructor(
    private readonly _trans: TranslationBundle,
    private readonly _callbacks: IOrderViewCallbacks
  ) {
    super();
    this.addClass('jp-RetraceOrder');
    this._summary = append(this.node, 'div', 'jp-RetraceOrder-summary');
    this._steps = append(this.node, 'div', 'jp-RetraceOrder-steps');
    this._diagnostics = append(this.node, 'ul', 'jp-RetraceOrder-diagnostics');
    this._note = append(this.node, 'div', 'jp-RetraceOrder-note');
    const actions = append(this.node, 'div', 'jp-RetraceOrder-actions');
    this._replay = append(actions, 'button', 'jp-Button jp-mod-styled jp-mod-accept jp-RetraceOrder-replay');
    // A short label for a narrow sidebar (CSS picks one), so Replay and the actions beside it share a line.
    const long = this._trans.__('Replay in order');
    append(this._replay, 'span', 'jp-RetraceOrder-labelLong').textContent = long;
    const short = append(this._replay, 'span', 'jp-RetraceOrder-labelShort');
    short.textContent = this._trans.__('Replay');
    short.setAttribute('aria-hidden', 'true');
    this._replay.setAttribute('aria-label', long);
    this._replay.title = long;
    this._replay.addEventListener('click', () => this._callbacks.replay());
    this._progress = append(actions, 'span', 'jp-RetraceOrder-progress');
    this._progress.setAttribute('role', 'status');
    this._stop = append(actions, 'button', 'jp-Button jp-mod-styled jp-mod-warn jp-RetraceOrder-stop');
    this._stop.textContent = this._trans.__('Stop');
    this._stop.addEventListener('click', () => this._callbacks.stop());
    this._report = append(this.node, 'div', 'jp-RetraceOrder-report');
    this.setProgress(null);
    this.render(null, null);
  }

  /** Show the order (or why there is none). */
  render(availability: OrderAvailability | null, result: IOrderResult | null): void {
    this._render(availability, result);
    this._extra.forEach(b => (b.disabled = this._replay.disabled));
  }

  private _render(availability: OrderAvailability | null, result: IOrderResult | null): void {
    clear(this._steps);
    clear(this._diagnostics);
    this._note.textContent = '';
    this._replay.disabled = true;
    if (!availability) {
      this._summary.textContent = '';
      return;
    }
    if (!availability.available) {
      this._summary.textContent = this._trans.__(availability.reason);
      return;
    }
    this._note.textContent = this._trans.__(availability.tracerNote);
    if (!result || result.order.stats.runs === 0) {
      this._summary.textContent = this._trans.__('No runs in this kernel session yet.');
      return;
    }
    const { order } = result;
    this._replay.disabled = this._running || !order.replayable;
    this.node.dataset.topToBottom = String(order.topToBottomWorks);
    this.node.dataset.verdict = order.verdict;
    this._summary.textContent = describeOrder(order, this._trans).text;
    order.steps.forEach((step, i) => {
      if (i > 0) {
        append(this._steps, 'span', 'jp-RetraceOrder-arrow').textContent = '→';
      }
      this._steps.appendChild(this._cellLink(step.cellId));
    });
    for (const diagnostic of order.diagnostics) {
      this._diagnostics.appendChild(this._renderDiagnostic(diagnostic));
    }
  }

  /** Replay progress: `null` when no replay runs. */
  setProgress(progress: { done: number; total: number } | null): void {
    this._running = progress !== null;
    this._stop.hidden = !this._running;
    this._replay.disabled = this._running || this._replay.disabled;
    this._extra.forEach(b => (b.disabled = this._replay.disabled));
    this._progress.textContent = progress
      ? this._trans.__('Replaying step %1 of %2…', Math.min(progress.done + 1, progress.total), progress.total)
      : '';
    if (progress) {
      clear(this._report);
    }
  }

  showReport(report: IReplayReport | null): void {
    clear(this._report);
    if (!report) {
      return;
    }
    const trans = this._trans;
    // Only outputs compared are counted: a step without output proves nothing.
    const counts = summariseReport(report);
    this._report.dataset.ended = report.ended;
    this._report.dataset.compared = String(counts.compared);
    this._report.dataset.identical = String(counts.identical);
    this._report.dataset.different = String(counts.different);
    const summary = append(this._report, 'div', 'jp-RetraceOrder-reportSummary');
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
    summary.textContent = parts.join(' ');
    const list = append(this._report, 'ul', 'jp-RetraceOrder-reportList');
    report.results.forEach(result => {
      if ((result.outcome === 'identical' || result.outcome === 'no-output') && !result.edited && !result.ranRecordedCode && !result.display) {
        return;
      }
      if (result.outcome === 'not-run') {
        return;
      }
      const item = append(list, 'li', `jp-RetraceOrder-result jp-mod-${result.outcome}`);
      item.dataset.outcome = result.outcome;
      item.appendChild(this._cellLink(result.step.cellId));
      const text = append(item, 'span', 'jp-RetraceOrder-resultText');
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
      text.textContent = ' ' + notes.join(' ');
    });
  }

  /** A further action beside Replay (enabled whenever Replay is). */
  addAction(label: string, className: string, onClick: () => void): HTMLButtonElement {
    const button = document.createElement('button');
    button.className = `jp-Button jp-mod-styled ${className}`;
    button.textContent = label;
    button.disabled = this._replay.disabled;
    button.addEventListener('click', onClick);
    this._replay.after(button);
    this._extra.push(button);
    return button;
  }

  private _renderDiagnostic(diagnostic: OrderDiagnostic): HTMLElement {
    const item = document.createElement('li');
    item.className = `jp-RetraceOrder-diagnostic jp-mod-${diagnostic.kind}`;
    item.dataset.kind = diagnostic.kind;
    item.dataset.severity = diagnostic.severity;
    const text = describeDiagnostic(diagnostic, this._trans, id => this._callbacks.label(id));
    append(item, 'span', 'jp-RetraceOrder-diagnosticText').textContent = text.reason + ' ';
    for (const cellId of diagnostic.cellIds) {
      item.appendChild(this._cellLink(cellId));
      item.appendChild(document.createTextNode(' '));
    }
    return item;
  }

  private _cellLink(cellId: string | null): HTMLElement {
    const label = this._callbacks.label(cellId);
    if (cellId === null || label === this._trans.__('deleted cell')) {
      const span = document.createElement('span');
      span.className = 'jp-RetraceOrder-cell jp-mod-missing';
      span.textContent = label;
      return span;
    }
    const link = document.createElement('button');
    link.className = 'jp-RetraceOrder-cell';
    link.textContent = label;
    link.dataset.cellId = cellId;
    link.title = this._trans.__('Show %1 in the notebook', label);
    link.addEventListener('click', () => this._callbacks.reveal(cellId));
    return link;
  }

  private _running = false;
  private _extra: HTMLButtonElement[] = [];
  private _summary: HTMLElement;
  private _steps: HTMLElement;
  private _diagnostics: HTMLElement;
  private _note: HTMLElement;
  private _replay: HTMLButtonElement;
  private _stop: HTMLButtonElement;
  private _progress: HTMLElement;
  private _report: HTMLElement;
}

function clear(element: HTMLElement): void {
  element.replaceChildren();
}
