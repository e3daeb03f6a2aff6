/**
 * "Export the Canonical Order as a Notebook": a new notebook next to the open
 * one, whose cells are the steps of the canonical order with the code each
 * step ran (deleted and edited versions included), after a markdown cell
 * saying where it came from. The same document `jupyter retrace gather`
 * writes from the history.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { IExportedOrder } from '../analysis/orderExport';
import { OrderService } from './service';

export const GATHER_COMMAND = 'retrace:export-canonical-order';

/** The gathered notebook (nbformat 4 JSON). */
export function gatheredNotebook(doc: IExportedOrder, sourceName: string, metadata: Record<string, unknown>, trans: TranslationBundle): any {
  const changed = doc.steps.filter(s => !s.current);
  const intro = [
    `# ${trans.__('Gathered from %1', '`' + sourceName + '`')}`,
    '',
    trans.__('The canonical order Retrace inferred: %1 of %2 runs rebuild the kernel state, in an order that works.', doc.steps.length, doc.runs)
  ];
  if (changed.length > 0) {
    intro.push('', trans.__('Steps that differ from the notebook as it stands:'));
    for (const s of changed) {
      intro.push(s.label === 'deleted cell' ? `- ${trans.__('code of a deleted cell')}` : `- ${trans.__('%1: the version that ran, since edited', s.label)}`);
    }
  }
  const { retrace: _drop, ...rest } = metadata;
  void _drop;
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: rest,
    cells: [
      { cell_type: 'markdown', id: 'gathered-intro', metadata: {}, source: intro.join('\n') },
      ...doc.steps.map((s, i) => ({
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
      const dir = PathExt.dirname(path);
      const stem = PathExt.basename(path, '.ipynb');
      const contents = app.serviceManager.contents;
      let target = PathExt.join(dir, `${stem}-gathered.ipynb`);
      for (let n = 2; await contents.get(target, { content: false }).then(() => true, () => false); n++) {
        target = PathExt.join(dir, `${stem}-gathered-${n}.ipynb`);
      }
      const content = gatheredNotebook(doc, PathExt.basename(path), (panel.context.model.toJSON() as any).metadata ?? {}, trans);
      await contents.save(target, { type: 'notebook', format: 'json', content });
      await app.commands.execute('docmanager:open', { path: target });
      return target;
    }
  });
  palette?.addItem({ command: GATHER_COMMAND, category: 'Retrace' });
}
