/**
 * The stable id a notebook carries in its metadata so that its history follows
 * renames and moves.
 */
import { INotebookModel } from '@jupyterlab/notebook';
import { UUID } from '@lumino/coreutils';

export const METADATA_KEY = 'retrace';

/** The notebook's history id, or null if it never had a recorded run. */
export function readNotebookId(model: INotebookModel): string | null {
  const meta = model.getMetadata(METADATA_KEY) as { id?: unknown } | undefined;
  return typeof meta?.id === 'string' && /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(meta.id) ? meta.id : null;
}

/** The notebook's history id, given to it on first use. */
export function ensureNotebookId(model: INotebookModel): string {
  const existing = readNotebookId(model);
  if (existing) {
    return existing;
  }
  const id = UUID.uuid4();
  const meta = (model.getMetadata(METADATA_KEY) as Record<string, unknown> | undefined) ?? {};
  model.setMetadata(METADATA_KEY, { ...meta, id });
  return id;
}
