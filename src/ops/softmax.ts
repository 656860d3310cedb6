/**
 * softmax and logSoftmax along one dim. Forward shifts by the max (detached) so exp never
 * overflows; backward uses the closed forms rather than differentiating through the shift:
 *   softmax:    dx = y ⊙ (g − Σ g⊙y)
 *   logSoftmax: dx = g − softmax(x) ⊙ Σ g
 * Both are written in tensor ops, so second derivatives work.
 */

import { isFloat } from '../backend/backend.js';
import { noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import type { Tensor } from '../tensor/tensor.js';
import { normalizeDim } from '../tensor/shape.js';
import { amaxDetached } from './reduce.js';

function shifted(op: string, x: Tensor, dim: number): [Tensor, number] {
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: expected a floating-point tensor, got ${x.dtype}`);
  const d = normalizeDim(op, dim, x.ndim);
  return [noGrad(() => {
    const m = amaxDetached(x, [d], true);
    return x.sub(m.where(m.abs().ne(Infinity), 0));
  }), d];
}

export function softmax(x: Tensor, dim: number): Tensor {
  const [z, d] = shifted('softmax', x, dim);
  const y = noGrad(() => {
    const e = z.exp();
    return e.div(e.sum(d, { keepdim: true }));
  });
  return record('softmax', [x], y, (g) => [y.mul(g.sub(g.mul(y).sum(d, { keepdim: true })))], [y]);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  const [z, d] = shifted('logSoftmax', x, dim);
  const y = noGrad(() => z.sub(z.exp().sum(d, { keepdim: true }).log()));
  return record('logSoftmax', [x], y, (g) => [g.sub(y.exp().mul(g.sum(d, { keepdim: true })))], [y]);
}
