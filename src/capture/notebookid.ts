/**
 * The stable id a notebook carries in its metadata so that its history follows
 * renames and moves. The metadata also holds the path the notebook was last
 * seen at, which tells a moved notebook (nothing left at that path) from a
 * copy (the original is still there, with the same id).
 */
import { INotebookModel } from '@jupyterlab/notebook';
import { UUID } from '@lumino/coreutils';

export const METADATA_KEY = 'retrace';

/** The notebook's history id, or null if it never had a recorded run. */
export function readNotebookId(model: INotebookModel): string | null {
  const meta = model.getMetadata(METADATA_KEY) as { id?: unknown } | undefined;
  return typeof meta?.id === 'string' && /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(meta.id) ? meta.id : null;
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

/** The notebook's history id, given to it (with its path) on first use. */
export function ensureNotebookId(model: INotebookModel, path: string): string {
  const existing = readNotebookId(model);
  if (existing) {
    return existing;
  }
  const id = UUID.uuid4();
  writeRetraceMetadata(model, { id, path });
  return id;
}
