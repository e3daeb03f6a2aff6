/**
 * Canonical order and Replay in order, on a real kernel: notebooks run out of
 * order show the order that rebuilds the kernel state and the hidden state
 * that prevents top-to-bottom, and Replay reproduces it where it can and
 * reports why where it cannot.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { runCellAt } from './helpers';

const PANEL_ID = 'jp-retrace-panel';

async function cells(page: IJupyterLabPageFixture, sources: string[]): Promise<void> {
  await page.notebook.setCell(0, 'code', sources[0]);
  for (const source of sources.slice(1)) {
    await page.notebook.addCell('code', source);
  }
}

/** The cell labels of the canonical order shown in the panel. */
async function shownSteps(page: IJupyterLabPageFixture): Promise<string[]> {
  return page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents();
}

async function replayFromToolbar(page: IJupyterLabPageFixture): Promise<void> {
  await page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="retrace-replay"] button').click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('The kernel restarts');
  await dialog.getByRole('button', { name: 'Restart and Replay' }).click();
  await expect(page.locator(`#${PANEL_ID} .jp-RetraceOrder-report[data-ended]`)).toBeVisible({ timeout: 60_000 });
}

test.describe('canonical order and replay', () => {
  // Galata's kernel proxy cannot relay restart/interrupt answers (empty bodies).
  test.use({ kernels: null });

  test.beforeEach(async ({ page }) => {
    await page.notebook.createNew('order.ipynb');
    await page.sidebar.openTab(PANEL_ID);
  });

  test('tweak and rerun: a threshold edited and rerun needs one run and raises no diagnostic', async ({ page }) => {
    await cells(page, ['sales = {"temperature_c": 18}', 'threshold = 15\nsales["warm"] = sales["temperature_c"] > threshold\nsales["warm"]']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await page.notebook.setCell(1, 'code', 'threshold = 20\nsales["warm"] = sales["temperature_c"] > threshold\nsales["warm"]');
    await runCellAt(page, 1);
    expect((await page.notebook.getCellTextOutput(1))?.[0]).toBe('False');
    const order = page.locator(`#${PANEL_ID} .jp-RetraceOrder`);
    await expect(order).toHaveAttribute('data-verdict', 'top-to-bottom');
    await expect.poll(() => shownSteps(page)).toEqual(['cell 1', 'cell 2']);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceOrder-diagnostic`)).toHaveCount(0);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceOrder-replay`)).toBeEnabled();
    // The order came from the engine in a Web Worker, not from the page's thread.
    expect(page.workers().some(w => w.url().includes('lib_order_worker_js'))).toBe(true);
  });

  test('a session where every cell fails is not green, says so, and Replay is disabled', async ({ page }) => {
    await cells(page, ['import retrace_missing_a', 'import retrace_missing_b', 'import retrace_missing_c']);
    for (let i = 0; i < 3; i++) {
      await runCellAt(page, i);
    }
    // The tracer saw the failed imports bind nothing: nothing to replay (without it: errors).
    const order = page.locator(`#${PANEL_ID} .jp-RetraceOrder`);
    await expect(order).toHaveAttribute('data-verdict', 'nothing-to-replay');
    await expect(order).toHaveAttribute('data-top-to-bottom', 'false');
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceOrder-summary`)).toContainText('Nothing to replay: 3 of 3 runs failed');
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceOrder-replay`)).toBeDisabled();
  });

  test('a definition run after the cell that uses it: the order puts it first, and replay reproduces', async ({ page }) => {
    await cells(page, ['y = x * 2\nprint(y)', 'x = 21']);
    await runCellAt(page, 1);
    await runCellAt(page, 0);
    await expect.poll(() => shownSteps(page)).toEqual(['cell 2', 'cell 1']);
    await expect(page.locator(`#${PANEL_ID} [data-kind="depends-on-later-cell"]`)).toBeVisible();

    await replayFromToolbar(page);
    const report = page.locator(`#${PANEL_ID} .jp-RetraceOrder-report`);
    await expect(report).toHaveAttribute('data-ended', 'completed');
    await expect(report).toContainText('2 of 2 steps run, 1 outputs compared: 1 identical, 0 different');
    expect((await page.notebook.getCellTextOutput(0))?.[0]).toContain('42');
  });

  test('x += 1 run twice needs the cell twice, and replay rebuilds the same value', async ({ page }) => {
    await cells(page, ['x = 0', 'x += 1\nx']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await runCellAt(page, 1);
    await expect.poll(() => shownSteps(page)).toEqual(['cell 1', 'cell 2', 'cell 2']);
    await expect(page.locator(`#${PANEL_ID} [data-kind="needs-rerun"]`)).toBeVisible();

    await replayFromToolbar(page);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceOrder-report`)).toContainText('3 of 3 steps run, 2 outputs compared: 2 identical, 0 different');
    expect((await page.notebook.getCellTextOutput(1))?.[0]).toBe('2');
  });

  test('a deleted cell and an edited cell are diagnosed, and replay runs the code they ran', async ({ page }) => {
    await cells(page, ['a = 5', 'b = a + 1\nb']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await page.notebook.setCell(1, 'code', 'b = a + 100\nb');
    const before = await page.notebook.getCellCount();
    await page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.model.sharedModel.deleteCell(0));
    await expect.poll(() => page.notebook.getCellCount()).toBe(before - 1);
    await expect(page.locator(`#${PANEL_ID} [data-kind="deleted-cell"]`).first()).toBeVisible();
    await expect(page.locator(`#${PANEL_ID} [data-kind="edited"]`).first()).toBeVisible();

    await replayFromToolbar(page);
    const report = page.locator(`#${PANEL_ID} .jp-RetraceOrder-report`);
    await expect(report).toHaveAttribute('data-ended', 'completed');
    // The edited cell's step replays the code it ran (b = a + 1), not the edit.
    await expect(report).toContainText('2 of 2 steps run, 1 outputs compared: 1 identical, 0 different');
    await expect(report).toContainText('cell edited since: the code it ran was replayed');
    await expect(report).toContainText('recorded code of a cell that no longer exists');
  });

  test('replay stops at the first error and says where', async ({ page, tmpPath }) => {
    await page.contents.uploadContent('1', 'text', `${tmpPath}/n.txt`);
    await cells(page, ['z = int(open("n.txt").read())', 'w = z + 1\nw']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    // The file the first step read is gone: the recorded code fails now.
    await page.contents.deleteFile(`${tmpPath}/n.txt`);
    await replayFromToolbar(page);
    const report = page.locator(`#${PANEL_ID} .jp-RetraceOrder-report`);
    await expect(report).toHaveAttribute('data-ended', 'error');
    await expect(report).toContainText('error: FileNotFoundError');
    await expect(report).toContainText('1 of 2 steps run');
    // The failing cell is one click away.
    await report.locator('.jp-RetraceOrder-cell', { hasText: 'cell 1' }).click();
    expect(await page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.activeCellIndex)).toBe(0);
  });

  test('the report counts only compared outputs, replays an edited step with the code it ran, and compares a shown table outside the order', async ({ page }) => {
    await cells(page, ['threshold = 15', 'values = [10, 20, 30]', 'above = [v for v in values if v > threshold]\nlen(above)', 'sorted(above)']);
    for (const i of [0, 1, 2, 3]) {
      await runCellAt(page, i);
    }
    expect((await page.notebook.getCellTextOutput(3))?.[0]).toBe('[20, 30]');
    // Edited, not run: the state still comes from threshold = 15.
    await page.notebook.setCell(0, 'code', 'threshold = 25');
    await expect.poll(() => shownSteps(page)).toEqual(['cell 1', 'cell 2', 'cell 3']);

    await replayFromToolbar(page);
    const report = page.locator(`#${PANEL_ID} .jp-RetraceOrder-report`);
    await expect(report).toHaveAttribute('data-ended', 'completed');
    // Two outputs compared (len(above), and sorted(above) run after the order), two steps without output.
    await expect(report).toHaveAttribute('data-compared', '2');
    await expect(report).toHaveAttribute('data-identical', '2');
    await expect(report).toContainText('3 of 3 steps run, 2 outputs compared: 2 identical, 0 different. 2 without output.');
    await expect(report.locator('.jp-RetraceOrder-result', { hasText: 'cell 1' })).toContainText('cell edited since: the code it ran was replayed');
    await expect(report.locator('.jp-RetraceOrder-result', { hasText: 'cell 4' })).toContainText('shown output, outside the order: output identical');
    expect((await page.notebook.getCellTextOutput(2))?.[0]).toBe('2');
    expect((await page.notebook.getCellTextOutput(3))?.[0]).toBe('[20, 30]');
  });

  test('what always differs is sanitized: %%time figures, SVG element ids, and a pattern from the notebook metadata', async ({ page }) => {
    await cells(page, [
      '%%time\ntotal = sum(range(1000))\nprint(total)',
      'import uuid\nfrom IPython.display import SVG, display\nmark = uuid.uuid4().hex[:8]\n' +
        'display(SVG(f\'<svg xmlns="http://www.w3.org/2000/svg"><defs><circle id="c{mark}" r="5"/></defs><use href="#c{mark}"/></svg>\'))',
      'import time\nprint("stamp", time.time_ns())'
    ]);
    for (const i of [0, 1, 2]) {
      await runCellAt(page, i);
    }
    await page.evaluate(() => {
      const model = (window.jupyterapp.shell.currentWidget as any).context.model;
      model.setMetadata('retrace', { ...(model.getMetadata('retrace') ?? {}), check: { sanitize: [{ regex: 'stamp \\d+', replace: 'stamp N' }] } });
    });
    await replayFromToolbar(page);
    const report = page.locator(`#${PANEL_ID} .jp-RetraceOrder-report`);
    await expect(report).toHaveAttribute('data-ended', 'completed');
    await expect(report).toHaveAttribute('data-compared', '3');
    await expect(report).toHaveAttribute('data-identical', '3');
  });

  test('the kernel tracer reveals a mutation that static analysis cannot see', async ({ page }) => {
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceOrder-note`)).toHaveText('Using static analysis and the kernel tracer.');
    await cells(page, ['data = []', 'def add(value):\n    data.append(value)', 'add(5)', 'len(data)']);
    for (const i of [0, 1, 2, 3]) {
      await runCellAt(page, i);
    }
    // `add(5)` binds nothing; only the tracer sees that it changed `data`.
    await expect.poll(() => shownSteps(page)).toEqual(['cell 1', 'cell 2', 'cell 3']);
    // The tracer is silent: no names of its own in the user's namespace.
    await page.notebook.setCell(3, 'code', "sorted(n for n in globals() if 'retrace' in n.lower())");
    await runCellAt(page, 3);
    expect((await page.notebook.getCellTextOutput(3))?.[0]).toBe('[]');
  });

  test('a replay can be stopped while it runs, and the report says so', async ({ page, tmpPath }) => {
    await page.contents.uploadContent('0.1', 'text', `${tmpPath}/delay.txt`);
    await cells(page, ['import time\ndelay = float(open("delay.txt").read())', 'time.sleep(delay)\nslow = 1', 'done = slow + 1']);
    for (const i of [0, 1, 2]) {
      await runCellAt(page, i);
    }
    // Make the middle step long before replaying it (a replay runs the code each step ran).
    await page.contents.uploadContent('60', 'text', `${tmpPath}/delay.txt`);
    await page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="retrace-replay"] button').click();
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Restart and Replay' }).click();
    const progress = page.locator(`#${PANEL_ID} .jp-RetraceOrder-progress`);
    await expect(progress).toContainText('Replaying step 2 of 3');
    await page.locator(`#${PANEL_ID} .jp-RetraceOrder-stop`).click();
    const report = page.locator(`#${PANEL_ID} .jp-RetraceOrder-report`);
    await expect(report).toHaveAttribute('data-ended', 'cancelled', { timeout: 30_000 });
    await expect(report).toContainText('1 of 3 steps run');
    await expect(progress).toHaveText('');
  });
});
