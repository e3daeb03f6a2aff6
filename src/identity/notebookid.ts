/**
 * Notebook identity, in one place: which history a notebook owns.
 *
 * The id lives in the notebook's metadata (`retrace.id`) with the path it was
 * last seen at, so its history follows renames and moves, and a copy (the
 * original still at that path, with the same id) gets a history of its own,
 * forked from the original's. Until the notebook is saved, the id is only in
 * the open page; the server keeps a path → id map (identity endpoint), so a
 * reload, a second tab or a server restart before the first save find the
 * same history, and a rename before the save takes it along.
 */
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookModel } from '@jupyterlab/notebook';
import { Contents, ServerConnection } from '@jupyterlab/services';
import { UUID } from '@lumino/coreutils';

import { requestAPI } from '../server';

export const METADATA_KEY = 'retrace';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

type NotebookContext = DocumentRegistry.IContext<INotebookModel>;

/** The notebook's history id, or null if it never had a recorded run. */
export function readNotebookId(model: INotebookModel): string | null {
  const meta = model.getMetadata(METADATA_KEY) as { id?: unknown } | undefined;
  return typeof meta?.id === 'string' && ID_RE.test(meta.id) ? meta.id : null;
}

export interface IRetraceMetadata {
  id?: string;
  /** Where the notebook was when its history last saw it. */
  path?: string;
  /** The history this one was forked from, for a copied notebook. */
  forkedFrom?: string;
}

export function readRetraceMetadata(model: INotebookModel): IRetraceMetadata {
  return ((model.getMetadata(METADATA_KEY) as IRetraceMetadata | undefined) ?? {}) as IRetraceMetadata;
}

export function writeRetraceMetadata(model: INotebookModel, changes: IRetraceMetadata): void {
  model.setMetadata(METADATA_KEY, { ...readRetraceMetadata(model), ...changes } as any);
}

/** What opening a notebook settled. */
export type Settled =
  /** It had an id at its path, or has none and no history yet. */
  | 'unchanged'
  /** It had an id and was moved or renamed since its history last saw it. */
  | 'moved'
  /** It is a copy: it now has an id of its own, with a forked history. */
  | 'forked'
  /** It was never saved with its id: the server's map gave it back (or re-attached an older history). */
  | 'recovered';

