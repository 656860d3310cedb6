/**
 * Batches of token blocks for language-model training (nanoGPT's get_batch): each row is a block
 * of blockSize + 1 consecutive tokens from a random start; x is its first blockSize tokens and y
 * its last blockSize, so y[b, t] is the token that follows x[b, t]. Starts come from a seeded
 * Generator, and `stateDict()` holds its state and the batch count, so a resumed run draws exactly
 * the batches the uninterrupted one would have. `sequentialBatches` walks a split in order instead,
 * for evaluation that is the same every time.
 */

import type { Tensor } from '../tensor/tensor.js';
import { Generator, type GeneratorState, defaultGenerator } from '../tensor/random.js';
import { tensor } from '../ops/creation.js';

/** Tokens that can be read a block at a time, such as a split of a TokenCache. */
export interface TokenSequence {
  readonly length: number;
  /** Tokens start … start + count − 1. */
  read(start: number, count: number): Int32Array;
  /** What errors call it, such as 'the train split of data/cache'. */
  readonly name?: string;
}

/** x and y, int32 of shape [batchSize, blockSize]; y is x shifted left by one token. */
export interface TokenBatch {
  x: Tensor;
  y: Tensor;
}

export interface BlockSamplerOptions {
  blockSize: number;
  batchSize: number;
  /** Draws the block starts. Without one, the sampler seeds its own from the default generator when constructed. */
  generator?: Generator;
}

/** Where a sampler stands, as plain data. */
export interface BlockSamplerState {
  generator: GeneratorState;
  batchesDrawn: number;
  /** The sequence's length, blockSize and batchSize when saved: with others the same state draws other batches. */
  length: number;
  blockSize: number;
  batchSize: number;
}

function checkPositiveInteger(what: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${what}: ${name} must be a positive integer, got ${value}`);
}

/** Throws unless `tokens` holds at least one block of blockSize + 1 tokens. */
function checkFits(what: string, tokens: TokenSequence, blockSize: number): void {
  if (tokens.length < blockSize + 1) {
    throw new Error(
      `${what}: ${tokens.name ?? 'the token sequence'} has ${tokens.length} tokens, ` +
      `fewer than the ${blockSize + 1} (blockSize + 1) that one block of blockSize ${blockSize} needs`);
  }
}

/** Rows of x and y from blocks of blockSize + 1 tokens starting at `starts`. */
function batchOf(tokens: TokenSequence, starts: readonly number[], blockSize: number): TokenBatch {
  const B = starts.length, T = blockSize;
  const x = new Int32Array(B * T), y = new Int32Array(B * T);
  starts.forEach((start, b) => {
    const block = tokens.read(start, T + 1);
    x.set(block.subarray(0, T), b * T);
    y.set(block.subarray(1), b * T);
  });
  return { x: tensor(x).reshape(B, T), y: tensor(y).reshape(B, T) };
}

export class BlockSampler {
  readonly blockSize: number;
  readonly batchSize: number;
  readonly #generator: Generator;
  #batchesDrawn = 0;

  constructor(readonly tokens: TokenSequence, opts: BlockSamplerOptions) {
    checkPositiveInteger('BlockSampler', 'blockSize', opts.blockSize);
    checkPositiveInteger('BlockSampler', 'batchSize', opts.batchSize);
    checkFits('BlockSampler', tokens, opts.blockSize);
    this.blockSize = opts.blockSize;
    this.batchSize = opts.batchSize;
    this.#generator = opts.generator ?? new Generator(defaultGenerator.nextUint32());
  }

  /** Batches drawn so far (including those before a loaded state). */
  get batchesDrawn(): number {
    return this.#batchesDrawn;
  }

  /** The next batch: batchSize blocks at uniformly random starts in [0, length − blockSize). */
  next(): TokenBatch {
    const high = this.tokens.length - this.blockSize;
    const starts = Array.from({ length: this.batchSize }, () => this.#generator.randint(0, high));
    this.#batchesDrawn++;
    return batchOf(this.tokens, starts, this.blockSize);
  }

  stateDict(): BlockSamplerState {
    return {
      generator: this.#generator.getState(),
      batchesDrawn: this.#batchesDrawn,
      length: this.tokens.length,
      blockSize: this.blockSize,
      batchSize: this.batchSize,
    };
  }

  /** Restores a state saved by stateDict(); the next batch is the one that followed it. */
  loadStateDict(state: BlockSamplerState): void {
    const what = 'BlockSampler.loadStateDict';
    for (const key of ['blockSize', 'batchSize'] as const) {
      if (state?.[key] !== this[key]) throw new Error(`${what}: the state was saved with ${key} ${state?.[key]}, but this sampler has ${this[key]}`);
    }
    if (state.length !== this.tokens.length) {
      throw new Error(`${what}: the state was saved over ${state.length} tokens, but ${this.tokens.name ?? 'this token sequence'} has ${this.tokens.length}`);
    }
    if (!Number.isInteger(state.batchesDrawn) || state.batchesDrawn < 0) {
      throw new Error(`${what}: batchesDrawn must be a non-negative integer, got ${state.batchesDrawn}`);
    }
    if (!Array.isArray(state.generator?.s) || state.generator.s.length !== 4) {
      throw new Error(`${what}: generator must be a Generator state {s: [4 words], spare}`);
    }
    this.#generator.setState(state.generator);
    this.#batchesDrawn = state.batchesDrawn;
  }
}

export interface SequentialBatchesOptions {
  blockSize: number;
  batchSize: number;
  /** Stop after this many batches (nanoGPT's eval_iters); all of the sequence's blocks otherwise. */
  maxBatches?: number;
}

/**
 * The sequence's non-overlapping blocks in order, from token 0: block i covers x = tokens
 * [i·blockSize, (i + 1)·blockSize) and y one token later, for floor((length − 1) / blockSize)
 * blocks. The last batch may have fewer than batchSize rows.
 */
export function sequentialBatches(tokens: TokenSequence, opts: SequentialBatchesOptions): IterableIterator<TokenBatch> {
  const { blockSize, batchSize, maxBatches = Infinity } = opts;
  checkPositiveInteger('sequentialBatches', 'blockSize', blockSize);
  checkPositiveInteger('sequentialBatches', 'batchSize', batchSize);
  if (maxBatches !== Infinity) checkPositiveInteger('sequentialBatches', 'maxBatches', maxBatches);
  checkFits('sequentialBatches', tokens, blockSize);
  const numBlocks = Math.floor((tokens.length - 1) / blockSize);
  const numBatches = Math.min(Math.ceil(numBlocks / batchSize), maxBatches);
  // A separate generator, so that bad options throw here rather than at the first next().
  return (function* () {
    for (let i = 0; i < numBatches; i++) {
      const first = i * batchSize;
      const starts = Array.from({ length: Math.min(batchSize, numBlocks - first) }, (_, b) => (first + b) * blockSize);
      yield batchOf(tokens, starts, blockSize);
    }
  })();
}
