/**
 * The `attempt:` filter lists exactly one attempt's runs, the same live, after
 * a page reload and in a second tab on the same notebook: runs of the
 * attempt that is not current (after a reload only the kernel's journal and
 * that attempt's branch know them) are filed under their own attempt, never
 * under the current one. Each attempt's branch holds its runs, read with the
 * `git` command line. A run of the attempt that is not current shows its detail from its
 * commit (its outputs, Restore), and restoring it from there continues that attempt.
 * Sidebar at its default width, keyboard where natural.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Page } from '@playwright/test';

import { answerTitle, git, openInSecondTab, openNotebook, PANEL_ID, reloadAndReopen, repositoryOf, retraceKey, runCellAt, runsOn as runsWithCommits, waitSaved } from './helpers';

const NAME = 'attempts.ipynb';
const SOURCES = ['a = 5', 'b = a + 1\nb', 'c = a * 2\nc', 'd = a - 1\nd'];

/** The runs the timeline shows, newest first, as "[count] first line of code". */
function shownRuns(page: Page): Promise<string[]> {
  // The virtualized rows are rendered in timeline order.
  return page
    .locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)
    .evaluateAll(rows => rows.map(row => `${row.querySelector('.jp-RetraceTimeline-count')?.textContent} ${row.querySelector('.jp-RetraceTimeline-code')?.textContent}`));
}

/** Type `text` in the run filter (Alt+R F), replacing what it held. */
async function filterRuns(page: Page, text: string): Promise<void> {
  await retraceKey(page, 'f');
  const filter = page.locator(`#${PANEL_ID} input.jp-RetraceRuns-filter`);
  await expect(filter).toBeFocused();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
  await expect(filter).toHaveValue(text);
}

const BASELINE = ['[3] c = a * 2', '[2] b = a + 1', '[1] a = 5'];
const SWEEP = ['[5] b = a + 1', '[4] d = a - 1'];

/** Each attempt's runs, by part of its title, in any case; and all of them unfiltered. */
async function expectAttemptLists(page: Page): Promise<void> {
  await filterRuns(page, 'attempt:SWEEP');
  await expect.poll(() => shownRuns(page)).toEqual(SWEEP);
  await filterRuns(page, 'attempt:baseline');
  await expect.poll(() => shownRuns(page)).toEqual(BASELINE);
  // Both words of the filter must match: an attempt's runs by code.
  await filterRuns(page, 'attempt:base b =');
  await expect.poll(() => shownRuns(page)).toEqual(['[2] b = a + 1']);
  await filterRuns(page, 'attempt:sweep b =');
  await expect.poll(() => shownRuns(page)).toEqual(['[5] b = a + 1']);
  await filterRuns(page, '');
  await expect.poll(() => shownRuns(page)).toEqual([...SWEEP, ...BASELINE]);
}

/**
 * Run [3] of the first attempt, selected: its detail comes from its commit on that attempt's
 * branch (after a reload only the journal and that branch know the run, and the page saw none of
 * its outputs): the output the snapshot after it holds, and Restore offered, in the detail and
 * in the attempts section.
 */
async function expectBaselineRunDetail(page: Page): Promise<void> {
  const panel = page.locator(`#${PANEL_ID}`);
  await panel.locator('.jp-RetraceTimeline-run', { hasText: '[3]' }).click();
  const detail = panel.locator('.jp-RetraceDetail');
  await expect(detail.locator('.jp-RetraceDetail-code')).toHaveText(SOURCES[2]);
  await expect(detail.locator('.jp-RetraceDetail-outputs')).toContainText('10');
  await expect(detail.locator('.jp-RetraceDetail-restore')).toBeVisible();
  await expect(panel.locator('.jp-RetraceAttempts-restoreRun')).toBeVisible();
}

/**
 * Wait until a page that just loaded has its layout restored, its kernel idle and its history saved.
 * (The notebook of a /lab/tree/ address may still be opened and activated after that: a run filter
 * focused from the keyboard meanwhile keeps the focus.)
 */
async function settled(page: Page): Promise<void> {
  await page.evaluate(() => window.jupyterapp.restored);
  await page.locator('#jp-main-statusbar >> text=Idle').waitFor();
  await waitSaved(page);
}

/** The runs recorded by the commits of `range`, oldest first, as "[count] code". */
function runsOn(repo: string, range: string): string[] {
  return runsWithCommits(repo, range).map(r => r.run);
}

