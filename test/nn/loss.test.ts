/**
 * Losses: every loss case of test/fixtures/nn.json (written by test/fixtures/generate_nn.py with
 * torch) replayed in float64, values and input gradients to 1e-10 relative; gradcheck on each loss;
 * and the errors for bad targets, shapes and reductions.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, gradcheck, grad, rand, randn, randint, tensor, Generator } from '../../src/index.js';
import {
  type Reduction, binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, l1Loss, mseLoss, nllLoss,
} from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';
import { type Case, type Inputs, assertReplays, loadCases } from './nn-fixtures.js';

const f64 = { dtype: 'float64' as const };

// ---- parity -------------------------------------------------------------------------------------

const LOSSES: Record<string, (i: Inputs, a: Case['args']) => Tensor> = {
  mseLoss: (i, a) => mseLoss(i.input!, i.target!, a),
  l1Loss: (i, a) => l1Loss(i.input!, i.target!, a),
  huberLoss: (i, a) => huberLoss(i.input!, i.target!, a),
  crossEntropy: (i, a) => crossEntropy(i.input!, i.target!, { ...a, weight: i.weight ?? null }),
  nllLoss: (i, a) => nllLoss(i.input!, i.target!, { ...a, weight: i.weight ?? null }),
  binaryCrossEntropy: (i, a) => binaryCrossEntropy(i.input!, i.target!, { ...a, weight: i.weight ?? null }),
  binaryCrossEntropyWithLogits: (i, a) =>
    binaryCrossEntropyWithLogits(i.input!, i.target!, { ...a, weight: i.weight ?? null, posWeight: i.posWeight ?? null }),
};

const cases = loadCases().filter((c) => c.fn in LOSSES);

test('loss fixtures cover every loss and reduction', () => {
  for (const fn of Object.keys(LOSSES)) {
    for (const r of ['mean', 'sum', 'none']) {
      assert.ok(cases.some((c) => c.fn === fn && c.args.reduction === r), `no fixture for ${fn} with reduction '${r}'`);
    }
  }
});

for (const c of cases) {
  test(`parity: ${c.name}`, () => assertReplays(c, LOSSES[c.fn]!));
}

// ---- gradcheck ----------------------------------------------------------------------------------

const g = new Generator(7);
const R = (...shape: number[]): Tensor => randn(shape, { ...f64, generator: g, requiresGrad: true });
const U = (lo: number, hi: number, ...shape: number[]): Tensor =>
  rand(shape, { ...f64, generator: g }).mul(hi - lo).add(lo).requiresGrad_();
const reductions: Reduction[] = ['mean', 'sum', 'none'];

test('gradcheck: mseLoss, l1Loss and huberLoss, input and target', () => {
  for (const reduction of reductions) {
    const x = R(3, 4), y = R(3, 4);
    gradcheck((a, b) => mseLoss(a!, b!, { reduction }), [x, y]);
    gradcheck((a, b) => l1Loss(a!, b!, { reduction }), [x, y]);
    gradcheck((a, b) => huberLoss(a!, b!, { reduction, delta: 0.5 }), [x, y]);
    gradcheck((a, b) => huberLoss(a!, b!, { reduction }), [x.mul(2).detach().requiresGrad_(), y]);
  }
});

test('gradcheck: crossEntropy with indices, weights, ignoreIndex, smoothing, K-dim and probabilities', () => {
  const target = tensor([1, -100, 3, 0], { dtype: 'int32' });
  const weight = tensor([0.5, 1.5, 1, 2], f64);
  for (const reduction of reductions) {
    const opts = { reduction, weight, labelSmoothing: 0.2 };
    gradcheck((x) => crossEntropy(x!, target, opts), [R(4, 4)]);
    const kdim = randint(0, 3, [2, 2], { generator: g });
    gradcheck((x) => crossEntropy(x!, kdim, { reduction }), [R(2, 3, 2)]);
    gradcheck((x) => crossEntropy(x!, tensor(2, { dtype: 'int32' }), { reduction, labelSmoothing: 0.1 }), [R(4)]);
    gradcheck((x, t) => crossEntropy(x!, t!, { reduction, weight, labelSmoothing: 0.1 }), [R(3, 4), U(0, 1, 3, 4)]);
  }
});

test('gradcheck: nllLoss', () => {
  const target = tensor([[2, 0], [-100, 1]], { dtype: 'int32' });
  for (const reduction of reductions) {
    gradcheck((x) => nllLoss(x!, target, { reduction, weight: tensor([1, 2, 0.5], f64) }), [R(2, 3, 2)]);
  }
});

test('gradcheck: binaryCrossEntropy and binaryCrossEntropyWithLogits', () => {
  for (const reduction of reductions) {
    gradcheck((p, t) => binaryCrossEntropy(p!, t!, { reduction, weight: tensor([1, 2, 0.5], f64) }), [U(0.1, 0.9, 2, 3), U(0, 1, 2, 3)]);
    gradcheck(
      (x, t) => binaryCrossEntropyWithLogits(x!, t!, { reduction, weight: tensor([[2], [0.5]], f64), posWeight: tensor([3, 1, 0.5], f64) }),
      [R(2, 3), U(0, 1, 2, 3)],
    );
  }
});

// ---- edge rules ---------------------------------------------------------------------------------

test('binaryCrossEntropy: probabilities of exactly 0 and 1 give finite gradients, as in PyTorch', () => {
  // torch: dL/dp = (p − t) / max(p(1 − p), 1e-12).
  const p = tensor([0, 1, 0, 1, 0.25], { dtype: 'float32', requiresGrad: true });
  const t = tensor([0, 1, 1, 0, 1], { dtype: 'float32' });
  const loss = binaryCrossEntropy(p, t, { reduction: 'sum' });
  assertClose(loss, 100 + 100 + Math.log(4), { rtol: 1e-6 });
  loss.backward();
  for (const v of p.grad!.dataSync()) assert.ok(Number.isFinite(v), `gradient ${[...p.grad!.dataSync()]} is not finite`);
  assertClose(p.grad!.dataSync()[4]!, -1 / 0.25, { rtol: 1e-6 });
});

test('nllLoss and crossEntropy: a batch whose targets are all ignored gives NaN but zero gradients', () => {
  const x = randn([3, 4], { ...f64, requiresGrad: true });
  const t = tensor([-100, -100, -100], { dtype: 'int32' });
  for (const fn of [nllLoss, crossEntropy]) {
    const loss = fn(x, t);
    assert.ok(Number.isNaN(loss.item()));
    assertClose(grad(loss, x)[0]!, new Array(12).fill(0), {}, fn.name);
  }
});

test('crossEntropy of float32 logits stays float32; probabilities may be given as float targets', () => {
  const x = randn([2, 3]);
  assert.equal(crossEntropy(x, tensor([0, 2], { dtype: 'int32' })).dtype, 'float32');
  const p = x.softmax(1);
  // H(p, p) is the entropy of p.
  const entropy = p.mul(p.log()).sum(1).neg().mean();
  assertClose(crossEntropy(x, p), entropy.item(), { rtol: 1e-5 });
});

// ---- errors -------------------------------------------------------------------------------------

test('errors: wrong target dtype and shape', () => {
  const x = randn([3, 4]);
  assert.throws(() => nllLoss(x, tensor([0, 1, 2])), /nllLoss: class-index targets must be int32, got float32/);
  assert.throws(() => crossEntropy(x, tensor([0, 1], { dtype: 'int32' })), /crossEntropy: input \[3, 4\] expects a target of shape \[3\], got \[2\]/);
  assert.throws(() => crossEntropy(x, tensor([0, 1, 2])), /crossEntropy: input \[3, 4\] and target \[3\] must have the same shape/);
  assert.throws(() => crossEntropy(tensor([[1, 2]], { dtype: 'int32' }), tensor([0], { dtype: 'int32' })), /crossEntropy: input must be floating-point/);
  assert.throws(() => nllLoss(randn([2, 3, 4]), tensor([[0, 1, 2], [0, 1, 2]], { dtype: 'int32' })), /expects a target of shape \[2, 4\], got \[2, 3\]/);
  assert.throws(() => mseLoss(x, randn([4, 3])), /mseLoss: input \[3, 4\] and target \[4, 3\] must have the same shape/);
  assert.throws(() => binaryCrossEntropy(x.sigmoid(), randn([3])), /binaryCrossEntropy: input \[3, 4\] and target \[3\]/);
});

test('errors: out-of-range class targets', () => {
  const x = randn([3, 4]);
  assert.throws(() => crossEntropy(x, tensor([0, 4, 1], { dtype: 'int32' })), /crossEntropy: target 4 is out of range for 4 classes/);
  assert.throws(() => nllLoss(x, tensor([0, -1, 1], { dtype: 'int32' })), /nllLoss: target -1 is out of range for 4 classes/);
  assert.throws(() => nllLoss(x, tensor([0, -100, 1], { dtype: 'int32' }), { ignoreIndex: -1 }), /target -100 is out of range/);
});

test('errors: bad reduction, labelSmoothing and delta', () => {
  const x = randn([3, 4]), y = randn([3, 4]), t = tensor([0, 1, 2], { dtype: 'int32' });
  const bad = { reduction: 'avg' as Reduction };
  const msg = (op: string) => new RegExp(`${op}: reduction must be 'mean', 'sum' or 'none', got 'avg'`);
  assert.throws(() => mseLoss(x, y, bad), msg('mseLoss'));
  assert.throws(() => l1Loss(x, y, bad), msg('l1Loss'));
  assert.throws(() => huberLoss(x, y, bad), msg('huberLoss'));
  assert.throws(() => nllLoss(x, t, bad), msg('nllLoss'));
  assert.throws(() => crossEntropy(x, t, bad), /reduction must be 'mean', 'sum' or 'none', got 'avg'/);
  assert.throws(() => crossEntropy(x, t, { ...bad, labelSmoothing: 0.1 }), /reduction must be 'mean', 'sum' or 'none', got 'avg'/);
  assert.throws(() => crossEntropy(x, x.softmax(1), bad), msg('crossEntropy'));
  assert.throws(() => binaryCrossEntropy(x.sigmoid(), y.sigmoid(), bad), msg('binaryCrossEntropy'));
  assert.throws(() => binaryCrossEntropyWithLogits(x, y.sigmoid(), bad), msg('binaryCrossEntropyWithLogits'));
  assert.throws(() => crossEntropy(x, t, { labelSmoothing: 1.5 }), /labelSmoothing must be in \[0, 1\], got 1.5/);
  assert.throws(() => huberLoss(x, y, { delta: 0 }), /huberLoss: delta must be positive, got 0/);
});
