/**
 * What changed in the environment between two points of a notebook's
 * history ("pandas 2.2.3 → 3.0.0", "+ scikit-learn 1.5.0", "Python 3.11.2 →
 * 3.12.1"), from the `environment.json` each commit carries. Shown in an
 * attempt's card of the attempt graph (since the point it branched from) and
 * in the header of the notebook diff.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { HistoryStore } from '../history';
import {
  compareEnvironments,
  environmentAt,
  environmentRecordOf,
  IEnvironmentChange,
  ISessionEnvironment,
  readEnvironment
} from '../kernel/environment';

/** A commit, the open notebook now, or nothing. */
export type EnvironmentPoint = string | 'now' | null;

async function environmentOf(store: HistoryStore, point: EnvironmentPoint): Promise<ISessionEnvironment | null> {
  if (point === null) {
    return null;
  }
  if (point === 'now') {
    const live = environmentRecordOf(store)?.live;
    if (live) {
      return live;
    }
    point = store.head;
    if (!point) {
      return null;
    }
  }
  return environmentAt(await readEnvironment(store, point));
}

/** One change in words. */
export function describeChange(change: IEnvironmentChange, trans: TranslationBundle): string {
  switch (change.kind) {
    case 'python':
      return trans.__('Python %1 → %2', change.from ?? '', change.to ?? '');
    case 'changed':
      return trans.__('%1 %2 → %3', change.name, change.from ?? '', change.to ?? '');
    case 'added':
      return trans.__('+ %1 %2', change.name, change.to ?? '');
    case 'removed':
      return trans.__('− %1 %2', change.name, change.from ?? '');
  }
}

/** One environment in a line: Python and how many distributions, each listed in the tooltip. */
export function describeEnvironment(env: ISessionEnvironment, trans: TranslationBundle): { line: string; all: string } {
  const names = Object.entries(env.distributions)
    .sort(([a], [b]) => a.toLowerCase().localeCompare(b.toLowerCase()))
    .map(([name, d]) => `${name} ${d.version}`);
  return {
    line: trans.__('Python %1 · %2 distribution(s) imported', env.python, names.length),
    all: names.join('\n')
  };
}

export function EnvironmentChanges(props: {
  store: HistoryStore;
  from: EnvironmentPoint;
  to: EnvironmentPoint;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { store, from, to, trans } = props;
  const [state, setState] = React.useState<{ before: ISessionEnvironment | null; after: ISessionEnvironment | null } | null>(null);
  const [version, setVersion] = React.useState(0);
  React.useEffect(() => {
    // 'now' follows the live kernel session.
    const record = environmentRecordOf(store);
    if (!record || (from !== 'now' && to !== 'now')) {
      return;
    }
    const bump = () => setVersion(v => v + 1);
    record.changed.connect(bump);
    return () => void record.changed.disconnect(bump);
  }, [store, from, to]);
  React.useEffect(() => {
    let live = true;
    void Promise.all([environmentOf(store, from), environmentOf(store, to)])
      .then(([before, after]) => live && setState({ before, after }))
      .catch(() => live && setState({ before: null, after: null }));
    return () => {
      live = false;
    };
  }, [store, from, to, version]);
  if (!state || (!state.before && !state.after)) {
    return null;
  }
  const { before, after } = state;
  if (!before || !after) {
    const only = (after ?? before)!;
    const { line, all } = describeEnvironment(only, trans);
    return (
      <div className="jp-RetraceEnv" data-state="one">
        <span className="jp-RetraceEnv-label">{trans.__('Environment')}</span>
        <span className="jp-RetraceEnv-summary" title={all}>
          {line}
        </span>
      </div>
    );
  }
  const changes = compareEnvironments(before, after);
  if (!changes.length) {
    const { line, all } = describeEnvironment(after, trans);
    return (
      <div className="jp-RetraceEnv" data-state="same">
        <span className="jp-RetraceEnv-label">{trans.__('Environment')}</span>
        <span className="jp-RetraceEnv-summary" title={all}>
          {trans.__('unchanged (%1)', line)}
        </span>
      </div>
    );
  }
  return (
    <div className="jp-RetraceEnv" data-state="changed">
      <span className="jp-RetraceEnv-label">{trans.__('Environment changed')}</span>
      <ul className="jp-RetraceEnv-changes" aria-label={trans.__('Environment changes')}>
        {changes.map(change => (
          <li key={`${change.kind}-${change.name}`} className={`jp-RetraceEnv-change jp-mod-${change.kind}`}>
            {describeChange(change, trans)}
          </li>
        ))}
      </ul>
    </div>
  );
}
