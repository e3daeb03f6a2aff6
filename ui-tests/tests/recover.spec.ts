/**
 * Recover in the panel: a history whose branch ref or HEAD was emptied (as
 * after a power cut) or garbled on disk is reported as damaged, never as "no
 * history"; Recover (reachable from the keyboard) puts the branch back on the
 * newest valid commit and the timeline shows the runs again. Checked on disk
 * with the git command line (`git fsck --full --strict`, `git log`).
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';

import { git, openNotebook, PANEL_ID, repositoryOf, runCellAt, waitSaved } from './helpers';

const runs = (page: IJupyterLabPageFixture) => page.locator(`#${PANEL_ID} .jp-RetraceTimeline-run`);

for (const damage of [
  { name: 'branch ref was emptied', file: 'refs/heads/main', write: '' },
  { name: 'branch ref was garbled', file: 'refs/heads/main', write: 'not a commit id\n' },
  { name: 'HEAD was emptied', file: 'HEAD', write: '' }
]) {
  test.describe(`a history whose ${damage.name}`, () => {
    test.use({ kernels: null });

    test('is reported, and Recover brings its runs back', async ({ page, tmpPath }) => {
      const name = `recover-${damage.name.replace(/ /g, '-')}.ipynb`;
      await openNotebook(page, tmpPath, name, ['a = 1', 'b = 2', 'c = 3']);
      await runCellAt(page, 0);
      await waitSaved(page);
      await runCellAt(page, 1);
      await waitSaved(page);
      await page.notebook.save();
      const repo = await repositoryOf(page);
      const tip = git(repo, 'rev-parse', 'refs/heads/main').trim();
      const before = git(repo, 'log', '--format=%s', 'refs/heads/main').trim().split('\n');
      expect(before.filter(s => s.startsWith('run'))).toHaveLength(2);

      // The crash: the branch's ref file loses its content, and the kernel is gone
      // (so the page after the reload cannot learn the runs from its journal either).
      fs.writeFileSync(`${repo}/${damage.file}`, damage.write);
      await page.kernel.shutdownAll();
      page.on('dialog', dialog => void dialog.accept());
      await page.reload({ waitForIsReady: false });
      await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
      await page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: name }).click();
      await page.sidebar.openTab(PANEL_ID);

      const notice = page.locator(`#${PANEL_ID} .jp-RetraceRecover[data-state="damaged"]`);
      await expect(notice).toContainText(damage.file, { timeout: 30_000 });
      await expect(notice).toContainText('damaged');
      await expect(page.locator(`#${PANEL_ID} .jp-RetraceAttempts-status`)).toHaveAttribute('data-state', 'broken');
      await expect(runs(page)).toHaveCount(0);
      // Nothing was written over the damaged ref meanwhile.
      expect(fs.readFileSync(`${repo}/${damage.file}`, 'utf8')).toBe(damage.write);

      // Keyboard: the button takes the focus and Enter presses it. The restored notebook may take
      // the focus back while its kernel starts: then the key went elsewhere, and is pressed again.
      const button = notice.getByRole('button', { name: 'Recover' });
      await expect(button).toHaveJSProperty('tabIndex', 0);
      const recovered = page.locator(`#${PANEL_ID} .jp-RetraceRecover[data-state="recovered"]`);
      await expect(async () => {
        if ((await recovered.count()) === 0 && (await button.count()) === 1) {
          await button.focus({ timeout: 2_000 });
          await page.keyboard.press('Enter');
        }
        await expect(recovered).toContainText(damage.file, { timeout: 5_000 });
      }).toPass({ timeout: 45_000 });
      await expect(runs(page)).toHaveCount(2, { timeout: 30_000 });
      await waitSaved(page);
      expect(git(repo, 'rev-parse', 'refs/heads/main').trim()).toBe(tip);
      git(repo, 'fsck', '--full', '--strict');
      expect(git(repo, 'log', '--format=%s', 'refs/heads/main').trim().split('\n')).toEqual(before);

      // Recording goes on on top of the recovered branch.
      await runCellAt(page, 2);
      await waitSaved(page);
      await expect(runs(page)).toHaveCount(3);
      const after = git(repo, 'log', '--format=%s', 'refs/heads/main').trim().split('\n');
      expect(after.slice(1)).toEqual(before);
      expect(after[0]).toMatch(/^run \[1\]/); // the first run of the new kernel
      git(repo, 'fsck', '--full', '--strict');
    });
  });
}
