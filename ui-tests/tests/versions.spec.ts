/**
 * Cell versions in the notebook: a cell that ran two different codes offers
 * both on the cell, each with the outputs it left (rendered from the history),
 * and "Use this version" puts an old code back as an ordinary edit that the
 * cell's undo takes back.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { openNotebook, reloadAndReopen, runCellAt, waitSaved } from './helpers';

const FIRST = "x = 1\nprint('first version', x)";
const SECOND = "x = 2\nprint('second version', x)";
// Edited on the second line only: the history's run index keeps one summary line for both.
const WARM_ABOVE = "threshold = 15\nprint('warm above', threshold)";
const WARM_FROM = "threshold = 15\nprint('warm from', threshold + 1)";

function source(page: IJupyterLabPageFixture, index: number): Promise<string> {
  return page.evaluate(i => {
    const notebook = (window as any).jupyterapp.shell.currentWidget.content;
    return notebook.model.cells.get(i).sharedModel.getSource() as string;
  }, index);
}

test.describe('cell versions', () => {
  test.use({ kernels: null });

  test('run, edit, run again: the first version is offered on the cell with its output, Use it, then undo', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'versions.ipynb', [FIRST, 'y = 3']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    const cell = page.locator('.jp-Notebook .jp-Cell').first();
    // One version only: nothing to offer yet.
    await expect(page.locator('.jp-RetraceVersions')).toHaveCount(0);
    await page.notebook.setCell(0, 'code', SECOND);
    await runCellAt(page, 0);
    await expect(cell.locator('.jp-OutputArea')).toContainText('second version 2');

    const toggle = cell.locator('.jp-RetraceVersions-toggle');
    await expect(toggle).toHaveText(/2 versions/);
    // The other cell ran once: no toggle there.
    await expect(page.locator('.jp-RetraceVersions')).toHaveCount(1);
    await toggle.click();
    const items = cell.locator('.jp-RetraceVersions-item');
    await expect(items).toHaveCount(2);
    const first = items.nth(0);
    await expect(first.locator('.jp-RetraceVersions-code')).toHaveText(FIRST);
    // The first version's output, no longer in the notebook, rendered by rendermime.
    await expect(first.locator('.jp-RetraceVersions-outputs .jp-OutputArea-output')).toContainText('first version 1');
    await expect(items.nth(1)).toHaveAttribute('data-current', 'true');
    await expect(items.nth(1).locator('.jp-RetraceVersions-use')).toHaveCount(0);

    await first.getByRole('button', { name: 'Use this version' }).click();
    await expect.poll(() => source(page, 0)).toBe(FIRST);
    await expect(cell.locator('.jp-Editor')).toContainText("print('first version', x)");
    // Reopened, the list now marks the first version as the one in the cell.
    await toggle.click();
    await expect(items.nth(0)).toHaveAttribute('data-current', 'true');
    await toggle.click();

    // An ordinary edit: the cell's undo brings back the code it replaced.
    await page.notebook.enterCellEditingMode(0);
    await page.keyboard.press('Control+z');
    await expect.poll(() => source(page, 0)).toBe(SECOND);
    // And redo puts the chosen version back.
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => source(page, 0)).toBe(FIRST);
  });

  test('two versions that differ only after the first line are both offered after a reload; Use this version gives the exact code', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, tmpPath, 'reloaded-versions.ipynb', [WARM_ABOVE]);
    await runCellAt(page, 0);
    await page.notebook.setCell(0, 'code', WARM_FROM);
    await runCellAt(page, 0);
    const cell = page.locator('.jp-Notebook .jp-Cell').first();
    await expect(cell.locator('.jp-OutputArea')).toContainText('warm from 16');
    await expect(cell.locator('.jp-RetraceVersions-toggle')).toHaveText(/2 versions/);
    await waitSaved(page);
    await page.notebook.save();
    // A new kernel process: its journal cannot bring these runs back, so after the reload
    // the page knows them only from the history's run index (a first line and a hash each).
    await page.evaluate(() => (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart());
    await reloadAndReopen(page, 'reloaded-versions.ipynb');

    const toggle = cell.locator('.jp-RetraceVersions-toggle');
    await expect(toggle).toHaveText(/2 versions/);
    await toggle.click();
    const items = cell.locator('.jp-RetraceVersions-item');
    await expect(items).toHaveCount(2);
    // The full codes, read from the history when shown, each with the output it left.
    await expect(items.nth(0).locator('.jp-RetraceVersions-code')).toHaveText(WARM_ABOVE);
    await expect(items.nth(1).locator('.jp-RetraceVersions-code')).toHaveText(WARM_FROM);
    await expect(items.nth(0).locator('.jp-RetraceVersions-outputs .jp-OutputArea-output')).toContainText('warm above 15');
    await expect(items.nth(1).locator('.jp-RetraceVersions-outputs .jp-OutputArea-output')).toContainText('warm from 16');
    await expect(items.nth(1)).toHaveAttribute('data-current', 'true');
    await expect(items.nth(0)).toHaveAttribute('data-current', 'false');

    await items.nth(0).getByRole('button', { name: 'Use this version' }).click();
    await expect.poll(() => source(page, 0)).toBe(WARM_ABOVE);
  });
});
