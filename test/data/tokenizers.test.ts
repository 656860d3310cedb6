/** Tokenizers: the character vocabulary of tiny Shakespeare, GPT-2's BPE, and saving either as JSON. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CharTokenizer } from '../../src/data/tokenizers/char-tokenizer.js';
import { Gpt2Tokenizer } from '../../src/data/tokenizers/gpt2-tokenizer.js';
import { tokenizerFromJSON } from '../../src/data/tokenizers/tokenizer.js';
import { repoRoot } from '../helpers.js';

const shakespeare = readFileSync(join(repoRoot(), 'data', 'tinyshakespeare.txt'), 'utf8');

test('the characters of tiny Shakespeare give nanoGPT\'s vocabulary of 65 and round-trip', () => {
  assert.equal(shakespeare.length, 1115394);
  const tok = CharTokenizer.fromText(shakespeare);
  assert.equal(tok.vocabSize, 65);
  assert.equal(tok.chars.join(''), "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
  // The ids printed in nanoGPT's "Let's build GPT" notebook.
  assert.deepEqual(tok.encode('hii there'), [46, 47, 47, 1, 58, 46, 43, 56, 43]);
  const ids = tok.encode(shakespeare);
  assert.equal(ids.length, shakespeare.length);
  assert.equal(tok.decode(ids), shakespeare);
  assert.equal(tok.decode(Int32Array.from(ids.slice(0, 14))), 'First Citizen:');
});

test('a character outside the vocabulary is named with its position', () => {
  const tok = CharTokenizer.fromText('abc\n');
  assert.throws(() => tok.encode('ab\nxc'), /CharTokenizer\.encode: character "x" \(U\+0078\) at position 3 is not in the vocabulary of 4 characters/);
  assert.throws(() => tok.encode('a\tb'), /character "\\t" \(U\+0009\) at position 1/);
  assert.throws(() => tok.encode('ab😀'), /character "😀" \(U\+1F600\) at position 2/);
  assert.throws(() => tok.decode([0, 4]), /CharTokenizer\.decode: id 4 at index 1 is outside the vocabulary \[0, 4\)/);
  assert.throws(() => tok.decode([-1]), /id -1 at index 0/);
});

test('characters are code points, sorted by code point as Python sorts them', () => {
  // JavaScript's default sort would put the emoji (a surrogate pair, 0xD83D …) before U+FF01.
  const tok = CharTokenizer.fromText('\uFF01😀a😀');
  assert.deepEqual(tok.chars, ['a', '\uFF01', '😀']);
  assert.deepEqual(tok.encode('😀a\uFF01'), [2, 0, 1]);
  assert.equal(tok.decode([2, 0, 1]), '😀a\uFF01');
});

test('CharTokenizer rejects an empty text and a malformed vocabulary', () => {
  assert.throws(() => CharTokenizer.fromText(''), /the text is empty/);
  assert.throws(() => new CharTokenizer([]), /vocabulary is empty/);
  assert.throws(() => new CharTokenizer(['a', 'bc']), /entry 1 of the vocabulary is "bc", not a single character/);
  assert.throws(() => new CharTokenizer(['a', 'b', 'a']), /character "a" \(U\+0061\) appears twice in the vocabulary, at 0 and 2/);
});

test('GPT-2 BPE gives GPT-2\'s ids and round-trips any text', () => {
  const tok = new Gpt2Tokenizer();
  assert.equal(tok.vocabSize, 50257);
  assert.equal(tok.eotToken, 50256);
  assert.deepEqual(tok.encode('Hello world'), [15496, 995]);
  assert.deepEqual(tok.encode(' world\n\n'), [995, 628]);
  for (const text of ['héllo wörld', 'emoji 😀🎉👩‍👩‍👧 and 日本語', '  leading, trailing  \t\r\n', "it's we've I'll", '', '\u0000\u00ff']) {
    const ids = tok.encode(text);
    assert.ok(ids.every((id) => Number.isInteger(id) && id >= 0 && id < 50257));
    assert.equal(tok.decode(ids), text, JSON.stringify(text));
  }
  assert.throws(() => tok.decode([15496, 50257]), /Gpt2Tokenizer\.decode: id 50257 at index 1 is outside the vocabulary \[0, 50257\)/);
});

test('GPT-2 treats <|endoftext|> in text as plain text; the token itself decodes to it', () => {
  const tok = new Gpt2Tokenizer();
  const ids = tok.encode('a<|endoftext|>b');
  assert.ok(!ids.includes(tok.eotToken));
  assert.equal(tok.decode(ids), 'a<|endoftext|>b');
  assert.equal(tok.decode([tok.eotToken]), '<|endoftext|>');
  assert.equal(tok.decode([...tok.encode('one'), tok.eotToken, ...tok.encode('two')]), 'one<|endoftext|>two');
});

test('toJSON and tokenizerFromJSON round-trip both kinds through JSON text', () => {
  const char = CharTokenizer.fromText('to be or not to be 😀');
  const back = tokenizerFromJSON(JSON.parse(JSON.stringify(char)));
  assert.ok(back instanceof CharTokenizer);
  assert.deepEqual(back.toJSON(), char.toJSON());
  assert.deepEqual(back.encode('be not 😀'), char.encode('be not 😀'));

  const gpt2 = tokenizerFromJSON(JSON.parse(JSON.stringify(new Gpt2Tokenizer())));
  assert.ok(gpt2 instanceof Gpt2Tokenizer);
  assert.deepEqual(gpt2.toJSON(), { kind: 'gpt2' });
  assert.deepEqual(gpt2.encode('Hello world'), [15496, 995]);
});

test('tokenizerFromJSON names an unknown kind and malformed data', () => {
  assert.throws(() => tokenizerFromJSON({ kind: 'sentencepiece' }), /unknown tokenizer kind 'sentencepiece'; expected 'char' or 'gpt2'/);
  assert.throws(() => tokenizerFromJSON({}), /unknown tokenizer kind \(none\)/);
  assert.throws(() => tokenizerFromJSON(null), /expected an object with a 'kind' field, got null/);
  assert.throws(() => tokenizerFromJSON([1]), /got an array/);
  assert.throws(() => tokenizerFromJSON({ kind: 3 }), /unknown tokenizer kind number 3/);
  assert.throws(() => tokenizerFromJSON({ kind: 'char', chars: 'abc' }), /CharTokenizer\.fromJSON: expected \{kind: 'char', chars: \[single characters\]\}/);
  assert.throws(() => tokenizerFromJSON({ kind: 'char', chars: ['a', 7] }), /entry 1 of the vocabulary is 7/);
});
