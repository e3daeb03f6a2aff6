/**
 * A server restart before the notebook is ever saved with its id: the runs
 * made before the restart and after it go to one history. Playwright owns
 * the usual test server, so this spec starts its own Jupyter server (the
 * project's .venv, the same test configuration, a spare port, one root
 * folder for both of its lives), kills it with SIGKILL as a crash would,
 * starts it again on the same port and root, and reloads the page. The
 * repositories are read with the `git` command line.
 */
import { expect, Page, test } from '@playwright/test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { git, openLab, OwnServer, PANEL_ID, runCellAt, sparePort, waitSaved } from './helpers';

function modelId(page: Page): Promise<string | undefined> {
  return page.evaluate(() => ((window.jupyterapp.shell.currentWidget as any)?.context?.model.getMetadata('retrace') as any)?.id);
}

/** Every history repository under the folder, with the number of runs on its branch. */
function histories(dir: string): { id: string; runs: number }[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir)
    .filter(name => name.endsWith('.git'))
    .map(name => ({
      id: name.slice(0, -4),
      runs: git(`${dir}/${name}`, 'log', '--format=%s', 'refs/heads/main')
        .split('\n')
        .filter(line => line.startsWith('run')).length
    }));
}

test.describe('a server restart before the first save', () => {
  let server: OwnServer | null = null;

  test.afterEach(async () => {
    await server?.kill();
  });

  test('keeps the runs before and after it in one history', async ({ browser }) => {
    test.setTimeout(300_000);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'retrace-restart-'));
    const log = path.join(__dirname, '..', '..', '.cache', `jupyter-server-restart-${process.env.RETRACE_TEST_PORT ?? '8888'}.log`);
    fs.mkdirSync(path.dirname(log), { recursive: true });
    server = new OwnServer(root, await sparePort(), log);
    const name = 'never-saved.ipynb';
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
      cells: ['a = 1', 'b = 2', 'c = 3'].map((source, i) => ({
        cell_type: 'code',
        id: `cell-${i}`,
        source,
        metadata: {},
        outputs: [],
        execution_count: null
      }))
    };
    fs.writeFileSync(path.join(root, name), JSON.stringify(notebook));
    await server.start();
    const historyDir = (await (await fetch(`${server.url}/retrace/api/status`)).json()).historyDir as string;

    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('dialog', dialog => void dialog.accept()); // "leave with unsaved changes?"
    await openLab(page, server, name);
    await runCellAt(page, 0);
    await waitSaved(page);
    await runCellAt(page, 1);
    await waitSaved(page);
    const id = await modelId(page);
    expect(id).toBeTruthy();
    // The file on disk never got the id.
    expect(JSON.parse(fs.readFileSync(path.join(root, name), 'utf8')).metadata.retrace).toBeUndefined();
    // "saved" can still show the commit before the last run's: the run is on disk soon after.
    await expect.poll(() => histories(historyDir), { timeout: 30_000 }).toEqual([{ id, runs: 2 }]);

    await server.kill();
    await server.start();
    await openLab(page, server, name); // the page loads again from the restarted server

    // The runs from before the restart are shown, and the next run goes to the same history.
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(2, { timeout: 30_000 });
    await expect.poll(() => modelId(page)).toBe(id);
    await runCellAt(page, 2);
    await waitSaved(page);
    await expect(page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`)).toHaveCount(3);
    await expect.poll(() => histories(historyDir), { timeout: 30_000 }).toEqual([{ id, runs: 3 }]);
    git(`${historyDir}/${id}.git`, 'fsck', '--full', '--strict');
    await context.close();
    await server.kill();
    fs.rmSync(root, { recursive: true, force: true });
  });
});
