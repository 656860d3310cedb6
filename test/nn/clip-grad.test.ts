/** clipGradNorm_ and clipGradValue_ against torch.nn.utils (test/fixtures/optim.json), and their edge cases. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, tensor, zeros } from '../../src/index.js';
import { clipGradNorm_, clipGradValue_ } from '../../src/nn/clip-grad.js';
import { type Num, assertClose, num } from '../helpers.js';
import { fixtures } from '../optim/trajectory.js';

/** Zero parameters of the given shapes whose gradients hold the given values. */
function withGrads(shapes: number[][], grads: Num[][]): Tensor[] {
  return shapes.map((shape, i) => {
    const p = zeros(shape, { dtype: 'float64', requiresGrad: true });
    p.grad = tensor(Float64Array.from(grads[i]!, num)).reshape(shape);
    return p;
  });
}

for (const c of fixtures.clipGradNorm) {
  test(`clipGradNorm_ matches torch.nn.utils.clip_grad_norm_: ${c.name}`, () => {
    const params = withGrads(c.shapes, c.grads);
    const total = clipGradNorm_(params, c.maxNorm, { normType: num(c.normType) });
    assert.deepEqual(total.shape, []);
    assert.equal(total.dtype, 'float64');
    assertClose(total, c.totalNorm, { rtol: 1e-12, atol: 0 }, `${c.name}: total norm`);
    params.forEach((p, i) => assertClose(p.grad!, c.clipped[i]!.map(num), { rtol: 1e-12, atol: 0 }, `${c.name}: grad ${i}`));
  });
}

for (const c of fixtures.clipGradValue) {
  test(`clipGradValue_ matches torch.nn.utils.clip_grad_value_: ${c.name}`, () => {
    const params = withGrads(c.shapes, c.grads);
    clipGradValue_(params, c.clipValue);
    params.forEach((p, i) => assertClose(p.grad!, c.clipped[i]!.map(num), { rtol: 0, atol: 0 }, `${c.name}: grad ${i}`));
  });
}

test('clipGradNorm_ scales by maxNorm / (norm + 1e-6) in place, keeping the gradient tensors', () => {
  const p = tensor([0, 0], { dtype: 'float64', requiresGrad: true });
  const g = (p.grad = tensor([3, 4], { dtype: 'float64' }));
  const total = clipGradNorm_([p], 1);
  assert.equal(p.grad, g);
  assertClose(total, 5, { rtol: 0, atol: 0 });
  assertClose(g, [3 / (5 + 1e-6), 4 / (5 + 1e-6)], { rtol: 1e-15, atol: 0 });
});

test('clipGradNorm_ accepts a single tensor and skips parameters without a gradient', () => {
  const a = tensor([0, 0], { dtype: 'float64', requiresGrad: true });
  const b = tensor([0], { dtype: 'float64', requiresGrad: true });
  a.grad = tensor([6, 8], { dtype: 'float64' });
  assertClose(clipGradNorm_([a, b], 20), 10, { rtol: 0, atol: 0 });
  assert.equal(b.grad, null);
  assertClose(clipGradNorm_(a, 2, { normType: Infinity }), 8, { rtol: 0, atol: 0 });
  assertClose(a.grad, [6 * 2 / (8 + 1e-6), 8 * 2 / (8 + 1e-6)], { rtol: 1e-15, atol: 0 });
});

test('clipGradNorm_ of no gradients is 0 and touches nothing', () => {
  const total = clipGradNorm_([], 1);
  assert.deepEqual(total.shape, []);
  assert.equal(total.item(), 0);
  const p = tensor([1], { requiresGrad: true });
  assert.equal(clipGradNorm_([p], 1).item(), 0);
  assert.equal(p.grad, null);
});

test('clipGradNorm_ with errorIfNonfinite throws on an infinite or NaN norm, and otherwise scales by it', () => {
  const make = (values: number[]) => {
    const p = tensor([0, 0], { dtype: 'float64', requiresGrad: true });
    p.grad = tensor(values, { dtype: 'float64' });
    return p;
  };
  assert.throws(() => clipGradNorm_([make([Infinity, 1])], 1, { errorIfNonfinite: true }),
    /clipGradNorm_: the total norm of order 2 of the gradients is Infinity/);
  assert.throws(() => clipGradNorm_([make([NaN, 1])], 1, { normType: 1, errorIfNonfinite: true }),
    /clipGradNorm_: the total norm of order 1 of the gradients is NaN/);
  // As in PyTorch, a NaN norm is not silently skipped: it reaches every gradient.
  const p = make([NaN, 1]);
  assert.ok(Number.isNaN(clipGradNorm_([p], 1).item()));
  assert.ok([...p.grad!.dataSync()].every(Number.isNaN));
});

test('clipGradValue_ clamps each element into [−clipValue, clipValue] and skips parameters without a gradient', () => {
  const a = tensor([0, 0, 0], { dtype: 'float64', requiresGrad: true });
  const b = tensor([0], { dtype: 'float64', requiresGrad: true });
  a.grad = tensor([-3, 0.5, 2], { dtype: 'float64' });
  clipGradValue_([a, b], 1);
  assertClose(a.grad, [-1, 0.5, 1], { rtol: 0, atol: 0 });
  assert.equal(b.grad, null);
  clipGradValue_(a, 0.25);
  assertClose(a.grad, [-0.25, 0.25, 0.25], { rtol: 0, atol: 0 });
});
