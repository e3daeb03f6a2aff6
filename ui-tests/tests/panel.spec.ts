/**
 * The Retrace panel as a user meets it: collapsible sections that fit the
 * 250 px default sidebar and a 600 px one in light and dark themes (a
 * screenshot of each is kept in ui-tests/screenshots/), the timeline still
 * reachable after a replay report, a keyboard-only path through the runs to a
 * run's detail, the palette commands, and the history in the main area.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as path from 'path';

import { openNotebook, PANEL_ID, reloadAndReopen, runCellAt } from './helpers';

// The tracked pictures change only when asked (`npm run screenshot`); `npm test` writes its own copies aside.
const SCREENSHOTS = process.env.RETRACE_README_SCREENSHOT
  ? path.resolve(__dirname, '..', 'screenshots')
  : path.resolve(__dirname, '..', 'test-results', 'screenshots');

/** Drag the sidebar's split handle so that the left area is `width` px wide. */
async function setSidebarWidth(page: IJupyterLabPageFixture, width: number): Promise<void> {
  const stack = page.locator('#jp-left-stack');
  const handle = page.locator('#jp-main-split-panel > .lm-SplitPanel-handle').first();
  for (let attempt = 0; attempt < 3; attempt++) {
    const s = (await stack.boundingBox())!;
    const h = (await handle.boundingBox())!;
    const y = h.y + h.height / 2;
    await page.mouse.move(h.x + h.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(s.x + width + h.width / 2, y, { steps: 4 });
    await page.mouse.up();
    if (Math.abs((await stack.boundingBox())!.width - width) <= 3) {
      return;
    }
  }
  expect(Math.round((await stack.boundingBox())!.width)).toBe(width);
}

/** Rectangles of the visible parts that must not overlap one another. */
async function layoutProblems(page: IJupyterLabPageFixture): Promise<string[]> {
  return page.locator(`#${PANEL_ID}`).evaluate(panel => {
    const problems: string[] = [];
    const rect = (e: Element) => e.getBoundingClientRect();
    const panelRect = rect(panel);
    const sections = [...panel.querySelectorAll('.jp-RetracePanel-section')].filter(e => (e as HTMLElement).offsetParent !== null);
    for (let i = 0; i < sections.length; i++) {
      const a = rect(sections[i]);
      if (a.right > panelRect.right + 1) {
        problems.push(`${sections[i].className} is wider than the panel`);
      }
      for (let j = i + 1; j < sections.length; j++) {
        const b = rect(sections[j]);
        if (a.bottom > b.top + 1 && b.bottom > a.top + 1) {
          problems.push(`${sections[i].className} overlaps ${sections[j].className}`);
        }
      }
    }
    for (const row of panel.querySelectorAll('.jp-RetraceTimeline-run')) {
      const r = rect(row);
      for (const part of ['time', 'count', 'cell', 'status']) {
        const e = row.querySelector(`.jp-RetraceTimeline-${part}`) as HTMLElement;
        const p = rect(e);
        if (e.scrollWidth > e.clientWidth + 1 || p.right > r.right + 1) {
          problems.push(`${part} of ${row.getAttribute('data-run-id')} is cut`);
        }
      }
      const code = row.querySelector('.jp-RetraceTimeline-code') as HTMLElement;
      // Readable: at least ~18 characters of code in a 250 px sidebar.
      if (rect(code).width < Math.min(150, r.width - 40)) {
        problems.push(`code of ${row.getAttribute('data-run-id')} is ${Math.round(rect(code).width)} px wide`);
      }
      // Whole lines: on two-line rows (narrow sidebar) the code line must not be cut at the row's bottom.
      if (rect(code).bottom > r.bottom + 1) {
        problems.push(`code of ${row.getAttribute('data-run-id')} is cut at the bottom`);
      }
    }
    return problems;
  });
}

/** Relative luminance (0 black … 1 white) of an element's background colour. */
function luminance(page: IJupyterLabPageFixture, selector: string): Promise<number> {
  return page.evaluate(sel => {
    const [r, g, b] = getComputedStyle(document.querySelector(sel)!)
      .backgroundColor.match(/[\d.]+/g)!
      .map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  }, selector);
}

test.describe('the Retrace panel', () => {
  // Galata's kernel proxy cannot relay restart answers (replay restarts the kernel).
  test.use({ kernels: null });

  test('fits the sidebar at 250 and 600 px in light and dark themes, and the runs stay reachable after a replay', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'layout.ipynb', [
      "values = [3, 1, 4, 1, 5, 9, 2, 6]\nprint('loaded', len(values))",
      'total = sum(values) + offset_from_an_earlier_cell_with_a_long_name',
      'offset_from_an_earlier_cell_with_a_long_name = 10',
      'mean = total / len(values)\nmean'
    ]);
    for (const index of [0, 2, 1, 3]) {
      await runCellAt(page, index);
    }
    const panel = page.locator(`#${PANEL_ID}`);
    await expect(panel.locator('.jp-RetraceTimeline-run')).toHaveCount(4);
    // Replay: its report grows the order section; the runs must stay in reach.
    await panel.locator('.jp-RetraceOrder-replay').click();
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Restart and Replay' }).click();
    await expect(panel.locator('.jp-RetraceOrder-report[data-ended="completed"]')).toBeVisible({ timeout: 60_000 });
    await expect(panel.locator('.jp-RetraceTimeline-run')).toHaveCount(8);
    await panel.locator('.jp-RetraceTimeline-run').first().click();
    await expect(panel.locator('.jp-RetraceDetail-code')).toContainText('mean = total / len(values)');

    for (const theme of ['light', 'dark'] as const) {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await page.waitForFunction(dark => document.body.dataset.jpThemeLight === String(!dark), theme === 'dark');
      for (const width of [250, 600]) {
        await setSidebarWidth(page, width);
        const timeline = panel.locator('.jp-RetraceTimeline');
        await expect(timeline).toBeVisible();
        expect((await timeline.boundingBox())!.height).toBeGreaterThan(40);
        await expect(panel.locator('.jp-RetraceTimeline-run').first()).toBeInViewport();
        expect(await layoutProblems(page)).toEqual([]);
        // Light and dark come from the theme's variables: panel and selected row follow the theme.
        await expect.poll(() => luminance(page, `#${PANEL_ID}`)).toBeGreaterThan(theme === 'light' ? 0.7 : -1);
        await expect.poll(() => luminance(page, `#${PANEL_ID}`)).toBeLessThan(theme === 'light' ? 2 : 0.3);
        expect(Math.abs((await luminance(page, `#${PANEL_ID} .jp-RetraceTimeline-run.jp-mod-selected`)) - (await luminance(page, `#${PANEL_ID}`)))).toBeGreaterThan(0.02);
        await page.screenshot({ path: path.join(SCREENSHOTS, `panel-${width}-${theme}.png`) });
      }
    }
    await page.theme.setLightTheme();
  });

  test('at 250 × 768 the runs take the height left: 7 runs or more in view, the order and replay summaries whole, graph and detail collapsed until wanted, and the sections as the user left them after a reload', async ({
    page,
    tmpPath
  }) => {
    await page.setViewportSize({ width: 1024, height: 768 });
    await openNotebook(page, tmpPath, 'tall.ipynb', ['a = 1', 'b = a + 1', 'c = b * 2', 'd = c - 1\nd']);
    for (const index of [0, 1, 2, 3, 0, 1, 2, 3, 1, 2, 3]) {
      await runCellAt(page, index);
    }
    await setSidebarWidth(page, 250);
    const panel = page.locator(`#${PANEL_ID}`);
    const title = (name: string) => panel.locator('.jp-AccordionPanel-title', { hasText: name });
    await expect(title('Attempt graph')).toHaveAttribute('aria-expanded', 'false');
    await expect(title('Run detail')).toHaveAttribute('aria-expanded', 'false');
    await panel.locator('.jp-RetraceOrder-replay').click();
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Restart and Replay' }).click();
    await expect(panel.locator('.jp-RetraceOrder-report[data-ended="completed"]')).toBeVisible({ timeout: 60_000 });

    /** Rows wholly inside the scrolled list; whether each summary is wholly inside the order section. */
    const measure = () =>
      panel.evaluate(node => {
        const inside = (e: Element | null, box: DOMRect) => {
          const r = e?.getBoundingClientRect();
          return !!r && r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.left >= box.left - 1 && r.right <= box.right + 1;
        };
        const list = node.querySelector('.jp-RetraceTimeline')!.getBoundingClientRect();
        const order = node.querySelector('.jp-RetraceOrder')!.getBoundingClientRect();
        return {
          rows: [...node.querySelectorAll('.jp-RetraceTimeline-run')].filter(row => inside(row, list)).length,
          summary: inside(node.querySelector('.jp-RetraceOrder-summary'), order),
          replaySummary: inside(node.querySelector('.jp-RetraceOrder-reportSummary'), order),
          replayButton: inside(node.querySelector('.jp-RetraceOrder-replay'), order)
        };
      });
    // Seven whole rows: the order section keeps Replay, Make reproducible and a four-line replay summary whole above them.
    // Polled as a whole: the panel re-fits its sections a frame after the replay report grows.
    await expect
      .poll(async () => {
        const m = await measure();
        return { ...m, rows: Math.min(m.rows, 7) };
      })
      .toEqual({ rows: 7, summary: true, replaySummary: true, replayButton: true });
    await expect(panel.locator('.jp-RetraceOrder-reportSummary')).toContainText('Replay completed');

    // Picking a run opens its detail; the runs still show several rows.
    await panel.locator('.jp-RetraceTimeline-run').first().click();
    await expect(title('Run detail')).toHaveAttribute('aria-expanded', 'true');
    await expect(panel.locator('.jp-RetraceDetail-code')).toBeVisible();
    await expect.poll(async () => (await measure()).rows).toBeGreaterThanOrEqual(3);

    // Sections the user opens and closes stay so, also across a reload.
    await title('Attempts').click();
    await title('Attempt graph').click();
    await expect(title('Attempts')).toHaveAttribute('aria-expanded', 'false');
    await expect(panel.locator('.jp-RetraceGraph')).toBeVisible();
    expect(await page.evaluate(() => window.localStorage.getItem('jupyterlab-retrace:collapsed-sections'))).toBe('["attempts"]');
    await page.notebook.save();
    await reloadAndReopen(page, 'tall.ipynb');
    await expect(panel.locator('.jp-RetraceTimeline-run').first()).toBeVisible();
    await expect(title('Attempts')).toHaveAttribute('aria-expanded', 'false');
    await expect(title('Attempt graph')).toHaveAttribute('aria-expanded', 'true');
    await expect(title('Run detail')).toHaveAttribute('aria-expanded', 'true');
    await expect(panel.locator('.jp-RetraceGraph')).toBeVisible();
    await expect(panel.locator('.jp-RetraceAttempts')).toBeHidden();
  });

  test('a keyboard-only path: focus the runs, move with arrows and End, Enter opens the detail; sections collapse', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'keys.ipynb', ['a = 1', 'b = a + 1', 'c = b * 10\nc']);
    for (const index of [0, 1, 2]) {
      await runCellAt(page, index);
    }
    const panel = page.locator(`#${PANEL_ID}`);
    await expect(panel.locator('.jp-RetraceTimeline-run')).toHaveCount(3);

    // The chord from the settings schema: Alt R, then R (Go to the Runs).
    await page.keyboard.press('Alt+r');
    await page.keyboard.press('r');
    const focused = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset?.runId ?? null);
    await expect.poll(focused).toMatch(/\/3$/);
    await page.keyboard.press('ArrowDown');
    await expect.poll(focused).toMatch(/\/2$/);
    await page.keyboard.press('End');
    await expect.poll(focused).toMatch(/\/1$/);
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    const detail = panel.locator('.jp-RetraceDetail');
    await expect(detail.locator('.jp-RetraceDetail-code')).toHaveText('c = b * 10\nc');
    await expect(detail).toBeFocused();
    // One run selected in the list (the attempt graph marks the same snapshot as its own selected point).
    await expect(panel.locator('.jp-RetraceTimeline [role="option"][aria-selected="true"]')).toHaveCount(1);

    // Sections collapse like JupyterLab's own sidebars.
    const title = panel.locator('.jp-AccordionPanel-title', { hasText: 'Canonical order' });
    await title.click();
    await expect(panel.locator('.jp-RetraceOrder')).toBeHidden();
    await title.click();
    await expect(panel.locator('.jp-RetraceOrder')).toBeVisible();
  });

  test('the palette has every Retrace action, and the history opens in the main area', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'palette.ipynb', ['x = 6 * 7\nx']);
    await runCellAt(page, 0);
    await page.keyboard.press('Control+Shift+c');
    const palette = page.locator('#command-palette');
    await palette.locator('.lm-CommandPalette-input').fill('Retrace');
    const items = await palette.locator('.lm-CommandPalette-item:visible .lm-CommandPalette-itemLabel').allTextContents();
    for (const label of [
      'Open the Retrace Panel',
      'Open History in the Main Area',
      'Go to the Runs',
      'Filter the Runs',
      'Edit Attempt Title and Comment…',
      'New Attempt…',
      'Restore Attempt…',
      'Replay in Order'
    ]) {
      expect(items).toContain(label);
    }
    await palette.locator('.lm-CommandPalette-input').fill('Open History in the Main Area');
    await page.keyboard.press('Enter');
    const main = page.locator('#jp-retrace-history-main');
    await expect(main).toBeVisible();
    await expect(page.getByRole('tab', { name: /History: palette\.ipynb/ })).toBeVisible();
    // Selecting a run there shows its detail there and selects it in the sidebar too.
    await main.locator('.jp-RetraceTimeline-run').first().click();
    await expect(main.locator('.jp-RetraceDetail-code')).toHaveText('x = 6 * 7\nx');
    await expect(main.locator('.jp-RetraceDetail-outputs')).toContainText('42');
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run.jp-mod-selected`)).toHaveCount(1);
  });
});
