/** Reductions: sum, mean, var, std, logsumexp, max/min (all and along a dim), argmax/argmin. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, Generator, gradcheck, logsumexp, mean, randn, std, sum, tensor, variance, zeros } from '../../src/index.js';
import { assertClose, gradgradcheck, leaf } from '../helpers.js';

/** Each reduction over: everything, one dim, a negative dim, a list of dims, with and without keepdim. */
const DIM_CASES: [number[], number | number[] | undefined, boolean][] = [
  [[2, 3, 4], undefined, false],
  [[2, 3, 4], 1, false],
  [[2, 3, 4], -1, true],
  [[2, 3, 4], [0, -1], false],
  [[2, 3, 4], [2, 0], true],
  [[5], 0, false],
  [[5], -1, true],
];

type Reducer = (x: Tensor, dim: number | number[] | undefined, keepdim: boolean) => Tensor;

const reducers: [string, Reducer][] = [
  ['sum', (x, dim, keepdim) => x.sum(dim, { keepdim })],
  ['mean', (x, dim, keepdim) => x.mean(dim, { keepdim })],
  ['var', (x, dim, keepdim) => x.var(dim, { keepdim })],
  ['var (correction 0)', (x, dim, keepdim) => x.var(dim, { keepdim, correction: 0 })],
  ['std', (x, dim, keepdim) => x.std(dim, { keepdim })],
  ['logsumexp', (x, dim, keepdim) => x.logsumexp(dim ?? [...x.shape.keys()], { keepdim })],
];

for (const [name, f] of reducers) {
  test(`${name}: gradcheck over all, single, negative and multiple dims, keepdim`, () => {
    const g = new Generator(11);
    for (const [shape, dim, keepdim] of DIM_CASES) {
      try {
        gradcheck((x) => f(x!, dim, keepdim), [leaf(g, shape)]);
      } catch (e) {
        throw new Error(`shape [${shape}] dim ${JSON.stringify(dim)} keepdim ${keepdim}: ${(e as Error).message}`);
      }
    }
  });

  test(`${name}: gradcheck on transposed, strided and expanded inputs`, () => {
    const g = new Generator(12);
    gradcheck((x) => f(x!.transpose(0, 1), 1, false), [leaf(g, [4, 3])]);
    gradcheck((x) => f(x!.permute(2, 0, 1), [0, 2], true), [leaf(g, [2, 3, 4])]);
    gradcheck((x) => f(x!.slice(1, 0, undefined, 2), -1, false), [leaf(g, [3, 6])]);
    // Reduce along the one dim that is not broadcast (a constant slice has no std gradient).
    gradcheck((x) => f(x!.expand(3, 2, 4), 1, false), [leaf(g, [2, 1])]);
    gradcheck((x) => f(x!.expand(3, 2, 4), [0, 1], false), [leaf(g, [2, 1])]);
    // Forward on the strided view equals the forward on its contiguous copy.
    const x = leaf(g, [4, 6]).transpose(0, 1).slice(0, 1, undefined, 2);
    assertClose(f(x, 0, false), f(x.contiguous(), 0, false), { rtol: 1e-14, atol: 1e-15 });
  });
}

test('sum, mean, var, std forward values', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
  assert.equal(x.sum().item(), 21);
  assert.deepEqual(x.sum().shape, []);
  assert.deepEqual(x.sum(0).tolist(), [5, 7, 9]);
  assert.deepEqual(x.sum(-1).tolist(), [6, 15]);
  assert.deepEqual(x.sum(1, { keepdim: true }).tolist(), [[6], [15]]);
  assert.deepEqual(x.sum([0, 1], { keepdim: true }).tolist(), [[21]]);
  assert.deepEqual(sum(x, [1, 0]).tolist(), 21);
  assert.equal(x.mean().item(), 3.5);
  assert.deepEqual(mean(x, 0).tolist(), [2.5, 3.5, 4.5]);
  assert.deepEqual(x.mean(-1, { keepdim: true }).shape, [2, 1]);
  const v = tensor([1, 2, 3, 4], { dtype: 'float64' });
  assertClose(v.var(), 5 / 3, { rtol: 1e-15 });
  assertClose(variance(v, 0, { correction: 0 }), 1.25, { rtol: 1e-15 });
  assertClose(v.std(), Math.sqrt(5 / 3), { rtol: 1e-15 });
  assertClose(std(v, undefined, { correction: 0 }), Math.sqrt(1.25), { rtol: 1e-15 });
  assertClose(x.var(1), [1, 1], { rtol: 1e-15 });
  assertClose(x.var(0, { correction: 0 }), [2.25, 2.25, 2.25], { rtol: 1e-15 });
  assertClose(x.std(0, { keepdim: true }), [[Math.sqrt(4.5), Math.sqrt(4.5), Math.sqrt(4.5)]], { rtol: 1e-15 });
  // Reducing an expanded (stride-0) view counts every repeated element.
  assert.deepEqual(tensor([[1], [2]]).expand(2, 3).sum(1).tolist(), [3, 6]);
  // Empty sums are zero.
  assert.equal(zeros([0, 3]).sum().item(), 0);
  assert.deepEqual(zeros([0, 3]).sum(0).tolist(), [0, 0, 0]);
});

