/** The data namespace (torch.utils.data): datasets and the batching loader. */

export { TensorDataset, Subset, randomSplit } from './dataset.js';
export type { Dataset } from './dataset.js';
export { DataLoader, defaultCollate } from './data-loader.js';
export type { DataLoaderOptions, DataLoaderState, Collated } from './data-loader.js';
export { TokenCache, TokenSplit } from './token-cache.js';
export type { TokenCacheOptions, TokenCacheHeader, SplitName } from './token-cache.js';
export { BlockSampler, sequentialBatches } from './block-sampler.js';
export type { BlockSamplerOptions, BlockSamplerState, TokenBatch, TokenSequence } from './block-sampler.js';
export { CharTokenizer } from './tokenizers/char-tokenizer.js';
export { Gpt2Tokenizer } from './tokenizers/gpt2-tokenizer.js';
export { tokenizerFromJSON } from './tokenizers/tokenizer.js';
export type { Tokenizer, TokenizerJSON } from './tokenizers/tokenizer.js';
