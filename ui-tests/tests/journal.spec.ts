/**
 * Every run recorded exactly once, whoever sent it and whenever the page was
 * away: the kernel's journal (the tracer) is caught up on connect and reload,
 * two tabs record each run once, and a reload that reconnects to the same
 * kernel is not a new kernel session. Counted in the git repository on disk
 * with the `git` command line, and in the panel.
 */
import { expect, test } from '@jupyterlab/galata';
import { Page } from '@playwright/test';
import { execFileSync } from 'child_process';

import { git, openInSecondTab, openNotebook, PANEL_ID, reloadAndReopen, repositoryOf, runCellAt, waitSaved } from './helpers';

/** The id of the notebook in the current tab's history, once it has one. */
async function notebookIdOf(page: Page): Promise<string> {
  let id: string | undefined;
  await expect
    .poll(async () => {
      id = await page.evaluate(() => ((window.jupyterapp.shell.currentWidget as any)?.context?.model.getMetadata('retrace') as any)?.id);
      return typeof id === 'string';
    })
    .toBe(true);
  return id!;
}

/** Every run record in every commit of every attempt (duplicates included), read with git alone. */
function recordedRuns(repo: string): { id: string; executionCount: number | null; cellId: string; kernelSession: string }[] {
  const branches = git(repo, 'for-each-ref', '--format=%(refname)', 'refs/heads')
    .split('\n')
    .filter(ref => ref && !ref.includes('retrace-meta') && !ref.endsWith('/meta'));
  const commits = new Set(git(repo, 'rev-list', ...branches).split('\n').filter(Boolean));
  const runs: { id: string; executionCount: number | null; cellId: string; kernelSession: string }[] = [];
  for (const commit of commits) {
    let text: string;
    try {
      text = execFileSync('git', ['-C', repo, 'show', `${commit}:runs.json`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      continue; // a snapshot without runs
    }
    runs.push(...JSON.parse(text).runs);
  }
  return runs;
}

async function waitKernelIdle(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => (window.jupyterapp.shell.currentWidget as any)?.sessionContext?.session?.kernel?.status), {
      timeout: 60_000
    })
    .toBe('idle');
}

/** What the panel's timeline shows, newest first (runs as "[count] code", sessions as their label). */
async function timeline(page: Page): Promise<string[]> {
  return page.locator(`#${PANEL_ID}`).locator('.jp-RetraceTimeline-run, .jp-RetraceTimeline-session').evaluateAll(rows =>
    rows
      .sort((a, b) => parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top))
      .map(row =>
        row.classList.contains('jp-RetraceTimeline-session')
          ? (row.textContent ?? '').replace(/ · .*$/, '')
          : `${row.querySelector('.jp-RetraceTimeline-count')?.textContent} ${row.querySelector('.jp-RetraceTimeline-duration')?.textContent}`
      )
  );
}

