/** BlockSampler and sequentialBatches: shapes, y = x shifted by one, seeded draws, exact resume. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator } from '../../src/index.js';
import { BlockSampler, type TokenBatch, type TokenSequence, sequentialBatches } from '../../src/data/block-sampler.js';
import { TokenCache } from '../../src/data/token-cache.js';

/** Token i is i, so a row's values show where its block started. */
const counting = (length: number): TokenSequence => ({
  length,
  read: (start, count) => Int32Array.from({ length: count }, (_, i) => start + i),
  name: `the counting sequence of ${length}`,
});

const rows = (batch: TokenBatch): { x: number[][]; y: number[][] } =>
  ({ x: batch.x.tolist() as number[][], y: batch.y.tolist() as number[][] });

test('batches are int32 [batchSize, blockSize], rows are whole blocks and y is x shifted by one', () => {
  const tokens = counting(100);
  const sampler = new BlockSampler(tokens, { blockSize: 8, batchSize: 4, generator: new Generator(0) });
  for (let i = 0; i < 20; i++) {
    const batch = sampler.next();
    assert.deepEqual(batch.x.shape, [4, 8]);
    assert.deepEqual(batch.y.shape, [4, 8]);
    assert.equal(batch.x.dtype, 'int32');
    assert.equal(batch.y.dtype, 'int32');
    const { x, y } = rows(batch);
    for (let b = 0; b < 4; b++) {
      const start = x[b]![0]!;
      assert.ok(start >= 0 && start < 100 - 8, `start ${start}`);
      assert.deepEqual(x[b], Array.from({ length: 8 }, (_, t) => start + t));
      assert.deepEqual(y[b], Array.from({ length: 8 }, (_, t) => start + t + 1));
    }
  }
  assert.equal(sampler.batchesDrawn, 20);
});

test('starts cover [0, length − blockSize), as nanoGPT\'s randint(len(data) − block_size)', () => {
  const sampler = new BlockSampler(counting(10), { blockSize: 3, batchSize: 16, generator: new Generator(1) });
  const seen = new Set<number>();
  for (let i = 0; i < 20; i++) for (const row of rows(sampler.next()).x) seen.add(row[0]!);
  assert.deepEqual([...seen].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6]);
  // The smallest sequence that fits: one block, always at 0.
  const tight = new BlockSampler(counting(4), { blockSize: 3, batchSize: 2, generator: new Generator(1) });
  assert.deepEqual(rows(tight.next()), { x: [[0, 1, 2], [0, 1, 2]], y: [[1, 2, 3], [1, 2, 3]] });
});

test('the same seed draws the same batches; another seed draws others', () => {
  const draw = (seed: number): unknown[] => {
    const sampler = new BlockSampler(counting(1000), { blockSize: 16, batchSize: 8, generator: new Generator(seed) });
    return Array.from({ length: 5 }, () => rows(sampler.next()));
  };
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
});

test('a sampler resumed from stateDict() draws exactly the batches the uninterrupted one does', () => {
  const tokens = counting(1000);
  const opts = { blockSize: 16, batchSize: 8 };
  const first = new BlockSampler(tokens, { ...opts, generator: new Generator(5) });
  for (let i = 0; i < 3; i++) first.next();
  const state = JSON.parse(JSON.stringify(first.stateDict()));
  assert.equal(state.batchesDrawn, 3);
  const expected = Array.from({ length: 4 }, () => rows(first.next()));

  const resumed = new BlockSampler(tokens, { ...opts, generator: new Generator(999) });
  resumed.loadStateDict(state);
  assert.equal(resumed.batchesDrawn, 3);
  assert.deepEqual(Array.from({ length: 4 }, () => rows(resumed.next())), expected);
  assert.equal(resumed.batchesDrawn, 7);
  assert.deepEqual(resumed.stateDict(), first.stateDict());
});

