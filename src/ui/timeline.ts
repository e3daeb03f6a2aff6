/**
 * The list of a notebook's runs, newest first, with kernel-session markers.
 *
 * Virtualised: rows have one fixed height and only those in view (plus a few)
 * exist in the DOM, so a history of 10,000 runs scrolls as smoothly as 10.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { RunLog } from '../capture/log';
import { KernelSession, Run } from '../capture/run';

export const ROW_HEIGHT = 24;
const OVERSCAN = 8;

type Item = { kind: 'run'; run: Run } | { kind: 'session'; session: KernelSession };

export class RunTimeline extends Widget {
  constructor(
    private readonly _trans: TranslationBundle,
    /** How to name a cell for the user (e.g. "cell 4"), given its id. */
    private readonly _cellLabel: (cellId: string | null) => string
  ) {
    super();
    this.addClass('jp-RetraceTimeline');
    this.node.setAttribute('role', 'list');
    this.node.setAttribute('aria-label', this._trans.__('Runs, newest first'));
    this._spacer = document.createElement('div');
    this._spacer.className = 'jp-RetraceTimeline-spacer';
    this._empty = document.createElement('div');
    this._empty.className = 'jp-RetraceTimeline-empty';
    this.node.append(this._spacer, this._empty);
    this.node.addEventListener('scroll', () => this._schedule());
    this.node.addEventListener('click', event => this._onClick(event));
    this._render();
  }

  /** Emits the run the user selected. */
  get selected(): ISignal<this, Run | null> {
    return this._selected;
  }

  get log(): RunLog | null {
    return this._log;
  }

  set log(log: RunLog | null) {
    if (log === this._log) {
      return;
    }
    this._log?.changed.disconnect(this._onChanged, this);
    this._log = log;
    log?.changed.connect(this._onChanged, this);
    this._selectedId = null;
    this._onChanged();
  }

  /** Re-render labels (e.g. after cells moved). */
  refresh(): void {
    this._schedule();
  }

  protected onAfterShow(): void {
    this._render();
  }

  private _onChanged(): void {
    this._items = buildItems(this._log);
    this._schedule();
  }

  private _schedule(): void {
    if (this._frame === 0) {
      this._frame = requestAnimationFrame(() => {
        this._frame = 0;
        this._render();
      });
    }
  }

  private _render(): void {
    const items = this._items;
    this._spacer.style.height = `${items.length * ROW_HEIGHT}px`;
    this._empty.textContent = items.length ? '' : this._trans.__('No runs yet. Run a cell to start this notebook\'s history.');
    const viewport = this.node.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.node.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(items.length, Math.ceil((this.node.scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);
    for (const row of this._rows) {
      row.remove();
    }
    this._rows = [];
    for (let i = first; i < last; i++) {
      const row = this._renderItem(items[i]);
      row.style.top = `${i * ROW_HEIGHT}px`;
      this._rows.push(row);
      this.node.appendChild(row);
    }
  }

  private _renderItem(item: Item): HTMLElement {
    const row = document.createElement('div');
    row.setAttribute('role', 'listitem');
    if (item.kind === 'session') {
      row.className = 'jp-RetraceTimeline-session';
      row.textContent =
        item.session.reason === 'restart'
          ? this._trans.__('Kernel restarted · %1', formatTime(item.session.start))
          : this._trans.__('Kernel %1 started · %2', item.session.kernelName, formatTime(item.session.start));
      return row;
    }
    const run = item.run;
    row.className = 'jp-RetraceTimeline-run';
    row.dataset.runId = run.id;
    row.dataset.status = run.status;
    if (run.id === this._selectedId) {
      row.classList.add('jp-mod-selected');
      row.setAttribute('aria-selected', 'true');
    }
    const count = run.executionCount === null ? '[ ]' : `[${run.executionCount}]`;
    const firstLine = run.code.split('\n').find(line => line.trim() !== '') ?? '';
    const duration = Date.parse(run.end) - Date.parse(run.start);
    const parts: [string, string][] = [
      ['status', STATUS_GLYPH[run.status]],
      ['count', count],
      ['cell', this._cellLabel(run.cellId)],
      ['code', firstLine],
      ['time', formatTime(run.start)],
      ['duration', formatDuration(duration)]
    ];
    for (const [name, text] of parts) {
      const span = document.createElement('span');
      span.className = `jp-RetraceTimeline-${name}`;
      span.textContent = text;
      row.appendChild(span);
    }
    row.title = [
      `${count} ${this._cellLabel(run.cellId)} · ${this._statusText(run)}`,
      run.code.length > 600 ? run.code.slice(0, 600) + '…' : run.code
    ].join('\n');
    return row;
  }

  private _statusText(run: Run): string {
    switch (run.status) {
      case 'ok':
        return this._trans.__('ok');
      case 'error':
        return this._trans.__('error: %1: %2', run.error?.ename ?? '', run.error?.evalue ?? '');
      case 'interrupted':
        return this._trans.__('interrupted');
      case 'aborted':
        return this._trans.__('aborted (not run after an earlier error)');
    }
  }

  private _onClick(event: MouseEvent): void {
    const row = (event.target as HTMLElement).closest('.jp-RetraceTimeline-run') as HTMLElement | null;
    if (!row) {
      return;
    }
    this._selectedId = row.dataset.runId ?? null;
    const run = this._log?.runs.find(r => r.id === this._selectedId) ?? null;
    this._selected.emit(run);
    this._render();
  }

  private _log: RunLog | null = null;
  private _items: Item[] = [];
  private _rows: HTMLElement[] = [];
  private _frame = 0;
  private _selectedId: string | null = null;
  private _spacer: HTMLElement;
  private _empty: HTMLElement;
  private _selected = new Signal<this, Run | null>(this);
}

const STATUS_GLYPH: Record<Run['status'], string> = {
  ok: '✓',
  error: '✗',
  interrupted: '■',
  aborted: '–'
};

/** Runs and session markers, newest first. */
function buildItems(log: RunLog | null): Item[] {
  if (!log) {
    return [];
  }
  const items: Item[] = [];
  const runs = log.runs;
  const sessions = log.sessions;
  let s = sessions.length - 1;
  for (let r = runs.length - 1; r >= 0; r--) {
    while (s >= 0 && sessions[s].start > runs[r].start) {
      items.push({ kind: 'session', session: sessions[s--] });
    }
    items.push({ kind: 'run', run: runs[r] });
  }
  while (s >= 0) {
    items.push({ kind: 'session', session: sessions[s--] });
  }
  return items;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return '';
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  if (ms < 60_000) {
    return `${(ms / 1000).toFixed(1)} s`;
  }
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
