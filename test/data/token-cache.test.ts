/** TokenCache: the 90/10 split on disk, streaming in chunks equal to encoding at once, staleness, errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator } from '../../src/index.js';
import { TokenCache, type TokenCacheOptions, safeCut } from '../../src/data/token-cache.js';
import { CharTokenizer } from '../../src/data/tokenizers/char-tokenizer.js';
import { Gpt2Tokenizer } from '../../src/data/tokenizers/gpt2-tokenizer.js';
import { repoRoot } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'descent-token-cache-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
/** A fresh corpus file with `text` and a cache directory beside it. */
function corpus(text: string | Uint8Array): { source: string; dir: string } {
  const n = counter++;
  const source = join(tmp, `corpus-${n}.txt`);
  writeFileSync(source, text);
  return { source, dir: join(tmp, `cache-${n}`) };
}

/** Every token of both splits, train then val. */
function allTokens(cache: TokenCache): number[] {
  return [...cache.train.read(0, cache.train.length), ...cache.val.read(0, cache.val.length)];
}

function withCache<T>(opts: TokenCacheOptions, f: (cache: TokenCache) => T): T {
  const cache = TokenCache.prepare(opts);
  try {
    return f(cache);
  } finally {
    cache.close();
  }
}

const SAMPLE = 'First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n'.repeat(12);
const N = SAMPLE.length; // 972 characters, all ASCII
const N_VAL = N - Math.floor(N * 0.9); // 98

test('a character cache holds the corpus\'s tokens, split 90/10, as little-endian uint16', () => {
  const { source, dir } = corpus(SAMPLE);
  const tok = CharTokenizer.fromText(SAMPLE);
  const ids = tok.encode(SAMPLE);
  withCache({ source, dir, tokenizer: 'char', chunkSize: 100 }, (cache) => {
    const n = SAMPLE.length, nTrain = Math.floor(n * 0.9);
    assert.deepEqual(cache.header.splits, { train: nTrain, val: n - nTrain });
    assert.equal(cache.header.numTokens, n);
    assert.equal(cache.header.dtype, 'uint16');
    assert.deepEqual(cache.header.tokenizer, tok.toJSON());
    assert.deepEqual(cache.tokenizer.toJSON(), tok.toJSON());
    assert.equal(cache.train.length, nTrain);
    assert.deepEqual([...cache.train.read(0, nTrain)], ids.slice(0, nTrain));
    assert.deepEqual([...cache.val.read(0, n - nTrain)], ids.slice(nTrain));
    assert.deepEqual([...cache.split('val').read(3, 4)], ids.slice(nTrain + 3, nTrain + 7));
    const bytes = readFileSync(join(dir, 'train.bin'));
    assert.equal(bytes.length, 2 * nTrain);
    assert.equal(bytes[2 * 5]! | (bytes[2 * 5 + 1]! << 8), ids[5]);
    assert.equal(statSync(join(dir, 'val.bin')).size, 2 * (n - nTrain));
  });
});

test('tiny Shakespeare gives nanoGPT\'s shakespeare_char split: 1,003,854 train and 111,540 val tokens', () => {
  const source = join(repoRoot(), 'data', 'tinyshakespeare.txt');
  withCache({ source, dir: join(tmp, 'shakespeare-char'), tokenizer: 'char', blockSize: 256 }, (cache) => {
    assert.equal(cache.tokenizer.vocabSize, 65);
    assert.deepEqual(cache.header.splits, { train: 1003854, val: 111540 });
    assert.equal(cache.tokenizer.decode(cache.train.read(0, 14)), 'First Citizen:');
  });
});

test('streaming in tiny chunks equals encoding the whole text, with characters split across chunks', () => {
  // 'é' is 2 bytes in UTF-8, '日' 3 and '😀' 4, so small chunk sizes cut through each of them.
  const text = "Héllo wörld 😀!\nIt's 日本語, isn't it?\n\n  Two  spaces\tand a tab.\r\nEnd 😀😀\n";
  const bytes = new TextEncoder().encode(text);
  for (const tokenizer of ['char', 'gpt2'] as const) {
    const whole = tokenizer === 'char' ? CharTokenizer.fromText(text).encode(text) : new Gpt2Tokenizer().encode(text);
    for (const chunkSize of [1, 2, 3, 5, 7, 16, bytes.length]) {
      const { source, dir } = corpus(bytes);
      withCache({ source, dir, tokenizer, chunkSize }, (cache) => {
        assert.deepEqual(allTokens(cache), whole, `${tokenizer}, chunkSize ${chunkSize}`);
        assert.equal(cache.tokenizer.decode(allTokens(cache)), text);
      });
    }
  }
});

