import { HistoryStore, LocalBackend } from '../history';
import { memoryFs } from '../history/testkit.spec-util';
import { NotebookHistory } from '../sync/notebookhistory';
import { MemoryQueue } from '../sync/queue';

/**
 * Shared by the views' unit tests: let React commit and the virtual list measure
 * (a few macrotasks and animation frames; the graph and attempts views need six).
 */
export async function settle(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
    await new Promise(resolve => requestAnimationFrame(resolve));
  }
}

/** A notebook history on an in-memory repository, not yet opened, that commits only when asked. */
export function memoryHistory(notebook: unknown): NotebookHistory {
  return new NotebookHistory({
    notebookId: 'nb',
    store: new HistoryStore({ backend: new LocalBackend(memoryFs(), '/h/nb.git') }),
    queue: new MemoryQueue(),
    snapshot: () => notebook,
    debounceMs: 100000
  });
}
