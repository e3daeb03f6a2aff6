/**
 * Restore and replay: after bringing back an earlier snapshot, the kernel is
 * rebuilt from the restored cells, so a variable in the kernel is what the
 * restored notebook computes (Restore alone leaves the newer value).
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { openNotebook, PANEL_ID, runCellAt, waitSaved } from './helpers';

/** What the kernel holds, printed by a new cell at the end. */
async function askKernel(page: IJupyterLabPageFixture, code: string): Promise<string | undefined> {
  await page.notebook.addCell('code', code);
  const last = (await page.notebook.getCellCount()) - 1;
  await runCellAt(page, last);
  return (await page.notebook.getCellTextOutput(last))?.[0]?.trim();
}

test.describe('restore and replay', () => {
  test.use({ kernels: null });

  test('after restore and replay the kernel holds what the restored cells compute', async ({ page, tmpPath }) => {
    test.setTimeout(180_000);
    await openNotebook(page, tmpPath, 'restore.ipynb', ['v = 1', 'w = v * 10\nw']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await waitSaved(page);
    await page.notebook.setCell(0, 'code', 'v = 5');
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await waitSaved(page);
    expect((await page.notebook.getCellTextOutput(1))?.[0]).toBe('50');

    // The snapshot after the first run of `w`.
    await page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`, { hasText: '[2]' }).first().click();
    await page.locator(`#${PANEL_ID} .jp-RetraceAttempts-restoreRun`).click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.getByRole('checkbox', { name: 'Restore and replay' }).check();
    await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
    await expect(page.locator('.jp-toast-message, .Toastify__toast', { hasText: 'Kernel rebuilt' }).first()).toBeVisible({ timeout: 60_000 });
    expect(await page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.model.cells.get(0).sharedModel.getSource())).toBe('v = 1');
    expect(await askKernel(page, 'print(v, w)')).toBe('1 10');
  });

  test('restore alone leaves the kernel as it was', async ({ page, tmpPath }) => {
    test.setTimeout(120_000);
    await openNotebook(page, tmpPath, 'restore-only.ipynb', ['v = 1']);
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.notebook.setCell(0, 'code', 'v = 5');
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`, { hasText: '[1]' }).first().click();
    await page.locator(`#${PANEL_ID} .jp-RetraceAttempts-restoreRun`).click();
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Restore', exact: true }).click();
    await expect.poll(() => page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.model.cells.get(0).sharedModel.getSource())).toBe('v = 1');
    expect(await askKernel(page, 'print(v)')).toBe('5');
  });
});