test('BPE pieces cut where safeCut says encode to the tokens of the whole', () => {
  const tok = new Gpt2Tokenizer();
  const alphabet = ['a', 'b', 'The', ' ', ' ', '\n', '\n\n', '\r\n', '\t', '\u00a0', "'", "'s", '1', '23', '.', ',', 'é', '😀', '日'];
  const g = new Generator(7);
  for (let trial = 0; trial < 40; trial++) {
    const text = Array.from({ length: 60 }, () => alphabet[g.randint(0, alphabet.length)]).join('');
    const whole = tok.encode(text);
    // Every cut safeCut finds in ever shorter prefixes, each a cut of the whole text too.
    for (let end = text.length, cut; (cut = safeCut(text.slice(0, end))) > 0; end = cut) {
      assert.deepEqual([...tok.encode(text.slice(0, cut)), ...tok.encode(text.slice(cut))], whole, `${JSON.stringify(text)} cut at ${cut}`);
    }
    const { source, dir } = corpus(text);
    withCache({ source, dir, tokenizer: 'gpt2', chunkSize: 1 + g.randint(0, 12) }, (cache) => {
      assert.deepEqual(allTokens(cache), whole, JSON.stringify(text));
    });
  }
  // A run of two newlines is no cut: apart, "a\n\n" ends in the single token "\n\n".
  assert.equal(safeCut('a\n\nb'), -1);
  assert.equal(safeCut('one two\nthree'), 7);
  assert.equal(safeCut('one two three'), 7);
});

test('a fresh cache is reused, and a changed source, tokenizer or split rebuilds it', () => {
  const { source, dir } = corpus(SAMPLE);
  const opts: TokenCacheOptions = { source, dir, tokenizer: 'char' };
  assert.match(TokenCache.staleReason(opts)!, /there is no token cache in .*cache-\d+ \(no meta\.json\)/);
  withCache(opts, () => {});
  assert.equal(TokenCache.staleReason(opts), null);
  const built = statSync(join(dir, 'meta.json')).mtimeMs;
  withCache(opts, () => {});
  assert.equal(statSync(join(dir, 'meta.json')).mtimeMs, built, 'a fresh cache is opened, not rebuilt');

  // A different size.
  writeFileSync(source, SAMPLE + 'More text!\n');
  assert.match(TokenCache.staleReason(opts)!, new RegExp(`changed since the cache was built \\(size ${N} → ${N + 11} bytes`));
  withCache(opts, (cache) => {
    assert.equal(cache.header.numTokens, SAMPLE.length + 11);
    assert.equal(cache.tokenizer.vocabSize, CharTokenizer.fromText(SAMPLE + 'More text!\n').vocabSize);
  });
  // The same size, a later mtime.
  const edited = SAMPLE.replace('First', 'FIRST') + 'More text?\n';
  writeFileSync(source, edited);
  const later = new Date(statSync(source).mtimeMs + 5000);
  utimesSync(source, later, later);
  assert.match(TokenCache.staleReason(opts)!, new RegExp(`size ${N + 11} → ${N + 11} bytes, mtime`));
  withCache(opts, (cache) => assert.equal(cache.tokenizer.decode(allTokens(cache)), edited));
  assert.equal(TokenCache.staleReason(opts), null);

  assert.match(TokenCache.staleReason({ ...opts, tokenizer: 'gpt2' })!, /built with a char tokenizer that differs/);
  assert.match(TokenCache.staleReason({ ...opts, tokenizer: CharTokenizer.fromText(edited + '#') })!, /differs/);
  assert.equal(TokenCache.staleReason({ ...opts, tokenizer: CharTokenizer.fromText(edited) }), null);
  assert.match(TokenCache.staleReason({ ...opts, trainFraction: 0.8 })!, /trainFraction 0\.9, not 0\.8/);
  withCache({ ...opts, tokenizer: 'gpt2' }, (cache) => {
    assert.equal(cache.header.tokenizer.kind, 'gpt2');
    assert.deepEqual(allTokens(cache), new Gpt2Tokenizer().encode(edited));
  });
});

