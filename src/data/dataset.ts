/**
 * Datasets (torch.utils.data): anything with a `length` and a `get(index)`. TensorDataset serves
 * rows of tensors that share their first dim; Subset and randomSplit carve a dataset into parts.
 */

import type { Tensor } from '../tensor/tensor.js';
import { type Generator, defaultGenerator } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';

/** A map-style dataset: samples 0 … length − 1, each fetched by index. */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

function checkIndex(what: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`${what}: index ${index} is out of range for a dataset of ${length} samples`);
  }
}

/** Sample i is the i-th row (along dim 0) of each tensor, as views. */
export class TensorDataset<T extends Tensor[] = Tensor[]> implements Dataset<T> {
  readonly tensors: T;

  constructor(...tensors: T) {
    if (tensors.length === 0) throw new Error('TensorDataset: expected at least one tensor');
    const first = tensors[0]!;
    if (first.ndim === 0) throw new Error('TensorDataset: tensor 0 is 0-dimensional; each tensor needs a first dim to index samples by');
    tensors.forEach((t, i) => {
      if (t.ndim === 0 || t.shape[0] !== first.shape[0]) {
        throw new Error(`TensorDataset: all tensors must have the same size in dim 0; tensor 0 has shape ${shapeStr(first.shape)}, tensor ${i} has ${shapeStr(t.shape)}`);
      }
    });
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  get(index: number): T {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => t.select(0, index)) as T;
  }
}

/** The samples of `dataset` at `indices`, in that order. */
export class Subset<T> implements Dataset<T> {
  readonly indices: readonly number[];

  constructor(readonly dataset: Dataset<T>, indices: ArrayLike<number>) {
    const copy = Array.from(indices);
    for (const i of copy) checkIndex('Subset', i, dataset.length);
    this.indices = copy;
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    checkIndex('Subset.get', index, this.length);
    return this.dataset.get(this.indices[index]!);
  }
}

/** @internal A uniformly random permutation of 0 … n − 1 (Fisher-Yates), drawn from `generator`. */
export function randperm(n: number, generator: Generator): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = generator.randint(0, i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

export interface RandomSplitOptions {
  generator?: Generator;
}

/**
 * Splits `dataset` into disjoint random subsets that together cover it. `lengths` are counts that
 * sum to the dataset's length, or fractions that sum to 1: each part gets floor(n · fraction)
 * samples and the remainder is dealt out one at a time from the first part on (PyTorch's rule).
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], opts: RandomSplitOptions = {}): Subset<T>[] {
  const n = dataset.length;
  const listed = `[${lengths.join(', ')}]`;
  const total = lengths.reduce((a, b) => a + b, 0);
  let counts: number[];
  // As in PyTorch, a list summing to 1 is read as fractions, even [1, 0], which is the same split either way.
  if (Math.abs(total - 1) <= 1e-9 && lengths.every((f) => f >= 0 && f <= 1)) {
    counts = lengths.map((f) => Math.floor(n * f));
    const remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) counts[i % counts.length]! += 1;
  } else if (lengths.every(Number.isInteger)) {
    if (lengths.some((c) => c < 0)) throw new Error(`randomSplit: lengths ${listed} must not be negative`);
    counts = [...lengths];
  } else {
    throw new Error(`randomSplit: fractions ${listed} sum to ${total}, but fractions must each lie in [0, 1] and sum to 1`);
  }
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum !== n) throw new Error(`randomSplit: lengths ${listed} sum to ${sum}, but the dataset has ${n} samples`);
  const order = randperm(n, opts.generator ?? defaultGenerator);
  let at = 0;
  return counts.map((c) => {
    const part = new Subset(dataset, order.subarray(at, at + c));
    at += c;
    return part;
  });
}
