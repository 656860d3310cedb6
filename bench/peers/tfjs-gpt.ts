/**
 * nanoGPT's model.py in tfjs ops, for the GPT training step: pre-LayerNorm blocks (no bias) of
 * causal self-attention and a 4x MLP with tanh GELU, tied embeddings, N(0, 0.02) init with the
 * residual projections scaled by 1/√(2·nLayer). Embeddings are one-hot matmuls because the wasm
 * backend has no UnsortedSegmentSum, the kernel tf.gather's gradient needs.
 */

import type * as TF from '@tensorflow/tfjs-core';
import type { GptWorkload, Runnable } from '../harness.js';
import { AdamW, type Tf, crossEntropy } from './tfjs.js';

let instance = 0;

export function tfjsGpt(tf: Tf, w: GptWorkload): Runnable {
  const id = `gpt${instance++}`;
  const { batch: B, blockSize: T, vocabSize: V, nEmbd: C, nHead: nh, nLayer: L } = w;
  const hs = C / nh;
  const vars: TF.Variable[] = [];
  const param = (name: string, init: TF.Tensor): TF.Variable => {
    const v = tf.variable(init, true, `${id}.${name}`);
    vars.push(v);
    return v;
  };
  const normal = (name: string, shape: number[], std = 0.02): TF.Variable => param(name, tf.randomNormal(shape, 0, std));
  const projStd = 0.02 / Math.sqrt(2 * L);
  const wte = normal('wte', [V, C]), wpe = normal('wpe', [T, C]);
  const blocks = Array.from({ length: L }, (_, i) => ({
    ln1: param(`h.${i}.ln_1`, tf.ones([C])),
    attn: normal(`h.${i}.attn.c_attn`, [C, 3 * C]),
    attnProj: normal(`h.${i}.attn.c_proj`, [C, C], projStd),
    ln2: param(`h.${i}.ln_2`, tf.ones([C])),
    fc: normal(`h.${i}.mlp.c_fc`, [C, 4 * C]),
    fcProj: normal(`h.${i}.mlp.c_proj`, [4 * C, C], projStd),
  }));
  const lnf = param('ln_f', tf.ones([C]));
  const opt = new AdamW(tf, vars.map((p) => ({ p, decay: p.rank >= 2 ? w.weightDecay : 0 })), w.lr, w.betas);

  // Added to the attention scores: 0 on and below the diagonal, a large negative number above it.
  const maskData = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskData[i * T + j] = -1e9;
  const mask = tf.tensor2d(maskData, [T, T]);
  const randomIds = (): TF.Tensor1D => tf.tensor1d(Array.from({ length: B * T }, () => Math.floor(Math.random() * V)), 'int32');
  const idx = randomIds(), targets = randomIds();

  // (B, T, C) → (B·T, C) rows, for the 2-D matmuls
  const rows = (x: TF.Tensor): TF.Tensor => tf.reshape(x, [B * T, -1]);
  const layerNorm = (x: TF.Tensor, g: TF.Tensor): TF.Tensor => {
    const xc = tf.sub(x, tf.mean(x, -1, true));
    return tf.mul(tf.mul(xc, tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), 1e-5))), g);
  };
  const gelu = (x: TF.Tensor): TF.Tensor =>
    tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1));
  // (B·T, C) → (B, nh, T, hs)
  const heads = (x: TF.Tensor): TF.Tensor => tf.transpose(tf.reshape(x, [B, T, nh, hs]), [0, 2, 1, 3]);

  const forward = (): TF.Scalar => {
    let x = tf.add(tf.reshape(tf.matMul(tf.cast(tf.oneHot(idx, V), 'float32'), wte), [B, T, C]), wpe);
    for (const b of blocks) {
      const [q, k, v] = tf.split(tf.matMul(rows(layerNorm(x, b.ln1)), b.attn), 3, 1).map(heads) as [TF.Tensor, TF.Tensor, TF.Tensor];
      const att = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hs)), mask));
      const y = rows(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]));
      x = tf.add(x, tf.reshape(tf.matMul(y, b.attnProj), [B, T, C]));
      const h = gelu(tf.matMul(rows(layerNorm(x, b.ln2)), b.fc));
      x = tf.add(x, tf.reshape(tf.matMul(h, b.fcProj), [B, T, C]));
    }
    const logits = tf.matMul(rows(layerNorm(x, lnf)), wte, false, true);
    return crossEntropy(tf, logits, tf.cast(tf.oneHot(targets, V), 'float32'));
  };

  return {
    run: () => tf.tidy(() => {
      const { grads } = tf.variableGrads(forward, vars);
      // clip_grad_norm_: scale every gradient by min(1, maxNorm / (‖g‖ + 1e-6)).
      const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
      const coef = tf.minimum(1, tf.div(w.gradClip, tf.add(norm, 1e-6)));
      opt.step(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, coef)])));
    }),
    dispose: () => { opt.dispose(); tf.dispose([...vars, mask, idx, targets]); },
  };
}
