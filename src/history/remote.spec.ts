/// <reference types="node" />
/**
 * End to end: the engine in Node, through RemoteBackend, against a real Jupyter
 * server running Retrace's storage endpoint (from the project's .venv). Checks
 * one request per commit, compare-and-swap recovery between two clients,
 * isomorphic-git reading over the endpoint (packs included), and that the
 * result on the server's disk passes `git fsck`.
 */

import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

import git from 'isomorphic-git';

import { RepositoryError } from './backend';
import { RemoteBackend } from './remote';
import { HistoryStore } from './store';
import { fixtureNotebook } from './fixtures/notebooks.spec-util';
import { syntheticNotebook } from './testkit.spec-util';

const JUPYTER = path.join(process.cwd(), '.venv', 'bin', 'jupyter');
const TOKEN = 'retrace-e2e-token';
jest.setTimeout(90_000);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const request = (url: string, init: RequestInit) =>
  fetch(url, { ...init, headers: { ...(init.headers as any), Authorization: `token ${TOKEN}` } });

/** A real Jupyter server with Retrace in a fresh root; `extra` are more command-line settings. */
class TestServer {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'retrace-e2e-'));
  baseUrl = '';
  private server: ChildProcess | null = null;
  private log = '';

  async start(extra: string[] = []): Promise<void> {
    // A missing .venv is a failure, not a skip: `bash scripts/setup.sh` makes it.
    if (!fs.existsSync(JUPYTER)) {
      throw new Error(`${JUPYTER} not found: run \`bash scripts/setup.sh\` first`);
    }
    const port = await freePort();
    this.baseUrl = `http://127.0.0.1:${port}/`;
    this.server = spawn(
      JUPYTER,
      [
        'server',
        '--no-browser',
        `--ServerApp.port=${port}`,
        '--ServerApp.ip=127.0.0.1',
        `--ServerApp.root_dir=${this.root}`,
        `--IdentityProvider.token=${TOKEN}`,
        '--ServerApp.allow_root=True',
        '--Retrace.git_gc=False',
        ...extra
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    this.server.stdout!.on('data', d => (this.log += d));
    this.server.stderr!.on('data', d => (this.log += d));
    for (let i = 0; ; i++) {
      try {
        const r = await request(`${this.baseUrl}retrace/api/status`, {});
        if (r.ok) {
          break;
        }
      } catch {
        // Not listening yet.
      }
      if (i > 300) {
        throw new Error(`Jupyter server did not start:\n${this.log}`);
      }
      await new Promise(r => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server && server.exitCode === null) {
      const exited = new Promise(r => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise(r => setTimeout(r, 5000))]);
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  gitdir(repoId: string): string {
    return path.join(this.root, '.retrace', `${repoId}.git`);
  }
}

describe('RemoteBackend against a real Jupyter server', () => {
  const srv = new TestServer();
  let root: string;
  let baseUrl: string;

  function open(repoId: string) {
    const backend = new RemoteBackend({ baseUrl, repoId, request });
    return { backend, store: new HistoryStore({ backend }) };
  }

  beforeAll(async () => {
    await srv.start();
    root = srv.root;
    baseUrl = srv.baseUrl;
  });

  afterAll(() => srv.stop());

  it('commits a notebook in one request per commit and the server holds a valid git repository', async () => {
    const { backend, store } = open('nb-e2e');
    expect(await store.init()).toEqual({ created: true });
    const nb = fixtureNotebook('jupyterlab__jupyterlab__windowed');
    const c1 = await store.commitSnapshot(nb, [{ cellId: nb.cells[0].id, code: 'print(1)', executionCount: 1 }]);
    nb.cells[1].source = 'model.fit(X, y)';
    const before = backend.requests;
    const c2 = await store.commitSnapshot(nb, [{ cellId: nb.cells[1].id, code: 'model.fit(X, y)', executionCount: 12 }]);
    expect(backend.requests - before).toBe(1);

    // The whole commit in one request: the write, then the refresh (attempts, run index)
    // from the tips the write answered with and the objects it just wrote.
    nb.cells[2].source = 'score(model)';
    const third = backend.requests;
    const c3 = await store.commitSnapshot(nb, [{ cellId: nb.cells[2].id, code: 'score(model)', executionCount: 13 }]);
    const attempts = await store.listAttempts({ cached: true });
    const index = await store.runIndex(undefined, { cached: true });
    expect(backend.requests - third).toBe(1);
    expect(attempts.map(a => [a.id, a.tip])).toEqual([['main', c3]]);
    expect(index.map(e => [e.commit, e.summary])).toEqual([
      [c1, 'print(1)'],
      [c2, 'model.fit(X, y)'],
      [c3, 'score(model)']
    ]);
    nb.cells[2].source = 'model.fit(X, y)';
    nb.cells[1].source = 'model.fit(X, y)';
    const c2b = await store.commitSnapshot(nb, [{ cellId: nb.cells[1].id, code: 'model.fit(X, y)', executionCount: 12 }]);

    // A second client, cold: reads everything through the endpoint.
    const other = open('nb-e2e');
    await other.store.init();
    expect(other.store.head).toBe(c2b);
    expect(JSON.stringify((await other.store.readSnapshot(c2b)).notebook)).toBe(JSON.stringify(nb));
    const history = await git.log({ fs: other.backend.fs, gitdir: other.backend.gitdir, ref: 'main' });
    expect(history.map(h => h.oid)).toEqual([c2b, c3, c2, c1]);
    expect(history[2].commit.message.split('\n')[0]).toBe('run [12] cell 2: model.fit(X, y)');
    // A cold open: one request for every ref, then the objects level by level (the server's git).
    const cold = open('nb-e2e');
    await cold.store.init();
    const opened = cold.backend.requests;
    await cold.store.listAttempts({ cached: true });
    expect((await cold.store.runIndex(undefined, { cached: true })).map(e => e.executionCount)).toEqual([1, 12, 13, 12]);
    // commit, root tree, index tree, its folders and dictionary, chunks; runs.json alongside.
    expect(cold.backend.requests - opened).toBeLessThanOrEqual(7);

    const gitdir = path.join(root, '.retrace', 'nb-e2e.git');
    execFileSync('git', ['--git-dir', gitdir, 'fsck', '--full', '--strict'], { stdio: 'pipe' });
    const sourcePath = execFileSync('git', ['--git-dir', gitdir, 'ls-tree', '-r', '--name-only', c2], { encoding: 'utf8' })
      .split('\n')
      .find(p => p.endsWith(`/${nb.cells[1].id}/source`))!;
    expect(execFileSync('git', ['--git-dir', gitdir, 'show', `${c2}:${sourcePath}`], { encoding: 'utf8' })).toBe(
      'model.fit(X, y)'
    );
  });

  it('two clients writing the same attempt both keep their work (409, then on top)', async () => {
    const a = open('nb-cas');
    const b = open('nb-cas');
    await a.store.init();
    await b.store.init();
    const nb = syntheticNotebook(4);
    const a1 = await a.store.commitSnapshot(nb, [{ cellId: 'c0000', code: 'from A', executionCount: 1 }]);
    nb.cells[1].source = 'from B';
    const b1 = await b.store.commitSnapshot(nb, [{ cellId: 'c0001', code: 'from B', executionCount: 2 }]);
    const history = await git.log({ fs: b.backend.fs, gitdir: b.backend.gitdir, ref: 'main' });
    expect(history.map(h => h.oid)).toEqual([b1, a1]);
    expect((await a.store.runIndex('main')).map(r => r.summary)).toEqual(['from A', 'from B']);
  });

  it('reports a corrupt repository folder instead of recreating it', async () => {
    const dir = path.join(root, '.retrace', 'nb-broken.git');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'old data');
    const { store } = open('nb-broken');
    const error = await store.init().catch(e => e);
    expect(error).toBeInstanceOf(RepositoryError);
    expect(error.kind).toBe('corrupt');
    expect(error.message).toMatch(/not a valid git repository/);
    expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('reads a history the server packed with git gc', async () => {
    const { store } = open('nb-packed');
    await store.init();
    const nb = syntheticNotebook(30);
    const commits: string[] = [];
    for (let i = 0; i < 4; i++) {
      nb.cells[i].source = `step ${i}`;
      commits.push(await store.commitSnapshot(nb, [{ cellId: `c000${i}`, code: `step ${i}`, executionCount: i + 1 }]));
    }
    const gitdir = path.join(root, '.retrace', 'nb-packed.git');
    execFileSync('git', ['--git-dir', gitdir, 'gc', '--quiet', '--prune=now'], { stdio: 'pipe' });
    const cold = open('nb-packed');
    await cold.store.init();
    expect((await cold.store.readSnapshot(commits[3])).notebook).toEqual(nb);
    expect((await cold.store.runIndex()).map(r => r.summary)).toEqual(['step 0', 'step 1', 'step 2', 'step 3']);
    nb.cells[9].source = 'after gc';
    await cold.store.commitSnapshot(nb, [{ cellId: 'c0009', code: 'after gc', executionCount: 5 }]);
    execFileSync('git', ['--git-dir', gitdir, 'fsck', '--full', '--strict'], { stdio: 'pipe' });
  });
});

describe('RemoteBackend reading files over the batch limit (after the server\'s git gc)', () => {
  // A lowered per-file limit: every pack git gc writes is read through the raw file route.
  const srv = new TestServer();
  beforeAll(() => srv.start(['--Retrace.max_file_bytes=2048']));
  afterAll(() => srv.stop());

  const open = (repoId: string) => {
    const backend = new RemoteBackend({ baseUrl: srv.baseUrl, repoId, request });
    return { backend, store: new HistoryStore({ backend }) };
  };

  it('opens, reads and extends a packed history whose packs exceed the limit', async () => {
    const { store } = open('nb-big');
    await store.init();
    const nb = syntheticNotebook(40);
    const commits: string[] = [];
    for (let i = 0; i < 5; i++) {
      nb.cells[i].source = `step ${i}`;
      commits.push(await store.commitSnapshot(nb, [{ cellId: `c000${i}`, code: `step ${i}`, executionCount: i + 1 }]));
    }
    const gitdir = srv.gitdir('nb-big');
    execFileSync('git', ['--git-dir', gitdir, 'gc', '--quiet', '--prune=now'], { stdio: 'pipe' });
    const packs = fs.readdirSync(path.join(gitdir, 'objects', 'pack')).filter(n => n.endsWith('.pack'));
    expect(packs.length).toBe(1);
    expect(fs.statSync(path.join(gitdir, 'objects', 'pack', packs[0])).size).toBeGreaterThan(2048);

    const cold = open('nb-big');
    await cold.store.init();
    expect(cold.store.head).toBe(commits[4]);
    expect((await cold.store.readSnapshot(commits[4])).notebook).toEqual(nb);
    expect((await cold.store.runIndex()).map(r => r.summary)).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'step 4']);
    const history = await git.log({ fs: cold.backend.fs, gitdir: cold.backend.gitdir, ref: 'main' });
    expect(history.map(h => h.oid)).toEqual([...commits].reverse());
    nb.cells[20].source = 'after gc';
    const after = await cold.store.commitSnapshot(nb, [{ cellId: 'c0020', code: 'after gc', executionCount: 6 }]);
    execFileSync('git', ['--git-dir', gitdir, 'fsck', '--full', '--strict'], { stdio: 'pipe' });
    expect(execFileSync('git', ['--git-dir', gitdir, 'rev-parse', 'main'], { encoding: 'utf8' }).trim()).toBe(after);
  });

  it('reports an emptied ref as damaged, never as an empty history', async () => {
    const { store } = open('nb-emptied');
    await store.init();
    const nb = syntheticNotebook(3);
    await store.commitSnapshot(nb, [{ cellId: 'c0000', code: 'x', executionCount: 1 }]);
    const ref = path.join(srv.gitdir('nb-emptied'), 'refs', 'heads', 'main');
    fs.writeFileSync(ref, '');
    const cold = open('nb-emptied');
    const error = await cold.store.init().catch(e => e);
    expect(error).toBeInstanceOf(RepositoryError);
    expect(error.kind).toBe('corrupt');
    expect(error.message).toMatch(/refs\/heads\/main \(empty\)/);
    expect(fs.readFileSync(ref, 'utf8')).toBe('');
  });
});
