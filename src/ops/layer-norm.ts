/**
 * layerNorm over the trailing dims as one backend primitive: the input seen as [rows, cols], each
 * row normalised to zero mean and unit variance (biased), then scaled and shifted. The forward
 * keeps each row's mean and 1/σ; the backward is one primitive too,
 *   x̂ = (x − μ)/σ,  h = g ⊙ w,  dx = (h − mean(h) − x̂ ⊙ mean(h ⊙ x̂)) / σ,  dw = Σ g ⊙ x̂,  db = Σ g,
 * and with createGraph the same formulas run as tensor ops, so second derivatives work.
 */

import { isFloat } from '../backend/backend.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { type Tensor, checkSameBackend, empty } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';

/** Checks that `shape` is x's trailing shape (layerNorm's and rmsNorm's normalizedShape); returns those dims. */
export function checkNormalizedShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const tail = x.shape.slice(x.ndim - shape.length);
  if (shape.length > x.ndim || tail.join() !== shape.join()) {
    throw new Error(`${op}: normalizedShape ${shapeStr(shape)} does not match the trailing dims of the input ${shapeStr(x.shape)}`);
  }
  return shape.map((_, i) => x.ndim - shape.length + i);
}

export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const dims = checkNormalizedShape('layerNorm', x, normalizedShape);
  if (!isFloat(x.dtype)) throw new TypeError(`layerNorm: expected a floating-point input, got ${x.dtype}`);
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
    if (!p) continue;
    if (p.shape.join() !== normalizedShape.join()) {
      throw new Error(`layerNorm: ${name} has shape ${shapeStr(p.shape)}, expected normalizedShape ${shapeStr(normalizedShape)}`);
    }
    if (p.dtype !== x.dtype) throw new TypeError(`layerNorm: ${name} is ${p.dtype} but the input is ${x.dtype}`);
    checkSameBackend(`layerNorm (${name})`, x, p);
  }
  const cols = normalizedShape.reduce((a, b) => a * b, 1);
  const rows = cols === 0 ? 0 : x.size / cols;
  const backend = x.storage.backend;
  const lead = x.shape.slice(0, dims[0] ?? x.ndim).map((_, i) => i);

  const [xc, wc, out, mean, rstd] = noGrad(() => {
    const xc = x.contiguous().reshape(rows, cols);
    const wc = weight && weight.contiguous().reshape(cols), bc = bias && bias.contiguous().reshape(cols);
    const out = empty(x.shape, x.dtype, x), mean = empty([rows], x.dtype, x), rstd = empty([rows], x.dtype, x);
    backend.layerNorm(xc.backendView(), wc && wc.backendView(), bc && bc.backendView(), eps, out.storage.buffer, mean.storage.buffer, rstd.storage.buffer);
    return [xc, wc, out, mean, rstd] as const;
  });

  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record('layerNorm', inputs, out, (g, needs) => {
    const wantW = weight !== null && needs[1]!, wantB = bias !== null && needs[weight ? 2 : 1]!;
    let dx: Tensor, dw: Tensor | null = null, db: Tensor | null = null;
    if (!isGradEnabled()) {
      const gc = g.contiguous().reshape(rows, cols);
      dx = empty(x.shape, x.dtype, x);
      dw = wantW ? empty(weight!.shape, x.dtype, x) : null;
      db = wantB ? empty(bias!.shape, x.dtype, x) : null;
      backend.layerNormBackward(gc.backendView(), xc.backendView(), wc && wc.backendView(), mean.backendView(), rstd.backendView(),
        dx.storage.buffer, dw && dw.storage.buffer, db && db.storage.buffer);
    } else {
      const mu = x.mean(dims, { keepdim: true });
      const centered = x.sub(mu);
      const rs = centered.mul(centered).mean(dims, { keepdim: true }).add(eps).rsqrt();
      const xhat = centered.mul(rs);
      const h = weight ? g.mul(weight) : g;
      dx = h.sub(h.mean(dims, { keepdim: true })).sub(xhat.mul(h.mul(xhat).mean(dims, { keepdim: true }))).mul(rs);
      if (wantW) dw = lead.length ? g.mul(xhat).sum(lead) : g.mul(xhat);
      if (wantB) db = lead.length ? g.sum(lead) : g;
    }
    return [dx, ...(weight ? [dw] : []), ...(bias ? [db] : [])];
  }, [xc, ...(wc ? [wc] : []), mean, rstd]);
}
