/**
 * `npm run bench:diff`, browser part (bench/diff/run.sh drives it):
 *
 * - diff5mb: two 5 MB snapshots of a 500-cell notebook in the real history
 *   (one source edit, one output change between them), after a page reload so
 *   nothing is cached; the time from asking for their diff (what the button
 *   does) to the first frame painted with the diff shown.
 * - open4mb: a 4 MB notebook opened; the time from its notebook view being on
 *   the page to the Retrace panel being usable (notebook named, history state
 *   known, runs list drawn, canonical order computed and shown) and the main
 *   thread free again (next frame painted).
 *
 * Writes the figures and both snapshots (for nbdime) to RETRACE_BENCH_DIFF_OUT.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

const OUT = process.env.RETRACE_BENCH_DIFF_OUT ?? path.resolve(__dirname, '..', '..', '.cache', 'bench-diff');
const PAIR = process.env.RETRACE_BENCH_DIFF_NOTEBOOK ?? path.join(OUT, 'bench500.ipynb');
const OPEN = process.env.RETRACE_BENCH_OPEN_NOTEBOOK!;
const PANEL_ID = 'jp-retrace-panel';

test.use({ kernels: null });

/** The Retrace panel's model, from the page. */
const MODEL = `[...window.jupyterapp.shell.widgets('left')].find(w => w.id === '${PANEL_ID}').model`;

async function waitSaved(page: IJupyterLabPageFixture): Promise<void> {
  await expect(page.locator(`#${PANEL_ID} .jp-RetraceAttempts-status`)).toHaveAttribute('data-state', 'saved', { timeout: 300_000 });
}

async function lastCommit(page: IJupyterLabPageFixture): Promise<string> {
  return page.evaluate(`(() => { const index = ${MODEL}.history.runIndex; return index[index.length - 1].commit; })()`);
}

test('diff of two 5 MB snapshots, and a 4 MB notebook opened', async ({ page, tmpPath }) => {
  test.setTimeout(900_000);
  fs.mkdirSync(OUT, { recursive: true });
  await page.contents.uploadContent(fs.readFileSync(PAIR, 'utf8'), 'text', `${tmpPath}/bench500.ipynb`);
  await page.filebrowser.openDirectory(tmpPath);
  await page.notebook.openByPath(`${tmpPath}/bench500.ipynb`);
  await page.notebook.activate('bench500.ipynb');
  await page.locator('#jp-main-statusbar >> text=Idle').waitFor({ timeout: 120_000 });
  await page.sidebar.openTab(PANEL_ID);

  // Snapshot A: the notebook as uploaded, committed by a first run.
  await page.notebook.runCell(0);
  await waitSaved(page);
  const a = await lastCommit(page);
  // Snapshot B: one source edited, one cell rerun (its output changes).
  await page.evaluate(() => {
    const cells = (window.jupyterapp.shell.currentWidget as any).content.model.cells;
    cells.get(100).sharedModel.setSource("v100 = -1  # edited\nprint('cell 100')");
  });
  await page.notebook.runCell(300);
  await waitSaved(page);
  const b = await lastCommit(page);
  expect(b).not.toBe(a);
  await page.notebook.save();

  // Cold: reload, so neither snapshot is in any cache.
  await page.reload({ waitForIsReady: false });
  await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
  await expect(page.locator('.jp-NotebookPanel')).toBeVisible({ timeout: 120_000 });
  await page.sidebar.openTab(PANEL_ID);
  await waitSaved(page);

  const diffMs = await page.evaluate(
    async ([from, to]) => {
      const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
      const start = performance.now();
      void window.jupyterapp.commands.execute('retrace:diff-notebook', { from, to });
      while (!document.querySelector('.jp-RetraceNbDiff-body[data-state="ready"] .jp-RetraceNbDiff-cell')) {
        await frame();
      }
      await frame();
      return performance.now() - start;
    },
    [a, b]
  );
  const body = page.locator('.jp-RetraceNbDiff-body[data-state="ready"]');
  await expect(body.locator('.jp-RetraceNbDiff-summary')).toContainText('2 cell(s) changed, 0 added, 0 removed, 0 moved, 498 unchanged');
  await page.screenshot({ path: path.join(OUT, 'diff5mb.png') });

  // The same two snapshots, as files, for nbdime.
  for (const [name, commit] of [
    ['snapshot-a.ipynb', a],
    ['snapshot-b.ipynb', b]
  ]) {
    const text: string = await page.evaluate(`(async () => JSON.stringify((await ${MODEL}.history.readSnapshot('${commit}')).notebook))()`);
    fs.writeFileSync(path.join(OUT, name), text);
  }

  // open4mb: a 4 MB notebook from the shared corpus.
  const name = path.basename(OPEN);
  await page.contents.uploadContent(fs.readFileSync(OPEN, 'utf8'), 'text', `${tmpPath}/${name}`);
  const openMs = await page.evaluate(
    async ([file, base]) => {
      const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
      // Cleared here, filled again only when the order is computed for the notebook opened.
      document.querySelector('#jp-retrace-panel .jp-RetraceOrder-summary')!.textContent = '';
      void window.jupyterapp.commands.execute('docmanager:open', { path: file });
      let shown = 0;
      const giveUp = performance.now() + 120_000;
      for (;;) {
        if (performance.now() > giveUp) {
          throw new Error(`open4mb: the notebook or its panel was not ready within 120 s (shown: ${shown > 0})`);
        }
        const panels = [...document.querySelectorAll('.jp-NotebookPanel')] as HTMLElement[];
        const notebook = panels.find(p => p.offsetParent !== null && p.querySelector('.jp-Cell'));
        const current = [...document.querySelectorAll('.lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel')].some(e => e.textContent === base);
        if (!shown && notebook && current) {
          shown = performance.now();
        }
        const panel = document.getElementById('jp-retrace-panel')!;
        const named = panel.querySelector('.jp-RetracePanel-notebook')?.textContent?.endsWith(base);
        const state = panel.querySelector('.jp-RetraceAttempts-status')?.getAttribute('data-state');
        const listed = panel.querySelector('.jp-RetraceTimeline');
        // The canonical order of the new notebook computed and shown (after its 300 ms debounce).
        const ordered = panel.querySelector('.jp-RetraceOrder-summary')?.textContent?.trim();
        if (shown && named && listed && ordered && state && state !== 'opening') {
          await frame();
          return performance.now() - shown;
        }
        await frame();
      }
    },
    [`${tmpPath}/${name}`, name]
  );
  fs.writeFileSync(path.join(OUT, 'browser.json'), JSON.stringify({ diffMs, openMs, a, b }));
  console.log(`diff5mb ${Math.round(diffMs)} ms, open4mb ${Math.round(openMs)} ms`);
});
