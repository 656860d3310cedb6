/** Linear: y = x·Wᵀ + b, PyTorch's default initialisation, options and errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, gradcheck, randn, tensor } from '../../src/index.js';
import { Linear, functional as F } from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';

test('Linear computes x·Wᵀ + b for any number of leading dims', () => {
  const lin = new Linear(3, 2);
  const x = randn([4, 5, 3]);
  const y = lin.forward(x);
  assert.deepEqual([...y.shape], [4, 5, 2]);
  assertClose(y, x.matmul(lin.weight.mT).add(lin.bias!), { rtol: 1e-6 });
  assert.deepEqual([...lin.forward(randn([3])).shape], [2]);
  assert.deepEqual(lin.namedParameters().map(([k, p]) => [k, [...p.shape]]), [['weight', [2, 3]], ['bias', [2]]]);
});

test('Linear by hand', () => {
  const lin = new Linear(2, 2, { dtype: 'float64' });
  lin.weight.detach().copy_(tensor([[1, 2], [3, 4]], { dtype: 'float64' }));
  lin.bias!.detach().copy_(tensor([0.5, -1], { dtype: 'float64' }));
  assertClose(lin.forward(tensor([[1, 1], [2, -1]], { dtype: 'float64' })), [[3.5, 6], [0.5, 1]]);
});

test('Linear: bias false, dtype and the gradient of its parameters', () => {
  const lin = new Linear(3, 4, { bias: false, dtype: 'float64' });
  assert.equal(lin.bias, null);
  assert.equal(lin.weight.dtype, 'float64');
  assert.deepEqual(lin.parameters().length, 1);
  const x = randn([2, 3], { dtype: 'float64' });
  gradcheck((w) => F.linear(x, w!), [lin.weight]);
  lin.forward(x).sum().backward();
  // d/dW of Σ x·Wᵀ is the column sums of x, in every row.
  const colSums = x.sum(0).dataSync();
  assertClose(lin.weight.grad!, [0, 1, 2, 3].flatMap(() => [...colSums]));
});

test('Linear default init: weight and bias uniform in ±1/√inFeatures (PyTorch\'s)', () => {
  const lin = new Linear(400, 300);
  const bound = 1 / Math.sqrt(400);
  for (const p of [lin.weight, lin.bias!]) {
    const v = p.dataSync();
    assert.ok(v.every((x) => Math.abs(x) <= bound), 'within the bound');
    assert.ok(Math.max(...v) > 0.9 * bound && Math.min(...v) < -0.9 * bound, 'fills the range');
  }
  // Uniform(−b, b) has std b/√3.
  assertClose(lin.weight.std(), bound / Math.sqrt(3), { rtol: 0.02 });
  assertClose(lin.weight.mean(), 0, { atol: 0.002 });
});

test('Linear: a generator makes the initialisation reproducible', () => {
  const a = new Linear(5, 3, { generator: new Generator(3) });
  const b = new Linear(5, 3, { generator: new Generator(3) });
  const c = new Linear(5, 3, { generator: new Generator(4) });
  assert.deepEqual(a.weight.dataSync(), b.weight.dataSync());
  assert.deepEqual(a.bias!.dataSync(), b.bias!.dataSync());
  assert.notDeepEqual(a.weight.dataSync(), c.weight.dataSync());
});

test('Linear: errors and repr', () => {
  const lin = new Linear(3, 2);
  assert.throws(() => lin.forward(randn([4, 2])), /linear: input \[4, 2\] has 2 features, weight \[2, 3\] expects 3/);
  assert.equal(lin.toString(), 'Linear(inFeatures=3, outFeatures=2, bias=true)');
});
