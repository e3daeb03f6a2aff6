#!/usr/bin/env node
/**
 * Speed of the canonical order on a synthetic session: 1,000 cells of
 * pandas-like code, 10,000 runs with reruns, edits and failures (fixed PRNG
 * seed). Measures the cold one-shot order (static analysis of every distinct
 * source included) and the incremental cost of one more run (addRun + compute)
 * at 10,000 runs, next to baselines measured in the same process:
 * - analysis floor: analyzing the same distinct sources, nothing else;
 * - loop floor: a plain loop hashing the code of every run.
 *
 * Build first: `npm run build:node`. Usage: node bench/order-speed.js [runs] [cells]
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script run by Node */

const fs = require('fs');
const path = require('path');
const { performance } = require('perf_hooks');

const NODE_BUILD = path.join(__dirname, '..', 'build', 'node', 'analysis');
if (!fs.existsSync(path.join(NODE_BUILD, 'order.js'))) {
  console.error('order-speed: build/node/analysis/order.js not found: run `npm run build:node` first');
  process.exit(2);
}
const { canonicalOrder, CanonicalOrderEngine } = require(path.join(NODE_BUILD, 'order.js'));

// The real analyzer (build:node builds it with the engine).
const effects = require(path.join(NODE_BUILD, 'effects.js'));
const analyze = effects.analyzeCell;
const clearCache = effects.clearEffectsCache;
const analyzerName = 'effects.js (@lezer/python)';

const RUNS = Number(process.argv[2] || 10000);
const CELLS = Number(process.argv[3] || 1000);

// The seeded generator the order tests use, so the bench session is reproducible.
const { prng } = require(path.join(NODE_BUILD, 'orderTestkit.spec-util.js'));

/** A notebook of pandas-like cells; cell i only refers to names of earlier cells. */
function makeSession(seed, nRuns, nCells) {
  const rnd = prng(seed);
  const int = n => Math.floor(rnd() * n);
  const frames = []; // names of data frames defined so far
  const funcs = [];
  const templates = [];
  const pickFrame = () => (frames.length ? frames[frames.length - 1 - int(Math.min(frames.length, 30))] : 'df0');
  for (let i = 0; i < nCells; i++) {
    const r = rnd();
    const j = pickFrame();
    let t;
    if (i === 0) {
      t = () => 'import pandas as pd\nimport numpy as np\nimport matplotlib.pyplot as plt\n%matplotlib inline';
    } else if (i === 1 || r < 0.08) {
      const name = `df${i}`;
      frames.push(name);
      t = v => `${name} = pd.read_csv('data/file${i % 50}.csv')\n${name}.columns = [c.lower() for c in ${name}.columns]\nprint(${name}.shape, ${v})`;
    } else if (r < 0.25) {
      const name = `df${i}`;
      frames.push(name);
      t = v => `${name} = ${j}[${j}['col${i % 7}'] > ${v}].copy()\n${name}['ratio${i % 5}'] = ${name}['col1'] / (${name}['col2'] + 1)`;
    } else if (r < 0.37) {
      const name = `agg${i}`;
      t = v =>
        `${name} = (${j}.groupby('col${i % 7}')\n      .agg({'col1': 'mean', 'col2': 'sum'})\n      .reset_index()\n      .sort_values('col1', ascending=False))\n${name}.head(${v})`;
    } else if (r < 0.52) {
      t = v => `${j}.head(${v})`;
    } else if (r < 0.6) {
      t = v => `fig, ax = plt.subplots(figsize=(8, ${v % 6 + 2}))\nax.plot(${j}['col1'], label='c1')\nax.set_title('plot ${i}')\nplt.show()`;
    } else if (r < 0.66) {
      const name = `f${i}`;
      funcs.push(name);
      t = v => `def ${name}(frame, k=${v}):\n    out = frame.copy()\n    out['z'] = (out['col1'] - out['col1'].mean()) / out['col1'].std()\n    return out[out['z'] < k]`;
    } else if (r < 0.72 && funcs.length) {
      const f = funcs[funcs.length - 1 - int(Math.min(funcs.length, 10))];
      const name = `res${i}`;
      t = v => `${name} = ${f}(${j}, ${v})\nlen(${name})`;
    } else if (r < 0.8) {
      t = v => `${j}['c${i}'] = ${j}['col1'] * ${v}\n${j}.dropna(inplace=True)`;
    } else if (r < 0.86) {
      const name = `total${i}`;
      t = v => `${name} = 0\nfor k in range(${v}):\n    ${name} += k * ${j}['col1'].iloc[k % 3]\n${name}`;
    } else if (r < 0.9) {
      const name = `model${i}`;
      t = v => `from sklearn.linear_model import LinearRegression\n${name} = LinearRegression()\n${name}.fit(${j}[['col1', 'col2']], ${j}['col3'])\n${name}.score(${j}[['col1', 'col2']], ${j}['col3']) + ${v}`;
    } else if (r < 0.93) {
      t = v => `np.random.seed(${v})\nsample${i} = ${j}.sample(n=${v % 10 + 1})`;
    } else if (r < 0.96) {
      t = v => `${j}.to_csv('out/${j}_${i}_${v}.csv', index=False)`;
    } else {
      t = v => `print(${j}.describe(), ${v})`;
    }
    templates.push(t);
  }
  const cells = templates.map((t, i) => ({ id: 'cell' + i, type: 'code', source: t(int(20)) }));
  const runs = [];
  const push = (i, status) =>
    runs.push({ index: runs.length, cellId: cells[i].id, code: cells[i].source, executionCount: runs.length + 1, status });
  // Run all once, then work around a moving cursor: reruns, edits, failures.
  for (let i = 0; i < nCells && runs.length < nRuns; i++) {
    push(i, 'ok');
  }
  let cursor = 0;
  while (runs.length < nRuns) {
    cursor = Math.max(0, Math.min(nCells - 1, cursor + int(7) - 3 + (rnd() < 0.05 ? int(200) - 100 : 0)));
    if (rnd() < 0.1) {
      cells[cursor].source = templates[cursor](int(20));
    }
    push(cursor, rnd() < 0.03 ? 'error' : 'ok');
  }
  return { runs, cells };
}

