/**
 * The detail of the selected run: its code exactly as it ran, status and
 * duration, its outputs rendered from the history (even when the notebook no
 * longer shows them), the names it read and wrote (from the kernel tracer when
 * it reported on the run, else from static analysis, and saying which), and its code compared with
 * the cell's previous run and with the cell now.
 */
import type { IOutput } from '@jupyterlab/nbformat';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { Run } from '../capture/run';
import { NotebookHistory } from '../sync/notebookhistory';
import { CodeDiff } from './codediff';
import { namesOf } from './filter';
import { formatDuration, formatTime, runTitle, statusText } from './format';
import { RetraceModel } from './model';
import { Outputs } from './outputs';

export interface IRunDetailActions {
  /** Restore the notebook as it was right after this run (the commit that captured it). */
  restore: (commit: string) => void;
  /** Show the cell in the notebook. */
  reveal: (cellId: string) => void;
  /** Compare the notebook as it was after this run (its commit) with the notebook now. */
  diff?: (commit: string) => void;
}

/** What the history adds to a run: its full code and the outputs it left. */
export interface IRunRecord {
  code: string;
  commit: string | null;
  outputs: IOutput[] | null;
  /** Where the outputs come from: the live run, the snapshot the run's commit holds, or nowhere. */
  outputsFrom: 'run' | 'snapshot' | 'none';
}

/** Read what the history keeps of a run. */
export async function loadRunRecord(run: Run, history: NotebookHistory | null): Promise<IRunRecord> {
  const commit = history?.commitOf(run.id) ?? null;
  let code = run.code;
  let outputs: IOutput[] | null = run.outputs.length ? run.outputs : null;
  let outputsFrom: IRunRecord['outputsFrom'] = outputs ? 'run' : 'none';
  if (history && commit) {
    const records = await history.store.readRuns(commit);
    const record = records.find(r => r.id === run.id);
    if (typeof record?.code === 'string') {
      code = record.code;
    }
    if (!outputs && Array.isArray(record?.outputs)) {
      outputs = record!.outputs as IOutput[];
      outputsFrom = 'run';
    }
    if (!outputs && run.cellId) {
      const snapshot = await history.readSnapshot(commit);
      const cell = (snapshot.notebook?.cells ?? []).find((c: any) => c.id === run.cellId);
      // Only outputs this very run left: the snapshot's cell shows the same execution count.
      if (cell && cell.execution_count === run.executionCount && Array.isArray(cell.outputs)) {
        outputs = cell.outputs as IOutput[];
        outputsFrom = 'snapshot';
      }
    }
  }
  return { code, commit, outputs, outputsFrom };
}

function useRecord(run: Run | null, history: NotebookHistory | null): IRunRecord | null {
  const [record, setRecord] = React.useState<{ id: string; record: IRunRecord } | null>(null);
  React.useEffect(() => {
    let live = true;
    if (run) {
      void loadRunRecord(run, history).then(
        r => live && setRecord({ id: run.id, record: r }),
        () => live && setRecord({ id: run.id, record: { code: run.code, commit: null, outputs: null, outputsFrom: 'none' } })
      );
    }
    return () => {
      live = false;
    };
    // The commit appears once the run is written: re-read when the history changes.
  }, [run?.id, history, history?.commitOf(run?.id ?? '')]);
  return run && record?.id === run.id ? record.record : null;
}

