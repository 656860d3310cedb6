/**
 * nn.functional: linear, layerNorm, rmsNorm, embedding, scaledDotProductAttention and the activations
 * replayed against test/fixtures/nn.json (torch, float64) to 1e-10 relative, values and gradients;
 * gradcheck on each; and the errors for mismatched shapes.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, Generator, gradcheck, randn, tensor } from '../../src/index.js';
import { functional as F } from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';
import { type Case, type Inputs, assertReplays, loadCases } from './nn-fixtures.js';

// ---- parity -------------------------------------------------------------------------------------

const ACTIVATIONS: Record<string, (x: Tensor) => Tensor> = {
  relu: F.relu, gelu: (x) => F.gelu(x), geluTanh: (x) => F.gelu(x, { approximate: 'tanh' }),
  sigmoid: F.sigmoid, tanh: F.tanh, silu: F.silu, softmax: (x) => F.softmax(x, -1),
};
const FNS: Record<string, (i: Inputs, a: Case['args']) => Tensor> = {
  linear: (i) => F.linear(i.x!, i.weight!, i.bias),
  layerNorm: (i, a) => F.layerNorm(i.x!, a.normalizedShape, i.weight, i.bias, a.eps),
  rmsNorm: (i, a) => F.rmsNorm(i.x!, a.normalizedShape, i.weight, a.eps),
  embedding: (i) => F.embedding(i.indices!, i.weight!),
  scaledDotProductAttention: (i, a) => F.scaledDotProductAttention(i.q!, i.k!, i.v!, { ...a, attnMask: i.attnMask ?? null }),
  activation: (i, a) => ACTIVATIONS[a.name]!(i.x!),
};

const cases = loadCases().filter((c) => c.fn in FNS);

test('functional fixtures cover every function', () => {
  for (const fn of Object.keys(FNS)) assert.ok(cases.some((c) => c.fn === fn), `no fixture for ${fn}`);
  for (const name of Object.keys(ACTIVATIONS)) assert.ok(cases.some((c) => c.args.name === name), `no fixture for ${name}`);
});

for (const c of cases) {
  test(`parity: ${c.name}`, () => assertReplays(c, FNS[c.fn]!));
}

// ---- gradcheck ----------------------------------------------------------------------------------

const g = new Generator(11);
const R = (...shape: number[]): Tensor => randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });

test('gradcheck: linear, with and without bias', () => {
  gradcheck((x, w, b) => F.linear(x!, w!, b!), [R(2, 3), R(4, 3), R(4)]);
  gradcheck((x, w) => F.linear(x!, w!), [R(2, 2, 3), R(2, 3)]);
});

test('gradcheck: layerNorm and rmsNorm', () => {
  gradcheck((x, w, b) => F.layerNorm(x!, [3], w!, b!), [R(2, 3), R(3), R(3)]);
  gradcheck((x, w, b) => F.layerNorm(x!, [2, 3], w!, b!, 0.1), [R(2, 2, 3), R(2, 3), R(2, 3)]);
  gradcheck((x) => F.layerNorm(x!, [4]), [R(2, 4)]);
  gradcheck((x, w) => F.rmsNorm(x!, [3], w!), [R(2, 3), R(3)]);
  gradcheck((x) => F.rmsNorm(x!, [2, 3], null, 1e-3), [R(2, 2, 3)]);
});

test('gradcheck: embedding', () => {
  const idx = tensor([[0, 2], [2, 3]], { dtype: 'int32' });
  gradcheck((w) => F.embedding(idx, w!), [R(4, 3)]);
});

test('gradcheck: scaledDotProductAttention, causal, bool and float masks', () => {
  const mask = tensor([[true, false, true], [true, true, false]]);
  gradcheck((q, k, v) => F.scaledDotProductAttention(q!, k!, v!), [R(2, 3, 2), R(2, 4, 2), R(2, 4, 3)]);
  gradcheck((q, k, v) => F.scaledDotProductAttention(q!, k!, v!, { isCausal: true }), [R(1, 2, 3, 2), R(1, 2, 3, 2), R(1, 2, 3, 2)]);
  gradcheck((q, k, v) => F.scaledDotProductAttention(q!, k!, v!, { attnMask: mask }), [R(2, 2, 2), R(2, 3, 2), R(2, 3, 2)]);
  gradcheck((q, k, v, m) => F.scaledDotProductAttention(q!, k!, v!, { attnMask: m!, scale: 0.7 }), [R(2, 2, 2), R(2, 3, 2), R(2, 3, 2), R(2, 3)]);
});

// ---- behaviour ----------------------------------------------------------------------------------

test('rmsNorm: eps defaults to the dtype\'s machine epsilon', () => {
  const x = tensor([[1e-9, -2e-9]], { dtype: 'float32' });
  const eps32 = 2 ** -23;
  const ms = (1e-18 + 4e-18) / 2;
  assertClose(F.rmsNorm(x, [2]), [1e-9 / Math.sqrt(ms + eps32), -2e-9 / Math.sqrt(ms + eps32)], { rtol: 1e-5, atol: 0 });
  const x64 = x.double();
  const eps64 = 2 ** -52;
  assertClose(F.rmsNorm(x64, [2]), [1e-9 / Math.sqrt(ms + eps64), -2e-9 / Math.sqrt(ms + eps64)], { rtol: 1e-5, atol: 0 });
});

test('scaledDotProductAttention: causal attention of the first query sees only the first key', () => {
  const q = randn([1, 3, 4]), k = randn([1, 3, 4]), v = randn([1, 3, 2]);
  const out = F.scaledDotProductAttention(q, k, v, { isCausal: true });
  assertClose(out.select(1, 0), v.select(1, 0), { rtol: 1e-6 });
});

test('scaledDotProductAttention: dropout is off in eval and reproducible with a generator', () => {
  const q = randn([2, 3, 4]), k = randn([2, 3, 4]), v = randn([2, 3, 4]);
  const plain = F.scaledDotProductAttention(q, k, v);
  assertClose(F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5, training: false }), plain);
  const a = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(1) });
  const b = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(1) });
  assert.deepEqual(a.dataSync(), b.dataSync());
  assert.notDeepEqual(a.dataSync(), plain.dataSync());
});

// ---- errors -------------------------------------------------------------------------------------

test('errors: normalizedShape that does not match the input', () => {
  const x = randn([2, 3, 4]);
  assert.throws(() => F.layerNorm(x, [3]), /layerNorm: normalizedShape \[3\] does not match the trailing dims of the input \[2, 3, 4\]/);
  assert.throws(() => F.layerNorm(x, [1, 2, 3, 4]), /layerNorm: normalizedShape \[1, 2, 3, 4\] does not match/);
  assert.throws(() => F.rmsNorm(x, [4, 4]), /rmsNorm: normalizedShape \[4, 4\] does not match the trailing dims of the input \[2, 3, 4\]/);
});

test('errors: linear, embedding and attention shapes and dtypes', () => {
  assert.throws(() => F.linear(randn([2, 3]), randn([4, 5])), /linear: input \[2, 3\] has 3 features, weight \[4, 5\] expects 5/);
  assert.throws(() => F.embedding(tensor([0, 1]), randn([3, 2])), /embedding: indices must be int32, got float32/);
  assert.throws(() => F.embedding(tensor([0, 3], { dtype: 'int32' }), randn([3, 2])), /embedding: index 3 is out of range for 3 embeddings/);
  assert.throws(() => F.embedding(tensor([[0], [-1]], { dtype: 'int32' }), randn([3, 2])), /embedding: index -1 is out of range for 3 embeddings/);
  assert.throws(
    () => F.scaledDotProductAttention(randn([2, 3, 4]), randn([2, 5, 3]), randn([2, 5, 4])),
    /scaledDotProductAttention: q \[2, 3, 4\], k \[2, 5, 3\] and v \[2, 5, 4\] do not fit/,
  );
});