function median(a) {
  const s = a.slice().sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

function pct(a, p) {
  const s = a.slice().sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}

function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  }
  return h >>> 0;
}

/**
 * The engine as the page runs it: in a worker, fed by `OrderClient`. Times the
 * main thread only: posting what changed (`update`) and taking the answer
 * (`receive`), and separately parsing the answer when the panel shows it.
 */
async function workerTimes(runs, cells, K) {
  const { Worker } = require('worker_threads');
  const { OrderClient } = require(path.join(NODE_BUILD, 'orderHost.js'));
  const worker = new Worker(path.join(__dirname, 'order-worker.js'));
  let resolve = null;
  let onReply = null;
  const client = new OrderClient(msg => worker.postMessage(msg));
  worker.on('message', reply => onReply(reply));
  const answered = () => new Promise(r => (resolve = r));
  const live = runs.slice(0, runs.length - K);
  const cellsNow = cells.map(c => ({ ...c }));
  const post = [];
  const take = [];
  const parse = [];
  const latency = [];
  const hostMs = [];
  onReply = reply => {
    const a = performance.now();
    const latest = client.receive(reply);
    take.push(performance.now() - a);
    hostMs.push(reply.ms);
    if (latest) {
      resolve(reply);
    }
  };
  let wait = answered();
  client.update('s', live, cellsNow);
  await wait;
  take.length = 0;
  hostMs.length = 0;
  let result = null;
  for (let i = runs.length - K; i < runs.length; i++) {
    live.push(runs[i]);
    wait = answered();
    const a = performance.now();
    client.update('s', live, cellsNow);
    const b = performance.now();
    await wait;
    latency.push(performance.now() - a);
    post.push(b - a);
    const c = performance.now();
    result = client.latest;
    parse.push(performance.now() - c);
  }
  await worker.terminate();
  const perRun = post.map((p, i) => p + take[i]);
  return { perRun, post, take, parse, latency, hostMs, result };
}

