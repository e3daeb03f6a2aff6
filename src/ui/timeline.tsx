/**
 * The list of a notebook's runs, newest first, with kernel-session markers and
 * a filter box.
 *
 * Virtualised with @tanstack/react-virtual: rows have one fixed height and only
 * those in view (plus a few) exist in the DOM, so 10,000 runs scroll like 10.
 * Keyboard: roving focus over the runs (arrows, Page Up/Down, Home/End), Enter
 * opens the run's detail, D opens the notebook diff of what the run changed: the
 * snapshot before the run (its commit's parent) with the snapshot after it.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { useVirtualizer } from '@tanstack/react-virtual';
import * as React from 'react';

import { Run } from '../capture/run';
import { formatDuration, formatTime, runName, statusText } from './format';
import { RetraceModel, TimelineItem } from './model';

export const ROW_HEIGHT = 24;
/** In a narrow sidebar a row takes two lines: the run on the first, its code on the whole second. */
export const COMPACT_ROW_HEIGHT = 35;
const COMPACT_BELOW_PX = 420;

export interface ITimelineActions {
  /** Show the run's detail (Enter, double-click). */
  open: (run: Run) => void;
  /** Show the notebook diff of what the run changed: the snapshot before it with its own (D). */
  diffPrevious?: (run: Run) => void;
}

const STATUS_GLYPH: Record<Run['status'], string> = {
  ok: '✓',
  error: '✗',
  interrupted: '■',
  aborted: '–'
};

export interface ITimelineProps {
  model: RetraceModel;
  trans: TranslationBundle;
  actions: ITimelineActions;
  /** The viewport size assumed before the list is measured (tests in jsdom have none). */
  initialHeight?: number;
}

export function Timeline(props: ITimelineProps): JSX.Element {
  const { model, trans, actions } = props;
  const items = model.items;
  const scrollRef = React.useRef<HTMLDivElement>(null);
  const width = useWidth(scrollRef);
  const compact = width > 0 && width < COMPACT_BELOW_PX;
  const rowHeight = compact ? COMPACT_ROW_HEIGHT : ROW_HEIGHT;
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    // Rows keyed by what they show: when the history loads and rows shift, a row's element keeps
    // its run (keyed by index, an element took the next run's content under a pending click).
    getItemKey: index => {
      const item = items[index];
      return item ? (item.kind === 'run' ? `run:${item.run.id}` : `session:${item.session.id}`) : index;
    },
    overscan: 8,
    initialRect: { width: 300, height: props.initialHeight ?? 600 }
  });
  const selectedId = model.selected?.id ?? null;
  const selectedIndex = selectedId === null ? -1 : items.findIndex(i => i.kind === 'run' && i.run.id === selectedId);
  // Roving focus: the focused row is the selected one, else the newest run.
  const [focusIndex, setFocusIndex] = React.useState(-1);
  const active = clampToRun(items, selectedIndex >= 0 ? selectedIndex : focusIndex >= 0 ? focusIndex : 0);
  const wantFocus = React.useRef(false);

  React.useEffect(() => virtualizer.measure(), [rowHeight]);

  React.useEffect(() => {
    if (wantFocus.current) {
      wantFocus.current = false;
      const row = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${active}"]`);
      row?.focus({ preventScroll: true });
    }
  });

  const moveTo = (index: number) => {
    const target = nearestRun(items, index, index >= active ? 1 : -1);
    if (target < 0) {
      return;
    }
    setFocusIndex(target);
    wantFocus.current = true;
    virtualizer.scrollToIndex(target, { align: 'auto' });
    const item = items[target];
    if (item.kind === 'run') {
      model.select(item.run);
    }
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 240) / rowHeight) - 1);
    const item = items[active];
    switch (event.key) {
      case 'ArrowDown':
        moveTo(active + 1);
        break;
      case 'ArrowUp':
        moveTo(active - 1);
        break;
      case 'PageDown':
        moveTo(Math.min(items.length - 1, active + page));
        break;
      case 'PageUp':
        moveTo(Math.max(0, active - page));
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(items.length - 1);
        break;
      case 'Enter':
      case ' ':
        if (item?.kind === 'run') {
          model.select(item.run);
          actions.open(item.run);
        }
        break;
      case 'd':
      case 'D':
        if (item?.kind === 'run' && actions.diffPrevious) {
          actions.diffPrevious(item.run);
        }
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  const onClick = (event: React.MouseEvent) => {
    const row = (event.target as HTMLElement).closest<HTMLElement>('.jp-RetraceTimeline-run');
    // By the run the row shows, not its position: the items may have changed since it rendered.
    const index = row ? items.findIndex(i => i.kind === 'run' && i.run.id === row.dataset.runId) : -1;
    const item = items[index];
    if (item?.kind === 'run') {
      setFocusIndex(index);
      model.select(item.run);
      if (event.detail > 1) {
        actions.open(item.run);
      }
    }
  };

  const rendered = virtualizer.getVirtualItems();
  const activeRendered = rendered.some(v => v.index === active);
  return (
    <div
      ref={scrollRef}
      className="jp-RetraceTimeline"
      data-compact={compact}
      role="listbox"
      aria-label={trans.__('Runs, newest first')}
      // Reachable by Tab even when the focused row is scrolled out of the DOM.
      tabIndex={activeRendered ? -1 : 0}
      onKeyDown={onKeyDown}
      onClick={onClick}
      onFocus={event => {
        if (event.target === scrollRef.current && items.length) {
          moveTo(active);
        }
      }}
    >
      {items.length === 0 && (
        <div className="jp-RetraceTimeline-empty">
          {model.filterText
            ? trans.__('No run matches the filter.')
            : trans.__("No runs yet. Run a cell to start this notebook's history.")}
        </div>
      )}
      <div className="jp-RetraceTimeline-spacer" style={{ height: `${virtualizer.getTotalSize()}px` }}>
        {rendered.map(v => (
          <Row key={v.key} index={v.index} top={v.start} item={items[v.index]} model={model} trans={trans} focused={v.index === active} height={rowHeight} />
        ))}
      </div>
    </div>
  );
}