test.describe('attempt: filter across a reload and a second tab', () => {
  test.use({ kernels: null });

  test('lists exactly one attempt\'s runs live, after a reload and in a second tab; each branch holds its runs', async ({ page, tmpPath }) => {
    test.setTimeout(240_000);
    await openNotebook(page, tmpPath, NAME, SOURCES);
    const panel = page.locator(`#${PANEL_ID}`);
    expect(Math.abs((await page.locator('#jp-left-stack').boundingBox())!.width - 250)).toBeLessThanOrEqual(2);

    // Attempt 1: three runs, then titled from the keyboard.
    const current = panel.locator('.jp-RetraceAttempts-attempt.jp-mod-current');
    // One commit per run, so that the notebook as it was after run [1] can be restored: each run is
    // on the branch before the next one runs (a run queued meanwhile would share its commit).
    let repo = '';
    let first = '';
    for (const i of [0, 1, 2]) {
      await runCellAt(page, i);
      await waitSaved(page);
      if (!repo) {
        repo = await repositoryOf(page);
        first = (await current.getAttribute('data-attempt'))!;
      }
      await expect.poll(() => runsOn(repo, first)).toEqual(BASELINE.slice(2 - i).reverse());
    }
    await retraceKey(page, 'e');
    await answerTitle(page, 'Edit attempt', 'baseline model');
    await expect(current.locator('.jp-RetraceAttempts-title')).toHaveText('baseline model');

    // Back to the notebook as it was after run [1], then a second attempt from there with its own runs.
    await panel.locator('.jp-RetraceTimeline-run', { hasText: '[1]' }).click();
    await panel.locator('.jp-RetraceAttempts-restoreRun').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Restore snapshot');
    await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
    await expect(dialog).toHaveCount(0);
    await retraceKey(page, 'n');
    await answerTitle(page, 'New attempt', 'threshold sweep');
    await expect(current.locator('.jp-RetraceAttempts-title')).toHaveText('threshold sweep');
    const second = await current.getAttribute('data-attempt');
    expect(second).not.toBe(first);
    await runCellAt(page, 3);
    await runCellAt(page, 1);
    await waitSaved(page);
    await page.notebook.save();

    // Live.
    await expectAttemptLists(page);
    await expectBaselineRunDetail(page);

    // The git command line: each attempt's branch holds its runs; the second's starts after run [1].
    git(repo, 'fsck', '--full');
    expect(runsOn(repo, first)).toEqual([...BASELINE].reverse());
    // The second attempt branched after run [1]: its own commits hold [4] and [5].
    expect(runsOn(repo, `${first}..${second}`)).toEqual([...SWEEP].reverse());
    expect(runsOn(repo, second!)).toEqual(['[1] a = 5', ...[...SWEEP].reverse()]);

    // After a reload: the same lists, the same attempt current.
    await reloadAndReopen(page as IJupyterLabPageFixture, NAME);
    await settled(page);
    await expect(current.locator('.jp-RetraceAttempts-title')).toHaveText('threshold sweep');
    await expect.poll(() => shownRuns(page)).toEqual([...SWEEP, ...BASELINE]);
    await expectAttemptLists(page);
    await expectBaselineRunDetail(page);

    // A second tab on the same notebook.
    const other = await openInSecondTab(page, `${tmpPath}/${NAME}`, 'attemptreload-second');
    await settled(other);
    await other.evaluate(id => window.jupyterapp.shell.activateById(id), PANEL_ID);
    await expect(other.locator(`#${PANEL_ID} .jp-RetraceAttempts-attempt.jp-mod-current .jp-RetraceAttempts-title`)).toHaveText('threshold sweep');
    await expect.poll(() => shownRuns(other)).toEqual([...SWEEP, ...BASELINE]);
    await expectAttemptLists(other);
    await expectBaselineRunDetail(other);

    // Restored from that detail: the first attempt's tip, so the first attempt goes on, with c's output back.
    await other.locator(`#${PANEL_ID} .jp-RetraceDetail-restore`).click();
    const otherDialog = other.locator('.jp-Dialog');
    await expect(otherDialog).toContainText('Restore snapshot');
    await otherDialog.getByRole('button', { name: 'Restore', exact: true }).click();
    await expect(otherDialog).toHaveCount(0);
    await expect(other.locator(`#${PANEL_ID} .jp-RetraceAttempts-attempt.jp-mod-current .jp-RetraceAttempts-title`)).toHaveText('baseline model');
    await expect(other.locator('.jp-NotebookPanel .jp-Cell').nth(2).locator('.jp-OutputArea-output')).toContainText('10');
    await other.close();
  });
});
