/**
 * Retrace's commands as one table: id, label, what enables it and what it
 * does. index.ts only hands the services in; the work itself lives in
 * RetraceActions and the panel. Every command of the table is in the palette.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { CommandIDs } from '../tokens';
import { RetraceActions } from './actions';
import { replayIcon } from './icons';
import { createHistoryMainView } from './mainview';
import { RetracePanel } from './panel';
import { IRunDetailActions } from './rundetail';
import { StartupFocus } from './startupfocus';

export interface IRetraceCommandsOptions {
  app: JupyterFrontEnd;
  notebooks: INotebookTracker;
  panel: RetracePanel;
  actions: RetraceActions;
  trans: TranslationBundle;
  rendermime: IRenderMimeRegistry | null;
  /** What the run detail's buttons do (shared with the main-area view). */
  detailActions: IRunDetailActions;
  palette: ICommandPalette | null;
  /** Keeps the focus a command gives while JupyterLab starts up (else a restored notebook takes it). */
  startupFocus?: StartupFocus | null;
}

interface ICommandRow {
  id: string;
  label: string;
  caption?: string;
  icon?: (args: ReadonlyPartialJSONObject) => LabIcon | undefined;
  isEnabled?: () => boolean;
  execute: (args: ReadonlyPartialJSONObject) => unknown;
}

export function registerRetraceCommands(options: IRetraceCommandsOptions): void {
  const { app, notebooks, panel, actions, trans, rendermime, detailActions, palette, startupFocus } = options;
  const { commands, shell } = app;
  const selected = () => panel.model.selected;
  const selectedCommit = () => {
    const run = selected();
    return run ? panel.model.history?.commitOf(run.id) ?? null : null;
  };
  const showPanel = (then?: () => void) => {
    shell.activateById(panel.id);
    then?.();
  };
  /** Show the panel with the runs section expanded, then focus a part of it. */
  const showRuns = (focus: () => void) => {
    const show = () =>
      showPanel(() => {
        panel.expand(panel.timeline);
        focus();
      });
    show();
    startupFocus?.keep(panel.node, show);
  };
  let mainView: MainAreaWidget | null = null;

  const table: ICommandRow[] = [
    {
      id: CommandIDs.openPanel,
      label: trans.__('Open the Retrace Panel'),
      execute: () => showPanel()
    },
    {
      id: CommandIDs.openHistoryMain,
      label: trans.__('Open History in the Main Area'),
      caption: trans.__('The runs and the run detail of the notebook in focus, full width'),
      execute: () => {
        if (!mainView || mainView.isDisposed) {
          mainView = createHistoryMainView(panel.model, trans, rendermime, detailActions);
          shell.add(mainView, 'main', { mode: 'split-right' });
        }
        shell.activateById(mainView.id);
      }
    },
    {
      id: CommandIDs.focusRuns,
      label: trans.__('Go to the Runs'),
      execute: () => showRuns(() => panel.timeline.focusList())
    },
    {
      id: CommandIDs.filterRuns,
      label: trans.__('Filter the Runs'),
      execute: () => showRuns(() => panel.timeline.focusFilter())
    },
    {
      id: CommandIDs.showRunDetail,
      label: trans.__('Show the Selected Run'),
      isEnabled: () => selected() !== null,
      execute: () => showPanel(() => panel.showDetail())
    },
    {
      id: CommandIDs.replayInOrder,
      label: trans.__('Replay in Order'),
      caption: trans.__('Restart the kernel and run the cells in the order that rebuilds the current kernel state, then compare outputs'),
      icon: args => (args.toolbar ? replayIcon : undefined),
      isEnabled: () => notebooks.currentWidget !== null && !actions.replaying,
      execute: () => actions.replayInOrder()
    },
    {
      id: CommandIDs.newAttempt,
      label: trans.__('New Attempt…'),
      caption: trans.__('Start a new attempt (a git branch) from the current point, with a title and a comment'),
      execute: () => actions.newAttempt()
    },
    {
      id: CommandIDs.editAttempt,
      label: trans.__('Edit Attempt Title and Comment…'),
      execute: args => actions.editAttempt(args.attempt as string | undefined)
    },
    {
      id: CommandIDs.restoreAttempt,
      label: trans.__('Restore Attempt…'),
      caption: trans.__('Bring an attempt or a snapshot back into the notebook (the current state is recorded first)'),
      execute: args => actions.restoreAttempt(args.commit as string | undefined)
    },
    {
      id: CommandIDs.restoreSelectedRun,
      label: trans.__('Restore the Notebook After the Selected Run…'),
      isEnabled: () => selectedCommit() !== null,
      execute: () => {
        const commit = selectedCommit();
        return commit ? commands.execute(CommandIDs.restoreAttempt, { commit }) : undefined;
      }
    },
    {
      id: CommandIDs.diffNotebook,
      label: trans.__('Compare Notebook Versions…'),
      caption: trans.__('Diff two points of the history: a snapshot, an attempt, or the notebook now'),
      execute: args => actions.diffNotebook(args.from as string | undefined, args.to as string | undefined, selected())
    },
    {
      id: CommandIDs.diffWithPrevious,
      label: trans.__('Diff the Selected Run with the Snapshot Before It'),
      isEnabled: () => selectedCommit() !== null,
      execute: () => {
        const run = selected();
        return run ? actions.diffRun(run) : undefined;
      }
    },
    {
      id: CommandIDs.undoRestore,
      label: trans.__('Undo Restore'),
      isEnabled: () => actions.canUndoRestore(notebooks.currentWidget),
      execute: () => actions.undoRestore()
    }
  ];

  for (const { id, ...command } of table) {
    commands.addCommand(id, command);
    palette?.addItem({ command: id, category: 'Retrace' });
  }
  panel.model.selectionChanged.connect(() => commands.notifyCommandChanged());
}
