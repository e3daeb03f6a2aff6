/**
 * Puts the versions toggle on every code cell of every open notebook that ran
 * in more than one version, and keeps it current as runs are recorded.
 */
import { Cell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { PanelLayout } from '@lumino/widgets';

import { Run } from '../capture/run';
import { CaptureService } from '../capture/service';
import { HistoryService } from '../sync/service';
import { CellVersionsView } from './view';
import { cellVersions, hasVersions, ICellVersion, legacyRuns, readRunCodes } from './versions';

export class CellVersions {
  constructor(
    notebooks: INotebookTracker,
    private readonly _capture: CaptureService,
    private readonly _histories: HistoryService,
    private readonly _rendermime: IRenderMimeRegistry | null,
    private readonly _trans: TranslationBundle
  ) {
    notebooks.widgetAdded.connect((_, panel) => this._watch(panel));
    notebooks.forEach(panel => this._watch(panel));
  }

  /** The versions view on a cell, if it has one. */
  viewOf(cell: Cell): CellVersionsView | null {
    const view = this._views.get(cell);
    return view && !view.isDisposed ? view : null;
  }

  private _watch(panel: NotebookPanel): void {
    const log = this._capture.logFor(panel);
    const schedule = () => {
      window.clearTimeout(this._timers.get(panel));
      this._timers.set(
        panel,
        window.setTimeout(() => this._sync(panel), 200)
      );
    };
    const runsChanged = () => {
      this._byCell.delete(panel);
      schedule();
    };
    log.changed.connect(runsChanged);
    // Cells are created lazily and when moved: place the views on the new ones.
    const watchCells = () => panel.content.model?.cells.changed.connect(schedule);
    void panel.context.ready.then(() => {
      if (!panel.isDisposed) {
        watchCells();
        schedule();
      }
    });
    panel.content.cellInViewportChanged.connect(schedule);
    panel.disposed.connect(() => {
      log.changed.disconnect(runsChanged);
      this._byCell.delete(panel);
      this._codes.delete(panel);
      window.clearTimeout(this._timers.get(panel));
      this._timers.delete(panel);
    });
  }

  private _sync(panel: NotebookPanel): void {
    if (panel.isDisposed) {
      return;
    }
    // Scrolling re-syncs (cells render lazily): the grouping is redone only when runs change.
    let byCell = this._byCell.get(panel);
    const runs = this._capture.logFor(panel).runs;
    const codes = this._codesOf(panel);
    if (!byCell) {
      byCell = cellVersions(runs, codes.read);
      this._byCell.set(panel, byCell);
    }
    const shown = new Set(
      panel.content.widgets.filter(cell => cell.model.type === 'code' && !cell.isPlaceholder()).map(cell => cell.model.id)
    );
    const legacy = legacyRuns(runs, shown, codes.read).filter(run => !codes.asked.has(run.id));
    if (legacy.length) {
      void this._readCodes(panel, legacy);
    }
    for (const cell of panel.content.widgets) {
      if (cell.model.type !== 'code') {
        continue;
      }
      const versions = byCell.get(cell.model.id);
      let view = this.viewOf(cell);
      if (!hasVersions(versions)) {
        view?.dispose();
        continue;
      }
      if (!view) {
        // A placeholder cell has no children yet: it gets its view once rendered.
        if (cell.isPlaceholder()) {
          continue;
        }
        view = new CellVersionsView(cell, this._trans, this._rendermime, () => this._histories.peek(panel));
        const layout = cell.layout as PanelLayout;
        const header = layout.widgets.findIndex(w => w.hasClass('jp-CellHeader'));
        layout.insertWidget(header + 1, view);
        this._views.set(cell, view);
      }
      view.versions = versions;
    }
  }

  private _codesOf(panel: NotebookPanel): { read: Map<string, string>; asked: Set<string> } {
    let codes = this._codes.get(panel);
    if (!codes) {
      codes = { read: new Map(), asked: new Set() };
      this._codes.set(panel, codes);
    }
    return codes;
  }

  /** Read the code of legacy rows (see `readRunCodes`), then group the panel's versions again. */
  private async _readCodes(panel: NotebookPanel, runs: Run[]): Promise<void> {
    const history = this._histories.peek(panel);
    if (!history) {
      return;
    }
    const codes = this._codesOf(panel);
    runs.forEach(run => codes.asked.add(run.id));
    const found = await readRunCodes(history, runs, () => panel.isDisposed);
    found.forEach((code, id) => codes.read.set(id, code));
    if (found.size && !panel.isDisposed) {
      this._byCell.delete(panel);
      this._sync(panel);
    }
  }

  private _views = new WeakMap<Cell, CellVersionsView>();
  private _codes = new Map<NotebookPanel, { read: Map<string, string>; asked: Set<string> }>();
  private _timers = new Map<NotebookPanel, number>();
  private _byCell = new Map<NotebookPanel, Map<string, ICellVersion[]>>();
}

/** Show cell versions on the notebooks' cells (one call from the plugin). */
export function registerCellVersions(
  notebooks: INotebookTracker,
  capture: CaptureService,
  histories: HistoryService,
  rendermime: IRenderMimeRegistry | null,
  trans: TranslationBundle
): CellVersions {
  return new CellVersions(notebooks, capture, histories, rendermime, trans);
}
