/** optim.minimize stops for the reason the notes give: budget, small gradient, or a loss that stopped changing. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optim, tensor } from '../../src/index.js';

const quadratic = () => {
  const p = tensor([3, -2], { dtype: 'float64', requiresGrad: true });
  return { p, loss: () => p.mul(p).sum() };
};

test('stops at the step budget', () => {
  const { p, loss } = quadratic();
  const r = optim.minimize(loss, new optim.SGD([p], { lr: 0.01 }), { maxSteps: 5 });
  assert.equal(r.reason, 'maxSteps');
  assert.equal(r.steps, 5);
  assert.equal(r.history.loss.length, 5);
  // Each SGD step on Σp² multiplies p by (1 − 2·lr): the loss by 0.98² per step.
  assert.ok(Math.abs(r.history.loss[4]! - 13 * 0.98 ** 8) < 1e-12);
});

test('stops when the gradient norm falls below gradTol, before stepping', () => {
  const { p, loss } = quadratic();
  const r = optim.minimize(loss, new optim.SGD([p], { lr: 0.25 }), { maxSteps: 1000, gradTol: 1e-6 });
  assert.equal(r.reason, 'gradTol');
  assert.ok(r.gradNorm <= 1e-6);
  // p halves each step (1 − 2·0.25); ‖∇‖ = 2‖p‖ = 2·√13·0.5ᵏ ≤ 1e-6 first at k = 23.
  assert.equal(r.steps, 23);
});

test('stops when the loss stops changing for `patience` steps', () => {
  const { p, loss } = quadratic();
  const r = optim.minimize(loss, new optim.SGD([p], { lr: 0.25 }), { maxSteps: 1000, lossTol: 1e-9, patience: 3 });
  assert.equal(r.reason, 'lossTol');
  assert.ok(r.steps < 1000 && r.loss < 1e-8);
});

test('reports divergence instead of looping on NaN', () => {
  const { p, loss } = quadratic();
  const r = optim.minimize(loss, new optim.SGD([p], { lr: 1e200 }), { maxSteps: 100 });
  assert.equal(r.reason, 'diverged');
  assert.ok(r.steps < 100);
});

test('onStep sees every step', () => {
  const { p, loss } = quadratic();
  const seen: number[] = [];
  optim.minimize(loss, new optim.Adam([p], { lr: 0.1 }), { maxSteps: 7, onStep: ({ step }) => seen.push(step) });
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
});
