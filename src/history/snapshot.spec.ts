/// <reference types="node" />
/**
 * Snapshot codec: exact round trips of real notebooks, small writes for small
 * changes, large outputs stored once, and the output cap's visible placeholder.
 */
import * as crypto from 'crypto';


import { decodeTree, encodeTree, MODE_FILE, MODE_TREE } from './gitobject';
import { sha1Hex } from './gitobject';
import { cellKeys, splitLines } from './snapshot';
import { HistoryStore } from './store';
import { fixtureNotebooks, sharedNotebooksIfPresent } from './fixtures/notebooks.spec-util';
import { fakeClock, memoryBackend, memoryFs, syntheticNotebook } from './testkit.spec-util';

async function roundTrip(nb: any, options: { maxOutputBytes?: number } = {}) {
  const fsys = memoryFs();
  const writer = new HistoryStore({ backend: memoryBackend(fsys), now: fakeClock(), ...options });
  await writer.init();
  const commit = await writer.commitSnapshot(nb);
  // A fresh store reads it back: nothing comes from the writer's memory.
  const reader = new HistoryStore({ backend: memoryBackend(fsys), now: fakeClock(), ...options });
  await reader.init();
  return { commit, snapshot: await reader.readSnapshot(commit), writer, reader };
}

describe('sha1', () => {
  it('agrees with Node crypto on edge lengths', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_000]) {
      const data = crypto.randomBytes(n);
      expect(sha1Hex(new Uint8Array(data))).toBe(crypto.createHash('sha1').update(data).digest('hex'));
    }
  });
});

describe('tree encoding', () => {
  it('orders a tree named like a file prefix the way git does', () => {
    const oid = 'a'.repeat(40);
    const entries = [
      { mode: MODE_FILE, name: 'a.b', oid },
      { mode: MODE_TREE, name: 'a', oid },
      { mode: MODE_FILE, name: 'a-b', oid }
    ];
    // git compares the tree "a" as "a/", which sorts after "a-b" and "a.b".
    expect(decodeTree(encodeTree(entries)).map(e => e.name)).toEqual(['a-b', 'a.b', 'a']);
  });
});

