/**
 * The attempt graph: every attempt a lane, its snapshots as points, a fork
 * drawn from the point it branched from (marked when it began with a
 * Restore), the points a Replay in order made marked as replays (from the
 * `replay` mark of their runs in the history), and "you are here" on the
 * point the notebook continues from.
 * Beside it each attempt's title, comment (markdown, edited in place),
 * creation time, base and run count. Selecting a point selects its snapshot
 * everywhere: the run that made it in the timeline and the run detail.
 *
 * Keyboard: roving focus over the points (arrows, Home/End), Enter selects,
 * D opens the diff of the point with the snapshot before it (as in the timeline).
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { HistoryStore, IAttempt, IRunIndexEntry } from '../history';
import { NotebookHistory } from '../sync/notebookhistory';
import { EnvironmentChanges } from './environment';
import { formatDateTime, runName, snapshotCellName } from './format';
import { RetraceModel } from './model';
import { ModelView } from './modelview';

const LANE = 16;
const ROW = 26;
/** Points drawn at most (the newest); older ones are in the timeline. */
const MAX_POINTS = 400;

interface IPoint {
  commit: string;
  attempt: string;
  lane: number;
  /** The run(s) the snapshot captured. */
  entries: IRunIndexEntry[];
  time: number;
  /** The snapshot before it on its attempt (the one its diff compares with), null for the first. */
  previous: string | null;
  /** A Replay in order ran its run(s). */
  replay: boolean;
}

interface IGraph {
  attempts: IAttempt[];
  lanes: Map<string, number>;
  points: IPoint[];
  runs: Map<string, number>;
  /** Row of the point an attempt forked from, per attempt. */
  forkRow: Map<string, number>;
  here: string | null;
}

/** Read every attempt's runs and lay out the graph, newest point first. */
export async function buildGraph(history: NotebookHistory): Promise<IGraph> {
  const attempts = [...history.attempts].sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0));
  const lanes = new Map(attempts.map((a, i) => [a.id, i]));
  const byCommit = new Map<string, IPoint>();
  const runs = new Map<string, number>();
  const indexes = await Promise.all(attempts.map(a => history.store.runIndex(a.id).catch(() => [] as IRunIndexEntry[])));
  attempts.forEach((attempt, i) => {
    // Its own runs: the index also lists those inherited from the attempt it branched from.
    runs.set(attempt.id, indexes[i].filter(e => e.attempt === attempt.id).length);
    // The index lists an attempt's first-parent chain oldest first: the commit before is the previous snapshot.
    let before: string | null = null;
    let last: string | null = null;
    for (const entry of indexes[i]) {
      if (entry.commit !== last) {
        before = last;
        last = entry.commit;
      }
      let point = byCommit.get(entry.commit);
      if (!point) {
        const lane = lanes.get(entry.attempt) ?? lanes.get(attempt.id)!;
        point = {
          commit: entry.commit,
          attempt: entry.attempt || attempt.id,
          lane,
          entries: [],
          time: Number(new Date(entry.start ?? 0)),
          previous: before,
          replay: false
        };
        byCommit.set(entry.commit, point);
      }
      if (!point.entries.some(e => e.runId === entry.runId)) {
        point.entries.push(entry);
        point.replay ||= entry.replay === true;
      }
    }
  });
  const points = [...byCommit.values()].sort((a, b) => b.time - a.time).slice(0, MAX_POINTS);
  const rowOf = new Map(points.map((p, i) => [p.commit, i]));
  const forkRow = new Map<string, number>();
  for (const attempt of attempts) {
    if (attempt.base && rowOf.has(attempt.base)) {
      forkRow.set(attempt.id, rowOf.get(attempt.base)!);
    }
  }
  const here = history.store.divergedFrom ?? history.store.head;
  return { attempts, lanes, points, runs, forkRow, here };
}

