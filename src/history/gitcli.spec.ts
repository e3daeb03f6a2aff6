/// <reference types="node" />
/**
 * The repository the engine writes is an ordinary git repository: written onto
 * a real directory through Node's fs, then checked with the `git` command line
 * (fsck, log, show, clone), and read back after `git gc` packed it.
 */

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { LocalBackend } from './backend';
import { HistoryStore, IRun, META_BRANCH } from './store';
import { fixtureNotebook } from './fixtures/notebooks.spec-util';
import { fakeClock, syntheticNotebook } from './testkit.spec-util';

const hasGit = (() => {
  try {
    execFileSync('git', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
// A missing git is a failure, not a skip (scripts/setup.sh installs it).
const itGit = it;
// Real disk and git processes: slower than the in-memory specs.
jest.setTimeout(60_000);

function git(gitdir: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', gitdir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function run(cellId: string, n: number, code: string): IRun {
  return { cellId, code, executionCount: n, status: 'ok' };
}

describe('history repository and the git command line', () => {
  it('has the git command line (installed by scripts/setup.sh)', () => {
    expect(hasGit).toBe(true);
  });

  let tmp: string;
  let gitdir: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'retrace-git-'));
    gitdir = path.join(tmp, '.retrace', 'nb-1.git');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function open() {
    const store = new HistoryStore({ backend: new LocalBackend(fs as any, gitdir), now: fakeClock() });
    await store.init();
    return store;
  }

  itGit('passes git fsck, and git log / git show print runs and sources', async () => {
    const store = await open();
    const nb = fixtureNotebook('jupyterlab__jupyterlab__windowed');
    await store.commitSnapshot(nb, [run(nb.cells[1].id, 1, nb.cells[1].source.join(''))]);
    nb.cells[3].source = 'model.fit(X, y)';
    nb.cells[3].execution_count = 12;
    const c2 = await store.commitSnapshot(nb, [run(nb.cells[3].id, 12, 'model.fit(X, y)')]);
    await store.newAttempt('Try another model', 'with a comment');
    nb.cells[3].source = 'model2.fit(X, y)';
    const c3 = await store.commitSnapshot(nb, [run(nb.cells[3].id, 13, 'model2.fit(X, y)'), run(nb.cells[4].id, 14, 'plot()')]);
    await store.editAttempt('attempt-1', { comment: 'edited comment' });

    execFileSync('git', ['--git-dir', gitdir, 'fsck', '--full', '--strict', '--no-dangling'], { stdio: 'pipe' });
    const mainLog = git(gitdir, 'log', '--oneline', '--format=%s', 'main').split('\n');
    expect(mainLog[0]).toBe('run [12] cell 4: model.fit(X, y)');
    expect(mainLog[1]).toMatch(/^run \[1\] cell 2: \S/);
    expect(mainLog).toHaveLength(3);
    expect(git(gitdir, 'log', '-1', '--format=%s', 'HEAD')).toBe('2 runs: [13] cell 4, [14] cell 5\n');
    const sourcePath = git(gitdir, 'ls-tree', '-r', '--name-only', c2)
      .split('\n')
      .find(p => p.endsWith(`/${nb.cells[3].id}/source`))!;
    expect(sourcePath).toMatch(/^cells\/[0-9a-f]\/[0-9a-f]\/[^/]+\/source$/);
    expect(git(gitdir, 'show', `${c2}:${sourcePath}`)).toBe('model.fit(X, y)');
    expect(git(gitdir, 'show', `${c3}:${sourcePath}`)).toBe('model2.fit(X, y)');
    expect(JSON.parse(git(gitdir, 'show', `${c3}:runs.json`)).runs).toHaveLength(2);
    expect(git(gitdir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/attempt-1\n');
  });

  itGit('attempt titles and comments survive git clone (plain and mirror)', async () => {
    const store = await open();
    await store.commitSnapshot(syntheticNotebook(3), [run('c0000', 1, 'a = 1')]);
    await store.newAttempt('Second idea', 'because the first overfit');
    await store.commitSnapshot(syntheticNotebook(3, 1), [run('c0001', 2, 'b = 2')]);

    const plain = path.join(tmp, 'plain');
    execFileSync('git', ['clone', '--quiet', gitdir, plain], { stdio: 'pipe' });
    const attempts = JSON.parse(
      execFileSync('git', ['-C', plain, 'show', `origin/${META_BRANCH}:attempts.json`], { encoding: 'utf8' })
    );
    expect(attempts.attempts['attempt-1']).toMatchObject({ title: 'Second idea', comment: 'because the first overfit' });
    const remoteBranches = execFileSync('git', ['-C', plain, 'branch', '-r', '--format=%(refname:short)'], {
      encoding: 'utf8'
    });
    const names = remoteBranches.split('\n').filter(b => b && !b.endsWith('HEAD') && b !== 'origin');
    expect(names.sort()).toEqual(['origin/attempt-1', 'origin/main', `origin/${META_BRANCH}`].sort());

    // A mirror clone is a complete history repository that Retrace opens as is.
    const mirror = path.join(tmp, 'mirror.git');
    execFileSync('git', ['clone', '--quiet', '--mirror', gitdir, mirror], { stdio: 'pipe' });
    const reopened = new HistoryStore({ backend: new LocalBackend(fs as any, mirror) });
    await reopened.init();
    const list = await reopened.listAttempts();
    expect(list.find(a => a.id === 'attempt-1')).toMatchObject({ title: 'Second idea', current: true });
  });

  itGit('reads history packed by git gc and keeps committing on it', async () => {
    const store = await open();
    const nb = syntheticNotebook(20);
    const commits: string[] = [];
    for (let i = 0; i < 5; i++) {
      nb.cells[i].source = `changed ${i}`;
      commits.push(await store.commitSnapshot(nb, [run(`c000${i}`, i + 1, `changed ${i}`)]));
    }
    const before = JSON.parse(JSON.stringify(nb));
    execFileSync('git', ['--git-dir', gitdir, 'gc', '--quiet', '--aggressive', '--prune=now'], { stdio: 'pipe' });
    expect(fs.readdirSync(path.join(gitdir, 'objects')).filter(d => /^[0-9a-f]{2}$/.test(d))).toEqual([]);
    expect(fs.existsSync(path.join(gitdir, 'refs', 'heads', 'main'))).toBe(false);

    const reader = await open();
    expect(reader.head).toBe(commits[4]);
    expect((await reader.readSnapshot(commits[4])).notebook).toEqual(before);
    expect((await reader.runIndex()).map(r => r.summary)).toEqual(commits.map((_, i) => `changed ${i}`));
    nb.cells[10].source = 'after gc';
    const next = await reader.commitSnapshot(nb, [run('c0010', 6, 'after gc')]);
    execFileSync('git', ['--git-dir', gitdir, 'fsck', '--full', '--strict', '--no-dangling'], { stdio: 'pipe' });
    expect(git(gitdir, 'rev-list', 'main').split('\n').filter(Boolean)).toEqual([next, ...commits.reverse()]);
  });
  itGit('leaves no unreachable object behind when a commit loses its compare-and-swap', async () => {
    const a = new HistoryStore({ backend: new LocalBackend(fs, gitdir), now: fakeClock() });
    await a.init();
    const b = new HistoryStore({ backend: new LocalBackend(fs, gitdir), now: fakeClock() });
    await b.init();
    const nb = syntheticNotebook(6);
    await a.commitSnapshot(nb, [run('c0000', 1, 'x0 = 0 * 2')]);
    await b.reload();
    // Both commit on the same tip: A wins, B's first commit loses and is rebuilt on A's.
    nb.cells[1].source = 'from A';
    const fromA = await a.commitSnapshot(JSON.parse(JSON.stringify(nb)), [run('c0001', 2, 'from A')]);
    nb.cells[2].source = 'from B';
    const fromB = await b.commitSnapshot(JSON.parse(JSON.stringify(nb)), [run('c0002', 3, 'from B')]);
    expect(git(gitdir, 'rev-parse', `${fromB}^`).trim()).toBe(fromA);
    // A title edit that races too.
    await Promise.all([a.editAttempt('main', { title: 'A' }), b.editAttempt('main', { comment: 'B' })]);
    const unreachable = git(gitdir, 'fsck', '--unreachable', '--no-reflogs', '--strict');
    expect(unreachable.trim()).toBe('');
    expect(git(gitdir, 'log', '--format=%s', 'main').split('\n').filter(Boolean)).toHaveLength(3);
  });
});