test('a damaged cache is reported by open and rebuilt by prepare', () => {
  const { source, dir } = corpus(SAMPLE);
  const opts: TokenCacheOptions = { source, dir, tokenizer: 'char' };
  withCache(opts, () => {});
  truncateSync(join(dir, 'val.bin'), 10);
  assert.match(TokenCache.staleReason(opts)!, new RegExp(`val\\.bin has 10 bytes, but ${N_VAL} uint16 tokens take ${2 * N_VAL}`));
  assert.throws(() => TokenCache.open(dir), new RegExp(`TokenCache\\.open: .*val\\.bin has 10 bytes, but ${N_VAL} uint16 tokens take ${2 * N_VAL}; rebuild`));
  withCache(opts, (cache) => assert.equal(cache.val.length, N_VAL));

  // A build interrupted before meta.json leaves no cache that looks complete.
  rmSync(join(dir, 'meta.json'));
  assert.throws(() => TokenCache.open(dir), /TokenCache\.open: there is no token cache in .* \(no meta\.json\)/);
  writeFileSync(join(dir, 'meta.json'), '{"format": "descent-token-cache", ');
  assert.throws(() => TokenCache.open(dir), /meta\.json is not valid JSON/);
  writeFileSync(join(dir, 'meta.json'), '{"format": "descent-token-cache", "version": 1, "dtype": "uint8"}');
  assert.throws(() => TokenCache.open(dir), /meta\.json has a missing or malformed 'dtype'/);
  withCache(opts, (cache) => assert.equal(cache.header.numTokens, SAMPLE.length));
});

test('reads are checked against the split and the cache\'s state', () => {
  const { source, dir } = corpus(SAMPLE);
  const cache = TokenCache.prepare({ source, dir, tokenizer: 'char' });
  assert.equal(cache.val.read(cache.val.length, 0).length, 0);
  assert.throws(() => cache.val.read(N_VAL - 3, 5), new RegExp(`TokenSplit\\.read: tokens \\[${N_VAL - 3}, ${N_VAL - 3} \\+ 5\\) are out of range for the val split of .*, which has ${N_VAL}`));
  assert.throws(() => cache.train.read(-1, 2), /out of range/);
  assert.throws(() => cache.split('test' as 'val'), /unknown split 'test'; expected 'train' or 'val'/);
  cache.close();
  assert.throws(() => cache.train.read(0, 1), /the train split of .* was closed/);
});

test('errors name the missing, empty or too short corpus and its sizes', () => {
  const missing = join(tmp, 'no-such-corpus.txt');
  assert.throws(() => TokenCache.prepare({ source: missing, dir: join(tmp, 'x'), tokenizer: 'char' }),
    new RegExp(`the corpus file ${missing.replace(/[.]/g, '\\.')} does not exist`));
  const empty = corpus('');
  assert.throws(() => TokenCache.prepare({ ...empty, tokenizer: 'gpt2' }), /the corpus file .*corpus-\d+\.txt is empty/);
  const short = corpus('0123456789abcdefghij'); // 20 tokens: 18 train, 2 val
  assert.throws(() => TokenCache.prepare({ ...short, tokenizer: 'char', blockSize: 4 }),
    /corpus-\d+\.txt gives 18 train and 2 val tokens, but each split needs at least blockSize \+ 1 = 5 for one block of blockSize 4/);
  withCache({ ...short, tokenizer: 'char', blockSize: 1 }, (cache) => assert.equal(cache.val.length, 2));
  const bad = corpus(new Uint8Array([0x61, 0x62, 0xff, 0x63]));
  assert.throws(() => TokenCache.prepare({ ...bad, tokenizer: 'char' }), /corpus-\d+\.txt is not valid UTF-8/);
  const unknown = corpus('abc\nabd\n');
  assert.throws(() => TokenCache.prepare({ ...unknown, tokenizer: CharTokenizer.fromText('abc\n'), chunkSize: 3 }),
    /corpus-\d+\.txt has the character "d" \(U\+0064\) at character 6, which is not in the tokenizer's vocabulary of 4/);
  assert.throws(() => TokenCache.build({ ...unknown, tokenizer: 'char', trainFraction: 1 }), /trainFraction must lie strictly between 0 and 1, got 1/);
  assert.throws(() => TokenCache.build({ ...unknown, tokenizer: 'char', chunkSize: 0 }), /chunkSize must be a positive integer, got 0/);
  assert.throws(() => TokenCache.build({ ...unknown, tokenizer: 'bpe' as 'gpt2' }), /unknown tokenizer 'bpe'; expected 'char', 'gpt2' or a Tokenizer/);
});
