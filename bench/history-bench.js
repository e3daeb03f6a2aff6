/**
 * History engine benchmark (CommonJS; run `npm run build:node` first).
 *
 * Everything runs against real directories through Node's fs (LocalBackend,
 * objects written as temp file + rename, like the server does), with the
 * engine's browser codec (pure-JS SHA-1, pako deflate). Measures:
 *
 *  - commit of a one-cell change (new source, output and execution count, one run)
 *    on 50-, 500- and 2000-cell notebooks, median of N commits, against
 *      floor: SHA-1 (Node crypto) + zlib deflate + write of exactly the objects the
 *             engine wrote for that change, nothing else;
 *      git:   the git command line committing the same change in a work tree with
 *             the same per-cell file layout: `git add -A` then `git commit` (2 processes);
 *    and the engine on an in-memory fs (its own work: diff, encode, hash, deflate, batch).
 *    The engine's disk time includes what the floor leaves out by definition: objects
 *    written as temp file + rename, and the compare-and-swap ref update (lock + rename).
 *    Phases run one after another (engine, in-memory engine, floor, git) so no phase
 *    pays for another's dirty pages;
 *  - repository growth per commit over 1,000 such commits on the 500-cell notebook
 *    (bytes of new files in the repository folder; `du` block usage and the size after
 *    `git gc` are printed too);
 *  - opening the history of a 10,000-run notebook from a cold store (list attempts +
 *    run index of the current attempt);
 *  - restoring a ~1 MB snapshot from a cold store (decode into notebook JSON);
 *  - a long history through the real server: 100,000 runs (10,000 commits of 10 runs on the
 *    50-cell notebook, the changes above), built by the real store in memory and written out
 *    into the history folder of a Jupyter server started from .venv, once as loose objects and
 *    once packed as `git gc` packs (see dumpPacked); then opened cold through RemoteBackend
 *    (HEAD, attempts, run index), loose and packed alternately; and a commit at 100,000 runs
 *    against one at 1,000 runs, alternately (the commit and the refresh after it, as the
 *    panel does them);
 *  - the hand-written git encoder against isomorphic-git's writeBlob/writeTree/writeCommit for
 *    the objects of the same commit.
 *
 * Times are the best of N runs (medians printed too): on a shared 2-core machine the
 * median mostly measures other processes; the minimum is the reproducible figure.
 *
 * Usage: node bench/history-bench.js [--quick] [--long-only]
 */
'use strict';

const { execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');

const build = path.join(__dirname, '..', 'build', 'node', 'history');
const { LocalBackend } = require(path.join(build, 'backend.js'));
const { HistoryStore } = require(path.join(build, 'store.js'));
const { createFsFromVolume, Volume } = require('memfs');
const { RemoteBackend } = require(path.join(build, 'remote.js'));
const { RefConflictError } = require(path.join(build, 'backend.js'));

const QUICK = process.argv.includes('--quick');
const COMMITS = QUICK ? 8 : 25;
const GROWTH_COMMITS = QUICK ? 100 : 1000;
const OPEN_RUNS = 10000;
const LONG_COMMITS = QUICK ? 1000 : 10000;

const hasGit = (() => {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function min(xs) {
  return Math.min(...xs);
}

function ms(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A notebook of n code cells, ~2.4 KB per cell (an image output every 10th cell). */
function notebook(n) {
  const cells = [];
  for (let i = 0; i < n; i++) {
    const outputs = [
      { name: 'stdout', output_type: 'stream', text: Array.from({ length: 12 }, (_, k) => `row ${i}.${k}: ${(i * 31 + k) % 97} ${'x'.repeat(40)}\n`) }
    ];
    if (i % 10 === 0) {
      outputs.push({
        output_type: 'display_data',
        data: { 'image/png': crypto.randomBytes(9000).toString('base64'), 'text/plain': ['<Figure size 640x480>'] },
        metadata: {}
      });
    }
    cells.push({
      cell_type: 'code',
      execution_count: i + 1,
      id: crypto.randomUUID(),
      metadata: {},
      outputs,
      source: Array.from({ length: 8 }, (_, k) => `value_${i}_${k} = compute(${i}, ${k})  # step ${k}\n`)
    });
  }
  return { cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } }, nbformat: 4, nbformat_minor: 5 };
}

/** Change one cell as a run would: new source, count and output. Returns the run record. */
function change(nb, step) {
  const i = (step * 7919) % nb.cells.length;
  const cell = nb.cells[i];
  const count = 100000 + step;
  cell.source = [`model_${step} = fit(X, y, alpha=${step / 1000})\n`, `score(model_${step})`];
  cell.execution_count = count;
  cell.outputs = [{ name: 'stdout', output_type: 'stream', text: [`score ${step}: ${(step * 0.37) % 1}\n`] }];
  return { cellId: cell.id, code: cell.source.join(''), executionCount: count, status: 'ok', kernelSession: 'bench', start: new Date(Date.UTC(2024, 0, 1) + step * 1000).toISOString() };
}

/** Records each batch so the floor can replay exactly the same objects. */
class RecordingBackend extends LocalBackend {
  async write(batch) {
    this.last = batch;
    return super.write(batch);
  }
}

function tmpdir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `retrace-bench-${name}-`));
}

