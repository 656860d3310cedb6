/** The worked example of the notes (seed 000): w = 1.5, b = 0.8, x = 2, y = 5. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type DType, noGrad, tensor } from '../src/index.js';

for (const dtype of ['float32', 'float64'] as DType[]) {
  test(`loss, gradients and one SGD step, ${dtype}`, () => {
    const w = tensor(1.5, { dtype, requiresGrad: true });
    const b = tensor(0.8, { dtype, requiresGrad: true });
    const x = tensor(2, { dtype }), y = tensor(5, { dtype });
    const loss = w.mul(x).add(b).sub(y).pow(2);
    loss.backward();
    const f = dtype === 'float32' ? Math.fround : (v: number) => v;
    // float64 must hold exactly the values the notes derive by hand, up to the last bit of the arithmetic.
    const tol = dtype === 'float32' ? 1e-6 : 1e-15;
    const near = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= tol * Math.abs(want), `${what}: ${got} vs ${want}`);
    near(loss.item(), f(1.44), 'loss');
    near(w.grad!.item(), f(-4.8), 'dL/dw');
    near(b.grad!.item(), f(-2.4), 'dL/db');
    noGrad(() => {
      w.sub_(w.grad!.mul(0.1));
      b.sub_(b.grad!.mul(0.1));
    });
    near(w.item(), f(1.98), 'w after one step');
    near(b.item(), f(1.04), 'b after one step');
  });
}
