/**
 * The versions of one cell, on the cell: a small toggle ("3 versions") that
 * opens the list of the codes the cell ran, each with its outputs (rendered
 * with rendermime from the history) and "Use this version", which puts that
 * code back in the cell as an ordinary edit (the cell's undo brings the code
 * before it back).
 */
import { Cell } from '@jupyterlab/cells';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { NotebookHistory } from '../sync/notebookhistory';
import { formatTime, RunNaming, runName } from '../ui/format';
import { Outputs } from '../ui/outputs';
import { IRunRecord, loadRunRecord } from '../ui/rundetail';
import { ICellVersion, isVersionOf } from './versions';

/** Replace the cell's code by `code` as one undoable step of the cell's own undo history. */
export function useVersion(cell: Cell, code: string): void {
  const shared = cell.model.sharedModel;
  // The Yjs undo manager of the cell (or of the notebook): not in the ISharedCell typings.
  const undo = (shared as unknown as { undoManager?: { stopCapturing(): void } | null }).undoManager;
  // Separate steps: undo must not also take back what the user typed just before.
  undo?.stopCapturing();
  shared.setSource(code);
  undo?.stopCapturing();
}

export class CellVersionsView extends ReactWidget {
  constructor(
    readonly cell: Cell,
    private readonly _trans: TranslationBundle,
    private readonly _rendermime: IRenderMimeRegistry | null,
    private readonly _history: () => NotebookHistory | null
  ) {
    super();
    this.addClass('jp-RetraceVersions');
    cell.model.contentChanged.connect(this._onSource, this);
    // The notebook would take these: a mouse down activates (and may scroll) the cell before
    // the click lands, and Enter on a focused button would enter edit mode instead of pressing it.
    this.node.addEventListener('mousedown', event => event.stopPropagation());
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.stopPropagation();
      }
    });
  }

  get versions(): readonly ICellVersion[] {
    return this._versions;
  }

  set versions(versions: readonly ICellVersion[]) {
    this._versions = versions;
    this.update();
  }

  get open(): boolean {
    return this._open;
  }

  set open(open: boolean) {
    this._open = open;
    this.toggleClass('jp-mod-open', open);
    this.update();
  }

  dispose(): void {
    if (!this.isDisposed) {
      this.cell.model?.contentChanged.disconnect(this._onSource, this);
    }
    super.dispose();
  }

  protected render(): JSX.Element {
    const trans = this._trans;
    const versions = this._versions;
    const current = this.cell.model.sharedModel.getSource();
    return (
      <>
        <button
          className="jp-RetraceVersions-toggle"
          aria-expanded={this._open}
          title={trans.__('Codes this cell ran before, with their outputs')}
          onClick={() => (this.open = !this._open)}
        >
          {this._open ? '▾ ' : '▸ '}
          {trans._n('%1 version', '%1 versions', versions.length)}
        </button>
        {this._open && (
          <ol className="jp-RetraceVersions-list" aria-label={trans.__('Versions of this cell')}>
            {versions.map(version => (
              <VersionItem
                key={version.number}
                version={version}
                current={current}
                trans={trans}
                rendermime={this._rendermime}
                history={this._history()}
                onUse={code => {
                  useVersion(this.cell, code);
                  this.open = false;
                }}
              />
            ))}
          </ol>
        )}
      </>
    );
  }

  private _onSource(): void {
    if (this._open) {
      this.update();
    }
  }

  private _versions: readonly ICellVersion[] = [];
  private _open = false;
}

function VersionItem(props: {
  version: ICellVersion;
  /** The cell's code now. */
  current: string;
  trans: TranslationBundle;
  rendermime: IRenderMimeRegistry | null;
  history: NotebookHistory | null;
  onUse: (code: string) => void;
}): JSX.Element {
  const { version, trans, rendermime, history } = props;
  const record = useRecord(version, history);
  // A version known from history index rows has only their first line: the record read
  // from the run's commit has the full code (null until read, or when it cannot be read).
  const code = version.complete ? version.code : record?.commit ? record.code : null;
  const isCurrent = code !== null ? code === props.current : isVersionOf(version, props.current);
  const last = version.last;
  const count = runName(last, new RunNaming([...(history?.runIndex ?? []), ...version.runs]), trans);
  return (
    <li className="jp-RetraceVersions-item" data-version={version.number} data-current={String(isCurrent)}>
      <div className="jp-RetraceVersions-head">
        <span className="jp-RetraceVersions-name">{trans.__('Version %1', version.number)}</span>
        <span className="jp-RetraceVersions-when">
          {trans._n('ran once, %2 at %3', 'ran %1 times, last %2 at %3', version.runs.length, count, formatTime(last.start))}
        </span>
        {isCurrent ? (
          <span className="jp-RetraceVersions-current">{trans.__('(in the cell now)')}</span>
        ) : (
          <button
            className="jp-Button jp-mod-styled jp-mod-minimal jp-RetraceVersions-use"
            disabled={code === null}
            title={code === null ? trans.__('The full code of this version could not be read yet') : undefined}
            onClick={() => code !== null && props.onUse(code)}
          >
            {trans.__('Use this version')}
          </button>
        )}
      </div>
      <pre className="jp-RetraceVersions-code">{code ?? version.code}</pre>
      {record === null ? (
        <div className="jp-RetraceVersions-note">{trans.__('Reading the history…')}</div>
      ) : record.outputs && record.outputs.length ? (
        <Outputs outputs={record.outputs} rendermime={rendermime} className="jp-RetraceVersions-outputs" />
      ) : (
        <div className="jp-RetraceVersions-note">{trans.__('No outputs.')}</div>
      )}
    </li>
  );
}

function useRecord(version: ICellVersion, history: NotebookHistory | null): IRunRecord | null {
  const run = version.last;
  const [record, setRecord] = React.useState<{ id: string; record: IRunRecord } | null>(null);
  React.useEffect(() => {
    let live = true;
    const fallback: IRunRecord = { code: run.code, commit: null, outputs: run.outputs, outputsFrom: 'run' };
    // A live run carries its outputs; only runs read back from the history need a read.
    const read = run.outputs.length ? Promise.resolve(fallback) : loadRunRecord(run, history);
    void read.then(
      r => live && setRecord({ id: run.id, record: r }),
      () => live && setRecord({ id: run.id, record: fallback })
    );
    return () => {
      live = false;
    };
  }, [run.id, history, history?.commitOf(run.id)]);
  return record?.id === run.id ? record.record : null;
}