export function RunDetail(props: {
  model: RetraceModel;
  trans: TranslationBundle;
  rendermime: IRenderMimeRegistry | null;
  actions: IRunDetailActions;
}): JSX.Element {
  const { model, trans, rendermime, actions } = props;
  const run = model.selected;
  const history = model.history;
  const record = useRecord(run, history);
  const previous = run ? model.previousRunOfCell(run) : null;
  const previousRecord = useRecord(previous, history);
  if (!run) {
    return <div className="jp-RetraceDetail-empty">{trans.__('Select a run in the timeline to see its code, outputs and changes.')}</div>;
  }
  const notebook = model.notebook;
  const cellLabel = model.cellOf(run, deleted => trans.__('%1, replayed', deleted));
  const code = record?.code ?? run.code;
  const now = run.cellId ? (notebook?.cellSource?.(run.cellId) ?? null) : null;
  const traced = notebook?.traced?.(run);
  const names = namesOf({ ...run, code }, traced);
  const duration = Date.parse(run.end) - Date.parse(run.start);
  return (
    <div className="jp-RetraceDetail-body" data-run-id={run.id}>
      <h3 className="jp-RetraceDetail-title">
        {runTitle(run, model, trans)} · {cellLabel}
      </h3>
      <div className="jp-RetraceDetail-meta">
        <span className="jp-RetraceDetail-status" data-status={run.status}>
          {statusText(run, trans)}
        </span>
        <span>{trans.__('started %1', formatTime(run.start))}</span>
        {duration > 0 && <span>{trans.__('took %1', formatDuration(duration))}</span>}
      </div>
      <div className="jp-RetraceDetail-actions">
        {run.cellId && notebook?.cellExists?.(run.cellId) && (
          <button className="jp-Button jp-mod-styled jp-mod-minimal" onClick={() => actions.reveal(run.cellId!)}>
            {trans.__('Show cell')}
          </button>
        )}
        {record?.commit && (
          <button
            className="jp-Button jp-mod-styled jp-mod-minimal jp-RetraceDetail-restore"
            title={trans.__('Bring back the whole notebook as it was right after this run')}
            onClick={() => actions.restore(record.commit!)}
          >
            {trans.__('Restore notebook after this run…')}
          </button>
        )}
        {record?.commit && actions.diff && (
          <button
            className="jp-Button jp-mod-styled jp-mod-minimal jp-RetraceDetail-diff"
            title={trans.__('Compare the whole notebook as it was right after this run with the notebook now')}
            onClick={() => actions.diff!(record.commit!)}
          >
            {trans.__('Compare with now')}
          </button>
        )}
      </div>
      <Section title={trans.__('Code as it ran')}>
        <pre className="jp-RetraceDetail-code">{code}</pre>
      </Section>
      <Section title={trans.__('Outputs')}>
        {record === null ? (
          <div className="jp-RetraceDetail-note">{trans.__('Reading the history…')}</div>
        ) : record.outputs && record.outputs.length ? (
          <Outputs outputs={record.outputs} rendermime={rendermime} className="jp-RetraceDetail-outputs" />
        ) : (
          <div className="jp-RetraceDetail-note">
            {record.outputsFrom === 'none' && record.outputs === null && !record.commit
              ? trans.__('No outputs recorded for this run.')
              : trans.__('No outputs.')}
          </div>
        )}
      </Section>
      <Section title={names.source === 'tracer' ? trans.__('Names (kernel tracer)') : trans.__('Names (static analysis)')}>
        <div className="jp-RetraceDetail-namesSource" data-source={names.source}>
          {names.source === 'tracer'
            ? trans.__('What the kernel tracer saw this run read and write.')
            : trans.__('Read from the code: the kernel tracer did not report on this run (another kernel session, or no IPython tracer).')}
        </div>
        <dl className="jp-RetraceDetail-names">
          <dt>{trans.__('Read')}</dt>
          <dd className="jp-RetraceDetail-reads">{names.reads.join(', ') || '—'}</dd>
          <dt>{trans.__('Wrote')}</dt>
          <dd className="jp-RetraceDetail-writes">{names.writes.join(', ') || '—'}</dd>
          {traced && traced.filesRead.length > 0 && (
            <>
              <dt>{trans.__('Files read')}</dt>
              <dd className="jp-RetraceDetail-filesRead">{traced.filesRead.join(', ')}</dd>
            </>
          )}
          {traced && traced.filesWritten.length > 0 && (
            <>
              <dt>{trans.__('Files written')}</dt>
              <dd className="jp-RetraceDetail-filesWritten">{traced.filesWritten.join(', ')}</dd>
            </>
          )}
        </dl>
      </Section>
      {previous && (
        <Section title={trans.__('Changes since the previous run of this cell (%1)', runTitle(previous, model, trans))}>
          <div className="jp-RetraceDetail-diffPrevious">
            <CodeDiff before={previousRecord?.code ?? previous.code} after={code} trans={trans} label={trans.__('Code diff with the previous run')} />
          </div>
        </Section>
      )}
      {run.cellId && (
        <Section title={trans.__('Changes since, in the cell now')}>
          <div className="jp-RetraceDetail-diffNow">
            {now === null ? (
              <div className="jp-RetraceDetail-note">{trans.__('The cell no longer exists in the notebook.')}</div>
            ) : (
              <CodeDiff before={code} after={now} trans={trans} label={trans.__('Code diff with the cell now')} />
            )}
          </div>
        </Section>
      )}
    </div>
  );
}

function Section(props: { title: string; children: React.ReactNode }): JSX.Element {
  return (
    <section className="jp-RetraceDetail-section" aria-label={props.title}>
      <h4 className="jp-RetraceDetail-sectionTitle">{props.title}</h4>
      {props.children}
    </section>
  );
}

/** The run detail as a sidebar section (or a main-area pane). */
export class RunDetailView extends ReactWidget {
  constructor(
    private readonly _model: RetraceModel,
    private readonly _trans: TranslationBundle,
    private readonly _rendermime: IRenderMimeRegistry | null,
    private readonly _actions: IRunDetailActions
  ) {
    super();
    this.addClass('jp-RetraceDetail');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', _trans.__('Run detail'));
    this.node.tabIndex = -1;
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => <RunDetail model={this._model} trans={this._trans} rendermime={this._rendermime} actions={this._actions} />}
      </UseSignal>
    );
  }
}
