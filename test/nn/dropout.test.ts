/** Dropout: keep fraction and scaling in train mode, identity in eval, seeded reproducibility, gradient. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, manualSeed, ones, randn } from '../../src/index.js';
import { Dropout, functional as F } from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';

test('Dropout keeps about 1 − p of the elements and scales them by 1/(1 − p)', () => {
  const n = 100_000;
  for (const p of [0.1, 0.5, 0.8]) {
    const y = new Dropout(p).forward(ones([n], { dtype: 'float64' })).dataSync();
    const kept = y.filter((v) => v !== 0);
    // The kept fraction is Binomial(n, 1 − p)/n: its std is at most 0.0016 here.
    assert.ok(Math.abs(kept.length / n - (1 - p)) < 0.01, `p = ${p}: kept ${kept.length / n}`);
    assert.ok(kept.every((v) => Math.abs(v - 1 / (1 - p)) < 1e-12), `p = ${p}: kept values are 1/(1 − p)`);
  }
  // So the expectation is preserved.
  assertClose(new Dropout(0.3).forward(ones([n])).mean(), 1, { rtol: 0.02 });
});

test('Dropout in eval mode, or with p = 0, is the identity; p = 1 zeros everything', () => {
  const x = randn([10, 10]);
  const d = new Dropout(0.5).eval();
  assert.equal(d.forward(x), x);
  assert.equal(F.dropout(x, { p: 0.5, training: false }), x);
  assert.equal(new Dropout(0).forward(x), x);
  assert.ok(new Dropout(1).forward(x).dataSync().every((v) => v === 0));
  d.train();
  assert.notDeepEqual(d.forward(x).dataSync(), x.dataSync());
});

test('Dropout is reproducible with a generator or manualSeed', () => {
  const x = randn([50]);
  const a = new Dropout(0.5, new Generator(9)).forward(x);
  const b = new Dropout(0.5, new Generator(9)).forward(x);
  assert.deepEqual(a.dataSync(), b.dataSync());
  assert.notDeepEqual(new Dropout(0.5, new Generator(10)).forward(x).dataSync(), a.dataSync());
  manualSeed(42);
  const c = new Dropout(0.5).forward(x);
  manualSeed(42);
  assert.deepEqual(new Dropout(0.5).forward(x).dataSync(), c.dataSync());
});

test('Dropout gradient is the mask scaled by 1/(1 − p)', () => {
  const x = randn([200], { dtype: 'float64', requiresGrad: true });
  const y = new Dropout(0.25).forward(x);
  y.sum().backward();
  const out = y.dataSync(), xs = x.dataSync(), g = x.grad!.dataSync();
  for (let i = 0; i < out.length; i++) assertClose(g[i]!, out[i] === 0 ? 0 : 1 / 0.75, { rtol: 1e-12 }, `grad[${i}] (x ${xs[i]})`);
});

test('Dropout rejects p outside [0, 1]', () => {
  assert.throws(() => new Dropout(1.5), /Dropout: p must be in \[0, 1\], got 1.5/);
  assert.throws(() => new Dropout(-0.1), /Dropout: p must be in \[0, 1\], got -0.1/);
  assert.throws(() => F.dropout(ones([2]), { p: NaN }), /dropout: p must be in \[0, 1\], got NaN/);
  assert.equal(new Dropout(0.2).toString(), 'Dropout(p=0.2)');
});
