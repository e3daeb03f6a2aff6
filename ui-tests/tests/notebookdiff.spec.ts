/**
 * Notebook diff on the real server and kernel: the snapshot after a run
 * compared with the notebook now shows each kind of change (changed source
 * and output, added, removed, moved, unchanged collapsed); the restore dialog
 * lists the cells that change and opens the same diff; two snapshots picked
 * in the diff's own pickers show each kind of change too, a changed image side
 * by side and the notebook metadata change summarised; and a keyboard-only
 * path goes from the timeline to the diff of what one run changed, the
 * notebook's first run included (against the notebook as opened).
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { openNotebook, PANEL_ID, runCellAt, waitSaved } from './helpers';

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
      await runCellAt(page, index);
      await waitSaved(page);
    }
    // Now change the notebook: edit and rerun cell 1, delete "scratch", move "note" to the top, add a cell.
    await page.notebook.setCell(0, 'code', "rate = 0.01\nprint('rate', rate)");
    await runCellAt(page, 0);
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

  test('two snapshots picked in the diff: changed, added, removed, moved, unchanged folded, an image side by side, the metadata summarised', async ({ page, tmpPath }) => {
    // A tiny PNG of one colour, made by the kernel (no library beyond Python's own).
    const helpers = [
      'import struct, zlib',
      'from IPython.display import Image',
      'def png(rgb):',
      "    chunk = lambda kind, data: struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))",
      "    rows = b''.join(b'\\x00' + bytes(rgb) * 8 for _ in range(8))",
      "    return b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 8, 8, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b'')"
    ].join('\n');
    await openNotebook(page, tmpPath, 'two-snapshots.ipynb', [
      helpers,
      'color = (200, 30, 30)',
      'Image(data=png(color))',
      'note = "moves"',
      'scratch = 1',
      'keep_a = 1',
      'keep_b = 2'
    ]);
    const panel = page.locator(`#${PANEL_ID}`);
    // Snapshot A: after run [5] ("scratch = 1"), a red image.
    for (const index of [0, 1, 2, 3, 4]) {
      await runCellAt(page, index);
      await waitSaved(page);
    }
    // Between A and B: a source edit that turns the image blue, "scratch" deleted,
    // "note" moved to the top, a notebook metadata key added, a cell added.
    await page.notebook.setCell(1, 'code', 'color = (30, 30, 200)');
    await runCellAt(page, 1);
    await waitSaved(page);
    await runCellAt(page, 2);
    await waitSaved(page);
    await page.notebook.selectCells(4);
    await command(page, 'notebook:delete-cell');
    await page.notebook.selectCells(3);
    for (let i = 0; i < 3; i++) {
      await command(page, 'notebook:move-cell-up');
    }
    // What the notebook metadata editor (Notebook Tools) does.
    await page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).context.model.setMetadata('experiment', { seed: 7 }));
    await page.notebook.addCell('code', 'added_later = True');
    // Snapshot B: after run [8], the added cell's (run in place: Shift+Enter on the last cell would add another).
    await runCellAt(page, 6);
    // Edited as soon as the run shows in the timeline, before its commit is written (a user typing on), and never run:
    // seen only if B were the notebook as it was when written rather than as run [8] left it, or if
    // "the notebook now" were compared.
    await expect(panel.locator('.jp-RetraceTimeline-run', { hasText: '[8]' })).toBeVisible();
    await page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.widgets[5].model.sharedModel.setSource('keep_b = 3'));
    await waitSaved(page);

    await panel.locator('.jp-RetraceTimeline-run', { hasText: '[8]' }).click();
    await panel.locator('.jp-RetraceDetail-diff').click();
    const diff = page.locator('.jp-RetraceNbDiff-main:visible');
    await expect(diff.locator('.jp-RetraceNbDiff-body')).toHaveAttribute('data-state', 'ready');
    // Both points picked in the diff's own pickers: the snapshot after run [5], and the one after
    // run [8], which is the tip of the attempt (listed once, as the attempt's latest).
    const pick = async (picker: string, label: string): Promise<string> => {
      const select = diff.locator(picker);
      const value = await select
        .locator('option')
        .evaluateAll((options, prefix) => (options as HTMLOptionElement[]).find(o => o.textContent!.startsWith(prefix))?.value ?? '', label);
      expect(value).toMatch(/^[0-9a-f]{40}$/);
      await select.selectOption(value);
      return value;
    };
    const from = await pick('select.jp-RetraceNbDiff-from', 'After run [5] ');
    const to = await pick('select.jp-RetraceNbDiff-to', 'Attempt “main” (latest, ');
    expect(from).not.toBe(to);
    await expect(diff.locator('select.jp-RetraceNbDiff-from')).toHaveValue(from);
    await expect(diff.locator('select.jp-RetraceNbDiff-to')).toHaveValue(to);
    await expect(diff.locator('.jp-RetraceNbDiff-body')).toHaveAttribute('data-state', 'ready');
    await expect(diff.locator('.jp-RetraceNbDiff-summary')).toContainText('2 cell(s) changed, 1 added, 1 removed, 1 moved, 4 unchanged.');
    await expect(diff.locator('.jp-RetraceNbDiff-metadata')).toHaveText('Notebook metadata: experiment added');

    // Changed source, as a text diff.
    const color = diff.locator('.jp-RetraceNbDiff-cell.jp-mod-changed', { hasText: 'color = ' });
    await expect(color.locator('.jp-RetraceNbDiff-what')).toHaveText('source changed');
    await expect(color.locator('.jp-RetraceNbDiff-source .jp-mod-removed')).toHaveText(['−color = (200, 30, 30)']);
    await expect(color.locator('.jp-RetraceNbDiff-source .jp-mod-added')).toHaveText(['+color = (30, 30, 200)']);
    // Changed image output, side by side: the red image before, the blue one after.
    const image = diff.locator('.jp-RetraceNbDiff-cell.jp-mod-changed', { hasText: 'Image(data=png(color))' });
    await expect(image.locator('.jp-RetraceNbDiff-what')).toHaveText('outputs changed');
    const sides = image.locator('.jp-RetraceNbDiff-sideBySide img');
    await expect(sides).toHaveCount(2);
    await expect(image.locator('.jp-RetraceNbDiff-side.jp-mod-before img')).toHaveAttribute('alt', 'Output before');
    await expect(image.locator('.jp-RetraceNbDiff-side.jp-mod-after img')).toHaveAttribute('alt', 'Output after');
    const colours = await sides.evaluateAll(async images =>
      Promise.all(
        (images as HTMLImageElement[]).map(async img => {
          await img.decode();
          const canvas = document.createElement('canvas');
          canvas.width = img.naturalWidth;
          canvas.height = img.naturalHeight;
          const context = canvas.getContext('2d')!;
          context.drawImage(img, 0, 0);
          return [img.naturalWidth, ...Array.from(context.getImageData(4, 4, 1, 1).data.slice(0, 3))];
        })
      )
    );
    expect(colours).toEqual([
      [8, 200, 30, 30],
      [8, 30, 30, 200]
    ]);
    // Removed, added and moved cells.
    await expect(diff.locator('.jp-RetraceNbDiff-cell.jp-mod-removed')).toHaveCount(1);
    await expect(diff.locator('.jp-RetraceNbDiff-cell.jp-mod-removed')).toContainText('scratch = 1');
    await expect(diff.locator('.jp-RetraceNbDiff-cell.jp-mod-added')).toHaveCount(1);
    await expect(diff.locator('.jp-RetraceNbDiff-cell.jp-mod-added')).toContainText('added_later = True');
    const moved = diff.locator('.jp-RetraceNbDiff-cell.jp-mod-moved');
    await expect(moved).toHaveCount(1);
    await expect(moved).toContainText('note = "moves"');
    await expect(moved.locator('.jp-RetraceNbDiff-where')).toHaveText('cell 1 (was 4)');
    // Unchanged cells folded: the helpers, and keep_a / keep_b as B holds them (not the edit made after B).
    await expect(diff.locator('.jp-RetraceNbDiff-sameToggle')).toHaveText(['Cell 2 unchanged', '2 unchanged cells (5–6)']);
    await expect(diff.locator('.jp-RetraceNbDiff-sameSource')).toHaveCount(0);
    await diff.locator('.jp-RetraceNbDiff-sameToggle', { hasText: '2 unchanged cells' }).click();
    await expect(diff.locator('.jp-RetraceNbDiff-sameSource')).toHaveText(['keep_a = 1', 'keep_b = 2']);
  });

  test('keyboard only: from the timeline, D opens the diff of what the focused run changed', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'keys-diff.ipynb', ['a = 1', "b = a + 1\nprint('b is', b)", 'c = 3']);
    await runCellAt(page, 0);
    await waitSaved(page);
    await runCellAt(page, 1);
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

  test('keyboard only: D on the notebook\'s first run shows the edit made before it, against the notebook as opened', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'first-run-diff.ipynb', ['rate = 0.1\nprint(rate)', 'c = 3']);
    // Edited, then run: the first run recorded, whose commit sits on the notebook as opened.
    await page.notebook.setCell(0, 'code', 'rate = 0.01\nprint(rate)');
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.keyboard.press('Alt+r');
    await page.keyboard.press('r');
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset?.runId ?? '')).toMatch(/\/1$/);
    await page.keyboard.press('d');
    const diff = page.locator('.jp-RetraceNbDiff-main:visible');
    await expect(diff.locator('.jp-RetraceNbDiff-body')).toHaveAttribute('data-state', 'ready');
    await expect(diff.locator('.jp-RetraceNbDiff-summary')).toContainText('1 cell(s) changed, 0 added, 0 removed, 0 moved');
    await expect(diff.locator('.jp-RetraceNbDiff-cell .jp-RetraceNbDiff-what')).toHaveText('source changed · outputs changed');
    await expect(diff.locator('.jp-RetraceNbDiff-source .jp-mod-removed')).toHaveText(['−rate = 0.1']);
    await expect(diff.locator('.jp-RetraceNbDiff-source .jp-mod-added')).toHaveText(['+rate = 0.01']);
    await expect(diff.locator('.jp-RetraceNbDiff-outputText .jp-mod-added')).toHaveText(['+0.01']);
  });
});