export interface IAttemptGraphActions {
  editComment: (attemptId: string, comment: string) => Promise<void>;
  /** Show the diff of a snapshot with the one before it (D); `previous` null for an attempt's first. */
  diffPrevious?: (commit: string, previous: string | null) => void;
}

function AttemptGraph(props: {
  model: RetraceModel;
  trans: TranslationBundle;
  rendermime: IRenderMimeRegistry | null;
  actions: IAttemptGraphActions;
}): JSX.Element {
  const { model, trans } = props;
  const history = model.history;
  const [graph, setGraph] = React.useState<IGraph | null>(null);
  const [active, setActive] = React.useState(0);
  const listRef = React.useRef<HTMLDivElement>(null);
  const wantFocus = React.useRef(false);
  React.useEffect(() => {
    let live = true;
    const load = () => {
      if (history) {
        void buildGraph(history).then(g => live && setGraph(g));
      } else {
        setGraph(null);
      }
    };
    load();
    history?.changed.connect(load);
    return () => {
      live = false;
      history?.changed.disconnect(load);
    };
  }, [history]);
  React.useEffect(() => {
    if (wantFocus.current) {
      wantFocus.current = false;
      listRef.current?.querySelector<HTMLElement>(`[data-row="${active}"]`)?.focus();
    }
  });
  if (!history || !graph) {
    return <div className="jp-RetraceGraph-empty">{trans.__('No history yet: it starts with the first run.')}</div>;
  }
  const selectedCommit = model.selected ? history.commitOf(model.selected.id) : null;
  // Named as the timeline names them; runs of other attempts' sessions numbered after its own.
  const naming = model.naming.with(graph.points.flatMap(p => p.entries));
  // Code without a cell may be the replay of a deleted cell's recorded code: named as the timeline does.
  const cellName = (entry: IRunIndexEntry) =>
    snapshotCellName(entry, trans, model.replayedCellName(entry, deleted => trans.__('%1, replayed', deleted)));
  const width = Math.max(1, graph.attempts.length) * LANE + 8;
  const x = (lane: number) => 4 + lane * LANE + LANE / 2;
  const y = (row: number) => row * ROW + ROW / 2;
  const select = (point: IPoint) => {
    const entry = point.entries[point.entries.length - 1];
    if (entry?.runId) {
      model.selectById(entry.runId);
    }
  };
  const onKeyDown = (event: React.KeyboardEvent) => {
    const last = graph.points.length - 1;
    const move = (row: number) => {
      setActive(Math.max(0, Math.min(last, row)));
      wantFocus.current = true;
    };
    switch (event.key) {
      case 'ArrowDown':
        move(active + 1);
        break;
      case 'ArrowUp':
        move(active - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(last);
        break;
      case 'Enter':
      case ' ':
        if (graph.points[active]) {
          select(graph.points[active]);
        }
        break;
      case 'd':
      case 'D':
        if (graph.points[active] && props.actions.diffPrevious) {
          props.actions.diffPrevious(graph.points[active].commit, graph.points[active].previous);
        }
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  };
  const lines: JSX.Element[] = [];
  for (const attempt of graph.attempts) {
    const lane = graph.lanes.get(attempt.id)!;
    const rows = graph.points.map((p, i) => (p.attempt === attempt.id ? i : -1)).filter(i => i >= 0);
    if (rows.length) {
      const top = Math.min(...rows);
      const bottom = Math.max(...rows);
      lines.push(<line key={`l-${attempt.id}`} x1={x(lane)} x2={x(lane)} y1={y(top)} y2={y(bottom)} className="jp-RetraceGraph-lane" />);
      const fork = graph.forkRow.get(attempt.id);
      if (fork !== undefined && attempt.base) {
        const baseLane = graph.points[fork].lane;
        lines.push(
          <path
            key={`f-${attempt.id}`}
            d={`M ${x(baseLane)} ${y(fork)} C ${x(baseLane)} ${y(fork) - ROW / 2}, ${x(lane)} ${y(bottom) + ROW / 2}, ${x(lane)} ${y(bottom)}`}
            className={`jp-RetraceGraph-fork${attempt.auto ? ' jp-mod-restore' : ''}`}
          />
        );
      }
    }
  }
  return (
    <div className="jp-RetraceGraph-body">
      <ul className="jp-RetraceGraph-attempts" aria-label={trans.__('Attempts in the graph')}>
        {graph.attempts.map(attempt => (
          <AttemptCard
            key={attempt.id}
            attempt={attempt}
            lane={graph.lanes.get(attempt.id)!}
            runs={graph.runs.get(attempt.id) ?? 0}
            store={history.store}
            trans={trans}
            rendermime={props.rendermime}
            onSave={comment => props.actions.editComment(attempt.id, comment)}
          />
        ))}
      </ul>
      <div
        ref={listRef}
        className="jp-RetraceGraph-points"
        role="listbox"
        aria-label={trans.__('Snapshots by attempt, newest first')}
        title={trans.__('Arrow keys move, Enter selects the run, D shows the diff with the snapshot before')}
        onKeyDown={onKeyDown}
        style={{ height: graph.points.length * ROW }}
      >
        <svg className="jp-RetraceGraph-svg" width={width} height={graph.points.length * ROW} aria-hidden="true">
          {lines}
          {graph.points.map((p, i) => (
            <circle
              key={p.commit}
              cx={x(p.lane)}
              cy={y(i)}
              r={p.commit === graph.here ? 5.5 : 4}
              className={`jp-RetraceGraph-dot jp-mod-lane${p.lane % 6}${p.commit === graph.here ? ' jp-mod-here' : ''}${p.replay ? ' jp-mod-replay' : ''}`}
            />
          ))}
        </svg>
        {graph.points.map((p, i) => {
          const entry = p.entries[p.entries.length - 1];
          const here = p.commit === graph.here;
          const attempt = graph.attempts.find(a => a.id === p.attempt);
          const restoredHere = graph.attempts.filter(a => a.auto && a.base === p.commit);
          return (
            <div
              key={p.commit}
              className={`jp-RetraceGraph-point${selectedCommit === p.commit ? ' jp-mod-selected' : ''}${here ? ' jp-mod-here' : ''}${p.replay ? ' jp-mod-replay' : ''}`}
              role="option"
              aria-selected={selectedCommit === p.commit}
              tabIndex={i === active ? 0 : -1}
              data-row={i}
              data-commit={p.commit}
              style={{ top: i * ROW, left: width, height: ROW }}
              onClick={() => {
                setActive(i);
                select(p);
              }}
            >
              <span className="jp-RetraceGraph-run">
                {p.entries.length > 1
                  ? trans.__('%1 runs', p.entries.length)
                  : entry
                    ? `${runName(entry, naming, trans)} ${cellName(entry)}`
                    : ''}
              </span>
              <span className="jp-RetraceGraph-summary">{entry?.summary ?? ''}</span>
              {restoredHere.length > 0 && (
                <span className="jp-RetraceGraph-tag jp-mod-restore">{trans.__('restored → %1', restoredHere.map(a => a.title || a.id).join(', '))}</span>
              )}
              {p.replay && (
                <span className="jp-RetraceGraph-tag jp-mod-replay" title={trans.__('Run by Replay in order')}>
                  <span aria-hidden="true">↻ </span>
                  {trans.__('replay')}
                </span>
              )}
              {here && <span className="jp-RetraceGraph-tag jp-mod-here">{trans.__('you are here')}</span>}
              <span className="jp-RetraceGraph-attemptName">{attempt?.title || p.attempt}</span>
            </div>
          );
        })}
      </div>
    </div>
  );
}

function AttemptCard(props: {
  attempt: IAttempt;
  lane: number;
  runs: number;
  store: HistoryStore;
  trans: TranslationBundle;
  rendermime: IRenderMimeRegistry | null;
  onSave: (comment: string) => Promise<void>;
}): JSX.Element {
  const { attempt, trans } = props;
  const [editing, setEditing] = React.useState(false);
  const [draft, setDraft] = React.useState(attempt.comment);
  const host = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    const node = host.current;
    if (!node || editing) {
      return;
    }
    if (!props.rendermime || !attempt.comment) {
      node.textContent = attempt.comment;
      return;
    }
    const renderer = props.rendermime.createRenderer('text/markdown');
    const model = props.rendermime.createModel({ data: { 'text/markdown': attempt.comment }, trusted: false });
    node.replaceChildren(renderer.node);
    void renderer.renderModel(model);
    return () => renderer.dispose();
  }, [attempt.comment, editing, props.rendermime]);
  const save = async () => {
    await props.onSave(draft);
    setEditing(false);
  };
  return (
    <li className={`jp-RetraceGraph-attempt${attempt.current ? ' jp-mod-current' : ''}`} data-attempt={attempt.id}>
      <div className="jp-RetraceGraph-attemptHead">
        <span className={`jp-RetraceGraph-swatch jp-mod-lane${props.lane % 6}`} aria-hidden="true" />
        <span className="jp-RetraceGraph-title">{attempt.title || attempt.id}</span>
        {attempt.current && <span className="jp-RetraceGraph-tag jp-mod-here">{trans.__('current')}</span>}
      </div>
      <div className="jp-RetraceGraph-facts">
        {[
          attempt.createdAt ? trans.__('created %1', formatDateTime(attempt.createdAt)) : '',
          attempt.base ? (attempt.auto ? trans.__('restored from %1', attempt.base.slice(0, 7)) : trans.__('from %1', attempt.base.slice(0, 7))) : '',
          trans.__('%1 run(s)', props.runs),
          trans.__('branch %1', attempt.id)
        ]
          .filter(Boolean)
          .join(' · ')}
      </div>
      <EnvironmentChanges store={props.store} from={attempt.base} to={attempt.tip} trans={trans} />
      {editing ? (
        <div className="jp-RetraceGraph-edit">
          <textarea
            className="jp-mod-styled jp-RetraceGraph-commentInput"
            aria-label={trans.__('Comment of %1 (markdown)', attempt.title || attempt.id)}
            value={draft}
            rows={4}
            autoFocus
            onChange={event => setDraft(event.target.value)}
            onKeyDown={event => {
              if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                void save();
              } else if (event.key === 'Escape') {
                setEditing(false);
              }
              event.stopPropagation();
            }}
          />
          <button className="jp-Button jp-mod-styled jp-mod-accept jp-RetraceGraph-save" onClick={() => void save()}>
            {trans.__('Save')}
          </button>
          <button className="jp-Button jp-mod-styled jp-mod-reject" onClick={() => setEditing(false)}>
            {trans.__('Cancel')}
          </button>
        </div>
      ) : (
        <div className="jp-RetraceGraph-comment">
          <div ref={host} className="jp-RetraceGraph-markdown" />
          <button
            className="jp-Button jp-mod-styled jp-mod-minimal jp-RetraceGraph-editComment"
            onClick={() => {
              setDraft(attempt.comment);
              setEditing(true);
            }}
          >
            {attempt.comment ? trans.__('Edit comment') : trans.__('Add a comment')}
          </button>
        </div>
      )}
    </li>
  );
}

export class AttemptGraphView extends ModelView {
  constructor(
    model: RetraceModel,
    private readonly _trans: TranslationBundle,
    private readonly _rendermime: IRenderMimeRegistry | null,
    private readonly _actions: IAttemptGraphActions
  ) {
    super(model, 'jp-RetraceGraph');
  }

  protected renderModel(): JSX.Element {
    return <AttemptGraph model={this._model} trans={this._trans} rendermime={this._rendermime} actions={this._actions} />;
  }
}
