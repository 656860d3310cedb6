/**
 * A corpus tokenized once and kept on disk (nanoGPT's prepare.py): a directory holding train.bin and
 * val.bin, flat little-endian uint16 tokens (uint32 when the vocabulary exceeds 65,536), which
 * `np.memmap(path, dtype=np.uint16)` reads as nanoGPT does, and meta.json describing them. The
 * train split is the first floor(0.9 · n) tokens and val the rest.
 *
 * Building streams the corpus in chunks, so a corpus larger than memory works: bytes are decoded
 * as a stream (a character split across chunks is joined up), and for BPE the text is cut only
 * where cutting cannot change the tokens (see `safeCut`). Reading uses positioned reads, so only
 * the blocks asked for are loaded.
 *
 * meta.json records the source file's path, size and mtime, and `prepare` rebuilds a cache whose
 * source has changed since. It is written last, after both .bin files are in place, so a build
 * that is interrupted leaves no cache that looks complete.
 */

import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { TokenSequence } from './block-sampler.js';
import { CharTokenizer, UnknownCharacterError, showChar } from './tokenizers/char-tokenizer.js';
import { Gpt2Tokenizer } from './tokenizers/gpt2-tokenizer.js';
import { type Tokenizer, type TokenizerJSON, tokenizerFromJSON } from './tokenizers/tokenizer.js';

export type TokenDType = 'uint16' | 'uint32';
export type SplitName = 'train' | 'val';

/** The contents of meta.json. */
export interface TokenCacheHeader {
  format: 'descent-token-cache';
  version: 1;
  tokenizer: TokenizerJSON;
  dtype: TokenDType;
  /** Tokens in both splits together. */
  numTokens: number;
  splits: Record<SplitName, number>;
  trainFraction: number;
  /** The corpus as it was when the cache was built. */
  source: { path: string; size: number; mtimeMs: number };
}

export interface TokenCacheOptions {
  /** The corpus: a UTF-8 text file. */
  source: string;
  /** The cache directory; created if missing. */
  dir: string;
  /** 'char' builds a CharTokenizer from the corpus's characters; 'gpt2' is GPT-2's BPE. */
  tokenizer: 'char' | 'gpt2' | Tokenizer;
  /** The train split's share of the tokens; 0.9 by default, as nanoGPT. */
  trainFraction?: number;
  /** Bytes read from the corpus at a time; 1 MiB by default. */
  chunkSize?: number;
  /** When given, both splits must hold at least blockSize + 1 tokens. */
  blockSize?: number;
}

const FORMAT = 'descent-token-cache';
const VERSION = 1;
const META = 'meta.json';
const SPLITS: readonly SplitName[] = ['train', 'val'];
const BIG_ENDIAN = endianness() === 'BE';

const bytesPer = (dtype: TokenDType): number => (dtype === 'uint16' ? 2 : 4);
const dtypeFor = (vocabSize: number): TokenDType => (vocabSize <= 65536 ? 'uint16' : 'uint32');
const binPath = (dir: string, split: SplitName): string => join(dir, `${split}.bin`);

/** One split's tokens, read from its .bin file on demand. */
export class TokenSplit implements TokenSequence {
  #fd: number | null;
  readonly #dtype: TokenDType;

  /** @internal Use TokenCache.open. */
  constructor(readonly name: string, readonly path: string, readonly length: number, dtype: TokenDType) {
    this.#dtype = dtype;
    this.#fd = openSync(path, 'r');
  }

