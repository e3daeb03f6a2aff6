import { lineDiff } from './codediff';

describe('lineDiff', () => {
  it('marks removed and added lines and keeps the unchanged ones around them', () => {
    expect(lineDiff('a = 1\nb = 2\nc = 3\n', 'a = 1\nb = 20\nc = 3\n')).toEqual([
      { kind: 'same', text: 'a = 1' },
      { kind: 'removed', text: 'b = 2' },
      { kind: 'added', text: 'b = 20' },
      { kind: 'same', text: 'c = 3' }
    ]);
  });

  it('folds a long unchanged stretch between two changes', () => {
    const before = ['x = 0', ...Array.from({ length: 10 }, (_, i) => `k${i} = ${i}`), 'y = 0'].join('\n');
    const after = ['x = 1', ...Array.from({ length: 10 }, (_, i) => `k${i} = ${i}`), 'y = 1'].join('\n');
    const lines = lineDiff(before, after);
    expect(lines.filter(l => l.kind === 'fold')).toEqual([{ kind: 'fold', text: '6' }]);
    expect(lines.filter(l => l.kind === 'same').map(l => l.text)).toEqual(['k0 = 0', 'k1 = 1', 'k8 = 8', 'k9 = 9']);
  });
});
