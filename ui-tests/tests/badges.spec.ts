/**
 * Diagnostics on the cells: a badge on the affected cell with its reason and
 * a fix that works (move below, insert the deleted cell's code, run now), and
 * a way to dismiss one.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { openNotebook, PANEL_ID, runCellAt } from './helpers';

/** The cells' sources (without the empty cell that running the last cell appends). */
async function sources(page: IJupyterLabPageFixture): Promise<string[]> {
  const all: string[] = await page.evaluate(() =>
    (window.jupyterapp.shell.currentWidget as any).content.model.sharedModel.cells.map((c: any) => c.getSource())
  );
  return all.filter(s => s !== '');
}

test.describe('diagnostic badges on the cells', () => {
  test.use({ kernels: null });

  test('move below: the dependent cell goes under the cell it needs, and the badge goes away', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'badges.ipynb', ['y = x * 2\ny', 'x = 21']);
    await runCellAt(page, 1);
    await runCellAt(page, 0);
    const badge = page.locator('.jp-Notebook .jp-RetraceBadge[data-kind="depends-on-later-cell"]');
    await expect(badge).toHaveCount(1);
    await expect(badge).toContainText('Uses x from cell 2, which is below it.');
    await badge.getByRole('button', { name: 'Move this cell below cell 2' }).click();
    await expect.poll(() => sources(page)).toEqual(['x = 21', 'y = x * 2\ny']);
    await expect(page.locator('.jp-Notebook .jp-RetraceBadge')).toHaveCount(0);
  });

  test('an import added to the first cell and run again: the order runs that cell once, first, and no badge is raised', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'imports.ipynb', ['import math', 'r = math.sqrt(16)', 'j = json.dumps(r)']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await page.notebook.setCell(0, 'code', 'import math\nimport json');
    await runCellAt(page, 0);
    await runCellAt(page, 2);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(4);
    // The rerun imports what the first run did and more: one run of cell 1, before cell 2.
    await expect
      .poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents())
      .toEqual(['cell 1', 'cell 2', 'cell 3']);
    await expect(page.locator('.jp-Notebook .jp-RetraceBadge')).toHaveCount(0);
  });

  test('an install run through os.system stays in the order, before the import after it', async ({ page, tmpPath }) => {
    // A pip command that fails at once offline: what matters is that it is an install.
    await openNotebook(page, tmpPath, 'install.ipynb', ['import os', 'os.system("pip install --no-index --find-links . retrace-no-such-package")', 'import json\nj = json.dumps(1)']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await runCellAt(page, 2);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(3);
    await expect
      .poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents())
      .toEqual(['cell 1', 'cell 2', 'cell 3']);
  });

  test('a failing cell run again with one line edited is needed once: its other constants are its own', async ({ page, tmpPath }) => {
    // The rerun binds USER to the very string it held (the tracer, reporting changes of identity,
    // is silent on it) and fails on the same line; the tracer saw that line load USER and HOST.
    const first = 'USER = "postgres"\nHOST = "localhost"\nurl = USER + HOST + PASSWORD';
    await openNotebook(page, tmpPath, 'failing.ipynb', [first, 'summary = (USER, HOST)']);
    await runCellAt(page, 0);
    await page.notebook.setCell(0, 'code', first.replace('"localhost"', '"db.local"'));
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(3);
    await expect
      .poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents())
      .toEqual(['cell 1', 'cell 2']);
    await expect(page.locator('.jp-Notebook .jp-RetraceBadge[data-kind="needs-rerun"]')).toHaveCount(0);
  });

  test('a shell escape reads the names IPython expands in it: the value it echoed is rebuilt', async ({ page, tmpPath }) => {
    // `out` holds what the shell printed for word == "alpha"; word was set again afterwards.
    await openNotebook(page, tmpPath, 'expand.ipynb', ['word = "alpha"', 'out = !echo {word}']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await page.notebook.setCell(0, 'code', 'word = "beta"');
    await runCellAt(page, 0);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(3);
    await expect
      .poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents())
      .toEqual(['cell 1', 'cell 2', 'cell 1']);
  });

  test('a loop that ends on the value set above leaves that cell its producer: no run of it, nor of what it called, is replayed', async ({ page, tmpPath }) => {
    // The loop leaves order holding the very int object `order = 15` bound (the tracer, reporting
    // changes of identity, is silent on it): the function's second definition reads 15 either way.
    await openNotebook(page, tmpPath, 'literal.ipynb', ['order = 15', 'def g(k, order=order):\n    return k * order', 'for order in [3, 9, 15]:\n    y = g(1, order)']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await runCellAt(page, 2);
    await runCellAt(page, 1);
    await page.notebook.setCell(2, 'code', 'y = g(2)');
    await runCellAt(page, 2);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(5);
    await expect
      .poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents())
      .toEqual(['cell 1', 'cell 2', 'cell 3']);
    await expect(page.locator('.jp-Notebook .jp-RetraceBadge')).toHaveCount(0);
  });

  test('a failed cell edited past the line it failed on is not flagged edited: that code never ran', async ({ page, tmpPath }) => {
    const failing = 'import json\ncomments = str(comments)\nstop_words = set(json.loads("x"))\nstop_words = stop_words.union(["@"])';
    const filter = 'result = []\nfor token in comments:\n    if token not in stop_words:\n        result.append(token)';
    await openNotebook(page, tmpPath, 'unfinished.ipynb', ['comments = ["a", "b"]', failing, filter]);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await runCellAt(page, 2);
    await page.notebook.setCell(1, 'code', failing.replace('["@"]', '["@", "I"]'));
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(3);
    await expect
      .poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents())
      .toEqual(['cell 1', 'cell 2', 'cell 3']);
    // The undefined stop_words is reported on cell 3; cell 2's edit is not.
    await expect(page.locator('.jp-Notebook .jp-RetraceBadge[data-kind="undefined-name"]')).toHaveCount(1);
    await expect(page.locator('.jp-Notebook .jp-RetraceBadge[data-kind="edited"]')).toHaveCount(0);
  });

  test('a value a cell only prints after computing what it keeps raises no claim: the state needs the other cell once', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'shown.ipynb', ['data = [1, 2, 3]', 'w = len(data)', 'xi = sum(data)\nprint(w)']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await runCellAt(page, 2);
    await page.notebook.setCell(1, 'code', 'w = len(data) * 2');
    await runCellAt(page, 1);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(4);
    // The replay still runs cell 2's first version before cell 3 prints it (no NameError)...
    await expect
      .poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents())
      .toEqual(['cell 1', 'cell 2', 'cell 3', 'cell 2']);
    // ...but neither needs-rerun nor edited is claimed: xi and w come out the same without it.
    await expect(page.locator('.jp-Notebook .jp-RetraceBadge')).toHaveCount(0);
  });

  test('a cell used to install one package at a time raises no claim; asking for a version does', async ({ page, tmpPath }) => {
    // Both packages are in the test environment: pip says "already satisfied" without the network.
    await openNotebook(page, tmpPath, 'installs.ipynb', [
      '%pip install ipykernel',
      'import ipykernel\nk = ipykernel.__version__',
      'import jupyterlab\nj = jupyterlab.__version__'
    ]);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await page.notebook.setCell(0, 'code', '%pip install jupyterlab');
    await runCellAt(page, 0);
    await runCellAt(page, 2);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(4);
    // The order keeps both installs before the imports (a fresh environment needs them)...
    await expect
      .poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents())
      .toEqual(['cell 1', 'cell 2', 'cell 1', 'cell 3']);
    // ...but the state's values do not depend on which install ran: no "edited", no "needs 2 runs".
    await expect(page.locator('.jp-Notebook .jp-RetraceBadge')).toHaveCount(0);

    // Asking for a version may change what the import loads: the edit is claimed.
    await page.notebook.setCell(0, 'code', '%pip install jupyterlab==1.0');
    await expect(page.locator('.jp-Notebook .jp-RetraceBadge[data-kind="edited"]')).toHaveCount(1);
  });

  test("insert the deleted cell's code, run now, and dismiss", async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'deleted.ipynb', ['a = 5', 'b = a + 1\nb', 'c = 1']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await runCellAt(page, 2);
    await page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.model.sharedModel.deleteCell(0));
    const deleted = page.locator('.jp-Notebook .jp-RetraceBadge[data-kind="deleted-cell"]');
    await expect(deleted).toHaveCount(1);
    await deleted.getByRole('button', { name: "Insert the deleted cell's code here" }).click();
    await expect.poll(() => sources(page)).toEqual(['a = 5', 'b = a + 1\nb', 'c = 1']);

    // Edit the last cell: "edited" with "Run this cell now", which makes the state match it.
    await page.notebook.setCell(2, 'code', 'c = 2');
    const edited = page.locator('.jp-Notebook .jp-RetraceBadge[data-kind="edited"]');
    await expect(edited).toHaveCount(1);
    await edited.getByRole('button', { name: 'Run this cell now' }).click();
    await expect(edited).toHaveCount(0);

    // A diagnostic can be dismissed on its cell.
    await page.notebook.setCell(2, 'code', 'c = 3');
    await expect(edited).toHaveCount(1);
    await edited.getByRole('button', { name: 'Dismiss' }).click();
    await expect(edited).toHaveCount(0);
  });
});
