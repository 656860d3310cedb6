/** SGD: PyTorch trajectories (momentum, dampening, Nesterov, weight decay, groups) and its state. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, tensor } from '../../src/index.js';
import { SGD, type SGDOptions } from '../../src/optim/sgd.js';
import type { Params } from '../../src/optim/optimizer.js';
import { assertClose } from '../helpers.js';
import { assertTrajectory, casesOf, freshParams, trainStep } from './trajectory.js';

const make = (params: Params<SGDOptions>, opts: Partial<SGDOptions>) => new SGD(params, opts);

for (const c of casesOf('SGD')) {
  test(`SGD matches torch.optim.SGD: ${c.name}`, () => assertTrajectory(make, c));
}

test('SGD defaults', () => {
  const opt = new SGD([tensor([1], { requiresGrad: true })]);
  assert.deepEqual(opt.defaults, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false });
});

test('SGD keeps a momentum buffer only when momentum is on; the first one is the gradient itself', () => {
  const [w, b] = freshParams();
  const plain = new SGD([w, b], { lr: 0.1 });
  trainStep(plain, w, b);
  assert.deepEqual(Object.keys(plain.state.get(w)!), []);

  const [w2, b2] = freshParams();
  const heavy = new SGD([w2, b2], { lr: 0.1, momentum: 0.9 });
  const before = w2.dataSync().slice();
  trainStep(heavy, w2, b2);
  const buf = heavy.state.get(w2)!.momentumBuffer as Tensor;
  assertClose(buf, [...before].map((v, i) => (v - w2.dataSync()[i]!) / 0.1), { rtol: 1e-12, atol: 1e-15 });
});

test('SGD leaves parameters without a gradient alone', () => {
  const [w, b] = freshParams();
  const opt = new SGD([w, b], { lr: 0.1, momentum: 0.9 });
  w.sum().backward();
  const before = b.dataSync().slice();
  opt.step();
  assert.deepEqual(b.dataSync(), before);
  assert.equal(opt.state.has(b), false);
});
