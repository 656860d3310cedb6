/** LayerNorm and RMSNorm modules: parameters, defaults, normalisation, and agreement with the functional forms. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randn, tensor } from '../../src/index.js';
import { LayerNorm, RMSNorm, functional as F } from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';

test('LayerNorm: weight ones, bias zeros; output of zero mean and unit variance over the normalized dims', () => {
  const ln = new LayerNorm(8);
  assert.deepEqual(ln.namedParameters().map(([k, p]) => [k, [...p.shape]]), [['weight', [8]], ['bias', [8]]]);
  assert.ok(ln.weight!.dataSync().every((v) => v === 1) && ln.bias!.dataSync().every((v) => v === 0));
  assert.equal(ln.eps, 1e-5);
  const x = randn([3, 4, 8]).mul(3).add(2);
  const y = ln.forward(x);
  assertClose(y.mean(-1), new Array(12).fill(0), { atol: 1e-6 });
  assertClose(y.var(-1, { correction: 0 }), new Array(12).fill(1), { rtol: 1e-4 });
});

test('LayerNorm by hand: [1, 2, 3] normalises to [−√1.5, 0, √1.5]', () => {
  const ln = new LayerNorm(3, { eps: 0, dtype: 'float64' });
  assertClose(ln.forward(tensor([1, 2, 3], { dtype: 'float64' })), [-Math.sqrt(1.5), 0, Math.sqrt(1.5)], { rtol: 1e-12 });
});

test('LayerNorm: multi-dim normalizedShape, affine parameters, no affine, no bias', () => {
  const ln = new LayerNorm([2, 3], { dtype: 'float64' });
  assert.deepEqual([...ln.weight!.shape], [2, 3]);
  ln.weight!.detach().copy_(randn([2, 3], { dtype: 'float64' }));
  ln.bias!.detach().copy_(randn([2, 3], { dtype: 'float64' }));
  const x = randn([4, 2, 3], { dtype: 'float64' });
  assertClose(ln.forward(x), F.layerNorm(x, [2, 3], ln.weight, ln.bias, 1e-5), { rtol: 1e-12 });
  assert.equal(new LayerNorm(4, { elementwiseAffine: false }).parameters().length, 0);
  const noBias = new LayerNorm(4, { bias: false });
  assert.deepEqual(noBias.namedParameters().map(([k]) => k), ['weight']);
  assert.throws(() => ln.forward(randn([2, 3, 2], { dtype: 'float64' })), /layerNorm: normalizedShape \[2, 3\] does not match the trailing dims of the input \[2, 3, 2\]/);
  assert.equal(new LayerNorm([2, 3]).toString(), 'LayerNorm([2, 3], eps=0.00001, elementwiseAffine=true)');
});

test('LayerNorm parameters get gradients', () => {
  const ln = new LayerNorm(4, { dtype: 'float64' });
  const x = randn([3, 4], { dtype: 'float64' });
  ln.forward(x).mul(randn([3, 4], { dtype: 'float64' })).sum().backward();
  assert.deepEqual([...ln.weight!.grad!.shape], [4]);
  assert.deepEqual([...ln.bias!.grad!.shape], [4]);
});

test('RMSNorm: weight ones, eps defaults to machine epsilon, output of unit RMS', () => {
  const rms = new RMSNorm(6);
  assert.deepEqual(rms.namedParameters().map(([k]) => k), ['weight']);
  assert.equal(rms.eps, undefined);
  const x = randn([5, 6]).mul(4);
  const y = rms.forward(x);
  assertClose(y.mul(y).mean(-1), new Array(5).fill(1), { rtol: 1e-5 });
  assert.equal(rms.toString(), 'RMSNorm([6], eps=machine epsilon)');
});

test('RMSNorm: multi-dim shape, explicit eps, no affine, and agreement with rmsNorm', () => {
  const rms = new RMSNorm([2, 3], { eps: 1e-3, dtype: 'float64' });
  rms.weight!.detach().copy_(randn([2, 3], { dtype: 'float64' }));
  const x = randn([4, 2, 3], { dtype: 'float64' });
  assertClose(rms.forward(x), F.rmsNorm(x, [2, 3], rms.weight, 1e-3), { rtol: 1e-12 });
  // By hand: [3, 4] has RMS √12.5.
  const plain = new RMSNorm(2, { eps: 0, elementwiseAffine: false, dtype: 'float64' });
  assert.equal(plain.parameters().length, 0);
  assertClose(plain.forward(tensor([3, 4], { dtype: 'float64' })), [3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)], { rtol: 1e-12 });
  assert.throws(() => rms.forward(randn([3, 2])), /rmsNorm: normalizedShape \[2, 3\] does not match/);
});
