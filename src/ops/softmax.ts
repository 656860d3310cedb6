/**
 * softmax and logSoftmax along one dim, as one backend primitive over rows (the dim moved last).
 * The primitive shifts by the row maximum so exp never overflows, and can fold in a scale and a
 * causal mask, which attention uses. Backward is the closed form,
 *   softmax:    dx = s·y ⊙ (g − Σ g⊙y)
 *   logSoftmax: dx = s·(g − softmax(x) ⊙ Σ g)
 * one fused primitive when no graph is being built; with createGraph the same formulas run as
 * tensor ops, so second derivatives work.
 */

import { isFloat } from '../backend/backend.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { type Tensor, empty } from '../tensor/tensor.js';
import { normalizeDim } from '../tensor/shape.js';
import { full } from './creation.js';

export interface SoftmaxOptions {
  log?: boolean;
  /** softmax(scale·x): attention's 1/√d without a separate pass. */
  scale?: number;
  /** Mask the future along the last dim: row i of each [..., L, S] matrix sees columns j ≤ i. */
  causal?: boolean;
}

export function softmax(x: Tensor, dim: number): Tensor {
  return fusedSoftmax('softmax', x, dim);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  return fusedSoftmax('logSoftmax', x, dim, { log: true });
}

export function fusedSoftmax(op: string, x: Tensor, dim: number, opts: SoftmaxOptions = {}): Tensor {
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: expected a floating-point tensor, got ${x.dtype}`);
  if (x.ndim === 0) return fusedSoftmax(op, x.reshape(1), 0, opts).reshape([]);
  const d = normalizeDim(op, dim, x.ndim), last = x.ndim - 1;
  if (opts.causal && (d !== last || x.ndim < 2)) throw new Error(`${op}: a causal mask needs the softmax over the last dim of [..., L, S]`);
  const prim = {
    log: opts.log ?? false,
    scale: opts.scale ?? 1,
    ...(opts.causal ? { causal: { period: x.shape[x.ndim - 2]!, shift: 0 } } : {}),
  };
  const toLast = (t: Tensor): Tensor => (d === last ? t : t.transpose(d, last));
  const out = noGrad(() => {
    const xc = toLast(x).contiguous();
    const o = empty(xc.shape, x.dtype, x);
    x.storage.backend.softmax(xc.backendView(), o.storage.buffer, prim);
    return o;
  });
  const y = toLast(out);
  return record(op, [x], y, (g) => {
    if (!isGradEnabled()) {
      const gc = toLast(g).contiguous();
      const dx = empty(gc.shape, x.dtype, x);
      x.storage.backend.softmaxBackward(out.backendView(), gc.backendView(), dx.storage.buffer, prim);
      return [toLast(dx)];
    }
    let gv = g;
    if (prim.causal) {
      const L = x.shape[x.ndim - 2]!, S = x.shape[last]!;
      gv = g.where(full([L, S], 1, { dtype: 'bool' }).tril(), 0);
    }
    const dx = prim.log
      ? gv.sub(y.exp().mul(gv.sum(d, { keepdim: true })))
      : y.mul(gv.sub(gv.mul(y).sum(d, { keepdim: true })));
    return [prim.scale === 1 ? dx : dx.mul(prim.scale)];
  }, [y]);
}
