/**
 * Notebook diff on the real server and kernel: the snapshot after a run
 * compared with the notebook now shows each kind of change (changed source
 * and output, added, removed, moved, unchanged collapsed); the restore dialog
 * lists the cells that change and opens the same diff; and a keyboard-only
 * path goes from the timeline to the diff of what one run changed.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { openNotebook, PANEL_ID, waitSaved } from './helpers';

async function command(page: IJupyterLabPageFixture, id: string, args: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(([id, args]) => window.jupyterapp.commands.execute(id as string, args as any), [id, args] as const);
}

test.describe('notebook diff', () => {
  test.use({ kernels: null });

  test('a snapshot against the notebook now: changed, added, removed, moved and unchanged cells; the restore dialog lists them and opens the diff', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'diff.ipynb', [
      "rate = 0.1\nprint('rate', rate)",
      'steps = 10',
      'note = "keep me"',
      'scratch = 1',
      'unchanged_a = 1',
      'unchanged_b = 2'
    ]);
    const panel = page.locator(`#${PANEL_ID}`);
    for (const index of [0, 1, 2, 3]) {
      await page.notebook.runCell(index);
      await waitSaved(page);
    }
    // Now change the notebook: edit and rerun cell 1, delete "scratch", move "note" to the top, add a cell.
    await page.notebook.setCell(0, 'code', "rate = 0.01\nprint('rate', rate)");
    await page.notebook.runCell(0);
    await waitSaved(page);
    await page.notebook.selectCells(3);
    await command(page, 'notebook:delete-cell');
    await page.notebook.selectCells(2);
    await command(page, 'notebook:move-cell-up');
    await command(page, 'notebook:move-cell-up');
    await page.notebook.addCell('code', 'added_later = True');

    // The run [4] ("scratch = 1") left the snapshot to compare with.
    await panel.locator('.jp-RetraceTimeline-run', { hasText: 'scratch = 1' }).click();
    await panel.locator('.jp-RetraceDetail-diff').click();
    const diff = page.locator('.jp-RetraceNbDiff-main:visible');
    await expect(diff.locator('.jp-RetraceNbDiff-body')).toHaveAttribute('data-state', 'ready');
    await expect(diff.locator('.jp-RetraceNbDiff-summary')).toContainText('1 cell(s) changed, 1 added, 1 removed, 1 moved');

    const changed = diff.locator('.jp-RetraceNbDiff-cell.jp-mod-changed', { hasText: 'rate' });
    await expect(changed.locator('.jp-RetraceNbDiff-what')).toHaveText('source changed · outputs changed');
    await expect(changed.locator('.jp-RetraceNbDiff-source .jp-mod-removed')).toHaveText(['−rate = 0.1']);
    await expect(changed.locator('.jp-RetraceNbDiff-source .jp-mod-added')).toHaveText(['+rate = 0.01']);
    await expect(changed.locator('.jp-RetraceNbDiff-outputText .jp-mod-removed')).toHaveText(['−rate 0.1']);
    await expect(changed.locator('.jp-RetraceNbDiff-outputText .jp-mod-added')).toHaveText(['+rate 0.01']);
    await expect(diff.locator('.jp-RetraceNbDiff-cell.jp-mod-removed')).toContainText('scratch = 1');
    await expect(diff.locator('.jp-RetraceNbDiff-cell.jp-mod-added')).toContainText('added_later = True');
    const moved = diff.locator('.jp-RetraceNbDiff-cell.jp-mod-moved');
    await expect(moved).toContainText('note = "keep me"');
    await expect(moved.locator('.jp-RetraceNbDiff-where')).toHaveText('cell 1 (was 3)');
    // Unchanged cells are collapsed, and open on demand.
    const same = diff.locator('.jp-RetraceNbDiff-sameToggle', { hasText: 'unchanged cells' });
    await expect(same).toHaveText('2 unchanged cells (4–5)');
    await same.click();
    await expect(diff.locator('.jp-RetraceNbDiff-sameSource')).toHaveText(['unchanged_a = 1', 'unchanged_b = 2']);

    // Restore of the same snapshot: the dialog names the cells, and Show diff opens the diff instead.
    await panel.locator('.jp-RetraceDetail-restore').click();
    const dialog = page.locator('.jp-Dialog');
    const changes = dialog.locator('.jp-RetraceRestoreDialog-changes li');
    await expect(changes).toContainText([/rate = 0\.1\).*source changes, outputs change/, /note = "keep me".*moves/]);
    await expect(dialog.locator('.jp-RetraceRestoreDialog-changes')).toContainText('scratch = 1): comes back');
    await expect(dialog.locator('.jp-RetraceRestoreDialog-changes')).toContainText('added_later = True): goes away');
    await dialog.getByRole('button', { name: 'Show diff' }).click();
    await expect(page.locator('.jp-RetraceNbDiff-main')).toHaveCount(2);
    const second = page.locator('.jp-RetraceNbDiff-main:visible');
    await expect(second.locator('.jp-RetraceNbDiff-body')).toHaveAttribute('data-state', 'ready');
    // From now back to the snapshot: what restoring would do.
    await expect(second.locator('.jp-RetraceNbDiff-summary')).toContainText('1 cell(s) changed, 1 added, 1 removed, 1 moved');
    await expect(second.locator('.jp-RetraceNbDiff-cell.jp-mod-added')).toContainText('scratch = 1');
  });

  test('keyboard only: from the timeline, D opens the diff of what the focused run changed', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'keys-diff.ipynb', ['a = 1', "b = a + 1\nprint('b is', b)", 'c = 3']);
    await page.notebook.runCell(0);
    await waitSaved(page);
    await page.notebook.runCell(1);
    await waitSaved(page);
    await page.keyboard.press('Alt+r');
    await page.keyboard.press('r');
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset?.runId ?? '')).toMatch(/\/2$/);
    await page.keyboard.press('d');
    const diff = page.locator('.jp-RetraceNbDiff-main:visible');
    await expect(diff.locator('.jp-RetraceNbDiff-body')).toHaveAttribute('data-state', 'ready');
    // Run [2] gave cell 2 its output: the only change between the snapshots around it.
    await expect(diff.locator('.jp-RetraceNbDiff-summary')).toContainText('1 cell(s) changed, 0 added, 0 removed, 0 moved');
    await expect(diff.locator('.jp-RetraceNbDiff-cell .jp-RetraceNbDiff-what')).toHaveText('outputs changed');
    await expect(diff.locator('.jp-RetraceNbDiff-outputText .jp-mod-added')).toHaveText(['+b is 2']);
    // The two points can be changed from the keyboard too.
    await diff.locator('.jp-RetraceNbDiff-to').focus();
    await expect(diff.locator('.jp-RetraceNbDiff-to option').first()).toHaveText('The notebook now');
  });
});
