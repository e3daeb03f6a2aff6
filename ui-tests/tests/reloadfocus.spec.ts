/**
 * Alt+R F pressed while a reloaded page is still starting up: the run filter
 * keeps the keyboard focus when JupyterLab then opens and activates the
 * notebook of the /lab/tree/ address, so the rest of what the user types goes
 * into the filter, and no key reaches the notebook (in command mode each
 * letter is a notebook shortcut: a, b insert cells, d d deletes one, x cuts).
 */
import { expect, test } from '@jupyterlab/galata';

import { openNotebook, PANEL_ID, retraceKey, runCellAt, waitSaved } from './helpers';

const NAME = 'focus.ipynb';
const SOURCES = ['a = 1', 'b = 2'];

test.describe('focus after a reload', () => {
  test.use({ kernels: null });

  test('Alt+R F during start-up: the filter keeps the focus when the restored notebook opens; no key edits it', async ({ page, tmpPath }) => {
    test.setTimeout(150_000);
    await openNotebook(page, tmpPath, NAME, SOURCES);
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.notebook.save();
    expect(page.url()).toContain(`/lab/tree/${tmpPath}/${NAME}`);

    // Which commands the page runs, and when each has finished.
    await page.addInitScript(() => {
      const run: { id: string; done: boolean }[] = ((window as any).__commandsRun = []);
      const timer = setInterval(() => {
        const app = (window as any).jupyterapp;
        if (app?.commands) {
          clearInterval(timer);
          app.commands.commandExecuted.connect((_: unknown, args: { id: string; result: Promise<unknown> }) => {
            const entry = { id: args.id, done: false };
            run.push(entry);
            void Promise.resolve(args.result).finally(() => (entry.done = true));
          });
        }
      }, 5);
    });

    await page.reload({ waitForIsReady: false });
    // As soon as the shortcut can work, before the layout is restored and the notebook opened: the
    // panel is there and Retrace's key bindings are loaded.
    await page.waitForFunction(
      id => !!document.getElementById(id) && !!(window as any).jupyterapp?.commands?.keyBindings?.some((b: any) => b.command === 'retrace:filter-runs'),
      PANEL_ID,
      { polling: 10, timeout: 60_000 }
    );
    await retraceKey(page, 'f');
    // The user sees the cursor in the filter (once the sidebar is laid out), and types.
    const filter = page.locator(`#${PANEL_ID} input.jp-RetraceRuns-filter`);
    await expect(filter).toBeFocused();
    await page.keyboard.type('cell:2 ');

    // JupyterLab opens the notebook of the address, reveals it, and its kernel is idle.
    await page.waitForFunction(() => ((window as any).__commandsRun as { id: string; done: boolean }[]).some(c => c.id === 'filebrowser:open-path' && c.done), undefined, {
      timeout: 60_000
    });
    await page.locator('#jp-main-statusbar >> text=Idle').waitFor({ timeout: 60_000 });
    await page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).revealed);
    // The activation takes the focus in an animation frame.
    await page.evaluate(() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve))));

    // The user types on, without touching anything.
    await page.keyboard.type('a b dd x');
    await expect(filter).toHaveValue('cell:2 a b dd x');
    await expect(filter).toBeFocused();
    const sources = await page.evaluate(() => {
      const model = (window.jupyterapp.shell.currentWidget as any).content.model;
      return Array.from({ length: model.cells.length }, (_, i) => model.cells.get(i).sharedModel.getSource() as string);
    });
    expect(sources).toEqual(SOURCES);
  });
});
