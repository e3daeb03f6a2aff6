/**
 * The base of the panel's React sections that show the Retrace model: a
 * ReactWidget that renders from the model, and again each time it changes.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { RetraceModel } from './model';

export abstract class ModelView extends ReactWidget {
  constructor(
    protected readonly _model: RetraceModel,
    className: string
  ) {
    super();
    this.addClass(className);
  }

  protected render(): JSX.Element {
    return <UseSignal signal={this._model.changed}>{() => this.renderModel()}</UseSignal>;
  }

  /** The section for the model as it is now. */
  protected abstract renderModel(): JSX.Element | null;
}
