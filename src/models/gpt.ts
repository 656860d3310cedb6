/**
 * GPT-2 as nanoGPT writes it (karpathy/nanoGPT, model.py): token and position embeddings,
 * pre-LayerNorm blocks of causal self-attention and a 4x MLP with tanh-approximated GELU, a final
 * LayerNorm and an output head tied to the token embedding. Parameter names match nanoGPT's and
 * GPT-2's (`transformer.wte`, `transformer.h.0.attn.c_attn`, `transformer.ln_f`, `lm_head`), so
 * loading published weights is a copy.
 */

import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../tensor/tensor.js';
import { Generator, defaultGenerator } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { tensor } from '../ops/creation.js';
import { gelu } from '../ops/elementwise.js';
import { ModuleList, ModuleDict } from '../nn/containers.js';
import { Dropout } from '../nn/dropout.js';
import { Embedding } from '../nn/embedding.js';
import { crossEntropy, scaledDotProductAttention } from '../nn/functional.js';
import { normal_, zeros_ } from '../nn/init.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { LayerNorm } from '../nn/normalization.js';
import { AdamW } from '../optim/adamw.js';

export interface GPTConfig {
  /** Context length: the most tokens the model attends over. */
  blockSize: number;
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  /** Biases in Linear layers and LayerNorms (GPT-2 has them; false is a little better and faster). */
  bias: boolean;
}

/** GPT-2 small's shape, as nanoGPT's GPTConfig defaults. */
export const gpt2Config: GPTConfig = { blockSize: 1024, vocabSize: 50304, nLayer: 12, nHead: 12, nEmbd: 768, dropout: 0, bias: true };

export function validateConfig(c: GPTConfig): GPTConfig {
  for (const k of ['blockSize', 'vocabSize', 'nLayer', 'nHead', 'nEmbd'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new Error(`GPTConfig: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.nEmbd % c.nHead !== 0) throw new Error(`GPTConfig: nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`GPTConfig: dropout must be in [0, 1), got ${c.dropout}`);
  return c;
}

class CausalSelfAttention extends Module {
  c_attn: Linear;
  c_proj: Linear;
  resid_dropout: Dropout;

  constructor(readonly config: GPTConfig, generator: Generator) {
    super();
    const { nEmbd, bias } = config;
    this.c_attn = new Linear(nEmbd, 3 * nEmbd, { bias, generator });
    this.c_proj = new Linear(nEmbd, nEmbd, { bias, generator });
    this.resid_dropout = new Dropout(config.dropout, generator);
  }

  forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape as [number, number, number];
    const nh = this.config.nHead, hs = C / nh;
    // (B, T, 3C) → three (B, nh, T, hs)
    const [q, k, v] = this.c_attn.forward(x).split(C, 2).map((t) => t.view(B, T, nh, hs).transpose(1, 2)) as [Tensor, Tensor, Tensor];
    const y = scaledDotProductAttention(q, k, v, { isCausal: true, dropoutP: this.training ? this.config.dropout : 0, training: this.training });
    return this.resid_dropout.forward(this.c_proj.forward(y.transpose(1, 2).reshape(B, T, C)));
  }
}

class MLP extends Module {
  c_fc: Linear;
  c_proj: Linear;
  dropout: Dropout;

  constructor(config: GPTConfig, generator: Generator) {
    super();
    this.c_fc = new Linear(config.nEmbd, 4 * config.nEmbd, { bias: config.bias, generator });
    this.c_proj = new Linear(4 * config.nEmbd, config.nEmbd, { bias: config.bias, generator });
    this.dropout = new Dropout(config.dropout, generator);
  }

  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(gelu(this.c_fc.forward(x), { approximate: 'tanh' })));
  }
}

class Block extends Module {
  ln_1: LayerNorm;
  attn: CausalSelfAttention;
  ln_2: LayerNorm;
  mlp: MLP;

