/** In-place ops: values, version counters, and how they meet autograd. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, ones, tensor, zeros } from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('each in-place op writes into the tensor itself and returns it', () => {
  const t = tensor([1, 2, 3, 4]);
  assert.equal(t.add_(1), t);
  assertClose(t, [2, 3, 4, 5]);
  t.sub_(tensor([1, 1, 1, 1]));
  assertClose(t, [1, 2, 3, 4]);
  t.mul_(2);
  assertClose(t, [2, 4, 6, 8]);
  t.div_(4);
  assertClose(t, [0.5, 1, 1.5, 2]);
  t.add_(tensor([1, 1, 1, 1]), { alpha: -2 });
  assertClose(t, [-1.5, -1, -0.5, 0]);
  t.clamp_(-1, null);
  assertClose(t, [-1, -1, -0.5, 0]);
  t.maskedFill_(tensor([true, false, false, true]), 9);
  assertClose(t, [9, -1, -0.5, 9]);
  t.copy_(tensor([5, 6, 7, 8]));
  assertClose(t, [5, 6, 7, 8]);
  t.fill_(3);
  assertClose(t, [3, 3, 3, 3]);
  t.zero_();
  assertClose(t, [0, 0, 0, 0]);
});

test('in-place ops broadcast the other operand, and keep the tensor\'s dtype', () => {
  const m = zeros([2, 3]);
  m.add_(tensor([1, 2, 3]));
  assertClose(m, [[1, 2, 3], [1, 2, 3]]);
  const i = tensor([1, 2, 3], { dtype: 'int32' });
  i.mul_(2);
  assert.equal(i.dtype, 'int32');
  assertClose(i, [2, 4, 6]);
  assert.throws(() => i.mul_(1.5), /float32[\s\S]*int32/);
  assert.throws(() => tensor([1, 2]).add_(ones([2, 2])), /\[2, 2\][\s\S]*\[2\]/);
});

test('in-place ops on a view write through to the base', () => {
  const base = zeros([2, 3]);
  base.select(0, 1).fill_(7);
  base.slice(1, 0, 1).add_(1);
  assertClose(base, [[1, 0, 0], [8, 7, 7]]);
});

test('each in-place op bumps the version counter, shared by views', () => {
  const t = zeros([4]);
  const v = t.slice(0, 1, 3);
  const v0 = t.version;
  t.add_(1);
  assert.equal(t.version, v0 + 1);
  v.mul_(2);
  assert.equal(t.version, v0 + 2);
  assert.equal(v.version, t.version);
  t.add(1); // out of place: no bump
  assert.equal(t.version, v0 + 2);
});

test('in-place on a leaf that requires grad throws outside noGrad', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  assert.throws(() => w.add_(1), /add_: a leaf tensor that requires grad[\s\S]*noGrad/);
  assert.throws(() => w.zero_(), /fill_: a leaf tensor that requires grad/);
  assertClose(w, [1, 2], {}, 'unchanged after the refused op');
});

test('in-place under noGrad on parameters works: a plain SGD step', () => {
  const w = tensor([1, -1], { requiresGrad: true });
  const x = tensor([2, 3]);
  for (let step = 0; step < 3; step++) {
    const loss = w.mul(x).sum().pow(2); // (2w0 − 3w1)²… with w = [1, −1]: (2 − 3)² = 1
    loss.backward();
    noGrad(() => {
      w.sub_(w.grad!.mul(0.01));
      w.grad!.zero_();
    });
    assert.equal(w.requiresGrad, true);
    assert.equal(w.isLeaf, true);
  }
  // Check the first step by hand: grad = 2(w·x)·x = 2·(−1)·[2, 3] = [−4, −6].
  const w1 = tensor([1, -1], { requiresGrad: true });
  w1.mul(x).sum().pow(2).backward();
  assertClose(w1.grad!, [-4, -6]);
  noGrad(() => w1.sub_(w1.grad!.mul(0.1)));
  assertClose(w1, [1.4, -0.4], { rtol: 1e-6 });
  // And the 3-step loop reduced the loss.
  const final = noGrad(() => w.mul(x).sum().pow(2)).item();
  assert.ok(final < 1, `loss after 3 steps ${final} should be below 1`);
});

test('an in-place op on a non-leaf that nothing saved gives correct gradients', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(2);
  y.add_(1);
  assert.equal(y.requiresGrad, true);
  assert.equal(y.isLeaf, false);
  assertClose(y, [3, 5, 7]);
  y.sum().backward();
  assertClose(x.grad!, [2, 2, 2]);
});

test('a chain of in-place ops on a non-leaf carries the gradient through each', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.add(0); // add saves nothing
  y.mul_(3).sub_(1).div_(2); // y = (3x − 1) / 2
  assertClose(y, [1, 2.5]);
  y.sum().backward();
  assertClose(x.grad!, [1.5, 1.5]);
});

test('in-place mul_ on a non-leaf whose value nothing else saved is differentiable', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(2);
  y.mul_(3);
  y.sum().backward();
  assertClose(x.grad!, [6, 6]);
});

test('in-place with a tensor that requires grad makes the target part of the graph', () => {
  const a = tensor([1, 2]);
  const w = tensor([3, 4], { requiresGrad: true });
  a.add_(w); // a = [4, 6], now a function of w
  assert.equal(a.requiresGrad, true);
  assert.equal(a.isLeaf, false);
  a.mul(a).sum().backward(); // d/dw (a + w)² = 2(a + w)
  assertClose(w.grad!, [8, 12]);
});

test('overwriting a non-leaf with a constant (copy_, fill_) cuts its history', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(2);
  y.fill_(5);
  assert.equal(y.requiresGrad, false);
  const z = x.mul(2);
  z.copy_(tensor([7, 8]));
  assert.equal(z.requiresGrad, false);
  assertClose(z, [7, 8]);
});

test('mutating a tensor the graph saved raises an error naming the op (non-leaf output of exp)', () => {
  const x = tensor([0, 1], { requiresGrad: true });
  const y = x.exp(); // exp saves its output
  y.add_(1);
  assert.throws(() => y.sum().backward(), /'exp' saved[\s\S]*modified in place[\s\S]*version 0 when saved, 1 now/);
});

test('mutating a plain input the graph saved raises an error naming the op (w * a)', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  const a = tensor([3, 4]);
  const loss = w.mul(a).sum();
  a.mul_(2);
  assert.throws(() => loss.backward(), /'mul' saved[\s\S]*modified in place/);
});

test('mutating a saved tensor through a view is caught too', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  const a = tensor([[3, 4], [5, 6]]);
  const loss = w.mul(a.select(0, 0)).sum();
  a.select(0, 1).fill_(0); // another view of the same storage
  assert.throws(() => loss.backward(), /modified in place/);
});

test('mutating a saved parameter under noGrad before backward is caught', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  const x = tensor([3, 4], { requiresGrad: true });
  const loss = w.mul(x).sum(); // saves w and x
  noGrad(() => w.add_(1));
  assert.throws(() => loss.backward(), /'mul' saved/);
});

test('mutating a tensor the graph did not save is fine', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  const b = tensor([3, 4]);
  const loss = w.add(b).sum(); // add saves nothing
  b.mul_(10);
  loss.backward();
  assertClose(w.grad!, [1, 1]);
});

test('in-place on a view of a tensor in the graph is refused with a clear message', () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const y = x.mul(1);
  assert.throws(() => y.select(0, 0).mul_(2), /view[\s\S]*out-of-place form \(mul\)/);
});
