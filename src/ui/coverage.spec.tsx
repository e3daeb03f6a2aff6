/**
 * The panel's note on what recording cannot guarantee without the kernel's
 * journal (a kernel that is not IPython): shown then, and only then.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { RunLog } from '../capture/log';
import { CoverageView } from './coverage';
import { RetraceModel } from './model';
import { settle } from './testkit.spec-util';

function setup() {
  const model = new RetraceModel();
  const log = new RunLog();
  model.notebook = { name: 'nb.ipynb', log, cellLabel: () => '' };
  const view = new CoverageView(model, nullTranslator.load('jupyterlab_retrace'));
  Widget.attach(view, document.body);
  return { view, log };
}

const note = (view: CoverageView) => view.node.querySelector('.jp-RetraceCoverage');

describe('CoverageView', () => {
  it('says what is not guaranteed on a kernel without the journal', async () => {
    const { view, log } = setup();
    log.setCoverage(false, 'The kernel (ipython, other) is not IPython: falling back to static analysis.');
    await settle();
    expect(note(view)?.textContent).toContain('runs made while it was closed or reloading may be missing');
    expect(note(view)?.getAttribute('title')).toContain('is not IPython');
    Widget.detach(view);
  });

  it('shows nothing while the tracer settles, nor once the journal covers every run', async () => {
    const { view, log } = setup();
    await settle();
    expect(note(view)).toBeNull();
    log.setCoverage(true, 'Every run of this kernel is recorded once, from the kernel’s journal.');
    await settle();
    expect(note(view)).toBeNull();
    log.setCoverage(false, 'without');
    await settle();
    expect(note(view)).not.toBeNull();
    log.setCoverage(true, 'back');
    await settle();
    expect(note(view)).toBeNull();
    Widget.detach(view);
  });
});
