/** Embedding: row lookup, its gradient (summed over repeats), N(0, 1) initialisation and errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor } from '../../src/index.js';
import { Embedding } from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';

test('Embedding picks rows: output shape is [...indices.shape, embeddingDim]', () => {
  const emb = new Embedding(5, 3);
  const w = emb.weight.tolist() as number[][];
  const idx = tensor([[4, 0], [4, 2]], { dtype: 'int32' });
  const out = emb.forward(idx);
  assert.deepEqual([...out.shape], [2, 2, 3]);
  assert.deepEqual(out.tolist(), [[w[4], w[0]], [w[4], w[2]]]);
  assert.deepEqual([...emb.forward(tensor(1, { dtype: 'int32' })).shape], [3]);
});

test('Embedding gradient adds up over repeated indices and is zero for unused rows', () => {
  const emb = new Embedding(4, 2, { dtype: 'float64' });
  emb.forward(tensor([1, 3, 1, 1], { dtype: 'int32' })).sum().backward();
  assertClose(emb.weight.grad!, [[0, 0], [3, 3], [0, 0], [1, 1]]);
});

test('Embedding init is N(0, 1), reproducible with a generator', () => {
  const emb = new Embedding(1000, 64, { generator: new Generator(5) });
  assertClose(emb.weight.mean(), 0, { atol: 0.01 });
  assertClose(emb.weight.std(), 1, { rtol: 0.01 });
  assert.deepEqual(new Embedding(10, 4, { generator: new Generator(5) }).weight.dataSync(), new Embedding(10, 4, { generator: new Generator(5) }).weight.dataSync());
  assert.equal(emb.toString(), 'Embedding(1000, 64)');
});

test('Embedding errors name the problem', () => {
  const emb = new Embedding(3, 2);
  assert.throws(() => emb.forward(tensor([0, 1])), /embedding: indices must be int32, got float32/);
  assert.throws(() => emb.forward(tensor([0, 3], { dtype: 'int32' })), /embedding: index 3 is out of range for 3 embeddings/);
  assert.throws(() => emb.forward(tensor([-1], { dtype: 'int32' })), /embedding: index -1 is out of range/);
});
