/**
 * The notebook as it was opened is in a snapshot before the first run
 * changes it (its outputs would be lost otherwise), and only when the
 * history does not already hold that exact content.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { git, openNotebook, openNotebookJSON, reloadAndReopen, repositoryOf, runCellAt, waitSaved } from './helpers';

/** The commit subjects of the history's current branch, newest first. */
function subjectsOf(repo: string): string[] {
  return git(repo, 'log', '--format=%s', 'HEAD').trim().split('\n');
}

/** Reload with the notebook as saved and reopen it: once the panel has saved, the history has no new commit. */
async function expectSameHistoryAfterReload(page: IJupyterLabPageFixture, name: string, repo: string, subjects: string[]): Promise<void> {
  page.on('dialog', dialog => void dialog.accept());
  await reloadAndReopen(page, name);
  await waitSaved(page);
  await page.waitForTimeout(1000);
  expect(subjectsOf(repo)).toEqual(subjects);
}

test.describe('the notebook as opened', () => {
  test.use({ kernels: null });

  test('its outputs are in a snapshot before the first run replaces them, and a reopen of the same content adds none', async ({ page, tmpPath }) => {
    const name = 'opened.ipynb';
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
      cells: [
        {
          cell_type: 'code',
          id: 'only',
          source: "print('new output')",
          metadata: {},
          execution_count: 7,
          outputs: [{ output_type: 'stream', name: 'stdout', text: 'the output the file had when opened\n' }]
        }
      ]
    };
    await openNotebookJSON(page, tmpPath, name, notebook);

    await runCellAt(page, 0);
    await waitSaved(page);
    const repo = await repositoryOf(page);
    const subjects = subjectsOf(repo);
    expect(subjects).toEqual([expect.stringMatching(/^run \[1\]/), 'notebook as opened']);
    const opened = git(repo, 'rev-parse', 'HEAD~1').trim();
    expect(git(repo, 'grep', '-c', 'the output the file had when opened', opened)).toMatch(/:1/);
    expect(() => git(repo, 'grep', '-c', 'the output the file had when opened', 'HEAD')).toThrow();

    // Saved and reopened as the history has it: no new snapshot.
    await page.notebook.save();
    await expectSameHistoryAfterReload(page, name, repo, subjects);
  });

  test('a reload after a save and more runs adds no snapshot: the history holds the saved content', async ({ page, tmpPath }) => {
    const name = 'saved-then-ran.ipynb';
    await openNotebook(page, tmpPath, name, ['a = 1', 'b = 2']);
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.notebook.save();
    await runCellAt(page, 1); // not saved: the file holds the content of the first run's snapshot
    await waitSaved(page);
    const repo = await repositoryOf(page);
    const subjects = subjectsOf(repo);
    expect(subjects).toEqual([expect.stringMatching(/^run \[2\]/), expect.stringMatching(/^run \[1\]/), 'notebook as opened']);

    await expectSameHistoryAfterReload(page, name, repo, subjects);
  });

  test('a reload after a save adds no snapshot on a notebook without cell ids (nbformat 4.4)', async ({ page, tmpPath }) => {
    const name = 'no-ids.ipynb';
    const notebook = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'fixtures', 'made__python-nbformat-4.4-no-ids.ipynb'), 'utf8'));
    await openNotebookJSON(page, tmpPath, name, notebook);
    await runCellAt(page, 0);
    await waitSaved(page);
    await page.notebook.save();
    const repo = await repositoryOf(page);
    const subjects = subjectsOf(repo);
    expect(subjects).toEqual([expect.stringMatching(/^run \[1\]/), 'notebook as opened']);

    // JupyterLab gives the cells new ids at each load: that is no new content.
    await expectSameHistoryAfterReload(page, name, repo, subjects);
  });
});
