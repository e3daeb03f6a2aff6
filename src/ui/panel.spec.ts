import { AccordionPanel, Widget } from '@lumino/widgets';

import { RunLog } from '../capture/log';

import { RetracePanel } from './panel';

describe('RetracePanel', () => {
  const status = (panel: RetracePanel) => panel.node.querySelector('[role="status"]') as HTMLElement;

  it('starts by checking the server part', () => {
    const panel = new RetracePanel();
    expect(status(panel).dataset.state).toBe('checking');
    expect(status(panel).textContent).toContain('Checking');
  });

  it('shows the version and the history folder when the server part is ready', () => {
    const panel = new RetracePanel();
    panel.serverState = {
      kind: 'ok',
      status: { version: '0.9.0', historyDir: '/x/.retrace', historyDirRelative: '.retrace', historyDirExists: false }
    };
    expect(status(panel).dataset.state).toBe('ok');
    expect(status(panel).textContent).toBe('Server extension 0.9.0 ready; histories in .retrace');
  });

  it('tells the user how to fix a missing server extension', () => {
    const panel = new RetracePanel();
    panel.serverState = { kind: 'missing', message: '404' };
    expect(status(panel).dataset.state).toBe('error');
    expect(status(panel).textContent).toContain('Install Retrace with pip');
  });

  describe('sections', () => {
    const expanded = (panel: RetracePanel) =>
      (panel.content as AccordionPanel).titles.map(t => `${t.textContent}:${t.getAttribute('aria-expanded')}`);
    const notebook = () => ({ name: 'nb.ipynb', log: new RunLog(), cellLabel: () => 'cell 1' });
    afterEach(() => window.localStorage.clear());

    it('start with the attempt graph and the run detail collapsed, and remember what the user collapsed', () => {
      const panel = new RetracePanel();
      Widget.attach(panel, document.body);
      panel.notebook = notebook();
      expect(expanded(panel)).toEqual([
        'Canonical order:true',
        'Attempts:true',
        'Attempt graph:false',
        'Runs:true',
        'Run detail:false'
      ]);
      expect(panel.graph.isHidden).toBe(true);
      expect(panel.order.isHidden).toBe(false);
      // The user opens the graph and collapses the order.
      (panel.content as AccordionPanel).expand(2);
      (panel.content as AccordionPanel).collapse(0);
      Widget.detach(panel);

      const again = new RetracePanel();
      Widget.attach(again, document.body);
      expect(expanded(again)[0]).toBe('Canonical order:false');
      expect(expanded(again)[2]).toBe('Attempt graph:true');
      // Shown for a notebook, the collapsed order stays collapsed and the graph shows.
      again.notebook = notebook();
      expect(again.order.isHidden).toBe(true);
      expect(again.graph.isHidden).toBe(false);
      Widget.detach(again);
    });

    it("keep the user's sections over an older layout the shell restores, and do not remember the shell's toggles", async () => {
      const first = new RetracePanel();
      Widget.attach(first, document.body);
      first.notebook = notebook();
      (first.content as AccordionPanel).collapse(1);
      Widget.detach(first);
      expect(window.localStorage.getItem('jupyterlab-retrace:collapsed-sections')).toBe('["attempts","graph","detail"]');

      let restored: () => void = () => undefined;
      const panel = new RetracePanel({ restored: new Promise<void>(resolve => (restored = resolve)) });
      Widget.attach(panel, document.body);
      panel.notebook = notebook();
      // The shell rehydrates the workspace saved before the user collapsed the attempts.
      const content = panel.content as AccordionPanel;
      content.expand(1);
      content.collapse(2);
      expect(window.localStorage.getItem('jupyterlab-retrace:collapsed-sections')).toBe('["attempts","graph","detail"]');
      restored();
      await Promise.resolve();
      await Promise.resolve();
      expect(expanded(panel)).toEqual([
        'Canonical order:true',
        'Attempts:false',
        'Attempt graph:false',
        'Runs:true',
        'Run detail:false'
      ]);
      expect(panel.attempts.isHidden).toBe(true);
      // After the restore, the user's toggles are remembered again.
      content.expand(1);
      expect(window.localStorage.getItem('jupyterlab-retrace:collapsed-sections')).toBe('["graph","detail"]');
      Widget.detach(panel);
    });
  });
});
