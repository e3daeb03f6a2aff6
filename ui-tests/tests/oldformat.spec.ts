/**
 * Notebooks written before cell ids (nbformat 4.0–4.4, most older notebooks):
 * cells keep their identity through snapshot, restore and undo, so every run
 * stays linked to its cell, and so do the canonical order's steps. Uses a
 * fixture kept in the repository (nbformat 4.4, no ids; see
 * ui-tests/fixtures/README.md) and real notebooks of the shared set (4.0 and
 * 4.2), copied into the test's folder at run time.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { openNotebookJSON, openSharedNotebook, PANEL_ID, runCellAt, waitSaved } from './helpers';

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
      await runCellAt(page, index);
      await waitSaved(page);
    }
    // An edit and a run: the snapshot to come back from.
    await page.notebook.setCell(3, 'code', 'obj = list([1, 2, 3])\nobj');
    await runCellAt(page, 3);
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
    await runCellAt(page, 3);
    await waitSaved(page);
    expect(await runCells(page)).toEqual(['cell 4', 'cell 4', 'cell 4', 'cell 2', 'cell 1']);
    // The notebook keeps its own format: a save writes no cell ids into it.
    await page.notebook.save();
    const saved = (await (await page.request.get(`/api/contents/${tmpPath}/${NOTEBOOK}?content=1&type=notebook`)).json()).content;
    expect(saved.nbformat_minor).toBe(4);
    expect(saved.cells.some((c: any) => 'id' in c)).toBe(false);
  });
});

/**
 * Shared notebooks whose first cells run on a plain ipykernel. The cells to run, and the cells of
 * the canonical order they make, are found by how their source starts.
 */
const SHARED = [
  {
    version: '4.0',
    file: 'jrjohansson__scientific-python-lectures__Lecture-4-Matplotlib.ipynb',
    run: ['import numpy as np', 'x = np.linspace(0, 5, 10)'],
    order: ['import numpy as np', 'x = np.linspace(0, 5, 10)']
  },
  {
    version: '4.2',
    file: 'jupyterlab__jupyterlab__vega-extension.ipynb',
    run: ['from IPython.display import display', 'Vega(\n'],
    // The Vega cell only displays: the order needs the cell that defines Vega.
    order: ['from IPython.display import display']
  }
];

/** The canonical order's steps: the cell each names, and whether it links to a live cell. */
function orderSteps(page: IJupyterLabPageFixture): Promise<{ label: string; cellId: string | null; missing: boolean }[]> {
  return page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).evaluateAll(steps =>
    steps.map(step => ({
      label: step.textContent ?? '',
      cellId: (step as HTMLElement).dataset.cellId ?? null,
      missing: step.classList.contains('jp-mod-missing')
    }))
  );
}

function cellSource(page: IJupyterLabPageFixture, index: number): Promise<string> {
  return page.evaluate(i => (window.jupyterapp.shell.currentWidget as any).content.model.cells.get(i).sharedModel.getSource(), index);
}

/** Every run in the timeline names a cell of the notebook; every step of the order links to one; clicking a step shows its cell. */
async function expectAllLinked(page: IJupyterLabPageFixture, labels: string[], steps: string[], ids: string[]): Promise<void> {
  await expect.poll(() => runCells(page)).toEqual(labels);
  await expect.poll(async () => (await orderSteps(page)).map(s => s.label)).toEqual(steps);
  for (const step of await orderSteps(page)) {
    expect(step.missing).toBe(false);
    expect(ids).toContain(step.cellId);
  }
  const last = page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).last();
  const target = ids.indexOf((await last.getAttribute('data-cell-id'))!);
  await last.click();
  await expect.poll(() => page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.activeCellIndex)).toBe(target);
}

test.describe('shared notebooks without cell ids', () => {
  test.use({ kernels: null });

  for (const { version, file, run, order } of SHARED) {
    test(`restore and undo on a shared nbformat ${version} notebook keep every run and every order step linked to its cell`, async ({ page, tmpPath }) => {
      test.setTimeout(180_000);
      const original = await openSharedNotebook(page, tmpPath, file);
      expect(`${original.nbformat}.${original.nbformat_minor}`).toBe(version);
      expect(original.cells.some((c: any) => 'id' in c)).toBe(false);
      const find = (start: string) => original.cells.findIndex((c: any) => c.cell_type === 'code' && [].concat(c.source).join('').startsWith(start));
      const at = run.map(find);
      expect(at.every(i => i >= 0)).toBe(true);
      const [first, second] = at;
      const sourceBefore = await cellSource(page, second);

      for (const index of at) {
        await runCellAt(page, index);
        await waitSaved(page);
      }
      // An edit and a run of the second cell: the snapshot after run [2] is the one to come back to.
      await page.notebook.enterCellEditingMode(second);
      await page.keyboard.press('Control+End');
      await page.keyboard.type('\n# edited');
      await page.keyboard.press('Escape');
      await runCellAt(page, second);
      await waitSaved(page);
      const sourceEdited = await cellSource(page, second);
      expect(sourceEdited).toBe(`${sourceBefore}\n# edited`);
      const ids = await cellIds(page);
      expect(new Set(ids).size).toBe(original.cells.length);
      const labels = [`cell ${second + 1}`, `cell ${second + 1}`, `cell ${first + 1}`];
      const steps = order.map(start => `cell ${find(start) + 1}`);
      await expectAllLinked(page, labels, steps, ids);

      await page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`, { hasText: '[2]' }).click();
      await page.locator(`#${PANEL_ID} .jp-RetraceAttempts-restoreRun`).click();
      await page.locator('.jp-Dialog').getByRole('button', { name: 'Restore' }).click();
      await expect.poll(() => cellSource(page, second)).toBe(sourceBefore);
      expect(await cellIds(page)).toEqual(ids);
      await expectAllLinked(page, labels, steps, ids);

      await page.locator(`#${PANEL_ID} .jp-RetraceAttempts-undo`).click();
      await expect.poll(() => cellSource(page, second)).toBe(sourceEdited);
      expect(await cellIds(page)).toEqual(ids);
      await expectAllLinked(page, labels, steps, ids);
      // A run after the undo is a run of the same cell.
      await runCellAt(page, first);
      await waitSaved(page);
      await expectAllLinked(page, [`cell ${first + 1}`, ...labels], steps, ids);

      // The file keeps its format as JupyterLab writes it (every 4.0–4.4 notebook as 4.4): no cell ids written.
      await page.notebook.save();
      const saved = (await (await page.request.get(`/api/contents/${tmpPath}/${file}?content=1&type=notebook`)).json()).content;
      expect(`${saved.nbformat}.${saved.nbformat_minor}`).toBe('4.4');
      expect(saved.cells.some((c: any) => 'id' in c)).toBe(false);
    });
  }
});
