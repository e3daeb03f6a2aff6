/**
 * A line diff of two texts (jsdiff), as a unified listing with + and − marks.
 * Long runs of unchanged lines are folded to their first and last lines.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { diffLines } from 'diff';
import * as React from 'react';

const CONTEXT = 2;

export interface IDiffLine {
  kind: 'added' | 'removed' | 'same' | 'fold';
  text: string;
}

/** The lines of a unified diff of `before` → `after`, unchanged stretches folded. */
export function lineDiff(before: string, after: string, context = CONTEXT): IDiffLine[] {
  const out: IDiffLine[] = [];
  const parts = diffLines(before, after);
  parts.forEach((part, p) => {
    const lines = part.value.replace(/\n$/, '').split('\n');
    if (part.added || part.removed) {
      for (const text of lines) {
        out.push({ kind: part.added ? 'added' : 'removed', text });
      }
      return;
    }
    const head = p === 0 ? 0 : context;
    const tail = p === parts.length - 1 ? 0 : context;
    if (lines.length > head + tail + 1) {
      lines.slice(0, head).forEach(text => out.push({ kind: 'same', text }));
      out.push({ kind: 'fold', text: String(lines.length - head - tail) });
      lines.slice(lines.length - tail).forEach(text => out.push({ kind: 'same', text }));
    } else {
      lines.forEach(text => out.push({ kind: 'same', text }));
    }
  });
  return out;
}

export function CodeDiff(props: { before: string; after: string; trans: TranslationBundle; label: string }): JSX.Element {
  const { before, after, trans, label } = props;
  const lines = React.useMemo(() => lineDiff(before, after), [before, after]);
  if (before === after) {
    return <div className="jp-RetraceDiff-identical">{trans.__('Identical.')}</div>;
  }
  return (
    <pre className="jp-RetraceDiff-lines" aria-label={label}>
      {lines.map((line, i) =>
        line.kind === 'fold' ? (
          <div key={i} className="jp-RetraceDiff-fold">
            {trans.__('… %1 unchanged line(s)', line.text)}
          </div>
        ) : (
          <div key={i} className={`jp-RetraceDiff-line jp-mod-${line.kind}`}>
            <span className="jp-RetraceDiff-mark" aria-label={line.kind === 'added' ? trans.__('added') : line.kind === 'removed' ? trans.__('removed') : undefined}>
              {line.kind === 'added' ? '+' : line.kind === 'removed' ? '−' : ' '}
            </span>
            {line.text}
          </div>
        )
      )}
    </pre>
  );
}
