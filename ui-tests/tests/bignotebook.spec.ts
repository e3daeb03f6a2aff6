/**
 * A big notebook (over 4 MB: real PNG figures and HTML tables in its outputs,
 * made here so the test needs nothing outside the repository) is recorded,
 * kept whole in git, restored and undone exactly, and reopened without a
 * second "as opened" snapshot.
 */
import { expect, test } from '@jupyterlab/galata';
import { Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as zlib from 'zlib';

import { git, openNotebookJSON, PANEL_ID, reloadAndReopen, repositoryOf, runCellAt, waitSaved } from './helpers';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) {
    c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A valid RGB PNG of noise (noise does not compress: its size is about width × height × 3). */
function noisePng(width: number, height: number, seed: number): string {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, tail]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const noise = crypto.createHash('sha256').update(String(seed)).digest();
  const rows: Buffer[] = [];
  let state = crypto.createHash('sha256').update(noise).digest();
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 1; x < row.length; x += 32) {
      state = crypto.createHash('sha256').update(state).digest();
      state.copy(row, x, 0, Math.min(32, row.length - x));
    }
    rows.push(row);
  }
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0))
  ]);
  return png.toString('base64');
}

/** 120 cells: a light first cell, 9 figures of about 360 KB, and HTML tables. */
function bigNotebook(): any {
  const cells: any[] = [{ cell_type: 'code', id: 'first', source: 'x = 1', metadata: {}, outputs: [], execution_count: null }];
  for (let i = 1; i < 120; i++) {
    const outputs: any[] = [];
    if (i % 13 === 0) {
      outputs.push({ output_type: 'display_data', metadata: {}, data: { 'image/png': noisePng(400, 300, i), 'text/plain': `<Figure ${i}>` } });
    } else {
      const rows = Array.from({ length: 40 }, (_, r) => `<tr><td>${r}</td><td>${(r * i) % 97}</td><td>row ${r} of table ${i}</td></tr>`).join('');
      outputs.push({
        output_type: 'execute_result',
        execution_count: i,
        metadata: {},
        data: { 'text/html': `<table><thead><tr><th>a</th><th>b</th><th>c</th></tr></thead><tbody>${rows}</tbody></table>`, 'text/plain': `table ${i}` }
      });
    }
    cells.push({ cell_type: 'code', id: `c${i}`, source: `table_${i} = ${i}\ntable_${i}`, metadata: {}, outputs, execution_count: i });
  }
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
    cells
  };
}

/** The contents of several blobs, read by one `git cat-file --batch`. */
function catFiles(repo: string, names: string[]): string[] {
  const out = execFileSync('git', ['--git-dir', repo, 'cat-file', '--batch'], { input: names.join('\n') + '\n', maxBuffer: 64 * 1024 * 1024 });
  const texts: string[] = [];
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(0x0a, at);
    const size = Number(out.subarray(at, eol).toString().split(' ')[2]);
    texts.push(out.subarray(eol + 1, eol + 1 + size).toString('utf8'));
    at = eol + 1 + size + 1;
  }
  return texts;
}

/** The open notebook's cells as JSON, and a digest of every figure it shows. */
function cellsNow(page: Page): Promise<{ cells: string; figures: string[] }> {
  return page.evaluate(() => {
    const cells = (window.jupyterapp.shell.currentWidget as any).context.model.toJSON().cells as any[];
    const figures = cells.flatMap(cell => (cell.outputs ?? []).map((out: any) => out.data?.['image/png']).filter(Boolean));
    return { cells: JSON.stringify(cells), figures: figures.map((png: string) => `${png.length}:${png.slice(-40)}`) };
  });
}

test.describe('a notebook over 4 MB', () => {
  test.use({ kernels: null });

  test('is recorded whole in git, restored and undone exactly, and reopened without a new snapshot', async ({ page, tmpPath }) => {
    test.setTimeout(240_000);
    const notebook = bigNotebook();
    const size = JSON.stringify(notebook).length;
    expect(size).toBeGreaterThan(4_000_000);
    const figures = notebook.cells.flatMap((cell: any) => cell.outputs.map((out: any) => out.data?.['image/png']).filter(Boolean));
    expect(figures).toHaveLength(9);
    await openNotebookJSON(page, tmpPath, 'big.ipynb', notebook);

    await runCellAt(page, 0);
    await waitSaved(page);
    // Edited through the model (galata's typing into a cell of a notebook this long takes seconds).
    await page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.model.cells.get(0).sharedModel.setSource('x = 2'));
    await runCellAt(page, 0);
    await waitSaved(page);
    const rows = page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`);
    await expect(rows).toHaveCount(2);

    // The git command line reads every figure back from the history, byte for byte.
    const repo = await repositoryOf(page);
    git(repo, 'fsck', '--full', '--strict');
    const subjects = git(repo, 'log', '--format=%s', 'HEAD').trim().split('\n');
    expect(subjects).toEqual([expect.stringMatching(/^run \[2\]/), expect.stringMatching(/^run \[1\]/), 'notebook as opened']);
    const outputPaths = git(repo, 'ls-tree', '-r', '--name-only', 'HEAD')
      .split('\n')
      .filter(p => /\/outputs\/\d+\.json$/.test(p));
    const stored = catFiles(repo, outputPaths.map(p => `HEAD:${p}`))
      .map(text => JSON.parse(text).data?.['image/png'])
      .filter(Boolean);
    expect(stored.sort()).toEqual([...figures].sort());

    // Restore the snapshot of the first run, then undo: the notebook comes back exactly, figures included.
    const before = await cellsNow(page);
    expect(before.figures).toHaveLength(9);
    await rows.filter({ hasText: '[1]' }).click();
    await page.locator(`#${PANEL_ID} .jp-RetraceAttempts-restoreRun`).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('1 cell(s) changed');
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await expect
      .poll(() => page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).content.model.cells.get(0).sharedModel.getSource()))
      .toBe('x = 1');
    expect((await cellsNow(page)).figures).toEqual(before.figures);
    await page.locator(`#${PANEL_ID} .jp-RetraceAttempts-undo`).click();
    await expect.poll(async () => (await cellsNow(page)).cells).toBe(before.cells);

    // Saved and reopened: the history already holds this content, so no "as opened" snapshot is added.
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    await page.notebook.save();
    page.on('dialog', d => void d.accept());
    await reloadAndReopen(page, 'big.ipynb');
    await expect(rows).toHaveCount(2);
    await waitSaved(page);
    await page.waitForTimeout(1500);
    expect(git(repo, 'rev-parse', 'HEAD').trim()).toBe(head);
  });
});
