/**
 * Restore of a run of another attempt that is not that attempt's tip: attempt "baseline" has
 * runs [1] [2] [3], the user is on attempt "sweep" and restores the notebook as it was after
 * baseline's run [2]. The notebook then holds exactly that snapshot; the next run starts a new,
 * automatically named attempt from that commit, shown as current; baseline keeps its run [3]
 * and sweep its runs (no branch moves), as the `git` command line sees the repository.
 * Between the restore and that run the notebook is on no attempt: the panel marks none as
 * current and says where the next run goes, also after the restore is saved and the page
 * reloaded (HEAD is detached at the restored commit, and no branch is made before the run).
 */
import { expect, test } from '@jupyterlab/galata';
import { Page } from '@playwright/test';

import { answerTitle, git, openNotebook, PANEL_ID, reloadAndReopen, repositoryOf, retraceKey, runCellAt, runsOn, waitSaved } from './helpers';

const NAME = 'restoreother.ipynb';
const SOURCES = ['a = 5', 'b = a + 1\nb', 'c = a * 2\nc', 'd = a - 1\nd'];

/** The open notebook's cells as the user sees them: source, execution count, text of the outputs. */
function shownCells(page: Page): Promise<{ source: string; count: number | null; outputs: string }[]> {
  return page.evaluate(() =>
    ((window.jupyterapp.shell.currentWidget as any).content.model.toJSON().cells as any[]).map(cell => ({
      source: Array.isArray(cell.source) ? cell.source.join('') : cell.source,
      count: cell.execution_count ?? null,
      outputs: (cell.outputs ?? [])
        .map((o: any) => [].concat(o.text ?? o.data?.['text/plain'] ?? []).join(''))
        .join('')
        .trim()
    }))
  );
}

