/** Adagrad: PyTorch trajectories (lrDecay, initialAccumulatorValue, weight decay) and its state. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, tensor } from '../../src/index.js';
import { Adagrad, type AdagradOptions } from '../../src/optim/adagrad.js';
import type { Params } from '../../src/optim/optimizer.js';
import { assertClose } from '../helpers.js';
import { assertTrajectory, casesOf } from './trajectory.js';

const make = (params: Params<AdagradOptions>, opts: Partial<AdagradOptions>) => new Adagrad(params, opts);

for (const c of casesOf('Adagrad')) {
  test(`Adagrad matches torch.optim.Adagrad: ${c.name}`, () => assertTrajectory(make, c));
}

test('Adagrad defaults', () => {
  const opt = new Adagrad([tensor([1], { requiresGrad: true })]);
  assert.deepEqual(opt.defaults, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });
});

test('Adagrad accumulates squared gradients from initialAccumulatorValue and decays the lr by step', () => {
  const p = tensor([1, -2], { dtype: 'float64', requiresGrad: true });
  const opt = new Adagrad([p], { lr: 0.5, lrDecay: 1, initialAccumulatorValue: 3, eps: 0 });
  p.grad = tensor([1, 2], { dtype: 'float64' });
  opt.step();
  const state = opt.state.get(p)!;
  assert.equal(state.step, 1);
  assertClose(state.sum as Tensor, [4, 7], { rtol: 0, atol: 0 });
  assertClose(p, [1 - 0.5 * 1 / 2, -2 - 0.5 * 2 / Math.sqrt(7)], { rtol: 1e-15, atol: 0 });
  opt.step();
  assert.equal(state.step, 2);
  assertClose(state.sum as Tensor, [5, 11], { rtol: 0, atol: 0 });
  // Step 2 runs at lr / (1 + 1·lrDecay).
  assertClose(p, [0.75 - 0.25 / Math.sqrt(5), -2 - 1 / Math.sqrt(7) - 0.25 * 2 / Math.sqrt(11)], { rtol: 1e-15, atol: 0 });
});
