/**
 * DataLoader (torch.utils.data.DataLoader): batches of a dataset, in order or shuffled, one epoch
 * per iteration. Shuffling draws a Fisher-Yates permutation from a seeded generator at the start
 * of each epoch, so a run is reproducible, and `stateDict()` holds the generator state that
 * permutation came from plus the position within the epoch, so a resumed loader replays exactly
 * the batches the uninterrupted one would have served.
 */

import { Tensor } from '../tensor/tensor.js';
import { Generator, type GeneratorState, defaultGenerator } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { tensor } from '../ops/creation.js';
import { indexSelect } from '../ops/indexing.js';
import { stack } from '../ops/join.js';
import { type Dataset, Subset, TensorDataset, randperm } from './dataset.js';

/** What the default collate makes of a list of samples of type T: tensors and numbers become stacked tensors, field by field. */
export type Collated<T> =
  T extends Tensor | number | boolean ? Tensor
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: Collated<T[K]> }
  : T extends object ? { [K in keyof T]: Collated<T[K]> }
  : never;

export interface DataLoaderOptions<T, B> {
  batchSize?: number;
  shuffle?: boolean;
  /** Drop the last batch of an epoch when it has fewer than batchSize samples. */
  dropLast?: boolean;
  /** Turns a list of samples into a batch; defaultCollate unless given. */
  collate?: (samples: T[]) => B;
  /** Draws the permutations. Without one, the loader seeds its own from the default generator at each epoch's start. */
  generator?: Generator;
}

/** Where a loader stands, as plain data: enough to replay the rest of an epoch and the epochs after it. */
export interface DataLoaderState {
  /**
   * The generator state the current (or next) epoch's permutation is drawn from; null when not
   * shuffling, or when the next epoch seeds the loader's own generator from the default generator.
   */
  generator: GeneratorState | null;
  /** Samples of the current epoch already handed out in batches. */
  samplesYielded: number;
  /** The dataset's length when saved: a permutation of other data would not replay the same batches. */
  numSamples: number;
}

/**
 * Stacks a batch field-wise (torch's default_collate): tensors are stacked along a new dim 0;
 * numbers become a 1-D tensor, int32 when all are integers in int32 range (labels, indices),
 * else float32; booleans become bool; arrays and plain objects are collated field by field.
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  if (samples.length === 0) throw new Error('defaultCollate: cannot collate an empty batch');
  return collateField(samples, 'sample') as Collated<T>;
}

function describe(x: unknown): string {
  if (x instanceof Tensor) return `a tensor of shape ${shapeStr(x.shape)}`;
  if (Array.isArray(x)) return `an array of ${x.length}`;
  return x === null ? 'null' : typeof x === 'object' ? `an object (${x.constructor?.name ?? 'no prototype'})` : `a ${typeof x}`;
}

function collateField(values: readonly unknown[], path: string): unknown {
  const first = values[0];
  const mismatch = (i: number, why: string): Error =>
    new Error(`defaultCollate: ${path} differs across the batch: sample 0 has ${describe(first)}, sample ${i} has ${describe(values[i])}${why}`);
  if (first instanceof Tensor) {
    values.forEach((v, i) => {
      if (!(v instanceof Tensor) || v.shape.join() !== first.shape.join()) throw mismatch(i, '; stacking needs equal shapes');
    });
    return stack(values as Tensor[], 0);
  }
  if (typeof first === 'number' || typeof first === 'boolean') {
    values.forEach((v, i) => { if (typeof v !== typeof first) throw mismatch(i, ''); });
    if (typeof first === 'boolean') return tensor(values as boolean[]);
    const nums = values as number[];
    const integral = nums.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31);
    return tensor(Float64Array.from(nums), { dtype: integral ? 'int32' : 'float32' });
  }
  if (Array.isArray(first)) {
    values.forEach((v, i) => { if (!Array.isArray(v) || v.length !== first.length) throw mismatch(i, '; each sample needs the same number of fields'); });
    return first.map((_, k) => collateField(values.map((v) => (v as unknown[])[k]), `${path}[${k}]`));
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const keys = Object.keys(first);
    values.forEach((v, i) => {
      const ok = v !== null && typeof v === 'object' && Object.keys(v).length === keys.length && keys.every((k) => k in v);
      if (!ok) throw mismatch(i, `; each sample needs the keys ${keys.join(', ')}`);
    });
    return Object.fromEntries(keys.map((k) => [k, collateField(values.map((v) => (v as Record<string, unknown>)[k]), `${path}.${k}`)]));
  }
  throw new TypeError(`defaultCollate: cannot collate ${describe(first)} at ${path}; pass DataLoader a collate function`);
}

/**
 * The tensors of a plain TensorDataset, possibly seen through plain Subsets, with `indices` mapped
 * to their rows; null for any other dataset. Subclasses may override get(), so only the exact
 * classes qualify.
 */
