/**
 * Lion: trajectories from the reference implementation in test/fixtures/generate_optim.py (torch has
 * no Lion), and the sign update that moves every coordinate by exactly lr.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, tensor } from '../../src/index.js';
import { Lion, type LionOptions } from '../../src/optim/lion.js';
import type { Params } from '../../src/optim/optimizer.js';
import { assertClose } from '../helpers.js';
import { assertTrajectory, casesOf, freshParams, trainStep } from './trajectory.js';

const make = (params: Params<LionOptions>, opts: Partial<LionOptions>) => new Lion(params, opts);

for (const c of casesOf('Lion')) {
  test(`Lion matches the reference: ${c.name}`, () => assertTrajectory(make, c));
}

test('Lion defaults', () => {
  const opt = new Lion([tensor([1], { requiresGrad: true })]);
  assert.deepEqual(opt.defaults, { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0 });
});

test('Lion moves every coordinate by exactly lr without weight decay', () => {
  const [w, b] = freshParams();
  const opt = new Lion([w, b], { lr: 0.25 });
  for (let k = 0; k < 3; k++) {
    const before = w.dataSync().slice();
    trainStep(opt, w, b);
    // Exact up to the rounding of θ ± 0.25 itself.
    w.dataSync().forEach((v, i) => assert.ok(Math.abs(Math.abs(v - before[i]!) - 0.25) <= 1e-15, `w[${i}] moved by ${v - before[i]!}`));
  }
  assert.deepEqual(Object.keys(opt.state.get(w)!), ['expAvg']);
});

test('Lion interpolates with beta1 for the update but tracks momentum with beta2', () => {
  const p = tensor([0], { dtype: 'float64', requiresGrad: true });
  const opt = new Lion([p], { lr: 1, betas: [0.5, 0.75] });
  p.grad = tensor([4], { dtype: 'float64' });
  opt.step();
  assertClose(opt.state.get(p)!.expAvg as Tensor, [1], { rtol: 0, atol: 0 });
  // m = 1: beta1 gives 0.5·1 + 0.5·(−2) < 0, a step up; beta2 would give 0.75·1 + 0.25·(−2) > 0.
  p.grad = tensor([-2], { dtype: 'float64' });
  opt.step();
  assertClose(p, [0], { rtol: 0, atol: 0 });
  assertClose(opt.state.get(p)!.expAvg as Tensor, [0.25], { rtol: 0, atol: 0 });
});
