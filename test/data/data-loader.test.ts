/** DataLoader: batching (full batch, SGD, mini-batch), dropLast, seeded shuffling, collate, exact resume. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, type Tensor, arange, defaultGenerator, manualSeed, tensor } from '../../src/index.js';
import { type Dataset, TensorDataset, randomSplit } from '../../src/data/dataset.js';
import { DataLoader, type DataLoaderState, defaultCollate } from '../../src/data/data-loader.js';
import { assertClose } from '../helpers.js';

const N = 10;
/** Row i of x is [3i, 3i + 1, 3i + 2] and y[i] = i, so every batch can be checked against its labels. */
const data = (): TensorDataset<[Tensor, Tensor]> =>
  new TensorDataset(arange(N * 3).reshape(N, 3).float(), arange(N));

type Batch = [Tensor, Tensor];
const labels = (batches: Iterable<Batch>): number[][] => [...batches].map(([, y]) => y.tolist() as number[]);

function checkBatch([x, y]: Batch): void {
  const ys = y.tolist() as number[];
  assert.equal(y.dtype, 'int32');
  assert.deepEqual(x.shape, [ys.length, 3]);
  assertClose(x, ys.flatMap((i) => [3 * i, 3 * i + 1, 3 * i + 2]), {}, 'x rows follow their labels');
}

for (const shuffle of [false, true]) {
  test(`batch sizes N, 1 and m give the expected batches and cover each sample once (shuffle: ${shuffle})`, () => {
    for (const [batchSize, sizes] of [[N, [10]], [1, Array(10).fill(1)], [4, [4, 4, 2]], [3, [3, 3, 3, 1]]] as const) {
      const loader = new DataLoader(data(), { batchSize, shuffle, generator: new Generator(1) });
      assert.equal(loader.length, sizes.length, `length for batchSize ${batchSize}`);
      for (let epoch = 0; epoch < 2; epoch++) {
        const batches = [...loader];
        assert.deepEqual(batches.map(([x]) => x.shape[0]), [...sizes], `batch sizes for batchSize ${batchSize}`);
        batches.forEach(checkBatch);
        const seen = batches.flatMap(([, y]) => y.tolist() as number[]);
        assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i), 'every sample exactly once');
        if (!shuffle) assert.deepEqual(seen, Array.from({ length: N }, (_, i) => i), 'in order without shuffle');
      }
    }
  });
}

test('destructures batches in for...of', () => {
  let count = 0;
  for (const [x, y] of new DataLoader(data(), { batchSize: 5 })) {
    assert.deepEqual(x.shape, [5, 3]);
    assert.deepEqual(y.shape, [5]);
    count++;
  }
  assert.equal(count, 2);
});

test('dropLast drops the short final batch', () => {
  const loader = new DataLoader(data(), { batchSize: 4, dropLast: true, shuffle: true, generator: new Generator(2) });
  assert.equal(loader.length, 2);
  const ys = labels(loader);
  assert.deepEqual(ys.map((b) => b.length), [4, 4]);
  assert.equal(new Set(ys.flat()).size, 8, 'no sample twice');
  assert.equal(new DataLoader(data(), { batchSize: 10, dropLast: true }).length, 1);
  assert.equal(new DataLoader(data(), { batchSize: 11, dropLast: true }).length, 0);
  assert.equal([...new DataLoader(data(), { batchSize: 11, dropLast: true })].length, 0);
  assert.equal(new DataLoader(data(), { batchSize: 11 }).length, 1);
});

test('shuffling is reproducible with a seed and differs across epochs', () => {
  const a = new DataLoader(data(), { batchSize: 3, shuffle: true, generator: new Generator(42) });
  const b = new DataLoader(data(), { batchSize: 3, shuffle: true, generator: new Generator(42) });
  const a1 = labels(a), a2 = labels(a);
  assert.deepEqual(labels(b), a1);
  assert.deepEqual(labels(b), a2);
  assert.notDeepEqual(a1, a2, 'each epoch draws a new permutation');
  assert.notDeepEqual(labels(new DataLoader(data(), { batchSize: 3, shuffle: true, generator: new Generator(43) })), a1);

  // Without a generator, each epoch seeds the loader's own from the default generator.
  manualSeed(7);
  const c = new DataLoader(data(), { batchSize: 3, shuffle: true });
  const c1 = labels(c), c2 = labels(c);
  assert.notDeepEqual(c1, c2);
  manualSeed(7);
  const d = new DataLoader(data(), { batchSize: 3, shuffle: true });
  assert.deepEqual(labels(d), c1);
  assert.deepEqual(labels(d), c2);
});

test('a loader that does not shuffle leaves the default generator alone', () => {
  manualSeed(3);
  const before = defaultGenerator.getState();
  labels(new DataLoader(data(), { batchSize: 3 }));
  assert.deepEqual(defaultGenerator.getState(), before);
});

