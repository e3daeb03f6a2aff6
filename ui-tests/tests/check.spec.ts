/**
 * From a session in JupyterLab to a check a colleague or CI runs: cells run out
 * of order in the page, then `jupyter retrace check` (Python only, reading the
 * history with git) says why top to bottom fails, runs the canonical order the
 * page stored with the history, and `jupyter retrace gather` writes a notebook
 * a fresh kernel runs to the same values.
 */
import { expect, test } from '@jupyterlab/galata';
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';

import { PANEL_ID, runOutOfOrder } from './helpers';

const PYTHON = path.resolve(__dirname, '..', '..', '.venv', 'bin', 'python');

function retrace(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(PYTHON, ['-m', 'jupyterlab_retrace.cli', ...args], { encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

test.describe('jupyter retrace check and gather on a session from the page', () => {
  test.use({ kernels: null });

  test('check explains the failure, the canonical order reproduces, gather runs to the same value', async ({ page, tmpPath }) => {
    test.setTimeout(300_000);
    await runOutOfOrder(page, tmpPath, 'check.ipynb');
    await expect.poll(() => page.locator(`#${PANEL_ID} .jp-RetraceOrder-steps .jp-RetraceOrder-cell`).allTextContents()).toEqual([
      'cell 2',
      'cell 1'
    ]);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceAttempts-status`)).toHaveAttribute('data-state', 'saved');
    await page.notebook.save();

    const status = await (await page.request.get('/retrace/api/status')).json();
    const root = path.dirname(status.historyDir);
    const notebook = path.join(root, tmpPath, 'check.ipynb');
    const id = await page.evaluate(() => ((window.jupyterapp.shell.currentWidget as any).context.model.getMetadata('retrace') as any).id);
    const repo = path.join(status.historyDir, `${id}.git`);
    const stored = JSON.parse(execFileSync('git', ['--git-dir', repo, 'show', 'HEAD:canonical-order.json'], { encoding: 'utf8' }));
    expect(stored.steps.map((s: any) => s.label)).toEqual(['cell 2', 'cell 1']);

    const top = retrace('check', notebook);
    expect(top.status).toBe(1);
    expect(top.out).toContain("NameError: name 'x' is not defined");
    expect(top.out).toContain('x is defined by cell 2, below cell 1: move cell 2 above it');
    expect(top.out).toContain('the canonical order from the history may reproduce: cell 2 → cell 1');

    const canonical = retrace('check', notebook, '--order', 'canonical');
    expect(canonical.out).toContain('reproduces');
    expect(canonical.status).toBe(0);

    const gathered = path.join(root, tmpPath, 'gathered.ipynb');
    const g = retrace('gather', notebook, '-o', gathered);
    expect(g.status).toBe(0);
    // A fresh kernel runs the gathered notebook to the same value.
    const value = execFileSync(
      PYTHON,
      [
        '-c',
        'import sys, nbformat; from nbclient import NotebookClient; nb = nbformat.read(sys.argv[1], 4); ' +
          'NotebookClient(nb, kernel_name="python3").execute(); print(nb.cells[-1].outputs[0]["data"]["text/plain"])',
        gathered
      ],
      { encoding: 'utf8', timeout: 120_000 }
    );
    expect(value.trim()).toBe('42');
  });
});
