/**
 * Shared by the effects specs: assert only the fields a case lists.
 */
import { analyzeCell } from './effects';
import type { CellEffects } from './types';

export type Expected = Partial<CellEffects>;

/** Assert exactly the listed fields; unlisted fields are not checked. */
export function expectEffects(source: string, expected: Expected): void {
  const actual = analyzeCell(source);
  for (const key of Object.keys(expected) as (keyof CellEffects)[]) {
    expect({ [key]: actual[key] }).toEqual({ [key]: expected[key] });
  }
}
