import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { RunLog } from '../capture/log';
import { Run } from '../capture/run';
import { ROW_HEIGHT, RunTimeline } from './timeline';

function run(i: number, status: Run['status'] = 'ok'): Run {
  const t = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
  return {
    id: `s/${i}`,
    notebookId: 'nb',
    cellId: `c${i % 7}`,
    code: `x${i} = ${i}\nprint(x${i})`,
    executionCount: i,
    kernelSessionId: 's',
    start: t,
    end: t,
    status,
    outputs: []
  };
}

const frame = () => new Promise(resolve => requestAnimationFrame(resolve));

describe('RunTimeline', () => {
  function mount(runs: number) {
    const log = new RunLog();
    log.addSession({ id: 's', kernelId: 'k', kernelName: 'python3', reason: 'start', start: new Date(Date.UTC(2025, 0, 1)).toISOString() });
    for (let i = 1; i <= runs; i++) {
      log.addRun(run(i));
    }
    const timeline = new RunTimeline(nullTranslator.load('test'), id => `cell ${id}`);
    Widget.attach(timeline, document.body);
    timeline.log = log;
    return { timeline, log };
  }

  it('keeps only the rows in view in the DOM, however many runs there are', async () => {
    const { timeline } = mount(10_000);
    await frame();
    const rows = timeline.node.querySelectorAll('.jp-RetraceTimeline-run');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(60);
    // The scroll height still stands for every run (and the session marker).
    const spacer = timeline.node.querySelector('.jp-RetraceTimeline-spacer') as HTMLElement;
    expect(spacer.style.height).toBe(`${10_001 * ROW_HEIGHT}px`);
  });

  it('lists runs newest first with count, cell and first line of code', async () => {
    const { timeline } = mount(3);
    await frame();
    const rows = [...timeline.node.querySelectorAll('.jp-RetraceTimeline-run')].sort(
      (a, b) => parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top)
    );
    expect(rows.map(r => r.querySelector('.jp-RetraceTimeline-count')!.textContent)).toEqual(['[3]', '[2]', '[1]']);
    expect(rows[0].querySelector('.jp-RetraceTimeline-code')!.textContent).toBe('x3 = 3');
    expect(rows[0].querySelector('.jp-RetraceTimeline-cell')!.textContent).toBe('cell c3');
  });

  it('renders the rows further down when scrolled', async () => {
    const { timeline } = mount(1000);
    await frame();
    timeline.node.scrollTop = 500 * ROW_HEIGHT;
    timeline.node.dispatchEvent(new Event('scroll'));
    await frame();
    const counts = [...timeline.node.querySelectorAll('.jp-RetraceTimeline-count')].map(c => c.textContent);
    // Newest first: row 500 is run 500 (1000 - 500).
    expect(counts).toContain('[500]');
    expect(counts).not.toContain('[1000]');
  });

  it('emits the run the user selects', async () => {
    const { timeline } = mount(5);
    await frame();
    const selected: (Run | null)[] = [];
    timeline.selected.connect((_, r) => selected.push(r));
    (timeline.node.querySelector('[data-run-id="s/2"]') as HTMLElement).click();
    expect(selected.map(r => r?.id)).toEqual(['s/2']);
  });
});
