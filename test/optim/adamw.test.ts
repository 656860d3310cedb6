/** AdamW: PyTorch trajectories and the decoupled decay that sets it apart from Adam. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros } from '../../src/index.js';
import { Adam } from '../../src/optim/adam.js';
import { AdamW, type AdamWOptions } from '../../src/optim/adamw.js';
import type { Params } from '../../src/optim/optimizer.js';
import { assertClose } from '../helpers.js';
import { assertTrajectory, casesOf, freshParams, trainStep } from './trajectory.js';

const make = (params: Params<AdamWOptions>, opts: Partial<AdamWOptions>) => new AdamW(params, opts);

for (const c of casesOf('AdamW')) {
  test(`AdamW matches torch.optim.AdamW: ${c.name}`, () => assertTrajectory(make, c));
}

test('AdamW defaults: Adam\'s, with weightDecay 1e-2', () => {
  const opt = new AdamW([tensor([1], { requiresGrad: true })]);
  assert.deepEqual(opt.defaults, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false });
});

test('AdamW shrinks parameters by (1 − lr·weightDecay) before the Adam step', () => {
  const p = tensor([2, -4], { dtype: 'float64', requiresGrad: true });
  const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.5 });
  // With a zero gradient Adam's update is 0, leaving only the decay, which L2 in the gradient would not give.
  p.grad = zeros([2], { dtype: 'float64' });
  opt.step();
  assertClose(p, [2 * 0.95, -4 * 0.95], { rtol: 0, atol: 0 });
});

test('AdamW without weight decay is Adam, bit for bit', () => {
  const [w1, b1] = freshParams();
  const [w2, b2] = freshParams();
  const adam = new Adam([w1, b1], { lr: 0.05, amsgrad: true });
  const adamw = new AdamW([w2, b2], { lr: 0.05, amsgrad: true, weightDecay: 0 });
  for (let k = 0; k < 5; k++) {
    trainStep(adam, w1, b1);
    trainStep(adamw, w2, b2);
  }
  assert.deepEqual(w2.dataSync(), w1.dataSync());
  assert.deepEqual(b2.dataSync(), b1.dataSync());
});
