/**
 * The run detail's names read and written come from the kernel tracer when it
 * reported on the run (with the files the run opened), and say so; the code
 * alone could not tell them here (a name made by exec, a file written).
 */
import { expect, test } from '@jupyterlab/galata';

import { openNotebook, PANEL_ID, runCellAt } from './helpers';

test.describe('run detail names', () => {
  test.use({ kernels: null });

  test('what the tracer saw the run read and write, and the files it wrote, labelled as the tracer’s', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'names.ipynb', [
      'w = 41',
      "exec('made = w + 1')\nwith open('made.txt', 'w') as f:\n    f.write(str(w))"
    ]);
    const panel = page.locator(`#${PANEL_ID}`);
    await expect(panel.locator('.jp-RetraceOrder-note')).toContainText('kernel tracer');
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await panel.locator('.jp-RetraceTimeline-run', { hasText: '[2]' }).click();
    const detail = panel.locator('.jp-RetraceDetail');
    await expect(detail.getByRole('region', { name: 'Names (kernel tracer)' })).toBeVisible();
    await expect(detail.locator('.jp-RetraceDetail-namesSource')).toHaveAttribute('data-source', 'tracer');
    // Static analysis cannot see `made` (bound inside exec) nor the file.
    await expect(detail.locator('.jp-RetraceDetail-writes')).toContainText('made');
    await expect(detail.locator('.jp-RetraceDetail-reads')).toContainText('w');
    await expect(detail.locator('.jp-RetraceDetail-filesWritten')).toContainText('made.txt');

    // The filter reads the same names: writes:made finds the run.
    await panel.locator('input.jp-RetraceRuns-filter').fill('writes:made');
    await expect(panel.locator('.jp-RetraceTimeline-run')).toHaveCount(1);
  });
});
