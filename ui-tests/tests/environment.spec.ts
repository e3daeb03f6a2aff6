/**
 * The environment travels with the notebook, on the real server, kernel and
 * git: two attempts that imported a different version of one distribution
 * (two tiny packages with their .dist-info, as pip leaves them, in two
 * folders the notebook puts on sys.path), and the attempt graph and the
 * notebook diff both say what changed.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

import { openNotebook, PANEL_ID, runCellAt, waitSaved } from './helpers';

/** A package `retracefake` installed as distribution `retrace-fake` at `version` into `folder`. */
async function fakeDistribution(page: IJupyterLabPageFixture, folder: string, version: string): Promise<void> {
  await page.contents.uploadContent(`__version__ = '${version}'\n`, 'text', `${folder}/retracefake/__init__.py`);
  const info = `${folder}/retrace_fake-${version}.dist-info`;
  await page.contents.uploadContent(`Metadata-Version: 2.1\nName: retrace-fake\nVersion: ${version}\n\n`, 'text', `${info}/METADATA`);
  await page.contents.uploadContent('retracefake\n', 'text', `${info}/top_level.txt`);
}

const importFrom = (folder: string) => `import os, sys\nsys.path.insert(0, os.path.abspath('${folder}'))\nimport retracefake\nretracefake.__version__`;

test.describe('the environment travels with the notebook', () => {
  test.use({ kernels: null });

  test('two attempts on two versions of a distribution: the graph and the diff say what changed', async ({ page, tmpPath }) => {
    test.setTimeout(180_000);
    await fakeDistribution(page, `${tmpPath}/site-old`, '1.0.0');
    await fakeDistribution(page, `${tmpPath}/site-new`, '2.0.0');
    await openNotebook(page, tmpPath, 'env.ipynb', [importFrom('site-old')]);
    const panel = page.locator(`#${PANEL_ID}`);
    await runCellAt(page, 0);
    expect((await page.notebook.getCellTextOutput(0))?.[0]).toBe("'1.0.0'");
    await waitSaved(page);

    // A second attempt, on a new kernel session that imports the newer version.
    await panel.locator('.jp-RetraceAttempts-new').click();
    await page.locator('.jp-RetraceAttemptDialog-title').fill('newer fake');
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Save' }).click();
    const restarted = page.evaluate(() => window.jupyterapp.commands.execute('notebook:restart-kernel'));
    await page.locator('.jp-Dialog .jp-mod-accept').click();
    await restarted;
    await page.locator('#jp-main-statusbar >> text=Idle').waitFor();
    await page.notebook.setCell(0, 'code', importFrom('site-new'));
    await runCellAt(page, 0);
    expect((await page.notebook.getCellTextOutput(0))?.[0]).toBe("'2.0.0'");
    await waitSaved(page);

    // In git: each attempt's latest commit carries the environment of the kernel session it ran on.
    const id = await page.evaluate(() => ((window.jupyterapp.shell.currentWidget as any).context.model.getMetadata('retrace') as any)?.id);
    const status = await (await page.request.get('/retrace/api/status')).json();
    const repo = `${status.historyDir}/${id}.git`;
    const envAt = (ref: string) => {
      const doc = JSON.parse(execFileSync('git', ['--git-dir', repo, 'show', `${ref}:environment.json`], { encoding: 'utf8' }));
      return doc.sessions[doc.current];
    };
    await expect.poll(() => envAt('main').distributions['retrace-fake']?.version).toBe('1.0.0');
    const attempt = execFileSync('git', ['--git-dir', repo, 'symbolic-ref', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(attempt).not.toBe('main');
    await expect.poll(() => envAt(attempt).distributions['retrace-fake']?.version).toBe('2.0.0');
    expect(envAt(attempt).distributions['retrace-fake'].modules).toEqual(['retracefake']);
    expect(envAt(attempt).python).toMatch(/^3\.\d+\.\d+/);

    // The attempt graph: the new attempt's card says what changed since the point it branched from.
    const graph = panel.locator('.jp-RetraceGraph');
    const card = graph.locator('.jp-RetraceGraph-attempt', { hasText: 'newer fake' });
    await expect(card.locator('.jp-RetraceEnv-change')).toHaveText(['retrace-fake 1.0.0 → 2.0.0']);
    await expect(graph.locator('.jp-RetraceGraph-attempt[data-attempt="main"] .jp-RetraceEnv-summary')).toContainText(
      '1 distribution(s) imported'
    );

    // The notebook diff from the first attempt's tip to the notebook now: the same change in its header.
    const mainTip = execFileSync('git', ['--git-dir', repo, 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
    await page.evaluate(from => window.jupyterapp.commands.execute('retrace:diff-notebook', { from, to: 'now' }), mainTip);
    const diff = page.locator('.jp-RetraceNbDiff-body');
    await expect(diff).toHaveAttribute('data-state', 'ready');
    await expect(diff.locator('.jp-RetraceEnv-change')).toHaveText(['retrace-fake 1.0.0 → 2.0.0']);
  });
});
