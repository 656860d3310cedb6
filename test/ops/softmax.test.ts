/** softmax and logSoftmax: values, stability for large and -inf inputs, gradients (first and second order). */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, Generator, gradcheck, logSoftmax, randn, softmax, tensor } from '../../src/index.js';
import { assertClose, gradgradcheck, leaf } from '../helpers.js';

const ops: [string, (x: Tensor, dim: number) => Tensor][] = [
  ['softmax', (x, d) => x.softmax(d)],
  ['logSoftmax', (x, d) => x.logSoftmax(d)],
];

const CASES: [number[], number][] = [[[5], 0], [[2, 3, 4], 0], [[2, 3, 4], 1], [[2, 3, 4], -1], [[3, 1], 1], [[3, 4], -2]];

for (const [name, f] of ops) {
  test(`${name}: gradcheck along every dim, negative dims included`, () => {
    const g = new Generator(21);
    for (const [shape, dim] of CASES) gradcheck((x) => f(x!, dim), [leaf(g, shape)]);
  });

  test(`${name}: gradcheck on transposed, strided and expanded inputs`, () => {
    const g = new Generator(22);
    gradcheck((x) => f(x!.transpose(0, 1), -1), [leaf(g, [4, 3])]);
    gradcheck((x) => f(x!.slice(1, 0, undefined, 2), 1), [leaf(g, [2, 7])]);
    gradcheck((x) => f(x!.expand(2, 3, 4), 1), [leaf(g, [3, 1])]);
    gradcheck((x) => f(x!.expand(2, 3, 4), -1), [leaf(g, [1, 4])]);
    const x = leaf(g, [4, 6]).transpose(0, 1).slice(1, 1);
    assertClose(f(x, 1), f(x.contiguous(), 1), { rtol: 0, atol: 0 });
  });

  test(`${name}: second order (gradcheck of a createGraph gradient)`, () => {
    const g = new Generator(23);
    gradgradcheck((x) => f(x!, -1), [leaf(g, [2, 3])], g);
    gradgradcheck((x) => f(x!, 0), [leaf(g, [3, 2])], g);
    gradgradcheck((x) => f(x!.transpose(0, 1), 1).square(), [leaf(g, [3, 2])], g);
  });
}

test('softmax: known values, rows sum to 1, shift invariance', () => {
  const x = tensor([[1, 2, 3], [0, 0, 0]], { dtype: 'float64' });
  const y = x.softmax(-1);
  const e = [Math.exp(1), Math.exp(2), Math.exp(3)], z = e[0]! + e[1]! + e[2]!;
  assertClose(y, [[e[0]! / z, e[1]! / z, e[2]! / z], [1 / 3, 1 / 3, 1 / 3]], { rtol: 1e-15 });
  assertClose(y, [[0.09003057317038046, 0.24472847105479767, 0.6652409557748219], [1 / 3, 1 / 3, 1 / 3]], { rtol: 1e-14 });
  const g = new Generator(24);
  const r = randn([3, 4, 5], { dtype: 'float64', generator: g }).mul(5);
  for (const d of [0, 1, 2, -1]) {
    const s = r.softmax(d).sum(d);
    assertClose(s, new Array<number>(s.size).fill(1), { rtol: 1e-14, atol: 0 }, `dim ${d}`);
  }
  assertClose(r.add(123).softmax(1), r.softmax(1), { rtol: 1e-12, atol: 1e-15 });
  const f32 = tensor([1, 2, 3]).softmax(0);
  assert.equal(f32.dtype, 'float32');
  assertClose(f32.sum(), 1, { rtol: 1e-6 });
});

test('softmax/logSoftmax: large inputs do not overflow, -inf entries get probability 0', () => {
  const big = tensor([1000, 1001, 1002], { dtype: 'float64' });
  const want = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219];
  assertClose(big.softmax(0), want, { rtol: 1e-14 });
  assertClose(big.neg().softmax(0), [...want].reverse(), { rtol: 1e-14 });
  assertClose(big.logSoftmax(0), want.map(Math.log), { rtol: 1e-14 });
  assertClose(tensor([1e30, 0], { dtype: 'float64' }).logSoftmax(0), [0, -1e30]);
  assertClose(tensor([500, 500]).softmax(0), [0.5, 0.5]);
  const masked = tensor([[0, -Infinity, 0], [-Infinity, 2, -Infinity]], { dtype: 'float64' });
  assertClose(masked.softmax(1), [[0.5, 0, 0.5], [0, 1, 0]], { rtol: 0, atol: 0 });
  assertClose(masked.logSoftmax(1), [[-Math.LN2, -Infinity, -Math.LN2], [-Infinity, 0, -Infinity]], { rtol: 1e-15 });
  // Gradients through a masked softmax stay finite.
  const x = tensor([[0.5, -Infinity, 1]], { dtype: 'float64', requiresGrad: true });
  x.softmax(1).mul(tensor([[1, 2, 3]], { dtype: 'float64' })).sum().backward();
  assert.ok(Array.from(x.grad!.dataSync()).every(Number.isFinite));
});

