/** noGrad / enableGrad / isGradEnabled, detach() and requiresGrad_(). */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enableGrad, isGradEnabled, noGrad, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('noGrad(fn) returns fn\'s result, and tensors made inside do not require grad', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = noGrad(() => x.mul(2).add(1).exp());
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.equal(y.isLeaf, true);
  assertClose(y, [Math.exp(3), Math.exp(5)], { rtol: 1e-6 });
  // The input is unchanged.
  assert.equal(x.requiresGrad, true);
  assert.equal(noGrad(() => 42), 42);
});

test('isGradEnabled reflects the mode and is restored, even when fn throws', () => {
  assert.equal(isGradEnabled(), true);
  noGrad(() => {
    assert.equal(isGradEnabled(), false);
    enableGrad(() => assert.equal(isGradEnabled(), true));
    assert.equal(isGradEnabled(), false);
  });
  assert.equal(isGradEnabled(), true);
  assert.throws(() => noGrad(() => { throw new Error('boom'); }), /boom/);
  assert.equal(isGradEnabled(), true);
});

test('enableGrad inside noGrad records the graph again', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = noGrad(() => enableGrad(() => x.mul(x)));
  assert.equal(y.requiresGrad, true);
  y.sum().backward();
  assertClose(x.grad!, [2, 4]);
});

test('a tensor made with noGrad acts as a constant in a later graph', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const c = noGrad(() => x.mul(x)); // [1, 4], no history
  x.mul(c).sum().backward();
  assertClose(x.grad!, [1, 4]);
});

test('detach() shares data with the original and cuts the graph', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(2);
  const d = y.detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.gradFn, null);
  assert.equal(d.isLeaf, true);
  assertClose(d, [2, 4, 6]);
  // Same memory: an in-place write through the detached tensor shows in the original.
  d.mul_(10);
  assertClose(y, [20, 40, 60]);
  assert.equal(d.storage, y.storage);
  // The detached branch contributes nothing to x's gradient.
  const x2 = tensor([1, 2, 3], { requiresGrad: true });
  const h = x2.mul(x2);
  h.add(h.detach()).sum().backward();
  assertClose(x2.grad!, [2, 4, 6]);
});

test('detach() of a leaf that requires grad is a leaf that does not', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  const d = w.detach();
  assert.equal(d.requiresGrad, false);
  // In-place on the detached copy is allowed and reaches w's data (this is how optimizers could also write).
  d.sub_(1);
  assertClose(w, [0, 1]);
  assert.equal(w.requiresGrad, true);
});

test('requiresGrad_() turns a plain tensor into a leaf that collects gradients, and returns it', () => {
  const x = tensor([3, 4]);
  assert.equal(x.requiresGrad, false);
  const r = x.requiresGrad_();
  assert.equal(r, x);
  assert.equal(x.requiresGrad, true);
  x.mul(x).sum().backward();
  assertClose(x.grad!, [6, 8]);
  x.requiresGrad_(false);
  assert.equal(x.requiresGrad, false);
  assert.equal(x.mul(2).requiresGrad, false);
});

test('a detached tensor turned back on with requiresGrad_ starts a fresh graph', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const h = x.mul(3).detach().requiresGrad_();
  h.mul(h).sum().backward();
  assertClose(h.grad!, [6, 12]);
  assert.equal(x.grad, null);
});
