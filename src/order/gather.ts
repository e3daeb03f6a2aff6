/**
 * "Export the Canonical Order as a Notebook": a new notebook next to the open
 * one, whose cells are the steps of the canonical order with the code each
 * step ran (deleted and edited versions included), after a markdown cell
 * saying where it came from. The same document `jupyter retrace gather`
 * writes from the history.
 *
 * "Gather the Cells Behind This Output" (a cell's context menu): the same
 * kind of notebook with only the runs the cell's current output came from
 * (../reproduce/outputSlice.ts).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { analyzeCell } from '../analysis/effects';
import { normalizeSource } from '../analysis/orderDiagnostics';
import { IExportedOrder } from '../analysis/orderExport';
import { AnalysisRun } from '../analysis/types';
import { CaptureService } from '../capture/service';
import { sliceForOutput } from '../reproduce/outputSlice';
import { OrderService } from './service';

export const GATHER_COMMAND = 'retrace:export-canonical-order';

/** One cell of a gathered notebook: the code a run executed, and where it came from. */
interface IGatheredStep {
  cellId: string | null;
  /** "cell N" or "deleted cell". */
  label: string;
  code: string;
  /** The cell still holds this code. */
  current: boolean;
}

/** A gathered notebook (nbformat 4 JSON): a markdown cell saying where it came from, then the steps. */
function gatheredDocument(
  steps: readonly IGatheredStep[],
  heading: string[],
  metadata: Record<string, unknown>,
  trans: TranslationBundle
): any {
  const intro = heading.slice();
  const changed = steps.filter(s => !s.current);
  if (changed.length > 0) {
    intro.push('', trans.__('Steps that differ from the notebook as it stands:'));
    for (const s of changed) {
      intro.push(s.label === 'deleted cell' ? `- ${trans.__('code of a deleted cell')}` : `- ${trans.__('%1: the version that ran, since edited', s.label)}`);
    }
  }
  // The source's history id stays with the source: the new notebook gets a history of its own.
  const { retrace: _drop, ...rest } = metadata;
  void _drop;
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: rest,
    cells: [
      { cell_type: 'markdown', id: 'gathered-intro', metadata: {}, source: intro.join('\n') },
      ...steps.map((s, i) => ({
        cell_type: 'code',
        id: `gathered-${i + 1}`,
        metadata: { retrace: { from: s.cellId, label: s.label, current: s.current } },
        source: s.code,
        outputs: [],
        execution_count: null
      }))
    ]
  };
}

/** The gathered notebook of the canonical order (nbformat 4 JSON). */
export function gatheredNotebook(doc: IExportedOrder, sourceName: string, metadata: Record<string, unknown>, trans: TranslationBundle): any {
  return gatheredDocument(
    doc.steps,
    [
      `# ${trans.__('Gathered from %1', '`' + sourceName + '`')}`,
      '',
      trans.__('The canonical order Retrace inferred: %1 of %2 runs rebuild the kernel state, in an order that works.', doc.steps.length, doc.runs)
    ],
    metadata,
    trans
  );
}

export function registerGatherCommand(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker,
  orders: OrderService,
  trans: TranslationBundle,
  palette: ICommandPalette | null
): void {
  app.commands.addCommand(GATHER_COMMAND, {
    label: trans.__('Export the Canonical Order as a Notebook'),
    caption: trans.__('A new notebook with the runs that rebuild the kernel state, in an order that works'),
    isEnabled: () => notebooks.currentWidget !== null,
    execute: async () => {
      const panel = notebooks.currentWidget;
      if (!panel) {
        return;
      }
      const order = orders.orderFor(panel);
      await order.current();
      const doc = order.exported();
      if (doc.steps.length === 0) {
        await showErrorMessage(trans.__('Export the Canonical Order'), trans.__('Nothing to export: no run left anything in the kernel state.'));
        return;
      }
      const path = panel.context.path;
      const target = await freeName(app, path, 'gathered');
      const content = gatheredNotebook(doc, PathExt.basename(path), (panel.context.model.toJSON() as any).metadata ?? {}, trans);
      await app.serviceManager.contents.save(target, { type: 'notebook', format: 'json', content });
      await app.commands.execute('docmanager:open', { path: target });
      return target;
    }
  });
  palette?.addItem({ command: GATHER_COMMAND, category: 'Retrace' });
}

