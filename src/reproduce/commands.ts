/**
 * The commands that turn the exploration into a canonical notebook: Make
 * Reproducible (palette, and a button in the panel's order section) and
 * Gather the Cells Behind This Output (a code cell's context menu).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { CaptureService } from '../capture/service';
import { tracerSettled } from '../kernel/tracer';
import { registerGatherOutputCommand } from '../order/gather';
import { OrderService } from '../order/service';
import { HistoryService } from '../sync/service';
import { CommandIDs } from '../tokens';
import { RetraceActions } from '../ui/actions';
import { RetracePanel } from '../ui/panel';
import { makeReproducible } from './makeReproducible';

export interface IReproduceCommandsOptions {
  notebooks: INotebookTracker;
  orders: OrderService;
  histories: HistoryService;
  capture: CaptureService;
  actions: RetraceActions;
  panel: RetracePanel;
  trans: TranslationBundle;
  palette: ICommandPalette | null;
}

export function registerReproduceCommands(app: JupyterFrontEnd, o: IReproduceCommandsOptions): void {
  const { notebooks, trans } = o;
  let busy = false;
  app.commands.addCommand(CommandIDs.makeReproducible, {
    label: trans.__('Make Reproducible…'),
    caption: trans.__(
      'Rewrite the notebook into the canonical order (the notebook is recorded first, Undo restore brings it back), then replay it to confirm'
    ),
    isEnabled: () => notebooks.currentWidget !== null && !busy && !o.actions.replaying,
    execute: async args => {
      const panel = notebooks.currentWidget;
      if (!panel || busy) {
        return null;
      }
      busy = true;
      app.commands.notifyCommandChanged(CommandIDs.makeReproducible);
      try {
        app.shell.activateById(o.panel.id);
        return await makeReproducible(panel, {
          orders: o.orders,
          histories: o.histories,
          trans,
          orderView: o.panel.order,
          rememberUndo: (p, commit) => o.actions.rememberUndo(p, commit),
          undo: () => void app.commands.execute(CommandIDs.undoRestore),
          confirmed: args.confirmed === true,
          // Its first step is traced as the others are.
          afterRestart: () => tracerSettled(o.capture.tracerFor(panel))
        });
      } finally {
        busy = false;
        app.commands.notifyCommandChanged(CommandIDs.makeReproducible);
      }
    }
  });
  o.palette?.addItem({ command: CommandIDs.makeReproducible, category: 'Retrace' });
  o.panel.order.addAction(trans.__('Make reproducible'), 'jp-RetraceOrder-reproduce', () => void app.commands.execute(CommandIDs.makeReproducible));
  registerGatherOutputCommand(app, notebooks, o.capture, trans, o.palette, CommandIDs.gatherOutput);
}
