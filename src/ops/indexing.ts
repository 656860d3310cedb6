/** Index ops: gather and scatterAdd are each other's gradient; indexSelect, tril and triu build on them. */

import { noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { type Tensor, checkSameBackend, empty } from '../tensor/tensor.js';
import { normalizeDim, shapeStr } from '../tensor/shape.js';
import { clone, fullOf } from './copy.js';
import { arange } from './creation.js';
import { where } from './elementwise.js';

function checkIndex(op: string, x: Tensor, dim: number, index: Tensor): number {
  if (index.dtype !== 'int32') throw new TypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
  checkSameBackend(op, x, index);
  if (index.ndim !== x.ndim) {
    throw new Error(`${op}: index ${shapeStr(index.shape)} must have as many dims as the input ${shapeStr(x.shape)}`);
  }
  const d = normalizeDim(op, dim, x.ndim);
  index.shape.forEach((n, i) => {
    if (i !== d && n > x.shape[i]!) {
      throw new Error(`${op}: index ${shapeStr(index.shape)} is larger than the input ${shapeStr(x.shape)} in dim ${i}`);
    }
  });
  return d;
}

/** out[i][j] = x[index[i][j]][j] for dim 0 (torch.gather); out has index's shape. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = checkIndex('gather', x, dim, index);
  const out = empty(index.shape, x.dtype, x);
  x.storage.backend.gather(x.backendView(), index.backendView(), d, out.storage.buffer);
  return record('gather', [x], out, (g) => [scatterAdd(fullOf(x.shape, 0, g.dtype, g), d, index, g)], [index]);
}

/** A copy of x with src added at the positions index names along dim (torch.scatter_add). */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = checkIndex('scatterAdd', x, dim, index);
  checkSameBackend('scatterAdd', x, src);
  index.shape.forEach((n, i) => {
    if (n > (src.shape[i] ?? 0)) throw new Error(`scatterAdd: index ${shapeStr(index.shape)} is larger than src ${shapeStr(src.shape)} in dim ${i}`);
  });
  let s = src.dtype === x.dtype ? src : src.to(x.dtype);
  // Only src's leading index-shaped block is read: narrow to it, so its gradient (zero elsewhere) has src's shape.
  index.shape.forEach((n, i) => { if (s.shape[i] !== n) s = s.narrow(i, 0, n); });
  const out = noGrad(() => clone(x));
  x.storage.backend.scatterAdd(out.backendView(), index.backendView(), s.backendView(), d);
  return record('scatterAdd', [x, s], out, (g, needs) => [needs[0] ? g : null, needs[1] ? g.gather(d, index) : null], [index]);
}

/** The entries of x at `index` (1-D) along dim. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  if (index.dtype !== 'int32') throw new TypeError(`indexSelect: index must be an int32 tensor, got ${index.dtype}`);
  if (index.ndim !== 1) throw new Error(`indexSelect: index must be 1-D, got shape ${shapeStr(index.shape)}`);
  checkSameBackend('indexSelect', x, index);
  const d = normalizeDim('indexSelect', dim, x.ndim);
  const shape = [...x.shape];
  shape[d] = index.shape[0]!;
  const lifted = x.shape.map((_, i) => (i === d ? index.shape[0]! : 1));
  return gather(x, d, index.reshape(lifted).expand(shape));
}

/** Keeps the elements on and below the k-th diagonal of the last two dims; zeros the rest. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle('tril', x, diagonal, true);
}

/** Keeps the elements on and above the k-th diagonal of the last two dims; zeros the rest. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle('triu', x, diagonal, false);
}

function triangle(op: string, x: Tensor, k: number, lower: boolean): Tensor {
  if (x.ndim < 2) throw new Error(`${op}: expected a tensor of at least 2 dims, got shape ${shapeStr(x.shape)}`);
  const rows = arange(x.shape[x.ndim - 2]!, { dtype: 'int32' }).unsqueeze(1);
  const cols = arange(x.shape[x.ndim - 1]!, { dtype: 'int32' }).unsqueeze(0);
  const offset = cols.sub(rows);
  const keep = lower ? offset.le(k) : offset.ge(k);
  return where(keep, x, 0);
}
