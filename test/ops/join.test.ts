/** cat, stack, split, chunk: values, dtype promotion, views, gradients, errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, arange, cat, chunk, gradcheck, noGrad, randn, split, stack, tensor, zeros } from '../../src/index.js';
import { leaf } from '../helpers.js';

test('cat: values along dims 0, 1 and negative dims', () => {
  const a = tensor([[1, 2], [3, 4]]), b = tensor([[5, 6]]), c = tensor([[7], [8]]);
  assert.deepEqual(cat([a, b]).tolist(), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(cat([a, c], 1).tolist(), [[1, 2, 7], [3, 4, 8]]);
  assert.deepEqual(cat([c, a, c], -1).tolist(), [[7, 1, 2, 7], [8, 3, 4, 8]]);
  assert.deepEqual(cat([a]).tolist(), a.tolist());
  assert.deepEqual(cat([tensor([1, 2]), zeros([0]), tensor([3])]).tolist(), [1, 2, 3]);
  // Strided and expanded inputs are copied by value.
  const t = arange(6, { dtype: 'float32' }).reshape(2, 3);
  assert.deepEqual(cat([t.transpose(0, 1), tensor([[9], [9], [9]]).expand(3, 2)], 1).tolist(), [[0, 3, 9, 9], [1, 4, 9, 9], [2, 5, 9, 9]]);
  // cat copies: writing into the result leaves the inputs alone.
  const out = cat([a, b]);
  noGrad(() => out.fill_(0));
  assert.deepEqual(a.tolist(), [[1, 2], [3, 4]]);
});

test('cat: dtypes promote as in elementwise ops', () => {
  const i = tensor([1, 2], { dtype: 'int32' }), f = tensor([0.5]), d = tensor([0.25], { dtype: 'float64' });
  const r = cat([i, f]);
  assert.equal(r.dtype, 'float32');
  assert.deepEqual(r.tolist(), [1, 2, 0.5]);
  assert.equal(cat([f, d]).dtype, 'float64');
  assert.equal(cat([tensor([true]), i]).dtype, 'int32');
  assert.equal(cat([i, i]).dtype, 'int32');
});

test('stack: values along new dims, negative dims', () => {
  const a = tensor([1, 2, 3]), b = tensor([4, 5, 6]);
  assert.deepEqual(stack([a, b]).tolist(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(stack([a, b], 1).tolist(), [[1, 4], [2, 5], [3, 6]]);
  assert.deepEqual(stack([a, b], -1).tolist(), [[1, 4], [2, 5], [3, 6]]);
  assert.deepEqual(stack([a, b], -2).tolist(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(stack([tensor(1), tensor(2)]).tolist(), [1, 2]);
  assert.deepEqual(stack([zeros([2, 3]), zeros([2, 3]), zeros([2, 3])], 1).shape, [2, 3, 3]);
});

test('split and chunk: sizes, remainders and views of the input', () => {
  const x = arange(10, { dtype: 'float32' }).reshape(2, 5);
  const parts = x.split(2, 1);
  assert.deepEqual(parts.map((p) => p.shape), [[2, 2], [2, 2], [2, 1]]);
  assert.deepEqual(parts[2]!.tolist(), [[4], [9]]);
  assert.deepEqual(split(x, [1, 4], -1).map((p) => p.tolist()), [[[0], [5]], [[1, 2, 3, 4], [6, 7, 8, 9]]]);
  assert.deepEqual(x.split(5, 0).map((p) => p.shape), [[2, 5]]);
  assert.deepEqual(chunk(x, 3, 1).map((p) => p.shape), [[2, 2], [2, 2], [2, 1]]);
  assert.deepEqual(x.chunk(2).map((p) => p.tolist()), [[[0, 1, 2, 3, 4]], [[5, 6, 7, 8, 9]]]);
  assert.deepEqual(arange(6).chunk(4).map((p) => p.tolist()), [[0, 1], [2, 3], [4, 5]]);
  assert.deepEqual(x.chunk(9, -1).length, 5);
  // The pieces are views: writing into one writes into x.
  noGrad(() => parts[1]!.fill_(-1));
  assert.deepEqual(x.tolist(), [[0, 1, -1, -1, 4], [5, 6, -1, -1, 9]]);
  // cat undoes split.
  assert.deepEqual(cat(x.split([2, 3], 1), 1).tolist(), x.tolist());
});

test('cat and stack: gradcheck with several inputs, dims and strided inputs', () => {
  const g = new Generator(51);
  gradcheck((a, b, c) => cat([a!, b!, c!]), [leaf(g, [2, 3]), leaf(g, [1, 3]), leaf(g, [3, 3])]);
  gradcheck((a, b) => cat([a!, b!], 1).square(), [leaf(g, [2, 2]), leaf(g, [2, 3])]);
  gradcheck((a, b) => cat([a!, b!], -1), [leaf(g, [2, 2, 1]), leaf(g, [2, 2, 2])]);
  gradcheck((a, b) => cat([a!.transpose(0, 1), b!.slice(0, 0, undefined, 2), a!.transpose(0, 1)], 0), [leaf(g, [3, 2]), leaf(g, [5, 3])]);
  gradcheck((a, b) => cat([a!.expand(2, 3), b!], 1), [leaf(g, [3]), leaf(g, [2, 1])]);
  gradcheck((a, b) => stack([a!, b!]), [leaf(g, [2, 3]), leaf(g, [2, 3])]);
  gradcheck((a, b) => stack([a!, b!, a!], -1).tanh(), [leaf(g, [3]), leaf(g, [3])]);
  gradcheck((a, b) => stack([a!.mT, b!], 1), [leaf(g, [2, 3]), leaf(g, [3, 2])]);
  // A mix of inputs that do and do not require grad.
  const fixed = randn([1, 3], { dtype: 'float64', generator: g });
  gradcheck((a) => cat([fixed, a!, fixed]).mul(2), [leaf(g, [2, 3])]);
});

test('split and chunk: gradcheck of the pieces', () => {
  const g = new Generator(52);
  gradcheck((x) => {
    const [p, q, r] = x!.split(2, 1);
    return cat([p!.mul(q!), r!.exp()], 1);
  }, [leaf(g, [2, 5])]);
  gradcheck((x) => {
    const [p, q] = x!.split([1, 3], -1);
    return p!.mul(q!.sum(-1, { keepdim: true }));
  }, [leaf(g, [3, 4])]);
  gradcheck((x) => {
    const pieces = x!.transpose(0, 1).chunk(3);
    return stack(pieces.map((c, i) => c.mul(i + 1).sum(0)));
  }, [leaf(g, [2, 6])]);
  // Pieces that are not used get no gradient, and that is not an error.
  gradcheck((x) => x!.chunk(2, 0)[1]!.square(), [leaf(g, [4, 2])]);
});

test('join errors name the op and the shapes', () => {
  assert.throws(() => cat([zeros([2, 3]), zeros([2, 4])]), /cat: tensor 1 has shape \[2, 4\], which does not match \[2, 3\] outside dim 0/);
  assert.throws(() => cat([zeros([2, 3]), zeros([3, 3]), zeros([2, 2])], 1), /cat: tensor 1 has shape \[3, 3\], which does not match \[2, 3\] outside dim 1/);
  assert.throws(() => cat([zeros([2, 3]), zeros([6])]), /cat: tensor 1 has shape \[6\], which does not match \[2, 3\] outside dim 0/);
  assert.throws(() => cat([zeros([2, 3])], 2), /cat: dim 2 is out of range for a tensor of 2 dimensions/);
  assert.throws(() => cat([]), /cat: expected a non-empty list of tensors/);
  assert.throws(() => cat([tensor(1), tensor(2)]), /cat: zero-dimensional tensors cannot be concatenated/);
  assert.throws(() => stack([zeros([2, 3]), zeros([3, 2])]), /stack: all tensors must have the same shape; tensor 1 has \[3, 2\], tensor 0 has \[2, 3\]/);
  assert.throws(() => stack([zeros([2])], 2), /stack: dim 2 is out of range for a tensor of 2 dimensions/);
  assert.throws(() => stack([]), /stack: expected a non-empty list of tensors/);
  assert.throws(() => zeros([2, 5]).split([2, 2], 1), /split: sizes \[2, 2\] sum to 4, but dim 1 has size 5/);
  assert.throws(() => zeros([4]).split(0), /split: splitSize must be a positive integer, got 0/);
  assert.throws(() => zeros([4]).chunk(0), /chunk: chunks must be a positive integer, got 0/);
  assert.throws(() => zeros([4]).split(2, 1), /split: dim 1 is out of range for a tensor of 1 dimension/);
});