/** The runs the timeline renders now (it is virtualized: the newest ones, as many as fit). */
async function shownRuns(page: Page): Promise<{ id: string }[]> {
  return page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`).evaluateAll(rows => rows.map(row => ({ id: (row as HTMLElement).dataset.runId ?? '' })));
}

function counts(runs: { id: string }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const run of runs) {
    out.set(run.id, (out.get(run.id) ?? 0) + 1);
  }
  return out;
}

test.describe('the kernel as the journal', () => {
  test.use({ kernels: null });

  test('a reload in the middle of a 30-cell Run All records all 31 runs, each once', async ({ page, tmpPath }) => {
    const name = 'runall.ipynb';
    const sources = Array.from({ length: 30 }, (_, i) => `import time\ntime.sleep(0.2)\nv${i} = ${i}`);
    await openNotebook(page, tmpPath, name, sources);
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.notebook.save();
    const id = await notebookIdOf(page);

    // Not awaited: the page goes away (reload) while Run All is under way.
    void page.evaluate(() => window.jupyterapp.commands.execute('notebook:run-all-cells')).catch(() => undefined);
    // Some runs are recorded by this page, then it reloads while the kernel keeps going.
    await expect(page.locator('.jp-InputArea-prompt', { hasText: '[7]:' })).toHaveCount(1, { timeout: 20_000 });
    await reloadAndReopen(page, name);
    await waitKernelIdle(page);
    const repo = await repositoryOf(page, id);
    await expect.poll(() => recordedRuns(repo).length, { timeout: 60_000 }).toBeGreaterThanOrEqual(31);
    await waitSaved(page);
    await page.waitForTimeout(1000); // anything recorded twice would be committed by now
    git(repo, 'fsck', '--strict');
    const runs = recordedRuns(repo);
    const executed = 31;
    console.log(`reload during Run All: runs executed ${executed}, run records in git ${runs.length}, distinct ${counts(runs).size}`);
    expect(runs).toHaveLength(executed);
    expect(counts(runs).size).toBe(executed);
    expect(runs.map(r => r.executionCount).sort((a, b) => a! - b!)).toEqual(Array.from({ length: executed }, (_, i) => i + 1));
    // Every run knows its cell, including those that ran while no page listened.
    expect(runs.filter(r => r.executionCount! > 1).map(r => r.cellId).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `cell-${i}`).sort()
    );
    // One kernel process ran them all, and the panel shows each once.
    expect(new Set(runs.map(r => r.kernelSession)).size).toBe(1);
    const shown = await shownRuns(page);
    expect(shown.length).toBeGreaterThan(5);
    expect(counts(shown).size).toBe(shown.length);
  });

  test('a reload that reconnects to the same kernel is not a new kernel session and keeps durations', async ({ page, tmpPath }) => {
    const name = 'reconnect.ipynb';
    await openNotebook(page, tmpPath, name, ['import time\ntime.sleep(0.3)\na = 1', 'b = a + 1']);
    await runCellAt(page, 0);
    await runCellAt(page, 1);
    await waitSaved(page);
    await page.notebook.save();
    const before = await timeline(page);
    expect(before).toEqual(['[2] ' + before[0].split(' ').slice(1).join(' '), before[1], 'Kernel python3 started']);
    await reloadAndReopen(page, name);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(2);
    // Once the journal answered, the rows carry the kernel's timing.
    await expect.poll(() => timeline(page), { timeout: 20_000 }).toEqual([
      expect.stringMatching(/^\[2\] /),
      expect.stringMatching(/^\[1\] (3\d\d ms|0\.\d+ s|\d+(\.\d+)? s)$/),
      'Kernel python3 started'
    ]);
    const after = await timeline(page);
    expect(after[1]).not.toMatch(/^\[1\] 0 ms$/);
    // A run after the reload joins the same session: still one session marker, below every run.
    await runCellAt(page, 1);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(3);
    const later = await timeline(page);
    expect(later.filter(row => row.startsWith('Kernel'))).toEqual(['Kernel python3 started']);
    expect(later[later.length - 1]).toBe('Kernel python3 started');
  });
});

test.describe('two tabs on one notebook', () => {
  test.use({ kernels: null });

  const ROUNDS = 50;

  test(`two tabs × ${ROUNDS} rounds: every run recorded once, with its cell`, async ({ page, tmpPath }) => {
    test.setTimeout(600_000);
    const name = 'twotabs.ipynb';
    await openNotebook(page, tmpPath, name, ['a = 1', 'b = 2']);
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.notebook.save();
    const id = await notebookIdOf(page);

    // A second browser tab on the same notebook (and so the same kernel).
    const second = await openInSecondTab(page, `${tmpPath}/${name}`, 'second');
    const sameKernel = await Promise.all(
      [page, second].map(p => p.evaluate(() => (window.jupyterapp.shell.currentWidget as any).sessionContext.session.kernel.id))
    );
    expect(sameKernel[0]).toBe(sameKernel[1]);

    for (let round = 0; round < ROUNDS; round++) {
      await runCellAt(page, 0);
      await runCellAt(second, 1);
    }
    const executed = 1 + 2 * ROUNDS;
    const repo = await repositoryOf(page, id);
    await expect.poll(() => recordedRuns(repo).length, { timeout: 120_000 }).toBeGreaterThanOrEqual(executed);
    await waitSaved(page);
    await page.waitForTimeout(2000); // anything recorded twice would be committed by now
    const runs = recordedRuns(repo);
    console.log(`two tabs x ${ROUNDS} rounds: runs executed ${executed}, run records in git ${runs.length}, distinct ${counts(runs).size}`);
    git(repo, 'fsck', '--strict');
    expect(runs).toHaveLength(executed);
    expect(counts(runs).size).toBe(executed);
    const byCount = new Map(runs.map(r => [r.executionCount, r.cellId]));
    for (let n = 2; n <= executed; n++) {
      // Counts alternate: page runs cell-0 (even counts), the second tab cell-1 (odd counts).
      expect([n, byCount.get(n)]).toEqual([n, n % 2 === 0 ? 'cell-0' : 'cell-1']);
    }
    await second.close();
  });
});

test.describe('replay and reload', () => {
  test.use({ kernels: null });

  test('replay in order, then reload: no run twice in the history or the panel, and the order counts each run once', async ({ page, tmpPath }) => {
    const name = 'replayreload.ipynb';
    await openNotebook(page, tmpPath, name, ['y = x * 2\ny', 'x = 21', 'x += 1']);
    for (const cell of [1, 2, 0]) {
      await runCellAt(page, cell);
    }
    await waitSaved(page);
    await page.notebook.save();
    const id = await notebookIdOf(page);
    await page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="retrace-replay"] button').click();
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Restart and Replay' }).click();
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceOrder-report[data-ended]`)).toBeVisible({ timeout: 60_000 });
    await waitSaved(page);
    // The order of the replay's own kernel session: its three steps (the order engine answers a moment after the report).
    const stepCells = page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`);
    await expect(stepCells).toHaveCount(3);
    const steps = await stepCells.allTextContents();
    await page.notebook.save();

    await reloadAndReopen(page, name);
    await expect.poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents(), { timeout: 20_000 }).toEqual(steps);
    await waitSaved(page);
    await page.waitForTimeout(1000);
    const runs = recordedRuns(await repositoryOf(page, id));
    // 3 runs before the replay, and the replay's own runs, each once.
    expect(runs.length).toBe(3 + steps.length);
    expect(counts(runs).size).toBe(runs.length);
    const shown = await shownRuns(page);
    expect(shown).toHaveLength(runs.length);
    expect(counts(shown).size).toBe(shown.length);
  });
});
