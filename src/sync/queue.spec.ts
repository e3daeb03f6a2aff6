/// <reference types="node" />
import { IDBFactory as FakeIDBFactory } from 'fake-indexeddb';
import * as v8 from 'v8';

import { Run } from '../capture/run';
import { openPendingQueue } from './queue';

// jsdom (jest's browser environment) lacks structuredClone, which IndexedDB uses.
globalThis.structuredClone ??= ((value: unknown) => v8.deserialize(v8.serialize(value))) as typeof structuredClone;

function run(id: string, code = 'x = 1'): Run {
  return {
    id,
    notebookId: 'nb',
    cellId: 'c1',
    code,
    executionCount: 1,
    kernelSessionId: 's',
    start: '2026-01-01T00:00:00.000Z',
    end: '2026-01-01T00:00:01.000Z',
    status: 'ok',
    outputs: []
  };
}

describe('pending run queue', () => {
  it('keeps runs across a reopen of the database (a page reload)', async () => {
    const factory = new FakeIDBFactory();
    const first = await openPendingQueue(factory);
    expect(first.durable).toBe(true);
    await first.add('nb', run('s/1'));
    await first.add('nb', run('s/2'));
    const second = await openPendingQueue(factory);
    expect((await second.list('nb')).map(r => r.id)).toEqual(['s/1', 's/2']);
  });

  it('keeps one copy of a run added twice', async () => {
    const queue = await openPendingQueue(new FakeIDBFactory());
    await queue.add('nb', run('s/1'));
    await queue.add('nb', run('s/1'));
    expect(await queue.list('nb')).toHaveLength(1);
  });

  it('removes only acknowledged runs of that notebook', async () => {
    const queue = await openPendingQueue(new FakeIDBFactory());
    await queue.add('nb', run('s/1'));
    await queue.add('nb', run('s/2'));
    await queue.add('other', run('s/1'));
    await queue.remove('nb', ['s/1']);
    expect((await queue.list('nb')).map(r => r.id)).toEqual(['s/2']);
    expect((await queue.list('other')).map(r => r.id)).toEqual(['s/1']);
  });

  it('falls back to memory without IndexedDB, and says it is not durable', async () => {
    const queue = await openPendingQueue(undefined);
    expect(queue.durable).toBe(false);
    await queue.add('nb', run('s/1'));
    expect((await queue.list('nb')).map(r => r.id)).toEqual(['s/1']);
  });
});
