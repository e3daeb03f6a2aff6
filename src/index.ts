/**
 * Plugin wiring of Retrace: commands, sidebar placement, toolbar, settings and restorer.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, InputDialog, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Panel, Widget } from '@lumino/widgets';

import { Run } from './capture/run';
import { CaptureService } from './capture/service';
import { IRunIndexEntry } from './history';
import { replayInOrder } from './replay/controller';
import { OrderService } from './replay/service';
import { fetchServerState } from './server';
import { NotebookHistory } from './sync/notebookhistory';
import { openPendingQueue } from './sync/queue';
import { previewRestore, restoreInto } from './sync/restore';
import { HistoryService } from './sync/service';
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
    const histories = new HistoryService(capture, notebooks, app.serviceManager.contents, openPendingQueue());
    let stopReplay: AbortController | null = null;
    /** Per notebook: the commit holding its state before the last restore. */
    const undoRestore = new WeakMap<NotebookPanel['context'], string>();

    const panel = new RetracePanel(translator ?? nullTranslator, {
      replay: () => void app.commands.execute(CommandIDs.replayInOrder),
      stop: () => stopReplay?.abort(),
      reveal: cellId => notebooks.currentWidget && revealCell(notebooks.currentWidget, cellId)
    }, {
      newAttempt: () => void app.commands.execute(CommandIDs.newAttempt),
      restoreCommit: commit => void app.commands.execute(CommandIDs.restoreAttempt, { commit }),
      editAttempt: attempt => void app.commands.execute(CommandIDs.editAttempt, { attempt }),
      undoRestore: () => void app.commands.execute(CommandIDs.undoRestore)
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
    // The attempts view follows the notebook in focus; its history's runs fill the timeline after a reload.
    let shownHistory: NotebookHistory | null = null;
    const onHistoryChanged = () => {
      const notebook = notebooks.currentWidget;
      if (notebook && shownHistory) {
        capture.logFor(notebook).addHistorical(shownHistory.runIndex.map(entry => runFromIndex(entry, notebook)));
      }
    };
    const showHistory = (notebook: NotebookPanel | null) => {
      shownHistory?.changed.disconnect(onHistoryChanged);
      shownHistory = notebook ? histories.peek(notebook) : null;
      shownHistory?.changed.connect(onHistoryChanged);
      panel.attempts.history = shownHistory;
      panel.attempts.canUndo = !!notebook && undoRestore.has(notebook.context);
      onHistoryChanged();
    };
    histories.historyOpened.connect((_, context) => {
      if (notebooks.currentWidget?.context === context) {
        showHistory(notebooks.currentWidget);
      }
    });
    const showNotebook = (notebook: NotebookPanel | null) => {
      shownOrder?.changed.disconnect(refreshOrder);
      shownOrder = notebook ? orders.orderFor(notebook) : null;
      shownOrder?.changed.connect(refreshOrder);
      panel.notebook = notebook
        ? { name: notebook.context.localPath, log: capture.logFor(notebook), cellLabel: id => cellLabel(notebook, id, trans) }
        : null;
      panel.order.showReport(null);
      refreshOrder();
      showHistory(notebook);
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

    const currentHistory = async (): Promise<{ notebook: NotebookPanel; history: NotebookHistory } | null> => {
      const notebook = notebooks.currentWidget;
      const history = notebook ? await histories.historyFor(notebook.context) : null;
      if (!notebook || !history) {
        await showErrorMessage(trans.__('Retrace'), trans.__('This notebook has no history yet: run a cell first.'));
        return null;
      }
      return { notebook, history };
    };

    app.commands.addCommand(CommandIDs.newAttempt, {
      label: trans.__('New Attempt…'),
      caption: trans.__('Start a new attempt (a git branch) from the current point, with a title and a comment'),
      execute: async () => {
        const target = await currentHistory();
        if (!target) {
          return;
        }
        const values = await askTitleAndComment(trans.__('New attempt'), '', '');
        if (values) {
          await target.history.newAttempt(values.title, values.comment);
        }
      }
    });

    app.commands.addCommand(CommandIDs.editAttempt, {
      label: trans.__('Edit Attempt Title and Comment…'),
      execute: async args => {
        const target = await currentHistory();
        if (!target) {
          return;
        }
        const id = (args.attempt as string) ?? target.history.attempts.find(a => a.current)?.id;
        const attempt = target.history.attempts.find(a => a.id === id);
        if (!attempt) {
          return;
        }
        const values = await askTitleAndComment(trans.__('Edit attempt'), attempt.title, attempt.comment);
        if (values) {
          await target.history.editAttempt(attempt.id, values);
        }
      }
    });

    const restore = async (notebook: NotebookPanel, history: NotebookHistory, commit: string, title: string) => {
      const snapshot = await history.readSnapshot(commit);
      const preview = previewRestore(notebook.context.model.toJSON(), snapshot.notebook, snapshot.omitted.length);
      const body = [
        trans.__('The notebook will show this snapshot: %1 cell(s) changed, %2 added, %3 removed, %4 unchanged.', preview.changed, preview.added, preview.removed, preview.unchanged),
        preview.omittedOutputs ? trans.__('%1 output(s) were over the size cap when recorded and come back as placeholders.', preview.omittedOutputs) : '',
        trans.__('The current state is recorded first, so nothing is lost: Undo restore brings it back. The kernel is not touched.')
      ].filter(Boolean).join('\n\n');
      const answer = await showDialog({
        title,
        body,
        buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Restore') })]
      });
      if (!answer.button.accept) {
        return;
      }
      const before = await restoreInto(history, notebook.context.model, commit);
      if (before) {
        undoRestore.set(notebook.context, before);
      }
      panel.attempts.canUndo = before !== null;
      Notification.success(trans.__('Snapshot %1 restored.', commit.slice(0, 7)), {
        autoClose: 5000,
        actions: [{ label: trans.__('Undo restore'), callback: () => void app.commands.execute(CommandIDs.undoRestore) }]
      });
    };

    app.commands.addCommand(CommandIDs.restoreAttempt, {
      label: trans.__('Restore Attempt…'),
      caption: trans.__('Bring an attempt or a snapshot back into the notebook (the current state is recorded first)'),
      execute: async args => {
        const target = await currentHistory();
        if (!target) {
          return;
        }
        const { notebook, history } = target;
        await history.flush();
        let commit = args.commit as string | undefined;
        if (!commit) {
          const attempts = history.attempts.filter(a => a.tip);
          const byLabel = new Map(attempts.map(a => [`${a.title || a.id}${a.current ? ' ' + trans.__('(current)') : ''}`, a]));
          const choice = await InputDialog.getItem({
            title: trans.__('Restore attempt'),
            items: [...byLabel.keys()],
            label: trans.__('Attempt to bring back into the notebook:')
          });
          const attempt = choice.button.accept && choice.value ? byLabel.get(choice.value) : undefined;
          if (!attempt?.tip) {
            return;
          }
          commit = attempt.tip;
        }
        await restore(notebook, history, commit, trans.__('Restore snapshot %1?', commit.slice(0, 7)));
      }
    });

    app.commands.addCommand(CommandIDs.undoRestore, {
      label: trans.__('Undo Restore'),
      isEnabled: () => !!notebooks.currentWidget && undoRestore.has(notebooks.currentWidget.context),
      execute: async () => {
        const target = await currentHistory();
        const before = target && undoRestore.get(target.notebook.context);
        if (!target || !before) {
          return;
        }
        const again = await restoreInto(target.history, target.notebook.context.model, before);
        if (again) {
          undoRestore.set(target.notebook.context, again);
        }
      }
    });

    palette?.addItem({ command: CommandIDs.newAttempt, category: 'Retrace' });
    palette?.addItem({ command: CommandIDs.restoreAttempt, category: 'Retrace' });
    palette?.addItem({ command: CommandIDs.undoRestore, category: 'Retrace' });
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

/** A timeline row for a run read back from the history's run index. */
function runFromIndex(entry: IRunIndexEntry, notebook: NotebookPanel): Run {
  const time = entry.start === null ? new Date(0).toISOString() : new Date(entry.start).toISOString();
  return {
    id: entry.runId ?? `${entry.commit}/${entry.executionCount}`,
    notebookId: '',
    cellId: entry.cellId || null,
    code: entry.summary,
    executionCount: entry.executionCount,
    kernelSessionId: entry.kernelSession ?? '',
    start: time,
    end: time,
    status: (entry.status as Run['status']) ?? 'ok',
    outputs: []
  };
}

/** Ask for an attempt's title and comment. */
async function askTitleAndComment(title: string, currentTitle: string, currentComment: string): Promise<{ title: string; comment: string } | null> {
  const body = new Widget();
  body.addClass('jp-RetraceAttemptDialog');
  const titleInput = document.createElement('input');
  titleInput.className = 'jp-mod-styled jp-RetraceAttemptDialog-title';
  titleInput.value = currentTitle;
  titleInput.placeholder = 'Title';
  const commentInput = document.createElement('textarea');
  commentInput.className = 'jp-mod-styled jp-RetraceAttemptDialog-comment';
  commentInput.value = currentComment;
  commentInput.placeholder = 'Comment: what you are trying';
  commentInput.rows = 4;
  body.node.append(titleInput, commentInput);
  const answer = await showDialog({ title, body, focusNodeSelector: 'input', buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Save' })] });
  if (!answer.button.accept || !titleInput.value.trim()) {
    return null;
  }
  return { title: titleInput.value.trim(), comment: commentInput.value };
}

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
