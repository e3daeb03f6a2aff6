/**
 * Plugin wiring of Retrace: services, commands, sidebar placement, toolbar,
 * settings and restorer. What the commands do lives in ui/actions.ts.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CaptureService } from './capture/service';
import { NotebookIdentities } from './identity/notebookid';
import { registerGatherCommand } from './order/gather';
import { OrderService } from './order/service';
import { fetchServerState } from './server';
import { openPendingQueue } from './sync/queue';
import { HistoryService } from './sync/service';
import { CommandIDs } from './tokens';
import { RetraceActions } from './ui/actions';
import { PanelFollower } from './ui/follow';
import { DiagnosticBadges } from './ui/diagnosticBadges';
import { replayIcon } from './ui/icons';
import { revealCell } from './ui/labels';
import { createHistoryMainView } from './ui/mainview';
import { RetracePanel } from './ui/panel';
import { registerCellVersions } from './versions/service';

const PLUGIN_ID = 'jupyterlab-retrace:plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Records every cell run, infers the canonical run order and keeps attempts as git branches.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILayoutRestorer, ICommandPalette, ISettingRegistry, ITranslator, IRenderMimeRegistry],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    rendermime: IRenderMimeRegistry | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_retrace');
    const { commands } = app;

    const identities = new NotebookIdentities(app.serviceManager.contents);
    const capture = new CaptureService(notebooks, identities);
    const orders = new OrderService(capture);
    const histories = new HistoryService(capture, notebooks, identities, openPendingQueue());
    orders.recordWith(histories, notebooks);

    const detailActions = {
      restore: (commit: string) => void commands.execute(CommandIDs.restoreAttempt, { commit }),
      diff: (commit: string) => void commands.execute(CommandIDs.diffNotebook, { from: commit, to: 'now' }),
      reveal: (cellId: string) => notebooks.currentWidget && revealCell(notebooks.currentWidget, cellId)
    };
    const panel = new RetracePanel({
      translator: translator ?? nullTranslator,
      rendermime,
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
      timeline: { diffPrevious: run => void actions.diffRun(run) }
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

    commands.addCommand(CommandIDs.openPanel, {
      label: trans.__('Open the Retrace Panel'),
      execute: () => app.shell.activateById(panel.id)
    });
    commands.addCommand(CommandIDs.replayInOrder, {
      label: trans.__('Replay in Order'),
      caption: trans.__('Restart the kernel and run the cells in the order that rebuilds the current kernel state, then compare outputs'),
      icon: args => (args.toolbar ? replayIcon : undefined),
      isEnabled: () => notebooks.currentWidget !== null && !actions.replaying,
      execute: () => actions.replayInOrder()
    });
    commands.addCommand(CommandIDs.newAttempt, {
      label: trans.__('New Attempt…'),
      caption: trans.__('Start a new attempt (a git branch) from the current point, with a title and a comment'),
      execute: () => actions.newAttempt()
    });
    commands.addCommand(CommandIDs.editAttempt, {
      label: trans.__('Edit Attempt Title and Comment…'),
      execute: args => actions.editAttempt(args.attempt as string | undefined)
    });
    commands.addCommand(CommandIDs.restoreAttempt, {
      label: trans.__('Restore Attempt…'),
      caption: trans.__('Bring an attempt or a snapshot back into the notebook (the current state is recorded first)'),
      execute: args => actions.restoreAttempt(args.commit as string | undefined)
    });
    commands.addCommand(CommandIDs.undoRestore, {
      label: trans.__('Undo Restore'),
      isEnabled: () => actions.canUndoRestore(notebooks.currentWidget),
      execute: () => actions.undoRestore()
    });
    registerGatherCommand(app, notebooks, orders, trans, palette);
    new DiagnosticBadges(notebooks, orders, trans);
    registerCellVersions(notebooks, capture, histories, rendermime, trans);
    let mainView: MainAreaWidget | null = null;
    commands.addCommand(CommandIDs.openHistoryMain, {
      label: trans.__('Open History in the Main Area'),
      caption: trans.__('The runs and the run detail of the notebook in focus, full width'),
      execute: () => {
        if (!mainView || mainView.isDisposed) {
          mainView = createHistoryMainView(panel.model, trans, rendermime, detailActions);
          app.shell.add(mainView, 'main', { mode: 'split-right' });
        }
        app.shell.activateById(mainView.id);
      }
    });
    commands.addCommand(CommandIDs.focusRuns, {
      label: trans.__('Go to the Runs'),
      execute: () => {
        app.shell.activateById(panel.id);
        panel.expand(panel.timeline);
        panel.timeline.focusList();
      }
    });
    commands.addCommand(CommandIDs.filterRuns, {
      label: trans.__('Filter the Runs'),
      execute: () => {
        app.shell.activateById(panel.id);
        panel.expand(panel.timeline);
        panel.timeline.focusFilter();
      }
    });
    commands.addCommand(CommandIDs.showRunDetail, {
      label: trans.__('Show the Selected Run'),
      isEnabled: () => panel.model.selected !== null,
      execute: () => {
        app.shell.activateById(panel.id);
        panel.showDetail();
      }
    });
    commands.addCommand(CommandIDs.restoreSelectedRun, {
      label: trans.__('Restore the Notebook After the Selected Run…'),
      isEnabled: () => !!panel.model.selected && !!panel.model.history?.commitOf(panel.model.selected.id),
      execute: () => {
        const run = panel.model.selected;
        const commit = run && panel.model.history?.commitOf(run.id);
        return commit ? commands.execute(CommandIDs.restoreAttempt, { commit }) : undefined;
      }
    });
    commands.addCommand(CommandIDs.diffNotebook, {
      label: trans.__('Compare Notebook Versions…'),
      caption: trans.__('Diff two points of the history: a snapshot, an attempt, or the notebook now'),
      execute: args =>
        actions.diffNotebook(args.from as string | undefined, args.to as string | undefined, panel.model.selected)
    });
    commands.addCommand(CommandIDs.diffWithPrevious, {
      label: trans.__('Diff the Selected Run with the Snapshot Before It'),
      isEnabled: () => !!panel.model.selected && !!panel.model.history?.commitOf(panel.model.selected.id),
      execute: () => (panel.model.selected ? actions.diffRun(panel.model.selected) : undefined)
    });
    panel.model.selectionChanged.connect(() => commands.notifyCommandChanged());

    for (const command of [
      CommandIDs.openPanel,
      CommandIDs.openHistoryMain,
      CommandIDs.focusRuns,
      CommandIDs.filterRuns,
      CommandIDs.showRunDetail,
      CommandIDs.replayInOrder,
      CommandIDs.newAttempt,
      CommandIDs.editAttempt,
      CommandIDs.restoreAttempt,
      CommandIDs.restoreSelectedRun,
      CommandIDs.diffNotebook,
      CommandIDs.diffWithPrevious,
      CommandIDs.undoRestore
    ]) {
      palette?.addItem({ command, category: 'Retrace' });
    }

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
