/** The data namespace's portable part: what runs in any JavaScript engine, without Node's file system or a bundler. */

export { TensorDataset, Subset, randomSplit } from './dataset.js';
export type { Dataset } from './dataset.js';
export { DataLoader, defaultCollate } from './data-loader.js';
export type { DataLoaderOptions, DataLoaderState, Collated } from './data-loader.js';
export { BlockSampler, sequentialBatches } from './block-sampler.js';
export type { BlockSamplerOptions, BlockSamplerState, TokenBatch, TokenSequence } from './block-sampler.js';
export { CharTokenizer } from './tokenizers/char-tokenizer.js';
