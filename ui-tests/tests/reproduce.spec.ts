/**
 * Make reproducible, on a real kernel and history: the open notebook is
 * rewritten into the canonical order (a definition moved above its use, a
 * deleted cell's code inserted, an edit kept beside the version that ran),
 * the replay confirms it, the summary says what changed, and Undo restore
 * returns exactly the notebook as it was.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { expandSection, openNotebook, PANEL_ID, runCellAt, waitSaved } from './helpers';

function notebookJSON(page: IJupyterLabPageFixture): Promise<string> {
  return page.evaluate(() => JSON.stringify((window.jupyterapp.shell.currentWidget as any).context.model.toJSON()));
}

function sources(page: IJupyterLabPageFixture): Promise<string[]> {
  return page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.model.sharedModel.cells.map((c: any) => c.getSource()));
}

test.describe('make reproducible', () => {
  // Galata's kernel proxy cannot relay restart answers.
  test.use({ kernels: null });

  test('rewrites the notebook into the canonical order, replays it, says what changed, and undo returns the exact notebook', async ({ page, tmpPath }) => {
    test.setTimeout(240_000);
    await openNotebook(page, tmpPath, 'explore.ipynb', ['y = x * 2\ny', 'x = 21', 'a = 5', 'b = a + 1\nb', 'c = 1\nc']);
    for (const i of [1, 0, 2, 3, 4]) {
      await runCellAt(page, i);
    }
    // Hidden state: a deleted cell, and an edit not run since.
    await page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.model.sharedModel.deleteCell(2));
    await expect.poll(() => page.notebook.getCellCount()).toBe(4);
    await page.notebook.setCell(3, 'code', 'c = 2\nc');
    await expect(page.locator(`#${PANEL_ID} [data-kind="deleted-cell"]`).first()).toBeVisible();
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceAttempts-status`)).toHaveAttribute('data-state', 'saved');
    const before = await notebookJSON(page);

    await page.locator(`#${PANEL_ID} .jp-RetraceOrder-reproduce`).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('1 cell(s) move, 1 inserted, 1 kept as separate versions');
    await dialog.getByRole('button', { name: 'Rewrite and Replay' }).click();

    const report = page.locator(`#${PANEL_ID} .jp-RetraceOrder-report`);
    await expect(report).toHaveAttribute('data-ended', 'completed', { timeout: 60_000 });
    await expect(report).toHaveAttribute('data-compared', '3');
    await expect(report).toHaveAttribute('data-identical', '3');
    // The deleted cell's code back as a cell, the definition above its use, the
    // version that ran before the edit that replaced it; no cell lost.
    expect(await sources(page)).toEqual(['a = 5', 'x = 21', 'y = x * 2\ny', 'b = a + 1\nb', 'c = 1\nc', 'c = 2\nc']);
    await expect(page.locator('.jp-toast-message, .Toastify__toast', { hasText: 'Make reproducible' }).first()).toContainText(
      '1 moved, 1 inserted, 1 kept as separate versions. Replay completed: 3 outputs compared, 3 identical, 0 different.'
    );
    expect((await page.notebook.getCellTextOutput(2))?.[0]).toBe('42');
    expect((await page.notebook.getCellTextOutput(3))?.[0]).toBe('6');
    // The replay's first step (the restarted kernel's [1]) ran traced: the replay waits for the tracer's
    // reinstall after the restart, so its run detail shows the names the tracer saw, not static analysis.
    const panel = page.locator(`#${PANEL_ID}`);
    await panel
      .locator('.jp-RetraceTimeline-run')
      .filter({ has: page.locator('.jp-RetraceTimeline-count', { hasText: /^2:\[1\]$/ }) })
      .click();
    const detail = panel.locator('.jp-RetraceDetail');
    await expect(detail.locator('.jp-RetraceDetail-code')).toHaveText('a = 5');
    await expect(detail.locator('.jp-RetraceDetail-namesSource')).toHaveAttribute('data-source', 'tracer');
    await expect(detail.locator('.jp-RetraceDetail-writes')).toHaveText('a');
    // The confirming replay's runs are marked as a replay in the attempt graph; the user's are not.
    await waitSaved(page);
    await expandSection(page, 'Attempt graph');
    const points = page.locator(`#${PANEL_ID} .jp-RetraceGraph .jp-RetraceGraph-point`);
    await expect(points.first()).toHaveClass(/jp-mod-replay/);
    await expect(points.last()).not.toHaveClass(/jp-mod-replay/);

    await page.evaluate(() => window.jupyterapp.commands.execute('retrace:undo-restore'));
    await expect.poll(() => sources(page)).toEqual(['y = x * 2\ny', 'x = 21', 'b = a + 1\nb', 'c = 2\nc']);
    expect(await notebookJSON(page)).toBe(before);
  });

  test('a session with nothing to replay is refused with the reason, and the notebook is untouched', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'failing.ipynb', ['import retrace_missing_module']);
    await runCellAt(page, 0);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceOrder-reproduce`)).toBeDisabled();
    const before = await notebookJSON(page);
    void page.evaluate(() => window.jupyterapp.commands.execute('retrace:make-reproducible'));
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Nothing to replay');
    await dialog.getByRole('button').first().click();
    expect(await notebookJSON(page)).toBe(before);
  });

  test('both commands are in the palette under Retrace', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'palette.ipynb', ['x = 1']);
    await page.keyboard.press('Control+Shift+c');
    const palette = page.locator('#command-palette');
    await palette.locator('.lm-CommandPalette-input').fill('Retrace');
    const items = await palette.locator('.lm-CommandPalette-item:visible .lm-CommandPalette-itemLabel').allTextContents();
    expect(items).toContain('Make Reproducible…');
    expect(items).toContain('Gather the Cells Behind This Output');
  });
});
