/** The trainer: it learns, resumes exactly, stops cleanly on divergence, and refuses bad input. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TrainConfig, loadCheckpoint, presetConfig, train } from '../../src/index.js';
import { readMetrics } from '../../src/train/metrics.js';
import { repoRoot } from '../helpers.js';

const corpus = (): string => join(repoRoot(), 'data', 'tinyshakespeare.txt');

/** A small slice of Shakespeare and a model small enough to train in seconds. */
function tinyRun(overrides: Partial<TrainConfig> = {}): TrainConfig {
  const dir = mkdtempSync(join(tmpdir(), 'descent-train-'));
  const text = readFileSync(corpus(), 'utf8').slice(0, 20000);
  const dataset = join(dir, 'corpus.txt');
  writeFileSync(dataset, text);
  return {
    ...presetConfig('shakespeare-char'), dataset, outDir: join(dir, 'out'), backend: 'default',
    nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 16, batchSize: 4, maxIters: 30, lrDecayIters: 30, warmupIters: 5,
    evalInterval: 10, evalIters: 2, finalEvalIters: 4, logInterval: 5, learningRate: 1e-2, ...overrides,
  };
}

test('training lowers the loss, logs metrics, saves the best checkpoint and plots', async () => {
  const config = tinyRun();
  const evals: number[] = [];
  const result = await train(config, { onEval: (e) => evals.push(e.val) });
  assert.equal(result.iters, 30);
  assert.ok(result.finalVal < Math.log(65) - 0.3, `val ${result.finalVal}`);
  const records = readMetrics(join(config.outDir, 'metrics.jsonl'));
  assert.equal(records.filter((r) => r.type === 'iter').length, 6);
  assert.equal(records.filter((r) => r.type === 'eval').length, evals.length);
  const ckpt = loadCheckpoint(join(config.outDir, 'ckpt'));
  assert.ok(ckpt.step > 0 && ckpt.step <= 30);
  assert.equal((ckpt.tokenizer as { kind: string }).kind, 'char');
});

test('resume after step k continues exactly as the uninterrupted run', async () => {
  const full = tinyRun({ alwaysSaveCheckpoint: true, maxIters: 20 });
  const whole = await train(full);

  const part = tinyRun({ alwaysSaveCheckpoint: true, maxIters: 20 });
  // Stop after iteration 10's checkpoint: the same run cut short (the schedule still spans 20 iterations).
  await train({ ...part, maxIters: 11 });
  const resumed = await train({ ...part, initFrom: 'resume' });
  assert.equal(resumed.finalVal, whole.finalVal);
  assert.equal(resumed.finalTrain, whole.finalTrain);
  const lossesOf = (c: TrainConfig) => readMetrics(join(c.outDir, 'metrics.jsonl')).filter((r) => r.type === 'iter').map((r) => (r as { loss: number }).loss);
  assert.deepEqual(lossesOf(part), lossesOf(full));
});

test('a NaN loss stops training with a clear message and keeps the last good checkpoint', async () => {
  // Without biases this run survives past its first checkpoint (iteration 2) before the loss turns NaN.
  const config = tinyRun({ learningRate: 1e30, gradClip: 0, warmupIters: 0, alwaysSaveCheckpoint: true, evalInterval: 2, maxIters: 50, bias: false });
  await assert.rejects(train(config), (e: Error) => {
    assert.match(e.message, /training diverged: the loss is NaN at iteration \d+; the last good checkpoint in .* \(iteration \d+\) is kept/);
    return true;
  });
  loadCheckpoint(join(config.outDir, 'ckpt'));
});

test('bad input: a missing corpus, an empty corpus, one shorter than a block, resume without a checkpoint', async () => {
  const c = tinyRun();
  await assert.rejects(train({ ...c, dataset: join(c.outDir, 'nope.txt') }), /nope\.txt does not exist/);
  const empty = join(mkdtempSync(join(tmpdir(), 'descent-')), 'empty.txt');
  writeFileSync(empty, '');
  await assert.rejects(train({ ...c, dataset: empty }), /empty/);
  const short = join(mkdtempSync(join(tmpdir(), 'descent-')), 'short.txt');
  writeFileSync(short, 'To be, or not to be: that is the question.');
  await assert.rejects(train({ ...c, dataset: short, outDir: join(c.outDir, 'short') }), /gives 37 train and 5 val tokens, but each split needs at least blockSize \+ 1 = 17/);
  await assert.rejects(train({ ...c, outDir: join(c.outDir, 'fresh'), initFrom: 'resume' }), /there is no checkpoint/);
});

test('resume refuses a checkpoint of another architecture', async () => {
  const config = tinyRun({ maxIters: 10, alwaysSaveCheckpoint: true, evalInterval: 5 });
  await train(config);
  await assert.rejects(train({ ...config, nEmbd: 32, initFrom: 'resume' }), /has nEmbd 16, the config 32/);
});
