/** The fused cross-entropy op: values against logSoftmax + gather, ignored rows, gradients (first and second order). */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, Generator, gradcheck, tensor } from '../../src/index.js';
import { assertClose, gradgradcheck, leaf } from '../helpers.js';

const targets = tensor([2, -100, 0, 4], { dtype: 'int32' });

test('crossEntropy on class indices equals −logSoftmax at the target, averaged over the rows that count', () => {
  const g = new Generator(41);
  const x = leaf(g, [4, 5]);
  const logp = x.logSoftmax(1);
  const picked = [logp.select(0, 0).select(0, 2), logp.select(0, 2).select(0, 0), logp.select(0, 3).select(0, 4)];
  const want = picked.reduce((a, b) => a.add(b)).neg().div(3);
  assertClose(F.crossEntropy(x, targets), want, { rtol: 1e-14 });
  assertClose(F.crossEntropy(x, targets, { reduction: 'sum' }), want.mul(3), { rtol: 1e-14 });
  const none = F.crossEntropy(x, targets, { reduction: 'none' });
  assert.deepEqual(none.shape, [4]);
  assert.equal(none.dataSync()[1], 0, 'an ignored row contributes 0');
});

test('crossEntropy: every target ignored gives NaN and a zero gradient, as in PyTorch', () => {
  const g = new Generator(42);
  const x = leaf(g, [2, 3]);
  const loss = F.crossEntropy(x, tensor([-100, -100], { dtype: 'int32' }));
  assert.ok(Number.isNaN(loss.item()));
  loss.backward();
  assert.deepEqual(Array.from(x.grad!.dataSync()), [0, 0, 0, 0, 0, 0]);
});

test('crossEntropy: gradcheck and second order, with ignored rows and a 1-D input', () => {
  const g = new Generator(43);
  gradcheck((x) => F.crossEntropy(x!, targets), [leaf(g, [4, 5])]);
  gradcheck((x) => F.crossEntropy(x!, targets, { reduction: 'none' }).square().sum(), [leaf(g, [4, 5])]);
  gradcheck((x) => F.crossEntropy(x!, tensor(1, { dtype: 'int32' })), [leaf(g, [3])]);
  gradgradcheck((x) => F.crossEntropy(x!, targets), [leaf(g, [4, 5])], g);
});
