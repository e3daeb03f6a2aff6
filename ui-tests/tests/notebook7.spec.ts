/**
 * Notebook 7: the same extension in the classic-looking notebook. The test
 * starts its own `jupyter notebook` (same server config as the JupyterLab
 * tests, a free port, a fresh root folder), opens the Retrace panel from
 * View → Left Sidebar, runs a cell on the real kernel and sees the run in the
 * panel's timeline and detail.
 */
import { expect, test } from '@playwright/test';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { sparePort } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const JUPYTER = path.join(ROOT, '.venv', 'bin', 'jupyter');

async function waitForServer(url: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`jupyter notebook exited (${child.exitCode}); see ${log}`);
    }
    try {
      if ((await fetch(url)).ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  throw new Error(`jupyter notebook did not answer at ${url}; see ${log}`);
}

let server: ChildProcess | null = null;
let base = '';
let rootDir = '';

test.describe('Notebook 7', () => {
  test.beforeAll(async () => {
    const port = await sparePort();
    rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retrace-nb7-'));
    const log = path.join(ROOT, '.cache', `jupyter-notebook7-${port}.log`);
    fs.mkdirSync(path.dirname(log), { recursive: true });
    const out = fs.openSync(log, 'w');
    server = spawn(
      JUPYTER,
      ['notebook', '--config', 'jupyter_server_test_config.py', `--ServerApp.root_dir=${rootDir}`, '--no-browser'],
      // The test config reads its port from RETRACE_TEST_PORT.
      { cwd: path.join(ROOT, 'ui-tests'), env: { ...process.env, RETRACE_TEST_PORT: String(port) }, stdio: ['ignore', out, out] }
    );
    base = `http://localhost:${port}`;
    await waitForServer(`${base}/api/status`, server, log);
  });

  test.afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise(resolve => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise(resolve => setTimeout(resolve, 10_000))]);
    }
    fs.rmSync(rootDir, { recursive: true, force: true });
  });

  test('the panel opens from View → Left Sidebar and records a run', async ({ page }) => {
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
      cells: [{ cell_type: 'code', id: 'nb7-cell', source: "answer = 6 * 7\nprint('nb7', answer)", metadata: {}, outputs: [], execution_count: null }]
    };
    fs.writeFileSync(path.join(rootDir, 'nb7.ipynb'), JSON.stringify(notebook));
    await page.goto(`${base}/notebooks/nb7.ipynb`);
    await expect(page.locator('.jp-NotebookPanel .jp-Cell').first()).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')).toBeAttached({ timeout: 30_000 });

    await page.getByRole('menuitem', { name: 'View' }).click();
    await page.locator('.lm-Menu-item', { hasText: 'Left Sidebar' }).click();
    await page.locator('.lm-Menu-item', { hasText: 'Retrace' }).click();
    const panel = page.locator('#jp-retrace-panel');
    await expect(panel).toBeVisible();
    await expect(panel.locator('.jp-RetracePanel-status')).toHaveAttribute('data-state', 'ok');
    await expect(panel.locator('.jp-RetracePanel-notebook')).toContainText('nb7.ipynb');

    // A run asked for before the page has attached the kernel is dropped by JupyterLab (the prompt
    // stays "[ ]", nothing is sent; seen under load): ask again only then, so it never runs twice.
    const first = page.locator('.jp-Cell').first();
    await expect(async () => {
      if ((await first.locator('.jp-InputPrompt').textContent())?.includes('[ ]')) {
        await first.locator('.jp-InputArea-editor').click();
        await page.keyboard.press('Shift+Enter');
      }
      await expect(first.locator('.jp-OutputArea-output')).toContainText('nb7 42', { timeout: 10_000 });
    }).toPass({ timeout: 60_000 });
    const run = panel.locator('.jp-RetraceTimeline-run');
    await expect(run).toHaveCount(1);
    await expect(run).toContainText('answer = 6 * 7');
    await run.click();
    await expect(panel.locator('.jp-RetraceDetail-code')).toHaveText("answer = 6 * 7\nprint('nb7', answer)");
    await expect(panel.locator('.jp-RetraceDetail-outputs')).toContainText('nb7 42');
  });
});
