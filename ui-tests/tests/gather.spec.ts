/**
 * Export the canonical order as a notebook, from the page: the new notebook
 * has the code each step ran (an edit made since is not what rebuilt the
 * state) and a fresh kernel runs it to the same value.
 */
import { expect, test } from '@jupyterlab/galata';

import { PANEL_ID, runOutOfOrder } from './helpers';

test.describe('export the canonical order as a notebook', () => {
  test.use({ kernels: null });

  test('a fresh kernel runs the gathered notebook to the same value', async ({ page, tmpPath }) => {
    test.setTimeout(240_000);
    await runOutOfOrder(page, tmpPath, 'explore.ipynb');
    // Edited but not run since: the state still comes from x = 21.
    await page.notebook.setCell(1, 'code', 'x = 1000');
    await expect(page.locator(`#${PANEL_ID} [data-kind="edited"]`)).toBeVisible();

    const target = await page.evaluate(() => window.jupyterapp.commands.execute('retrace:export-canonical-order'));
    expect(target).toBe(`${tmpPath}/explore-gathered.ipynb`);
    await expect.poll(() => page.notebook.isOpen('explore-gathered.ipynb')).toBe(true);
    await page.notebook.activate('explore-gathered.ipynb');
    const sources = await page.evaluate(() =>
      (window.jupyterapp.shell.currentWidget as any).content.model.sharedModel.cells.map((c: any) => c.getSource())
    );
    expect(sources[0]).toContain('Gathered from `explore.ipynb`');
    expect(sources[0]).toContain('cell 2: the version that ran, since edited');
    expect(sources.slice(1)).toEqual(['x = 21', 'y = x * 2\ny']);

    await page.locator('#jp-main-statusbar >> text=Idle').waitFor();
    await page.notebook.run();
    await expect.poll(async () => (await page.notebook.getCellTextOutput(2))?.[0]).toBe('42');
  });
});
