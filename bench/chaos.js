/**
 * Chaos benchmark of the storage endpoint (CommonJS; `npm run bench:chaos` builds first).
 *
 * A real Jupyter server with Retrace (the project's .venv, `git gc --auto` on, as shipped),
 * one notebook's history, and for SECONDS (default 60):
 *
 *  - 20 writers, each a HistoryStore over a RemoteBackend (20 tabs on one notebook), commit
 *    one run after another (each run has a unique id). A write answered 200 is "acked". On a
 *    network error (the server was killed) the writer keeps its run, waits for the server,
 *    checks whether the run already reached the history (the answer may have been lost after
 *    the write was done) and commits it again only if it did not;
 *  - the server is SIGKILLed every KILL_EVERY seconds (default 10) and restarted at once;
 *  - a stream of malformed and oversized requests: zlib bombs (a request whose objects
 *    inflate past the budget, an object whose header lies about its size, one over the
 *    per-object limit), truncated zlib, non-canonical headers, refs at missing objects and at
 *    blobs, bad ref names, an id with a newline, nested JSON, a 400 MiB declared body;
 *    each must get a 4xx (a 5xx or a success is counted as "bad answers");
 *  - a status request every 50 ms, timed.
 *
 * Then `git fsck --full --strict` on every repository. Last line:
 *   chaos acked A lost L dup D fsck F stall S ms restart R s
 * A = writes acknowledged; L = acknowledged runs not reachable from a ref afterwards;
 * D = runs stored twice (reachable in more than one commit); F = repositories failing fsck;
 * S = the longest a status request waited for its answer; R = the longest time from a kill
 * to the server answering again.
 *
 * Usage: node bench/chaos.js [--seconds N] [--kill-every N] [--writers N]
 */
'use strict';

const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');

const build = path.join(__dirname, '..', 'build', 'node', 'history');
const { HistoryStore } = require(path.join(build, 'store.js'));
const { RemoteBackend } = require(path.join(build, 'remote.js'));

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = arg('--seconds', 60);
const KILL_EVERY = arg('--kill-every', 10);
const WRITERS = arg('--writers', 20);
const TOKEN = 'retrace-chaos-token';
const REPO = 'nb-chaos';
// jupyter-server itself: `jupyter server` would start one more Python process first.
const JUPYTER = path.join(__dirname, '..', '.venv', 'bin', 'jupyter-server');
const sleep = ms => new Promise(r => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = srv.address().port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'retrace-chaos-'));
const logFile = path.join(root, 'server.log');
let port;
let base;
let server = null;

const request = (url, init = {}) =>
  fetch(url, { ...init, headers: { ...(init.headers || {}), Authorization: `token ${TOKEN}` }, signal: AbortSignal.timeout(30000) });

