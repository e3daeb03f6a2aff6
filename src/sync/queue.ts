/**
 * Runs waiting to be written to a notebook's history, kept in the browser's
 * IndexedDB until the server has acknowledged them, so a reload, a closed tab
 * or a server that is down loses nothing. Where IndexedDB is unavailable
 * (private windows of some browsers) the queue lives in memory and says so.
 */
import { Run } from '../capture/run';

const DB_NAME = 'jupyterlab-retrace';
const STORE = 'pending-runs';

export interface IPendingQueue {
  /** False when runs only live in memory (no IndexedDB). */
  readonly durable: boolean;
  add(notebookId: string, run: Run): Promise<void>;
  /** Pending runs of a notebook, oldest first. */
  list(notebookId: string): Promise<Run[]>;
  remove(notebookId: string, runIds: readonly string[]): Promise<void>;
}

/** Open the durable queue, or a memory one if IndexedDB cannot be used. */
export async function openPendingQueue(factory: IDBFactory | undefined = globalThis.indexedDB): Promise<IPendingQueue> {
  if (!factory) {
    return new MemoryQueue();
  }
  try {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(STORE, { keyPath: ['notebookId', 'seq'] });
        store.createIndex('run', ['notebookId', 'runId'], { unique: true });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
    return new IndexedDBQueue(db);
  } catch (error) {
    console.warn('Retrace: IndexedDB unavailable, pending runs kept in memory only', error);
    return new MemoryQueue();
  }
}

class IndexedDBQueue implements IPendingQueue {
  constructor(private readonly _db: IDBDatabase) {}

  readonly durable = true;

  add(notebookId: string, run: Run): Promise<void> {
    return this._tx('readwrite', store => {
      // seq orders runs; a run already queued (two views, a retry) is kept once:
      // the unique index refuses the copy, and the refusal must not abort the rest.
      const request = store.add({ notebookId, seq: Date.now() * 1000 + (this._seq++ % 1000), runId: run.id, run });
      request.onerror = event => {
        if (request.error?.name === 'ConstraintError') {
          event.preventDefault();
          event.stopPropagation();
        }
      };
    });
  }

  async list(notebookId: string): Promise<Run[]> {
    const rows: { run: Run }[] = [];
    await this._tx('readonly', store => {
      // Few runs are ever pending: a scan in key order is simplest.
      const request = store.openCursor();
      request.onsuccess = () => {
        const cursor = request.result;
        if (cursor) {
          if (cursor.value.notebookId === notebookId) {
            rows.push(cursor.value);
          }
          cursor.continue();
        }
      };
    });
    return rows.map(row => row.run);
  }

  remove(notebookId: string, runIds: readonly string[]): Promise<void> {
    return this._tx('readwrite', store => {
      const index = store.index('run');
      for (const runId of runIds) {
        const request = index.getKey([notebookId, runId]);
        request.onsuccess = () => {
          if (request.result !== undefined) {
            store.delete(request.result);
          }
        };
      }
    });
  }

  private _tx(mode: IDBTransactionMode, body: (store: IDBObjectStore) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const tx = this._db.transaction(STORE, mode);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
      body(tx.objectStore(STORE));
    });
  }

  private _seq = 0;
}

/** Runs kept in memory only (lost with the page): when IndexedDB cannot be used, and in tests. */
export class MemoryQueue implements IPendingQueue {
  readonly durable = false;

  async add(notebookId: string, run: Run): Promise<void> {
    const runs = this._runs.get(notebookId) ?? [];
    if (!runs.some(r => r.id === run.id)) {
      runs.push(run);
    }
    this._runs.set(notebookId, runs);
  }

  async list(notebookId: string): Promise<Run[]> {
    return [...(this._runs.get(notebookId) ?? [])];
  }

  async remove(notebookId: string, runIds: readonly string[]): Promise<void> {
    const ids = new Set(runIds);
    this._runs.set(notebookId, (this._runs.get(notebookId) ?? []).filter(r => !ids.has(r.id)));
  }

  private _runs = new Map<string, Run[]>();
}