async function main() {
  const { runs, cells } = makeSession(20240611, RUNS, CELLS);
  const distinct = Array.from(new Set(runs.map(r => r.code).concat(cells.map(c => c.source))));
  console.log(`analyzer: ${analyzerName}`);
  console.log(`session: ${runs.length} runs, ${cells.length} cells, ${distinct.length} distinct sources`);

  // Warm the JIT on another, small session, then measure cold (empty analysis cache).
  const warm = makeSession(7, 2000, 200);
  canonicalOrder(warm.runs, warm.cells, { analyze });

  // Baseline 1: analysis of the distinct sources alone.
  clearCache();
  let t0 = performance.now();
  for (const code of distinct) {
    analyze(code);
  }
  const analysisFloor = performance.now() - t0;

  // Baseline 2: a plain loop hashing every run's code.
  t0 = performance.now();
  let acc = 0;
  for (const r of runs) {
    acc ^= hash(r.code);
  }
  const loopFloor = performance.now() - t0;

  // Cold one-shot order.
  clearCache();
  t0 = performance.now();
  const order = canonicalOrder(runs, cells, { analyze });
  const cold = performance.now() - t0;

  // Warm one-shot (analysis cached): the engine's own cost.
  t0 = performance.now();
  canonicalOrder(runs, cells, { analyze });
  const warmOneShot = performance.now() - t0;

  // Incremental: all but the last K runs added, then time each further run (addRun + compute).
  const K = Math.min(200, Math.floor(runs.length / 10));
  const engine = new CanonicalOrderEngine({ analyze });
  engine.setCells(cells);
  for (let i = 0; i < runs.length - K; i++) {
    engine.addRun(runs[i]);
  }
  engine.compute();
  const perRun = [];
  const perRunCpu = [];
  const addOnly = [];
  let last;
  for (let i = runs.length - K; i < runs.length; i++) {
    // CPU time beside wall time: on a shared, loaded machine the wall time
    // also counts the time other processes held the core.
    const cpu = process.cpuUsage();
    const a = performance.now();
    engine.addRun(runs[i]);
    const b = performance.now();
    last = engine.compute();
    const c = performance.now();
    const used = process.cpuUsage(cpu);
    addOnly.push(b - a);
    perRun.push(c - a);
    perRunCpu.push((used.user + used.system) / 1000);
  }
  if (JSON.stringify(last) !== JSON.stringify(order)) {
    console.error('order-speed: incremental result differs from one-shot');
    process.exit(1);
  }

  const diag = {};
  order.diagnostics.forEach(d => (diag[d.kind] = (diag[d.kind] || 0) + 1));
  console.log(
    `result: ${order.steps.length} steps (${(order.steps.length / runs.length).toFixed(3)} of runs), mode ${order.stats.mode}, ` +
      `topToBottomWorks ${order.topToBottomWorks}, diagnostics ${JSON.stringify(diag)}`
  );
  console.log(`baseline analysis of ${distinct.length} distinct sources: ${analysisFloor.toFixed(1)} ms`);
  console.log(`baseline loop hashing ${runs.length} runs: ${loopFloor.toFixed(2)} ms (${acc & 1})`);
  console.log(
    `cold one-shot: ${cold.toFixed(1)} ms = ${(cold / analysisFloor).toFixed(2)}x analysis floor; ` +
      `engine alone (analysis cached): ${warmOneShot.toFixed(1)} ms = ${(warmOneShot / loopFloor).toFixed(0)}x loop floor`
  );
  console.log(
    `per new run at ${runs.length} runs (addRun + compute), over ${K} runs: median ${median(perRun).toFixed(2)} ms, ` +
      `p95 ${pct(perRun, 0.95).toFixed(2)} ms; addRun alone median ${median(addOnly).toFixed(3)} ms; ` +
      `CPU time per run median ${median(perRunCpu).toFixed(2)} ms`
  );
  console.log(
    `order cold ${cold.toFixed(0)} ms per-run ${median(perRun).toFixed(2)} ms (budget 2000 / 10)`
  );

  const w = await workerTimes(runs, cells, K);
  if (JSON.stringify(w.result) !== JSON.stringify(order)) {
    console.error('order-speed: the worker\'s result differs from one-shot');
    process.exit(1);
  }
  console.log(
    `in a worker, main-thread time per new run at ${runs.length} runs: median ${median(w.perRun).toFixed(3)} ms, ` +
      `p95 ${pct(w.perRun, 0.95).toFixed(3)} ms (post ${median(w.post).toFixed(3)} + receive ${median(w.take).toFixed(3)}); ` +
      `parsing the order when shown ${median(w.parse).toFixed(2)} ms; result after ${median(w.latency).toFixed(1)} ms ` +
      `(worker ${median(w.hostMs).toFixed(1)} ms)`
  );
  console.log(
    `main thread per run: worker ${median(w.perRun).toFixed(3)} ms vs on the main thread today ${median(perRun).toFixed(2)} ms ` +
      `(${(median(perRun) / median(w.perRun)).toFixed(0)}x less; budget 1 ms)`
  );
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