function Row(props: {
  index: number;
  top: number;
  item: TimelineItem;
  model: RetraceModel;
  trans: TranslationBundle;
  focused: boolean;
  height: number;
}): JSX.Element {
  const { item, trans, model, index, top } = props;
  const style = { transform: `translateY(${top}px)` };
  if (item.kind === 'session') {
    const text =
      item.session.reason === 'restart'
        ? trans.__('Kernel restarted · %1', formatTime(item.session.start))
        : trans.__('Kernel %1 started · %2', item.session.kernelName, formatTime(item.session.start));
    return (
      <div className="jp-RetraceTimeline-session" role="presentation" data-index={index} style={style}>
        {text}
      </div>
    );
  }
  const run = item.run;
  const selected = model.selected?.id === run.id;
  const label = model.cellOf(run, deleted => trans.__('%1, replayed', deleted));
  const name = runName(run, model, trans);
  const firstLine = run.code.split('\n').find(line => line.trim() !== '') ?? '';
  const duration = Date.parse(run.end) - Date.parse(run.start);
  const status = statusText(run, trans);
  return (
    <div
      className={`jp-RetraceTimeline-run${selected ? ' jp-mod-selected' : ''}`}
      role="option"
      aria-selected={selected}
      aria-label={`${name} ${label} · ${status} · ${firstLine}`}
      tabIndex={props.focused ? 0 : -1}
      data-index={index}
      data-run-id={run.id}
      data-status={run.status}
      style={{ ...style, height: props.height }}
      title={[`${name} ${label} · ${status}`, run.code.length > 600 ? run.code.slice(0, 600) + '…' : run.code].join('\n')}
    >
      <span className="jp-RetraceTimeline-status" aria-hidden="true">
        {STATUS_GLYPH[run.status]}
      </span>
      <span className="jp-RetraceTimeline-count">{name}</span>
      <span className="jp-RetraceTimeline-cell">{label}</span>
      <span className="jp-RetraceTimeline-code">{firstLine}</span>
      <span className="jp-RetraceTimeline-time">{formatTime(run.start)}</span>
      <span className="jp-RetraceTimeline-duration">{formatDuration(duration)}</span>
    </div>
  );
}

/** The element's width, kept current with a ResizeObserver (0 until measured). */
function useWidth(ref: React.RefObject<HTMLElement>): number {
  const [width, setWidth] = React.useState(0);
  React.useEffect(() => {
    const node = ref.current;
    if (!node || typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(() => setWidth(node.clientWidth));
    observer.observe(node);
    setWidth(node.clientWidth);
    return () => observer.disconnect();
  }, []);
  return width;
}

function clampToRun(items: readonly TimelineItem[], index: number): number {
  if (!items.length) {
    return 0;
  }
  const i = Math.min(Math.max(index, 0), items.length - 1);
  const down = nearestRun(items, i, 1);
  return down >= 0 ? down : Math.max(nearestRun(items, i, -1), 0);
}

/** The nearest run row from `index` in direction `step` (session markers are skipped). */
function nearestRun(items: readonly TimelineItem[], index: number, step: 1 | -1): number {
  for (let i = Math.min(Math.max(index, 0), items.length - 1); i >= 0 && i < items.length; i += step) {
    if (items[i].kind === 'run') {
      return i;
    }
  }
  for (let i = Math.min(Math.max(index, 0), items.length - 1); i >= 0 && i < items.length; i -= step) {
    if (items[i].kind === 'run') {
      return i;
    }
  }
  return -1;
}

/** The filter box and the timeline, as one sidebar section. */
export class RunsView extends ReactWidget {
  constructor(
    private readonly _model: RetraceModel,
    private readonly _trans: TranslationBundle,
    private readonly _actions: ITimelineActions
  ) {
    super();
    this.addClass('jp-RetraceRuns');
  }

  /** Put the keyboard focus in the filter box. */
  focusFilter(): void {
    this.node.querySelector<HTMLInputElement>('.jp-RetraceRuns-filter')?.focus();
  }

  /** Put the keyboard focus on the selected (or newest) run. */
  focusList(): void {
    const list = this.node.querySelector<HTMLElement>('.jp-RetraceTimeline');
    (list?.querySelector<HTMLElement>('.jp-RetraceTimeline-run[tabindex="0"]') ?? list)?.focus();
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => (
          <>
            <input
              className="jp-mod-styled jp-RetraceRuns-filter"
              type="search"
              aria-label={this._trans.__('Filter runs')}
              placeholder={this._trans.__('Filter: code, status:error, cell:3, reads:df…')}
              title={this._trans.__(
                'Words match the code. Also: status:ok|error|interrupted|aborted, cell:N, attempt:NAME, reads:NAME, writes:NAME'
              )}
              value={this._model.filterText}
              onChange={event => (this._model.filterText = event.target.value)}
              onKeyDown={event => {
                if (event.key === 'ArrowDown') {
                  event.preventDefault();
                  this.focusList();
                }
              }}
            />
            <Timeline model={this._model} trans={this._trans} actions={this._actions} />
          </>
        )}
      </UseSignal>
    );
  }
}
