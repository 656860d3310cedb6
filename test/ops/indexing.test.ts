/** gather, scatterAdd, indexSelect, tril, triu: values, gradients, errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Tensor, Generator, arange, gather, gradcheck, indexSelect, ones, randint, scatterAdd, tensor, tril, triu, zeros,
} from '../../src/index.js';
import { gradgradcheck, leaf } from '../helpers.js';

const int = (data: number[] | number[][] | number[][][]): Tensor => tensor(data, { dtype: 'int32' });

// ---- gather -------------------------------------------------------------------------------------

test('gather: values along each dim, negative dims, smaller and strided indices', () => {
  const x = tensor([[1, 2], [3, 4]]);
  assert.deepEqual(x.gather(1, int([[0, 0], [1, 0]])).tolist(), [[1, 1], [4, 3]]);
  assert.deepEqual(gather(x, 0, int([[1, 0], [1, 1]])).tolist(), [[3, 2], [3, 4]]);
  assert.deepEqual(x.gather(-1, int([[1], [0]])).tolist(), [[2], [3]]);
  const y = arange(12, { dtype: 'float32' }).reshape(3, 4);
  assert.deepEqual(y.gather(0, int([[2, 1, 0, 0]])).tolist(), [[8, 5, 2, 3]]);
  assert.deepEqual(y.gather(1, int([[3, 3, 3], [0, 1, 2]])).tolist(), [[3, 3, 3], [4, 5, 6]]);
  // Strided input and strided index.
  assert.deepEqual(y.transpose(0, 1).gather(1, int([[2], [0], [1], [1]])).tolist(), [[8], [1], [6], [7]]);
  const idx = int([[0, 2], [1, 0], [3, 3]]).transpose(0, 1); // [[0, 1, 3], [2, 0, 3]]
  assert.deepEqual(y.gather(1, idx).tolist(), [[0, 1, 3], [6, 4, 7]]);
  assert.deepEqual(y.gather(1, int([[1], [2], [0]]).expand(3, 2)).tolist(), [[1, 1], [6, 6], [8, 8]]);
  const i = tensor([[5, 6], [7, 8]], { dtype: 'int32' }).gather(1, int([[1, 1], [0, 1]]));
  assert.equal(i.dtype, 'int32');
  assert.deepEqual(i.tolist(), [[6, 6], [7, 8]]);
});

test('gather: gradcheck with repeated indices (the gradient accumulates), strided inputs, negative dims', () => {
  const g = new Generator(61);
  const idx = randint(0, 4, [3, 5], { generator: g });
  gradcheck((x) => x!.gather(1, idx), [leaf(g, [3, 4])]);
  gradcheck((x) => x!.gather(-1, int([[0, 0, 0], [3, 1, 3]])), [leaf(g, [2, 4])]);
  gradcheck((x) => x!.gather(0, int([[2, 0], [2, 2], [1, 1], [0, 2]])), [leaf(g, [3, 3])]);
  gradcheck((x) => x!.transpose(0, 1).gather(1, int([[2], [0], [1], [1]])), [leaf(g, [3, 4])]);
  gradcheck((x) => x!.slice(1, 0, undefined, 2).gather(0, int([[1, 0, 1]])), [leaf(g, [2, 6])]);
  const idx3 = randint(0, 3, [2, 2, 4], { generator: g });
  gradcheck((x) => x!.gather(2, idx3), [leaf(g, [2, 3, 3])]);
  // The gradient of a repeated index is the number of times it was picked.
  const x = tensor([10, 20, 30], { dtype: 'float64', requiresGrad: true });
  x.gather(0, int([2, 0, 2, 2])).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [1, 0, 3]);
});

// ---- scatterAdd ---------------------------------------------------------------------------------

test('scatterAdd: values, accumulation of repeated indices, the input is not modified', () => {
  const src = tensor([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
  const x = zeros([3, 5]);
  const r = x.scatterAdd(0, int([[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]]), src);
  assert.deepEqual(r.tolist(), [[1, 7, 8, 4, 5], [0, 2, 0, 9, 0], [6, 0, 3, 0, 10]]);
  assert.deepEqual(x.tolist(), [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]);
  assert.deepEqual(scatterAdd(ones([2, 3]), 1, int([[0, 0], [2, 2]]), tensor([[1, 2], [3, 4]])).tolist(), [[4, 1, 1], [1, 1, 8]]);
  assert.deepEqual(ones([4]).scatterAdd(-1, int([1, 1, 1]), tensor([1, 1, 1])).tolist(), [1, 4, 1, 1]);
  // src larger than index: only its leading block is read.
  assert.deepEqual(zeros([2, 2]).scatterAdd(1, int([[1], [0]]), tensor([[5, 6, 7], [8, 9, 10]])).tolist(), [[0, 5], [8, 0]]);
  // A strided base and an expanded src.
  const base = arange(6, { dtype: 'float32' }).reshape(2, 3).transpose(0, 1); // [[0, 3], [1, 4], [2, 5]]
  assert.deepEqual(base.scatterAdd(0, int([[2, 0]]), tensor([[10], [10]]).transpose(0, 1).expand(1, 2)).tolist(), [[0, 13], [1, 4], [12, 5]]);
});

test('scatterAdd: gradcheck with respect to the base and src, repeated indices, larger src', () => {
  const g = new Generator(62);
  const idx = randint(0, 3, [2, 4], { generator: g });
  gradcheck((x, s) => x!.scatterAdd(0, idx, s!), [leaf(g, [3, 4]), leaf(g, [2, 4])]);
  gradcheck((x, s) => x!.scatterAdd(-1, int([[0, 0], [1, 0]]), s!).square(), [leaf(g, [2, 3]), leaf(g, [2, 2])]);
  gradcheck((x, s) => x!.scatterAdd(1, int([[2], [0]]), s!), [leaf(g, [2, 3]), leaf(g, [3, 2])]);
  gradcheck((x, s) => x!.transpose(0, 1).scatterAdd(1, int([[1, 1], [0, 1], [0, 0]]), s!.slice(1, 0, undefined, 2)), [leaf(g, [2, 3]), leaf(g, [3, 4])]);
  // src's entries outside the index block get a zero gradient.
  const s = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64', requiresGrad: true });
  zeros([2, 2], { dtype: 'float64' }).scatterAdd(1, int([[1], [0]]), s).mul(tensor([[1, 2], [3, 4]], { dtype: 'float64' })).sum().backward();
  assert.deepEqual(s.grad!.tolist(), [[2, 0, 0], [3, 0, 0]]);
});

// ---- indexSelect --------------------------------------------------------------------------------

test('indexSelect: values with repeats, along each dim, on strided input', () => {
  const x = arange(12, { dtype: 'float32' }).reshape(3, 4);
  assert.deepEqual(x.indexSelect(0, int([2, 0, 2])).tolist(), [[8, 9, 10, 11], [0, 1, 2, 3], [8, 9, 10, 11]]);
  assert.deepEqual(indexSelect(x, -1, int([3, 1])).tolist(), [[3, 1], [7, 5], [11, 9]]);
  assert.deepEqual(x.transpose(0, 1).indexSelect(1, int([1])).tolist(), [[4], [5], [6], [7]]);
  assert.deepEqual(x.indexSelect(0, int([])).shape, [0, 4]);
});

test('indexSelect: gradcheck with repeated indices and negative dims', () => {
  const g = new Generator(63);
  gradcheck((x) => x!.indexSelect(0, int([2, 0, 2, 2])), [leaf(g, [3, 2])]);
  gradcheck((x) => x!.indexSelect(-1, int([1, 1, 0])), [leaf(g, [2, 3, 2])]);
  gradcheck((x) => x!.transpose(0, 1).indexSelect(0, int([3, 0])), [leaf(g, [2, 4])]);
});

// ---- tril and triu ------------------------------------------------------------------------------

test('tril/triu: values for diagonals 0, ±1, non-square and batched input', () => {
  const x = ones([3, 4], { dtype: 'int32' });
  assert.deepEqual(x.tril().tolist(), [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]]);
  assert.deepEqual(x.tril(1).tolist(), [[1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]);
  assert.deepEqual(x.tril(-1).tolist(), [[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0]]);
  assert.deepEqual(x.triu().tolist(), [[1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 1, 1]]);
  assert.deepEqual(triu(x, 2).tolist(), [[0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]);
  assert.deepEqual(x.triu(-1).tolist(), [[1, 1, 1, 1], [1, 1, 1, 1], [0, 1, 1, 1]]);
  assert.equal(x.tril().dtype, 'int32');
  const b = arange(8, { dtype: 'float32' }).reshape(2, 2, 2);
  assert.deepEqual(tril(b).tolist(), [[[0, 0], [2, 3]], [[4, 0], [6, 7]]]);
  assert.deepEqual(b.transpose(-1, -2).triu().tolist(), [[[0, 2], [0, 3]], [[4, 6], [0, 7]]]);
  // The causal mask: tril of ones as bool.
  assert.deepEqual(ones([2, 2], { dtype: 'bool' }).tril().tolist(), [[true, false], [true, true]]);
});

test('tril/triu: gradcheck, batched and strided', () => {
  const g = new Generator(64);
  for (const k of [0, 1, -1]) {
    gradcheck((x) => x!.tril(k), [leaf(g, [3, 4])]);
    gradcheck((x) => x!.triu(k), [leaf(g, [2, 3, 3])]);
  }
  gradcheck((x) => x!.mT.tril().matmul(x!), [leaf(g, [3, 3])]);
});

test('second order: gather, scatterAdd, indexSelect, tril', () => {
  const g = new Generator(65);
  gradgradcheck((x) => x!.gather(1, int([[0, 0, 2], [1, 2, 2]])).square(), [leaf(g, [2, 3])], g);
  gradgradcheck((x, s) => x!.scatterAdd(0, int([[1, 1], [0, 1]]), s!).square(), [leaf(g, [2, 2]), leaf(g, [2, 2])], g);
  gradgradcheck((x) => x!.indexSelect(0, int([1, 1, 0])).exp(), [leaf(g, [2, 2])], g);
  gradgradcheck((x) => x!.tril().square(), [leaf(g, [2, 2])], g);
});

// ---- errors -------------------------------------------------------------------------------------

test('index errors name the op, the index values, shapes and dtypes', () => {
  const x = zeros([2, 3]);
  assert.throws(() => x.gather(1, int([[0, 5], [1, 1]])), /gather: index 5 is out of range for a dimension of size 3/);
  assert.throws(() => x.gather(0, int([[2, 0, 0]])), /gather: index 2 is out of range for a dimension of size 2/);
  assert.throws(() => x.scatterAdd(1, int([[3]]), zeros([1, 1])), /scatterAdd: index 3 is out of range for a dimension of size 3/);
  assert.throws(() => x.indexSelect(1, int([0, 3])), /index 3 is out of range for a dimension of size 3/);
  assert.throws(() => x.gather(1, tensor([[0]])), (e: Error) => e instanceof TypeError && /gather: index must be an int32 tensor, got float32/.test(e.message));
  assert.throws(() => x.scatterAdd(0, tensor([[true]]), zeros([1, 1])), /scatterAdd: index must be an int32 tensor, got bool/);
  assert.throws(() => x.indexSelect(0, tensor([0, 1])), /indexSelect: index must be an int32 tensor, got float32/);
  assert.throws(() => x.gather(1, int([0, 1])), /gather: index \[2\] must have as many dims as the input \[2, 3\]/);
  assert.throws(() => x.gather(1, int([[0], [0], [0]])), /gather: index \[3, 1\] is larger than the input \[2, 3\] in dim 0/);
  assert.throws(() => x.gather(2, int([[0]])), /gather: dim 2 is out of range for a tensor of 2 dimensions/);
  assert.throws(() => x.scatterAdd(1, int([[0, 1]]), zeros([1, 1])), /scatterAdd: index \[1, 2\] is larger than src \[1, 1\] in dim 1/);
  assert.throws(() => x.indexSelect(0, int([[0]])), /indexSelect: index must be 1-D, got shape \[1, 1\]/);
  assert.throws(() => x.indexSelect(-3, int([0])), /indexSelect: dim -3 is out of range/);
  assert.throws(() => zeros([3]).tril(), /tril: expected a tensor of at least 2 dims, got shape \[3\]/);
  assert.throws(() => zeros([3]).triu(), /triu: expected a tensor of at least 2 dims, got shape \[3\]/);
});
