/**
 * A character-level tokenizer (nanoGPT's shakespeare_char): the vocabulary is the sorted set of the
 * corpus's characters, `sorted(list(set(data)))`, and a character's id is its place in that list.
 * Characters are Unicode code points, as in Python, so an emoji is one token, and the sort is by
 * code point (JavaScript's default sort compares UTF-16 units, which orders astral characters
 * before U+E000–U+FFFF).
 */

import type { Tokenizer } from './tokenizer.js';

export interface CharTokenizerJSON {
  kind: 'char';
  /** The vocabulary: id i is chars[i], one code point each. */
  chars: string[];
}

/** Thrown by encode for a character outside the vocabulary. */
export class UnknownCharacterError extends Error {
  /**
   * @param char the character
   * @param position its index in code points, which is the index of the token it would have become
   */
  constructor(readonly char: string, readonly position: number, vocabSize: number) {
    super(`CharTokenizer.encode: character ${showChar(char)} at position ${position} is not in the vocabulary of ${vocabSize} characters`);
    this.name = 'UnknownCharacterError';
  }
}

/** 'a' (U+0061), with control characters escaped so the message stays on one line. */
export function showChar(char: string): string {
  const code = char.codePointAt(0)!;
  return `${JSON.stringify(char)} (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
}

const byCodePoint = (a: string, b: string): number => a.codePointAt(0)! - b.codePointAt(0)!;

export class CharTokenizer implements Tokenizer {
  readonly kind = 'char';
  readonly #chars: readonly string[];
  readonly #ids = new Map<number, number>();

  /** A tokenizer whose id i is chars[i]; each entry must be a single code point, none repeated. */
  constructor(chars: readonly string[]) {
    chars.forEach((c, i) => {
      if (typeof c !== 'string' || [...c].length !== 1) {
        throw new Error(`CharTokenizer: entry ${i} of the vocabulary is ${JSON.stringify(c)}, not a single character`);
      }
      const code = c.codePointAt(0)!;
      const seen = this.#ids.get(code);
      if (seen !== undefined) throw new Error(`CharTokenizer: character ${showChar(c)} appears twice in the vocabulary, at ${seen} and ${i}`);
      this.#ids.set(code, i);
    });
    if (chars.length === 0) throw new Error('CharTokenizer: the vocabulary is empty');
    this.#chars = [...chars];
  }

  /** The vocabulary of `text`: its distinct characters in code point order. */
  static fromText(text: string): CharTokenizer {
    if (text.length === 0) throw new Error('CharTokenizer.fromText: the text is empty, so there is no vocabulary');
    return new CharTokenizer([...new Set(text)].sort(byCodePoint));
  }

  static fromJSON(json: unknown): CharTokenizer {
    const chars = (json as { chars?: unknown } | null)?.chars;
    if ((json as { kind?: unknown } | null)?.kind !== 'char' || !Array.isArray(chars)) {
      throw new Error("CharTokenizer.fromJSON: expected {kind: 'char', chars: [single characters]}");
    }
    return new CharTokenizer(chars as string[]);
  }

  get vocabSize(): number {
    return this.#chars.length;
  }

  /** The vocabulary, in id order. */
  get chars(): readonly string[] {
    return this.#chars;
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const code = text.codePointAt(i)!;
      if (code > 0xffff) i++;
      const id = this.#ids.get(code);
      if (id === undefined) throw new UnknownCharacterError(String.fromCodePoint(code), ids.length, this.#chars.length);
      ids.push(id);
    }
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const c = this.#chars[ids[i]!];
      if (c === undefined) {
        throw new RangeError(`CharTokenizer.decode: id ${ids[i]} at index ${i} is outside the vocabulary [0, ${this.#chars.length})`);
      }
      out += c;
    }
    return out;
  }

  toJSON(): CharTokenizerJSON {
    return { kind: 'char', chars: [...this.#chars] };
  }
}