test('the TensorDataset fast path gives what stacking single samples gives', () => {
  const ds = data();
  const generic: Dataset<[Tensor, Tensor]> = { length: ds.length, get: (i) => ds.get(i) };
  const fast = new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(5) });
  const slow = new DataLoader(generic, { batchSize: 4, shuffle: true, generator: new Generator(5) });
  const fastBatches = [...fast], slowBatches = [...slow];
  assert.equal(fastBatches.length, slowBatches.length);
  fastBatches.forEach(([fx, fy], i) => {
    const [sx, sy] = slowBatches[i]!;
    assert.deepEqual(fx.shape, sx.shape);
    assert.equal(fx.dtype, sx.dtype);
    assert.equal(fy.dtype, sy.dtype);
    assertClose(fx, sx);
    assertClose(fy, sy);
  });
});

test('a TensorDataset batch is gathered without fetching single samples', () => {
  const original = TensorDataset.prototype.get;
  TensorDataset.prototype.get = () => { throw new Error('get() called on the fast path'); };
  try {
    const batches = [...new DataLoader(data(), { batchSize: 4, shuffle: true, generator: new Generator(6) })];
    batches.forEach(checkBatch);
  } finally {
    TensorDataset.prototype.get = original;
  }
});

test('a subclass that overrides get() is batched through its get()', () => {
  class Doubled extends TensorDataset<[Tensor, Tensor]> {
    override get(i: number): [Tensor, Tensor] {
      const [x, y] = super.get(i);
      return [x.mul(2), y];
    }
  }
  const ds = new Doubled(...data().tensors);
  const [[x, y]] = [...new DataLoader(ds, { batchSize: 2 })];
  assertClose(x, [[0, 2, 4], [6, 8, 10]]);
  assertClose(y, [0, 1]);
});

test('subsets of a TensorDataset batch their own samples', () => {
  const [train, val] = randomSplit(data(), [0.7, 0.3], { generator: new Generator(0) });
  const loader = new DataLoader(train!, { batchSize: 3 });
  const batches = [...loader];
  assert.deepEqual(batches.map(([x]) => x.shape[0]), [3, 3, 1]);
  batches.forEach(checkBatch);
  assert.deepEqual(batches.flatMap(([, y]) => y.tolist() as number[]), train!.indices, 'in the subset order');
  assert.deepEqual(labels(new DataLoader(val!, { batchSize: 3 })).flat(), val!.indices);
});

test('a custom collate receives the samples of each batch', () => {
  const sizes: number[] = [];
  const loader = new DataLoader(data(), {
    batchSize: 4,
    collate: (samples) => {
      sizes.push(samples.length);
      return samples.reduce((s, [, y]) => s + y.item(), 0);
    },
  });
  const sums: number[] = [...loader];
  assert.deepEqual(sizes, [4, 4, 2]);
  assert.deepEqual(sums, [0 + 1 + 2 + 3, 4 + 5 + 6 + 7, 8 + 9]);
});

test('defaultCollate stacks tensors, numbers and nested fields', () => {
  const samples = [
    { image: tensor([1, 2]), label: 0, weight: 0.5, pair: [tensor(1), true] as [Tensor, boolean] },
    { image: tensor([3, 4]), label: 2, weight: 1, pair: [tensor(2), false] as [Tensor, boolean] },
  ];
  const batch = defaultCollate(samples);
  assert.deepEqual(batch.image.shape, [2, 2]);
  assertClose(batch.image, [1, 2, 3, 4]);
  assert.equal(batch.label.dtype, 'int32', 'integer numbers become int32, as class labels need');
  assertClose(batch.label, [0, 2]);
  assert.equal(batch.weight.dtype, 'float32');
  assertClose(batch.weight, [0.5, 1]);
  assertClose(batch.pair[0], [1, 2]);
  assert.equal(batch.pair[1].dtype, 'bool');

  const loader = new DataLoader({ length: 5, get: (i: number) => [tensor([i, -i]), i] as [Tensor, number] }, { batchSize: 2 });
  const [x, y] = [...loader][2]!;
  assertClose(x, [[4, -4]]);
  assertClose(y, [4]);
});

test('defaultCollate errors name the field and the samples', () => {
  assert.throws(() => defaultCollate([[tensor([1, 2])], [tensor([1, 2, 3])]]),
    /defaultCollate: sample\[0\] differs across the batch: sample 0 has a tensor of shape \[2\], sample 1 has a tensor of shape \[3\]/);
  assert.throws(() => defaultCollate([{ a: 1 }, { b: 1 }]), /each sample needs the keys a/);
  assert.throws(() => defaultCollate(['a', 'b']), /cannot collate a string at sample; pass DataLoader a collate function/);
  assert.throws(() => defaultCollate([]), /empty batch/);
});

