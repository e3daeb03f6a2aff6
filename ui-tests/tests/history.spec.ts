/**
 * The git-backed history: runs are written to a real bare git repository under
 * the Jupyter root, survive a page reload, and snapshots come back with
 * Restore (and go again with Undo restore). The repository is checked with
 * the ordinary `git` command line.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

import { git, openNotebook, PANEL_ID, repositoryOf, runCellAt, waitSaved } from './helpers';

/** A cell's source, from the notebook model (what a restore changes). */
function source(page: IJupyterLabPageFixture, index: number): Promise<string> {
  return page.evaluate(i => (window.jupyterapp.shell.currentWidget as any).content.model.cells.get(i).sharedModel.getSource(), index);
}

test.describe('history', () => {
  test.use({ kernels: null });

  test.beforeEach(async ({ page }) => {
    await page.notebook.createNew('history.ipynb');
    await page.sidebar.openTab(PANEL_ID);
  });

  test('runs are committed to a valid git repository that the git command line reads', async ({ page }) => {
    await page.notebook.setCell(0, 'code', 'a = 1');
    await page.notebook.addCell('code', 'b = a + 1\nprint(b)');
    await runCellAt(page, 0);
    await waitSaved(page);
    await runCellAt(page, 1);
    await waitSaved(page);
    const repo = await repositoryOf(page);

    git(repo, 'fsck', '--full', '--strict');
    const log = git(repo, 'log', '--oneline', 'main');
    expect(log).toMatch(/run \[2\] cell 2: b = a \+ 1/);
    expect(log).toMatch(/run \[1\] cell 1: a = 1/);
    const sources = git(repo, 'ls-tree', '-r', '--name-only', 'main')
      .split('\n')
      .filter(path => path.endsWith('/source'));
    const shown = sources.map(path => git(repo, 'show', `main:${path}`));
    expect(shown).toContain('b = a + 1\nprint(b)');
  });

  test('runs are still listed after the page is reloaded', async ({ page, tmpPath }) => {
    await page.notebook.setCell(0, 'code', 'value = 41 + 1');
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.notebook.save();
    await page.reload({ waitForIsReady: false });
    await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
    // The restored workspace reopens the notebook; the panel shows its history.
    await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
    await page.sidebar.openTab(PANEL_ID);
    await expect(page.locator(`#${PANEL_ID} .jp-RetracePanel-notebook`)).toContainText(`${tmpPath}/history.ipynb`);
    const rows = page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`);
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('value = 41 + 1');
  });

  test('restore brings an earlier snapshot back, undo returns exactly what was there, and a run after it starts a new attempt', async ({ page }) => {
    await page.notebook.setCell(0, 'code', 'x = 1');
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.notebook.setCell(0, 'code', 'x = 2');
    await runCellAt(page, 0);
    await waitSaved(page);
    const edited = await page.evaluate(() => JSON.stringify((window.jupyterapp.shell.currentWidget as any).context.model.toJSON().cells));

    // Select the first run in the timeline and restore the snapshot it produced.
    await page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`, { hasText: '[1]' }).click();
    await page.locator(`#${PANEL_ID} .jp-RetraceAttempts-restoreRun`).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('1 cell(s) changed');
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => source(page, 0)).toBe('x = 1');

    await page.locator(`#${PANEL_ID} .jp-RetraceAttempts-undo`).click();
    await expect.poll(() => source(page, 0)).toBe('x = 2');
    expect(await page.evaluate(() => JSON.stringify((window.jupyterapp.shell.currentWidget as any).context.model.toJSON().cells))).toBe(edited);

    // Restore again, run: history diverged, so a new attempt (branch) starts; main is untouched.
    await page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`, { hasText: '[1]' }).click();
    await page.locator(`#${PANEL_ID} .jp-RetraceAttempts-restoreRun`).click();
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => source(page, 0)).toBe('x = 1');
    const repo = await repositoryOf(page);
    const mainBefore = git(repo, 'rev-parse', 'main').trim();
    await page.notebook.setCell(0, 'code', 'x = 10');
    await runCellAt(page, 0);
    await waitSaved(page);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceAttempts-attempt`)).toHaveCount(2);
    const branches = git(repo, 'branch', '--list', '--format=%(refname:short)').split('\n').filter(Boolean);
    expect(branches.filter(b => b !== 'retrace-attempts').length).toBe(2);
    expect(git(repo, 'rev-parse', 'main').trim()).toBe(mainBefore);
    git(repo, 'fsck', '--full');
  });

  test('a new attempt has a title and a comment that the repository keeps', async ({ page }) => {
    await page.notebook.setCell(0, 'code', 'lr = 0.1');
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.locator(`#${PANEL_ID} .jp-RetraceAttempts-new`).click();
    await page.locator('.jp-RetraceAttemptDialog-title').fill('smaller learning rate');
    await page.locator('.jp-RetraceAttemptDialog-comment').fill('trying 0.01 to see if the loss stops oscillating');
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Save' }).click();
    const current = page.locator(`#${PANEL_ID} .jp-RetraceAttempts-attempt.jp-mod-current`);
    await expect(current).toContainText('smaller learning rate');
    await expect(current).toContainText('trying 0.01');
    const repo = await repositoryOf(page);
    expect(git(repo, 'show', 'retrace-attempts:attempts.json')).toContain('trying 0.01 to see if the loss stops oscillating');
  });

  test('a storage error keeps runs queued, shows it, and they are saved once the server answers again', async ({ page }) => {
    await page.notebook.setCell(0, 'code', 'first = 1');
    await runCellAt(page, 0);
    await waitSaved(page);
    const repo = await repositoryOf(page);

    // The server's storage fails: the run must wait, visibly, without blocking the notebook.
    await page.route(/\/retrace\/api\/repos\/[^/]+\/write/, route =>
      route.fulfill({ status: 507, contentType: 'application/json', body: '{"message": "disk full"}' })
    );
    await page.notebook.addCell('code', 'second = first + 1\nsecond');
    await runCellAt(page, 1);
    await expect.poll(() => page.notebook.getCellTextOutput(1)).toEqual(['2']);
    const status = page.locator(`#${PANEL_ID} .jp-RetraceAttempts-status`);
    await expect(status).toHaveAttribute('data-state', 'retrying');
    await expect(status).toContainText('disk full');
    expect(git(repo, 'log', '--oneline', 'main')).not.toContain('second = first + 1');

    await page.unroute(/\/retrace\/api\/repos\/[^/]+\/write/);
    await expect(status).toHaveAttribute('data-state', 'saved', { timeout: 30_000 });
    expect(git(repo, 'log', '--oneline', 'main')).toContain('run [2] cell 2: second = first + 1');
  });

  test('a corrupt history repository is reported and never replaced', async ({ page }) => {
    await page.notebook.setCell(0, 'code', 'kept = True');
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.notebook.save();
    const repo = await repositoryOf(page);
    const before = git(repo, 'rev-parse', 'main').trim();
    // Someone broke the repository on disk.
    execFileSync('sh', ['-c', `printf 'garbage' > '${repo}/HEAD'`]);

    await page.reload({ waitForIsReady: false });
    await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
    await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
    await page.sidebar.openTab(PANEL_ID);
    const status = page.locator(`#${PANEL_ID} .jp-RetraceAttempts-status`);
    await expect(status).toHaveAttribute('data-state', 'broken');
    await expect(status).toContainText('nothing was written over it');

    // The broken repository is left exactly as it was.
    expect(execFileSync('cat', [`${repo}/HEAD`], { encoding: 'utf8' })).toBe('garbage');
    expect(execFileSync('cat', [`${repo}/refs/heads/main`], { encoding: 'utf8' }).trim()).toBe(before);
  });

  test('a copied notebook gets its own history, forked from the original\'s', async ({ page, tmpPath }) => {
    await page.notebook.setCell(0, 'code', 'x = 1');
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.notebook.save();
    const originalRepo = await repositoryOf(page);
    const originalTip = git(originalRepo, 'rev-parse', 'main').trim();
    const originalId = await page.evaluate(() => ((window.jupyterapp.shell.currentWidget as any).context.model.getMetadata('retrace') as any).id);

    const copyPath = await page.evaluate(
      async folder => (await window.jupyterapp.serviceManager.contents.copy(`${folder}/history.ipynb`, folder)).path,
      tmpPath
    );
    await page.evaluate(path => window.jupyterapp.commands.execute('docmanager:open', { path }), copyPath);
    await expect.poll(() => page.evaluate(() => (window.jupyterapp.shell.currentWidget as any)?.context?.path)).toBe(copyPath);
    await expect.poll(async () => (await page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).context.model.getMetadata('retrace') as any)).forkedFrom).toBe(originalId);
    const copyMeta = await page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).context.model.getMetadata('retrace') as any);
    expect(copyMeta.id).not.toBe(originalId);
    expect(copyMeta.path).toBe(copyPath);
    // The copy starts with the original's history...
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(1);
    await page.notebook.addCell('code', 'y = x + 1');
    await runCellAt(page, 1);
    await waitSaved(page);
    // ...and goes on alone: the original's branch has not moved.
    const copyRepo = await repositoryOf(page);
    expect(copyRepo).not.toBe(originalRepo);
    expect(git(copyRepo, 'log', '--oneline', 'main')).toContain('y = x + 1');
    expect(git(copyRepo, 'rev-list', 'main')).toContain(originalTip);
    expect(git(originalRepo, 'rev-parse', 'main').trim()).toBe(originalTip);
  });
});

test.describe('history across a page reload', () => {
  test.use({ kernels: null });

  test('after a page reload the canonical order still knows what the live kernel ran', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'reload.ipynb', ['y = x * 2\ny', 'x = 21']);
    for (const cell of [1, 0]) {
      await runCellAt(page, cell);
      await waitSaved(page);
    }
    await page.notebook.save();
    await page.reload({ waitForIsReady: false });
    await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
    await page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'reload.ipynb' }).click();
    await page.sidebar.openTab(PANEL_ID);
    // The kernel kept running: its runs come back from the history, in order.
    await expect
      .poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents(), { timeout: 20_000 })
      .toEqual(['cell 2', 'cell 1']);
    await expect(page.locator(`#${PANEL_ID} [data-kind="depends-on-later-cell"]`)).toBeVisible();
  });
});