/** The branches of the repository, as the git command line lists them. */
function branches(repo: string): string[] {
  return git(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads').split('\n').filter(Boolean).sort();
}

/** Where the next run goes while no attempt is current, fully inside the 250 px sidebar (wrapped, not cut). */
async function expectPendingFrom(page: Page, text: string): Promise<void> {
  const pending = page.locator(`#${PANEL_ID} .jp-RetraceAttempts-pending`);
  await expect(pending).toHaveText(text);
  const side = (await page.locator('#jp-left-stack').boundingBox())!;
  expect(Math.abs(side.width - 250)).toBeLessThanOrEqual(2);
  const box = (await pending.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(side.x + side.width + 1);
  expect(await pending.evaluate(node => node.scrollWidth <= node.clientWidth)).toBe(true);
}

/** Select the timeline row of run `[count]` and restore the notebook as it was after it (the button, then the dialog). */
async function restoreAfterRun(page: Page, count: number): Promise<void> {
  const panel = page.locator(`#${PANEL_ID}`);
  await panel.locator('.jp-RetraceTimeline-run', { has: page.locator('.jp-RetraceTimeline-count', { hasText: `[${count}]` }) }).click();
  await panel.locator('.jp-RetraceAttempts-restoreRun').click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('Restore snapshot');
  await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(dialog).toHaveCount(0);
}

test.describe('restore of a run of another attempt', () => {
  test.use({ kernels: null });

  test('a run that is not the tip of another attempt: the notebook as after it, then a new attempt from its commit; no branch moves', async ({ page, tmpPath }) => {
    test.setTimeout(240_000);
    await openNotebook(page, tmpPath, NAME, SOURCES);
    const panel = page.locator(`#${PANEL_ID}`);
    const current = panel.locator('.jp-RetraceAttempts-attempt.jp-mod-current');

    // Baseline: [1] [2] [3], one commit each (each run is on the branch before the next one runs).
    let repo = '';
    let baseline = '';
    for (const i of [0, 1, 2]) {
      await runCellAt(page, i);
      await waitSaved(page);
      if (!repo) {
        repo = await repositoryOf(page);
        baseline = (await current.getAttribute('data-attempt'))!;
      }
      await expect.poll(() => runsOn(repo, baseline).length).toBe(i + 1);
    }
    await retraceKey(page, 'e');
    await answerTitle(page, 'Edit attempt', 'baseline');
    await expect(current.locator('.jp-RetraceAttempts-title')).toHaveText('baseline');
    const baselineRuns = runsOn(repo, baseline);
    expect(baselineRuns.map(r => r.run)).toEqual(['[1] a = 5', '[2] b = a + 1', '[3] c = a * 2']);
    const [afterOne, afterTwo, afterThree] = baselineRuns.map(r => r.commit);
    expect(git(repo, 'rev-parse', `refs/heads/${baseline}`).trim()).toBe(afterThree);

    // Sweep: from the notebook as after [1], with a changed first cell: [4] [5].
    await restoreAfterRun(page, 1);
    await retraceKey(page, 'n');
    await answerTitle(page, 'New attempt', 'sweep');
    await expect(current.locator('.jp-RetraceAttempts-title')).toHaveText('sweep');
    const sweep = (await current.getAttribute('data-attempt'))!;
    await page.notebook.setCell(0, 'code', 'a = 7');
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await waitSaved(page);
    expect((await shownCells(page)).map(c => c.outputs)).toEqual(['', '8', '', '']);
    const sweepTip = git(repo, 'rev-parse', `refs/heads/${sweep}`).trim();
    expect(runsOn(repo, `${afterOne}..${sweep}`).map(r => r.run)).toEqual(['[4] a = 7', '[5] b = a + 1']);

    // Baseline's [2], from the sweep: exactly the notebook as it was right after that run.
    await restoreAfterRun(page, 2);
    await expect
      .poll(() => shownCells(page))
      .toEqual([
        { source: SOURCES[0], count: 1, outputs: '' },
        { source: SOURCES[1], count: 2, outputs: '6' },
        { source: SOURCES[2], count: null, outputs: '' },
        { source: SOURCES[3], count: null, outputs: '' }
      ]);

    // Until the next run the notebook is on no attempt: sweep is no longer marked current, and the
    // panel says where the next run goes. No branch is made for it yet; HEAD is detached at [2]'s commit.
    const pending = panel.locator('.jp-RetraceAttempts-pending');
    await expectPendingFrom(page, 'Next run starts a new attempt from [2] of baseline');
    await expect(current).toHaveCount(0);
    await expect(panel.locator(`.jp-RetraceAttempts-attempt[data-attempt="${sweep}"]`)).not.toHaveAttribute('aria-current', 'true');
    expect(branches(repo)).toEqual([baseline, 'retrace-attempts', sweep].sort());
    expect(git(repo, 'rev-parse', 'HEAD').trim()).toBe(afterTwo);

    // The next run starts a new attempt from that commit, shown as the current one.
    await runCellAt(page, 2);
    await waitSaved(page);
    await expect(current.locator('.jp-RetraceAttempts-title')).toHaveText(`Restored from ${afterTwo.slice(0, 7)}`);
    await expect(pending).toHaveCount(0);
    const restored = (await current.getAttribute('data-attempt'))!;
    expect([baseline, sweep]).not.toContain(restored);
    await expect(panel.locator('.jp-RetraceAttempts-attempt')).toHaveCount(3);

    // The git command line: the new branch's commit has baseline's [2] commit as parent; baseline and sweep did not move.
    git(repo, 'fsck', '--full');
    const restoredTip = git(repo, 'rev-parse', `refs/heads/${restored}`).trim();
    expect(git(repo, 'rev-parse', `${restoredTip}^`).trim()).toBe(afterTwo);
    expect(git(repo, 'rev-list', '--count', `${afterTwo}..${restoredTip}`).trim()).toBe('1');
    expect(runsOn(repo, restored).map(r => r.run)).toEqual(['[1] a = 5', '[2] b = a + 1', '[6] c = a * 2']);
    expect(git(repo, 'rev-parse', `refs/heads/${baseline}`).trim()).toBe(afterThree);
    expect(runsOn(repo, baseline).map(r => r.run)).toEqual(['[1] a = 5', '[2] b = a + 1', '[3] c = a * 2']);
    expect(git(repo, 'rev-parse', `refs/heads/${sweep}`).trim()).toBe(sweepTip);
    expect(git(repo, 'symbolic-ref', 'HEAD').trim()).toBe(`refs/heads/${restored}`);

    // Baseline's [2] once more, saved, and the page reloaded before any run: the restore is still
    // pending (the server's HEAD says so), no attempt is current, and no branch was made for it.
    await restoreAfterRun(page, 2);
    await expectPendingFrom(page, 'Next run starts a new attempt from [2] of baseline');
    await expect(current).toHaveCount(0);
    await page.notebook.save();
    await reloadAndReopen(page, NAME);
    await expect.poll(() => shownCells(page)).toEqual([
      { source: SOURCES[0], count: 1, outputs: '' },
      { source: SOURCES[1], count: 2, outputs: '6' },
      { source: SOURCES[2], count: null, outputs: '' },
      { source: SOURCES[3], count: null, outputs: '' }
    ]);
    await waitSaved(page);
    await expectPendingFrom(page, 'Next run starts a new attempt from [2] of baseline');
    await expect(current).toHaveCount(0);
    await expect(panel.locator('.jp-RetraceAttempts-attempt')).toHaveCount(3);
    expect(branches(repo)).toEqual([baseline, restored, 'retrace-attempts', sweep].sort());
    expect(git(repo, 'rev-parse', 'HEAD').trim()).toBe(afterTwo);

    // The first run after the reload starts that new attempt from [2]'s commit, current from then on.
    await runCellAt(page, 3);
    await waitSaved(page);
    await expect(current.locator('.jp-RetraceAttempts-title')).toHaveText(`Restored from ${afterTwo.slice(0, 7)}`);
    await expect(pending).toHaveCount(0);
    const again = (await current.getAttribute('data-attempt'))!;
    expect([baseline, sweep, restored]).not.toContain(again);
    expect(git(repo, 'symbolic-ref', 'HEAD').trim()).toBe(`refs/heads/${again}`);
    expect(git(repo, 'rev-parse', `refs/heads/${again}^`).trim()).toBe(afterTwo);
    git(repo, 'fsck', '--full');
  });
});
