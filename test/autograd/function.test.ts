/** customOp: user-defined differentiable ops, as torch.autograd.Function. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, customOp, grad, gradcheck, noGrad, randn, tensor, Generator } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const f64 = { dtype: 'float64' as const, requiresGrad: true };

/** x², with its own backward reading the saved input. */
const square = customOp({
  name: 'square',
  forward(ctx, x: Tensor) {
    ctx.saveForBackward(x);
    return x.mul(x);
  },
  backward(ctx, g) {
    const [x] = ctx.saved;
    return [g.mul(x!).mul(2)];
  },
});

/** Clamps in the forward pass but lets the gradient straight through (the straight-through estimator). */
const straightThroughClamp = customOp({
  name: 'straightThroughClamp',
  forward(_ctx, x: Tensor, lo: number, hi: number) {
    return x.clamp(lo, hi);
  },
  backward(_ctx, g) {
    return [g];
  },
});

test('a custom square computes x² and its gradient 2x', () => {
  const x = tensor([1, -2, 3], { requiresGrad: true });
  const y = square(x);
  assertClose(y, [1, 4, 9]);
  assert.equal(y.requiresGrad, true);
  assert.equal(y.isLeaf, false);
  assert.equal(y.gradFn!.name, 'square');
  y.sum().backward();
  assertClose(x.grad!, [2, -4, 6]);
});

test('a custom op composes with built-in ops on both sides', () => {
  const x = tensor([0.5, 1.5], { requiresGrad: true });
  // d/dx (3x + 1)² · 2 = 12(3x + 1)
  square(x.mul(3).add(1)).mul(2).sum().backward();
  assertClose(x.grad!, [12 * 2.5, 12 * 5.5]);
});

test('a custom square passes gradcheck in float64', () => {
  const x = randn([3, 4], { ...f64, generator: new Generator(1) });
  assert.equal(gradcheck(square, [x]), true);
  assert.equal(gradcheck((t) => square(t.sin()).mul(t), [x]), true);
});

test('gradcheck catches a wrong custom backward', () => {
  const wrong = customOp({
    name: 'wrongSquare',
    forward(_ctx, x: Tensor) { return x.mul(x); },
    backward(_ctx, g) { return [g.mul(3)]; },
  });
  const x = tensor([0.5, 2], f64);
  assert.throws(() => gradcheck(wrong, [x]), /Jacobian mismatch[\s\S]*numerical[\s\S]*analytical/);
  assert.equal(gradcheck(wrong, [x], { raiseException: false }), false);
});

test('the straight-through clamp clamps values but passes the gradient unchanged', () => {
  const x = tensor([-5, 0.25, 7], { requiresGrad: true });
  const y = straightThroughClamp(x, -1, 1);
  assertClose(y, [-1, 0.25, 1]);
  y.mul(tensor([1, 2, 3])).sum().backward();
  assertClose(x.grad!, [1, 2, 3]);
  // The built-in clamp blocks the gradient outside the range.
  const x2 = tensor([-5, 0.25, 7], { requiresGrad: true });
  x2.clamp(-1, 1).mul(tensor([1, 2, 3])).sum().backward();
  assertClose(x2.grad!, [0, 2, 0]);
});

test('non-tensor arguments reach forward and backward through ctx', () => {
  const scaledPow = customOp({
    name: 'scaledPow',
    forward(ctx, scale: number, x: Tensor, opts: { power: number }) {
      ctx.saveForBackward(x);
      ctx.scale = scale;
      ctx.power = opts.power;
      return x.pow(opts.power).mul(scale);
    },
    backward(ctx, g) {
      const [x] = ctx.saved;
      const p = ctx.power as number;
      return [g.mul(x!.pow(p - 1)).mul((ctx.scale as number) * p)];
    },
  });
  const x = tensor([1, 2], f64);
  const y = scaledPow(3, x, { power: 3 });
  assertClose(y, [3, 24]);
  y.sum().backward();
  assertClose(x.grad!, [9, 36]); // 3·3x²
  assert.equal(gradcheck((t) => scaledPow(0.5, t, { power: 4 }), [tensor([0.3, -1.1, 2], f64)]), true);
});