function folderBytes(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(p) : fs.statSync(p).size;
  }
  return total;
}

function duKiB(dir) {
  return Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]);
}

/** Floor: hash + deflate + write of the given raw objects into a fresh object folder. */
function floorWrite(raws, dir) {
  const start = process.hrtime.bigint();
  for (const raw of raws) {
    const oid = crypto.createHash('sha1').update(raw).digest('hex');
    const deflated = zlib.deflateSync(raw, { level: 1 });
    const folder = path.join(dir, oid.slice(0, 2));
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, oid.slice(2)), deflated);
  }
  return ms(start);
}

async function benchCommit(cells) {
  const root = tmpdir(`commit${cells}`);
  const gitdir = path.join(root, 'nb.git');
  const backend = new RecordingBackend(fs, gitdir);
  const store = new HistoryStore({ backend });
  await store.init();
  const nb = notebook(cells);
  await store.commitSnapshot(JSON.parse(JSON.stringify(nb)), []);
  // Warm-up commits (JIT), not measured.
  for (let s = 0; s < 3; s++) {
    const r = change(nb, s);
    await store.commitSnapshot(JSON.parse(JSON.stringify(nb)), [r]);
  }
  const prevStart = store.head;
  // Phase 1: the engine alone (other phases dirty the disk and would slow its ref rename).
  const engine = [];
  const recorded = [];
  for (let s = 3; s < 3 + COMMITS; s++) {
    const r = change(nb, s);
    const input = JSON.parse(JSON.stringify(nb)); // a fresh notebook JSON, as the capture layer hands over
    const t0 = process.hrtime.bigint();
    const commit = await store.commitSnapshot(input, [r]);
    engine.push(ms(t0));
    recorded.push({ commit, files: backend.last.files, count: r.executionCount });
  }
  // The engine's own work without any disk: same changes on an in-memory repository.
  const memStore = new HistoryStore({ backend: new LocalBackend(createFsFromVolume(new Volume()), '/h/nb.git') });
  await memStore.init();
  const memNb = JSON.parse(JSON.stringify(nb));
  await memStore.commitSnapshot(JSON.parse(JSON.stringify(memNb)), []);
  const cpu = [];
  for (let s = 1000; s < 1000 + COMMITS + 3; s++) {
    const r = change(memNb, s);
    const input = JSON.parse(JSON.stringify(memNb));
    const t0 = process.hrtime.bigint();
    await memStore.commitSnapshot(input, [r]);
    if (s >= 1003) {
      cpu.push(ms(t0));
    }
  }
  // Phase 2: the floor, on exactly the objects the engine wrote.
  const floor = recorded.map((rec, i) => floorWrite(rec.files.map(f => zlib.inflateSync(f.data)), path.join(root, `floor-${i}`)));
  // Phase 3: git committing the same file changes.
  const gitTimes = [];
  if (hasGit) {
    const worktree = path.join(root, 'wt');
    execFileSync('git', ['clone', '--quiet', '--branch', 'main', gitdir, worktree]);
    execFileSync('git', ['-C', worktree, 'checkout', '--quiet', '--detach', prevStart]);
    execFileSync('git', ['-C', worktree, 'config', 'user.email', 'bench@example.invalid']);
    execFileSync('git', ['-C', worktree, 'config', 'user.name', 'bench']);
    let prev = prevStart;
    for (const rec of recorded) {
      const changed = execFileSync('git', ['--git-dir', gitdir, 'diff', '--name-status', '--no-renames', prev, rec.commit], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map(line => line.split('\t'));
      for (const [status, p] of changed) {
        const target = path.join(worktree, p);
        if (status === 'D') {
          fs.rmSync(target);
          continue;
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, execFileSync('git', ['--git-dir', gitdir, 'show', `${rec.commit}:${p}`]));
      }
      const t1 = process.hrtime.bigint();
      execFileSync('git', ['-C', worktree, 'add', '-A']);
      execFileSync('git', ['-C', worktree, 'commit', '-q', '-m', `run [${rec.count}]`]);
      gitTimes.push(ms(t1));
      prev = rec.commit;
    }
  }
  const objects = recorded.map(r => r.files.length);
  fs.rmSync(root, { recursive: true, force: true });
  return {
    cells,
    engine: min(engine),
    floor: min(floor),
    git: gitTimes.length ? min(gitTimes) : NaN,
    cpu: min(cpu),
    medians: { engine: median(engine), floor: median(floor), git: gitTimes.length ? median(gitTimes) : NaN, cpu: median(cpu) },
    objects: median(objects)
  };
}

async function benchGrowth() {
  const root = tmpdir('growth');
  const gitdir = path.join(root, 'nb.git');
  const store = new HistoryStore({ backend: new LocalBackend(fs, gitdir) });
  await store.init();
  const nb = notebook(500);
  await store.commitSnapshot(nb, []);
  const bytes0 = folderBytes(gitdir);
  const initialSnapshot = bytes0;
  const du0 = duKiB(gitdir);
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < GROWTH_COMMITS; s++) {
    const r = change(nb, s);
    await store.commitSnapshot(nb, [r]);
  }
  const elapsed = ms(t0);
  const perCommit = (folderBytes(gitdir) - bytes0) / GROWTH_COMMITS / 1024;
  const duPerCommit = (duKiB(gitdir) - du0) / GROWTH_COMMITS;
  let packedPerCommit = NaN;
  if (hasGit) {
    const before = duKiB(gitdir);
    execFileSync('git', ['--git-dir', gitdir, 'gc', '--quiet']);
    const packed = folderBytes(path.join(gitdir, 'objects', 'pack')) / 1024;
    // Minus the first snapshot (random image data, stored once), approximated by its loose size.
    packedPerCommit = Math.max(0, packed - initialSnapshot / 1024) / GROWTH_COMMITS;
    void before;
  }
  fs.rmSync(root, { recursive: true, force: true });
  return { perCommit, duPerCommit, packedPerCommit, msPerCommit: elapsed / GROWTH_COMMITS };
}

