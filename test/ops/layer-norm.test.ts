/** The fused layerNorm op: values against the composite formula, gradients (first and second order), errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, Generator, gradcheck } from '../../src/index.js';
import { assertClose, gradgradcheck, leaf } from '../helpers.js';

test('layerNorm equals (x − mean)/√(var + eps)·w + b over one and two trailing dims', () => {
  const g = new Generator(31);
  for (const shape of [[4, 5], [2, 3, 4]]) {
    for (const k of [1, 2]) {
      const x = leaf(g, shape), norm = shape.slice(shape.length - k);
      const w = leaf(g, norm), b = leaf(g, norm);
      const dims = norm.map((_, i) => shape.length - k + i);
      const mu = x.mean(dims, { keepdim: true }), c = x.sub(mu);
      const want = c.mul(c.mul(c).mean(dims, { keepdim: true }).add(1e-5).rsqrt()).mul(w).add(b);
      assertClose(F.layerNorm(x, norm, w, b), want, { rtol: 1e-12, atol: 1e-13 });
    }
  }
});

test('layerNorm: gradcheck with and without weight and bias, on non-contiguous input', () => {
  const g = new Generator(32);
  gradcheck((x, w, b) => F.layerNorm(x!, [4], w!, b!), [leaf(g, [3, 4]), leaf(g, [4]), leaf(g, [4])]);
  gradcheck((x, w) => F.layerNorm(x!, [2, 3], w!), [leaf(g, [2, 2, 3]), leaf(g, [2, 3])]);
  gradcheck((x) => F.layerNorm(x!.transpose(0, 1), [3]), [leaf(g, [3, 4])]);
  gradcheck((x, b) => F.layerNorm(x!, [5], null, b!), [leaf(g, [5]), leaf(g, [5])]);
});

test('layerNorm: second order (gradcheck of a createGraph gradient)', () => {
  const g = new Generator(33);
  gradgradcheck((x, w, b) => F.layerNorm(x!, [3], w!, b!), [leaf(g, [2, 3]), leaf(g, [3]), leaf(g, [3])], g);
});

test('layerNorm: a weight of the wrong shape or dtype is an error that names it', () => {
  const g = new Generator(34);
  const x = leaf(g, [2, 3]);
  assert.throws(() => F.layerNorm(x, [3], leaf(g, [2])), /weight has shape \[2\], expected normalizedShape \[3\]/);
  assert.throws(() => F.layerNorm(x, [3], null, leaf(g, [3]).float()), /bias is float32 but the input is float64/);
  assert.throws(() => F.layerNorm(x, [4]), /normalizedShape \[4\] does not match the trailing dims/);
});
