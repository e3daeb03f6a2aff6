/**
 * The attempt graph after two attempts and a restore, on the real server:
 * one lane per attempt, forks where attempts branched (the restore's dashed),
 * "you are here" on the point the notebook continues from, a markdown comment
 * edited in place (kept in the repository), and a point chosen with the
 * keyboard selecting its run in the timeline and the run detail. After a
 * Replay in order, the points it made are marked as a replay (read back from
 * the history), and D on a point opens the diff with the snapshot before it.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

import { expandSection, openNotebook, PANEL_ID, runCellAt, waitSaved } from './helpers';

async function run(page: IJupyterLabPageFixture, source: string): Promise<void> {
  await page.notebook.setCell(0, 'code', source);
  await runCellAt(page, 0);
  await waitSaved(page);
}

test.describe('attempt graph', () => {
  test.use({ kernels: null });

  test('two attempts and a restore: lanes, forks, you are here, comment edited in place, keyboard selection', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'graph.ipynb', ['x = 1', 'y = 0']);
    const panel = page.locator(`#${PANEL_ID}`);
    await run(page, 'x = 1');
    await run(page, 'x = 2');
    // A second attempt, started from here.
    await panel.locator('.jp-RetraceAttempts-new').click();
    await page.locator('.jp-RetraceAttemptDialog-title').fill('smaller steps');
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Save' }).click();
    await run(page, 'x = 3');
    // Restore the snapshot after run [1], then run: a third attempt forks there.
    await panel.locator('.jp-RetraceTimeline-run', { hasText: 'x = 1' }).click();
    await panel.locator('.jp-RetraceAttempts-restoreRun').click();
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.model.cells.get(0).sharedModel.getSource())).toBe('x = 1');
    await run(page, 'x = 10');

    await expandSection(page, 'Attempt graph');
    const graph = panel.locator('.jp-RetraceGraph');
    await expect(graph.locator('.jp-RetraceGraph-attempt')).toHaveCount(3);
    await expect(graph.locator('.jp-RetraceGraph-attempt.jp-mod-current .jp-RetraceGraph-facts')).toContainText('restored from');
    await expect(graph.locator('.jp-RetraceGraph-attempt', { hasText: 'smaller steps' }).locator('.jp-RetraceGraph-facts')).toContainText('1 run(s)');
    const points = graph.locator('.jp-RetraceGraph-point');
    await expect(points).toHaveCount(4);
    // Three lanes of dots, two forks, the restore's marked; "you are here" on the newest point.
    await expect.poll(() => graph.locator('circle').evaluateAll(cs => new Set(cs.map(c => c.getAttribute('cx'))).size)).toBe(3);
    await expect(graph.locator('.jp-RetraceGraph-fork')).toHaveCount(2);
    await expect(graph.locator('.jp-RetraceGraph-fork.jp-mod-restore')).toHaveCount(1);
    await expect(points.first()).toHaveClass(/jp-mod-here/);
    await expect(points.first()).toContainText('x = 10');
    await expect(points.filter({ hasText: 'x = 1' }).filter({ hasNotText: 'x = 10' })).toContainText('restored →');

    // The comment of the first attempt, as markdown, edited in place.
    const main = graph.locator('.jp-RetraceGraph-attempt[data-attempt="main"]');
    await main.locator('.jp-RetraceGraph-editComment').click();
    await main.getByRole('textbox', { name: /Comment of/ }).fill('baseline with **x = 2**');
    await main.locator('.jp-RetraceGraph-save').click();
    await expect(main.locator('.jp-RetraceGraph-markdown strong')).toHaveText('x = 2');
    const id = await page.evaluate(() => ((window.jupyterapp.shell.currentWidget as any).context.model.getMetadata('retrace') as any)?.id);
    const status = await (await page.request.get('/retrace/api/status')).json();
    const repo = `${status.historyDir}/${id}.git`;
    expect(execFileSync('git', ['-C', repo, 'show', 'retrace-attempts:attempts.json'], { encoding: 'utf8' })).toContain('baseline with **x = 2**');

    // Keyboard: down to the second point, Enter selects its run everywhere.
    await points.first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(points.nth(1)).toHaveAttribute('aria-selected', 'true');
    await expect(panel.locator('.jp-RetraceTimeline-run.jp-mod-selected')).toContainText('x = 3');
    await expect(panel.locator('.jp-RetraceDetail-code')).toHaveText('x = 3');
  });

  test('a replay in order is marked in the graph, and D opens the diff with the snapshot before', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'replaygraph.ipynb', ['y = x * 2\nprint(y)', 'x = 21']);
    const panel = page.locator(`#${PANEL_ID}`);
    // Out of order: the order is cell 2, cell 1, and a replay runs them so.
    await runCellAt(page, 1);
    await waitSaved(page);
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="retrace-replay"] button').click();
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Restart and Replay' }).click();
    await expect(panel.locator('.jp-RetraceOrder-report')).toHaveAttribute('data-ended', 'completed', { timeout: 60_000 });
    await waitSaved(page);

    await expandSection(page, 'Attempt graph');
    const graph = panel.locator('.jp-RetraceGraph');
    const points = graph.locator('.jp-RetraceGraph-point');
    // The replay's last step (cell 1) made the newest point; the user's first run is not a replay.
    const replayed = points.filter({ has: page.locator('.jp-RetraceGraph-tag.jp-mod-replay') });
    // The replay's last run reaches the history after its report ends: under load, beyond the 15 s default.
    await expect(points.first()).toHaveClass(/jp-mod-replay/, { timeout: 60_000 });
    await expect(points.first()).toContainText('y = x * 2');
    await expect(points.last()).not.toHaveClass(/jp-mod-replay/);
    await expect(points.last()).toContainText('x = 21');
    // The mark is in each point's accessible name and on its dot.
    const marked = await replayed.count();
    await expect(graph.getByRole('option', { name: /replay/ })).toHaveCount(marked);
    await expect(graph.locator('circle.jp-mod-replay')).toHaveCount(marked);
    expect(marked).toBeLessThan(await points.count());

    // D on the newest point: the diff of its snapshot with the one before it.
    const newest = await points.first().getAttribute('data-commit');
    const before = await points.nth(1).getAttribute('data-commit');
    await points.first().focus();
    await page.keyboard.press('d');
    const diff = page.locator('.jp-RetraceNbDiff-main:visible');
    await expect(diff.locator('.jp-RetraceNbDiff-body')).toHaveAttribute('data-state', 'ready');
    await expect(diff.locator('select.jp-RetraceNbDiff-from')).toHaveValue(before!);
    await expect(diff.locator('select.jp-RetraceNbDiff-to')).toHaveValue(newest!);
  });
});
