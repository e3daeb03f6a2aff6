/**
 * Notebooks written before cell ids (nbformat 4.0–4.4, most older notebooks):
 * cells keep their identity through snapshot, restore and undo, so every run
 * stays linked to its cell. Uses a fixture kept in the repository
 * (nbformat 4.4, no ids; see ui-tests/fixtures/README.md).
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { openNotebookJSON, PANEL_ID, waitSaved } from './helpers';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const NOTEBOOK = 'made__python-nbformat-4.4-no-ids.ipynb';

/** The cell labels the timeline shows for its runs, newest first ("cell 4", or "deleted cell"). */
function runCells(page: IJupyterLabPageFixture): Promise<string[]> {
  return page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run .jp-RetraceTimeline-cell`).allTextContents();
}

function cellIds(page: IJupyterLabPageFixture): Promise<string[]> {
  return page.evaluate(() => {
    const cells = (window.jupyterapp.shell.currentWidget as any).content.model.cells;
    const ids: string[] = [];
    for (let i = 0; i < cells.length; i++) {
      ids.push(cells.get(i).id);
    }
    return ids;
  });
}

test.describe('notebooks without cell ids', () => {
  test.use({ kernels: null });

  test('restore and undo on an nbformat 4.4 notebook keep every run linked to its cell', async ({ page, tmpPath }) => {
    const original = JSON.parse(fs.readFileSync(path.join(FIXTURES, NOTEBOOK), 'utf8'));
    expect([original.nbformat, original.nbformat_minor]).toEqual([4, 4]);
    expect(original.cells.some((c: any) => 'id' in c)).toBe(false);
    await openNotebookJSON(page, tmpPath, NOTEBOOK, original);

    for (const index of [0, 1, 3]) {
      await page.notebook.runCell(index);
      await waitSaved(page);
    }
    // An edit and a run: the snapshot to come back from.
    await page.notebook.setCell(3, 'code', 'obj = list([1, 2, 3])\nobj');
    await page.notebook.runCell(3);
    await waitSaved(page);
    const idsBefore = await cellIds(page);
    await expect.poll(() => runCells(page)).toEqual(['cell 4', 'cell 4', 'cell 2', 'cell 1']);

    // Restore the snapshot of the first run.
    await page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`, { hasText: '[1]' }).click();
    await page.locator(`#${PANEL_ID} .jp-RetraceAttempts-restoreRun`).click();
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Restore' }).click();
    await expect
      .poll(() => page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.model.cells.get(3).sharedModel.getSource()))
      .toContain('list([4, 7, -5, 3])');
    expect(await cellIds(page)).toEqual(idsBefore);
    expect(await runCells(page)).toEqual(['cell 4', 'cell 4', 'cell 2', 'cell 1']);

    // Undo: the edited notebook is back, its cells the same cells.
    await page.locator(`#${PANEL_ID} .jp-RetraceAttempts-undo`).click();
    await expect
      .poll(() => page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.model.cells.get(3).sharedModel.getSource()))
      .toContain('list([1, 2, 3])');
    expect(await cellIds(page)).toEqual(idsBefore);
    expect(await runCells(page)).toEqual(['cell 4', 'cell 4', 'cell 2', 'cell 1']);
    // A run after the undo is a run of the same cell.
    await page.notebook.runCell(3);
    await waitSaved(page);
    expect(await runCells(page)).toEqual(['cell 4', 'cell 4', 'cell 4', 'cell 2', 'cell 1']);
    // The notebook keeps its own format: a save writes no cell ids into it.
    await page.notebook.save();
    const saved = (await (await page.request.get(`/api/contents/${tmpPath}/${NOTEBOOK}?content=1&type=notebook`)).json()).content;
    expect(saved.nbformat_minor).toBe(4);
    expect(saved.cells.some((c: any) => 'id' in c)).toBe(false);
  });
});
