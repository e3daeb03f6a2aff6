/**
 * The notebook as it was opened is in a snapshot before the first run
 * changes it (its outputs would be lost otherwise), and only when the
 * history does not already hold that exact content.
 */
import { expect, test } from '@jupyterlab/galata';
import { Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { openNotebook, openNotebookJSON, PANEL_ID } from './helpers';

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

async function waitSaved(page: Page): Promise<void> {
  await expect(page.locator(`#${PANEL_ID} .jp-RetraceAttempts-status`)).toHaveAttribute('data-state', 'saved', { timeout: 30_000 });
}

async function repository(page: Page): Promise<string> {
  const id = await page.evaluate(() => ((window.jupyterapp.shell.currentWidget as any).context.model.getMetadata('retrace') as any)?.id);
  const status = await (await page.request.get('/retrace/api/status')).json();
  return `${status.historyDir}/${id}.git`;
}

test.describe('the notebook as opened', () => {
  test.use({ kernels: null });

  test('its outputs are in a snapshot before the first run replaces them, and a reopen of the same content adds none', async ({ page, tmpPath }) => {
    const name = 'opened.ipynb';
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
      cells: [
        {
          cell_type: 'code',
          id: 'only',
          source: "print('new output')",
          metadata: {},
          execution_count: 7,
          outputs: [{ output_type: 'stream', name: 'stdout', text: 'the output the file had when opened\n' }]
        }
      ]
    };
    await openNotebookJSON(page, tmpPath, name, notebook);

    await page.notebook.runCell(0);
    await waitSaved(page);
    const repo = await repository(page);
    const subjects = git(repo, 'log', '--format=%s', 'HEAD').trim().split('\n');
    expect(subjects).toEqual([expect.stringMatching(/^run \[1\]/), 'notebook as opened']);
    const opened = git(repo, 'rev-parse', 'HEAD~1').trim();
    expect(git(repo, 'grep', '-c', 'the output the file had when opened', opened)).toMatch(/:1/);
    expect(() => git(repo, 'grep', '-c', 'the output the file had when opened', 'HEAD')).toThrow();

    // Saved and reopened as the history has it: no new snapshot.
    await page.notebook.save();
    page.on('dialog', dialog => void dialog.accept());
    await page.reload({ waitForIsReady: false });
    await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
    await page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: name }).click();
    await page.sidebar.openTab(PANEL_ID);
    await waitSaved(page);
    await page.waitForTimeout(1000);
    expect(git(repo, 'log', '--format=%s', 'HEAD').trim().split('\n')).toEqual(subjects);
  });

  test('a reload after a save and more runs adds no snapshot: the history holds the saved content', async ({ page, tmpPath }) => {
    const name = 'saved-then-ran.ipynb';
    await openNotebook(page, tmpPath, name, ['a = 1', 'b = 2']);
    await page.notebook.runCell(0);
    await waitSaved(page);
    await page.notebook.save();
    await page.notebook.runCell(1); // not saved: the file holds the content of the first run's snapshot
    await waitSaved(page);
    const repo = await repository(page);
    const subjects = git(repo, 'log', '--format=%s', 'HEAD').trim().split('\n');
    expect(subjects).toEqual([expect.stringMatching(/^run \[2\]/), expect.stringMatching(/^run \[1\]/), 'notebook as opened']);

    page.on('dialog', dialog => void dialog.accept());
    await page.reload({ waitForIsReady: false });
    await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
    await page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: name }).click();
    await page.sidebar.openTab(PANEL_ID);
    await waitSaved(page);
    await page.waitForTimeout(1000);
    expect(git(repo, 'log', '--format=%s', 'HEAD').trim().split('\n')).toEqual(subjects);
  });

  test('a reload after a save adds no snapshot on a notebook without cell ids (nbformat 4.4)', async ({ page, tmpPath }) => {
    const name = 'no-ids.ipynb';
    const notebook = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'fixtures', 'made__python-nbformat-4.4-no-ids.ipynb'), 'utf8'));
    await openNotebookJSON(page, tmpPath, name, notebook);
    await page.notebook.runCell(0);
    await waitSaved(page);
    await page.notebook.save();
    const repo = await repository(page);
    const subjects = git(repo, 'log', '--format=%s', 'HEAD').trim().split('\n');
    expect(subjects).toEqual([expect.stringMatching(/^run \[1\]/), 'notebook as opened']);

    // JupyterLab gives the cells new ids at each load: that is no new content.
    page.on('dialog', dialog => void dialog.accept());
    await page.reload({ waitForIsReady: false });
    await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
    await page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: name }).click();
    await page.sidebar.openTab(PANEL_ID);
    await waitSaved(page);
    await page.waitForTimeout(1000);
    expect(git(repo, 'log', '--format=%s', 'HEAD').trim().split('\n')).toEqual(subjects);
  });
});
