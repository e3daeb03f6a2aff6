/**
 * Plugin wiring of Retrace: commands, sidebar placement, toolbar, settings and restorer.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Panel, Widget } from '@lumino/widgets';

import { CaptureService } from './capture/service';
import { replayInOrder } from './replay/controller';
import { OrderService } from './replay/service';
import { fetchServerState } from './server';
import { CommandIDs } from './tokens';
import { replayIcon } from './ui/icons';
import { cellLabel, revealCell } from './ui/labels';
import { OrderView } from './ui/orderview';
import { RetracePanel } from './ui/panel';

const PLUGIN_ID = 'jupyterlab-retrace:plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Records every cell run, infers the canonical run order and keeps attempts as git branches.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILayoutRestorer, ICommandPalette, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_retrace');
    const capture = new CaptureService(notebooks);
    const orders = new OrderService(capture);
    let stopReplay: AbortController | null = null;

    const panel = new RetracePanel(translator ?? nullTranslator, {
      replay: () => void app.commands.execute(CommandIDs.replayInOrder),
      stop: () => stopReplay?.abort(),
      reveal: cellId => notebooks.currentWidget && revealCell(notebooks.currentWidget, cellId)
    });
    app.shell.add(panel, 'left', { rank: 850 });
    restorer?.add(panel, 'retrace-panel');

    // The order view follows the notebook in focus, recomputed at most every 300 ms.
    let shownOrder: ReturnType<OrderService['orderFor']> | null = null;
    let refreshTimer = 0;
    const refreshOrder = () => {
      window.clearTimeout(refreshTimer);
      refreshTimer = window.setTimeout(() => {
        panel.order.render(shownOrder?.availability ?? null, shownOrder?.availability.available ? shownOrder.compute() : null);
      }, 300);
    };
    const showNotebook = (notebook: NotebookPanel | null) => {
      shownOrder?.changed.disconnect(refreshOrder);
      shownOrder = notebook ? orders.orderFor(notebook) : null;
      shownOrder?.changed.connect(refreshOrder);
      panel.notebook = notebook
        ? { name: notebook.context.localPath, log: capture.logFor(notebook), cellLabel: id => cellLabel(notebook, id, trans) }
        : null;
      panel.order.showReport(null);
      refreshOrder();
    };
    notebooks.currentChanged.connect((_, current) => showNotebook(current));
    capture.runRecorded.connect(() => panel.timeline.refresh());
    showNotebook(notebooks.currentWidget);

    app.commands.addCommand(CommandIDs.openPanel, {
      label: trans.__('Open the Retrace Panel'),
      execute: () => app.shell.activateById(panel.id)
    });

    app.commands.addCommand(CommandIDs.replayInOrder, {
      label: trans.__('Replay in Order'),
      caption: trans.__('Restart the kernel and run the cells in the order that rebuilds the current kernel state, then compare outputs'),
      icon: args => (args.toolbar ? replayIcon : undefined),
      isEnabled: () => notebooks.currentWidget !== null && stopReplay === null,
      execute: async () => {
        const notebook = notebooks.currentWidget;
        if (!notebook) {
          return;
        }
        const order = orders.orderFor(notebook);
        const availability = order.availability;
        if (!availability.available) {
          await showErrorMessage(trans.__('Replay in Order'), availability.reason);
          return;
        }
        const result = order.compute();
        if (result.order.steps.length === 0) {
          await showErrorMessage(trans.__('Replay in Order'), trans.__('No runs in this kernel session yet: run some cells first.'));
          return;
        }
        // The confirmation shows exactly what will run and what may not reproduce.
        const preview = new OrderView(trans, {
          replay: () => undefined,
          stop: () => undefined,
          reveal: cellId => revealCell(notebook, cellId),
          label: id => cellLabel(notebook, id, trans)
        });
        preview.addClass('jp-RetraceOrder-preview');
        preview.render(availability, result);
        const answer = await showDialog({
          title: trans.__('Replay in order?'),
          body: wrapWithWarning(preview, trans.__('The kernel restarts: its current state is lost. Cells then run in this order, stopping at the first error.')),
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Restart and Replay') })]
        });
        if (!answer.button.accept) {
          return;
        }
        app.shell.activateById(panel.id);
        stopReplay = new AbortController();
        app.commands.notifyCommandChanged(CommandIDs.replayInOrder);
        try {
          const report = await replayInOrder({
            notebook: notebook.content,
            sessionContext: notebook.sessionContext,
            steps: result.order.steps,
            runs: result.runs,
            signal: stopReplay.signal,
            onProgress: (done, total) => panel.order.setProgress({ done, total })
          });
          panel.order.setProgress(null);
          panel.order.showReport(report);
        } catch (error) {
          panel.order.setProgress(null);
          await showErrorMessage(trans.__('Replay in Order'), error as Error);
        } finally {
          stopReplay = null;
          app.commands.notifyCommandChanged(CommandIDs.replayInOrder);
          refreshOrder();
        }
      }
    });

    palette?.addItem({ command: CommandIDs.openPanel, category: 'Retrace' });
    palette?.addItem({ command: CommandIDs.replayInOrder, category: 'Retrace' });

    void fetchServerState().then(state => {
      panel.serverState = state;
      if (state.kind === 'missing' || state.kind === 'failing') {
        console.warn(`Retrace: ${state.message}`);
      }
    });

    if (settingRegistry) {
      void Promise.all([settingRegistry.load(PLUGIN_ID), app.restored]).then(([settings]) => {
        if (settings.get('showPanelOnStart').composite === true) {
          app.shell.activateById(panel.id);
        }
      });
    }
  }
};

function wrapWithWarning(content: Widget, warning: string): Widget {
  const note = new Widget({ node: document.createElement('p') });
  note.addClass('jp-RetraceReplayDialog-warning');
  note.node.textContent = warning;
  const body = new Panel();
  body.addClass('jp-RetraceReplayDialog');
  body.addWidget(note);
  body.addWidget(content);
  return body;
}

export default [plugin];