test('loadStateDict refuses a state saved over other tokens or shapes', () => {
  const state = new BlockSampler(counting(100), { blockSize: 8, batchSize: 4 }).stateDict();
  const load = (length: number, blockSize: number, batchSize: number, s: unknown = state): void =>
    new BlockSampler(counting(length), { blockSize, batchSize }).loadStateDict(s as typeof state);
  assert.throws(() => load(100, 16, 4), /BlockSampler\.loadStateDict: the state was saved with blockSize 8, but this sampler has 16/);
  assert.throws(() => load(100, 8, 2), /saved with batchSize 4, but this sampler has 2/);
  assert.throws(() => load(200, 8, 4), /saved over 100 tokens, but the counting sequence of 200 has 200/);
  assert.throws(() => load(100, 8, 4, { ...state, generator: { s: [1, 2] } }), /generator must be a Generator state/);
  assert.throws(() => load(100, 8, 4, { ...state, batchesDrawn: -1 }), /batchesDrawn must be a non-negative integer, got -1/);
});

test('a sequence shorter than one block, and bad sizes, are named', () => {
  assert.throws(() => new BlockSampler(counting(8), { blockSize: 8, batchSize: 2 }),
    /BlockSampler: the counting sequence of 8 has 8 tokens, fewer than the 9 \(blockSize \+ 1\) that one block of blockSize 8 needs/);
  assert.throws(() => new BlockSampler(counting(8), { blockSize: 0, batchSize: 2 }), /blockSize must be a positive integer, got 0/);
  assert.throws(() => new BlockSampler(counting(8), { blockSize: 2, batchSize: 1.5 }), /batchSize must be a positive integer, got 1\.5/);
  assert.throws(() => sequentialBatches(counting(5), { blockSize: 5, batchSize: 1 }), /sequentialBatches: the counting sequence of 5 has 5 tokens/);
});

test('sequentialBatches walks non-overlapping blocks in order, the same every time', () => {
  // 23 tokens give floor(22 / 5) = 4 blocks of 5, starting at 0, 5, 10 and 15.
  const batches = [...sequentialBatches(counting(23), { blockSize: 5, batchSize: 3 })].map(rows);
  assert.equal(batches.length, 2);
  assert.deepEqual(batches.map((b) => b.x.map((row) => row[0])), [[0, 5, 10], [15]]);
  for (const { x, y } of batches) {
    x.forEach((row, b) => assert.deepEqual(y[b], row.map((v) => v + 1)));
  }
  assert.deepEqual(batches[1]!.x, [[15, 16, 17, 18, 19]]);
  assert.deepEqual([...sequentialBatches(counting(23), { blockSize: 5, batchSize: 3 })].map(rows), batches);
  const capped = [...sequentialBatches(counting(1000), { blockSize: 5, batchSize: 3, maxBatches: 2 })];
  assert.equal(capped.length, 2);
  assert.throws(() => sequentialBatches(counting(23), { blockSize: 5, batchSize: 3, maxBatches: 0 }), /maxBatches must be a positive integer, got 0/);
});

test('a sampler over a token cache split serves the cached tokens', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'descent-block-sampler-'));
  try {
    const text = 'abcdefghijklmnopqrstuvwxyz'.repeat(10);
    const source = join(tmp, 'corpus.txt');
    writeFileSync(source, text);
    using cache = TokenCache.prepare({ source, dir: join(tmp, 'cache'), tokenizer: 'char', blockSize: 8 });
    const sampler = new BlockSampler(cache.train, { blockSize: 8, batchSize: 4, generator: new Generator(3) });
    const { x, y } = rows(sampler.next());
    for (let b = 0; b < 4; b++) {
      // Each block is 9 consecutive letters of the alphabet, cycling.
      const block = [...x[b]!, y[b]![7]!];
      block.slice(1).forEach((id, t) => assert.equal(id, (block[t]! + 1) % 26));
      assert.deepEqual(y[b]!.slice(0, 7), x[b]!.slice(1));
    }
    const val = [...sequentialBatches(cache.val, { blockSize: 8, batchSize: 2 })];
    assert.equal(val.length, Math.ceil(Math.floor((cache.val.length - 1) / 8) / 2));
    assert.equal(cache.tokenizer.decode(val[0]!.x.dataSync() as Int32Array), text.slice(cache.train.length, cache.train.length + 16));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
