/**
 * Attempts found by the title the user gave them, with the keyboard only, in
 * the sidebar at its default 250 px: `attempt:` in the run filter matches a part
 * of an attempt's title (its id is attempt-N), and the list follows a rename
 * made after the filter was typed. A cell deleted and then replayed by Replay
 * in order is named "deleted cell, replayed" in the diff's point picker, never
 * "console" (the replay runs its recorded code without a cell).
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { answerTitle, openNotebook, PANEL_ID, retraceKey, runCellAt, waitSaved } from './helpers';

/** The execution counts of the runs the timeline shows, newest first ("[4]", …). */
function shownRuns(page: IJupyterLabPageFixture): Promise<string[]> {
  return page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run .jp-RetraceTimeline-count`).allTextContents();
}

test.describe('attempts by title, keyboard only', () => {
  // Replay restarts the kernel: galata's kernel proxy cannot relay that.
  test.use({ kernels: null });

  test('attempt: matches a part of the title and follows a rename; a replayed deleted cell is named so in the diff picker', async ({ page, tmpPath }) => {
    test.setTimeout(240_000);
    await openNotebook(page, tmpPath, 'titles.ipynb', ['a = 5', 'b = a + 1\nb', 'c = a * 2\nc']);
    const panel = page.locator(`#${PANEL_ID}`);
    // The sidebar as JupyterLab opens it.
    expect(Math.abs((await page.locator('#jp-left-stack').boundingBox())!.width - 250)).toBeLessThanOrEqual(2);

    // The first attempt (main): [1] and [2].
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await waitSaved(page);
    // A second attempt, titled from the keyboard: [3] and [4] are its runs.
    await retraceKey(page, 'n');
    await answerTitle(page, 'New attempt', 'threshold sweep');
    const current = panel.locator('.jp-RetraceAttempts-attempt.jp-mod-current');
    await expect(current.locator('.jp-RetraceAttempts-title')).toHaveText('threshold sweep');
    const id = await current.getAttribute('data-attempt');
    // Its id does not contain the words typed below: only the title can match them.
    expect(id).toMatch(/^attempt-\d+$/);
    await runCellAt(page, 2);
    await runCellAt(page, 1);
    await waitSaved(page);
    await expect.poll(() => shownRuns(page)).toEqual(['[4]', '[3]', '[2]', '[1]']);

    // Delete two cells from the keyboard (the notebook has the focus after a run): the one just run, then
    // the first. The kernel state still holds their `b` and `a`: the canonical order starts with the run
    // of `a` and ends with the last run of `b`, both deleted cells.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.activeCellIndex)).toBe(1);
    await page.keyboard.press('d');
    await page.keyboard.press('d');
    await expect.poll(() => page.notebook.getCellCount()).toBe(2);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('d');
    await page.keyboard.press('d');
    await expect.poll(() => page.notebook.getCellCount()).toBe(1);
    await expect.poll(() => page.notebook.getCellTextInput(0)).toBe('c = a * 2\nc');
    await expect(panel.locator('[data-kind="deleted-cell"]').first()).toBeVisible();

    // The filter, from the keyboard: a part of the title, in another case.
    await retraceKey(page, 'f');
    const filter = panel.locator('input.jp-RetraceRuns-filter');
    await expect(filter).toBeFocused();
    await page.keyboard.type('attempt:Sweep');
    await expect.poll(() => shownRuns(page)).toEqual(['[4]', '[3]']);
    await expect(panel.locator('.jp-RetraceTimeline-run .jp-RetraceTimeline-code')).toContainText(['b = a + 1', 'c = a * 2']);
    // The filter box and the runs it leaves fit the 250 px sidebar.
    const side = (await page.locator('#jp-left-stack').boundingBox())!;
    for (const box of [await filter.boundingBox(), await panel.locator('.jp-RetraceTimeline-run').first().boundingBox()]) {
      expect(box!.x + box!.width).toBeLessThanOrEqual(side.x + side.width + 1);
    }

    // Renamed while the filter is typed (Alt+R E edits the current attempt): the list follows.
    await retraceKey(page, 'e');
    await answerTitle(page, 'Edit attempt', 'learning rate grid');
    await expect(current.locator('.jp-RetraceAttempts-title')).toHaveText('learning rate grid');
    await expect.poll(() => shownRuns(page)).toEqual([]);
    await expect(panel.locator('.jp-RetraceTimeline-empty')).toBeVisible();
    await retraceKey(page, 'f');
    await page.keyboard.press('Control+a');
    await page.keyboard.type('attempt:grid');
    await expect.poll(() => shownRuns(page)).toEqual(['[4]', '[3]']);
    // Renamed again, to a title without "grid": nothing matches any more; the first attempt's title still does.
    await retraceKey(page, 'e');
    await answerTitle(page, 'Edit attempt', 'threshold sweep 2');
    await expect.poll(() => shownRuns(page)).toEqual([]);
    await retraceKey(page, 'f');
    await page.keyboard.press('Control+a');
    await page.keyboard.type('attempt:main');
    await expect.poll(() => shownRuns(page)).toEqual(['[2]', '[1]']);
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Backspace');
    await expect.poll(() => shownRuns(page)).toEqual(['[4]', '[3]', '[2]', '[1]']);

    // Replay in order from the command palette: the deleted cell's recorded code runs again, without a cell.
    await page.keyboard.press('Control+Shift+c');
    await page.keyboard.type('Replay in Order');
    await page.keyboard.press('Enter');
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('The kernel restarts');
    await page.keyboard.press('Enter');
    const report = panel.locator('.jp-RetraceOrder-report');
    await expect(report).toHaveAttribute('data-ended', 'completed', { timeout: 60_000 });
    await expect(report).toContainText('recorded code of a cell that no longer exists');
    // Both replays of recorded code are runs of the replay's kernel session, named after their deleted cell:
    // the first step's too (it runs before the restarted kernel's tracer would be installed, unless the
    // replay waits for it, and only the tracer's journal records code run without a cell).
    await expect(panel.locator('.jp-RetraceTimeline-run', { hasText: 'replayed' }).locator('.jp-RetraceTimeline-count')).toHaveText(['2:[3]', '2:[1]']);
    await expect(panel.locator('.jp-RetraceTimeline-run .jp-RetraceTimeline-cell').filter({ hasText: 'replayed' })).toHaveText(['deleted cell, replayed', 'deleted cell, replayed']);
    await waitSaved(page);
    // A run after the replay: the replay's last snapshot is no longer the attempt's latest, so the picker lists it as a snapshot.
    await runCellAt(page, 0);
    await waitSaved(page);

    // The diff (Alt+R C): its point picker names the replayed run's snapshot the same way, never "console".
    await retraceKey(page, 'c');
    const diff = page.locator('.jp-RetraceNbDiff-main:visible');
    await expect(diff.locator('.jp-RetraceNbDiff-body')).toHaveAttribute('data-state', 'ready');
    const from = diff.locator('.jp-RetraceNbDiff-from');
    await from.focus();
    const options = await from.locator('option').allTextContents();
    // One snapshot per replay step, or one for several when their runs were committed together
    // (timing). The replayed deleted cell's steps (2:[1], 2:[3], the last) are named after it;
    // 2:[2] is cell 1's step.
    const replayed = options.filter(o => /^After run 2:\[[13]\]/.test(o));
    expect(replayed.length).toBeGreaterThanOrEqual(1);
    expect(replayed.filter(o => !o.includes('deleted cell, replayed'))).toEqual([]);
    expect(options.filter(o => o.startsWith('After run 2:[2]') && !o.includes('cell 1'))).toEqual([]);
    expect(options.filter(o => o.includes('console'))).toEqual([]);
    // And the attempt is offered under its title.
    expect(options.filter(o => o.includes('Attempt “threshold sweep 2”'))).toHaveLength(1);
  });
});
