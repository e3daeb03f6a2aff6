import type { IOutput } from '@jupyterlab/nbformat';

import { compareOutputs, describe as describeOutput, normaliseText, sanitizersFromMetadata } from './compare';

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

describe('sanitizers for what always differs', () => {
  const svg = (a: string, b: string): IOutput => ({
    output_type: 'display_data',
    data: { 'image/svg+xml': `<svg><defs><path id="${a}" d="M 0 0"/><clipPath id="${b}"><rect/></clipPath></defs><use xlink:href="#${a}" clip-path="url(#${b})"/></svg>` },
    metadata: {}
  });

  it('compares two drawings of one figure as equal although matplotlib named their elements anew', () => {
    expect(compareOutputs([svg('m1a2b3c', 'p9f8e7d')], [svg('m77aa01', 'p0000ff')]).same).toBe(true);
  });

  it('still sees a different drawing', () => {
    const other: IOutput = { ...svg('m1', 'p1'), data: { 'image/svg+xml': '<svg><path id="m1" d="M 1 1"/></svg>' } };
    expect(compareOutputs([svg('m1', 'p1')], [other]).same).toBe(false);
  });

  it('ignores %%time and %timeit figures but not what the cell printed', () => {
    const a = stream('CPU times: user 1.2 ms, sys: 0 ns, total: 1.2 ms\nWall time: 2.31 ms\n42\n');
    const b = stream('CPU times: user 3 ms, sys: 12 µs, total: 3.01 ms\nWall time: 9.87 ms\n42\n');
    expect(compareOutputs([a], [b]).same).toBe(true);
    expect(compareOutputs([a], [stream('CPU times: user 3 ms\nWall time: 9 ms\n43\n')]).same).toBe(false);
    expect(compareOutputs([stream('1.23 ms ± 4.5 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)\n')], [stream('988 µs ± 12 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)\n')]).same).toBe(true);
  });

  it('ignores the timing of a progress bar and the frames it redrew', () => {
    const a = stream('\r 50%|█████     | 5/10 [00:01<00:01,  4.98it/s]\r100%|██████████| 10/10 [00:02<00:00,  4.99it/s]\n', 'stderr');
    const b = stream('100%|██████████| 10/10 [00:03<00:00,  3.10it/s]\n', 'stderr');
    expect(compareOutputs([a], [b]).same).toBe(true);
  });

  it('applies the notebook\'s own sanitizers from its metadata, and reports one that does not compile', () => {
    const { sanitizers, errors } = sanitizersFromMetadata({ retrace: { check: { sanitize: [{ regex: 'run id \\d+', replace: 'run id N' }, { regex: '(' }] } } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('"("');
    expect(compareOutputs([stream('run id 17\n')], [stream('run id 18\n')], { sanitizers }).same).toBe(true);
    expect(compareOutputs([stream('run id 17\n')], [stream('run id 18\n')]).same).toBe(false);
  });

  it('can turn the built-in sanitizers off', () => {
    const { sanitizers } = sanitizersFromMetadata({ retrace: { replay: { builtinSanitizers: false } } });
    expect(sanitizers).toEqual([]);
    expect(compareOutputs([stream('Wall time: 1 ms\n')], [stream('Wall time: 2 ms\n')], { sanitizers }).same).toBe(false);
  });
});
