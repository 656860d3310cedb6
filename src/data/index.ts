/** The data namespace (torch.utils.data): datasets and the batching loader, tokenizers, the token cache. */

export * from './portable.js';
export { TokenCache, TokenSplit } from './token-cache.js';
export type { TokenCacheOptions, TokenCacheHeader, SplitName } from './token-cache.js';
export { Gpt2Tokenizer } from './tokenizers/gpt2-tokenizer.js';
export { tokenizerFromJSON } from './tokenizers/tokenizer.js';
export type { Tokenizer, TokenizerJSON } from './tokenizers/tokenizer.js';
