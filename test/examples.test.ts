/** Every example in examples/ runs, and does what its comment says (some with a smaller budget). */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as mlp } from '../examples/mlp.js';
import { main as linearRegression } from '../examples/linear-regression.js';
import { main as sigmoidNetwork } from '../examples/sigmoid-network.js';
import { main as reluNetwork } from '../examples/relu-network.js';
import { main as descentVariants } from '../examples/descent-variants.js';
import { main as choosingAnOptimizer } from '../examples/choosing-an-optimizer.js';
import { main as gradientAccumulation } from '../examples/gradient-accumulation.js';

const quiet = () => {};

test('examples/mlp: the two-moons MLP trained by plain gradient descent separates the classes', () => {
  const lines: string[] = [];
  const { loss, accuracy } = mlp({ log: (s: string) => lines.push(s) });
  assert.ok(accuracy >= 0.99, `accuracy ${accuracy}`);
  assert.ok(loss < 0.05, `loss ${loss}`);
  assert.match(lines[0]!, /^step   0  loss 0\.\d{4}/);
});

test('examples/linear-regression (seed 000): recovers w ≈ 2 and b ≈ 1 from noisy y = 2x + 1', () => {
  const { w, b, loss } = linearRegression({ log: quiet });
  assert.ok(Math.abs(w - 2) < 0.05, `w = ${w}`);
  assert.ok(Math.abs(b - 1) < 0.3, `b = ${b}`);
  assert.ok(loss > 0.5 && loss < 1.5, `the MSE ${loss} should be near the noise variance 1`);
});

test('examples/sigmoid-network (seed 001): hand-written backprop equals autograd, and 2-3-1 learns XOR', () => {
  const { loss, predictions, gradGap } = sigmoidNetwork({ log: quiet });
  assert.ok(gradGap < 1e-6, `gap ${gradGap}`);
  assert.ok(loss < 0.01, `loss ${loss}`);
  assert.deepEqual(predictions.map((p) => Math.round(p)), [0, 1, 1, 0]);
});

test('examples/relu-network (seed 002): the 10-5-1 ReLU network with SGD lr 0.01 fits the teacher', () => {
  const { trainLoss, testLoss } = reluNetwork({ epochs: 30, log: quiet });
  assert.ok(trainLoss < 0.05, `train ${trainLoss}`);
  assert.ok(testLoss < 0.06, `test ${testLoss}`);
});

test('examples/descent-variants (seeds 003/004): mini-batch and SGD beat batch GD per sample seen', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'descent-')), 'variants.svg');
  const results = await descentVariants({ epochs: 4, out, log: quiet });
  const [batch, mini, single] = results;
  assert.equal(batch!.updates, 4);
  assert.equal(mini!.updates, 64);
  assert.equal(single!.updates, 2048);
  assert.ok(mini!.loss < batch!.loss && single!.loss < batch!.loss);
  assert.match(readFileSync(out, 'utf8'), /^<svg/);
});

test('examples/choosing-an-optimizer: every optimizer runs on every problem and the plots are written', async () => {
  const out = mkdtempSync(join(tmpdir(), 'descent-'));
  const results = await choosingAnOptimizer({ lrs: [1e-3, 3e-3], budget: 0.05, out, log: quiet });
  for (const [problem, outcomes] of Object.entries(results)) {
    assert.equal(outcomes.length, 8, problem);
    for (const o of outcomes) assert.ok(Number.isFinite(o.finalLoss), `${problem} ${o.optimizer}`);
  }
  for (const slug of ['rosenbrock', 'saddle', 'moons']) assert.match(readFileSync(join(out, `optimizers-${slug}.svg`), 'utf8'), /^<svg/);
});

test('examples/gradient-accumulation: accumulated micro-batches give the big batch gradient exactly', () => {
  const { maxGradDiff, finalLoss } = gradientAccumulation({ log: quiet });
  assert.ok(maxGradDiff < 1e-12, `diff ${maxGradDiff}`);
  assert.ok(finalLoss < 0.1, `loss ${finalLoss}`);
});
