/**
 * Diagnostics on the cells themselves: a badge on each affected cell, most
 * severe first, with its one-line reason, the fix ("Run this cell now",
 * "Insert the deleted cell's code here", "Move this cell below cell N",
 * "Seed here") and a way to dismiss it for that cell.
 */
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { OrderDiagnostic } from '../analysis/orderTypes';
import { IOrderResult, NotebookOrder } from '../order/notebookorder';
import { OrderService } from '../order/service';
import { describeDiagnostic } from './diagnostic';
import { cellIndex, cellLabel } from './labels';

const BADGE_CLASS = 'jp-RetraceBadge';

const COLOUR = { error: 'var(--jp-error-color1)', warning: 'var(--jp-warn-color1)', info: 'var(--jp-info-color1)' };

/** The cell a diagnostic is shown on: its own cell, or (deleted code) the first later step whose cell exists. */
export function badgeCell(d: OrderDiagnostic, result: IOrderResult, exists: (id: string) => boolean): string | null {
  const own = d.cellIds.find(exists);
  if (d.kind !== 'deleted-cell' && own !== undefined) {
    return own;
  }
  const steps = result.order.steps;
  const at = steps.findIndex(s => d.runIndices.includes(s.runIndex));
  for (let i = Math.max(0, at + 1); i < steps.length; i++) {
    const id = steps[i].cellId;
    if (id !== null && exists(id)) {
      return id;
    }
  }
  return null;
}

/** The seeding line for the randomness a diagnostic names. */
export function seedCode(names: ReadonlyArray<string>): string {
  const n = names.join(' ');
  if (/\btorch\./.test(n)) {
    return 'import torch\ntorch.manual_seed(0)';
  }
  if (/\b(np|numpy)\./.test(n)) {
    return 'import numpy as np\nnp.random.seed(0)';
  }
  return 'import random\nrandom.seed(0)';
}

export class DiagnosticBadges {
  constructor(
    notebooks: INotebookTracker,
    private readonly _orders: OrderService,
    private readonly _trans: TranslationBundle
  ) {
    notebooks.currentChanged.connect(() => this._follow(notebooks.currentWidget));
    this._follow(notebooks.currentWidget);
  }

  private _follow(panel: NotebookPanel | null): void {
    this._order?.changed.disconnect(this._schedule, this);
    this._panel = panel;
    this._order = panel ? this._orders.orderFor(panel) : null;
    this._order?.changed.connect(this._schedule, this);
    this._schedule();
  }

  private _schedule(): void {
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(() => this._render(), 300);
  }

  private _render(): void {
    const panel = this._panel;
    const order = this._order;
    if (!panel || !order) {
      return;
    }
    panel.content.widgets.forEach(cell => cell.node.querySelectorAll(`.${BADGE_CLASS}`).forEach(b => b.remove()));
    if (!order.availability.available) {
      return;
    }
    const result = order.compute();
    const exists = (id: string) => cellIndex(panel, id) >= 0;
    const dismissed = this._dismissed.get(panel) ?? new Set<string>();
    for (const d of result.order.diagnostics) {
      const target = badgeCell(d, result, exists);
      const key = `${d.kind}\u0000${target}\u0000${d.names.join(',')}`;
      if (target === null || dismissed.has(key)) {
        continue;
      }
      const cell = panel.content.widgets[cellIndex(panel, target)];
      if (!cell) {
        continue;
      }
      cell.node.insertBefore(this._badge(panel, d, target, result, key), cell.node.firstChild);
    }
  }

  private _badge(panel: NotebookPanel, d: OrderDiagnostic, cellId: string, result: IOrderResult, key: string): HTMLElement {
    const text = describeDiagnostic(d, this._trans, id => cellLabel(panel, id, this._trans));
    const badge = document.createElement('div');
    badge.className = `${BADGE_CLASS} jp-mod-${d.severity}`;
    badge.dataset.kind = d.kind;
    badge.dataset.severity = d.severity;
    badge.style.borderLeft = `3px solid ${COLOUR[d.severity]}`;
    badge.style.padding = '2px 6px';
    badge.style.margin = '0 0 2px var(--jp-cell-prompt-width, 64px)';
    badge.style.fontSize = 'var(--jp-ui-font-size1)';
    badge.style.color = 'var(--jp-ui-font-color1)';
    badge.style.background = 'var(--jp-layout-color2)';
    const reason = document.createElement('span');
    reason.className = `${BADGE_CLASS}-reason`;
    reason.textContent = text.reason + ' ';
    badge.appendChild(reason);
    if (text.fix) {
      const fix = document.createElement('button');
      fix.className = `jp-Button jp-mod-styled jp-mod-accept ${BADGE_CLASS}-fix`;
      fix.dataset.fix = text.fix;
      fix.textContent = text.fixLabel;
      fix.addEventListener('click', () => void this._fix(panel, d, cellId, result, text.fix!));
      badge.appendChild(fix);
    }
    const dismiss = document.createElement('button');
    dismiss.className = `jp-Button jp-mod-styled jp-mod-reject ${BADGE_CLASS}-dismiss`;
    dismiss.textContent = this._trans.__('Dismiss');
    dismiss.title = this._trans.__('Hide this diagnostic on this cell');
    dismiss.addEventListener('click', () => {
      const set = this._dismissed.get(panel) ?? new Set<string>();
      set.add(key);
      this._dismissed.set(panel, set);
      badge.remove();
    });
    badge.appendChild(dismiss);
    return badge;
  }

  private async _fix(panel: NotebookPanel, d: OrderDiagnostic, cellId: string, result: IOrderResult, fix: string): Promise<void> {
    const notebook = panel.content;
    const shared = notebook.model!.sharedModel;
    const index = cellIndex(panel, cellId);
    if (index < 0) {
      return;
    }
    switch (fix) {
      case 'run-now':
        notebook.activeCellIndex = index;
        await NotebookActions.run(notebook, panel.sessionContext);
        break;
      case 'move-below': {
        const below = d.cellIds[1] !== undefined ? cellIndex(panel, d.cellIds[1]) : -1;
        if (below > index) {
          shared.moveCell(index, below);
        }
        break;
      }
      case 'insert-deleted-code': {
        const code = d.runIndices.map(i => result.runs[i]?.code ?? '').filter(c => c !== '');
        shared.insertCell(index, { cell_type: 'code', source: code[code.length - 1] ?? '', metadata: {} });
        break;
      }
      case 'seed-here':
        shared.insertCell(index, { cell_type: 'code', source: seedCode(d.names), metadata: {} });
        break;
    }
  }

  private _panel: NotebookPanel | null = null;
  private _order: NotebookOrder | null = null;
  private _timer = 0;
  private _dismissed = new WeakMap<NotebookPanel, Set<string>>();
}
