/**
 * Search and filter of the timeline on the real server and kernel: by code
 * text, by cell, by status, by attempt and by names read; each leaves exactly
 * the runs it should (how many, and which), words combine, and clearing the
 * filter brings every run back.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { expandSection, openNotebook, PANEL_ID, runCellAt, waitSaved } from './helpers';

/** The execution counts of the runs the timeline shows, newest first ("[6]", …). */
function shownRuns(page: IJupyterLabPageFixture): Promise<string[]> {
  return page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run .jp-RetraceTimeline-count`).allTextContents();
}

async function filterBy(page: IJupyterLabPageFixture, text: string, expected: string[]): Promise<void> {
  await page.locator(`#${PANEL_ID} input.jp-RetraceRuns-filter`).fill(text);
  await expect.poll(() => shownRuns(page), { message: `runs left by the filter "${text}"` }).toEqual(expected);
}

test.describe('timeline search', () => {
  test.use({ kernels: null });

  test('filter by code text, cell, status, attempt and names read: the runs left, and which', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'search.ipynb', [
      'data = [3, 1, 2]',
      'total = sum(data)',
      'ratio = total / 0',
      "print('total is', total)"
    ]);
    const panel = page.locator(`#${PANEL_ID}`);
    // The first attempt: [1]–[4], run [3] fails.
    for (const index of [0, 1, 2, 3]) {
      await runCellAt(page, index);
      await waitSaved(page);
    }
    // A second attempt: [5] and [6].
    await panel.locator('.jp-RetraceAttempts-new').click();
    await page.locator('.jp-RetraceAttemptDialog-title').fill('second try');
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Save' }).click();
    for (const index of [1, 3]) {
      await runCellAt(page, index);
      await waitSaved(page);
    }
    await expect.poll(() => shownRuns(page)).toEqual(['[6]', '[5]', '[4]', '[3]', '[2]', '[1]']);
    await expandSection(page, 'Attempt graph');
    const second = await panel.locator('.jp-RetraceGraph-attempt', { hasText: 'second try' }).getAttribute('data-attempt');
    expect(second).toBeTruthy();
    expect(second).not.toBe('main');

    // Code text: the two runs of `total = sum(data)`.
    await filterBy(page, 'sum(', ['[5]', '[2]']);
    await expect(panel.locator('.jp-RetraceTimeline-run .jp-RetraceTimeline-code')).toHaveText(['total = sum(data)', 'total = sum(data)']);
    // A cell: the fourth cell's runs only.
    await filterBy(page, 'cell:4', ['[6]', '[4]']);
    await expect(panel.locator('.jp-RetraceTimeline-run .jp-RetraceTimeline-cell')).toHaveText(['cell 4', 'cell 4']);
    await filterBy(page, 'cell:1', ['[1]']);
    // Status: the failed run.
    await filterBy(page, 'status:error', ['[3]']);
    await expect(panel.locator('.jp-RetraceTimeline-run')).toHaveAttribute('data-status', 'error');
    await filterBy(page, 'status:ok', ['[6]', '[5]', '[4]', '[2]', '[1]']);
    // Attempt: the runs of each attempt.
    await filterBy(page, `attempt:${second}`, ['[6]', '[5]']);
    await filterBy(page, 'attempt:main', ['[4]', '[3]', '[2]', '[1]']);
    // Names read: every run that read `total` (the failed one too), not the one that wrote it.
    await filterBy(page, 'reads:total', ['[6]', '[4]', '[3]']);
    await filterBy(page, 'reads:data', ['[5]', '[2]']);
    // Words combine: all must match.
    await filterBy(page, `reads:total attempt:${second}`, ['[6]']);
    await filterBy(page, 'print cell:2', []);
    await expect(panel.locator('.jp-RetraceTimeline-empty')).toBeVisible();
    // Cleared: every run is back.
    await filterBy(page, '', ['[6]', '[5]', '[4]', '[3]', '[2]', '[1]']);
  });
});
