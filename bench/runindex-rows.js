/**
 * What the code hash costs the run index (CommonJS; run `npm run build:node` first).
 *
 * Builds the run index of 100,000 runs as the history bench makes them (10 runs a commit,
 * two-line codes) twice: rows as written now (with the code hash) and the same rows
 * without it (the format before). Prints the bytes of the index chunks and the CPU time
 * of RunIndex.read over every chunk, alternating the two, each after a GC, best of 21
 * (medians too): the parse is most of what opening a long history costs in the page.
 *
 * Usage: node --expose-gc bench/runindex-rows.js
 */
'use strict';

const crypto = require('crypto');
const path = require('path');

const build = path.join(__dirname, '..', 'build', 'node', 'history');
const { RunIndex, entriesOf } = require(path.join(build, 'runindex.js'));
const { decodeTree, encodeTree } = require(path.join(build, 'gitobject.js'));
const { change, notebook } = require('./history-bench');

const RUNS = 100000;
const ROUNDS = 21;
const encoder = new TextEncoder();

/** An index of RUNS rows in an in-memory object store; `strip` writes them without the hash. */
function buildIndex(strip) {
  const objects = new Map();
  let bytes = 0;
  const put = (type, content) => {
    const oid = crypto.createHash('sha1').update(type).update(content).digest('hex');
    objects.set(oid, { type, content });
    return oid;
  };
  const db = {
    putText: text => {
      bytes += Buffer.byteLength(text);
      return put('blob', encoder.encode(text));
    },
    putTree: entries => put('tree', encodeTree(entries)),
    read: async oid => objects.get(oid),
    readTree: async oid => decodeTree(objects.get(oid).content),
    readMany: async oids => new Map(oids.map(oid => [oid, objects.get(oid)]))
  };
  const nb = notebook(50);
  const entries = [];
  for (let c = 0; c < RUNS / 10; c++) {
    const runs = [];
    for (let k = 0; k < 10; k++) {
      runs.push(change(nb, c * 10 + k));
    }
    const commit = crypto.createHash('sha1').update(String(c)).digest('hex');
    for (const e of entriesOf(commit, 'main', runs)) {
      entries.push(strip ? { ...e, codeHash: null } : e);
    }
  }
  const empty = { count: 0, tail: [], dirs: new Map(), cur: { dir: 0, chunks: new Map() }, dict: { cells: [], kernels: [], attempts: [], statuses: [] }, dictOid: null };
  // Chunks are written as they fill: the bytes counted are the final chunks plus the dictionary.
  const { tree } = new RunIndex(db).append(empty, entries);
  return { db, tree, bytes };
}

async function readMs(index) {
  if (global.gc) {
    global.gc();
  }
  const before = process.cpuUsage();
  const rows = await new RunIndex(index.db).read(index.tree);
  const used = process.cpuUsage(before);
  if (rows.length !== RUNS) {
    throw new Error(`read ${rows.length} rows, expected ${RUNS}`);
  }
  return (used.user + used.system) / 1000;
}

async function main() {
  if (!global.gc) {
    process.stderr.write('run with node --expose-gc for comparable rounds\n');
  }
  const without = buildIndex(true);
  const withHash = buildIndex(false);
  const a = [];
  const b = [];
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 ? [[withHash, b], [without, a]] : [[without, a], [withHash, b]];
    for (const [index, times] of order) {
      times.push(await readMs(index));
    }
  }
  const min = xs => Math.min(...xs);
  const median = xs => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  console.log(
    `run index of ${RUNS} runs: chunks ${(without.bytes / 1e6).toFixed(2)} MB without the code hash, ${(withHash.bytes / 1e6).toFixed(2)} MB with ` +
      `(+${((withHash.bytes - without.bytes) / RUNS).toFixed(1)} bytes a row, ${(withHash.bytes / without.bytes).toFixed(3)}x); ` +
      `read (CPU, best of ${ROUNDS}) ${min(a).toFixed(1)} ms without, ${min(b).toFixed(1)} ms with (${(min(b) / min(a)).toFixed(2)}x; ` +
      `medians ${median(a).toFixed(1)} / ${median(b).toFixed(1)} ms)`
  );
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
