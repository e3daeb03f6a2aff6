/**
 * Capture: every run of a real kernel shows up in the Retrace panel, however it
 * was triggered, with its status and kernel session.
 */
import { expect, test } from '@jupyterlab/galata';
import { openNotebook, runCellAt } from './helpers';
import { Locator, Page } from '@playwright/test';

const PANEL_ID = 'jp-retrace-panel';
const NAME = 'capture.ipynb';

function runRows(page: Page): Locator {
  return page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`);
}

/** The timeline as the user reads it, newest first: runs as "status [count] cell code", sessions as their label. */
async function timeline(page: Page, withSessions = false): Promise<string[]> {
  const selector = withSessions ? '.jp-RetraceTimeline-run, .jp-RetraceTimeline-session' : '.jp-RetraceTimeline-run';
  return page.locator(`#${PANEL_ID}`).locator(selector).evaluateAll(rows =>
    rows
      .sort((a, b) => parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top))
      .map(row =>
        row.classList.contains('jp-RetraceTimeline-session')
          ? (row.textContent ?? '').replace(/ · .*$/, '')
          : ['status', 'count', 'cell', 'code'].map(part => row.querySelector(`.jp-RetraceTimeline-${part}`)?.textContent ?? '').join(' ')
      )
  );
}


/** Run a command that asks to confirm a kernel restart, and confirm it. */
async function confirmRestart(page: Page, command: string): Promise<void> {
  const done = page.evaluate(id => window.jupyterapp.commands.execute(id), command);
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await done;
}

/** Open a console for the current notebook and wait until it shares the notebook's kernel, idle. */
async function openConsole(page: Page, command = 'notebook:create-console'): Promise<void> {
  await page.evaluate(async id => {
    await window.jupyterapp.commands.execute(id);
  }, command);
  await page.locator('.jp-CodeConsole-promptCell .cm-content').waitFor();
  // The console joined the notebook's kernel (it did not ask for one).
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const tracker = (await window.galata.getPlugin('@jupyterlab/notebook-extension:tracker')) as any;
        const console = window.jupyterapp.shell.currentWidget as any;
        const kernel = console?.sessionContext?.session?.kernel;
        return kernel && kernel.id === tracker.currentWidget.sessionContext.session.kernel.id && kernel.status === 'idle';
      })
    )
    .toBe(true);
}

/** The saved notebook as the server has it. */
async function savedNotebook(page: Page, path: string): Promise<{ metadata: Record<string, any> }> {
  const response = await page.request.get(`/api/contents/${path}?content=1&type=notebook`);
  expect(response.ok()).toBe(true);
  return (await response.json()).content;
}

