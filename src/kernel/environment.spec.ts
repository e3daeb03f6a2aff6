/// <reference types="node" />
/**
 * The environment model: messages of the kernel's environment comm, what
 * changed between two environments, the per-history record written as
 * `environment.json` beside the other attachments of each commit (on the
 * real history engine, in memory), and the comm followed across kernel starts.
 */
import { Signal } from '@lumino/signaling';

import { HistoryStore } from '../history/store';
import { fakeClock, memoryBackend, memoryFs, syntheticNotebook } from '../history/testkit.spec-util';
import {
  attachEnvironment,
  compareEnvironments,
  EnvironmentRecord,
  environmentAt,
  environmentRecordOf,
  ISessionEnvironment,
  KernelEnvironment,
  MAX_SESSIONS,
  parseEnvironmentDoc,
  parseEnvironmentMessage,
  readEnvironment
} from './environment';

function env(python: string, dists: Record<string, string>): ISessionEnvironment {
  return {
    python,
    implementation: 'CPython',
    distributions: Object.fromEntries(Object.entries(dists).map(([n, v]) => [n, { version: v, modules: [n.replace(/-/g, '_')] }]))
  };
}

describe('environment messages', () => {
  it('reads what the kernel sends and refuses what is malformed', () => {
    const data = {
      type: 'environment',
      kernel: 'k1',
      python: '3.12.1',
      implementation: 'CPython',
      distributions: { pandas: { version: '3.0.0', modules: ['pandas', 7] }, broken: { modules: [] } },
      ms: 1.5
    };
    expect(parseEnvironmentMessage(data)).toEqual({
      kernel: 'k1',
      environment: { python: '3.12.1', implementation: 'CPython', distributions: { pandas: { version: '3.0.0', modules: ['pandas'] } } }
    });
    expect(parseEnvironmentMessage({ ...data, type: 'run' })).toBeNull();
    expect(parseEnvironmentMessage({ ...data, kernel: '' })).toBeNull();
    expect(parseEnvironmentMessage({ ...data, python: 3 })).toBeNull();
    expect(parseEnvironmentMessage({ ...data, distributions: [] })).toBeNull();
    expect(parseEnvironmentDoc('{not json')).toBeNull();
    expect(parseEnvironmentDoc('{"sessions": 1}')).toBeNull();
  });
});

describe('compareEnvironments', () => {
  it('says what changed: Python first, then distributions by name', () => {
    const before = env('3.11.2', { pandas: '2.2.3', numpy: '1.26.4', 'old-thing': '0.1' });
    const after = env('3.12.1', { pandas: '3.0.0', numpy: '1.26.4', 'scikit-learn': '1.5.0' });
    expect(compareEnvironments(before, after)).toEqual([
      { kind: 'python', name: 'Python', from: '3.11.2', to: '3.12.1' },
      { kind: 'removed', name: 'old-thing', from: '0.1', to: null },
      { kind: 'changed', name: 'pandas', from: '2.2.3', to: '3.0.0' },
      { kind: 'added', name: 'scikit-learn', from: null, to: '1.5.0' }
    ]);
    expect(compareEnvironments(after, after)).toEqual([]);
  });

  it('matches distribution names as pip does (case, - _ .)', () => {
    expect(compareEnvironments(env('3.12.1', { Scikit_Learn: '1.5.0' }), env('3.12.1', { 'scikit-learn': '1.5.1' }))).toEqual([
      { kind: 'changed', name: 'scikit-learn', from: '1.5.0', to: '1.5.1' }
    ]);
  });

  it('names another implementation of Python', () => {
    const pypy = { ...env('3.10.14', {}), implementation: 'PyPy' };
    expect(compareEnvironments(env('3.10.14', {}), pypy)).toEqual([{ kind: 'python', name: 'Python', from: '3.10.14', to: 'PyPy 3.10.14' }]);
  });
});

describe('EnvironmentRecord', () => {
  it('keeps every kernel session, the current one first to be compared', () => {
    let t = Date.UTC(2026, 0, 1);
    const record = new EnvironmentRecord(() => new Date((t += 1000)));
    let changes = 0;
    record.changed.connect(() => changes++);
    expect(record.update('k1', env('3.12.1', { pandas: '2.2.3' }))).toBe(true);
    expect(record.update('k1', env('3.12.1', { pandas: '2.2.3' }))).toBe(false);
    expect(record.update('k2', env('3.12.1', { pandas: '3.0.0' }))).toBe(true);
    expect(changes).toBe(2);
    record.current = 'k2';
    expect(record.live?.distributions.pandas.version).toBe('3.0.0');
    const doc = record.toDoc();
    expect(doc.current).toBe('k2');
    expect(Object.keys(doc.sessions)).toEqual(['k1', 'k2']);
    expect(environmentAt(doc)?.distributions.pandas.version).toBe('3.0.0');
    // Without a current session: the latest updated.
    expect(environmentAt({ ...doc, current: 'gone' })?.distributions.pandas.version).toBe('3.0.0');
  });

  it('seeds what earlier pages recorded without overriding its own, and stays bounded', () => {
    const record = new EnvironmentRecord();
    record.update('k2', env('3.12.1', { pandas: '3.0.0' }));
    record.seed({ format: 1, current: 'k1', sessions: { k1: env('3.11.2', {}), k2: env('3.12.1', { pandas: '0.1' }) } });
    expect(record.toDoc().sessions.k2.distributions.pandas.version).toBe('3.0.0');
    expect(record.toDoc().sessions.k1.python).toBe('3.11.2');
    for (let i = 0; i < MAX_SESSIONS + 5; i++) {
      record.update(`n${i}`, env('3.12.1', {}));
    }
    const sessions = Object.keys(record.toDoc().sessions);
    expect(sessions.length).toBe(MAX_SESSIONS);
    expect(sessions[sessions.length - 1]).toBe(`n${MAX_SESSIONS + 4}`);
  });
});

