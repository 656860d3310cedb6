/**
 * Loss functions with PyTorch's definitions, reductions and edge rules (ignoreIndex, class weights,
 * label smoothing, the −100 floor on BCE's logs), composed from tensor ops.
 */

import { isFloat } from '../backend/backend.js';
import { customOp } from '../autograd/function.js';
import type { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { crossEntropyRows } from '../ops/cross-entropy.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  reduction?: Reduction;
}

function reduce(op: string, loss: Tensor, reduction: Reduction = 'mean'): Tensor {
  switch (reduction) {
    case 'mean': return loss.mean();
    case 'sum': return loss.sum();
    case 'none': return loss;
    default: throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got '${reduction as string}'`);
  }
}

function sameShapes(op: string, input: Tensor, target: Tensor): void {
  if (input.shape.join() !== target.shape.join()) {
    throw new Error(`${op}: input ${shapeStr(input.shape)} and target ${shapeStr(target.shape)} must have the same shape`);
  }
}

/** Mean squared error: (input − target)². */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  sameShapes('mseLoss', input, target);
  const d = input.sub(target);
  return reduce('mseLoss', d.mul(d), opts.reduction);
}

/** Mean absolute error: |input − target|. */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  sameShapes('l1Loss', input, target);
  return reduce('l1Loss', input.sub(target).abs(), opts.reduction);
}

/** ½d² where |d| < delta, else delta·(|d| − ½delta). */
export function huberLoss(input: Tensor, target: Tensor, opts: LossOptions & { delta?: number } = {}): Tensor {
  sameShapes('huberLoss', input, target);
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new Error(`huberLoss: delta must be positive, got ${delta}`);
  const d = input.sub(target), a = d.abs();
  return reduce('huberLoss', d.mul(d).mul(0.5).where(a.lt(delta), a.sub(0.5 * delta).mul(delta)), opts.reduction);
}

export interface NllOptions extends LossOptions {
  /** A rescaling weight per class, of shape [C]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing, to the loss or to the mean's denominator. */
  ignoreIndex?: number;
}

/** Moves the class dim (1, or 0 for unbatched input) last: [N, C, d…] → [N, d…, C]. */
function classesLast(x: Tensor): Tensor {
  if (x.ndim <= 2) return x;
  const perm = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2), 1];
  return x.permute(perm);
}

/** Checks a class-index target's dtype and shape, and (with `values`) that each is a class or ignoreIndex. */
function checkTarget(op: string, input: Tensor, target: Tensor, classes: number, ignoreIndex: number, values = true): void {
  if (target.dtype !== 'int32') throw new TypeError(`${op}: class-index targets must be int32, got ${target.dtype}`);
  const expected = input.ndim === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
  if (target.shape.join() !== expected.join()) {
    throw new Error(`${op}: input ${shapeStr(input.shape)} expects a target of shape ${shapeStr(expected)}, got ${shapeStr(target.shape)}`);
  }
  if (values && target.storage.backend.synchronous) {
    for (const t of target.dataSync()) {
      if (t !== ignoreIndex && (t < 0 || t >= classes)) throw new RangeError(`${op}: target ${t} is out of range for ${classes} classes`);
    }
  }
}

/** Negative log-likelihood of log-probabilities `input` ([N, C], [N, C, d…] or [C]) at class indices `target`. */
export function nllLoss(input: Tensor, target: Tensor, opts: NllOptions = {}): Tensor {
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const classes = input.shape[input.ndim === 1 ? 0 : 1]!;
  checkTarget('nllLoss', input, target, classes, ignoreIndex);
  const keep = target.ne(ignoreIndex);
  const safe = target.where(keep, 0);
  // Selected by where, not only zero-weighted: when every target is ignored the mean is 0/0, and its
  // gradient (∞·0 = NaN) must not reach the input, which PyTorch leaves with zero gradient.
  const picked = classesLast(input).gather(-1, safe.unsqueeze(-1)).squeeze(-1).where(keep, 0);
  let w = keep.to(input.dtype);
  if (opts.weight) w = w.mul(opts.weight.indexSelect(0, safe.reshape(-1)).reshape(safe.shape));
  const loss = picked.mul(w).neg();
  const reduction = opts.reduction ?? 'mean';
  if (reduction === 'mean') return loss.sum().div(w.sum());
  return reduce('nllLoss', loss, reduction);
}

export interface CrossEntropyOptions extends NllOptions {
  /** Mixes the target with the uniform distribution: (1 − ε)·target + ε/C. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of logits `input` ([N, C], [N, C, d…] or [C]) against class indices (int32) or class
 * probabilities (float, input's shape): logSoftmax followed by the negative log-likelihood.
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  if (!isFloat(input.dtype)) throw new TypeError(`crossEntropy: input must be floating-point logits, got ${input.dtype}`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim]!;
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new Error(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
  const reduction = opts.reduction ?? 'mean';
  const weightAlongClasses = opts.weight
    ? opts.weight.reshape(input.shape.map((n, d) => (d === classDim ? n : 1)))
    : null;

  if (isFloat(target.dtype)) {
    sameShapes('crossEntropy', input, target);
    const logp = input.logSoftmax(classDim);
    const t = eps > 0 ? target.mul(1 - eps).add(eps / C) : target;
    let terms = logp.mul(t);
    if (weightAlongClasses) terms = terms.mul(weightAlongClasses);
    const loss = terms.sum(classDim).neg();
    // Probability targets average over the batch elements, not over weights.
    if (reduction === 'mean') return loss.sum().div(input.size / C);
    return reduce('crossEntropy', loss, reduction);
  }

  const ignoreIndex = opts.ignoreIndex ?? -100;
  const fused = eps === 0 && !opts.weight && input.ndim <= 2;
  // The fused primitive checks each target as it reads it: no read-back of the targets here.
  checkTarget('crossEntropy', input, target, C, ignoreIndex, !fused);
  if (fused) return fusedCrossEntropy(input, target, ignoreIndex, reduction);
  const logp = input.logSoftmax(classDim);
  const nll = nllLoss(logp, target, opts);
  if (eps === 0) return nll;
  const keep = target.ne(ignoreIndex);
  const smooth = (weightAlongClasses ? logp.mul(weightAlongClasses) : logp).sum(classDim).neg().where(keep, 0);
  let smoothReduced: Tensor;
  if (reduction === 'mean') {
    const denom = opts.weight
      ? opts.weight.indexSelect(0, target.where(keep, 0).reshape(-1)).mul(keep.reshape(-1).to(input.dtype)).sum()
      : keep.to(input.dtype).sum();
    smoothReduced = smooth.sum().div(denom);
  } else {
    smoothReduced = reduce('crossEntropy', smooth, reduction);
  }
  return nll.mul(1 - eps).add(smoothReduced.mul(eps / C));
}

/** Class indices without weights or smoothing, on [N, C] or [C]: one fused op (ops/cross-entropy.ts). */
function fusedCrossEntropy(input: Tensor, target: Tensor, ignoreIndex: number, reduction: Reduction): Tensor {
  const rows = input.ndim === 1
    ? crossEntropyRows(input.unsqueeze(0), target.reshape(1), ignoreIndex).reshape([])
    : crossEntropyRows(input, target, ignoreIndex);
  // The mean is over the targets that count: 0/0 = NaN when every one is ignored, as in PyTorch.
  if (reduction === 'mean') return rows.sum().div(target.ne(ignoreIndex).to(input.dtype).sum());
  return reduce('crossEntropy', rows, reduction);
}

export interface BceOptions extends LossOptions {
  /** A rescaling weight, broadcast against the input. */
  weight?: Tensor | null;
}

/**
 * BCE's elementwise loss with PyTorch's backward, dL/dp = (p − t) / max(p(1 − p), 1e-12): composed
 * from logs, the gradient at p = 0 or 1 (a saturated float32 sigmoid) would be 0·∞ = NaN.
 */
const bceElementwise = customOp({
  name: 'binaryCrossEntropy',
  forward(ctx, input: Tensor, target: Tensor): Tensor {
    ctx.saveForBackward(input, target);
    const logP = input.log().clamp(-100);
    const log1mP = input.neg().add(1).log().clamp(-100);
    return target.mul(logP).add(target.neg().add(1).mul(log1mP)).neg();
  },
  backward(ctx, g) {
    const [p, t] = ctx.saved as [Tensor, Tensor];
    return [
      ctx.needsInputGrad[0] ? g.mul(p.sub(t)).div(p.mul(p.neg().add(1)).clamp(1e-12)) : null,
      ctx.needsInputGrad[1] ? g.mul(p.neg().add(1).log().clamp(-100).sub(p.log().clamp(-100))) : null,
    ];
  },
});

/** −[t·log p + (1 − t)·log(1 − p)] for probabilities p, with each log floored at −100 as in PyTorch. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BceOptions = {}): Tensor {
  sameShapes('binaryCrossEntropy', input, target);
  let loss = bceElementwise(input, target);
  if (opts.weight) loss = loss.mul(opts.weight);
  return reduce('binaryCrossEntropy', loss, opts.reduction);
}

export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of the positive class, broadcast along the last dim. */
  posWeight?: Tensor | null;
}

/** BCE on logits x, computed stably: (1 − t)·x + (1 + (w⁺ − 1)·t)·(m + log(e^{−m} + e^{−x−m})) with m = max(−x, 0). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  sameShapes('binaryCrossEntropyWithLogits', input, target);
  // log(1 + e^{−x}) shifted by m, as PyTorch writes it: the shift cancels in the gradient, so x = 0
  // gets −σ(−x) = −½ (log(1 + e^{−|x|}) + relu(−x) would give 0 there: both kinks have zero subgradient).
  const m = input.neg().clamp(0);
  const softplusNeg = m.add(m.neg().exp().add(input.neg().sub(m).exp()).log());
  const logWeight = opts.posWeight ? opts.posWeight.sub(1).mul(target).add(1) : null;
  let loss = target.neg().add(1).mul(input).add(logWeight ? logWeight.mul(softplusNeg) : softplusNeg);
  if (opts.weight) loss = loss.mul(opts.weight);
  return reduce('binaryCrossEntropyWithLogits', loss, opts.reduction);
}