test.describe('capture', () => {
  test('Run All with an error in the middle records ok, error and aborted runs', async ({ page, tmpPath }) => {
    // The first cell takes a moment, so every request of Run All is queued in the kernel when cell 3
    // fails (under load the last request arrived after the failure, and ran instead of being aborted).
    await openNotebook(page, tmpPath, NAME, ['a = 1\nimport time\ntime.sleep(1)', 'b = a + 1\nb', "raise ValueError('boom')", 'c = 3']);
    await page.menu.clickMenuItem('Run>Run All Cells');
    await expect(runRows(page)).toHaveCount(4);
    expect(await timeline(page)).toEqual([
      '– [ ] cell 4 c = 3',
      '✗ [3] cell 3 raise ValueError(\'boom\')',
      '✓ [2] cell 2 b = a + 1',
      '✓ [1] cell 1 a = 1'
    ]);
    const errorRow = runRows(page).filter({ hasText: 'ValueError' });
    await expect(errorRow).toHaveAttribute('title', /error: ValueError: boom/);
  });

  test('a rerun after an edit is a new run with the code as executed', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, NAME, ['x = 1']);
    await runCellAt(page, 0);
    await page.notebook.setCell(0, 'code', 'x = 2');
    await runCellAt(page, 0);
    await expect(runRows(page)).toHaveCount(2);
    expect(await timeline(page)).toEqual(['✓ [2] cell 1 x = 2', '✓ [1] cell 1 x = 1']);
  });

  test('every way of running a cell is recorded: shortcuts, run above, run below, toolbar', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, NAME, ['a = 1', 'b = a + 1', 'c = b + 1']);
    const steps: [string, () => Promise<void>, number][] = [
      ['Shift+Enter on cell 1', async () => {
        await page.notebook.selectCells(0);
        await page.keyboard.press('Shift+Enter');
      }, 1],
      // Shift+Enter moved to cell 2.
      ['Ctrl+Enter on cell 2', () => page.keyboard.press('Control+Enter'), 2],
      ['Alt+Enter on cell 3', async () => {
        await page.notebook.selectCells(2);
        await page.keyboard.press('Alt+Enter');
      }, 3],
      // Alt+Enter inserted an empty cell 4; it is run below but never reaches the kernel.
      ['run all above cell 3', async () => {
        await page.keyboard.press('Escape');
        await page.notebook.selectCells(2);
        await page.evaluate(() => window.jupyterapp.commands.execute('notebook:run-all-above'));
      }, 5],
      ['run cell 2 and all below', async () => {
        await page.notebook.selectCells(1);
        await page.evaluate(() => window.jupyterapp.commands.execute('notebook:run-all-below'));
      }, 7],
      ['toolbar run on cell 1', async () => {
        await page.notebook.selectCells(0);
        await page.notebook.clickToolbarItem('run');
      }, 8]
    ];
    for (const [what, act, rows] of steps) {
      await test.step(what, async () => {
        await act();
        await expect(runRows(page)).toHaveCount(rows);
      });
    }
    await page.notebook.waitForRun();
    expect(await page.notebook.getCellCount()).toBe(4);
    expect(await timeline(page)).toEqual([
      '✓ [8] cell 1 a = 1',
      '✓ [7] cell 3 c = b + 1',
      '✓ [6] cell 2 b = a + 1',
      '✓ [5] cell 2 b = a + 1',
      '✓ [4] cell 1 a = 1',
      '✓ [3] cell 3 c = b + 1',
      '✓ [2] cell 2 b = a + 1',
      '✓ [1] cell 1 a = 1'
    ]);
  });

  test('a run in either of two views of one notebook is recorded once', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, NAME, ['first = 1', 'second = first + 1']);
    await runCellAt(page, 0);
    await expect(runRows(page)).toHaveCount(1);
    // "New View for Notebook", then run the second cell in the new view.
    const views = await page.evaluate(async () => {
      const app = window.jupyterapp;
      await app.commands.execute('docmanager:clone');
      const tracker = (await window.galata.getPlugin('@jupyterlab/notebook-extension:tracker')) as any;
      const panels: any[] = [];
      tracker.forEach((p: any) => panels.push(p));
      const clone = panels[panels.length - 1];
      app.shell.activateById(clone.id);
      await clone.sessionContext.ready;
      clone.content.activeCellIndex = 1;
      await app.commands.execute('notebook:run-cell');
      return { count: panels.length, sameModel: panels[0].content.model === clone.content.model, current: tracker.currentWidget === clone };
    });
    expect(views).toEqual({ count: 2, sameModel: true, current: true });
    await expect(runRows(page)).toHaveCount(2);
    expect(await timeline(page)).toEqual(['✓ [2] cell 2 second = first + 1', '✓ [1] cell 1 first = 1']);
    // Both views show both runs, and the first view's panel lists each once.
    await expect(page.locator('.jp-NotebookPanel .jp-InputPrompt', { hasText: '[2]:' })).toHaveCount(2);
    await page.notebook.activate(NAME);
    await expect(runRows(page)).toHaveCount(2);
  });

  test('the notebook gets a stable id in its saved metadata on its first run', async ({ page, tmpPath }) => {
    const path = `${tmpPath}/${NAME}`;
    await openNotebook(page, tmpPath, NAME, ['x = 1']);
    expect((await savedNotebook(page, path)).metadata.retrace).toBeUndefined();

    await runCellAt(page, 0);
    await expect(runRows(page)).toHaveCount(1);
    await page.notebook.save();
    const id = (await savedNotebook(page, path)).metadata.retrace?.id;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    // Later runs, and reopening the notebook, keep the id.
    await runCellAt(page, 0);
    await page.notebook.save();
    await page.notebook.close();
    await page.evaluate(async p => {
      await window.jupyterapp.commands.execute('docmanager:open', { path: p });
    }, path);
    await page.notebook.activate(NAME);
    await runCellAt(page, 0);
    await page.notebook.save();
    // The path it was last seen at tells a later copy from a move.
    expect((await savedNotebook(page, path)).metadata.retrace).toEqual({ id, path });
  });

  for (const [command, what] of [
    ['notebook:create-console', 'a console'],
    // JupyterLab 4.6 + ipykernel 7: the console runs code on a kernel subshell.
    ['notebook:create-subshell-console', 'a subshell console']
  ]) {
    test(`code sent from ${what} attached to the notebook is recorded without a cell`, async ({ page, tmpPath }) => {
      await openNotebook(page, tmpPath, NAME, ['n = 1']);
      await runCellAt(page, 0);
      await openConsole(page, command);
      const prompt = page.locator('.jp-CodeConsole-promptCell .cm-content');

      // What a user does: type, then Shift+Enter.
      await prompt.click();
      await page.keyboard.type('from_console = n + 41');
      await page.keyboard.press('Shift+Enter');
      await expect(page.locator('.jp-CodeConsole-content .jp-InputPrompt').last()).toHaveText('[2]:');
      // And through the command, with an output.
      await page.evaluate(async () => {
        const console = window.jupyterapp.shell.currentWidget as any;
        console.console.promptCell.model.sharedModel.setSource('from_console');
        await window.jupyterapp.commands.execute('console:run-forced');
      });
      await expect(page.locator('.jp-CodeConsole-content .jp-OutputArea-output').last()).toHaveText('42');

      await page.notebook.activate(NAME);
      await expect(runRows(page)).toHaveCount(3);
      expect(await timeline(page)).toEqual([
        '✓ [3] console from_console',
        '✓ [2] console from_console = n + 41',
        '✓ [1] cell 1 n = 1'
      ]);
    });
  }
});

