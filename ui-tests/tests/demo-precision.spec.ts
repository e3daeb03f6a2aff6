/**
 * Precision on the README demo: run out of order, the threshold edited and
 * rerun after a group-by read the frame. The state needs the threshold cell
 * once, so no cell gets a badge; an edit not yet run still gets one.
 */
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

const PANEL_ID = 'jp-retrace-panel';

test('the demo run out of order with a tweaked threshold raises no badge', async ({ page, tmpPath }) => {
  const examples = path.resolve(__dirname, '..', '..', 'examples');
  await page.contents.uploadFile(path.join(examples, 'demo.ipynb'), `${tmpPath}/demo.ipynb`);
  await page.contents.uploadDirectory(path.join(examples, 'data'), `${tmpPath}/data`);
  await page.filebrowser.openDirectory(tmpPath);
  await page.notebook.openByPath(`${tmpPath}/demo.ipynb`);
  await page.notebook.activate('demo.ipynb');
  await page.sidebar.openTab(PANEL_ID);
  for (const index of [1, 2, 7, 8, 4]) {
    await page.notebook.runCell(index);
  }
  await page.notebook.setCell(7, 'code', "threshold = 18\nsales['warm'] = sales['temperature_c'] > threshold");
  await page.notebook.runCell(7);
  await page.notebook.runCell(8);
  await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(7);
  // The order: load, revenue, by region, the threshold's last run.
  await expect
    .poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents())
    .toEqual(['cell 2', 'cell 3', 'cell 5', 'cell 8']);
  await expect(page.locator('.jp-Notebook .jp-RetraceBadge')).toHaveCount(0);

  // An edit not run yet is still reported on its cell.
  await page.notebook.setCell(7, 'code', "threshold = 20\nsales['warm'] = sales['temperature_c'] > threshold");
  await expect(page.locator('.jp-Notebook .jp-RetraceBadge[data-kind="edited"]')).toHaveCount(1);
  await expect(page.locator('.jp-Notebook .jp-RetraceBadge')).toHaveCount(1);
});
