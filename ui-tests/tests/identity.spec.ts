/**
 * One history per notebook from its first run, before the notebook is ever
 * saved with its id: across a page reload and across two tabs. Repositories
 * are counted on disk, each read with the `git` command line.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Page } from '@playwright/test';
import * as fs from 'fs';

import { git, openInSecondTab, openNotebook, PANEL_ID, reloadAndReopen, runCellAt, waitSaved } from './helpers';

async function historyDir(page: Page): Promise<string> {
  return (await (await page.request.get('/retrace/api/status')).json()).historyDir;
}

/** The history repositories whose latest snapshot belongs to this notebook path, with their run counts. */
async function repositoriesFor(page: Page, path: string): Promise<{ id: string; runs: number }[]> {
  const dir = await historyDir(page);
  if (!fs.existsSync(dir)) {
    return [];
  }
  const found: { id: string; runs: number }[] = [];
  for (const name of fs.readdirSync(dir).filter(n => n.endsWith('.git'))) {
    const repo = `${dir}/${name}`;
    let meta: any;
    try {
      meta = JSON.parse(git(repo, 'show', 'HEAD:notebook.json'));
    } catch {
      continue;
    }
    const retrace = meta?.metadata?.retrace ?? meta?.notebook?.metadata?.retrace;
    if (retrace?.path === path) {
      const runs = git(repo, 'log', '--format=%s', 'HEAD').split('\n').filter(line => line.startsWith('run')).length;
      found.push({ id: name.slice(0, -4), runs });
    }
  }
  return found;
}

function modelId(page: Page): Promise<string | undefined> {
  return page.evaluate(() => ((window.jupyterapp.shell.currentWidget as any)?.context?.model.getMetadata('retrace') as any)?.id);
}

/** The id in the notebook file on disk (what a save would have written). */
async function savedId(page: IJupyterLabPageFixture, path: string): Promise<unknown> {
  const response = await page.request.get(`/api/contents/${path}?content=1&type=notebook`);
  return (await response.json()).content.metadata?.retrace?.id;
}

test.describe('identity before the first save', () => {
  test.use({ kernels: null });

  test('a reload before the first save finds the same history', async ({ page, tmpPath }) => {
    const name = 'unsaved.ipynb';
    const path = `${tmpPath}/${name}`;
    await openNotebook(page, tmpPath, name, ['a = 1', 'b = a + 1']);
    await runCellAt(page, 0);
    await waitSaved(page);
    const id = await modelId(page);
    expect(id).toBeTruthy();
    expect(await savedId(page, path)).toBeUndefined(); // the file never got it

    page.on('dialog', dialog => void dialog.accept()); // "leave with unsaved changes?"
    await reloadAndReopen(page, name);
    // The panel shows the run from before the reload, and the next run goes to the same history.
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(1, { timeout: 20_000 });
    await expect.poll(() => modelId(page)).toBe(id);
    await runCellAt(page, 1);
    await waitSaved(page);
    expect(await repositoriesFor(page, path)).toEqual([{ id, runs: 2 }]);
  });

  test('two tabs on a fresh notebook make one history', async ({ page, tmpPath }) => {
    const name = 'fresh.ipynb';
    const path = `${tmpPath}/${name}`;
    await openNotebook(page, tmpPath, name, ['a = 1', 'b = 2']);
    const second = await openInSecondTab(page, path, 'fresh-second');

    // Neither tab has run anything: the first runs of each go to one history.
    await runCellAt(page, 0);
    await runCellAt(second, 1);
    await expect.poll(() => modelId(second)).toBeTruthy();
    await waitSaved(page);
    expect(await modelId(second)).toBe(await modelId(page));
    await expect.poll(async () => (await repositoriesFor(page, path)).map(r => r.id), { timeout: 30_000 }).toEqual([await modelId(page)]);
    await second.close();
  });

  test('a rename before the first save takes the history along, across a reload', async ({ page, tmpPath }) => {
    const name = 'before.ipynb';
    await openNotebook(page, tmpPath, name, ['a = 1']);
    await runCellAt(page, 0);
    await waitSaved(page);
    const id = await modelId(page);
    // Renamed while open (as the file browser does), never saved with its id.
    await page.evaluate(
      async ([from, to]) => {
        await window.jupyterapp.serviceManager.contents.rename(from, to);
      },
      [`${tmpPath}/${name}`, `${tmpPath}/after.ipynb`]
    );
    await expect(page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'after.ipynb' })).toBeVisible();
    expect(await savedId(page, `${tmpPath}/after.ipynb`)).toBeUndefined();
    await expect
      .poll(async () => (await (await page.request.get(`/retrace/api/identity?path=${encodeURIComponent(`${tmpPath}/after.ipynb`)}`)).json()).id)
      .toBe(id);

    page.on('dialog', dialog => void dialog.accept());
    await reloadAndReopen(page, 'after.ipynb');
    await expect.poll(() => modelId(page), { timeout: 20_000 }).toBe(id);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(1);
  });
});
