/** Shared test helpers: closeness checks with messages that show where values differ. */

import assert from 'node:assert/strict';
import type { Tensor } from '../src/index.js';

export interface CloseOptions {
  rtol?: number;
  atol?: number;
}

function flatten(x: unknown): number[] {
  if (Array.isArray(x)) return x.flatMap(flatten);
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (typeof x === 'boolean') return [+x];
  return [x as number];
}

/** Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise; NaNs must match NaNs. */
export function assertClose(actual: Tensor | unknown, expected: unknown, opts: CloseOptions = {}, what = 'value'): void {
  const { rtol = 1e-5, atol = 1e-7 } = opts;
  const a = flatten(isTensor(actual) ? actual.dataSync() : actual);
  const e = flatten(isTensor(expected) ? expected.dataSync() : expected);
  assert.equal(a.length, e.length, `${what}: ${a.length} elements, expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = e[i]!;
    if (Number.isNaN(y)) { assert.ok(Number.isNaN(x), `${what}[${i}]: got ${x}, expected NaN`); continue; }
    if (!Number.isFinite(y)) { assert.equal(x, y, `${what}[${i}]`); continue; }
    assert.ok(Math.abs(x - y) <= atol + rtol * Math.abs(y), `${what}[${i}]: got ${x}, expected ${y} (rtol ${rtol}, atol ${atol})`);
  }
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'dataSync' in x && 'shape' in x;
}
