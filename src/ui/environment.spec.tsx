/// <reference types="node" />
/**
 * The environment view: what changed between two commits of a history (read
 * from their environment.json), one environment when only one side has one,
 * and the live kernel session for "now".
 */
import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { HistoryStore } from '../history/store';
import { fakeClock, memoryBackend, memoryFs, syntheticNotebook } from '../history/testkit.spec-util';
import { attachEnvironment, EnvironmentRecord, ISessionEnvironment } from '../kernel/environment';
import { EnvironmentChanges, EnvironmentPoint } from './environment';
import { settle } from './testkit.spec-util';

const trans = nullTranslator.load('test');

function env(python: string, dists: Record<string, string>): ISessionEnvironment {
  return {
    python,
    implementation: 'CPython',
    distributions: Object.fromEntries(Object.entries(dists).map(([n, v]) => [n, { version: v, modules: [n] }]))
  };
}

async function history() {
  const store = new HistoryStore({ backend: memoryBackend(memoryFs(), '/h/nb.git'), now: fakeClock() });
  await store.init();
  const record = new EnvironmentRecord();
  let kernel = 'k1';
  attachEnvironment(store, record, () => kernel);
  const nb = syntheticNotebook(1);
  const none = await store.commitSnapshot(nb, [{ cellId: 'c0000', code: 'x0 = 0', executionCount: 1 }]);
  record.update('k1', env('3.11.2', { pandas: '2.2.3', numpy: '1.26.4', 'old-thing': '0.1' }));
  const first = await store.commitSnapshot(nb, [{ cellId: 'c0000', code: 'x0 = 0', executionCount: 2 }]);
  kernel = 'k2';
  record.update('k2', env('3.12.1', { pandas: '3.0.0', numpy: '1.26.4', 'scikit-learn': '1.5.0' }));
  const second = await store.commitSnapshot(nb, [{ cellId: 'c0000', code: 'x0 = 0', executionCount: 1 }]);
  return { store, record, none, first, second };
}

async function mount(store: HistoryStore, from: EnvironmentPoint, to: EnvironmentPoint): Promise<HTMLElement> {
  const widget = ReactWidget.create(<EnvironmentChanges store={store} from={from} to={to} trans={trans} />);
  Widget.attach(widget, document.body);
  await settle();
  return widget.node;
}

describe('EnvironmentChanges', () => {
  afterEach(() => document.body.replaceChildren());

  it('lists what changed between two commits, Python first', async () => {
    const { store, first, second } = await history();
    const node = await mount(store, first, second);
    expect(node.querySelector('.jp-RetraceEnv')?.getAttribute('data-state')).toBe('changed');
    expect([...node.querySelectorAll('.jp-RetraceEnv-change')].map(li => li.textContent)).toEqual([
      'Python 3.11.2 → 3.12.1',
      '− old-thing 0.1',
      'pandas 2.2.3 → 3.0.0',
      '+ scikit-learn 1.5.0'
    ]);
  });

  it('says when nothing changed, and summarises one side when the other has none', async () => {
    const { store, none, first, second } = await history();
    let node = await mount(store, second, second);
    expect(node.querySelector('.jp-RetraceEnv')?.getAttribute('data-state')).toBe('same');
    expect(node.textContent).toContain('unchanged (Python 3.12.1 · 3 distribution(s) imported)');
    document.body.replaceChildren();
    node = await mount(store, none, first);
    expect(node.querySelector('.jp-RetraceEnv')?.getAttribute('data-state')).toBe('one');
    expect(node.querySelector('.jp-RetraceEnv-summary')?.getAttribute('title')).toBe('numpy 1.26.4\nold-thing 0.1\npandas 2.2.3');
    document.body.replaceChildren();
    node = await mount(store, none, null);
    expect(node.querySelector('.jp-RetraceEnv')).toBeNull();
  });

  it('follows the live kernel session for the notebook now', async () => {
    const { store, record, second } = await history();
    record.current = 'k2';
    const node = await mount(store, second, 'now');
    expect(node.querySelector('.jp-RetraceEnv')?.getAttribute('data-state')).toBe('same');
    record.update('k2', env('3.12.1', { pandas: '3.0.1', numpy: '1.26.4', 'scikit-learn': '1.5.0' }));
    await settle();
    expect([...node.querySelectorAll('.jp-RetraceEnv-change')].map(li => li.textContent)).toEqual(['pandas 3.0.0 → 3.0.1']);
  });
});
