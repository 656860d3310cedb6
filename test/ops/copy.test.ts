/** Copies: dtype casts, clone, contiguous, detach. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type DType, Generator, arange, gradcheck, noGrad, randn, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('casts between every pair of dtypes follow PyTorch: truncation toward zero, nonzero is true', () => {
  const f = tensor([-1.7, -0.5, 0, 0.5, 2.9], { dtype: 'float64' });
  assert.deepEqual(f.to('int32').tolist(), [-1, 0, 0, 0, 2]);
  assert.deepEqual(f.int().tolist(), [-1, 0, 0, 0, 2]);
  assert.deepEqual(f.bool().tolist(), [true, true, false, true, true]);
  assert.deepEqual(f.float().tolist(), [-1.7, -0.5, 0, 0.5, 2.9].map(Math.fround));
  assert.equal(f.float().dtype, 'float32');
  const b = tensor([true, false]);
  assert.deepEqual(b.int().tolist(), [1, 0]);
  assert.deepEqual(b.double().tolist(), [1, 0]);
  assert.equal(b.double().dtype, 'float64');
  const i = tensor([3, 0, -2], { dtype: 'int32' });
  assert.deepEqual(i.float().tolist(), [3, 0, -2]);
  assert.deepEqual(i.bool().tolist(), [true, false, true]);
  assert.deepEqual(tensor([0.1], { dtype: 'float64' }).float().double().tolist(), [Math.fround(0.1)]);
  // Every dtype to every dtype keeps the shape, and to(itself) is the same tensor.
  const dtypes: DType[] = ['float32', 'float64', 'int32', 'bool'];
  for (const from of dtypes) {
    const x = tensor([[1, 0], [0, 1]], { dtype: from });
    assert.equal(x.to(from), x);
    for (const to of dtypes) {
      const y = x.to(to);
      assert.equal(y.dtype, to);
      assert.deepEqual(y.shape, [2, 2]);
      assert.deepEqual(y.tolist(), to === 'bool' ? [[true, false], [false, true]] : [[1, 0], [0, 1]]);
    }
  }
  // Casting a strided view casts its elements in view order.
  assert.deepEqual(arange(6, { dtype: 'float64' }).reshape(2, 3).transpose(0, 1).to('int32').tolist(), [[0, 3], [1, 4], [2, 5]]);
});

test('casts: the gradient flows between float types and converts back; integer casts stop it', () => {
  const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
  const y = x.float();
  assert.equal(y.requiresGrad, true);
  y.mul(2).sum().backward();
  assert.equal(x.grad!.dtype, 'float64');
  assert.deepEqual(x.grad!.tolist(), [2, 2, 2]);
  const z = tensor([1.5], { dtype: 'float32', requiresGrad: true });
  z.double().mul(3).sum().backward();
  assert.equal(z.grad!.dtype, 'float32');
  assert.deepEqual(z.grad!.tolist(), [3]);
  assert.equal(x.int().requiresGrad, false);
  assert.equal(x.bool().requiresGrad, false);
  // to() of the tensor's own dtype is the identity, in the graph too.
  const g = new Generator(71);
  gradcheck((a) => a!.to('float64').mul(a!), [randn([3], { dtype: 'float64', generator: g, requiresGrad: true })]);
});

test('clone: same values, new storage, gradient passes through', () => {
  const x = arange(6, { dtype: 'float32' }).reshape(2, 3);
  const c = x.clone();
  assert.deepEqual(c.tolist(), x.tolist());
  assert.equal(c.dtype, x.dtype);
  noGrad(() => c.fill_(0));
  assert.deepEqual(x.tolist(), [[0, 1, 2], [3, 4, 5]]);
  // Cloning a strided view gives a contiguous copy of the view.
  const v = x.transpose(0, 1).clone();
  assert.equal(v.isContiguous(), true);
  assert.deepEqual(v.tolist(), [[0, 3], [1, 4], [2, 5]]);
  const e = tensor([[7], [8]]).expand(2, 3).clone();
  assert.deepEqual(e.strides, [3, 1]);
  noGrad(() => e.select(1, 0).fill_(0));
  assert.deepEqual(e.tolist(), [[0, 7, 7], [0, 8, 8]]);
  const g = new Generator(72);
  gradcheck((a) => a!.clone().mul(a!), [randn([2, 3], { dtype: 'float64', generator: g, requiresGrad: true })]);
  gradcheck((a) => a!.transpose(0, 1).clone().slice(0, 0, undefined, 2), [randn([2, 3], { dtype: 'float64', generator: g, requiresGrad: true })]);
  gradcheck((a) => a!.expand(2, 3).contiguous(), [randn([3], { dtype: 'float64', generator: g, requiresGrad: true })]);
});

test('detach: shares storage, is outside the graph, keeps dtype and shape', () => {
  const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
  const d = x.detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.isLeaf, true);
  assert.equal(d.dtype, 'float64');
  noGrad(() => d.fill_(5));
  assert.deepEqual(x.tolist(), [5, 5, 5]);
  const y = x.mul(2).detach();
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assertClose(y, [10, 10, 10]);
});