/** The labels of `epochs` full epochs of `loader`. */
function run(loader: DataLoader<[Tensor, Tensor]>, epochs: number): number[][] {
  const out: number[][] = [];
  for (let e = 0; e < epochs; e++) out.push(...labels(loader));
  return out;
}

/** The labels of the first `stopAfter` batches of an epoch, then the loader's state. */
function interrupt(loader: DataLoader<[Tensor, Tensor]>, stopAfter: number): [number[][], DataLoaderState] {
  const seen: number[][] = [];
  for (const [, y] of loader) {
    seen.push(y.tolist() as number[]);
    if (seen.length === stopAfter) break;
  }
  // Through JSON, as a checkpoint would store it: the state is plain data.
  return [seen, JSON.parse(JSON.stringify(loader.stateDict())) as DataLoaderState];
}

test('resuming mid-epoch with a given generator yields exactly the uninterrupted batches', () => {
  const make = (seed: number) => new DataLoader(data(), { batchSize: 3, shuffle: true, generator: new Generator(seed) });
  const expected = run(make(11), 4);
  // Stopping after 4 batches ends the first epoch, so the resumed loader starts the second.
  for (const stopAfter of [1, 2, 3, 4]) {
    const [seen, state] = interrupt(make(11), stopAfter);
    const resumed = make(999);
    resumed.loadStateDict(state);
    assert.deepEqual(resumed.stateDict(), state, 'a loaded state reads back unchanged');
    const actual = [...seen, ...run(resumed, 3)];
    assert.deepEqual(actual, expected.slice(0, actual.length), `stopped after ${stopAfter} batches`);
    assert.equal(actual.length, stopAfter === 4 ? 16 : 12);
  }
});

test('resuming mid-epoch with the default generator yields exactly the uninterrupted batches', () => {
  const make = () => new DataLoader(data(), { batchSize: 4, shuffle: true, dropLast: true });
  manualSeed(21);
  const expected = run(make(), 3);
  manualSeed(21);
  const [seen, state] = interrupt(make(), 1);
  const saved = defaultGenerator.getState();
  defaultGenerator.manualSeed(12345);
  defaultGenerator.setState(saved);
  const resumed = make();
  resumed.loadStateDict(state);
  assert.deepEqual([...seen, ...run(resumed, 3)], expected);
});

test('a state saved at an epoch boundary resumes with the next epoch', () => {
  const a = new DataLoader(data(), { batchSize: 4, shuffle: true, generator: new Generator(8) });
  const first = labels(a);
  const state = a.stateDict();
  assert.equal(state.samplesYielded, 0);
  const second = labels(a);
  const b = new DataLoader(data(), { batchSize: 4, shuffle: true, generator: new Generator(0) });
  b.loadStateDict(state);
  assert.deepEqual(labels(b), second);
  assert.notDeepEqual(second, first);

  // Saved right after the last batch is handed out, too.
  const c = new DataLoader(data(), { batchSize: 5, shuffle: true, generator: new Generator(8) });
  const expected = run(new DataLoader(data(), { batchSize: 5, shuffle: true, generator: new Generator(8) }), 2);
  const [seen, atEnd] = interrupt(c, 2);
  const d = new DataLoader(data(), { batchSize: 5, shuffle: true, generator: new Generator(1) });
  d.loadStateDict(atEnd);
  assert.deepEqual([...seen, ...labels(d)], expected);
});

test('resuming an unshuffled loader continues from its position', () => {
  const make = () => new DataLoader(data(), { batchSize: 3 });
  const [seen, state] = interrupt(make(), 2);
  assert.deepEqual(state, { generator: null, samplesYielded: 6, numSamples: N });
  const resumed = make();
  resumed.loadStateDict(state);
  assert.deepEqual([...seen, ...labels(resumed)], labels(make()));
  assert.deepEqual(labels(resumed), labels(make()), 'and the next epoch starts over');
});

test('DataLoader errors name the problem', () => {
  for (const batchSize of [0, -1, 1.5]) {
    assert.throws(() => new DataLoader(data(), { batchSize }), new RegExp(`batchSize must be a positive integer, got ${batchSize}`));
  }
  const loader = new DataLoader(data(), { batchSize: 2 });
  assert.throws(() => loader.loadStateDict({ generator: null, samplesYielded: 0, numSamples: 7 }), /saved over 7 samples, but this loader's dataset has 10/);
  assert.throws(() => loader.loadStateDict({ generator: null, samplesYielded: 11, numSamples: 10 }), /samplesYielded must be an integer in \[0, 10\], got 11/);
  const shuffled = new DataLoader(data(), { shuffle: true, generator: new Generator(1) });
  assert.throws(() => loader.loadStateDict(shuffled.stateDict()), /this loader does not shuffle/);
});