test('a two-input custom op: gradients come back in argument order and needsInputGrad is respected', () => {
  const seen: boolean[][] = [];
  let computed: string[] = [];
  const mulOp = customOp({
    name: 'customMul',
    forward(ctx, a: Tensor, k: number, b: Tensor) {
      ctx.saveForBackward(a, b);
      seen.push([...ctx.needsInputGrad]);
      return a.mul(b).mul(k);
    },
    backward(ctx, g) {
      const [a, b] = ctx.saved;
      computed = [];
      const ga = ctx.needsInputGrad[0] ? (computed.push('a'), g.mul(b!).mul(2)) : null;
      const gb = ctx.needsInputGrad[1] ? (computed.push('b'), g.mul(a!).mul(2)) : null;
      return [ga, gb];
    },
  });
  const a = tensor([1, 2], f64), b = tensor([3, 4], f64);
  mulOp(a, 2, b).sum().backward();
  assert.deepEqual(seen.at(-1), [true, true]);
  assert.deepEqual(computed, ['a', 'b']);
  assertClose(a.grad!, [6, 8]);
  assertClose(b.grad!, [2, 4]);

  const c = tensor([3, 4], { dtype: 'float64' }); // no grad wanted
  const a2 = tensor([1, 2], f64);
  mulOp(a2, 2, c).sum().backward();
  assert.deepEqual(seen.at(-1), [true, false]);
  assert.deepEqual(computed, ['a']);
  assertClose(a2.grad!, [6, 8]);
  assert.equal(c.grad, null);

  assert.equal(gradcheck((p, q) => mulOp(p!, 2, q!), [tensor([0.5, -1], f64), tensor([2, 3], f64)]), true);
});

test('a custom op on inputs that need no gradient records no graph', () => {
  const x = tensor([1, 2]);
  const y = square(x);
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  const z = noGrad(() => square(tensor([1, 2], { requiresGrad: true })));
  assert.equal(z.requiresGrad, false);
  assertClose(z, [1, 4]);
});

test('forward runs outside the graph; returning an input still gives a fresh output node', () => {
  const identity = customOp({
    name: 'identity',
    forward(_ctx, x: Tensor) {
      return x;
    },
    backward(_ctx, g) {
      return [g.mul(5)];
    },
  });
  const x = tensor([1, 2], { requiresGrad: true });
  const y = identity(x);
  assert.notEqual(y, x);
  assert.equal(x.isLeaf, true, 'the input keeps its place in the graph');
  assert.equal(y.gradFn!.name, 'identity');
  y.sum().backward();
  assertClose(x.grad!, [5, 5]);
});

test('a backward that returns the wrong number of gradients throws, naming the op', () => {
  const bad = customOp({
    name: 'badOp',
    forward(_ctx, x: Tensor, _y: Tensor) {
      return x.mul(2);
    },
    backward(_ctx, g) {
      return [g.mul(2)];
    },
  });
  const x = tensor([1], { requiresGrad: true }), y = tensor([2], { requiresGrad: true });
  assert.throws(() => bad(x, y).sum().backward(), /badOp: backward returned 1 gradients for 2 tensor arguments/);
});

test('a forward that does not return a tensor throws', () => {
  const notTensor = customOp({
    name: 'notTensor',
    forward(_ctx, _x: Tensor) { return 3 as unknown as Tensor; },
    backward() { return []; },
  });
  assert.throws(() => notTensor(tensor([1], { requiresGrad: true })), /notTensor: forward must return a Tensor/);
});

test('tensors saved with saveForBackward are version-checked', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const h = x.mul(1);
  const y = square(h);
  h.add_(1);
  assert.throws(() => y.sum().backward(), /'square' saved[\s\S]*modified in place/);
});

test('a custom backward written with differentiable ops supports double backward', () => {
  const x = tensor([1, -2, 0.5], f64);
  const [d1] = grad(square(x).mul(x).sum(), x, { createGraph: true }); // d/dx x³ = 3x²
  assertClose(d1!, [3, 12, 0.75]);
  const [d2] = grad(d1!.sum(), x);
  assertClose(d2!, [6, -12, 3]);
});