  constructor(config: GPTConfig, generator: Generator) {
    super();
    this.ln_1 = new LayerNorm(config.nEmbd, { bias: config.bias });
    this.attn = new CausalSelfAttention(config, generator);
    this.ln_2 = new LayerNorm(config.nEmbd, { bias: config.bias });
    this.mlp = new MLP(config, generator);
  }

  forward(x: Tensor): Tensor {
    x = x.add(this.attn.forward(this.ln_1.forward(x)));
    return x.add(this.mlp.forward(this.ln_2.forward(x)));
  }
}

export interface GenerateOptions {
  maxNewTokens: number;
  /** Divides the logits: below 1 sharpens, above 1 flattens. 0 picks the most likely token. */
  temperature?: number;
  /** Sample only among the k most likely tokens. */
  topK?: number;
  /** Sample only from the smallest set of tokens whose probability adds up to p (nucleus sampling). */
  topP?: number;
  /** Seeds sampling, so the same prompt and seed give the same text. */
  seed?: number;
  generator?: Generator;
}

export interface GPTOutput {
  /** (B, T, vocab) with targets; (B, 1, vocab), the last position only, without. */
  logits: Tensor;
  loss: Tensor | null;
}

export class GPT extends Module {
  readonly config: GPTConfig;
  transformer: ModuleDict;
  lm_head: Linear;

