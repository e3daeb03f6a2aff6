/**
 * The notebook diff in the main area: two points of a notebook's history
 * (a snapshot, an attempt's tip, or the notebook as it is now) compared cell
 * by cell. Changed, added, removed and moved cells are shown with their source
 * as a line diff and their outputs compared (text as a diff, images side by
 * side, identical outputs folded); runs of unchanged cells are collapsed.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import { diffNotebooks, ICellDiff, INotebookDiff, IOutputDiff, outputImage, outputText, sourceOf } from '../diff/notebookdiff';
import { IRunIndexEntry } from '../history';
import { NotebookHistory } from '../sync/notebookhistory';
import { CodeDiff } from './codediff';
import { EnvironmentChanges } from './environment';
import { IRunNaming, RunNaming, runName, snapshotCellName } from './format';
import { retraceIcon } from './icons';
import { Outputs } from './outputs';

/** A point to compare: a commit of the history, or the open notebook now. */
export type DiffPoint = 'now' | string;

export interface IDiffSource {
  history: NotebookHistory;
  /** The open notebook's JSON now. */
  current: () => unknown;
  name: string;
  /** How the panel names runs (so "2:[7]" here is "2:[7]" there); else from the history's runs. */
  naming?: IRunNaming;
  /** The deleted cell a snapshot's code without a cell replayed, named as the panel names it. */
  replayedCellName?: (entry: IRunIndexEntry) => string | null;
}

interface IPointOption {
  value: DiffPoint;
  label: string;
}

