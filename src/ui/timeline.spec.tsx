import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { RunLog } from '../capture/log';
import { Run } from '../capture/run';
import { RetraceModel } from './model';
import { ROW_HEIGHT, RunsView } from './timeline';
import { settle } from './testkit.spec-util';

function run(i: number, status: Run['status'] = 'ok', session = 's'): Run {
  const t = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
  return {
    id: `${session}/${i}`,
    notebookId: 'nb',
    cellId: `c${i % 7}`,
    code: `x${i} = ${i}\nprint(x${i})`,
    executionCount: i,
    kernelSessionId: session,
    start: t,
    end: t,
    status,
    outputs: []
  };
}

/** Let React commit (ReactWidget renders on an update request, React on its scheduler). */
// jsdom does no layout: give the scrolling list the height a sidebar would (20 rows).
const VIEWPORT = 20 * ROW_HEIGHT;
Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
  configurable: true,
  get(this: HTMLElement) {
    return this.classList?.contains('jp-RetraceTimeline') ? VIEWPORT : 0;
  }
});

describe('RunsView', () => {
  async function mount(runs: number, statuses: (i: number) => Run['status'] = () => 'ok') {
    const log = new RunLog();
    log.addSession({ id: 's', kernelId: 'k', kernelName: 'python3', reason: 'start', start: new Date(Date.UTC(2025, 0, 1)).toISOString() });
    for (let i = 1; i <= runs; i++) {
      log.addRun(run(i, statuses(i)));
    }
    const model = new RetraceModel();
    model.notebook = { name: 'nb.ipynb', log, cellLabel: id => `cell ${id}` };
    const opened: string[] = [];
    const view = new RunsView(model, nullTranslator.load('test'), { open: r => opened.push(r.id) });
    Widget.attach(view, document.body);
    await settle();
    const list = view.node.querySelector('.jp-RetraceTimeline') as HTMLElement;
    const rows = () =>
      [...view.node.querySelectorAll<HTMLElement>('.jp-RetraceTimeline-run')].sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index));
    return { view, model, log, list, rows, opened };
  }

  afterEach(() => {
    document.body.replaceChildren();
  });

  it('keeps only the rows in view in the DOM, however many runs there are', async () => {
    const { view, rows } = await mount(10_000);
    expect(rows().length).toBeGreaterThan(0);
    expect(rows().length).toBeLessThan(60);
    // The scroll height still stands for every run (and the session marker).
    const spacer = view.node.querySelector('.jp-RetraceTimeline-spacer') as HTMLElement;
    expect(spacer.style.height).toBe(`${10_001 * ROW_HEIGHT}px`);
  });

  it('lists runs newest first with count, cell and first line of code', async () => {
    const { rows } = await mount(3);
    expect(rows().map(r => r.querySelector('.jp-RetraceTimeline-count')!.textContent)).toEqual(['[3]', '[2]', '[1]']);
    expect(rows()[0].querySelector('.jp-RetraceTimeline-code')!.textContent).toBe('x3 = 3');
    expect(rows()[0].querySelector('.jp-RetraceTimeline-cell')!.textContent).toBe('cell c3');
  });

  it('renders the rows further down when scrolled', async () => {
    const { list } = await mount(1000);
    list.scrollTop = 500 * ROW_HEIGHT;
    list.dispatchEvent(new Event('scroll'));
    await settle();
    const counts = [...list.querySelectorAll('.jp-RetraceTimeline-count')].map(c => c.textContent);
    // Newest first: row 500 is run 500 (1000 - 500).
    expect(counts).toContain('[500]');
    expect(counts).not.toContain('[1000]');
  });

  it('selects the run the user clicks, in the model every view reads', async () => {
    const { view, model } = await mount(5);
    (view.node.querySelector('[data-run-id="s/2"]') as HTMLElement).click();
    await settle();
    expect(model.selected?.id).toBe('s/2');
    expect(view.node.querySelector('[data-run-id="s/2"]')!.getAttribute('aria-selected')).toBe('true');
  });

  it('keeps a row element on its run when rows above it appear (a pending click still picks that run)', async () => {
    const { view, model, log } = await mount(2);
    const row = view.node.querySelector('[data-run-id="s/1"]') as HTMLElement;
    // A newer kernel session and its run arrive (a reload's history, a restart) before the click lands.
    log.addSession({ id: 't', kernelId: 'k', kernelName: 'python3', reason: 'restart', start: new Date(Date.UTC(2026, 0, 1, 0, 0, 10)).toISOString() });
    log.addRun(run(11, 'ok', 't'));
    await settle();
    expect(row.isConnected).toBe(true);
    expect(row.dataset.runId).toBe('s/1');
    row.click();
    await settle();
    expect(model.selected?.id).toBe('s/1');
  });

  it('keeps the selection when the same notebook is shown again, and follows a run replaced by its full record', async () => {
    const { model, log } = await mount(3);
    const view = model.notebook!;
    model.selectById('s/2');
    const seen: (string | null)[] = [];
    model.selectionChanged.connect((_, r) => seen.push(r?.id ?? null));
    model.notebook = { ...view };
    expect(model.selected?.id).toBe('s/2');
    const full = { ...run(2), outputs: [{ output_type: 'stream', name: 'stdout', text: '2\n' }] } as Run;
    log.addHistorical([full], true);
    expect(model.selected).toBe(full);
    expect(seen).toEqual(['s/2']);
    // Another notebook's log: nothing of this one stays selected.
    model.notebook = { name: 'other.ipynb', log: new RunLog(), cellLabel: () => '' };
    expect(model.selected).toBeNull();
  });

  it('moves the focus with the arrow keys, Home and End, and opens the detail with Enter', async () => {
    const { list, model, opened } = await mount(5);
    const key = async (k: string) => {
      (document.activeElement ?? list).dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
      await settle();
    };
    (list.querySelector('.jp-RetraceTimeline-run[tabindex="0"]') as HTMLElement).focus();
    expect((document.activeElement as HTMLElement).dataset.runId).toBe('s/5');
    await key('ArrowDown');
    expect((document.activeElement as HTMLElement).dataset.runId).toBe('s/4');
    expect(model.selected?.id).toBe('s/4');
    await key('End');
    expect(model.selected?.id).toBe('s/1');
    await key('Home');
    expect(model.selected?.id).toBe('s/5');
    await key('Enter');
    expect(opened).toEqual(['s/5']);
    // One row is in the tab order: the focused one.
    expect(list.querySelectorAll('[tabindex="0"]').length).toBe(1);
  });

  it('filters by code, status, cell and names written', async () => {
    const { model, rows } = await mount(20, i => (i % 5 === 0 ? 'error' : 'ok'));
    model.filterText = 'status:error';
    await settle();
    expect(rows().map(r => r.dataset.runId)).toEqual(['s/20', 's/15', 's/10', 's/5']);
    model.filterText = 'status:error cell:c3';
    await settle();
    expect(rows().map(r => r.dataset.runId)).toEqual(['s/10']);
    model.filterText = 'writes:x7';
    await settle();
    expect(rows().map(r => r.dataset.runId)).toEqual(['s/7']);
    model.filterText = 'print(x1';
    await settle();
    expect(rows().map(r => r.dataset.runId)).toEqual(['s/19', 's/18', 's/17', 's/16', 's/15', 's/14', 's/13', 's/12', 's/11', 's/10', 's/1']);
  });

  it('names a run by its kernel session where two sessions share its count', async () => {
    const { log, rows, view } = await mount(2);
    log.addSession({ id: 't', kernelId: 'k', kernelName: 'python3', reason: 'restart', start: new Date(Date.UTC(2026, 0, 2)).toISOString() });
    log.addRun({ ...run(1, 'ok', 't'), start: new Date(Date.UTC(2026, 0, 2, 1)).toISOString() });
    await settle();
    expect(rows().map(r => r.querySelector('.jp-RetraceTimeline-count')!.textContent)).toEqual(['2:[1]', '[2]', '1:[1]']);
    expect(view.node.querySelector('.jp-RetraceTimeline-session')!.textContent).toContain('Kernel restarted');
  });

  it('names a replayed run of a deleted cell after that cell, not as console input', async () => {
    const log = new RunLog();
    log.addSession({ id: 's', kernelId: 'k', kernelName: 'python3', reason: 'start', start: new Date(Date.UTC(2025, 0, 1)).toISOString() });
    log.addRun({ ...run(1), cellId: 'gone', code: 'seed = 42' });
    log.addRun({ ...run(2), cellId: null, code: 'seed = 42' });
    log.addRun({ ...run(3), cellId: null, code: 'print(seed)' });
    const model = new RetraceModel();
    model.notebook = {
      name: 'nb.ipynb',
      log,
      cellLabel: id => (id === null ? 'console' : id === 'gone' ? 'deleted cell' : `cell ${id}`),
      cellExists: id => id !== 'gone'
    };
    const view = new RunsView(model, nullTranslator.load('test'), { open: () => undefined });
    Widget.attach(view, document.body);
    await settle();
    const cells = [...view.node.querySelectorAll<HTMLElement>('.jp-RetraceTimeline-run')]
      .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
      .map(r => r.querySelector('.jp-RetraceTimeline-cell')!.textContent);
    expect(cells).toEqual(['console', 'deleted cell, replayed', 'deleted cell']);
  });
});
