/**
 * Functional forms of the layers (torch.nn.functional), built from tensor ops: autograd derives
 * their backward. Losses live in loss.ts and are re-exported here, so `F.crossEntropy` works.
 */

import { isFloat } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Generator } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { full, rand } from '../ops/creation.js';
import { checkNormalizedShape, layerNorm as layerNormOp } from '../ops/layer-norm.js';
import { fusedSoftmax } from '../ops/softmax.js';

export { gelu, relu, sigmoid, silu, tanh } from '../ops/elementwise.js';
export { softmax, logSoftmax } from '../ops/softmax.js';
export * from './loss.js';

/** y = x·Wᵀ + b, with W of shape [out, in] as in PyTorch. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (x.shape[x.ndim - 1] !== weight.shape[weight.ndim - 1]) {
    throw new Error(`linear: input ${shapeStr(x.shape)} has ${x.shape[x.ndim - 1]} features, weight ${shapeStr(weight.shape)} expects ${weight.shape[weight.ndim - 1]}`);
  }
  const y = x.matmul(weight.mT);
  return bias ? y.add(bias) : y;
}

/** (x − mean) / √(var + eps) over the trailing `normalizedShape` dims, then scaled and shifted (one fused op). */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return layerNormOp(x, normalizedShape, weight ?? null, bias ?? null, eps);
}

/** x / √(mean(x²) + eps) over the trailing dims, then scaled. eps defaults to the dtype's machine epsilon, as in PyTorch. */
export function rmsNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, eps?: number): Tensor {
  const dims = checkNormalizedShape('rmsNorm', x, normalizedShape);
  const e = eps ?? (x.dtype === 'float64' ? 2.220446049250313e-16 : 1.1920928955078125e-7);
  const y = x.mul(x.mul(x).mean(dims, { keepdim: true }).add(e).rsqrt());
  return weight ? y.mul(weight) : y;
}

export interface DropoutOptions {
  /** Probability of zeroing an element. */
  p?: number;
  training?: boolean;
  generator?: Generator;
}

/** Zeros each element with probability p and scales the rest by 1/(1−p); the identity when not training. */
export function dropout(x: Tensor, opts: DropoutOptions = {}): Tensor {
  const p = opts.p ?? 0.5;
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: p must be in [0, 1], got ${p}`);
  if (!(opts.training ?? true) || p === 0) return x;
  if (p === 1) return x.mul(0);
  const keep = rand(x.shape, { dtype: isFloat(x.dtype) ? x.dtype : 'float32', ...(opts.generator ? { generator: opts.generator } : {}) }).ge(p);
  return x.mul(keep).div(1 - p);
}

/** Rows of `weight` picked by integer indices: output shape is [...indices.shape, dim]. */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  if (indices.dtype !== 'int32') throw new TypeError(`embedding: indices must be int32, got ${indices.dtype}`);
  // Checked here because gather would take a negative index as counting from the end.
  if (indices.storage.backend.synchronous) {
    const n = weight.shape[0]!;
    for (const i of indices.dataSync()) if (i < 0 || i >= n) throw new RangeError(`embedding: index ${i} is out of range for ${n} embeddings`);
  }
  return weight.indexSelect(0, indices.reshape(-1)).reshape([...indices.shape, weight.shape[1]!]);
}

export interface AttentionOptions {
  /** A bool mask (true = attend) or an additive float mask, broadcast to [..., L, S]. */
  attnMask?: Tensor | null;
  /** Mask out the future: query i attends to keys 0..i. */
  isCausal?: boolean;
  dropoutP?: number;
  /** Defaults to 1/√E. */
  scale?: number;
  training?: boolean;
  generator?: Generator;
}

/** softmax(q·kᵀ·scale + mask)·v for q [..., L, E], k [..., S, E], v [..., S, Ev]. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const L = q.shape[q.ndim - 2]!, S = k.shape[k.ndim - 2]!, E = q.shape[q.ndim - 1]!;
  if (k.shape[k.ndim - 1] !== E || v.shape[v.ndim - 2] !== S) {
    throw new Error(`scaledDotProductAttention: q ${shapeStr(q.shape)}, k ${shapeStr(k.shape)} and v ${shapeStr(v.shape)} do not fit ([..., L, E], [..., S, E], [..., S, Ev])`);
  }
  const scale = opts.scale ?? 1 / Math.sqrt(E);
  let weights: Tensor;
  if (!opts.attnMask) {
    // The common case is one fused op: softmax(scale·QKᵀ) with the causal mask applied in the same pass.
    weights = fusedSoftmax('scaledDotProductAttention', q.matmul(k.mT), -1, { scale, causal: opts.isCausal ?? false });
  } else {
    let scores = q.matmul(k.mT).mul(scale);
    if (opts.isCausal) scores = scores.maskedFill(full([L, S], 1, { dtype: 'bool' }).tril().logicalNot(), -Infinity);
    scores = opts.attnMask.dtype === 'bool' ? scores.maskedFill(opts.attnMask.logicalNot(), -Infinity) : scores.add(opts.attnMask);
    weights = scores.softmax(-1);
  }
  if (opts.dropoutP) weights = dropout(weights, { p: opts.dropoutP, training: opts.training ?? true, ...(opts.generator ? { generator: opts.generator } : {}) });
  return weights.matmul(v);
}