/** What the diff view shows; loads the two notebooks and compares them. */
export class NotebookDiffModel {
  constructor(
    readonly source: IDiffSource,
    private readonly _trans: TranslationBundle,
    from: DiffPoint,
    to: DiffPoint
  ) {
    this._from = from;
    this._to = to;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get from(): DiffPoint {
    return this._from;
  }

  get to(): DiffPoint {
    return this._to;
  }

  get diff(): INotebookDiff | null {
    return this._diff;
  }

  get error(): string | null {
    return this._error;
  }

  /** Points the user can pick: now, each attempt's tip, each snapshot after a run (newest first). */
  get options(): IPointOption[] {
    const trans = this._trans;
    const history = this.source.history;
    const options: IPointOption[] = [{ value: 'now', label: trans.__('The notebook now') }];
    const seen = new Set<string>(['now']);
    for (const attempt of history.attempts) {
      if (attempt.tip && !seen.has(attempt.tip)) {
        seen.add(attempt.tip);
        options.push({ value: attempt.tip, label: trans.__('Attempt “%1” (latest, %2)', attempt.title || attempt.id, attempt.tip.slice(0, 7)) });
      }
    }
    const index = history.runIndex;
    const naming = this.source.naming ?? new RunNaming(index);
    for (let i = index.length - 1; i >= 0; i--) {
      const entry = index[i];
      if (seen.has(entry.commit)) {
        continue;
      }
      seen.add(entry.commit);
      // Cells are named by their position in that snapshot, as the commit subjects are.
      const cell = snapshotCellName(entry, trans, this.source.replayedCellName?.(entry) ?? null);
      options.push({
        value: entry.commit,
        label: trans.__('After run %1 · %2 · %3 (%4)', runName(entry, naming, trans), cell, entry.summary, entry.commit.slice(0, 7))
      });
    }
    for (const point of [this._from, this._to]) {
      if (!seen.has(point)) {
        seen.add(point);
        options.push({ value: point, label: trans.__('Snapshot %1', point.slice(0, 7)) });
      }
    }
    return options;
  }

  async setPoints(from: DiffPoint, to: DiffPoint): Promise<void> {
    this._from = from;
    this._to = to;
    await this.load();
  }

  /** Whether some unchanged cells were left unread (their source is read on demand). */
  get partial(): boolean {
    return this._partial;
  }

  /** Read both notebooks in full (to show the source of unchanged cells). */
  async loadFull(): Promise<void> {
    this._full = true;
    await this.load(true);
  }

  /** Compare the two points; `keep` leaves the current diff shown while reading. */
  async load(keep = false): Promise<void> {
    const ticket = ++this._ticket;
    if (!keep) {
      this._diff = null;
    }
    this._error = null;
    this._changed.emit();
    try {
      const skip = this._full ? null : await this._identicalCells();
      this._partial = !!skip?.size;
      let [before, after] = await Promise.all([this._read(this._from, skip), this._read(this._to, skip)]);
      let diff = diffNotebooks(before, after);
      // A moved cell is shown with its source even when it is otherwise unchanged: read those too.
      const moved = diff.cells.filter(c => c.moved && c.after?.unread).map(c => c.after.unread as string);
      if (skip && moved.length) {
        moved.forEach(tree => skip.delete(tree));
        [before, after] = await Promise.all([this._read(this._from, skip), this._read(this._to, skip)]);
        diff = diffNotebooks(before, after);
      }
      if (ticket === this._ticket) {
        this._diff = diff;
      }
    } catch (error) {
      if (ticket === this._ticket) {
        this._error = error instanceof Error ? error.message : String(error);
      }
    }
    if (ticket === this._ticket) {
      this._changed.emit();
    }
  }

  /**
   * Tree ids of the cells that are the same in both snapshots: content-addressed,
   * so equal ids are equal cells, and those (most of a large notebook) need not
   * be read at all. Null when a point is the open notebook or a whole snapshot.
   */
  private async _identicalCells(): Promise<Set<string> | null> {
    if (this._from === 'now' || this._to === 'now') {
      return null;
    }
    const store = this.source.history.store;
    const [a, b] = await Promise.all([store.cellTreeIds(this._from), store.cellTreeIds(this._to)]);
    if (!a || !b) {
      return null;
    }
    const inA = new Set(a.map(c => c.tree).filter(Boolean));
    return new Set(b.map(c => c.tree).filter(t => t && inA.has(t)));
  }

  private async _read(point: DiffPoint, skip: Set<string> | null): Promise<unknown> {
    if (point === 'now') {
      return this.source.current();
    }
    if (!skip?.size) {
      return (await this.source.history.readSnapshot(point)).notebook;
    }
    const store = this.source.history.store;
    const [snapshot, trees] = await Promise.all([store.readSnapshot(point, skip), store.cellTreeIds(point)]);
    const notebook = snapshot.notebook;
    // A cell left unread stands in as its key and tree id: equal in both snapshots, so it compares unchanged.
    notebook.cells = notebook.cells.map((cell: any, i: number) =>
      cell === null ? { cell_type: 'code', id: trees![i].key, metadata: {}, source: '', outputs: [], unread: trees![i].tree } : cell
    );
    return notebook;
  }

  private _full = false;
  private _partial = false;

  private _from: DiffPoint;
  private _to: DiffPoint;
  private _diff: INotebookDiff | null = null;
  private _error: string | null = null;
  private _ticket = 0;
  private _changed = new Signal<this, void>(this);
}

type Block = { kind: 'cell'; cell: ICellDiff } | { kind: 'same'; cells: ICellDiff[] };

/** Changed cells one by one; consecutive unchanged ones as one collapsed block. */
function blocks(diff: INotebookDiff): Block[] {
  const out: Block[] = [];
  for (const cell of diff.cells) {
    const last = out[out.length - 1];
    if (cell.kind === 'unchanged' && !cell.moved) {
      if (last?.kind === 'same') {
        last.cells.push(cell);
      } else {
        out.push({ kind: 'same', cells: [cell] });
      }
    } else {
      out.push({ kind: 'cell', cell });
    }
  }
  return out;
}

function NotebookDiff(props: { model: NotebookDiffModel; trans: TranslationBundle; rendermime: IRenderMimeRegistry | null }): JSX.Element {
  const { model, trans, rendermime } = props;
  const [, setVersion] = React.useState(0);
  React.useEffect(() => {
    const update = () => setVersion(v => v + 1);
    model.changed.connect(update);
    return () => void model.changed.disconnect(update);
  }, [model]);
  const diff = model.diff;
  const options = model.options;
  const picker = (label: string, value: DiffPoint, onChange: (v: DiffPoint) => void, className: string) => (
    <label className="jp-RetraceNbDiff-point">
      <span>{label}</span>
      <select className={`jp-mod-styled ${className}`} value={value} onChange={event => onChange(event.target.value)}>
        {options.map(o => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div className="jp-RetraceNbDiff-body" data-state={diff ? 'ready' : model.error ? 'error' : 'loading'}>
      <div className="jp-RetraceNbDiff-header">
        {picker(trans.__('From'), model.from, v => void model.setPoints(v, model.to), 'jp-RetraceNbDiff-from')}
        {picker(trans.__('To'), model.to, v => void model.setPoints(model.from, v), 'jp-RetraceNbDiff-to')}
      </div>
      <EnvironmentChanges store={model.source.history.store} from={model.from} to={model.to} trans={trans} />
      {model.error && <div className="jp-RetraceNbDiff-error">{trans.__('Could not compare: %1', model.error)}</div>}
      {!diff && !model.error && <div className="jp-RetraceNbDiff-note">{trans.__('Reading both notebooks…')}</div>}
      {diff && <Summary diff={diff} trans={trans} />}
      {diff &&
        blocks(diff).map(block =>
          block.kind === 'same' ? (
            <SameBlock key={`same-${block.cells[0].key}`} cells={block.cells} trans={trans} model={model} />
          ) : (
            <CellBlock key={block.cell.key} cell={block.cell} trans={trans} rendermime={rendermime} />
          )
        )}
    </div>
  );
}

function Summary(props: { diff: INotebookDiff; trans: TranslationBundle }): JSX.Element {
  const { diff, trans } = props;
  const { counts, metadata } = diff;
  const meta = [
    ...metadata.added.map(k => trans.__('%1 added', k)),
    ...metadata.removed.map(k => trans.__('%1 removed', k)),
    ...metadata.changed.map(k => trans.__('%1 changed', k))
  ];
  return (
    <div className="jp-RetraceNbDiff-summary" role="status">
      <div>
        {trans.__(
          '%1 cell(s) changed, %2 added, %3 removed, %4 moved, %5 unchanged.',
          counts.changed,
          counts.added,
          counts.removed,
          counts.moved,
          counts.unchanged
        )}
      </div>
      <div className="jp-RetraceNbDiff-metadata">
        {meta.length ? trans.__('Notebook metadata: %1', meta.join(', ')) : trans.__('Notebook metadata unchanged.')}
      </div>
    </div>
  );
}

function SameBlock(props: { cells: ICellDiff[]; trans: TranslationBundle; model: NotebookDiffModel }): JSX.Element {
  const [open, setOpen] = React.useState(false);
  const unread = props.cells.some(c => c.after?.unread);
  React.useEffect(() => {
    // Unchanged cells were not read for the first paint: read them when the user opens them.
    if (open && unread) {
      void props.model.loadFull();
    }
  }, [open, unread]);
  const { cells, trans } = props;
  const first = (cells[0].afterIndex ?? 0) + 1;
  const last = (cells[cells.length - 1].afterIndex ?? 0) + 1;
  return (
    <div className="jp-RetraceNbDiff-same">
      <button className="jp-RetraceNbDiff-sameToggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {first === last ? trans.__('Cell %1 unchanged', first) : trans.__('%1 unchanged cells (%2–%3)', cells.length, first, last)}
      </button>
      {open &&
        cells.map(cell => (
          <pre key={cell.key} className="jp-RetraceNbDiff-sameSource">
            {sourceOf(cell.after)}
          </pre>
        ))}
    </div>
  );
}

function CellBlock(props: { cell: ICellDiff; trans: TranslationBundle; rendermime: IRenderMimeRegistry | null }): JSX.Element {
  const { cell, trans, rendermime } = props;
  const where =
    cell.kind === 'removed'
      ? trans.__('cell %1 before', (cell.beforeIndex ?? 0) + 1)
      : cell.moved || (cell.beforeIndex !== null && cell.beforeIndex !== cell.afterIndex)
        ? trans.__('cell %1 (was %2)', (cell.afterIndex ?? 0) + 1, (cell.beforeIndex ?? 0) + 1)
        : trans.__('cell %1', (cell.afterIndex ?? 0) + 1);
  const what: string[] = [];
  if (cell.kind === 'added') {
    what.push(trans.__('added'));
  } else if (cell.kind === 'removed') {
    what.push(trans.__('removed'));
  } else {
    if (cell.moved) {
      what.push(trans.__('moved'));
    }
    if (cell.sourceChanged) {
      what.push(trans.__('source changed'));
    }
    if (cell.outputsChanged) {
      what.push(trans.__('outputs changed'));
    }
    if (cell.typeChanged) {
      what.push(trans.__('type %1 → %2', cell.before.cell_type, cell.after.cell_type));
    }
    if (cell.metadataChanged.length) {
      what.push(trans.__('metadata: %1', cell.metadataChanged.join(', ')));
    }
  }
  const before = cell.before ? sourceOf(cell.before) : '';
  const after = cell.after ? sourceOf(cell.after) : '';
  return (
    <section className={`jp-RetraceNbDiff-cell jp-mod-${cell.kind}${cell.moved ? ' jp-mod-moved' : ''}`} data-key={cell.key} aria-label={`${where}: ${what.join(', ')}`}>
      <h3 className="jp-RetraceNbDiff-cellTitle">
        <span className="jp-RetraceNbDiff-where">{where}</span> <span className="jp-RetraceNbDiff-what">{what.join(' · ')}</span>
      </h3>
      {cell.sourceChanged || cell.kind === 'added' || cell.kind === 'removed' ? (
        <div className="jp-RetraceNbDiff-source">
          <CodeDiff before={before} after={after} trans={trans} label={trans.__('Source diff')} />
        </div>
      ) : (
        <pre className="jp-RetraceNbDiff-plainSource">{after}</pre>
      )}
      {cell.kind === 'changed' && cell.outputsChanged && <OutputsDiff outputs={cell.outputs} trans={trans} rendermime={rendermime} />}
      {cell.kind !== 'changed' && ((cell.before ?? cell.after)?.outputs?.length ?? 0) > 0 && (
        <Outputs outputs={(cell.before ?? cell.after).outputs} rendermime={rendermime} className="jp-RetraceNbDiff-outputs" />
      )}
    </section>
  );
}

function OutputsDiff(props: { outputs: IOutputDiff[]; trans: TranslationBundle; rendermime: IRenderMimeRegistry | null }): JSX.Element {
  const { outputs, trans, rendermime } = props;
  const identical = outputs.filter(o => o.kind === 'unchanged').length;
  return (
    <div className="jp-RetraceNbDiff-outputsDiff">
      {identical > 0 && <div className="jp-RetraceNbDiff-fold">{trans.__('%1 identical output(s) folded', identical)}</div>}
      {outputs
        .filter(o => o.kind !== 'unchanged')
        .map((o, i) => {
          const textBefore = o.before ? outputText(o.before) : '';
          const textAfter = o.after ? outputText(o.after) : '';
          if (textBefore !== null && textAfter !== null) {
            return (
              <div key={i} className="jp-RetraceNbDiff-outputText">
                <CodeDiff before={textBefore} after={textAfter} trans={trans} label={trans.__('Output diff')} />
              </div>
            );
          }
          const imgBefore = outputImage(o.before);
          const imgAfter = outputImage(o.after);
          return (
            <div key={i} className="jp-RetraceNbDiff-sideBySide">
              <figure className="jp-RetraceNbDiff-side jp-mod-before">
                <figcaption>{trans.__('Before')}</figcaption>
                {imgBefore ? <img src={imgBefore} alt={trans.__('Output before')} /> : o.before ? <Outputs outputs={[o.before]} rendermime={rendermime} /> : '—'}
              </figure>
              <figure className="jp-RetraceNbDiff-side jp-mod-after">
                <figcaption>{trans.__('After')}</figcaption>
                {imgAfter ? <img src={imgAfter} alt={trans.__('Output after')} /> : o.after ? <Outputs outputs={[o.after]} rendermime={rendermime} /> : '—'}
              </figure>
            </div>
          );
        })}
    </div>
  );
}

export class NotebookDiffView extends ReactWidget {
  constructor(
    readonly model: NotebookDiffModel,
    private readonly _trans: TranslationBundle,
    private readonly _rendermime: IRenderMimeRegistry | null
  ) {
    super();
    this.addClass('jp-RetraceNbDiff');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', _trans.__('Notebook diff'));
  }

  protected render(): JSX.Element {
    return <NotebookDiff model={this.model} trans={this._trans} rendermime={this._rendermime} />;
  }
}

/** A main-area widget comparing two points of a notebook's history. */
export function createNotebookDiff(
  source: IDiffSource,
  trans: TranslationBundle,
  rendermime: IRenderMimeRegistry | null,
  from: DiffPoint,
  to: DiffPoint
): MainAreaWidget<NotebookDiffView> {
  const model = new NotebookDiffModel(source, trans, from, to);
  const content = new NotebookDiffView(model, trans, rendermime);
  const widget = new MainAreaWidget({ content });
  widget.addClass('jp-RetraceNbDiff-main');
  widget.title.icon = retraceIcon;
  widget.title.label = trans.__('Diff: %1', source.name.split('/').pop() ?? source.name);
  widget.title.caption = trans.__('Compare two points of the history of %1', source.name);
  void model.load();
  return widget;
}
