/**
 * Shared by the browser tests.
 */
import { IJupyterLabPageFixture } from '@jupyterlab/galata';

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

/** Open a section of the Retrace panel (the attempt graph and run detail start collapsed). */
export async function expandSection(page: IJupyterLabPageFixture, name: string): Promise<void> {
  const title = page.locator(`#${PANEL_ID} .jp-AccordionPanel-title`, { hasText: name });
  if ((await title.getAttribute('aria-expanded')) === 'false') {
    await title.click();
  }
}
