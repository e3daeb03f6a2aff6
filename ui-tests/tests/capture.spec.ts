/**
 * Capture: every run of a real kernel shows up in the Retrace panel, however it
 * was triggered, with its status.
 */
import { expect, test } from '@jupyterlab/galata';
import { Locator, Page } from '@playwright/test';

const PANEL_ID = 'jp-retrace-panel';

function runRows(page: Page): Locator {
  return page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`);
}

/** The rows' visible fields, newest first. */
async function rowSummaries(page: Page): Promise<string[]> {
  return runRows(page).evaluateAll(rows =>
    rows
      .sort((a, b) => parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top))
      .map(row =>
        ['status', 'count', 'cell', 'code']
          .map(part => row.querySelector(`.jp-RetraceTimeline-${part}`)?.textContent ?? '')
          .join(' ')
      )
  );
}

test.describe('capture', () => {
  test.beforeEach(async ({ page }) => {
    await page.notebook.createNew('capture.ipynb');
    await page.sidebar.openTab(PANEL_ID);
  });

  test('Run All with an error in the middle records ok, error and aborted runs', async ({ page }) => {
    await page.notebook.setCell(0, 'code', 'a = 1');
    await page.notebook.addCell('code', 'b = a + 1\nb');
    await page.notebook.addCell('code', "raise ValueError('boom')");
    await page.notebook.addCell('code', 'c = 3');
    await page.menu.clickMenuItem('Run>Run All Cells');
    await expect(runRows(page)).toHaveCount(4);
    expect(await rowSummaries(page)).toEqual([
      '– [ ] cell 4 c = 3',
      '✗ [3] cell 3 raise ValueError(\'boom\')',
      '✓ [2] cell 2 b = a + 1',
      '✓ [1] cell 1 a = 1'
    ]);
    const errorRow = runRows(page).filter({ hasText: 'ValueError' });
    await expect(errorRow).toHaveAttribute('title', /error: ValueError: boom/);
  });

  test('a rerun after an edit is a new run with the code as executed', async ({ page }) => {
    await page.notebook.setCell(0, 'code', 'x = 1');
    await page.notebook.runCell(0);
    await page.notebook.setCell(0, 'code', 'x = 2');
    await page.notebook.runCell(0);
    await expect(runRows(page)).toHaveCount(2);
    expect(await rowSummaries(page)).toEqual(['✓ [2] cell 1 x = 2', '✓ [1] cell 1 x = 1']);
  });
});

test.describe('capture without galata\'s kernel proxy', () => {
  // Galata proxies the kernels API to clean up kernels, and its proxy fails on
  // the empty 204 answer of POST /api/kernels/<id>/interrupt; this test talks
  // to the real endpoint instead.
  test.use({ kernels: null });

  test.beforeEach(async ({ page }) => {
    await page.notebook.createNew('capture.ipynb');
    await page.sidebar.openTab(PANEL_ID);
  });

  test('an interrupted run is recorded as interrupted', async ({ page }) => {
    await page.notebook.setCell(0, 'code', 'import time\ntime.sleep(60)');
    await page.notebook.selectCells(0);
    // Start the run without waiting for it to end: it ends only when interrupted.
    void page.evaluate(() => window.jupyterapp.commands.execute('notebook:run-cell'));
    await expect(page.locator('.jp-InputArea-prompt').first()).toHaveText('[*]:');
    await page.waitForTimeout(500);
    await page.evaluate(() => window.jupyterapp.commands.execute('notebook:interrupt-kernel'));
    await expect(runRows(page)).toHaveCount(1);
    await expect(runRows(page).first()).toHaveAttribute('data-status', 'interrupted');
  });
});
