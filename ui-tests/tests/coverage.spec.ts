/**
 * What the panel says recording cannot guarantee: on a kernel that is not
 * IPython (no tracer, no kernel journal) a note says that only the runs this
 * page saw are recorded; on IPython there is no such note. The other kernel
 * (ui-tests/fixtures/other_kernel.py) is installed in the Jupyter data
 * folder of a server this spec starts for itself.
 */
import { expect as labExpect, test as labTest } from '@jupyterlab/galata';
import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { openLab, openNotebook, OwnServer, PANEL_ID, runCellAt, sparePort } from './helpers';

const PYTHON = path.resolve(__dirname, '..', '..', '.venv', 'bin', 'python');
const OTHER_KERNEL = path.resolve(__dirname, '..', 'fixtures', 'other_kernel.py');

test.describe('a kernel that is not IPython', () => {
  let server: OwnServer | null = null;
  let root = '';

  test.afterEach(async () => {
    await server?.kill();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('the panel says what it cannot guarantee, and still records the runs it sees', async ({ browser }) => {
    test.setTimeout(240_000);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'retrace-other-kernel-'));
    const data = path.join(root, '.jupyter-data');
    fs.mkdirSync(path.join(data, 'kernels', 'retrace-other'), { recursive: true });
    fs.writeFileSync(
      path.join(data, 'kernels', 'retrace-other', 'kernel.json'),
      JSON.stringify({ argv: [PYTHON, OTHER_KERNEL, '-f', '{connection_file}'], display_name: 'Other (not IPython)', language: 'other' })
    );
    const name = 'other.ipynb';
    fs.writeFileSync(
      path.join(root, name),
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: { name: 'retrace-other', display_name: 'Other (not IPython)', language: 'other' } },
        cells: [{ cell_type: 'code', id: 'only', source: 'hello other kernel', metadata: {}, outputs: [], execution_count: null }]
      })
    );
    const log = path.join(__dirname, '..', '..', '.cache', `jupyter-server-other-kernel-${process.env.RETRACE_TEST_PORT ?? '8888'}.log`);
    fs.mkdirSync(path.dirname(log), { recursive: true });
    server = new OwnServer(root, await sparePort(), log, { JUPYTER_PATH: data });
    await server.start();

    const context = await browser.newContext();
    const page = await context.newPage();
    await openLab(page, server, name);
    const note = page.locator(`#${PANEL_ID} .jp-RetraceCoverage`);
    await expect(note).toContainText('Recorded from this page only', { timeout: 30_000 });
    await expect(note).toHaveAttribute('title', /not IPython/);

    await runCellAt(page, 0);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(1, { timeout: 30_000 });
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceAttempts-status`)).toHaveAttribute('data-state', 'saved', { timeout: 30_000 });
    await expect(note).toBeVisible();
    await context.close();
  });
});

labTest.describe('an IPython kernel', () => {
  labTest.use({ kernels: null });

  labTest('has no such note: its journal records every run', async ({ page, tmpPath }) => {
    await openNotebook(page, tmpPath, 'python.ipynb', ['x = 1']);
    await runCellAt(page, 0);
    await labExpect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(1);
    await labExpect(page.locator(`#${PANEL_ID} .jp-RetraceAttempts-status`)).toHaveAttribute('data-state', 'saved', { timeout: 30_000 });
    await labExpect(page.locator(`#${PANEL_ID} .jp-RetraceCoverage`)).toHaveCount(0);
  });
});