test('logSoftmax equals log(softmax) and exp(logSoftmax) sums to 1', () => {
  const g = new Generator(25);
  const x = randn([4, 6], { dtype: 'float64', generator: g }).mul(3);
  assertClose(logSoftmax(x, 1), softmax(x, 1).log(), { rtol: 1e-12, atol: 1e-14 });
  assertClose(x.logSoftmax(0).exp().sum(0), [1, 1, 1, 1, 1, 1], { rtol: 1e-14 });
  assertClose(x.logSoftmax(-1), x.sub(x.logsumexp(-1, { keepdim: true })), { rtol: 1e-13, atol: 1e-14 });
});

test('softmax gradient has the closed form y ⊙ (g − Σ g⊙y)', () => {
  const x = tensor([[0.1, -0.3, 0.7]], { dtype: 'float64', requiresGrad: true });
  const w = tensor([[1, 2, -1]], { dtype: 'float64' });
  const y = x.softmax(1);
  y.mul(w).sum().backward();
  const yv = y.tolist() as number[][];
  const dot = yv[0]!.reduce((s, v, i) => s + v * [1, 2, -1][i]!, 0);
  assertClose(x.grad!, [yv[0]!.map((v, i) => v * ([1, 2, -1][i]! - dot))], { rtol: 1e-14 });
});

test('softmax/logSoftmax of a 0-d tensor along dim 0 or -1: 1 and 0', () => {
  const t = tensor(3, { dtype: 'float64', requiresGrad: true });
  assert.equal(t.softmax(-1).item(), 1);
  assert.equal(t.logSoftmax(0).item(), 0);
  assert.deepEqual(t.softmax(0).shape, []);
  gradcheck((x) => x!.softmax(0), [t]);
  gradcheck((x) => x!.logSoftmax(-1), [t]);
});

test('errors: integer input and dim out of range name the op', () => {
  const i = tensor([1, 2], { dtype: 'int32' });
  assert.throws(() => i.softmax(0), (e: Error) => e instanceof TypeError && /softmax: expected a floating-point tensor, got int32/.test(e.message));
  assert.throws(() => i.logSoftmax(0), /logSoftmax: expected a floating-point tensor, got int32/);
  assert.throws(() => randn([2, 3]).softmax(2), /softmax: dim 2 is out of range for a tensor of 2 dimensions/);
  assert.throws(() => randn([2, 3]).logSoftmax(-3), /logSoftmax: dim -3 is out of range for a tensor of 2 dimensions/);
});

test('fused softmax with a scale and a causal mask: equals the masked composite, first and second order', async () => {
  const { fusedSoftmax } = await import('../../src/ops/softmax.js');
  const g = new Generator(24);
  for (const log of [false, true]) {
    const x = leaf(g, [2, 3, 4]);
    const scale = 0.7;
    const masked = x.mul(scale).maskedFill(tensor([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]], { dtype: 'bool' }).logicalNot(), -Infinity);
    const want = log ? masked.logSoftmax(-1) : masked.softmax(-1);
    assertClose(fusedSoftmax('softmax', x, -1, { log, scale, causal: true }), want, { rtol: 1e-14, atol: 1e-15 });
    // −∞ outputs (masked logSoftmax) cannot go through finite differences: check the visible ones.
    const visible = (y: Tensor): Tensor => (log ? y.exp() : y);
    gradcheck((t) => visible(fusedSoftmax('softmax', t!, -1, { log, scale, causal: true })), [leaf(g, [2, 3, 4])]);
    gradgradcheck((t) => visible(fusedSoftmax('softmax', t!, -1, { log, scale, causal: true })), [leaf(g, [3, 3])], g);
  }
});
