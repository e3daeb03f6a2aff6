/**
 * The base every feature stands on: JupyterLab starts cleanly with Retrace,
 * the Retrace panel opens, reports its server part, and a notebook runs on a
 * real kernel.
 */
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import { runCellAt } from './helpers';

const PLUGIN_ID = 'jupyterlab-retrace:plugin';
const PANEL_ID = 'jp-retrace-panel';

/** Console messages that are known and harmless (see lab-host.md). */
const EXPECTED_CONSOLE = [/Starting application in workspace/];

test.describe('start-up', () => {
  test.use({ autoGoto: false });

  test('JupyterLab starts with no unexpected console errors', async ({ page }) => {
    const problems: string[] = [];
    page.on('console', message => {
      if (message.type() === 'error' && !EXPECTED_CONSOLE.some(re => re.test(message.text()))) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', error => problems.push(`page error: ${error.message}`));

    await page.goto();
    await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
    // Let late plugin activations and the status request finish.
    await page.waitForTimeout(1000);

    expect(problems).toEqual([]);
  });

  test('the panel says so when the server extension is missing', async ({ page }) => {
    await page.route(/\/retrace\/api\/status/, route =>
      route.fulfill({ status: 404, contentType: 'application/json', body: '{"message": "Not Found"}' })
    );
    await page.goto();
    await page.sidebar.openTab(PANEL_ID);
    const status = page.locator(`#${PANEL_ID} .jp-RetracePanel-status`);
    await expect(status).toContainText('Server extension missing');
    await expect(status).toHaveAttribute('data-state', 'error');
  });
});

test.describe('with JupyterLab loaded', () => {
  test('the Retrace plugin is active', async ({ page }) => {
    const active = await page.evaluate(id => window.jupyterapp.isPluginActivated(id), PLUGIN_ID);
    expect(active).toBe(true);
  });

  test('the Retrace panel opens from the sidebar and reports the server extension', async ({ page }) => {
    await page.getByRole('tab', { name: 'Retrace: run history and attempts' }).click();
    const panel = page.locator(`#${PANEL_ID}`);
    await expect(panel).toBeVisible();
    const status = panel.locator('.jp-RetracePanel-status');
    await expect(status).toHaveAttribute('data-state', 'ok');
    await expect(status).toContainText(/Server extension \d+\.\d+\.\d+\S* ready; histories in \.retrace/);
  });

  test('a new notebook runs a cell on the real kernel', async ({ page }) => {
    await page.notebook.createNew('run.ipynb');
    await page.notebook.setCell(0, 'code', 'import sys\nprint(6 * 7, sys.version_info[0])');
    await runCellAt(page, 0);
    const output = await page.notebook.getCellTextOutput(0);
    expect(output?.[0]).toContain('42 3');
  });

  // `npm run screenshot` runs this test with RETRACE_README_SCREENSHOT=1 to refresh docs/screenshot.png;
  // `npm test` only checks it, so the tracked picture changes only when asked.
  test('the demo notebook, run out of order with a tweaked threshold, beside the Retrace panel: the order is exact and no badge is raised until an edit', async ({ page, tmpPath }) => {
    const examples = path.resolve(__dirname, '..', '..', 'examples');
    await page.contents.uploadFile(path.join(examples, 'demo.ipynb'), `${tmpPath}/demo.ipynb`);
    await page.contents.uploadDirectory(path.join(examples, 'data'), `${tmpPath}/data`);
    await page.filebrowser.openDirectory(tmpPath);
    await page.notebook.openByPath(`${tmpPath}/demo.ipynb`);
    await page.notebook.activate('demo.ipynb');
    await page.sidebar.openTab(PANEL_ID);
    // A typical exploration: load, jump ahead, rerun with another threshold.
    for (const index of [1, 2, 7, 8, 4]) {
      await runCellAt(page, index);
    }
    await page.notebook.setCell(7, 'code', "threshold = 18\nsales['warm'] = sales['temperature_c'] > threshold");
    await runCellAt(page, 7);
    await runCellAt(page, 8);
    const rows = page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`);
    await expect(rows).toHaveCount(7);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceAttempts-status`)).toHaveAttribute('data-state', 'saved');
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).first()).toBeVisible();
    // Precision: the order is load, revenue, by region, the threshold's last run. The state needs
    // the threshold cell once, so no cell gets a badge.
    await expect
      .poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents())
      .toEqual(['cell 2', 'cell 3', 'cell 5', 'cell 8']);
    await expect(page.locator('.jp-Notebook .jp-RetraceBadge')).toHaveCount(0);
    await page.notebook.selectCells(7);
    if (process.env.RETRACE_README_SCREENSHOT) {
      await page.screenshot({ path: path.resolve(__dirname, '..', '..', 'docs', 'screenshot.png') });
    }
    // The order starts by loading the data and includes the edited threshold cell.
    const steps = await page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents();
    expect(steps[0]).toBe('cell 2');
    expect(steps).toContain('cell 8');
    expect(steps).not.toContain('cell 10');

    // An edit not run yet is still reported on its cell.
    await page.notebook.setCell(7, 'code', "threshold = 20\nsales['warm'] = sales['temperature_c'] > threshold");
    await expect(page.locator('.jp-Notebook .jp-RetraceBadge[data-kind="edited"]')).toHaveCount(1);
    await expect(page.locator('.jp-Notebook .jp-RetraceBadge')).toHaveCount(1);
  });
});

