/** grad(): the functional form, several inputs and outputs, gradOutputs, allowUnused, and higher-order gradients. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grad, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const f64 = { dtype: 'float64' as const, requiresGrad: true };

test('grad returns the gradient and does not touch .grad of the leaves', () => {
  const x = tensor([1, 2, 3], f64);
  const w = tensor([4, 5, 6], f64);
  const [gx] = grad(x.mul(w).sum(), x);
  assertClose(gx!, [4, 5, 6]);
  assert.equal(x.grad, null);
  assert.equal(w.grad, null);
  assert.equal(gx!.requiresGrad, false, 'without createGraph the result is outside the graph');
});

test('grad with several inputs returns one gradient per input, in order', () => {
  const x = tensor(2, f64), y = tensor(3, f64), z = tensor(-1, f64);
  // f = x²y + yz
  const f = x.mul(x).mul(y).add(y.mul(z));
  const [gz, gx, gy] = grad(f, [z, x, y]);
  assertClose(gz!, 3);
  assertClose(gx!, 2 * 2 * 3);
  assertClose(gy!, 4 - 1);
  assert.equal(x.grad, null);
});

test('grad with a non-leaf input returns the gradient at that intermediate', () => {
  const x = tensor([1, 2], f64);
  const h = x.mul(3);
  const loss = h.mul(h).sum();
  const [gh] = grad(loss, h);
  assertClose(gh!, [6, 12]); // 2h
  assert.equal(x.grad, null);
  assert.equal(h.grad, null);
});

test('grad with several outputs sums their gradients', () => {
  const x = tensor([1, 2], f64);
  const a = x.mul(x).sum(); // 2x
  const b = x.mul(5).sum(); // 5
  const [gx] = grad([a, b], x);
  assertClose(gx!, [7, 9]);
});

test('grad with an output that depends on another output', () => {
  const x = tensor(2, f64);
  const a = x.mul(x); // 4, da/dx = 4
  const b = a.mul(3); // 12, db/dx = 12
  const [gx] = grad([b, a], [x]);
  assertClose(gx!, 16);
});

test('grad with gradOutputs weights each output (the vector-Jacobian product)', () => {
  const x = tensor([1, 2, 3], f64);
  const y = x.mul(x); // Jacobian diag(2x)
  const [gx] = grad(y, x, { gradOutputs: [tensor([1, 0, -2], { dtype: 'float64' })] });
  assertClose(gx!, [2, 0, -12]);

  const u = x.sum(), v = x.mul(2);
  const [g2] = grad([u, v], x, { gradOutputs: [tensor(10, { dtype: 'float64' }), tensor([1, 1, 1], { dtype: 'float64' })] });
  assertClose(g2!, [12, 12, 12]);
});

test('grad on a non-scalar output without gradOutputs throws and names the shape', () => {
  const x = tensor([1, 2, 3], f64);
  assert.throws(() => grad(x.mul(2), x), /\[3\][\s\S]*gradOutputs/);
  assert.throws(() => grad(x.mul(2), x, { gradOutputs: [tensor([1, 2], { dtype: 'float64' })] }), /\[2\][\s\S]*\[3\]/);
});

test('grad with an unused input throws unless allowUnused, which gives zeros', () => {
  const x = tensor([1, 2], f64), unused = tensor([[1, 2, 3]], f64);
  assert.throws(() => grad(x.mul(x).sum(), [x, unused], { retainGraph: true }), /input 1 is not used[\s\S]*allowUnused/);
  const [gx, gu] = grad(x.mul(x).sum(), [x, unused], { allowUnused: true });
  assertClose(gx!, [2, 4]);
  assertClose(gu!, [[0, 0, 0]]);
  assert.deepEqual(gu!.shape, [1, 3]);
  assert.equal(gu!.dtype, 'float64');
});

test('grad on an input or output that does not require grad throws', () => {
  const x = tensor([1, 2], f64), c = tensor([1, 2]);
  assert.throws(() => grad(x.sum(), c), /input 0 does not require grad/);
  assert.throws(() => grad(c.sum(), x), /output 0 does not require grad/);
});

test('grad frees the graph unless retainGraph', () => {
  const x = tensor([1, 2], f64);
  const y = x.exp().sum();
  grad(y, x, { retainGraph: true });
  const [g] = grad(y, x);
  assertClose(g!, [Math.exp(1), Math.exp(2)]);
  assert.throws(() => grad(y, x), /retainGraph/);
});

// ---- higher order ------------------------------------------------------------------------------

test('d²/dx² x³ = 6x, and d³/dx³ x³ = 6', () => {
  const x = tensor([-2, 0.5, 3], f64);
  const y = x.pow(3).sum();
  const [dy] = grad(y, x, { createGraph: true });
  assertClose(dy!, [12, 0.75, 27]); // 3x²
  assert.equal(dy!.requiresGrad, true);
  const [d2y] = grad(dy!.sum(), x, { createGraph: true });
  assertClose(d2y!, [-12, 3, 18]); // 6x
  const [d3y] = grad(d2y!.sum(), x);
  assertClose(d3y!, [6, 6, 6]);
  assert.equal(x.grad, null);
});

test('x³ written as x·x·x has the same second derivative', () => {
  const x = tensor([1.5, -1], f64);
  const [dy] = grad(x.mul(x).mul(x).sum(), x, { createGraph: true });
  dy!.sum().backward();
  assertClose(x.grad!, [9, -6]);
});

test('second derivative of tanh: d²/dx² tanh x = −2 tanh x (1 − tanh² x)', () => {
  const vals = [-1.2, 0, 0.3, 2];
  const x = tensor(vals, f64);
  const [d1] = grad(x.tanh().sum(), x, { createGraph: true });
  assertClose(d1!, vals.map((v) => 1 - Math.tanh(v) ** 2), { rtol: 1e-12, atol: 1e-14 });
  const [d2] = grad(d1!.sum(), x);
  assertClose(d2!, vals.map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)), { rtol: 1e-12, atol: 1e-14 });
});

test('second derivative of exp, sin and sigmoid through the same machinery', () => {
  const v = 0.7;
  const x = tensor(v, f64);
  const check = (f: (t: typeof x) => typeof x, want: number): void => {
    const [d1] = grad(f(x), x, { createGraph: true });
    const [d2] = grad(d1!, x);
    assertClose(d2!, want, { rtol: 1e-12 });
  };
  const s = 1 / (1 + Math.exp(-v));
  check((t) => t.exp(), Math.exp(v));
  check((t) => t.sin(), -Math.sin(v));
  check((t) => t.sigmoid(), s * (1 - s) * (1 - 2 * s));
  check((t) => t.log(), -1 / v ** 2);
});

test('mixed partials of f = x·y²: ∂²f/∂x∂y = ∂²f/∂y∂x = 2y, ∂²f/∂y² = 2x, ∂²f/∂x² = 0', () => {
  const x = tensor(3, f64), y = tensor(-2, f64);
  const f = x.mul(y).mul(y);
  const [fx, fy] = grad(f, [x, y], { createGraph: true });
  assertClose(fx!, 4); // y²
  assertClose(fy!, -12); // 2xy
  const [fxx, fxy] = grad(fx!, [x, y], { allowUnused: true, retainGraph: true });
  assertClose(fxx!, 0);
  assertClose(fxy!, -4);
  const [fyx, fyy] = grad(fy!, [x, y]);
  assertClose(fyx!, -4);
  assertClose(fyy!, 6);
});

test('a Hessian-vector product by double backward equals H·v', () => {
  // f(x) = Σᵢ xᵢ² x_{i+1} + Σ xᵢ³ / 3 over x ∈ R³.
  const xv = [0.5, -1, 2];
  const v = [1, 2, -1];
  const x = tensor(xv, f64);
  const f = x.slice(0, 0, 2).pow(2).mul(x.slice(0, 1, 3)).sum().add(x.pow(3).div(3).sum());
  const [g] = grad(f, x, { createGraph: true });
  // ∇f: ∂/∂x0 = 2x0x1 + x0², ∂/∂x1 = x0² + 2x1x2 + x1², ∂/∂x2 = x1² + x2²
  const [a, b, c] = xv as [number, number, number];
  assertClose(g!, [2 * a * b + a * a, a * a + 2 * b * c + b * b, b * b + c * c], { rtol: 1e-12 });
  const [hv] = grad(g!.mul(tensor(v, { dtype: 'float64' })).sum(), x);
  const H = [
    [2 * b + 2 * a, 2 * a, 0],
    [2 * a, 2 * c + 2 * b, 2 * b],
    [0, 2 * b, 2 * c],
  ];
  assertClose(hv!, H.map((row) => row.reduce((s, h, j) => s + h * v[j]!, 0)), { rtol: 1e-12 });
});

test('backward with createGraph builds .grad that can itself be differentiated', () => {
  const x = tensor([1, 2], f64);
  x.pow(3).sum().backward(undefined, { createGraph: true });
  const g = x.grad!;
  assert.equal(g.requiresGrad, true);
  assertClose(g, [3, 12]);
  const [d2] = grad(g.sum(), x);
  assertClose(d2!, [6, 12]);
});

test('higher-order gradients through broadcasting and reductions (softmax-free MSE)', () => {
  // L(w) = mean((Xw − y)²): Hessian = 2XᵀX / n, independent of w.
  const X = tensor([[1, 2], [3, 4], [5, 7]], { dtype: 'float64' });
  const y = tensor([1, 0, 2], { dtype: 'float64' });
  const w = tensor([[0.1], [-0.2]], f64);
  const loss = X.matmul(w).squeeze(1).sub(y).pow(2).mean();
  const [g] = grad(loss, w, { createGraph: true });
  const [h0] = grad(g!.select(0, 0).sum(), w, { retainGraph: true });
  const [h1] = grad(g!.select(0, 1).sum(), w);
  // XᵀX = [[35, 49], [49, 69]]
  assertClose(h0!, [[2 * 35 / 3], [2 * 49 / 3]], { rtol: 1e-12 });
  assertClose(h1!, [[2 * 49 / 3], [2 * 69 / 3]], { rtol: 1e-12 });
});

test('grad leaves an existing .grad exactly as it was', () => {
  const x = tensor([1, 2], f64);
  x.mul(x).sum().backward();
  const before = x.grad!;
  assertClose(before, [2, 4]);
  const [g] = grad(x.mul(10).sum(), x);
  assertClose(g!, [10, 10]);
  assert.equal(x.grad, before);
  assertClose(x.grad!, [2, 4]);
  const [g2] = grad(x.pow(3).sum(), x, { createGraph: true });
  assertClose(g2!, [3, 12]);
  assertClose(x.grad!, [2, 4]);
});

test('grad with respect to an intermediate and the leaf below it at once', () => {
  const x = tensor([1, -1], f64);
  const h = x.mul(x); // [1, 1]
  const loss = h.mul(tensor([2, 3], { dtype: 'float64' })).sum();
  const [gh, gx] = grad(loss, [h, x]);
  assertClose(gh!, [2, 3]);
  assertClose(gx!, [4, -6]); // 2·2x, 3·2x
});

test('grad of a tensor with respect to itself is the gradOutput', () => {
  const x = tensor([1, 2], f64);
  const [gx] = grad(x, x, { gradOutputs: [tensor([5, 6], { dtype: 'float64' })] });
  assertClose(gx!, [5, 6]);
  const y = x.mul(3).sum();
  const [gy] = grad(y, y);
  assertClose(gy!, 1);
});
