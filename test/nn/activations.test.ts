/** Activation modules: values against PyTorch's nn modules (float64), and their reprs. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, tensor } from '../../src/index.js';
import { GELU, type Module, ReLU, SiLU, Sequential, Sigmoid, Softmax, Tanh } from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';

const x = tensor([-3, -1, -0.5, 0, 0.5, 1, 3], { dtype: 'float64' });

// torch 1.13, float64: [float(v) for v in module(x)].
const expected: [string, Module & { forward(x: Tensor): Tensor }, number[]][] = [
  ['ReLU', new ReLU(), [0, 0, 0, 0, 0.5, 1, 3]],
  ['GELU', new GELU(), [-0.00404969409489031, -0.15865525393145702, -0.15426876936299344, 0, 0.34573123063700656, 0.841344746068543, 2.99595030590511]],
  ['GELU tanh', new GELU('tanh'), [-0.0036373920817729943, -0.15880800939172324, -0.15428599017485606, 0, 0.34571400982514394, 0.8411919906082768, 2.996362607918227]],
  ['Sigmoid', new Sigmoid(), [0.04742587317756678, 0.2689414213699951, 0.3775406687981454, 0.5, 0.6224593312018546, 0.7310585786300049, 0.9525741268224334]],
  ['Tanh', new Tanh(), [-0.9950547536867305, -0.7615941559557649, -0.46211715726000974, 0, 0.46211715726000974, 0.7615941559557649, 0.9950547536867305]],
  ['SiLU', new SiLU(), [-0.14227761953270035, -0.2689414213699951, -0.1887703343990727, 0, 0.3112296656009273, 0.7310585786300049, 2.8577223804672998]],
];

for (const [name, m, want] of expected) {
  test(`${name} matches PyTorch`, () => {
    assertClose(m.forward(x), want, { rtol: 1e-10, atol: 1e-15 });
    assert.equal(m.parameters().length, 0);
  });
}

test('Softmax normalises along its dim', () => {
  const s = tensor([[1, 2], [3, 5]], { dtype: 'float64' });
  assertClose(new Softmax(0).forward(s), [[0.11920292202211755, 0.04742587317756679], [0.8807970779778823, 0.9525741268224334]], { rtol: 1e-10 });
  assertClose(new Softmax(-1).forward(s), [[0.26894142136999516, 0.7310585786300049], [0.11920292202211755, 0.8807970779778823]], { rtol: 1e-10 });
});

test('activations pass gradients and print their settings', () => {
  const y = tensor([0.5, -2], { dtype: 'float64', requiresGrad: true });
  new Sequential(new Tanh(), new ReLU()).forward(y).sum().backward();
  assertClose(y.grad!, [1 - Math.tanh(0.5) ** 2, 0], { rtol: 1e-12 });
  assert.equal(new GELU('tanh').toString(), "GELU(approximate='tanh')");
  assert.equal(new GELU().toString(), "GELU(approximate='none')");
  assert.equal(new Softmax(1).toString(), 'Softmax(dim=1)');
  assert.equal(new SiLU().toString(), 'SiLU()');
});