test.describe('capture without galata\'s kernel proxy', () => {
  // Galata proxies the kernels API to clean up kernels, and its proxy fails on
  // the empty 204 answer of POST /api/kernels/<id>/interrupt and loses the
  // kernel on a restart; these tests talk to the real endpoints instead.
  test.use({ kernels: null });

  test('a kernel restart starts a new kernel session; Restart & Run All records its runs in it', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, NAME, ['x = 1', 'y = x + 1']);
    await runCellAt(page, 0);
    await expect(runRows(page)).toHaveCount(1);

    await confirmRestart(page, 'notebook:restart-kernel');
    await runCellAt(page, 1);
    // x is gone with the old kernel: the run after the restart fails, in the new session.
    await expect(runRows(page)).toHaveCount(2);

    await confirmRestart(page, 'notebook:restart-run-all');
    await expect(runRows(page)).toHaveCount(4);
    // Three kernel sessions each have a [1]: those runs are named by their session too.
    expect(await timeline(page, true)).toEqual([
      '✓ [2] cell 2 y = x + 1',
      '✓ 3:[1] cell 1 x = 1',
      'Kernel restarted',
      '✗ 2:[1] cell 2 y = x + 1',
      'Kernel restarted',
      '✓ 1:[1] cell 1 x = 1',
      'Kernel python3 started'
    ]);
    await expect(runRows(page).filter({ hasText: '✗' })).toHaveAttribute('title', /NameError/);
  });

  test('a restart from a console attached to the notebook starts a new kernel session for the notebook', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, NAME, ['n = 1']);
    await runCellAt(page, 0);
    await openConsole(page);
    await confirmRestart(page, 'console:restart-kernel');
    await expect(page.locator('#jp-main-statusbar >> text=Idle')).toBeVisible();
    // Without a new session this rerun, count 1 again, would be taken for the first run.
    // (Through the notebook tracker: the console is the current widget, which galata's runCell would
    // type into and runCellAt would look for the cell in.)
    await page.evaluate(async () => {
      const tracker = (await window.galata.getPlugin('@jupyterlab/notebook-extension:tracker')) as any;
      tracker.currentWidget.content.activeCellIndex = 0;
      await window.jupyterapp.commands.execute('notebook:run-cell');
    });
    await expect(runRows(page)).toHaveCount(2);
    expect(await timeline(page, true)).toEqual(['✓ 2:[1] cell 1 n = 1', 'Kernel restarted', '✓ 1:[1] cell 1 n = 1', 'Kernel python3 started']);
  });

  test('an interrupted run is recorded as interrupted', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, NAME, ['import time\ntime.sleep(60)']);
    await page.notebook.selectCells(0);
    // Start the run without waiting for it to end: it ends only when interrupted.
    void page.evaluate(() => window.jupyterapp.commands.execute('notebook:run-cell'));
    await expect(page.locator('.jp-InputArea-prompt').first()).toHaveText('[*]:');
    await page.waitForTimeout(500);
    await page.evaluate(() => window.jupyterapp.commands.execute('notebook:interrupt-kernel'));
    await expect(runRows(page)).toHaveCount(1);
    await expect(runRows(page).first()).toHaveAttribute('data-status', 'interrupted');
  });

  test('a restart during Run All records the running cell as interrupted and the queued ones as aborted', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, NAME, ['import time\ntime.sleep(60)', 'y = 2', 'z = 3']);
    await page.menu.clickMenuItem('Run>Run All Cells');
    await expect(page.locator('.jp-InputArea-prompt').first()).toHaveText('[*]:');
    // Let the kernel start the first cell (its execute_input reaches the page).
    await page.locator('#jp-main-statusbar >> text=Busy').waitFor();
    await page.waitForTimeout(300);
    await confirmRestart(page, 'notebook:restart-kernel');
    await expect(runRows(page)).toHaveCount(3);
    expect(await timeline(page, true)).toEqual([
      'Kernel restarted',
      '– [ ] cell 3 z = 3',
      '– [ ] cell 2 y = 2',
      '■ [1] cell 1 import time',
      'Kernel python3 started'
    ]);
  });
});
