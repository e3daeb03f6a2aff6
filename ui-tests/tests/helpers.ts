/**
 * Shared by the browser tests.
 */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import { Page } from '@playwright/test';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

export const PANEL_ID = 'jp-retrace-panel';

/**
 * Write a notebook through the contents API under its final name and open it
 * on an idle kernel. (`page.notebook.createNew(name)` renames an Untitled
 * notebook while its kernel session is being created, and the server session
 * keeps the old path: a console or a page reload then gets another kernel.)
 */
export async function openNotebook(page: IJupyterLabPageFixture, tmpPath: string, name: string, sources: string[]): Promise<void> {
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
    cells: sources.map((source, i) => ({ cell_type: 'code', id: `cell-${i}`, source, metadata: {}, outputs: [], execution_count: null }))
  };
  await openNotebookJSON(page, tmpPath, name, notebook);
}

/** Write `notebook` (nbformat JSON, any version) under `name`, open it on an idle kernel, show the panel. */
export async function openNotebookJSON(page: IJupyterLabPageFixture, tmpPath: string, name: string, notebook: unknown): Promise<void> {
  await page.contents.uploadContent(JSON.stringify(notebook), 'text', `${tmpPath}/${name}`);
  await page.sidebar.openTab('filebrowser');
  await page.filebrowser.openDirectory(tmpPath);
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
  await page.locator('#jp-main-statusbar >> text=Idle').waitFor();
  await page.sidebar.openTab(PANEL_ID);
}

const JUPYTER = path.resolve(__dirname, '..', '..', '.venv', 'bin', 'jupyter');
const UI_TESTS = path.resolve(__dirname, '..');

/** A TCP port no one listens on now. */
export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A Jupyter server of a spec's own (the project's .venv, the browser tests'
 * configuration), for what the Playwright-owned server cannot do: be killed
 * and restarted, or see a kernel installed for one test.
 */
export class OwnServer {
  constructor(
    readonly root: string,
    readonly port: number,
    private readonly _log: string,
    private readonly _env: Record<string, string> = {}
  ) {}

