/**
 * What the recording of the shown notebook cannot guarantee: without the
 * kernel's journal (a kernel that is not IPython, or a tracer that could not
 * be installed) only the runs this page saw are recorded. Nothing is shown
 * while the journal covers every run, or while the tracer is still settling.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { RunLog } from '../capture/log';
import { RetraceModel } from './model';
import { ModelView } from './modelview';

export function CoverageNote(props: { log: RunLog | null; trans: TranslationBundle }): JSX.Element | null {
  const { log, trans } = props;
  const coverage = log?.coverage;
  if (!coverage || coverage.journal || !coverage.note) {
    return null;
  }
  return (
    <p className="jp-RetraceCoverage" role="note" title={coverage.note}>
      {trans.__(
        'Recorded from this page only: runs made while it was closed or reloading may be missing, and runs from other tabs or consoles are recorded without their cell (no kernel journal here).'
      )}
    </p>
  );
}

export class CoverageView extends ModelView {
  constructor(
    model: RetraceModel,
    private readonly _trans: TranslationBundle
  ) {
    super(model, 'jp-RetraceCoverageView');
  }

  protected renderModel(): JSX.Element {
    return <CoverageNote log={this._model.notebook?.log ?? null} trans={this._trans} />;
  }
}