export class NotebookIdentities {
  constructor(
    private readonly _contents: Contents.IManager,
    private readonly _settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  /**
   * Settle a notebook's identity once it is ready (once per notebook: later
   * calls return the same promise). Never rejects: problems are logged, as a
   * notebook must open whatever the server says.
   */
  settle(context: NotebookContext): Promise<Settled> {
    let settling = this._settling.get(context);
    if (!settling) {
      settling = this._settle(context);
      this._settling.set(context, settling);
      context.disposed.connect(() => {
        this._settling.delete(context);
        this._held.delete(context);
      });
    }
    return settling;
  }

  private async _settle(context: NotebookContext): Promise<Settled> {
    await context.ready;
    let lastPath = context.localPath;
    context.pathChanged.connect(() => {
      const from = lastPath;
      lastPath = context.localPath;
      this._moved(context, from);
    });
    // Once the file carries its id, the server's map lets go of the path, so
    // a new notebook made later at that path (another Untitled) starts fresh.
    context.fileChanged.connect(() => this._forget(context));
    try {
      if (readNotebookId(context.model)) {
        const settled = await this._settleKnown(context);
        this._forget(context);
        return settled;
      }
      return await this._recover(context);
    } catch (error) {
      console.warn('Retrace: could not settle which history this notebook owns', error);
      return 'unchanged';
    }
  }

  /**
   * The id to record a run under, now: the notebook's, else the one the
   * server holds for its path, else a new one (claimed on the server). It is
   * written into the metadata, with the path, so the next save carries it.
   */
  ensure(context: NotebookContext): string {
    const model = context.model;
    const existing = readNotebookId(model);
    if (existing) {
      return existing;
    }
    const path = context.localPath;
    const held = this._held.get(context);
    const id = held ?? UUID.uuid4();
    writeRetraceMetadata(model, { id, path });
    if (!held) {
      void this._claim(path, id).then(winner => {
        if (winner && winner !== id) {
          console.warn(`Retrace: another page gave ${path} the history ${winner} first; this page records under ${id}.`);
        }
      });
    }
    return id;
  }

  /** A notebook with an id: moved, or copied (see the module comment). */
  private async _settleKnown(context: NotebookContext): Promise<Settled> {
    const model = context.model;
    const id = readNotebookId(model)!;
    const here = context.localPath;
    const seenAt = readRetraceMetadata(model).path;
    if (seenAt === here) {
      return 'unchanged';
    }
    if (seenAt) {
      const original = await this._contents.get(seenAt, { content: true, type: 'notebook' }).catch(() => null);
      const originalId = (original?.content?.metadata?.retrace as { id?: unknown } | undefined)?.id;
      if (originalId === id) {
        const fork = UUID.uuid4();
        try {
          await requestAPI(`repos/${fork}/fork`, { method: 'POST', body: JSON.stringify({ from: id }) }, this._settings);
        } catch (error) {
          // The original has no history on disk yet: the copy simply starts its own.
          if (!(error instanceof ServerConnection.ResponseError && error.response.status === 404)) {
            throw error;
          }
        }
        writeRetraceMetadata(model, { id: fork, path: here, forkedFrom: id });
        return 'forked';
      }
    }
    writeRetraceMetadata(model, { path: here });
    return 'moved';
  }

  /**
   * A notebook without an id: ask the server which history its path has. If
   * one exists on disk the id goes into the metadata now (the panel shows
   * the history); otherwise it is held until the first run.
   */
  private async _recover(context: NotebookContext): Promise<Settled> {
    const path = context.localPath;
    const id = await this._claim(path, UUID.uuid4());
    if (!id || readNotebookId(context.model)) {
      return 'unchanged';
    }
    const exists = await requestAPI<{ exists?: boolean }>(`repos/${id}`, {}, this._settings).then(
      answer => answer?.exists === true,
      () => false
    );
    if (exists && !readNotebookId(context.model)) {
      writeRetraceMetadata(context.model, { id, path });
      return 'recovered';
    }
    this._held.set(context, id);
    return 'unchanged';
  }

  /** The history id the server holds for path, proposing `id` if it has none. */
  private async _claim(path: string, id: string): Promise<string | null> {
    try {
      const answer = await requestAPI<{ id: string }>('identity', { method: 'POST', body: JSON.stringify({ path, id }) }, this._settings);
      return typeof answer?.id === 'string' && ID_RE.test(answer.id) ? answer.id : null;
    } catch (error) {
      console.warn('Retrace: the server could not say which history this notebook has', error);
      return null;
    }
  }

  private _forget(context: NotebookContext): void {
    const id = readNotebookId(context.model);
    if (!id || context.model.dirty) {
      return; // the file on disk may not carry the id yet
    }
    void requestAPI('identity', { method: 'POST', body: JSON.stringify({ path: context.localPath, forget: id }) }, this._settings).catch(
      () => undefined
    );
  }

  /** A rename or move while open: the history follows (metadata and the server's map). */
  private _moved(context: NotebookContext, from: string): void {
    if (readNotebookId(context.model)) {
      writeRetraceMetadata(context.model, { path: context.localPath });
    }
    void requestAPI('identity', { method: 'POST', body: JSON.stringify({ from, path: context.localPath }) }, this._settings).catch(error =>
      console.warn('Retrace: the server did not follow the rename', error)
    );
  }

  private _settling = new Map<NotebookContext, Promise<Settled>>();
  /** Ids the server holds for notebooks that have not run yet in this page. */
  private _held = new Map<NotebookContext, string>();
}