  constructor(config: GPTConfig, opts: { generator?: Generator } = {}) {
    super();
    this.config = validateConfig({ ...config });
    const generator = opts.generator ?? defaultGenerator;
    const { vocabSize, blockSize, nEmbd, nLayer, bias, dropout } = this.config;
    this.transformer = new ModuleDict({
      wte: new Embedding(vocabSize, nEmbd, { generator }),
      wpe: new Embedding(blockSize, nEmbd, { generator }),
      drop: new Dropout(dropout, generator),
      h: new ModuleList(Array.from({ length: nLayer }, () => new Block(this.config, generator))),
      ln_f: new LayerNorm(nEmbd, { bias }),
    });
    this.lm_head = new Linear(nEmbd, vocabSize, { bias: false, generator });
    // Weight tying (Press & Wolf 2017): the output head reads the token embedding matrix.
    (this.transformer.get('wte') as Embedding).weight = this.lm_head.weight;
    // GPT-2's init: N(0, 0.02) everywhere, residual projections scaled by 1/√(2·nLayer).
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith('c_proj.weight')) normal_(p, 0, 0.02 / Math.sqrt(2 * nLayer), { generator });
      else if (name.endsWith('.weight') && p.ndim === 2) normal_(p, 0, 0.02, { generator });
      else if (name.endsWith('.bias') && !name.includes('ln_')) zeros_(p);
    }
  }

  /** Parameter count; the position embedding is left out by default, as nanoGPT reports it. */
  numParams({ nonEmbedding = true } = {}): number {
    const total = this.parameters().reduce((n, p) => n + p.size, 0);
    return nonEmbedding ? total - (this.transformer.get('wpe') as Embedding).weight.size : total;
  }

  /** idx: (B, T) int32 token ids. With targets (B, T), the mean cross-entropy over all positions (−1 ignored). */
  forward(idx: Tensor, targets?: Tensor): GPTOutput {
    if (idx.ndim !== 2 || idx.dtype !== 'int32') throw new Error(`GPT: expected int32 token ids of shape [B, T], got ${idx.dtype} ${shapeStr(idx.shape)}`);
    const [B, T] = idx.shape as [number, number];
    if (T > this.config.blockSize) throw new Error(`GPT: a sequence of ${T} tokens exceeds the block size ${this.config.blockSize}`);
    const t = this.transformer;
    const pos = tensor(Int32Array.from({ length: T }, (_, i) => i));
    let x = (t.get('wte') as Embedding).forward(idx).add((t.get('wpe') as Embedding).forward(pos));
    x = (t.get('drop') as Dropout).forward(x);
    for (const block of t.get('h') as ModuleList<Block>) x = block.forward(x);
    x = (t.get('ln_f') as LayerNorm).forward(x);
    if (!targets) return { logits: this.lm_head.forward(x.narrow(1, T - 1, 1)), loss: null };
    const logits = this.lm_head.forward(x);
    const V = this.config.vocabSize;
    return { logits, loss: crossEntropy(logits.view(B * T, V), targets.reshape(B * T), { ignoreIndex: -1 }) };
  }

  /**
   * AdamW with weight decay on matrices and embeddings (tensors of 2+ dims) only; biases and
   * LayerNorm gains are not decayed (nanoGPT's configure_optimizers).
   */
  configureOptimizers(opts: { weightDecay: number; lr: number; betas: [number, number]; eps?: number }): AdamW {
    const params = this.parameters();
    return new AdamW([
      { params: params.filter((p) => p.ndim >= 2), weightDecay: opts.weightDecay },
      { params: params.filter((p) => p.ndim < 2), weightDecay: 0 },
    ], { lr: opts.lr, betas: opts.betas, eps: opts.eps ?? 1e-8 });
  }

  /** FLOPs to train on one token (forward and backward): 6N + 12·L·H·Q·T, as in PaLM's appendix and nanoGPT. */
  flopsPerToken(): number {
    const { nLayer: L, nHead: H, nEmbd, blockSize: T } = this.config;
    return 6 * this.numParams() + 12 * L * H * (nEmbd / H) * T;
  }

  /**
   * Samples a continuation of `prompt` token by token, yielding each as it comes. The model runs in
   * eval mode without recording a graph; the context is cropped to the block size.
   */
  async *stream(prompt: readonly number[], opts: GenerateOptions): AsyncGenerator<number> {
    const { maxNewTokens, temperature = 1, topK, topP } = opts;
    if (prompt.length === 0) throw new Error('generate: the prompt must hold at least one token');
    if (!(temperature >= 0)) throw new Error(`generate: temperature must be >= 0, got ${temperature}`);
    if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new Error(`generate: topP must be in (0, 1], got ${topP}`);
    const generator = opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : defaultGenerator);
    const wasTraining = this.training;
    this.eval();
    try {
      const ids = [...prompt];
      for (let n = 0; n < maxNewTokens; n++) {
        const context = ids.slice(-this.config.blockSize);
        const logits = noGrad(() => this.forward(tensor([context], { dtype: 'int32' })).logits);
        const next = sample(await logits.data(), { temperature, topK, topP, generator });
        ids.push(next);
        yield next;
      }
    } finally {
      this.train(wasTraining);
    }
  }

  /** The sampled continuation, all at once. */
  async generate(prompt: readonly number[], opts: GenerateOptions): Promise<number[]> {
    const out: number[] = [];
    for await (const id of this.stream(prompt, opts)) out.push(id);
    return out;
  }
}

/** Draws one token id from logits after temperature, top-k and top-p filtering. */
export function sample(
  logits: ArrayLike<number>,
  opts: { temperature: number; topK?: number | undefined; topP?: number | undefined; generator: Generator },
): number {
  const V = logits.length;
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]!);
  if (opts.temperature === 0) return order[0]!;
  const keep = Math.min(V, opts.topK ?? V);
  const top = order.slice(0, keep);
  const max = logits[top[0]!]!;
  const weights = top.map((i) => Math.exp((logits[i]! - max) / opts.temperature));
  let total = weights.reduce((a, b) => a + b, 0);
  let count = top.length;
  if (opts.topP !== undefined && opts.topP < 1) {
    let acc = 0;
    count = 0;
    while (count < top.length && acc < opts.topP * total) acc += weights[count++]!;
    total = acc;
  }
  let r = opts.generator.random() * total;
  for (let i = 0; i < count; i++) {
    r -= weights[i]!;
    if (r < 0) return top[i]!;
  }
  return top[count - 1]!;
}
