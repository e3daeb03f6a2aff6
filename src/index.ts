/**
 * Plugin wiring of Retrace: services, commands, sidebar placement, toolbar,
 * settings and restorer. The commands are a table in ui/commands.ts; what they
 * do lives in ui/actions.ts.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CaptureService } from './capture/service';
import { NotebookIdentities } from './identity/notebookid';
import { recordEnvironment } from './kernel/environment';
import { registerGatherCommand } from './order/gather';
import { registerReproduceCommands } from './reproduce/commands';
import { OrderService } from './order/service';
import { fetchServerState } from './server';
import { openPendingQueue } from './sync/queue';
import { HistoryService } from './sync/service';
import { CommandIDs } from './tokens';
import { RetraceActions } from './ui/actions';
import { registerRetraceCommands } from './ui/commands';
import { PanelFollower } from './ui/follow';
import { DiagnosticBadges } from './ui/diagnosticBadges';
import { revealCell } from './ui/labels';
import { RetracePanel } from './ui/panel';
import { StartupFocus } from './ui/startupfocus';
import { registerCellVersions } from './versions/service';

const PLUGIN_ID = 'jupyterlab-retrace:plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Records every cell run, infers the canonical run order and keeps attempts as git branches.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILayoutRestorer, ICommandPalette, ISettingRegistry, ITranslator, IRenderMimeRegistry, JupyterFrontEnd.ITreeResolver],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    rendermime: IRenderMimeRegistry | null,
    treeResolver: JupyterFrontEnd.ITreeResolver | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_retrace');
    const { commands } = app;

    const identities = new NotebookIdentities(app.serviceManager.contents);
    const capture = new CaptureService(notebooks, identities);
    const orders = new OrderService(capture);
    const histories = new HistoryService(capture, notebooks, identities, openPendingQueue());
    orders.recordWith(histories, notebooks);
    recordEnvironment(histories, notebooks, capture);

    const detailActions = {
      restore: (commit: string) => void commands.execute(CommandIDs.restoreAttempt, { commit }),
      diff: (commit: string) => void commands.execute(CommandIDs.diffNotebook, { from: commit, to: 'now' }),
      reveal: (cellId: string) => notebooks.currentWidget && revealCell(notebooks.currentWidget, cellId)
    };
    const panel = new RetracePanel({
      translator: translator ?? nullTranslator,
      rendermime,
      restored: app.restored,
      order: {
        replay: () => void commands.execute(CommandIDs.replayInOrder),
        stop: () => actions.stopReplay(),
        reveal: cellId => notebooks.currentWidget && revealCell(notebooks.currentWidget, cellId)
      },
      attempts: {
        newAttempt: () => void commands.execute(CommandIDs.newAttempt),
        restoreCommit: commit => void commands.execute(CommandIDs.restoreAttempt, { commit }),
        editAttempt: attempt => void commands.execute(CommandIDs.editAttempt, { attempt }),
        undoRestore: () => void commands.execute(CommandIDs.undoRestore)
      },
      detail: detailActions,
      timeline: { diffPrevious: run => void actions.diffRun(run) },
      graph: { diffPoints: (from, to) => void commands.execute(CommandIDs.diffNotebook, { from, to }) }
    });
    app.shell.add(panel, 'left', { rank: 850 });
    restorer?.add(panel, 'retrace-panel');

    const actions = new RetraceActions({
      notebooks,
      orders,
      histories,
      panel,
      trans,
      showPanel: () => app.shell.activateById(panel.id),
      rendermime,
      capture,
      openMain: widget => {
        app.shell.add(widget, 'main');
        app.shell.activateById(widget.id);
      },
      changed: () => {
        commands.notifyCommandChanged();
        follower.refreshOrder();
        follower.refreshUndo();
      }
    });
    // After `actions`: the follower asks it about undo as soon as it starts.
    const follower = new PanelFollower(panel, notebooks, capture, orders, histories, trans, nb => actions.canUndoRestore(nb));

    // Created now, before the router runs: it follows the opening of a /lab/tree/ address's file.
    const startupFocus = new StartupFocus(app, treeResolver);
    registerRetraceCommands({ app, notebooks, panel, actions, trans, rendermime, detailActions, palette, startupFocus });
    registerGatherCommand(app, notebooks, orders, trans, palette);
    registerReproduceCommands(app, { notebooks, orders, histories, capture, actions, panel, trans, palette });
    new DiagnosticBadges(notebooks, orders, trans);
    registerCellVersions(notebooks, capture, histories, rendermime, trans);

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

export default [plugin];