function tensorRows(dataset: Dataset<unknown>, indices: Int32Array): [Tensor[], Int32Array] | null {
  let ds = dataset;
  let rows = indices;
  while (Object.getPrototypeOf(ds) === Subset.prototype) {
    const subset = ds as Subset<unknown>;
    rows = rows.map((i) => subset.indices[i]!);
    ds = subset.dataset;
  }
  return Object.getPrototypeOf(ds) === TensorDataset.prototype ? [(ds as TensorDataset).tensors, rows] : null;
}

function range(start: number, end: number): Int32Array {
  const out = new Int32Array(end - start);
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}

export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly #collate: ((samples: T[]) => B) | null;
  readonly #generator: Generator;
  readonly #ownGenerator: boolean;
  /** Bumped by each new epoch and by loadStateDict, so that only the latest iteration moves the state. */
  #token = 0;
  #inEpoch = false;
  #epochStart: GeneratorState | null = null;
  #position = 0;
  /** A loaded state, applied when the next iteration starts. */
  #resume: DataLoaderState | null = null;

  constructor(readonly dataset: Dataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    const { batchSize = 1, shuffle = false, dropLast = false } = opts;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.#collate = opts.collate ?? null;
    this.#ownGenerator = opts.generator === undefined;
    this.#generator = opts.generator ?? new Generator();
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Starts an epoch (or resumes the one a loaded state describes) and returns its batches. */
  [Symbol.iterator](): Iterator<B> {
    const resume = this.#resume;
    this.#resume = null;
    let order: Int32Array | null = null;
    this.#epochStart = null;
    if (this.shuffle) {
      if (resume?.generator) this.#generator.setState(resume.generator);
      // A fresh seed per epoch, as PyTorch's RandomSampler draws one, so manualSeed() fixes every epoch.
      else if (this.#ownGenerator) this.#generator.manualSeed(defaultGenerator.nextUint32());
      this.#epochStart = this.#generator.getState();
      order = randperm(this.dataset.length, this.#generator);
    }
    this.#position = resume?.samplesYielded ?? 0;
    this.#inEpoch = true;
    return this.#batches(order, this.#position, ++this.#token);
  }

  *#batches(order: Int32Array | null, start: number, token: number): IterableIterator<B> {
    const n = this.dataset.length;
    const end = this.dropLast ? n - (n % this.batchSize) : n;
    for (let at = start; at < end; at += this.batchSize) {
      const stop = Math.min(at + this.batchSize, end);
      const batch = this.#fetch(order ? order.subarray(at, stop) : range(at, stop));
      // The epoch ends when its last batch is handed out, so a state saved then points at the next epoch.
      if (this.#token === token) {
        this.#position = stop;
        this.#inEpoch = stop < end;
      }
      yield batch;
    }
    if (this.#token === token) this.#inEpoch = false;
  }

  #fetch(indices: Int32Array): B {
    if (this.#collate) return this.#collate(Array.from(indices, (i) => this.dataset.get(i)));
    // Fast path: one indexSelect per tensor gathers the whole batch, instead of stacking B row views.
    const found = tensorRows(this.dataset, indices);
    if (found) {
      const rows = tensor(found[1]);
      return found[0].map((t) => indexSelect(t, 0, rows)) as B;
    }
    return defaultCollate(Array.from(indices, (i) => this.dataset.get(i))) as B;
  }

  /** The loader's position: the permutation's source and the samples already served this epoch. */
  stateDict(): DataLoaderState {
    const numSamples = this.dataset.length;
    const copy = (g: GeneratorState | null): GeneratorState | null => (g ? { s: [...g.s], spare: g.spare } : null);
    if (this.#resume) return { ...this.#resume, generator: copy(this.#resume.generator) };
    if (this.#inEpoch) return { generator: copy(this.#epochStart), samplesYielded: this.#position, numSamples };
    // Between epochs a given generator's current state is where the next permutation comes from.
    const next = this.shuffle && !this.#ownGenerator ? this.#generator.getState() : null;
    return { generator: next, samplesYielded: 0, numSamples };
  }

  /** Restores a position saved by stateDict(); the next iteration continues from it. */
  loadStateDict(state: DataLoaderState): void {
    const n = this.dataset.length;
    if (state?.numSamples !== n) {
      throw new Error(`DataLoader.loadStateDict: the state was saved over ${state?.numSamples} samples, but this loader's dataset has ${n}`);
    }
    if (!Number.isInteger(state.samplesYielded) || state.samplesYielded < 0 || state.samplesYielded > n) {
      throw new Error(`DataLoader.loadStateDict: samplesYielded must be an integer in [0, ${n}], got ${state.samplesYielded}`);
    }
    if (state.generator !== null) {
      if (!this.shuffle) throw new Error('DataLoader.loadStateDict: the state holds a shuffling generator, but this loader does not shuffle');
      if (!Array.isArray(state.generator.s) || state.generator.s.length !== 4) {
        throw new Error('DataLoader.loadStateDict: generator must be a Generator state {s: [4 words], spare}');
      }
    }
    const g = state.generator;
    this.#resume = { generator: g ? { s: [...g.s], spare: g.spare } : null, samplesYielded: state.samplesYielded, numSamples: n };
    this.#inEpoch = false;
    this.#token++;
  }
}
