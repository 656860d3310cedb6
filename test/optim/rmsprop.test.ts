/** RMSprop: PyTorch trajectories (alpha, momentum, centered, weight decay, groups) and its state. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { RMSprop, type RMSpropOptions } from '../../src/optim/rmsprop.js';
import type { Params } from '../../src/optim/optimizer.js';
import { assertClose } from '../helpers.js';
import { assertTrajectory, casesOf, freshParams, trainStep } from './trajectory.js';

const make = (params: Params<RMSpropOptions>, opts: Partial<RMSpropOptions>) => new RMSprop(params, opts);

for (const c of casesOf('RMSprop')) {
  test(`RMSprop matches torch.optim.RMSprop: ${c.name}`, () => assertTrajectory(make, c));
}

test('RMSprop defaults', () => {
  const opt = new RMSprop([tensor([1], { requiresGrad: true })]);
  assert.deepEqual(opt.defaults, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
});

test('RMSprop keeps the buffers its options need, under PyTorch\'s names', () => {
  const keys = (opts: Partial<RMSpropOptions>) => {
    const [w, b] = freshParams();
    const opt = new RMSprop([w, b], opts);
    trainStep(opt, w, b);
    trainStep(opt, w, b);
    assert.equal(opt.state.get(w)!.step, 2);
    return Object.keys(opt.state.get(w)!).sort();
  };
  assert.deepEqual(keys({}), ['squareAvg', 'step']);
  assert.deepEqual(keys({ momentum: 0.9 }), ['momentumBuffer', 'squareAvg', 'step']);
  assert.deepEqual(keys({ centered: true, momentum: 0.9 }), ['gradAvg', 'momentumBuffer', 'squareAvg', 'step']);
});

test('RMSprop adds eps outside the square root', () => {
  const p = tensor([0], { dtype: 'float64', requiresGrad: true });
  const opt = new RMSprop([p], { lr: 1, alpha: 0.75, eps: 0.5 });
  p.grad = tensor([2], { dtype: 'float64' });
  opt.step();
  // v = 0.25 · 4 = 1, so the step is 2 / (√1 + 0.5).
  assertClose(p, [-2 / 1.5], { rtol: 1e-15, atol: 0 });
});
