/** The backward engine: accumulation, graph lifetime, leaves and non-leaves, shared inputs, deep graphs, errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, noGrad, ones, tensor, zeros } from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('backward() on a scalar fills .grad of every leaf that requires grad', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const w = tensor([0.5, -1, 2], { requiresGrad: true });
  const c = tensor([10, 10, 10]); // does not require grad
  const loss = x.mul(w).add(c).sum();
  loss.backward();
  assertClose(x.grad!, [0.5, -1, 2]);
  assertClose(w.grad!, [1, 2, 3]);
  assert.equal(c.grad, null);
  assert.deepEqual(x.grad!.shape, [3]);
  assert.equal(x.grad!.requiresGrad, false);
});

test('.grad accumulates across backward calls until it is reset', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  x.mul(3).sum().backward();
  assertClose(x.grad!, [3, 3]);
  x.mul(x).sum().backward();
  assertClose(x.grad!, [3 + 2, 3 + 4]);
  const gradBuffer = x.grad!;
  x.sum().backward();
  assertClose(x.grad!, [6, 8]);
  // Without a graph to record, accumulation happens in place: the parameter keeps one gradient buffer.
  assert.equal(x.grad, gradBuffer);
  x.grad = null;
  x.mul(-1).sum().backward();
  assertClose(x.grad!, [-1, -1]);
  noGrad(() => x.grad!.zero_());
  x.sum().backward();
  assertClose(x.grad!, [1, 1]);
});

test('backward(gradient) on a non-scalar computes the vector-Jacobian product', () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const y = x.mul(x); // dy/dx = 2x, elementwise
  y.backward(tensor([[1, 0.5], [-1, 2]]));
  assertClose(x.grad!, [[2, 2], [-6, 16]]);
});

test('backward on a leaf itself puts the gradient straight into .grad', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  x.backward(tensor([4, 5, 6]));
  assertClose(x.grad!, [4, 5, 6]);
  const s = tensor(2, { requiresGrad: true });
  s.backward();
  assertClose(s.grad!, 1);
});

test('backward on a scalar-sized but not 0-d tensor needs no gradient', () => {
  const x = tensor([[2]], { requiresGrad: true });
  x.mul(x).backward();
  assertClose(x.grad!, [[4]]);
});

test('the graph is freed after backward: a second backward throws and names retainGraph', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.exp().sum();
  y.backward();
  assert.throws(() => y.backward(), /second time[\s\S]*retainGraph/);
  // The gradient of the first pass is intact.
  assertClose(x.grad!, [Math.exp(1), Math.exp(2)], { rtol: 1e-6 });
});

test('a second backward through a shared, freed subgraph throws too', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const h = x.mul(x);
  h.sum().backward();
  // A new head on the old (freed) body.
  assert.throws(() => h.mul(2).sum().backward(), /retainGraph/);
});

test('{retainGraph: true} keeps the graph for another backward, and gradients add up', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(x).sum();
  y.backward(undefined, { retainGraph: true });
  assertClose(x.grad!, [2, 4]);
  y.backward(undefined, { retainGraph: true });
  assertClose(x.grad!, [4, 8]);
  y.backward(); // the last one may free it
  assertClose(x.grad!, [6, 12]);
  assert.throws(() => y.backward(), /retainGraph/);
});

test('leaves and non-leaves: isLeaf, gradFn, and .grad only on leaves unless retainGrad()', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const c = tensor([1, 1, 1]);
  assert.equal(x.isLeaf, true);
  assert.equal(x.gradFn, null);
  assert.equal(c.isLeaf, true);
  const y = x.mul(2);
  const z = y.mul(y).sum();
  assert.equal(y.isLeaf, false);
  assert.equal(y.requiresGrad, true);
  assert.equal(y.gradFn!.name, 'mul');
  assert.equal(z.gradFn!.name, 'sum');
  // An op on tensors that don't require grad makes another leaf.
  const d = c.mul(2);
  assert.equal(d.isLeaf, true);
  assert.equal(d.requiresGrad, false);
  z.backward();
  assert.equal(y.grad, null, 'a non-leaf keeps no .grad by default');
  assert.equal(z.grad, null);
  assertClose(x.grad!, [8, 16, 24]); // z = Σ 4x², dz/dx = 8x

  const x2 = tensor([1, 2, 3], { requiresGrad: true });
  const y2 = x2.mul(2).retainGrad();
  const z2 = y2.mul(y2).sum().retainGrad();
  z2.backward();
  assertClose(y2.grad!, [4, 8, 12]); // dz/dy = 2y
  assertClose(z2.grad!, 1);
  assertClose(x2.grad!, [8, 16, 24]);
});

test('retainGrad on a tensor that does not require grad throws', () => {
  assert.throws(() => tensor([1]).retainGrad(), /doesn't require grad/);
});

test('a tensor used twice (x * x) gets the sum of both gradients', () => {
  const x = tensor([-1.5, 0.5, 3], { requiresGrad: true });
  x.mul(x).sum().backward();
  assertClose(x.grad!, [-3, 1, 6]);

  // Used three times, through different ops.
  const a = tensor(2, { requiresGrad: true });
  a.mul(a).add(a.exp()).add(a).backward();
  assertClose(a.grad!, 2 * 2 + Math.exp(2) + 1, { rtol: 1e-6 });
});

test('a diamond-shaped graph sums the gradients of both branches once', () => {
  // x → a = 2x, b = x², both → c = a·b = 2x³, loss = Σ c: d/dx = 6x².
  const x = tensor([1, 2, -3], { requiresGrad: true });
  const a = x.mul(2);
  const b = x.pow(2);
  const c = a.mul(b);
  c.sum().backward();
  assertClose(x.grad!, [6, 24, 54], { rtol: 1e-6 });

  // A double diamond on one intermediate: h = x + 1, out = (h·h)·(h+h): d/dx = 6h².
  const x2 = tensor([0.5, 1], { requiresGrad: true });
  const h = x2.add(1);
  h.mul(h).mul(h.add(h)).sum().backward();
  assertClose(x2.grad!, [6 * 1.5 ** 2, 6 * 4], { rtol: 1e-6 });
});

test('a node that does not influence the loss through every branch still gets the right gradient', () => {
  // Only one branch depends on w; the other output is unused.
  const x = tensor([1, 2], { requiresGrad: true });
  const w = tensor([3, 4], { requiresGrad: true });
  const used = x.mul(w);
  x.exp(); // a dangling branch
  used.sum().backward();
  assertClose(x.grad!, [3, 4]);
  assertClose(w.grad!, [1, 2]);
});

test('broadcasting: the gradient is summed back to each input shape', () => {
  const m = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  const row = tensor([10, 20, 30], { requiresGrad: true });
  const s = tensor(2, { requiresGrad: true });
  m.add(row).mul(s).sum().backward();
  assertClose(m.grad!, [[2, 2, 2], [2, 2, 2]]);
  assertClose(row.grad!, [4, 4, 4]);
  assertClose(s.grad!, 21 + 2 * 60);
  assert.deepEqual(row.grad!.shape, [3]);
  assert.deepEqual(s.grad!.shape, []);
});

test('a float64 leaf gets a float64 gradient', () => {
  const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  x.mul(x).sum().backward();
  assert.equal(x.grad!.dtype, 'float64');
  assertClose(x.grad!, [2, 4], { rtol: 0, atol: 0 });
});

test('a chain of 100,000 ops backpropagates without overflowing the stack', () => {
  const x = tensor(1, { dtype: 'float64', requiresGrad: true });
  let y = x;
  const n = 100_000;
  for (let i = 0; i < n; i++) y = y.add(1);
  // d/dx (x + n) = 1
  y.backward();
  assertClose(y, 1 + n);
  assertClose(x.grad!, 1);

  // A multiplicative chain, shorter: y = x · 1.0001ᵐ, so dy/dx = 1.0001ᵐ.
  const m = 10_000;
  const x2 = tensor(1, { dtype: 'float64', requiresGrad: true });
  let y2 = x2;
  for (let i = 0; i < m; i++) y2 = y2.mul(1.0001);
  y2.backward();
  assertClose(x2.grad!, 1.0001 ** m, { rtol: 1e-9 });
});

test('backward inside noGrad still computes gradients (the graph was already recorded)', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(x).sum();
  noGrad(() => y.backward());
  assertClose(x.grad!, [2, 4]);
});

// ---- errors ----------------------------------------------------------------------------------------

test('backward on a non-scalar without a gradient names the shape', () => {
  const x = ones([2, 3], { requiresGrad: true });
  const y = x.mul(2);
  assert.throws(() => y.backward(), (e: Error) => /scalar/.test(e.message) && /\[2, 3\]|\(2, 3\)|2×3|2x3/.test(e.message));
});

test('backward with a gradient of the wrong shape names both shapes', () => {
  const x = ones([2, 3], { requiresGrad: true });
  const y = x.mul(2);
  assert.throws(() => y.backward(ones([3, 2])), (e: Error) => /gradient/.test(e.message) && /3, 2/.test(e.message) && /2, 3/.test(e.message));
});

test('backward on a tensor that does not require grad throws a clear error', () => {
  const x = tensor([1, 2]);
  assert.throws(() => x.sum().backward(), /does not require grad/);
  const p = tensor([1, 2], { requiresGrad: true });
  const q = noGrad(() => p.mul(2).sum());
  assert.throws(() => q.backward(), /does not require grad[\s\S]*noGrad/);
});

test('requiresGrad on an integer or bool tensor throws', () => {
  assert.throws(() => arange(3).requiresGrad_(), /floating-point[\s\S]*int32/);
  assert.throws(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), /floating-point[\s\S]*int32/);
  assert.throws(() => { tensor([true, false]).requiresGrad = true; }, /floating-point[\s\S]*bool/);
  // Turning it off on an int tensor is fine.
  const i = arange(3);
  i.requiresGrad = false;
  assert.equal(i.requiresGrad, false);
});

test('requiresGrad cannot be turned off on a non-leaf', () => {
  const y = tensor([1], { requiresGrad: true }).mul(2);
  assert.throws(() => { y.requiresGrad = false; }, /non-leaf[\s\S]*detach/);
  const d = y.detach();
  d.requiresGrad = false;
  assert.equal(d.requiresGrad, false);
});

test('an input that does not require grad gets no edge in the graph and no gradient', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const z = zeros([2]);
  const y = x.mul(z).add(x).sum();
  const mulNode = y.gradFn!.next[0]!.next[0]!;
  assert.equal(mulNode.name, 'mul');
  assert.equal(mulNode.next[0], x.accumulator(), 'x is reached through its accumulator');
  assert.equal(mulNode.next[1], null, 'z has no edge');
  y.backward();
  assertClose(x.grad!, [1, 1]);
  assert.equal(z.grad, null);
});