test('sum of bool and int32 returns int32; mean of int32 is refused', () => {
  const b = tensor([[true, false, true], [true, true, true]]);
  const sb = b.sum();
  assert.equal(sb.dtype, 'int32');
  assert.equal(sb.item(), 5);
  assert.deepEqual(b.sum(1).tolist(), [2, 3]);
  assert.equal(b.sum(1).dtype, 'int32');
  const i = tensor([[1, 2], [3, -7]], { dtype: 'int32' });
  assert.equal(i.sum().dtype, 'int32');
  assert.equal(i.sum().item(), -1);
  assert.deepEqual(i.sum(0).tolist(), [4, -5]);
  assert.equal(tensor([1.5, 2]).sum().dtype, 'float32');
  assert.equal(tensor([1.5, 2], { dtype: 'float64' }).sum().dtype, 'float64');
  assert.throws(() => i.mean(), (e: Error) => e instanceof TypeError && /mean: expected a floating-point tensor, got int32/.test(e.message));
  assert.throws(() => i.logsumexp(0), /logsumexp: expected a floating-point tensor, got int32/);
});

test('logsumexp: known values, no overflow for large inputs, -inf slices', () => {
  const x = tensor([[0, 0], [1, 2]], { dtype: 'float64' });
  assertClose(x.logsumexp(1), [Math.log(2), 2 + Math.log(1 + Math.exp(-1))], { rtol: 1e-15 });
  assertClose(logsumexp(x, [0, 1]), Math.log(2 + Math.E + Math.E ** 2), { rtol: 1e-15 });
  assert.deepEqual(x.logsumexp(0, { keepdim: true }).shape, [1, 2]);
  const big = tensor([[1000, 1000], [-1000, -1000], [1e308, 0]], { dtype: 'float64' });
  assertClose(big.logsumexp(-1), [1000 + Math.LN2, -1000 + Math.LN2, 1e308], { rtol: 1e-15 });
  const big32 = tensor([100, 100, 100]);
  assertClose(big32.logsumexp(0), 100 + Math.log(3), { rtol: 1e-6 });
  const inf = tensor([[-Infinity, -Infinity], [-Infinity, 0], [Infinity, 1]], { dtype: 'float64' });
  assertClose(inf.logsumexp(1), [-Infinity, 0, Infinity]);
  // The gradient is softmax, even for huge inputs.
  const h = tensor([1000, 1000 + Math.log(3)], { dtype: 'float64', requiresGrad: true });
  h.logsumexp(0).backward();
  assertClose(h.grad!, [0.25, 0.75], { rtol: 1e-12 });
});

test('max/min over all elements: values and the gradient split evenly over ties', () => {
  const x = tensor([[1, 5, -2], [5, 0, -2]], { dtype: 'float64', requiresGrad: true });
  const m = x.max();
  assert.equal(m.item(), 5);
  assert.deepEqual(m.shape, []);
  m.backward();
  assert.deepEqual(x.grad!.tolist(), [[0, 0.5, 0], [0.5, 0, 0]]);
  const y = tensor([[1, 5, -2], [5, 0, -2]], { dtype: 'float64', requiresGrad: true });
  y.min().backward();
  assert.deepEqual(y.grad!.tolist(), [[0, 0, 0.5], [0, 0, 0.5]]);
  const i = tensor([3, -1, 7], { dtype: 'int32' });
  assert.equal(i.max().dtype, 'int32');
  assert.equal(i.max().item(), 7);
  assert.equal(i.min().item(), -1);
  assert.equal(tensor([1, NaN, 3]).max().item(), NaN);
});

test('max/min along a dim: values, first-occurrence indices, keepdim, the gradient to that index', () => {
  const x = tensor([[1, 3, 3, 0], [2, 2, -1, -1], [0, 4, 1, 4]], { dtype: 'float64', requiresGrad: true });
  const { values, indices } = x.max(1);
  assert.deepEqual(values.tolist(), [3, 2, 4]);
  assert.deepEqual(indices.tolist(), [1, 0, 1]);
  assert.equal(indices.dtype, 'int32');
  assert.equal(indices.requiresGrad, false);
  values.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[0, 1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]]);
  const mn = x.min(-1, { keepdim: true });
  assert.deepEqual(mn.values.tolist(), [[0], [-1], [0]]);
  assert.deepEqual(mn.indices.tolist(), [[3], [2], [0]]);
  const m0 = x.max(0);
  assert.deepEqual(m0.values.tolist(), [2, 4, 3, 4]);
  assert.deepEqual(m0.indices.tolist(), [1, 2, 0, 2]);
  const i = tensor([[1, 9], [9, 1]], { dtype: 'int32' }).max(1);
  assert.equal(i.values.dtype, 'int32');
  assert.deepEqual(i.values.tolist(), [9, 9]);
});