describe('snapshot codec', () => {
  // The repository's fixtures always; the developers' shared set as extra cases when present.
  const notebooks = [...fixtureNotebooks(), ...sharedNotebooksIfPresent()];

  it('finds the fixture notebooks: nbformat 3 to 4.5, widgets, attachments, a big image, other kernels', () => {
    const parsed = fixtureNotebooks().map(n => JSON.parse(n.text));
    expect(parsed.length).toBeGreaterThanOrEqual(13);
    const versions = new Set(parsed.map(nb => `${nb.nbformat}.${nb.nbformat_minor}`));
    for (const v of ['3.0', '4.0', '4.1', '4.2', '4.5']) {
      expect(versions).toContain(v);
    }
    const text = fixtureNotebooks().map(n => n.text).join('\n');
    expect(text).toContain('application/vnd.jupyter.widget-state+json');
    expect(text).toContain('"attachments"');
    // nbformat 3 names the language at the top of its metadata.
    const kernels = new Set(
      parsed.map(nb => nb.metadata?.kernelspec?.language ?? nb.metadata?.language_info?.name ?? nb.metadata?.language)
    );
    for (const k of ['python', 'R', 'haskell', 'rust', 'julia']) {
      expect([...kernels].map(x => String(x).toLowerCase())).toContain(k.toLowerCase());
    }
    expect(Math.max(...fixtureNotebooks().map(n => n.text.length))).toBeGreaterThan(1_000_000);
  });

  it.each(notebooks.map(n => [n.name, n.text]))('round-trips %s exactly', async (_name, text) => {
    const nb = JSON.parse(text);
    const { snapshot } = await roundTrip(nb);
    // Same values and the same key order: re-serialising gives the same JSON text.
    expect(JSON.stringify(snapshot.notebook)).toBe(JSON.stringify(nb));
    expect(snapshot.layout).toBe(nb.nbformat >= 4 ? 'cells' : 'whole');
    expect(snapshot.omitted).toEqual([]);
  });

  it('keeps odd but valid shapes exactly', async () => {
    const nb = {
      nbformat_minor: 2,
      nbformat: 4,
      metadata: { z: 1, a: [1, { b: null }] },
      cells: [
        { cell_type: 'code', source: ['a', 'b\n', ''], metadata: {}, outputs: [], execution_count: null },
        { id: 'dup', cell_type: 'markdown', source: '', metadata: {} },
        { id: 'dup', cell_type: 'markdown', source: [], metadata: {} },
        { id: 'has/slash and space', cell_type: 'raw', source: 'x\r\ny', metadata: { format: 'text/plain' } },
        { id: '..', cell_type: 'code', metadata: {}, outputs: [] },
        {
          cell_type: 'code',
          metadata: {},
          source: 'display(img)',
          execution_count: 3,
          outputs: [
            { output_type: 'execute_result', execution_count: 3, data: { 'text/plain': ['1'] }, metadata: {} },
            { data: { 'text/plain': '2' }, execution_count: 3, metadata: {}, output_type: 'execute_result' },
            { output_type: 'stream', name: 'stderr', text: 'ünïcødé ✓ 🚀 عربى\n' }
          ],
          extra_field: { kept: true }
        }
      ]
    };
    const { snapshot } = await roundTrip(nb);
    expect(JSON.stringify(snapshot.notebook)).toBe(JSON.stringify(nb));
  });

  it('gives every cell a unique, file-name-safe key', () => {
    const keys = cellKeys([{ id: 'a' }, { id: 'a' }, { id: '../x' }, {}, { id: 'i3' }]);
    expect(new Set(keys).size).toBe(5);
    for (const k of keys) {
      expect(k).toMatch(/^[A-Za-z0-9_.-]+$/);
      expect(k).not.toMatch(/^\.|\.\./);
    }
  });

  it('splits lines the way nbformat does', () => {
    expect(splitLines('a\nb\n')).toEqual(['a\n', 'b\n']);
    expect(splitLines('a\nb')).toEqual(['a\n', 'b']);
    expect(splitLines('')).toEqual([]);
  });

  it('writes only a handful of objects for a one-cell change of a 500-cell notebook', async () => {
    const backend = memoryBackend();
    const store = new HistoryStore({ backend, now: fakeClock() });
    await store.init();
    const nb = syntheticNotebook(500);
    await store.commitSnapshot(nb);
    const first = backend.last.files.length;
    nb.cells[250].source = ['x250 = 0\n'];
    nb.cells[250].execution_count = 501;
    nb.cells[250].outputs = [{ name: 'stdout', output_type: 'stream', text: ['0\n'] }];
    await store.commitSnapshot(nb, [{ cellId: 'c0250', code: 'x250 = 0\n', executionCount: 501, status: 'ok' }]);
    const second = backend.last;
    expect(first).toBeGreaterThan(1500);
    // source, output, outputs tree, meta, cell tree, 2 shard trees, cells tree, runs.json,
    // index chunk + 2 index trees, root tree, commit.
    expect(second.files.length).toBeLessThanOrEqual(15);
    expect(second.refs).toHaveLength(1);
  });

  it('stores a large output once however many cells and commits show it', async () => {
    const backend = memoryBackend();
    const store = new HistoryStore({ backend, now: fakeClock() });
    await store.init();
    const png = Buffer.alloc(300_000, 7).toString('base64');
    const image = (count: number) => ({
      output_type: 'execute_result',
      execution_count: count,
      data: { 'image/png': png, 'text/plain': ['<Figure>'] },
      metadata: {}
    });
    const nb = syntheticNotebook(3);
    nb.cells[0].outputs = [image(1)];
    nb.cells[2].outputs = [image(3)];
    await store.commitSnapshot(nb);
    const bigObjects = (files: { data: Uint8Array }[]) => files.filter(f => f.data.length > 1000).length;
    expect(bigObjects(backend.last.files)).toBe(1);
    // Re-running the cell changes its execution count, not the image blob.
    nb.cells[0].execution_count = 10;
    nb.cells[0].outputs = [image(10)];
    await store.commitSnapshot(nb);
    expect(bigObjects(backend.last.files)).toBe(0);
    const back = await store.readSnapshot(store.head!);
    expect(back.notebook).toEqual(nb);
  });

  it('replaces an output above the cap by a visible placeholder with its digest', async () => {
    const nb = syntheticNotebook(2);
    const huge = { output_type: 'display_data', data: { 'image/png': 'A'.repeat(5000) }, metadata: {} };
    nb.cells[1].outputs = [nb.cells[1].outputs[0], huge];
    const { snapshot } = await roundTrip(nb, { maxOutputBytes: 2000 });
    const json = new TextEncoder().encode(JSON.stringify(huge));
    const digest = crypto.createHash('sha1').update(Buffer.concat([Buffer.from(`blob ${json.length}\0`), json])).digest('hex');
    expect(snapshot.omitted).toEqual([
      {
        cellId: 'c0001',
        cellIndex: 1,
        outputIndex: 1,
        bytes: json.length,
        digest: `git-blob:${digest}`,
        outputType: 'display_data',
        mimeTypes: ['image/png']
      }
    ]);
    const placeholder = snapshot.notebook.cells[1].outputs[1];
    expect(placeholder.output_type).toBe('display_data');
    expect(placeholder.data['text/plain'].join('')).toContain('was not kept in history');
    expect(placeholder.metadata.retrace).toMatchObject({ omitted: true, digest: `git-blob:${digest}` });
    // Everything else is intact.
    expect(snapshot.notebook.cells[0]).toEqual(nb.cells[0]);
    expect(snapshot.notebook.cells[1].outputs[0]).toEqual(nb.cells[1].outputs[0]);
  });
});