async function benchOpen() {
  const root = tmpdir('open');
  const gitdir = path.join(root, 'nb.git');
  const writer = new HistoryStore({ backend: new LocalBackend(fs, gitdir) });
  await writer.init();
  const nb = notebook(50);
  await writer.commitSnapshot(nb, []);
  // 10,000 runs in 1,000 commits of 10 (Run All style batches), on two attempts.
  let step = 0;
  for (let c = 0; c < OPEN_RUNS / 10; c++) {
    if (c === 500) {
      await writer.newAttempt('Second attempt', 'half-way');
    }
    const runs = [];
    for (let k = 0; k < 10; k++) {
      runs.push(change(nb, step++));
    }
    await writer.commitSnapshot(nb, runs);
  }
  const times = [];
  let count = 0;
  let attempts = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    const store = new HistoryStore({ backend: new LocalBackend(fs, gitdir) });
    await store.init();
    attempts = (await store.listAttempts()).length;
    count = (await store.runIndex()).length;
    times.push(ms(t0));
  }
  fs.rmSync(root, { recursive: true, force: true });
  return { ms: min(times), median: median(times), runs: count, attempts };
}

async function benchRestore() {
  const root = tmpdir('restore');
  const gitdir = path.join(root, 'nb.git');
  const writer = new HistoryStore({ backend: new LocalBackend(fs, gitdir) });
  await writer.init();
  const nb = notebook(440);
  const size = Buffer.byteLength(JSON.stringify(nb, null, 1));
  const commit = await writer.commitSnapshot(nb, []);
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    const store = new HistoryStore({ backend: new LocalBackend(fs, gitdir) });
    await store.init();
    const snap = await store.restore(commit);
    times.push(ms(t0));
    if (snap.notebook.cells.length !== nb.cells.length) {
      throw new Error('restore lost cells');
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
  return { ms: min(times), median: median(times), bytes: size };
}

// ---- one git implementation, chosen by measure -------------------------------------------------

/**
 * The objects of one one-cell commit on the 500-cell notebook (as the store writes them), encoded
 * again two ways: by the hand-written encoder the store uses (gitobject.ts: tree and commit
 * bytes, SHA-1 from sha.js, pako deflate), and by isomorphic-git's writeBlob/writeTree/writeCommit
 * into an in-memory fs (memfs) whose new files are then gathered as the one write request. Both
 * must give the same ids. Best of N, each over the whole object set.
 */
async function benchEncoders() {
  const git = require('isomorphic-git');
  const go = require(path.join(build, 'gitobject.js'));
  const backend = new RecordingBackend(createFsFromVolume(new Volume()), '/h/nb.git');
  const store = new HistoryStore({ backend });
  await store.init();
  const nb = notebook(500);
  await store.commitSnapshot(JSON.parse(JSON.stringify(nb)), []);
  for (let step = 1; step <= 4; step++) {
    const run = change(nb, step);
    await store.commitSnapshot(JSON.parse(JSON.stringify(nb)), [run]);
  }
  // Parsed back into what the store hands to the encoder: blob bytes, tree entries, commit fields.
  const objects = backend.last.files.map(f => {
    const { type, content } = go.unwrapObject(zlib.inflateSync(f.data));
    const oid = f.path.slice(8, 10) + f.path.slice(11);
    if (type === 'tree') {
      return { oid, type, entries: go.decodeTree(content) };
    }
    if (type === 'commit') {
      return { oid, type, commit: go.decodeCommit(content) };
    }
    return { oid, type, content: new Uint8Array(content) };
  });
  const hand = () => {
    const files = [];
    for (const o of objects) {
      const content = o.type === 'tree' ? go.encodeTree(o.entries) : o.type === 'commit' ? go.encodeCommit(o.commit) : o.content;
      const wrapped = go.wrapObject(o.type, content);
      const oid = go.defaultCodec.sha1(wrapped);
      files.push({ path: go.objectPath(oid), data: go.defaultCodec.deflate(wrapped) });
      if (oid !== o.oid) {
        throw new Error(`hand-written encoder: ${oid} for ${o.oid}`);
      }
    }
    return files;
  };
  const person = p => ({ name: p.name, email: p.email, timestamp: p.timestamp, timezoneOffset: -p.tzOffsetMinutes || 0 });
  const iso = async () => {
    const fsys = createFsFromVolume(new Volume());
    const gitdir = '/h/nb.git';
    await git.init({ fs: fsys, gitdir, bare: true });
    for (const o of objects) {
      let oid;
      if (o.type === 'blob') {
        oid = await git.writeBlob({ fs: fsys, gitdir, blob: o.content });
      } else if (o.type === 'tree') {
        const tree = o.entries.map(e => ({ mode: e.mode === go.MODE_TREE ? '040000' : e.mode, path: e.name, oid: e.oid, type: e.mode === go.MODE_TREE ? 'tree' : 'blob' }));
        oid = await git.writeTree({ fs: fsys, gitdir, tree });
      } else {
        const c = o.commit;
        oid = await git.writeCommit({ fs: fsys, gitdir, commit: { message: c.message, tree: c.tree, parent: c.parents, author: person(c.author), committer: person(c.committer) } });
      }
      if (oid !== o.oid) {
        throw new Error(`isomorphic-git: ${oid} for ${o.oid} (${o.type})`);
      }
    }
    // The write request's files: every loose object isomorphic-git wrote.
    const files = [];
    for (const dir of fsys.readdirSync(`${gitdir}/objects`)) {
      if (/^[0-9a-f]{2}$/.test(dir)) {
        for (const name of fsys.readdirSync(`${gitdir}/objects/${dir}`)) {
          files.push({ path: `objects/${dir}/${name}`, data: fsys.readFileSync(`${gitdir}/objects/${dir}/${name}`) });
        }
      }
    }
    if (files.length !== new Set(objects.map(o => o.oid)).size) {
      throw new Error(`isomorphic-git wrote ${files.length} objects, expected ${objects.length}`);
    }
    return files;
  };
  const handTimes = [];
  const isoTimes = [];
  for (let i = 0; i < (QUICK ? 10 : 30); i++) {
    let t0 = process.hrtime.bigint();
    hand();
    handTimes.push(ms(t0));
    t0 = process.hrtime.bigint();
    await iso();
    isoTimes.push(ms(t0));
  }
  return { objects: objects.length, hand: min(handTimes), iso: min(isoTimes), medians: { hand: median(handTimes), iso: median(isoTimes) } };
}

// ---- a long history through the real server --------------------------------------------------

/** The writer's codec for building the long history fast (Node's own SHA-1 and zlib, same bytes). */
const nodeCodec = {
  sha1: d => crypto.createHash('sha1').update(d).digest('hex'),
  deflate: d => zlib.deflateSync(d, { level: 1 }),
  inflate: d => zlib.inflateSync(d)
};

/** A repository's files in a Map: the real store writes into it, then it goes to disk in one pass. */
class MapBackend {
  constructor() {
    this.files = new Map();
    // Refs apart from the objects: reading them after each write must not walk 750,000 objects.
    this.refs = new Map();
    this.fs = null;
    this.gitdir = '/map';
  }
  async init(branch) {
    if (!this.refs.has('HEAD')) {
      this.refs.set('HEAD', `ref: refs/heads/${branch}`);
      return { created: true };
    }
    return { created: false };
  }
  async readFiles(paths) {
    return paths.map(p => this.files.get(p) ?? null);
  }
  async listDir() {
    return null;
  }
  async readRefs() {
    return Object.fromEntries(this.refs);
  }
  async write(batch) {
    for (const r of batch.refs) {
      const cur = this.refs.get(r.ref) ?? null;
      if (cur !== r.old) {
        throw new RefConflictError({ [r.ref]: cur });
      }
    }
    for (const f of batch.files) {
      // A copy: zlib's small outputs are views of 16 KiB buffers, 700,000 of which do not fit.
      this.files.set(f.path, Buffer.from(f.data));
    }
    for (const r of batch.refs) {
      this.refs.set(r.ref, r.new);
    }
    return { tips: await this.readRefs() };
  }
  /** Write the repository as git lays it out, every object loose. */
  dump(gitdir) {
    for (const d of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags']) {
      fs.mkdirSync(path.join(gitdir, d), { recursive: true });
    }
    fs.writeFileSync(path.join(gitdir, 'config'), '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n');
    for (const [ref, value] of this.refs) {
      fs.mkdirSync(path.dirname(path.join(gitdir, ref)), { recursive: true });
      fs.writeFileSync(path.join(gitdir, ref), value + '\n');
    }
    const made = new Set();
    for (const [p, data] of this.files) {
      const full = path.join(gitdir, p);
      const dir = path.dirname(full);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      fs.writeFileSync(full, data);
    }
  }
}

/**
 * Write the repository packed: every object of the Map in one pack (no deltas), indexed by
 * `git index-pack`, then deltas found as `git gc` finds them (`git repack -a -d -f`, same
 * window and depth) and `git gc` itself. Packing 750,000 loose files instead costs minutes
 * of disk time (git reads and then deletes every file), none of which changes the result.
 */
function dumpPacked(backend, gitdir) {
  const loose = new MapBackend();
  loose.refs = backend.refs;
  loose.dump(gitdir);
  const file = path.join(gitdir, 'bench.pack');
  const fd = fs.openSync(file, 'w');
  const hash = crypto.createHash('sha1');
  const put = buf => {
    hash.update(buf);
    fs.writeSync(fd, buf);
  };
  const head = Buffer.alloc(12);
  head.write('PACK', 0);
  head.writeUInt32BE(2, 4);
  let count = 0;
  for (const p of backend.files.keys()) {
    count += p.startsWith('objects/') ? 1 : 0;
  }
  head.writeUInt32BE(count, 8);
  put(head);
  const codes = { commit: 1, tree: 2, blob: 3, tag: 4 };
  for (const [p, data] of backend.files) {
    if (!p.startsWith('objects/')) {
      continue;
    }
    const raw = zlib.inflateSync(data);
    const nul = raw.indexOf(0);
    const [type, size] = raw.subarray(0, nul).toString().split(' ');
    let n = Number(size);
    const bytes = [(codes[type] << 4) | (n & 15)];
    n >>>= 4;
    while (n > 0) {
      bytes[bytes.length - 1] |= 0x80;
      bytes.push(n & 0x7f);
      n >>>= 7;
    }
    put(Buffer.from(bytes));
    put(zlib.deflateSync(raw.subarray(nul + 1), { level: 1 }));
  }
  fs.writeSync(fd, hash.digest());
  fs.closeSync(fd);
  const input = fs.openSync(file, 'r');
  try {
    execFileSync('git', ['--git-dir', gitdir, 'index-pack', '--stdin'], { stdio: [input, 'ignore', 'inherit'] });
  } finally {
    fs.closeSync(input);
    fs.rmSync(file);
  }
  execFileSync('git', ['--git-dir', gitdir, 'repack', '-a', '-d', '-f', '-q']);
  execFileSync('git', ['--git-dir', gitdir, 'gc', '--quiet']);
}

/** A history of `commits` commits of 10 runs on the 50-cell notebook (two attempts), built by the store. */
async function buildLongHistory(commits) {
  const backend = new MapBackend();
  const writer = new HistoryStore({ backend, codec: nodeCodec });
  await writer.init();
  const nb = notebook(50);
  await writer.commitSnapshot(nb, []);
  let step = 0;
  for (let c = 0; c < commits; c++) {
    if (c === Math.floor(commits / 2)) {
      await writer.newAttempt('Second attempt', 'half-way');
    }
    const runs = [];
    for (let k = 0; k < 10; k++) {
      runs.push(change(nb, step++));
    }
    await writer.commitSnapshot(nb, runs);
  }
  return { backend, nb, step, attempt: writer.currentAttempt };
}

const TOKEN = 'retrace-bench-token';

/** A real Jupyter server with Retrace, from the project's .venv (a missing .venv is a failure). */
async function startServer() {
  const jupyter = path.join(__dirname, '..', '.venv', 'bin', 'jupyter');
  if (!fs.existsSync(jupyter)) {
    throw new Error(`${jupyter} not found: run \`bash scripts/setup.sh\` first`);
  }
  const root = tmpdir('server');
  const port = await new Promise((resolve, reject) => {
    const srv = require('net').createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
    srv.on('error', reject);
  });
  const baseUrl = `http://127.0.0.1:${port}/`;
  const child = require('child_process').spawn(
    jupyter,
    ['server', '--no-browser', `--ServerApp.port=${port}`, '--ServerApp.ip=127.0.0.1', `--ServerApp.root_dir=${root}`,
      `--IdentityProvider.token=${TOKEN}`, '--ServerApp.allow_root=True', '--Retrace.git_gc=False'],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  );
  let log = '';
  child.stderr.on('data', d => (log = (log + d).slice(-20000)));
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) {
      // A bench waiting on a server that is gone would wait for ever: say so and stop.
      process.stderr.write(`Jupyter server exited (code ${code}, signal ${signal}); its last log:\n${log.slice(-3000)}\n`);
      process.exit(1);
    }
  });
  // Never leave the server behind, whatever ends the bench.
  const reap = () => child.exitCode === null && child.kill('SIGTERM');
  process.once('exit', reap);
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  const request = (url, init = {}) => fetch(url, { ...init, headers: { ...(init.headers || {}), Authorization: `token ${TOKEN}` } });
  for (let i = 0; ; i++) {
    try {
      if ((await request(`${baseUrl}retrace/api/status`)).ok) {
        break;
      }
    } catch {
      // Not listening yet.
    }
    if (i > 600) {
      throw new Error(`Jupyter server did not start:\n${log}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
  return {
    root,
    baseUrl,
    request,
    gitdir: id => path.join(root, '.retrace', `${id}.git`),
    async stop() {
      stopping = true;
      const exited = new Promise(r => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise(r => setTimeout(r, 5000))]);
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
}

/** Cold open through the server: a new store reads HEAD, the attempts and the run index. */
async function openThrough(server, repoId) {
  const t0 = process.hrtime.bigint();
  const store = new HistoryStore({ backend: new RemoteBackend({ baseUrl: server.baseUrl, repoId, request: server.request }) });
  await store.init();
  const attempts = await store.listAttempts({ cached: true });
  const index = await store.runIndex(undefined, { cached: true });
  return { ms: ms(t0), store, attempts: attempts.length, runs: index.length };
}

/** Commits of 10 runs on an opened history, each with the refresh after it; best of n after one warm-up. */
async function commitsThrough(store, nb, step, n) {
  const times = [];
  let last = NaN;
  for (let i = 0; i <= n; i++) {
    const runs = [];
    for (let k = 0; k < 10; k++) {
      runs.push(change(nb, step++));
    }
    const input = JSON.parse(JSON.stringify(nb));
    const t0 = process.hrtime.bigint();
    await store.commitSnapshot(input, runs);
    await store.listAttempts({ cached: true });
    await store.runIndex(undefined, { cached: true });
    last = ms(t0);
    if (i > 0) {
      times.push(last);
    }
  }
  return { ms: min(times), median: median(times), last };
}

/** Commits of 10 runs alternately on two opened histories (both see the same load); best of n each. */
async function commitsAlternating(a, b, n) {
  const ta = [];
  const tb = [];
  for (let i = 0; i <= n; i++) {
    const x = await commitsThrough(a.store, a.nb, a.step, 0);
    a.step += 20;
    const y = await commitsThrough(b.store, b.nb, b.step, 0);
    b.step += 20;
    if (i > 0) {
      ta.push(x.last);
      tb.push(y.last);
    }
  }
  return [
    { ms: min(ta), median: median(ta) },
    { ms: min(tb), median: median(tb) }
  ];
}

async function benchLong() {
  const server = await startServer();
  try {
    const t0 = process.hrtime.bigint();
    const long = await buildLongHistory(LONG_COMMITS);
    const buildMs = ms(t0);
    process.stderr.write(`long history built: ${LONG_COMMITS} commits in ${(buildMs / 1000).toFixed(1)} s\n`);
    const objects = [...long.backend.files.keys()].filter(k => k.startsWith('objects/')).length;
    const t2 = process.hrtime.bigint();
    dumpPacked(long.backend, server.gitdir('nb-packed'));
    const gcMs = ms(t2);
    process.stderr.write(`written packed (index-pack, repack -adf, gc): ${(gcMs / 1000).toFixed(1)} s\n`);
    const t1 = process.hrtime.bigint();
    long.backend.dump(server.gitdir('nb-long'));
    long.backend.files.clear();
    const dumpMs = ms(t1);
    process.stderr.write(`written loose: ${objects} objects in ${(dumpMs / 1000).toFixed(1)} s\n`);
    const packedBytes = folderBytes(path.join(server.gitdir('nb-packed'), 'objects'));
    // Opens alternate between the two, so both see the same load.
    const loose = [];
    const packed = [];
    let opened;
    for (let i = 0; i < 5; i++) {
      loose.push((await openThrough(server, 'nb-long')).ms);
      opened = await openThrough(server, 'nb-packed');
      packed.push(opened.ms);
    }
    // The same commit at 1,000 runs, through the same server, alternating with the one at 100,000.
    const short = await buildLongHistory(100);
    short.backend.dump(server.gitdir('nb-short'));
    const shortOpen = await openThrough(server, 'nb-short');
    const [commitLong, commitShort] = await commitsAlternating(
      { store: opened.store, nb: long.nb, step: long.step + 1000000 },
      { store: shortOpen.store, nb: short.nb, step: short.step + 1000000 },
      QUICK ? 4 : 8
    );
    return {
      runs: opened.runs,
      attempts: opened.attempts,
      objects,
      buildMs,
      dumpMs,
      gcMs,
      packedBytes,
      loose: { ms: min(loose), median: median(loose) },
      packed: { ms: min(packed), median: median(packed) },
      commitLong,
      commitShort,
      shortRuns: shortOpen.runs
    };
  } finally {
    await server.stop();
  }
}

async function main() {
  if (process.argv.includes('--long-only')) {
    // Just the long history (for working on the open path).
    const long = await benchLong();
    console.log(JSON.stringify(long));
    return;
  }
  const commits = [];
  for (const n of [50, 500, 2000]) {
    const r = await benchCommit(n);
    commits.push(r);
    console.log(
      `commit ${String(n).padStart(4)} cells: ${r.engine.toFixed(2)} ms, floor ${r.floor.toFixed(2)} ms (${(r.engine / r.floor).toFixed(2)}×), ` +
        `git add+commit ${r.git.toFixed(1)} ms (${(r.engine / r.git).toFixed(2)}×), ${r.objects} objects; ` +
        `engine without disk (in-memory fs) ${r.cpu.toFixed(2)} ms (${(r.cpu / r.floor).toFixed(2)}× floor); best of ${COMMITS}, ` +
        `medians ${r.medians.engine.toFixed(2)} / ${r.medians.floor.toFixed(2)} / ${r.medians.git.toFixed(1)} / ${r.medians.cpu.toFixed(2)} ms`
    );
  }
  const enc = await benchEncoders();
  console.log(
    `encode one-cell commit (500 cells, ${enc.objects} objects): hand-written ${enc.hand.toFixed(2)} ms, ` +
      `isomorphic-git writeBlob/writeTree/writeCommit into memfs ${enc.iso.toFixed(2)} ms (${(enc.iso / enc.hand).toFixed(1)}× the hand-written); ` +
      `best of ${QUICK ? 10 : 30}, medians ${enc.medians.hand.toFixed(2)} / ${enc.medians.iso.toFixed(2)} ms`
  );
  const growth = await benchGrowth();
  console.log(
    `growth over ${GROWTH_COMMITS} commits, 500 cells: ${growth.perCommit.toFixed(2)} KiB/commit of new files ` +
      `(du blocks ${growth.duPerCommit.toFixed(1)} KiB/commit; after git gc ${growth.packedPerCommit.toFixed(2)} KiB/commit; ` +
      `${growth.msPerCommit.toFixed(1)} ms/commit)`
  );
  const open = await benchOpen();
  console.log(`open history: ${open.runs} runs, ${open.attempts} attempts in ${open.ms.toFixed(1)} ms (cold store, best of 5; median ${open.median.toFixed(1)} ms)`);
  const restore = await benchRestore();
  console.log(`restore: ${(restore.bytes / 1024 / 1024).toFixed(2)} MB snapshot in ${restore.ms.toFixed(1)} ms (cold store, best of 5; median ${restore.median.toFixed(1)} ms)`);
  const long = await benchLong();
  console.log(
    `long history through the server: ${long.runs} runs on the current attempt, ${long.attempts} attempts, ${long.objects} objects ` +
      `(built by the store in ${(long.buildMs / 1000).toFixed(1)} s, written loose in ${(long.dumpMs / 1000).toFixed(1)} s; packed as git gc packs in ${(long.gcMs / 1000).toFixed(1)} s, ` +
      `${(long.packedBytes / 1024 / 1024).toFixed(1)} MiB packed); open best of 5, medians ${long.loose.median.toFixed(1)} / ${long.packed.median.toFixed(1)} ms; ` +
      `commit of 10 runs + refresh (alternating, best of ${QUICK ? 4 : 8}): ${long.commitLong.ms.toFixed(1)} ms at ${long.runs} runs vs ${long.commitShort.ms.toFixed(1)} ms at ${long.shortRuns} runs ` +
      `(${(long.commitLong.ms / long.commitShort.ms).toFixed(2)}×; medians ${long.commitLong.median.toFixed(1)} / ${long.commitShort.median.toFixed(1)} ms)`
  );
  console.log(`open100k ${long.loose.ms.toFixed(0)} ms packed ${long.packed.ms.toFixed(0)} ms commit100k ${long.commitLong.ms.toFixed(0)} ms`);
  const c500 = commits.find(c => c.cells === 500);
  console.log(
    `commit500 ${c500.engine.toFixed(2)} ms (${(c500.engine / c500.floor).toFixed(2)}× floor, ${(c500.engine / c500.git).toFixed(2)}× git) ` +
      `growth500 ${growth.perCommit.toFixed(2)} KiB open10k ${open.ms.toFixed(1)} ms restore1mb ${restore.ms.toFixed(1)} ms`
  );
}

if (require.main === module) {
  main().catch(e => {
    console.error(e);
    process.exit(1);
  });
}

module.exports = { benchEncoders, buildLongHistory, dumpPacked, startServer, openThrough, commitsThrough, notebook, change, MapBackend };