test('argmax/argmin: first occurrence of ties, flattened without dim, negative dims', () => {
  const x = tensor([[1, 7, 7], [7, 0, 0]]);
  const a = x.argmax();
  assert.equal(a.dtype, 'int32');
  assert.deepEqual(a.shape, []);
  assert.equal(a.item(), 1);
  assert.equal(x.argmin().item(), 4);
  assert.deepEqual(x.argmax(1).tolist(), [1, 0]);
  assert.deepEqual(x.argmax(0).tolist(), [1, 0, 0]);
  assert.deepEqual(x.argmin(-1).tolist(), [0, 1]);
  assert.deepEqual(x.argmin(0, { keepdim: true }).tolist(), [[0, 1, 1]]);
  // On a transposed view the index follows the view's order.
  assert.deepEqual(x.transpose(0, 1).argmax(1).tolist(), [1, 0, 0]);
  // NaN counts as the extreme.
  assert.equal(tensor([1, NaN, 3]).argmax().item(), 1);
});

test('max/min: gradcheck along dims (ties excluded by random inputs) and over all elements', () => {
  const g = new Generator(13);
  for (const op of ['max', 'min'] as const) {
    gradcheck((x) => x![op](), [leaf(g, [3, 4])]);
    gradcheck((x) => x![op](1).values, [leaf(g, [3, 4])]);
    gradcheck((x) => x![op](-1, { keepdim: true }).values, [leaf(g, [2, 3, 4])]);
    gradcheck((x) => x![op](0).values, [leaf(g, [5])]);
    gradcheck((x) => x!.transpose(0, 1)[op](0).values, [leaf(g, [3, 4])]);
    gradcheck((x) => x!.slice(1, 1, undefined, 2)[op](-1).values, [leaf(g, [3, 7])]);
  }
});

test('second order: sum, mean, var, logsumexp, max', () => {
  const g = new Generator(14);
  gradgradcheck((x) => x!.square().sum(1), [leaf(g, [2, 3])], g);
  gradgradcheck((x) => x!.sum().mul(x!), [leaf(g, [2, 3])], g);
  gradgradcheck((x) => x!.mean(-1, { keepdim: true }).mul(x!), [leaf(g, [2, 3])], g);
  gradgradcheck((x) => x!.var(0), [leaf(g, [3, 2])], g);
  gradgradcheck((x) => x!.std(), [leaf(g, [4])], g);
  gradgradcheck((x) => x!.logsumexp(1), [leaf(g, [2, 3])], g);
  gradgradcheck((x) => x!.max(1).values.square(), [leaf(g, [2, 3])], g);
  gradgradcheck((x) => x!.max().mul(x!.min()), [leaf(g, [5])], g);
});

test('0-d tensors reduce over dim 0 or -1 as if they had one dim (identity)', () => {
  const t = tensor(5, { dtype: 'float64' });
  for (const [name, y, want] of [
    ['sum(0)', t.sum(0), 5], ['sum(-1, keepdim)', t.sum(-1, { keepdim: true }), 5], ['mean(0)', t.mean(0), 5],
    ['max(0)', t.max(0).values, 5], ['min(-1)', t.min(-1).values, 5], ['argmax(0)', t.argmax(0), 0],
    ['logsumexp(0)', t.logsumexp(0), 5], ['var(0, correction 0)', t.var(0, { correction: 0 }), 0], ['sum()', t.sum(), 5],
  ] as const) {
    assert.deepEqual(y.shape, [], name);
    assert.equal(y.item(), want, name);
  }
  assert.equal(t.max(0).indices.item(), 0);
  assert.throws(() => t.sum(1), /sum: dim 1 is out of range for a tensor of 0 dimensions/);
  assert.throws(() => t.sum(-2), /sum: dim -2 is out of range for a tensor of 0 dimensions/);
  const g = new Generator(15);
  gradcheck((x) => x!.sum(0).mul(x!.mean(-1)), [leaf(g, [])]);
  gradcheck((x) => x!.max(0).values.mul(x!.min(-1).values), [leaf(g, [])]);
  gradcheck((x) => x!.logsumexp(0), [leaf(g, [])]);
});

test('errors: dim out of range, repeated dims, empty reductions', () => {
  const x = randn([2, 3]);
  assert.throws(() => x.sum(2), (e: Error) => e instanceof RangeError && /sum: dim 2 is out of range for a tensor of 2 dimensions/.test(e.message));
  assert.throws(() => x.mean(-3), /mean: dim -3 is out of range for a tensor of 2 dimensions/);
  assert.throws(() => x.max(5), /max: dim 5 is out of range for a tensor of 2 dimensions/);
  assert.throws(() => x.argmin(2), /argmin: dim 2 is out of range/);
  assert.throws(() => x.logsumexp(-3), /logsumexp: dim -3 is out of range/);
  assert.throws(() => x.var(3), /var: dim 3 is out of range/);
  assert.throws(() => x.sum([0, -2]), /sum: dim \[0, 0\] repeats a dimension/);
  assert.throws(() => zeros([0, 2]).max(), /max: cannot reduce an empty tensor/);
  assert.throws(() => zeros([0, 2]).max(0), /max: cannot reduce over dim 0 of size 0/);
});
