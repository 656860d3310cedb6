/** Adam: PyTorch trajectories (lr, AMSGrad, L2 weight decay, groups) and its state. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, tensor } from '../../src/index.js';
import { Adam, type AdamOptions } from '../../src/optim/adam.js';
import type { Params } from '../../src/optim/optimizer.js';
import { assertClose } from '../helpers.js';
import { assertTrajectory, casesOf, freshParams, trainStep } from './trajectory.js';

const make = (params: Params<AdamOptions>, opts: Partial<AdamOptions>) => new Adam(params, opts);

for (const c of casesOf('Adam')) {
  test(`Adam matches torch.optim.Adam: ${c.name}`, () => assertTrajectory(make, c));
}

test('Adam defaults', () => {
  const opt = new Adam([tensor([1], { requiresGrad: true })]);
  assert.deepEqual(opt.defaults, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false });
});

test('Adam\'s first step is lr · g / (|g| + eps): the bias corrections cancel', () => {
  const p = tensor([1, 1, 1], { dtype: 'float64', requiresGrad: true });
  const opt = new Adam([p], { lr: 0.1, eps: 0.5 });
  p.grad = tensor([2, -0.5, 0], { dtype: 'float64' });
  opt.step();
  assertClose(p, [1 - 0.1 * 2 / 2.5, 1 + 0.1 * 0.5 / 1, 1], { rtol: 1e-14, atol: 0 });
});

test('Adam state: step is a number, maxExpAvgSq only with AMSGrad', () => {
  const keys = (amsgrad: boolean) => {
    const [w, b] = freshParams();
    const opt = new Adam([w, b], { amsgrad });
    trainStep(opt, w, b);
    trainStep(opt, w, b);
    const state = opt.state.get(w)!;
    assert.equal(state.step, 2);
    if (amsgrad) assertClose(state.maxExpAvgSq as Tensor, (state.expAvgSq as Tensor).maximum(state.maxExpAvgSq as Tensor), { rtol: 0, atol: 0 });
    return Object.keys(state).sort();
  };
  assert.deepEqual(keys(false), ['expAvg', 'expAvgSq', 'step']);
  assert.deepEqual(keys(true), ['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step']);
});
