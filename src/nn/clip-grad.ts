/**
 * Gradient clipping, exactly as torch.nn.utils.clip_grad_norm_ and clip_grad_value_. Both rescale
 * `.grad` in place and skip parameters without one.
 */

import { noGrad } from '../autograd/grad-mode.js';
import { tensor } from '../ops/creation.js';
import { div } from '../ops/elementwise.js';
import { stack } from '../ops/join.js';
import { Tensor } from '../tensor/tensor.js';
import { track } from '../tensor/storage.js';

export interface ClipGradNormOptions {
  /** The p of the p-norm; Infinity for the largest absolute value. */
  normType?: number;
  /** Throw when the total norm is NaN or infinite, instead of scaling every gradient by it. */
  errorIfNonfinite?: boolean;
}

/**
 * Scales all gradients by min(1, maxNorm / (‖g‖ + 1e-6)), where ‖g‖ is the p-norm of all gradients
 * taken as one vector (computed as the norm of the per-parameter norms). Returns ‖g‖ as a 0-d tensor.
 */
export function clipGradNorm_(params: Iterable<Tensor> | Tensor, maxNorm: number, opts: ClipGradNormOptions = {}): Tensor {
  const { normType = 2, errorIfNonfinite = false } = opts;
  if (typeof normType !== 'number' || Number.isNaN(normType)) throw new Error(`clipGradNorm_: invalid normType ${normType}`);
  const grads = gradsOf(params);
  if (grads.length === 0) return tensor(0);
  // Every temporary (a square of each gradient, the results the in-place scaling copies back) is
  // freed here rather than left to the collector; only the norm is returned.
  const { result: total, made } = track(() => noGrad(() => {
    const total = vectorNorm(stack(grads.map((g) => vectorNorm(g, normType))), normType);
    const value = total.item();
    if (errorIfNonfinite && !Number.isFinite(value)) {
      throw new Error(`clipGradNorm_: the total norm of order ${normType} of the gradients is ${value}, so they cannot be clipped; pass errorIfNonfinite: false to scale them by it anyway`);
    }
    // Always multiplied in, even by 1, as PyTorch does: a NaN or infinite norm then shows in every gradient.
    const coef = div(maxNorm, total.add(1e-6)).clamp(null, 1);
    for (const g of grads) g.mul_(coef);
    return total;
  }));
  for (const s of made) if (s !== total.storage) s.dispose();
  return total;
}

/** Clamps every gradient element into [−clipValue, clipValue]. */
export function clipGradValue_(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  noGrad(() => {
    for (const g of gradsOf(params)) g.clamp_(-clipValue, clipValue);
  });
}

function gradsOf(params: Iterable<Tensor> | Tensor): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  return list.flatMap((p) => (p.grad ? [p.grad] : []));
}

/** torch.norm(x, p) of a flattened tensor. */
function vectorNorm(x: Tensor, p: number): Tensor {
  if (p === Infinity) return x.abs().max();
  if (p === -Infinity) return x.abs().min();
  if (p === 0) return x.ne(0).to(x.dtype).sum();
  if (p === 1) return x.abs().sum();
  if (p === 2) return x.mul(x).sum().sqrt();
  return x.abs().pow(p).sum().pow(1 / p);
}
