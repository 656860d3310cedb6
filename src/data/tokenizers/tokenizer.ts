/**
 * Tokenizers turn text into token ids and back. Each kind saves itself as plain JSON (`toJSON()`),
 * stored with token caches and checkpoints, and `tokenizerFromJSON` rebuilds either kind from it.
 */

import { CharTokenizer, type CharTokenizerJSON } from './char-tokenizer.js';
import { Gpt2Tokenizer, type Gpt2TokenizerJSON } from './gpt2-tokenizer.js';

export interface Tokenizer {
  /** Which kind this is; the `kind` field of its JSON. */
  readonly kind: TokenizerJSON['kind'];
  /** Ids run from 0 to vocabSize − 1. */
  readonly vocabSize: number;
  encode(text: string): number[];
  /** Throws on an id outside [0, vocabSize). */
  decode(ids: ArrayLike<number>): string;
  /** Plain data that `tokenizerFromJSON` turns back into an equal tokenizer. */
  toJSON(): TokenizerJSON;
}

export type TokenizerJSON = CharTokenizerJSON | Gpt2TokenizerJSON;

const describe = (x: unknown): string =>
  x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x === 'object' ? 'an object' : `${typeof x} ${JSON.stringify(x)}`;

/** Rebuilds a tokenizer from what its `toJSON()` gave. */
export function tokenizerFromJSON(json: unknown): Tokenizer {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`tokenizerFromJSON: expected an object with a 'kind' field, got ${describe(json)}`);
  }
  const kind = (json as { kind?: unknown }).kind;
  if (kind === 'char') return CharTokenizer.fromJSON(json);
  if (kind === 'gpt2') return Gpt2Tokenizer.fromJSON(json);
  const shown = kind === undefined ? '(none)' : typeof kind === 'string' ? `'${kind}'` : describe(kind);
  throw new Error(`tokenizerFromJSON: unknown tokenizer kind ${shown}; expected 'char' or 'gpt2'`);
}