function startServer() {
  const out = fs.openSync(logFile, 'a');
  server = spawn(
    JUPYTER,
    [
      '--no-browser',
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.root_dir=${path.join(root, 'nb')}`,
      `--IdentityProvider.token=${TOKEN}`,
      '--ServerApp.allow_root=True'
    ],
    { stdio: ['ignore', out, out] }
  );
  fs.closeSync(out);
}

async function waitUp(limitMs = 60000) {
  const t0 = Date.now();
  for (;;) {
    try {
      const r = await request(`${base}retrace/api/status`);
      if (r.ok) {
        return Date.now() - t0;
      }
    } catch {
      // not up yet
    }
    if (Date.now() - t0 > limitMs) {
      throw new Error(`server did not come back in ${limitMs} ms; see ${logFile}`);
    }
    await sleep(20);
  }
}

// ---- writers --------------------------------------------------------------------------------

function notebook(cells) {
  return {
    cells: Array.from({ length: cells }, (_, i) => ({
      cell_type: 'code',
      id: `c${String(i).padStart(4, '0')}`,
      source: `x${i} = ${i}`,
      metadata: {},
      outputs: [],
      execution_count: null
    })),
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5
  };
}

const stats = { acked: 0, ambiguous: 0, ambiguousLanded: 0, conflicts: 0, ioErrors: 0, otherErrors: 0 };
const ackedRuns = new Set();
let stopping = false;

function isNetworkError(e) {
  return e instanceof TypeError || e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.kind === 'io';
}

async function writer(w) {
  const open = () => new HistoryStore({ backend: new RemoteBackend({ baseUrl: base, repoId: REPO, request }) });
  let store = open();
  const nb = notebook(50);
  let seq = 0;
  let pending = null;
  let ready = false;
  while (!stopping || pending) {
    try {
      if (!ready) {
        await store.init();
        ready = true;
      }
      if (!pending) {
        seq++;
        pending = { id: `w${w}-${seq}`, cell: (w * 7 + seq) % 50, uncertain: false };
      }
      if (pending.uncertain) {
        // The last try may have landed before the server died: look before committing again.
        await store.reload();
        const runs = await store.runIndex();
        if (runs.some(r => r.runId === pending.id)) {
          stats.ambiguousLanded++;
          ackedRuns.add(pending.id);
          stats.acked++;
          pending = null;
          continue;
        }
        pending.uncertain = false;
      }
      nb.cells[pending.cell].source = `run_id = "${pending.id}"`;
      await store.commitSnapshot(nb, [
        { id: pending.id, cellId: nb.cells[pending.cell].id, code: `run_id = "${pending.id}"`, executionCount: seq }
      ]);
      stats.acked++;
      ackedRuns.add(pending.id);
      pending = null;
    } catch (e) {
      if (isNetworkError(e)) {
        stats.ioErrors++;
        if (pending) {
          pending.uncertain = true;
          stats.ambiguous++;
        }
        store = open();
        ready = false;
        await sleep(250); // a client backs off while the server is away
      } else if (e?.name === 'RefConflictError') {
        stats.conflicts++;
      } else {
        stats.otherErrors++;
        if (stats.otherErrors < 10) {
          console.error(`writer ${w}: ${e?.kind ?? ''} ${e?.message ?? e}`);
        }
        store = open();
        ready = false;
        await sleep(100);
      }
    }
  }
}

// ---- hostile requests -----------------------------------------------------------------------

function obj(kind, content, { raw, data } = {}) {
  raw = raw ?? Buffer.concat([Buffer.from(`${kind} ${content.length}\0`), content]);
  const oid = crypto.createHash('sha1').update(raw).digest('hex');
  data = data ?? zlib.deflateSync(raw);
  return { oid, file: { path: `objects/${oid.slice(0, 2)}/${oid.slice(2)}`, data: data.toString('base64') } };
}

function hostileCases() {
  const hello = Buffer.from('blob 5\0hello');
  const ok = zlib.deflateSync(hello);
  // 200 MiB of zeros deflates to ~200 KB; two of them pass the 256 MiB budget of one request.
  const zeros = Buffer.alloc(200 << 20);
  const bombA = obj('blob', zeros);
  const bombB = obj('blob', Buffer.concat([zeros.subarray(1), Buffer.from([1])]));
  const liarRaw = Buffer.concat([Buffer.from('blob 10\0'), zeros]);
  const liar = obj('blob', Buffer.alloc(0), { raw: liarRaw });
  const huge = obj('blob', Buffer.alloc(0), { raw: Buffer.concat([Buffer.from('blob 300000000\0'), zeros.subarray(0, 1000)]) });
  const blob = obj('blob', Buffer.from('not a commit'));
  const write = (files, refs = []) => ({ action: 'write', body: JSON.stringify({ files, refs }) });
  return [
    ['zlib bombs over the request budget', write([bombA.file, bombB.file])],
    ['object whose header lies about its size', write([liar.file])],
    ['object over the per-object limit', write([huge.file])],
    ['zlib stream without its checksum', write([obj('blob', Buffer.alloc(0), { raw: hello, data: ok.subarray(0, -4) }).file])],
    ['trailing bytes after the zlib stream', write([obj('blob', Buffer.alloc(0), { raw: hello, data: Buffer.concat([ok, Buffer.from('x')]) }).file])],
    ['non-canonical header', write([obj('blob', Buffer.alloc(0), { raw: Buffer.from('blob 05\0hello') }).file])],
    ['ref at a missing object', write([], [{ ref: 'refs/heads/evil', old: null, new: '1234567890'.repeat(4) }])],
    ['ref at a blob', write([blob.file], [{ ref: 'refs/heads/evil', old: null, new: blob.oid }])],
    ['ref name with a newline', write([], [{ ref: 'refs/heads/x\n', old: null, new: blob.oid }])],
    ['ref name ending with a dot', write([], [{ ref: 'refs/heads/x.', old: null, new: blob.oid }])],
    ['deeply nested JSON', { action: 'read', body: '['.repeat(200000) + ']'.repeat(200000) }],
    ['not JSON', { action: 'write', body: '{"files": [' }],
    ['id with a newline', { action: 'init', body: '{}', id: 'abc%0A' }],
    ['overlong path component', { action: 'read', body: JSON.stringify({ files: ['refs/' + 'a'.repeat(4000)] }) }],
    ['400 MiB declared body', { raw: true }]
  ];
}

const hostile = { sent: 0, bad: 0, badKinds: new Map() };

function declaredHugeBody() {
  return new Promise(resolve => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(
        `POST /retrace/api/repos/${REPO}/write HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: token ${TOKEN}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${400 << 20}\r\n\r\n`
      );
    });
    let head = '';
    sock.on('data', d => {
      head += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d+)/.exec(head);
      if (m) {
        sock.destroy();
        resolve(Number(m[1]));
      }
    });
    sock.on('error', () => resolve(null));
    sock.setTimeout(20000, () => {
      sock.destroy();
      resolve(0);
    });
  });
}

async function attacker(cases) {
  let i = 0;
  while (!stopping) {
    const [name, c] = cases[i++ % cases.length];
    let status = null;
    try {
      if (c.raw) {
        status = await declaredHugeBody();
      } else {
        const r = await request(`${base}retrace/api/repos/${c.id ?? REPO}/${c.action}`, {
          method: 'POST',
          body: c.body,
          headers: { 'Content-Type': 'application/json' }
        });
        status = r.status;
        await r.arrayBuffer();
      }
    } catch {
      status = null; // the server was being killed: not an answer
    }
    if (status !== null) {
      hostile.sent++;
      if (!(status >= 400 && status < 500)) {
        hostile.bad++;
        hostile.badKinds.set(`${name} -> ${status}`, (hostile.badKinds.get(`${name} -> ${status}`) ?? 0) + 1);
      }
    }
    await sleep(150);
  }
}

// ---- status pings and kills -----------------------------------------------------------------

const pings = { answered: 0, worst: 0, worstSettled: 0 };
// When the server last came back: a status sent in the first seconds after that meets a
// cold server (lazy imports) and 20 writers catching up; printed apart, for context.
let backAt = 0;

async function pinger() {
  while (!stopping) {
    const t0 = performance.now();
    try {
      const r = await request(`${base}retrace/api/repos/${REPO}`);
      await r.text();
      const dt = performance.now() - t0;
      pings.answered++;
      pings.worst = Math.max(pings.worst, dt);
      if (t0 - backAt > 3000) {
        pings.worstSettled = Math.max(pings.worstSettled, dt);
      }
    } catch {
      // killed meanwhile: the restart time covers that
    }
    await sleep(50);
  }
}

const restarts = [];

async function killer() {
  const t0 = Date.now();
  for (let k = 1; ; k++) {
    const due = t0 + k * KILL_EVERY * 1000;
    if (due >= t0 + SECONDS * 1000) {
      return;
    }
    await sleep(due - Date.now());
    const killed = Date.now();
    const dying = server;
    const exited = new Promise(r => dying.once('exit', r));
    dying.kill('SIGKILL');
    await exited;
    startServer();
    await waitUp();
    restarts.push((Date.now() - killed) / 1000);
    backAt = performance.now();
  }
}

// ---- after ----------------------------------------------------------------------------------

function git(gitdir, ...args) {
  return execFileSync('git', ['--git-dir', gitdir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
}

function verify() {
  const histories = path.join(root, 'nb', '.retrace');
  let fsckFailures = 0;
  for (const name of fs.readdirSync(histories)) {
    if (!name.endsWith('.git')) {
      continue;
    }
    try {
      execFileSync('git', ['--git-dir', path.join(histories, name), 'fsck', '--full', '--strict'], { stdio: 'pipe' });
    } catch (e) {
      fsckFailures++;
      console.error(`fsck ${name}: ${String(e.stderr).slice(0, 2000)}`);
    }
  }
  const gitdir = path.join(histories, `${REPO}.git`);
  const subjects = git(gitdir, 'log', '--all', '--format=%s').split('\n');
  const seen = new Map();
  for (const s of subjects) {
    const m = /run_id = "(w\d+-\d+)"/.exec(s);
    if (m) {
      seen.set(m[1], (seen.get(m[1]) ?? 0) + 1);
    }
  }
  const lost = [...ackedRuns].filter(id => !seen.has(id));
  const dup = [...seen.values()].filter(n => n > 1).length;
  const commits = Number(git(gitdir, 'rev-list', '--all', '--count').trim());
  return { fsckFailures, lost, dup, commits, distinct: seen.size };
}

async function main() {
  if (!fs.existsSync(JUPYTER)) {
    throw new Error(`${JUPYTER} not found: run \`bash scripts/setup.sh\``);
  }
  port = await freePort();
  base = `http://127.0.0.1:${port}/`;
  fs.mkdirSync(path.join(root, 'nb'));
  startServer();
  await waitUp();
  await new HistoryStore({ backend: new RemoteBackend({ baseUrl: base, repoId: REPO, request }) }).init();
  const cases = hostileCases();
  console.log(
    `chaos: ${WRITERS} writers on one history for ${SECONDS} s, SIGKILL every ${KILL_EVERY} s, ` +
      `${cases.length} kinds of hostile request; server log ${logFile}`
  );
  const t0 = Date.now();
  const background = [pinger(), attacker(cases)];
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
  await killer();
  await sleep(Math.max(0, t0 + SECONDS * 1000 - Date.now()));
  stopping = true;
  await Promise.all(background);
  // Writers finish the run they hold (the server is up), then stop.
  await Promise.race([Promise.all(writers), sleep(60000)]);
  const v = verify();
  const restart = restarts.length ? Math.max(...restarts) : 0;
  console.log(
    `writes: ${stats.acked} acked (${stats.ambiguousLanded} of them found in the history after a lost answer), ` +
      `${stats.conflicts} conflicts retried, ${stats.ioErrors} network errors during kills, ${stats.otherErrors} other errors`
  );
  console.log(`history: ${v.commits} commits, ${v.distinct} distinct runs reachable`);
  console.log(`hostile requests answered: ${hostile.sent}, not a 4xx: ${hostile.bad}`);
  for (const [k, n] of hostile.badKinds) {
    console.log(`  bad answer: ${k} (${n}x)`);
  }
  console.log(
    `status requests answered: ${pings.answered}, longest wait ${Math.round(pings.worst)} ms ` +
      `(${Math.round(pings.worstSettled)} ms leaving out the first 3 s after each restart); ` +
      `restarts: ${restarts.map(r => r.toFixed(2)).join(', ')} s`
  );
  if (v.lost.length) {
    console.log(`lost: ${v.lost.slice(0, 20).join(', ')}`);
  }
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
  }
  if (!v.fsckFailures && !v.lost.length && !process.argv.includes('--keep')) {
    fs.rmSync(root, { recursive: true, force: true });
  }
  console.log(
    `chaos acked ${stats.acked} lost ${v.lost.length} dup ${v.dup} fsck ${v.fsckFailures} ` +
      `stall ${Math.round(pings.worst)} ms restart ${restart.toFixed(1)} s`
  );
  process.exit(0);
}

main().catch(e => {
  console.error(e);
  if (server && server.exitCode === null) {
    server.kill('SIGKILL');
  }
  process.exit(1);
});