  async start(): Promise<void> {
    const out = fs.openSync(this._log, 'a');
    // Its own process group, so that the kill takes the whole server at once.
    this._child = spawn(JUPYTER, ['lab', '--config', 'jupyter_server_test_config.py'], {
      cwd: UI_TESTS,
      env: { ...process.env, ...this._env, RETRACE_TEST_PORT: String(this.port), JUPYTERLAB_GALATA_ROOT_DIR: this.root },
      detached: true,
      stdio: ['ignore', out, out]
    });
    fs.closeSync(out);
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (this._child.exitCode !== null) {
        throw new Error(`jupyter lab exited (${this._child.exitCode}); see ${this._log}`);
      }
      try {
        if ((await fetch(`${this.url}/api/status`)).ok) {
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise(resolve => setTimeout(resolve, 250));
    }
    throw new Error(`jupyter lab did not answer on port ${this.port}; see ${this._log}`);
  }

  /** SIGKILL, as a crash: nothing is shut down cleanly. */
  async kill(): Promise<void> {
    const child = this._child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise(resolve => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  }

  get url(): string {
    return `http://localhost:${this.port}`;
  }

  private _child: ChildProcess | null = null;
}

/** Open JupyterLab of `server` on a notebook and wait for its kernel; show the Retrace panel. */
export async function openLab(page: Page, server: OwnServer, notebook: string): Promise<void> {
  await page.goto(`${server.url}/lab/tree/${notebook}`);
  await page.waitForSelector('#jupyterlab-splash', { state: 'detached', timeout: 60_000 });
  await page.locator('#jp-main-statusbar >> text=Idle').waitFor({ timeout: 60_000 });
  await page.evaluate(id => window.jupyterapp.shell.activateById(id), PANEL_ID);
}

/** Open a section of the Retrace panel (the attempt graph and run detail start collapsed). */
export async function expandSection(page: IJupyterLabPageFixture, name: string): Promise<void> {
  const title = page.locator(`#${PANEL_ID} .jp-AccordionPanel-title`, { hasText: name });
  if ((await title.getAttribute('aria-expanded')) === 'false') {
    await title.click();
  }
}

/**
 * Open `path` in a second browser tab on its own workspace, and wait until that tab's current
 * widget is the notebook with an idle kernel. JupyterLab's current widget follows focus; when the
 * tab is restored while another page is busy, the notebook can open without taking focus, so it is
 * activated again until it is current (as a user clicking its tab would).
 */
export async function openInSecondTab(page: Page, path: string, workspace: string): Promise<Page> {
  const second = await page.context().newPage();
  await second.goto(page.url().replace(/\/lab.*$/, `/lab/workspaces/${workspace}`));
  await second.waitForSelector('#jupyterlab-splash', { state: 'detached' });
  await second.waitForFunction(() => (window as any).jupyterapp?.commands?.hasCommand('docmanager:open'));
  await second.evaluate(async p => {
    await window.jupyterapp.commands.execute('docmanager:open', { path: p });
  }, path);
  await expect
    .poll(
      () =>
        second.evaluate(p => {
          const shell = window.jupyterapp.shell as any;
          const notebook = Array.from(shell.widgets('main') as Iterable<any>).find(w => w.context?.path === p);
          if (!notebook) {
            return 'not open';
          }
          if (shell.currentWidget !== notebook) {
            shell.activateById(notebook.id);
            return 'not current';
          }
          return notebook.sessionContext?.session?.kernel?.status ?? 'no kernel';
        }, path),
      { timeout: 30_000 }
    )
    .toBe('idle');
  return second;
}

/**
 * Run the code cell at `index` of the current notebook and wait until it has run. Galata's `runCell`
 * selects the cell then presses Shift+Enter on "the active cell": under load the selection had not
 * moved yet and the previous cell ran again, while `runCell` waited for a run that never came (seen
 * in reproduce.spec and restorereplay.spec). Here the cell is made the only selected one through the
 * notebook itself, then `notebook:run-cell` runs it (in place: no cell is added or selected after it).
 * The run is seen in the page: the cell's model receives an execution count from the kernel's reply
 * (a count, not a new prompt text, since after a kernel restart the count can be the one it had).
 * A run JupyterLab dropped (no kernel yet, or cancelled by a restart: no count came) is asked for
 * again, so no cell runs twice. Not for a cell expected to crash the kernel or never finish.
 */
export async function runCellAt(page: Pick<Page, 'evaluate' | 'waitForFunction' | 'waitForTimeout'>, index: number): Promise<void> {
  const deadline = Date.now() + 75_000;
  for (;;) {
    // A kernel still starting or restarting would drop or cancel the request.
    await page.waitForFunction(
      () => {
        const current = window.jupyterapp.shell.currentWidget as any;
        if (!current?.content?.widgets) {
          return true; // not a notebook: the run below says so
        }
        const kernel = current.sessionContext?.session?.kernel;
        return kernel?.connectionStatus === 'connected' && (kernel.status === 'idle' || kernel.status === 'busy');
      },
      undefined,
      { timeout: Math.max(deadline - Date.now(), 1_000) }
    );
    const count = await page.evaluate(async i => {
      const panel = window.jupyterapp.shell.currentWidget as any;
      const notebook = panel?.content;
      const cell = notebook?.widgets?.[i];
      if (!cell || cell.model.type !== 'code') {
        throw new Error(`runCellAt: the current widget has no code cell ${i}`);
      }
      let ran: number | null = null;
      const seen = (_: unknown, change: { name: string; newValue: unknown }) => {
        if (change.name === 'executionCount' && typeof change.newValue === 'number') {
          ran = change.newValue;
        }
      };
      cell.model.stateChanged.connect(seen);
      try {
        notebook.activeCellIndex = i;
        notebook.deselectAll();
        // Resolves when the cell's execution is done (or was not sent).
        await window.jupyterapp.commands.execute('notebook:run-cell');
      } finally {
        cell.model.stateChanged.disconnect(seen);
      }
      return ran;
    }, index);
    if (count !== null) {
      // What the user sees: the cell's prompt shows that count.
      await page.waitForFunction(
        ([i, n]) => ((window.jupyterapp.shell.currentWidget as any).content.widgets[i].node as HTMLElement).querySelector('.jp-InputPrompt')?.textContent?.includes(`[${n}]`),
        [index, count] as const
      );
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`runCellAt: cell ${index} was never run by the kernel`);
    }
    await page.waitForTimeout(500);
  }
}

/** Wait until the panel says the current notebook's history is saved. */
export async function waitSaved(page: Page): Promise<void> {
  await expect(page.locator(`#${PANEL_ID} .jp-RetraceAttempts-status`)).toHaveAttribute('data-state', 'saved', { timeout: 30_000 });
}

/** The `git` command line on a history repository (bare, so `--git-dir`); its output. Throws when git fails. */
export function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

/** The runs recorded by the commits of `range` (their runs.json, read with git alone), oldest first, as "[count] code", with each commit. */
export function runsOn(repo: string, range: string): { run: string; commit: string }[] {
  const runs: { run: string; commit: string }[] = [];
  for (const commit of git(repo, 'rev-list', '--reverse', range).split('\n').filter(Boolean)) {
    let text: string;
    try {
      text = git(repo, 'show', `${commit}:runs.json`);
    } catch {
      continue; // a snapshot without runs
    }
    for (const run of JSON.parse(text).runs) {
      runs.push({ run: `[${run.executionCount}] ${run.code.split('\n')[0]}`, commit });
    }
  }
  return runs;
}

/** The history repository of the notebook with Retrace id `id` (by default the current notebook's). */
export async function repositoryOf(page: Page, id?: string): Promise<string> {
  id ??= await page.evaluate(() => ((window.jupyterapp.shell.currentWidget as any).context.model.getMetadata('retrace') as any)?.id);
  expect(id).toMatch(/^[A-Za-z0-9-]+$/);
  const status = await (await page.request.get('/retrace/api/status')).json();
  return `${status.historyDir}/${id}.git`;
}

/** Reload the page, then bring the restored tab of notebook `name` to the front with the Retrace panel open. */
export async function reloadAndReopen(page: IJupyterLabPageFixture, name: string): Promise<void> {
  await page.reload({ waitForIsReady: false });
  await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
  await page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: name }).click();
  await page.sidebar.openTab(PANEL_ID);
}

