/**
 * Run detail: an old run's image and table come back from the history,
 * rendered by JupyterLab, after the cell was changed and rerun (so the
 * notebook no longer has them) and after a page reload (so only the history
 * has them); its code is compared with the cell's next run and with the cell now.
 */
import { expect, test } from '@jupyterlab/galata';

import { openNotebook, PANEL_ID, runCellAt } from './helpers';

/** An 8×6 red PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAGCAIAAABxZ0isAAAAFElEQVR4nGM8ISfHgA0wYRWlkwQAmxQBECiKgAAAAAAASUVORK5CYII=';

const FIRST = [
  'import base64',
  'import pandas as pd',
  'from IPython.display import Image, display',
  `display(Image(data=base64.b64decode('${PNG}')))`,
  "pd.DataFrame({'city': ['Oslo', 'Lima'], 'temp_c': [4, 19]})"
].join('\n');

test.describe('run detail', () => {
  test.use({ kernels: null });

  test('an old image and table, gone from the notebook, are shown from the history, also after a reload', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'detail.ipynb', [FIRST]);
    const panel = page.locator(`#${PANEL_ID}`);
    await runCellAt(page, 0);
    await expect(page.locator('.jp-Cell-outputArea table')).toContainText('Oslo');
    await page.notebook.setCell(0, 'code', "import base64\nprint('replaced')");
    await runCellAt(page, 0);
    await expect(page.locator('.jp-Cell-outputArea').first()).toContainText('replaced');
    await expect(page.locator('.jp-Cell-outputArea table')).toHaveCount(0);
    await expect(panel.locator('.jp-RetraceAttempts-status')).toHaveAttribute('data-state', 'saved');
    await page.notebook.save();

    const checkOldRun = async () => {
      const detail = panel.locator('.jp-RetraceDetail');
      // One click, also right after the reload while the history still loads (the rows shift as
      // it arrives; the click must still pick run [1]).
      await panel.locator('.jp-RetraceTimeline-run', { hasText: '[1]' }).click();
      await expect(detail.locator('.jp-RetraceDetail-code')).toHaveText(FIRST);
      const outputs = detail.locator('.jp-RetraceDetail-outputs');
      await expect(outputs.locator('table')).toContainText('Oslo');
      await expect(outputs.locator('table')).toContainText('19');
      const img = outputs.locator('img');
      await expect(img).toHaveCount(1);
      await expect.poll(() => img.evaluate((e: HTMLImageElement) => [e.naturalWidth, e.naturalHeight])).toEqual([8, 6]);
      // Compared with the cell now: the display lines are gone, the print is new.
      const now = detail.locator('.jp-RetraceDetail-diffNow');
      await expect(now.locator('.jp-mod-removed')).toContainText(['import pandas as pd']);
      await expect(now.locator('.jp-mod-added')).toHaveText(["+print('replaced')"]);
    };
    await checkOldRun();

    // The newer run: its own output, and its code against the cell's previous run.
    await panel.locator('.jp-RetraceTimeline-run', { hasText: '[2]' }).click();
    const detail = panel.locator('.jp-RetraceDetail');
    await expect(detail.locator('.jp-RetraceDetail-outputs')).toContainText('replaced');
    await expect(detail.locator('.jp-RetraceDetail-outputs table')).toHaveCount(0);
    await expect(detail.locator('.jp-RetraceDetail-diffPrevious .jp-mod-added')).toHaveText(["+print('replaced')"]);
    await expect(detail.locator('.jp-RetraceDetail-diffNow')).toContainText('Identical.');
    await expect(detail.locator('.jp-RetraceDetail-reads')).toContainText('—');

    // After a reload only the history holds the first run's outputs.
    await page.reload({ waitForIsReady: false });
    await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
    await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
    await page.sidebar.openTab(PANEL_ID);
    await expect(panel.locator('.jp-RetraceTimeline-run')).toHaveCount(2);
    await checkOldRun();
  });
});
