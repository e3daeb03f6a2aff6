import type { IOutput } from '@jupyterlab/nbformat';

import { compareOutputs, describe as describeOutput, normaliseText } from './compare';

const stream = (text: string, name: 'stdout' | 'stderr' = 'stdout'): IOutput => ({ output_type: 'stream', name, text });
const result = (data: Record<string, unknown>, count = 1): IOutput => ({
  output_type: 'execute_result',
  execution_count: count,
  data: data as any,
  metadata: {}
});
const png = (b64: string): IOutput => ({ output_type: 'display_data', data: { 'image/png': b64, 'text/plain': '<Figure size 640x480 with 1 Axes>' }, metadata: {} });

describe('compareOutputs', () => {
  it('treats identical outputs as the same', () => {
    expect(compareOutputs([stream('42\n')], [stream('42\n')])).toEqual({ same: true });
  });

  it('ignores object addresses in text', () => {
    const a = result({ 'text/plain': '<__main__.Model object at 0x7f3a2c1d5e80>' });
    const b = result({ 'text/plain': '<__main__.Model object at 0x7f99aa001234>' });
    expect(compareOutputs([a], [b]).same).toBe(true);
  });

  it('ignores the execution count of a result', () => {
    expect(compareOutputs([result({ 'text/plain': '3' }, 4)], [result({ 'text/plain': '3' }, 1)]).same).toBe(true);
  });

  it('merges stream chunks the kernel split differently', () => {
    expect(compareOutputs([stream('a\nb\n')], [stream('a\n'), stream('b\n')]).same).toBe(true);
  });

  it('reports a changed value with both sides', () => {
    const c = compareOutputs([result({ 'text/plain': '3' })], [result({ 'text/plain': '4' })]);
    expect(c).toEqual({ same: false, index: 0, detail: '"3" → "4"' });
  });

  it('reports a missing output', () => {
    const c = compareOutputs([stream('hello\n'), result({ 'text/plain': '1' })], [stream('hello\n')]);
    expect(c).toEqual({ same: false, index: 1, detail: 'missing output: "1"' });
  });

  it('reports an extra error output', () => {
    const err: IOutput = { output_type: 'error', ename: 'NameError', evalue: "name 'x' is not defined", traceback: [] };
    const c = compareOutputs([], [err]);
    expect(c).toEqual({ same: false, index: 0, detail: "extra output: NameError: name 'x' is not defined" });
  });

  it('compares images by digest', () => {
    expect(compareOutputs([png('AAAA')], [png('AAAA')]).same).toBe(true);
    const c = compareOutputs([png('AAAA')], [png('BBBB')]);
    expect(c.same).toBe(false);
    expect(!c.same && c.detail).toMatch(/^image\/png #[0-9a-f]{8} → image\/png #[0-9a-f]{8}$/);
  });

  it('does not compare the model ids of widgets', () => {
    const w = (id: string) => result({ 'application/vnd.jupyter.widget-view+json': { model_id: id, version_major: 2 }, 'text/plain': 'IntSlider(value=3)' });
    expect(compareOutputs([w('abc')], [w('def')]).same).toBe(true);
  });

  it('tells stdout from stderr', () => {
    expect(compareOutputs([stream('x', 'stdout')], [stream('x', 'stderr')]).same).toBe(false);
  });
});

describe('normaliseText', () => {
  it('drops colour codes and trailing blanks', () => {
    expect(normaliseText('\u001b[31mred\u001b[0m  \nline\t\n\n')).toBe('red\nline');
  });
});

describe('describe', () => {
  it('shortens long text to one line', () => {
    expect(describeOutput(stream('a'.repeat(100)))).toBe(`stdout "${'a'.repeat(59)}…"`);
  });
});
