/// <reference types="node" />
/**
 * Helpers shared by the history specs: where the shared real-world notebooks
 * are, synthetic notebooks of a given size, and a backend that counts writes.
 */
import * as fs from 'fs';
import * as path from 'path';

import { createFsFromVolume, Volume } from 'memfs';

import { IHistoryBackend, ISyncFs, IWriteBatch, LocalBackend } from './backend';

/** A file system in memory: Node's sync calls (LocalBackend) and `promises` (isomorphic-git). */
export type MemoryFs = ISyncFs & { promises: any };

/** A fresh, empty in-memory file system, from the maintained `memfs` package. */
export function memoryFs(): MemoryFs {
  return createFsFromVolume(new Volume()) as unknown as MemoryFs;
}

/** The developers' set of real notebooks (shared/ sits beside the repository checkout). */
export function notebooksDir(): string {
  const candidates = [
    process.env.RETRACE_NOTEBOOKS,
    path.resolve(__dirname, '../../../shared/notebooks')
  ];
  for (const c of candidates) {
    if (c && fs.existsSync(c)) {
      return c;
    }
  }
  throw new Error('shared/notebooks not found; set RETRACE_NOTEBOOKS');
}

export function sharedNotebooks(): { name: string; text: string }[] {
  const dir = notebooksDir();
  return fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.ipynb'))
    .sort()
    .map(name => ({ name, text: fs.readFileSync(path.join(dir, name), 'utf8') }));
}

/** A notebook of `n` code cells with small outputs, ids `c0000…`. */
export function syntheticNotebook(n: number, seed = 0): any {
  const cells = [];
  for (let i = 0; i < n; i++) {
    cells.push({
      cell_type: 'code',
      execution_count: i + 1,
      id: `c${String(i).padStart(4, '0')}`,
      metadata: {},
      outputs: [{ name: 'stdout', output_type: 'stream', text: [`value ${i} ${seed}\n`] }],
      source: [`x${i} = ${i} * 2\n`, `print(x${i})`]
    });
  }
  return {
    cells,
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
    nbformat: 4,
    nbformat_minor: 5
  };
}

/** Records every batch written through it. */
export class CountingBackend implements IHistoryBackend {
  constructor(readonly inner: IHistoryBackend) {}
  batches: IWriteBatch[] = [];
  get fs() {
    return this.inner.fs;
  }
  get gitdir() {
    return this.inner.gitdir;
  }
  init(branch: string) {
    return this.inner.init(branch);
  }
  readFiles(paths: string[]) {
    return this.inner.readFiles(paths);
  }
  listDir(p: string) {
    return this.inner.listDir(p);
  }
  readRefs() {
    return this.inner.readRefs();
  }
  async write(batch: IWriteBatch) {
    this.batches.push(batch);
    return this.inner.write(batch);
  }
  get last(): IWriteBatch {
    return this.batches[this.batches.length - 1];
  }
}

export function memoryBackend(fsys = memoryFs(), gitdir = '/history/nb.git'): CountingBackend {
  return new CountingBackend(new LocalBackend(fsys, gitdir));
}

/** A clock that advances one second per call, from a fixed date. */
export function fakeClock(start = Date.UTC(2024, 0, 1)): () => number {
  let t = start;
  return () => (t += 1000);
}