  read(start: number, count: number): Int32Array {
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > this.length) {
      throw new RangeError(`TokenSplit.read: tokens [${start}, ${start} + ${count}) are out of range for ${this.name}, which has ${this.length}`);
    }
    if (this.#fd === null) throw new Error(`TokenSplit.read: ${this.name} was closed`);
    const raw = this.#dtype === 'uint16' ? new Uint16Array(count) : new Uint32Array(count);
    const bytes = new Uint8Array(raw.buffer);
    const position = start * bytesPer(this.#dtype);
    for (let done = 0; done < bytes.length;) {
      const n = readSync(this.#fd, bytes, done, bytes.length - done, position + done);
      if (n === 0) throw new Error(`TokenSplit.read: ${this.path} ended early; it is shorter than its ${this.length} tokens`);
      done += n;
    }
    if (BIG_ENDIAN) swapBytes(bytes, this.#dtype);
    return Int32Array.from(raw);
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}

function swapBytes(bytes: Uint8Array, dtype: TokenDType): void {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'uint16') buf.swap16();
  else buf.swap32();
}

export class TokenCache {
  readonly train: TokenSplit;
  readonly val: TokenSplit;

  private constructor(readonly dir: string, readonly header: TokenCacheHeader, readonly tokenizer: Tokenizer) {
    const [train, val] = SPLITS.map((s) => new TokenSplit(`the ${s} split of ${dir}`, binPath(dir, s), header.splits[s], header.dtype));
    this.train = train!;
    this.val = val!;
  }

  split(name: SplitName): TokenSplit {
    if (name !== 'train' && name !== 'val') throw new Error(`TokenCache.split: unknown split '${name}'; expected 'train' or 'val'`);
    return this[name];
  }

  /** Opens the cache in `dir`, checking that meta.json is sound and both .bin files have its token counts. */
  static open(dir: string): TokenCache {
    let header: TokenCacheHeader;
    try {
      header = readHeader(dir);
    } catch (e) {
      throw new Error(`TokenCache.open: ${(e as Error).message}`, { cause: e });
    }
    const problem = binProblem(dir, header);
    if (problem) throw new Error(`TokenCache.open: ${problem}; rebuild the cache with TokenCache.build`);
    let tokenizer: Tokenizer;
    try {
      tokenizer = tokenizerFromJSON(header.tokenizer);
    } catch (e) {
      throw new Error(`TokenCache.open: the tokenizer in ${join(dir, META)} is malformed: ${(e as Error).message}`, { cause: e });
    }
    if (dtypeFor(tokenizer.vocabSize) !== header.dtype) {
      throw new Error(`TokenCache.open: ${join(dir, META)} says dtype ${header.dtype}, but a vocabulary of ${tokenizer.vocabSize} needs ${dtypeFor(tokenizer.vocabSize)}`);
    }
    return new TokenCache(resolve(dir), header, tokenizer);
  }

  /**
   * Why the cache in `opts.dir` does not match `opts` (missing, unreadable, built from another
   * file, tokenizer or split, or its source changed since), or null when it does.
   */
  static staleReason(opts: TokenCacheOptions): string | null {
    const stat = statSource('TokenCache', opts.source);
    let header: TokenCacheHeader;
    try {
      header = readHeader(opts.dir);
    } catch (e) {
      return (e as Error).message;
    }
    const was = header.source;
    const path = resolve(opts.source);
    if (was.path !== path) return `it was built from ${was.path}, not ${path}`;
    if (was.size !== stat.size || was.mtimeMs !== stat.mtimeMs) {
      return `${path} changed since the cache was built (size ${was.size} → ${stat.size} bytes, mtime ${new Date(was.mtimeMs).toISOString()} → ${new Date(stat.mtimeMs).toISOString()})`;
    }
    const wanted = opts.tokenizer;
    const same = typeof wanted === 'string' ? header.tokenizer.kind === wanted : JSON.stringify(header.tokenizer) === JSON.stringify(wanted.toJSON());
    if (!same) return `it was built with a ${header.tokenizer.kind} tokenizer that differs from the one asked for`;
    const fraction = opts.trainFraction ?? 0.9;
    if (header.trainFraction !== fraction) return `it was built with trainFraction ${header.trainFraction}, not ${fraction}`;
    return binProblem(opts.dir, header);
  }

  /** Opens the cache in `opts.dir`, building it first if it is missing or stale. */
  static prepare(opts: TokenCacheOptions): TokenCache {
    const cache = TokenCache.staleReason(opts) === null ? TokenCache.open(opts.dir) : TokenCache.build(opts);
    if (opts.blockSize !== undefined) {
      const { train, val } = cache.header.splits;
      if (Math.min(train, val) < opts.blockSize + 1) {
        cache.close();
        throw new Error(
          `TokenCache: ${cache.header.source.path} gives ${train} train and ${val} val tokens, but each split needs at least ` +
          `blockSize + 1 = ${opts.blockSize + 1} for one block of blockSize ${opts.blockSize}`);
      }
    }
    return cache;
  }

  /** Tokenizes `opts.source` into `opts.dir`, replacing any cache there, and opens the result. */
  static build(opts: TokenCacheOptions): TokenCache {
    const what = 'TokenCache.build';
    const { source, dir, trainFraction = 0.9, chunkSize = 1 << 20 } = opts;
    if (!(trainFraction > 0 && trainFraction < 1)) throw new Error(`${what}: trainFraction must lie strictly between 0 and 1, got ${trainFraction}`);
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new Error(`${what}: chunkSize must be a positive integer, got ${chunkSize}`);
    if (typeof opts.tokenizer === 'string' && opts.tokenizer !== 'char' && opts.tokenizer !== 'gpt2') {
      throw new Error(`${what}: unknown tokenizer '${opts.tokenizer}'; expected 'char', 'gpt2' or a Tokenizer`);
    }
    const stat = statSource('TokenCache', source);
    const tokenizer = opts.tokenizer === 'char' ? charTokenizerOf(source, chunkSize)
      : opts.tokenizer === 'gpt2' ? new Gpt2Tokenizer()
      : opts.tokenizer;
    const dtype = dtypeFor(tokenizer.vocabSize);
    const width = bytesPer(dtype);

    mkdirSync(dir, { recursive: true });
    rmSync(join(dir, META), { force: true }); // from here until the new meta.json, the cache is invalid
    const tag = `tmp-${process.pid}-${Date.now()}`;
    const allPath = join(dir, `tokens.${tag}`), valPath = join(dir, `val.bin.${tag}`);
    try {
      const all = openSync(allPath, 'w+');
      let open = true;
      let numTokens = 0;
      try {
        for (const piece of encodedPieces(source, chunkSize, tokenizer)) {
          const raw = dtype === 'uint16' ? Uint16Array.from(piece) : Uint32Array.from(piece);
          const bytes = new Uint8Array(raw.buffer);
          if (BIG_ENDIAN) swapBytes(bytes, dtype);
          writeAll(all, bytes, numTokens * width);
          numTokens += piece.length;
        }
        const numTrain = Math.floor(numTokens * trainFraction);
        copyTail(all, numTrain * width, numTokens * width, valPath);
        ftruncateSync(all, numTrain * width);
        const header: TokenCacheHeader = {
          format: FORMAT, version: VERSION, tokenizer: tokenizer.toJSON(), dtype, numTokens,
          splits: { train: numTrain, val: numTokens - numTrain }, trainFraction,
          source: { path: resolve(source), size: stat.size, mtimeMs: stat.mtimeMs },
        };
        closeSync(all);
        open = false;
        renameSync(allPath, binPath(dir, 'train'));
        renameSync(valPath, binPath(dir, 'val'));
        writeFileAtomic(join(dir, META), JSON.stringify(header, null, 2) + '\n');
      } finally {
        if (open) closeSync(all);
      }
    } finally {
      rmSync(allPath, { force: true });
      rmSync(valPath, { force: true });
    }
    return TokenCache.open(dir);
  }

  close(): void {
    this.train.close();
    this.val.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function statSource(what: string, source: string): { size: number; mtimeMs: number } {
  let stat;
  try {
    stat = statSync(source);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${what}: the corpus file ${source} does not exist`, { cause: e });
    throw e;
  }
  if (!stat.isFile()) throw new Error(`${what}: the corpus ${source} is not a file`);
  if (stat.size === 0) throw new Error(`${what}: the corpus file ${source} is empty`);
  return { size: stat.size, mtimeMs: stat.mtimeMs };
}

function readHeader(dir: string): TokenCacheHeader {
  const path = join(dir, META);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`there is no token cache in ${dir} (no ${META})`, { cause: e });
    throw e;
  }
  let h: TokenCacheHeader;
  try {
    h = JSON.parse(text) as TokenCacheHeader;
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const bad = (field: string): Error => new Error(`${path} has a missing or malformed '${field}'`);
  if (h?.format !== FORMAT) throw bad('format');
  if (h.version !== VERSION) throw new Error(`${path} has version ${h.version}; this build reads version ${VERSION}`);
  if (h.dtype !== 'uint16' && h.dtype !== 'uint32') throw bad('dtype');
  for (const s of SPLITS) if (!Number.isInteger(h.splits?.[s]) || h.splits[s] < 0) throw bad(`splits.${s}`);
  if (h.numTokens !== h.splits.train + h.splits.val) throw bad('numTokens');
  if (typeof h.trainFraction !== 'number') throw bad('trainFraction');
  if (typeof h.source?.path !== 'string' || typeof h.source.size !== 'number' || typeof h.source.mtimeMs !== 'number') throw bad('source');
  if (typeof h.tokenizer?.kind !== 'string') throw bad('tokenizer');
  return h;
}

/** Why the .bin files do not hold the header's token counts, or null when they do. */
function binProblem(dir: string, header: TokenCacheHeader): string | null {
  for (const s of SPLITS) {
    const path = binPath(dir, s);
    const expected = header.splits[s] * bytesPer(header.dtype);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return `${path} is missing`;
    }
    if (size !== expected) return `${path} has ${size} bytes, but ${header.splits[s]} ${header.dtype} tokens take ${expected}`;
  }
  return null;
}

/** The corpus as text, chunk by chunk; a character split between chunks comes whole in the later one. */
function* textChunks(source: string, chunkSize: number): Generator<string> {
  // ignoreBOM keeps a leading U+FEFF as text, as Python's open() does, so the tokens cover the whole file.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const fd = openSync(source, 'r');
  const buffer = new Uint8Array(chunkSize);
  let offset = 0;
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, chunkSize, offset);
      let text: string;
      try {
        text = decoder.decode(buffer.subarray(0, n), { stream: n > 0 });
      } catch (e) {
        throw new Error(`TokenCache: ${source} is not valid UTF-8 (in bytes ${offset}–${offset + n})`, { cause: e });
      }
      if (text.length > 0) yield text;
      if (n === 0) return;
      offset += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** The vocabulary of a corpus too large to hold: its distinct characters, gathered chunk by chunk. */
function charTokenizerOf(source: string, chunkSize: number): CharTokenizer {
  const chars = new Set<string>();
  for (const text of textChunks(source, chunkSize)) for (const c of text) chars.add(c);
  return CharTokenizer.fromText([...chars].join(''));
}

const WHITESPACE = /\s/;

/**
 * Where `text` may be cut so that encoding the two halves apart gives the tokens of the whole,
 * searching from the end down to `from`; -1 if nowhere.
 *
 * GPT-2's BPE merges only within the pieces its regex splits text into: `'s|'t|'re|'ve|'m|'ll|'d|
 * ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`. Before a lone whitespace character, between
 * two non-whitespace ones, every piece ends, and no piece before it looks past it: `(?!\S)` looks
 * ahead only from runs of whitespace, which end earlier. A run of two or more would not do: at the
 * end of the first half it would become one piece ("\n\n", token 628) instead of two.
 * Cuts before a newline are preferred, so that pieces are lines.
 */
export function safeCut(text: string, from = 1): number {
  const ok = (i: number): boolean => WHITESPACE.test(text[i]!) && !WHITESPACE.test(text[i - 1]!) && !WHITESPACE.test(text[i + 1]!);
  const start = Math.max(from, 1);
  for (let i = text.length - 2; i >= start; i--) if (text[i] === '\n' && ok(i)) return i;
  for (let i = text.length - 2; i >= start; i--) if (ok(i)) return i;
  return -1;
}

/** The tokens of the corpus, in pieces that together equal encoding it whole. */
function* encodedPieces(source: string, chunkSize: number, tokenizer: Tokenizer): Generator<number[]> {
  let pending = '';
  let searched = 0; // pending[0, searched) has no cut, so later searches can skip it
  let position = 0; // characters (code points) encoded so far, for errors
  const encode = (text: string): number[] => {
    try {
      return tokenizer.encode(text);
    } catch (e) {
      if (!(e instanceof UnknownCharacterError)) throw e;
      throw new Error(
        `TokenCache: ${source} has the character ${showChar(e.char)} at character ${position + e.position}, ` +
        `which is not in the tokenizer's vocabulary of ${tokenizer.vocabSize}`, { cause: e });
    }
  };
  const emit = (text: string): number[] => {
    const ids = encode(text);
    position += ids.length; // only a character tokenizer throws UnknownCharacterError, and it gives a token per character
    return ids;
  };
  for (const text of textChunks(source, chunkSize)) {
    // A character tokenizer maps each character on its own, so any cut will do.
    if (tokenizer.kind === 'char') {
      yield emit(text);
      continue;
    }
    pending += text;
    const cut = safeCut(pending, searched);
    if (cut < 0) {
      searched = Math.max(pending.length - 2, 0);
      continue;
    }
    yield emit(pending.slice(0, cut));
    pending = pending.slice(cut);
    searched = 0;
  }
  if (pending.length > 0) yield emit(pending);
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/** Copies bytes [start, end) of the open file `fd` into a new file at `path`. */
function copyTail(fd: number, start: number, end: number, path: string): void {
  const out = openSync(path, 'w');
  try {
    const buffer = new Uint8Array(Math.min(1 << 20, Math.max(end - start, 1)));
    for (let at = start; at < end;) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, end - at), at);
      writeAll(out, buffer.subarray(0, n), at - start);
      at += n;
    }
  } finally {
    closeSync(out);
  }
}
