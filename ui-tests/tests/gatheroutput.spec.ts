/**
 * Gather the cells behind this output, from a cell's context menu: the new
 * notebook has only the runs that output depended on, and a fresh kernel
 * runs it to the same value.
 */
import { expect, test } from '@jupyterlab/galata';

import { openNotebook, runCellAt } from './helpers';

test.describe('gather the cells behind an output', () => {
  test.use({ kernels: null });

  test('the gathered notebook holds only what the output needs and a fresh kernel runs it to the same value', async ({ page, tmpPath }) => {
    test.setTimeout(240_000);
    await openNotebook(page, tmpPath, 'analysis.ipynb', [
      'import math',
      'base = 16',
      'noise = [1, 2, 3]\nprint("unrelated")',
      'root = math.sqrt(base)',
      'root + 1',
      'base = 100'
    ]);
    for (const i of [0, 1, 2, 3, 4, 5]) {
      await runCellAt(page, i);
    }
    expect((await page.notebook.getCellTextOutput(4))?.[0]).toBe('5.0');

    const cell = page.locator('.jp-NotebookPanel:visible .jp-Cell').nth(4);
    await cell.locator('.jp-InputPrompt').click();
    await cell.locator('.jp-InputArea-editor').click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Gather the Cells Behind This Output' }).click();
    await expect.poll(() => page.notebook.isOpen('analysis-cell-5-gathered.ipynb')).toBe(true);
    await page.notebook.activate('analysis-cell-5-gathered.ipynb');
    const sources = await page.evaluate(() =>
      (window.jupyterapp.shell.currentWidget as any).content.model.sharedModel.cells.map((c: any) => c.getSource())
    );
    expect(sources[0]).toContain('The cells behind the output of cell 5');
    // `noise` is not needed, and `base = 100` came after the output.
    expect(sources.slice(1)).toEqual(['import math', 'base = 16', 'root = math.sqrt(base)', 'root + 1']);

    await page.locator('#jp-main-statusbar >> text=Idle').waitFor();
    await page.notebook.run();
    await expect.poll(async () => (await page.notebook.getCellTextOutput(4))?.[0]).toBe('5.0');
  });
});
