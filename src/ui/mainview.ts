/**
 * The history in the main area, full width: the attempt graph, the runs and the run detail side by side,
 * reading the same model as the sidebar (selecting here selects there).
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { SplitPanel } from '@lumino/widgets';

import { AttemptGraphView } from './attemptgraph';
import { retraceIcon } from './icons';
import { RetraceModel } from './model';
import { IRunDetailActions, RunDetailView } from './rundetail';
import { RunsView } from './timeline';

export function createHistoryMainView(
  model: RetraceModel,
  trans: TranslationBundle,
  rendermime: IRenderMimeRegistry | null,
  detailActions: IRunDetailActions
): MainAreaWidget<SplitPanel> {
  const split = new SplitPanel({ orientation: 'horizontal', spacing: 1 });
  split.addClass('jp-RetraceHistoryMain');
  const detail = new RunDetailView(model, trans, rendermime, detailActions);
  const runs = new RunsView(model, trans, { open: () => detail.node.focus() });
  const graph = new AttemptGraphView(model, trans, rendermime, {
    editComment: async (id, comment) => {
      await model.history?.editAttempt(id, { comment });
    }
  });
  split.addWidget(graph);
  split.addWidget(runs);
  split.addWidget(detail);
  SplitPanel.setStretch(graph, 2);
  SplitPanel.setStretch(runs, 2);
  SplitPanel.setStretch(detail, 3);
  const widget = new MainAreaWidget({ content: split });
  widget.id = 'jp-retrace-history-main';
  widget.title.icon = retraceIcon;
  const setTitle = () => {
    const name = model.notebook?.name.split('/').pop();
    widget.title.label = name ? trans.__('History: %1', name) : trans.__('History');
  };
  model.changed.connect(setTitle);
  widget.disposed.connect(() => model.changed.disconnect(setTitle));
  setTitle();
  return widget;
}