describe('environment.json in the history', () => {
  it('is written with each commit beside the other attachments and read back per commit', async () => {
    const store = new HistoryStore({ backend: memoryBackend(memoryFs(), '/h/nb.git'), now: fakeClock() });
    await store.init();
    store.attachments = () => ({ 'canonical-order.json': '{"steps":[]}' });
    const record = new EnvironmentRecord();
    let kernel = 'k1';
    attachEnvironment(store, record, () => kernel);
    expect(environmentRecordOf(store)).toBe(record);

    const nb = syntheticNotebook(2);
    const empty = await store.commitSnapshot(nb, [{ cellId: 'c0000', code: 'x0 = 0', executionCount: 1 }]);
    expect(await readEnvironment(store, empty)).toBeNull();

    record.update('k1', env('3.11.2', { pandas: '2.2.3' }));
    const first = await store.commitSnapshot(nb, [{ cellId: 'c0000', code: 'x0 = 0', executionCount: 2 }]);
    kernel = 'k2';
    record.update('k2', env('3.12.1', { pandas: '3.0.0', 'scikit-learn': '1.5.0' }));
    const second = await store.commitSnapshot(nb, [{ cellId: 'c0001', code: 'x1 = 1', executionCount: 1 }]);

    const a = environmentAt(await readEnvironment(store, first));
    const b = environmentAt(await readEnvironment(store, second));
    expect(a?.python).toBe('3.11.2');
    expect(compareEnvironments(a!, b!).map(c => [c.kind, c.name, c.from, c.to])).toEqual([
      ['python', 'Python', '3.11.2', '3.12.1'],
      ['changed', 'pandas', '2.2.3', '3.0.0'],
      ['added', 'scikit-learn', null, '1.5.0']
    ]);
    // The other attachment is still there: composed, not replaced.
    const root = await store.db.readTree(await treeOf(store, second));
    expect(root.map(e => e.name)).toEqual(expect.arrayContaining(['canonical-order.json', 'environment.json', 'runs.json']));
  });
});

async function treeOf(store: HistoryStore, commit: string): Promise<string> {
  const text = new TextDecoder().decode((await store.db.read(commit)).content);
  return /^tree ([0-9a-f]{40})/.exec(text)![1];
}

/** Just what KernelEnvironment uses of a KernelTracer and a kernel connection. */
function fakeKernel() {
  const kernel: any = {};
  kernel.iopubMessage = new Signal<any, any>(kernel);
  kernel.say = (data: unknown, msgType = 'comm_msg') =>
    kernel.iopubMessage.emit({ header: { msg_type: msgType }, content: { comm_id: 'c', data } });
  return kernel;
}

class FakeTracer {
  statusChanged = new Signal<this, unknown>(this);
  kernel: any = null;
  attach(kernel: any) {
    this.kernel = kernel;
    this.statusChanged.emit({});
  }
}

const environmentMsg = (kernel: string, python: string) => ({ type: 'environment', kernel, python, distributions: {} });

describe('KernelEnvironment', () => {
  it('reads the environment the tracer sends on IOPub, following the tracer from kernel to kernel', () => {
    const tracer = new FakeTracer();
    const first = fakeKernel();
    tracer.kernel = first;
    const follower = new KernelEnvironment(tracer as any);
    const got: string[] = [];
    follower.received.connect((_, m) => got.push(`${m.kernel}:${m.environment.python}`));
    first.say(environmentMsg('k1', '3.12.1'));
    // Other tracer messages, other message types, malformed data: nothing.
    first.say({ type: 'hello', kernel: 'k1' });
    first.say(environmentMsg('k1', '3.12.1'), 'status');
    first.say({ type: 'environment', kernel: 'k1' });
    expect(got).toEqual(['k1:3.12.1']);
    // Another kernel (a kernel change): the old one is not listened to any more.
    const second = fakeKernel();
    tracer.attach(second);
    first.say(environmentMsg('k1', '3.0.0'));
    second.say(environmentMsg('k2', '3.13.0'));
    expect(got).toEqual(['k1:3.12.1', 'k2:3.13.0']);
    expect(follower.last?.kernel).toBe('k2');
    follower.dispose();
    second.say(environmentMsg('k2', '3.13.1'));
    expect(got).toHaveLength(2);
  });
});
