/**
 * One history per notebook that has recorded runs, written through the
 * server's storage endpoint, fed by capture.
 */
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookModel, INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { Run } from '../capture/run';
import { CaptureService } from '../capture/service';
import { HistoryStore, RemoteBackend } from '../history';
import { NotebookIdentities, readNotebookId } from '../identity/notebookid';
import { requestAPI } from '../server';
import { IHistoryRepair, IRecovery, NotebookHistory } from './notebookhistory';
import { notebookJSON } from './notebookjson';
import { IPendingQueue } from './queue';

type NotebookContext = DocumentRegistry.IContext<INotebookModel>;

export class HistoryService {
  constructor(
    capture: CaptureService,
    tracker: INotebookTracker,
    identities: NotebookIdentities,
    private readonly _queue: Promise<IPendingQueue>,
    private readonly _settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {
    capture.runRecorded.connect((_, { context, run }) => void this._record(context, run));
    const open = (panel: NotebookPanel) => {
      const context = panel.context;
      // The notebook as opened, kept until its history has it (see NotebookHistory `opened`).
      void context.ready.then(() => {
        this._asOpened.set(context, notebookJSON(context.model));
        context.disposed.connect(() => this._asOpened.delete(context));
      });
      void identities.settle(context).then(() => {
        if (readNotebookId(context.model)) {
          void this.historyFor(context);
        }
      });
    };
    tracker.forEach(open);
    tracker.widgetAdded.connect((_, panel) => open(panel));
  }

  /** Emits when a notebook's history appears (its first run, or opening a notebook that has one). */
  get historyOpened(): ISignal<this, NotebookContext> {
    return this._opened;
  }

  /** The history of a notebook, or null if it has none yet (no run recorded). */
  peek(panel: NotebookPanel): NotebookHistory | null {
    const id = readNotebookId(panel.context.model);
    return id ? this._histories.get(id)?.history ?? null : null;
  }

  /** The history of a notebook with an id, opened on first use (resolves once open). */
  async historyFor(context: NotebookContext): Promise<NotebookHistory | null> {
    const entry = await this._entryFor(context);
    if (!entry) {
      return null;
    }
    await entry.opened;
    return entry.history;
  }

  private async _entryFor(context: NotebookContext): Promise<{ history: NotebookHistory; opened: Promise<void> } | null> {
    const id = readNotebookId(context.model);
    if (!id) {
      return null;
    }
    let entry = this._histories.get(id);
    if (!entry) {
      const queue = await this._queue;
      entry = this._histories.get(id);
      if (!entry) {
        const settings = this._settings;
        const store = new HistoryStore({
          backend: new RemoteBackend({
            baseUrl: settings.baseUrl,
            repoId: id,
            request: (url, init) => ServerConnection.makeRequest(url, init ?? {}, settings)
          })
        });
        const history = new NotebookHistory({
          notebookId: id,
          store,
          queue,
          snapshot: () => notebookJSON(context.model),
          opened: () => {
            const notebook = this._asOpened.get(context);
            this._asOpened.delete(context);
            return notebook;
          },
          repair: repairOf(id, settings)
        });
        const edits = watchEdits(context.model, () => history.beforeEdit());
        context.disposed.connect(() => edits.dispose());
        entry = { history, opened: history.open() };
        this._histories.set(id, entry);
        this._opened.emit(context);
      }
    }
    return entry;
  }

  /** Queue the run at once; the history commits it once its repository is open. */
  private async _record(context: NotebookContext, run: Run): Promise<void> {
    const entry = await this._entryFor(context);
    // A run caught up from the kernel's journal after a reload is usually in the history already.
    if (entry && !entry.history.has(run.id)) {
      entry.history.record(run);
    }
  }

  private _asOpened = new Map<NotebookContext, unknown>();
  private _histories = new Map<string, { history: NotebookHistory; opened: Promise<void> }>();
  private _opened = new Signal<this, NotebookContext>(this);
}

/** The shared document under a notebook model, as far as `watchEdits` needs it (a Yjs document). */
interface ITransactions {
  on(name: 'beforeTransaction', handler: (transaction: { origin: unknown }) => void): void;
  off(name: 'beforeTransaction', handler: (transaction: { origin: unknown }) => void): void;
}

/**
 * Call `before` right before each edit of the notebook (a cell's source, the cells, metadata; by
 * the user, a collaborator or a command), while the content is still as it was. What the kernel
 * writes is not an edit: JupyterLab writes outputs with the origin 'silent-change', and execution
 * counts and states (and the dirty flag) without an origin, while every edit has one (the editor
 * binding, the cell or the notebook).
 */
function watchEdits(model: INotebookModel, before: () => void): IDisposable {
  const ydoc = (model.sharedModel as unknown as { ydoc?: ITransactions }).ydoc;
  if (!ydoc) {
    return new DisposableDelegate(() => undefined);
  }
  const handler = (transaction: { origin: unknown }) => {
    if (transaction.origin !== null && transaction.origin !== 'silent-change') {
      before();
    }
  };
  ydoc.on('beforeTransaction', handler);
  return new DisposableDelegate(() => ydoc.off('beforeTransaction', handler));
}

/** The storage endpoint's status (damaged refs) and Recover for one history. */
function repairOf(id: string, settings: ServerConnection.ISettings): IHistoryRepair {
  const repo = `repos/${encodeURIComponent(id)}`;
  return {
    damaged: async () => (await requestAPI<{ damagedRefs?: Record<string, string> }>(repo, {}, settings))?.damagedRefs ?? {},
    recover: async () => {
      const answer = await requestAPI<Partial<IRecovery>>(`${repo}/recover`, { method: 'POST', body: '{}' }, settings);
      return { changes: answer?.changes ?? [], unrepaired: answer?.unrepaired ?? [] };
    }
  };
}
