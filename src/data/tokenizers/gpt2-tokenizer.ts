/**
 * GPT-2's byte-level BPE (50,257 ids), from js-tiktoken with the ranks bundled in the package, so it
 * works offline. Being byte-level, it round-trips any well-formed text, emoji included; an unpaired
 * surrogate, which UTF-8 cannot hold, comes back as U+FFFD.
 *
 * `<|endoftext|>`: encode treats it as plain text, like tiktoken's `encode_ordinary` that nanoGPT's
 * prepare.py uses, so a corpus cannot smuggle in the control token and decode(encode(s)) === s for
 * every s. The token itself is `eotToken` (50256); append it between documents yourself. decode
 * renders it as the string "<|endoftext|>".
 */

import { Tiktoken } from 'js-tiktoken/lite';
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import type { Tokenizer } from './tokenizer.js';

export interface Gpt2TokenizerJSON {
  kind: 'gpt2';
}

/** Parsing the 50k ranks takes ~0.4 s, so it happens once, on first use, and is shared. */
let shared: Tiktoken | null = null;
const bpe = (): Tiktoken => (shared ??= new Tiktoken(gpt2Ranks));

const VOCAB_SIZE = 50257;
const EOT = 50256;

export class Gpt2Tokenizer implements Tokenizer {
  readonly kind = 'gpt2';
  readonly vocabSize = VOCAB_SIZE;
  /** The id of `<|endoftext|>`, which separates documents. */
  readonly eotToken = EOT;

  static fromJSON(json: unknown): Gpt2Tokenizer {
    if ((json as { kind?: unknown } | null)?.kind !== 'gpt2') throw new Error("Gpt2Tokenizer.fromJSON: expected {kind: 'gpt2'}");
    return new Gpt2Tokenizer();
  }

  encode(text: string): number[] {
    // No special tokens allowed, and none disallowed: `<|endoftext|>` in the text is ordinary text.
    return bpe().encode(text, [], []);
  }

  /** A sequence cut in the middle of a character's bytes decodes that character to U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    const list = Array.from(ids);
    list.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= VOCAB_SIZE) {
        throw new RangeError(`Gpt2Tokenizer.decode: id ${id} at index ${i} is outside the vocabulary [0, ${VOCAB_SIZE})`);
      }
    });
    return bpe().decode(list);
  }

  toJSON(): Gpt2TokenizerJSON {
    return { kind: 'gpt2' };
  }
}