/**
 * Open notebook `name` with two cells, the first reading `x` that the second
 * defines, and run them out of order (cell 2, then cell 1): cell 1 shows 42,
 * a state that top to bottom does not rebuild.
 */
export async function runOutOfOrder(page: IJupyterLabPageFixture, tmpPath: string, name: string): Promise<void> {
  await openNotebook(page, tmpPath, name, ['y = x * 2\ny', 'x = 21']);
  await runCellAt(page, 1);
  await runCellAt(page, 0);
  expect((await page.notebook.getCellTextOutput(0))?.[0]).toBe('42');
}

/** The developers' real-world notebooks (`../shared/notebooks` beside the repository; RETRACE_NOTEBOOKS overrides). */
export function sharedNotebooksDir(): string {
  const dir = process.env.RETRACE_NOTEBOOKS ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'notebooks');
  if (!fs.existsSync(dir)) {
    throw new Error(`shared notebooks not found at ${dir}; set RETRACE_NOTEBOOKS`);
  }
  return dir;
}

/**
 * Copy a shared notebook, byte for byte, into the test's folder and open it as openNotebookJSON does.
 * Returns its JSON as the file holds it.
 */
export async function openSharedNotebook(page: IJupyterLabPageFixture, tmpPath: string, file: string): Promise<any> {
  const text = fs.readFileSync(path.join(sharedNotebooksDir(), file), 'utf8');
  await page.contents.uploadContent(text, 'text', `${tmpPath}/${file}`);
  await page.sidebar.openTab('filebrowser');
  await page.filebrowser.openDirectory(tmpPath);
  await page.notebook.openByPath(`${tmpPath}/${file}`);
  await page.notebook.activate(file);
  await page.locator('#jp-main-statusbar >> text=Idle').waitFor();
  await page.sidebar.openTab(PANEL_ID);
  return JSON.parse(text);
}

/** A Retrace shortcut: Alt+R, then `key`. */
export async function retraceKey(page: Page, key: string): Promise<void> {
  await page.keyboard.press('Alt+r');
  await page.keyboard.press(key);
}

/** The attempt dialog (New attempt or Edit attempt) answered from the keyboard: its title replaced, Enter. */
export async function answerTitle(page: Page, heading: string, title: string): Promise<void> {
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText(heading);
  // The dialog puts the focus in the title.
  await expect(dialog.locator('.jp-RetraceAttemptDialog-title')).toBeFocused();
  await page.keyboard.press('Control+a');
  await page.keyboard.type(title);
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
}
