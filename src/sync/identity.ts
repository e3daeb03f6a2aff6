/**
 * Which history a notebook owns. A renamed or moved notebook keeps its id
 * (its history follows it); a copied one gets an id of its own, with a
 * history forked from the original's, so the two never write to one branch.
 */
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookModel } from '@jupyterlab/notebook';
import { Contents, ServerConnection } from '@jupyterlab/services';
import { UUID } from '@lumino/coreutils';

import { readNotebookId, readRetraceMetadata, writeRetraceMetadata } from '../capture/notebookid';
import { requestAPI } from '../server';

type NotebookContext = DocumentRegistry.IContext<INotebookModel>;

/**
 * Settle the notebook's identity when it is opened. Returns what happened, for
 * the caller to tell the user.
 */
export async function settleIdentity(
  context: NotebookContext,
  contents: Contents.IManager,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<'unchanged' | 'moved' | 'forked'> {
  const model = context.model;
  const id = readNotebookId(model);
  const here = context.localPath;
  const seenAt = readRetraceMetadata(model).path;
  if (!id || seenAt === here) {
    return 'unchanged';
  }
  if (seenAt) {
    const original = await contents.get(seenAt, { content: true, type: 'notebook' }).catch(() => null);
    const originalId = (original?.content?.metadata?.retrace as { id?: unknown } | undefined)?.id;
    if (originalId === id) {
      const fork = UUID.uuid4();
      try {
        await requestAPI(`repos/${fork}/fork`, { method: 'POST', body: JSON.stringify({ from: id }) }, settings);
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
