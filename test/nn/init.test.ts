/** nn.init: bounds and empirical moments of each initialiser on a large tensor, calculateGain, fans, errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, Generator, zeros } from '../../src/index.js';
import { Linear, Parameter, init } from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';

// 100 000 samples: a sample mean is within ~0.003 std of the truth (1σ), a sample std within ~0.2%.
const big = (shape: number[] = [250, 400]): Tensor => zeros(shape, { dtype: 'float64' });
const g = () => ({ generator: new Generator(123) });

function stats(t: Tensor): { min: number; max: number; mean: number; std: number } {
  const v = t.dataSync();
  let min = Infinity, max = -Infinity, s = 0, s2 = 0;
  for (const x of v) { min = Math.min(min, x); max = Math.max(max, x); s += x; s2 += x * x; }
  const mean = s / v.length;
  return { min, max, mean, std: Math.sqrt(s2 / v.length - mean * mean) };
}

function uniformIn(t: Tensor, lo: number, hi: number, what: string): void {
  const s = stats(t);
  assert.ok(s.min >= lo && s.max <= hi, `${what}: [${s.min}, ${s.max}] not within [${lo}, ${hi}]`);
  assert.ok(s.min < lo + 0.01 * (hi - lo) && s.max > hi - 0.01 * (hi - lo), `${what}: does not fill [${lo}, ${hi}]`);
  assertClose(s.mean, (lo + hi) / 2, { atol: 0.01 * (hi - lo) }, `${what} mean`);
  assertClose(s.std, (hi - lo) / Math.sqrt(12), { rtol: 0.01 }, `${what} std`);
}

function normalWith(t: Tensor, mean: number, std: number, what: string): void {
  const s = stats(t);
  assertClose(s.mean, mean, { atol: 0.02 * std }, `${what} mean`);
  assertClose(s.std, std, { rtol: 0.01 }, `${what} std`);
}

test('calculateGain matches PyTorch', () => {
  assert.equal(init.calculateGain('linear'), 1);
  assert.equal(init.calculateGain('sigmoid'), 1);
  assertClose(init.calculateGain('tanh'), 1.6666666666666667, { rtol: 1e-15 });
  assertClose(init.calculateGain('relu'), 1.4142135623730951, { rtol: 1e-15 });
  assertClose(init.calculateGain('leakyRelu'), 1.4141428569978354, { rtol: 1e-15 });
  assertClose(init.calculateGain('leakyRelu', 0.2), 1.3867504905630728, { rtol: 1e-15 });
  assertClose(init.calculateGain('leakyRelu', 0), Math.SQRT2, { rtol: 1e-15 });
  assert.equal(init.calculateGain('selu'), 0.75);
});

test('fans: [out, in, ...receptive field]', () => {
  assert.deepEqual(init.fans(zeros([3, 5])), { fanIn: 5, fanOut: 3 });
  assert.deepEqual(init.fans(zeros([8, 4, 3, 3])), { fanIn: 36, fanOut: 72 });
  assert.throws(() => init.fans(zeros([5])), /init: fan in and fan out need a tensor of at least 2 dims, got shape \[5\]/);
});

test('uniform_ and normal_', () => {
  uniformIn(init.uniform_(big(), -0.5, 1.5, g()), -0.5, 1.5, 'uniform_');
  uniformIn(init.uniform_(big()), 0, 1, 'uniform_ default');
  normalWith(init.normal_(big(), 2, 0.5, g()), 2, 0.5, 'normal_');
});

test('constant_, zeros_ and ones_', () => {
  const t = zeros([3, 4]);
  assert.ok(init.constant_(t, 0.25).dataSync().every((v) => v === 0.25));
  assert.ok(init.ones_(t).dataSync().every((v) => v === 1));
  assert.ok(init.zeros_(t).dataSync().every((v) => v === 0));
});

test('truncNormal_: within [a, b], with the truncated normal\'s moments', () => {
  const s = stats(init.truncNormal_(big(), 0, 1, -2, 2, g()));
  assert.ok(s.min >= -2 && s.max <= 2 && s.min < -1.99 && s.max > 1.99, `[${s.min}, ${s.max}]`);
  assertClose(s.mean, 0, { atol: 0.01 });
  assertClose(s.std, 0.8796256610342398, { rtol: 0.01 }, 'std of N(0, 1) truncated to [−2, 2]');
  // a and b are absolute bounds, as in PyTorch: N(1, 2²) on [0, 3].
  const t = stats(init.truncNormal_(big(), 1, 2, 0, 3, g()));
  assert.ok(t.min >= 0 && t.max <= 3);
  assertClose(t.mean, 1.4132624361230661, { atol: 0.01 });
  assertClose(t.std, 0.8313200565040956, { rtol: 0.01 });
  assert.throws(() => init.truncNormal_(big([2]), 0, 1, 1, -1), /truncNormal_: a \(1\) must be below b \(-1\)/);
});

test('xavierUniform_ and xavierNormal_', () => {
  const [fanOut, fanIn] = [250, 400];
  const bound = Math.sqrt(6 / (fanIn + fanOut));
  uniformIn(init.xavierUniform_(big(), 1, g()), -bound, bound, 'xavierUniform_');
  uniformIn(init.xavierUniform_(big(), 2, g()), -2 * bound, 2 * bound, 'xavierUniform_ gain 2');
  normalWith(init.xavierNormal_(big(), 1.5, g()), 0, 1.5 * Math.sqrt(2 / (fanIn + fanOut)), 'xavierNormal_');
});

test('kaimingUniform_ and kaimingNormal_: gain √2 over √fan by default, fanOut and leaky slopes', () => {
  const [fanOut, fanIn] = [250, 400];
  const b = Math.sqrt(3) * Math.SQRT2 / Math.sqrt(fanIn);
  uniformIn(init.kaimingUniform_(big(), g()), -b, b, 'kaimingUniform_');
  const bOut = Math.sqrt(3) * Math.SQRT2 / Math.sqrt(fanOut);
  uniformIn(init.kaimingUniform_(big(), { mode: 'fanOut', ...g() }), -bOut, bOut, 'kaimingUniform_ fanOut');
  normalWith(init.kaimingNormal_(big(), g()), 0, Math.SQRT2 / Math.sqrt(fanIn), 'kaimingNormal_');
  normalWith(init.kaimingNormal_(big(), { a: 0.2, mode: 'fanOut', ...g() }), 0, Math.sqrt(2 / 1.04) / Math.sqrt(fanOut), 'kaimingNormal_ a 0.2 fanOut');
  normalWith(init.kaimingNormal_(big(), { nonlinearity: 'tanh', ...g() }), 0, (5 / 3) / Math.sqrt(fanIn), 'kaimingNormal_ tanh');
  // With a = √5 it is Linear's default: uniform in ±1/√fanIn.
  uniformIn(init.kaimingUniform_(big(), { a: Math.sqrt(5), ...g() }), -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), 'kaimingUniform_ a √5');
});

test('Linear\'s default init is uniform in ±1/√fanIn, for the weight and the bias', () => {
  const lin = new Linear(400, 250, { dtype: 'float64', generator: new Generator(1) });
  uniformIn(lin.weight, -1 / 20, 1 / 20, 'Linear weight');
  const s = stats(lin.bias!);
  assert.ok(s.min >= -1 / 20 && s.max <= 1 / 20);
});

test('initialisers work in place on parameters, outside the graph, reproducibly', () => {
  const p = new Parameter(zeros([20, 30]));
  const out = init.kaimingUniform_(p, { generator: new Generator(7) });
  assert.equal(out, p);
  assert.ok(p.requiresGrad && p.isLeaf && p.grad === null);
  const q = init.kaimingUniform_(new Parameter(zeros([20, 30])), { generator: new Generator(7) });
  assert.deepEqual(p.dataSync(), q.dataSync());
  assert.equal(init.normal_(zeros([2], { dtype: 'float32' })).dtype, 'float32');
});
