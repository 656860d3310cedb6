/** Datasets: TensorDataset rows, Subset, and randomSplit by counts and by fractions. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, arange, manualSeed, tensor, zeros } from '../../src/index.js';
import { type Dataset, Subset, TensorDataset, randomSplit, randperm } from '../../src/data/dataset.js';
import { assertClose } from '../helpers.js';

/** A dataset whose sample i is the number i, so splits can be checked by their values. */
const numbers = (n: number): Dataset<number> => ({ length: n, get: (i) => i });
const valuesOf = (d: Dataset<number>): number[] => Array.from({ length: d.length }, (_, i) => d.get(i));

test('TensorDataset serves the i-th row of each tensor', () => {
  const x = arange(12).reshape(4, 3);
  const y = tensor([10, 11, 12, 13]);
  const ds = new TensorDataset(x, y);
  assert.equal(ds.length, 4);
  const [xi, yi] = ds.get(2);
  assert.deepEqual(xi.shape, [3]);
  assertClose(xi, [6, 7, 8]);
  assert.equal(yi.item(), 12);
  assert.throws(() => ds.get(4), /TensorDataset\.get: index 4 is out of range for a dataset of 4 samples/);
  assert.throws(() => ds.get(-1), /out of range/);
});

test('TensorDataset names the shapes whose first dims differ', () => {
  assert.throws(() => new TensorDataset(zeros(5, 2), zeros(4)), /tensor 0 has shape \[5, 2\], tensor 1 has \[4\]/);
  assert.throws(() => new TensorDataset(zeros(3), tensor(1)), /tensor 1 has \[\]/);
  assert.throws(() => new TensorDataset(), /at least one tensor/);
});

test('Subset serves the samples at its indices, in order', () => {
  const sub = new Subset(numbers(10), [7, 2, 2, 9]);
  assert.equal(sub.length, 4);
  assert.deepEqual(valuesOf(sub), [7, 2, 2, 9]);
  assert.throws(() => new Subset(numbers(3), [0, 3]), /Subset: index 3 is out of range for a dataset of 3 samples/);
  assert.throws(() => sub.get(4), /Subset\.get: index 4/);
});

test('randperm is a permutation and follows its generator', () => {
  const p = randperm(50, new Generator(1));
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...randperm(50, new Generator(1))], [...p]);
  assert.notDeepEqual([...randperm(50, new Generator(2))], [...p]);
  assert.equal(randperm(0, new Generator(1)).length, 0);
});

function assertPartition(parts: Dataset<number>[], n: number): void {
  const all = parts.flatMap(valuesOf).sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: n }, (_, i) => i), 'the parts are disjoint and cover the dataset');
}

test('randomSplit by counts: disjoint, complete, shuffled', () => {
  const parts = randomSplit(numbers(10), [6, 3, 1], { generator: new Generator(0) });
  assert.deepEqual(parts.map((p) => p.length), [6, 3, 1]);
  assertPartition(parts, 10);
  assert.notDeepEqual(parts.flatMap(valuesOf), Array.from({ length: 10 }, (_, i) => i), 'the samples are shuffled');
  assert.deepEqual(randomSplit(numbers(5), [5, 0], { generator: new Generator(0) }).map((p) => p.length), [5, 0]);
});

test('randomSplit by fractions deals the remainder round-robin from the first part', () => {
  const lengths = (n: number, fractions: number[]): number[] =>
    randomSplit(numbers(n), fractions, { generator: new Generator(0) }).map((p) => p.length);
  assert.deepEqual(lengths(10, [0.5, 0.3, 0.2]), [5, 3, 2]);
  assert.deepEqual(lengths(10, [0.7, 0.2, 0.1]), [7, 2, 1]);
  assert.deepEqual(lengths(11, [0.5, 0.5]), [6, 5]);
  assert.deepEqual(lengths(7, [0.25, 0.25, 0.25, 0.25]), [2, 2, 2, 1]);
  assert.deepEqual(lengths(30, [0.3, 0.3, 0.4]), [9, 9, 12]);
  assert.deepEqual(lengths(5, [1, 0]), [5, 0], 'a list summing to 1 is read as fractions, as in PyTorch');
  const parts = randomSplit(numbers(103), [0.8, 0.1, 0.1], { generator: new Generator(3) });
  assert.deepEqual(parts.map((p) => p.length), [83, 10, 10]);
  assertPartition(parts, 103);
});

test('randomSplit is reproducible with a seed', () => {
  const split = (g?: Generator): number[][] => randomSplit(numbers(20), [0.5, 0.5], g ? { generator: g } : {}).map(valuesOf);
  assert.deepEqual(split(new Generator(9)), split(new Generator(9)));
  assert.notDeepEqual(split(new Generator(9)), split(new Generator(10)));
  manualSeed(4);
  const a = split();
  manualSeed(4);
  assert.deepEqual(split(), a, 'without a generator it draws from the default one');
});

test('randomSplit errors name the lengths', () => {
  assert.throws(() => randomSplit(numbers(10), [0.5, 0.3]), /randomSplit: fractions \[0\.5, 0\.3\] sum to 0\.8/);
  assert.throws(() => randomSplit(numbers(10), [0.5, 0.7]), /sum to 1\.2/);
  assert.throws(() => randomSplit(numbers(10), [3, 3]), /randomSplit: lengths \[3, 3\] sum to 6, but the dataset has 10 samples/);
  assert.throws(() => randomSplit(numbers(10), [11, -1]), /must not be negative/);
});
