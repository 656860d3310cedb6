/** The GPT model: names, shapes, init, that it can learn, and reproducible generation. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPT, Generator, randint, tensor } from '../../src/index.js';
import type { GPTConfig } from '../../src/index.js';

const tiny: GPTConfig = { blockSize: 8, vocabSize: 11, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true };

test('parameter names follow nanoGPT and GPT-2, and the head is tied to the token embedding', () => {
  const model = new GPT(tiny, { generator: new Generator(0) });
  const keys = Object.keys(model.stateDict());
  for (const k of ['transformer.wte.weight', 'transformer.wpe.weight', 'transformer.h.0.ln_1.weight', 'transformer.h.0.attn.c_attn.weight',
    'transformer.h.0.attn.c_attn.bias', 'transformer.h.1.mlp.c_fc.weight', 'transformer.h.1.mlp.c_proj.weight', 'transformer.ln_f.weight', 'lm_head.weight']) {
    assert.ok(keys.includes(k), k);
  }
  assert.equal(model.stateDict()['lm_head.weight']!.storage, model.stateDict()['transformer.wte.weight']!.storage);
  // Tied weights are counted once; the position embedding is left out by default.
  const total = model.parameters().reduce((n, p) => n + p.size, 0);
  assert.equal(model.numParams({ nonEmbedding: false }), total);
  assert.equal(model.numParams(), total - 8 * 16);
});

test('init: N(0, 0.02) weights, residual projections scaled by 1/√(2·nLayer), zero biases', () => {
  const model = new GPT({ ...tiny, nEmbd: 64, nLayer: 4 }, { generator: new Generator(1) });
  const std = (name: string) => model.stateDict()[name]!.std().item();
  assert.ok(Math.abs(std('transformer.h.0.attn.c_attn.weight') - 0.02) < 0.002);
  assert.ok(Math.abs(std('transformer.h.0.attn.c_proj.weight') - 0.02 / Math.sqrt(8)) < 0.001);
  assert.equal(model.stateDict()['transformer.h.0.mlp.c_fc.bias']!.abs().max().item(), 0);
});

test('forward gives logits of [B, T, vocab] with a loss, the last position only without targets', () => {
  const model = new GPT(tiny, { generator: new Generator(2) });
  const x = randint(0, 11, [3, 8], { generator: new Generator(3) });
  const { logits, loss } = model.forward(x, x);
  assert.deepEqual(logits.shape, [3, 8, 11]);
  assert.ok(Math.abs(loss!.item() - Math.log(11)) < 0.3, `an untrained model is near uniform: ${loss!.item()}`);
  assert.deepEqual(model.forward(x).logits.shape, [3, 1, 11]);
  assert.throws(() => model.forward(randint(0, 11, [1, 9])), /exceeds the block size 8/);
  assert.throws(() => model.forward(tensor([[1, 2]])), /int32 token ids/);
});

test('attention is causal: changing a later token leaves earlier logits alone', () => {
  const model = new GPT(tiny, { generator: new Generator(4) });
  const a = tensor([[1, 2, 3, 4, 5, 6, 7, 8]], { dtype: 'int32' }), b = tensor([[1, 2, 3, 4, 9, 9, 9, 9]], { dtype: 'int32' });
  const la = model.forward(a, a).logits.narrow(1, 0, 4), lb = model.forward(b, b).logits.narrow(1, 0, 4);
  assert.ok(la.sub(lb).abs().max().item() < 1e-6);
});

test('a tiny model overfits one batch', () => {
  const model = new GPT(tiny, { generator: new Generator(5) });
  const x = randint(0, 11, [4, 8], { generator: new Generator(6) }), y = randint(0, 11, [4, 8], { generator: new Generator(7) });
  const opt = model.configureOptimizers({ weightDecay: 0, lr: 1e-2, betas: [0.9, 0.99] });
  let loss = Infinity;
  for (let i = 0; i < 150; i++) {
    const l = model.forward(x, y).loss!;
    opt.zeroGrad();
    l.backward();
    opt.step();
    loss = l.item();
  }
  assert.ok(loss < 0.05, `loss ${loss}`);
});

test('configureOptimizers decays matrices and embeddings only', () => {
  const model = new GPT(tiny);
  const opt = model.configureOptimizers({ weightDecay: 0.1, lr: 1e-3, betas: [0.9, 0.95] });
  assert.equal(opt.paramGroups[0]!.weightDecay, 0.1);
  assert.ok(opt.paramGroups[0]!.params.every((p) => p.ndim >= 2));
  assert.ok(opt.paramGroups[1]!.params.every((p) => p.ndim < 2));
  assert.equal(opt.paramGroups[1]!.weightDecay, 0);
});

test('generation is reproducible with a seed, streams, and respects topK = 1 (greedy)', async () => {
  const model = new GPT(tiny, { generator: new Generator(8) });
  const a = await model.generate([1, 2, 3], { maxNewTokens: 12, seed: 42 });
  const b = await model.generate([1, 2, 3], { maxNewTokens: 12, seed: 42 });
  assert.deepEqual(a, b);
  assert.equal(a.length, 12);
  const streamed: number[] = [];
  for await (const id of model.stream([1, 2, 3], { maxNewTokens: 12, seed: 42 })) streamed.push(id);
  assert.deepEqual(streamed, a);
  const greedy = await model.generate([1], { maxNewTokens: 5, topK: 1, seed: 1 });
  assert.deepEqual(greedy, await model.generate([1], { maxNewTokens: 5, temperature: 0 }));
  assert.ok(model.training, 'generate restores train mode');
  await assert.rejects(model.generate([], { maxNewTokens: 1 }), /at least one token/);
});