/** A name for a new notebook beside `path` that no file has yet. */
async function freeName(app: JupyterFrontEnd, path: string, suffix: string): Promise<string> {
  const dir = PathExt.dirname(path);
  const stem = PathExt.basename(path, '.ipynb');
  const contents = app.serviceManager.contents;
  let target = PathExt.join(dir, `${stem}-${suffix}.ipynb`);
  for (let n = 2; await contents.get(target, { content: false }).then(() => true, () => false); n++) {
    target = PathExt.join(dir, `${stem}-${suffix}-${n}.ipynb`);
  }
  return target;
}

/**
 * "Gather the Cells Behind This Output": a new notebook with the runs the
 * active cell's current output came from, in an order that works, ending with
 * that cell's run. Returns the new notebook's path.
 */
export function registerGatherOutputCommand(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker,
  capture: CaptureService,
  trans: TranslationBundle,
  palette: ICommandPalette | null,
  id: string
): void {
  const title = trans.__('Gather the Cells Behind This Output');
  app.commands.addCommand(id, {
    label: title,
    caption: trans.__('A new notebook with only the cells this output depends on, in an order that works'),
    isEnabled: () => notebooks.activeCell?.model.type === 'code',
    execute: async args => {
      const panel = notebooks.currentWidget;
      const cell = panel && (args.cellId ? panel.content.widgets.find(w => w.model.id === args.cellId) : panel.content.activeCell);
      if (!panel || !cell || cell.model.type !== 'code') {
        return;
      }
      const position = panel.content.widgets.indexOf(cell) + 1;
      const runs = capture.logFor(panel).currentSessionRuns;
      const tracer = capture.tracerFor(panel);
      const active = tracer.status.state === 'active';
      const analysisRuns: AnalysisRun[] = runs.map((run, index) => {
        const traced = active && run.executionCount !== null ? tracer.effects(run.executionCount) : undefined;
        return { index, cellId: run.cellId, code: run.code, executionCount: run.executionCount, status: run.status, ...(traced ? { traced } : {}) };
      });
      const target = analysisRuns.map(r => r.cellId).lastIndexOf(cell.model.id);
      if (target < 0) {
        await showErrorMessage(title, trans.__('Cell %1 has not run in this kernel session: run it first, then gather.', position));
        return;
      }
      const modelCells = panel.content.widgets.map(w => ({ id: w.model.id, type: w.model.type as 'code', source: w.model.sharedModel.getSource() }));
      const slice = sliceForOutput(analysisRuns, target, modelCells, analyzeCell);
      const positionOf = new Map(modelCells.map((c, i) => [c.id, i]));
      const steps = slice.runIndices.map(i => {
        const run = analysisRuns[i];
        const at = run.cellId === null ? undefined : positionOf.get(run.cellId);
        return {
          cellId: run.cellId,
          code: run.code,
          label: at === undefined ? 'deleted cell' : `cell ${at + 1}`,
          current: at !== undefined && normalizeSource(modelCells[at].source) === normalizeSource(run.code)
        };
      });
      const content = gatheredDocument(
        steps,
        [
          `# ${trans.__('Gathered from %1', '`' + PathExt.basename(panel.context.path) + '`')}`,
          '',
          trans.__('The cells behind the output of cell %1: %2 of the %3 runs of the kernel session, in an order that works.', position, steps.length, runs.length)
        ],
        ((panel.context.model.toJSON() as any).metadata ?? {}) as Record<string, unknown>,
        trans
      );
      const path = await freeName(app, panel.context.path, `cell-${position}-gathered`);
      await app.serviceManager.contents.save(path, { type: 'notebook', format: 'json', content });
      await app.commands.execute('docmanager:open', { path });
      return path;
    }
  });
  app.contextMenu.addItem({ command: id, selector: '.jp-Notebook .jp-CodeCell', rank: 60 });
  palette?.addItem({ command: id, category: 'Retrace' });
}
