/**
 * Plugin wiring of Retrace: commands, sidebar placement, settings and restorer.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CaptureService } from './capture/service';
import { fetchServerState } from './server';
import { CommandIDs } from './tokens';
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

    const panel = new RetracePanel(translator ?? nullTranslator);
    app.shell.add(panel, 'left', { rank: 850 });
    restorer?.add(panel, 'retrace-panel');

    const showNotebook = (notebook: NotebookPanel | null) => {
      panel.notebook = notebook
        ? {
            name: notebook.context.localPath,
            log: capture.logFor(notebook),
            cellLabel: cellId => cellLabel(notebook, cellId, trans)
          }
        : null;
    };
    notebooks.currentChanged.connect((_, current) => showNotebook(current));
    capture.runRecorded.connect(() => panel.timeline.refresh());
    showNotebook(notebooks.currentWidget);

    app.commands.addCommand(CommandIDs.openPanel, {
      label: trans.__('Open the Retrace Panel'),
      execute: () => app.shell.activateById(panel.id)
    });
    palette?.addItem({ command: CommandIDs.openPanel, category: 'Retrace' });

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

/** "cell 4" for the fourth cell now, "deleted cell" if it is gone, "console" for runs without a cell. */
function cellLabel(notebook: NotebookPanel, cellId: string | null, trans: ReturnType<typeof nullTranslator.load>): string {
  if (cellId === null) {
    return trans.__('console');
  }
  const cells = notebook.content.model?.cells;
  if (cells) {
    for (let i = 0; i < cells.length; i++) {
      if (cells.get(i).id === cellId) {
        return trans.__('cell %1', i + 1);
      }
    }
  }
  return trans.__('deleted cell');
}

export default [plugin];
