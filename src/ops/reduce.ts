/**
 * Reductions over all or chosen dims. The kernel reduces trailing dims, so the reduced dims are
 * permuted to the end first (a free view). Backward broadcasts the gradient back with expand.
 */

import { type DType, type ReduceOp, isFloat } from '../backend/backend.js';
import { noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { type Tensor, empty } from '../tensor/tensor.js';
import { type Shape, normalizeDim, normalizeDims, sameShape, numel } from '../tensor/shape.js';
import { fullOf } from './copy.js';
import { scatterAdd } from './indexing.js';

export interface ReduceOptions {
  keepdim?: boolean;
}

export interface VarOptions extends ReduceOptions {
  /** Subtracted from the count in the denominator: 1 is Bessel's correction (the default), 0 the population variance. */
  correction?: number;
}

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

/** The shape with reduced dims kept as size 1. */
const keptShape = (shape: Shape, dims: readonly number[]): number[] => shape.map((n, d) => (dims.includes(d) ? 1 : n));

function reduceKernel(op: ReduceOp, x: Tensor, dims: readonly number[], keepdim: boolean, dtype: DType): Tensor {
  // Dim 0 of a 0-d tensor names its one element: reducing it is the identity.
  if (x.ndim === 0) dims = [];
  if (op !== 'sum') {
    for (const d of dims) if (x.shape[d] === 0) throw new Error(`${op}: cannot reduce over dim ${d} of size 0`);
  }
  const keep = x.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const perm = [...keep, ...dims];
  const outShape = keepdim ? keptShape(x.shape, dims) : keep.map((d) => x.shape[d]!);
  const out = empty(outShape, dtype, x);
  const view = {
    buffer: x.storage.buffer,
    shape: perm.map((d) => x.shape[d]!),
    strides: perm.map((d) => x.strides[d]!),
    offset: x.offset,
  };
  x.storage.backend.reduce(op, view, dims.length, out.storage.buffer);
  return out;
}

/** g (of the reduced shape) broadcast back over x's shape. */
const expandBack = (g: Tensor, shape: Shape, dims: readonly number[]): Tensor => g.reshape(keptShape(shape, dims)).expand(shape);

export function sum(x: Tensor, dim?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  const dims = normalizeDims('sum', dim, x.ndim);
  const keepdim = opts.keepdim ?? false;
  const out = reduceKernel('sum', x, dims, keepdim, isFloat(x.dtype) ? x.dtype : 'int32');
  return record('sum', [x], out, (g) => [expandBack(g, x.shape, dims)]);
}

export function mean(x: Tensor, dim?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  if (!isFloat(x.dtype)) throw new TypeError(`mean: expected a floating-point tensor, got ${x.dtype}; convert it first with .float()`);
  const dims = normalizeDims('mean', dim, x.ndim);
  const count = dims.reduce((n, d) => n * (x.shape[d] ?? 1), 1);
  return sum(x, dims, opts).div(count);
}

/** max() or min() over all elements; ties share the gradient evenly, as in PyTorch. */
export function maxAll(x: Tensor, op: 'max' | 'min'): Tensor {
  if (x.size === 0) throw new Error(`${op}: cannot reduce an empty tensor`);
  const dims = normalizeDims(op, undefined, x.ndim);
  const out = reduceKernel(op, x, dims, false, x.dtype);
  if (!isFloat(x.dtype)) return out;
  return record(op, [x], out, (g) => {
    const hit = x.eq(out).to(x.dtype);
    return [hit.mul(g.div(hit.sum()))];
  }, [x]);
}

/** max(dim) or min(dim): values and the index of the first extreme; the gradient goes to that index. */
export function maxDim(x: Tensor, dim: number, opts: ReduceOptions = {}, op: 'max' | 'min'): ValuesIndices {
  const d = normalizeDim(op, dim, x.ndim);
  if (x.ndim === 0) return maxDim(x.reshape(1), 0, {}, op);
  const keepdim = opts.keepdim ?? false;
  const values = reduceKernel(op, x, [d], keepdim, x.dtype);
  const indices = reduceKernel(op === 'max' ? 'argmax' : 'argmin', x, [d], keepdim, 'int32');
  if (!isFloat(x.dtype)) return { values, indices };
  const kept = keptShape(x.shape, [d]);
  record(op, [x], values, (g) => {
    const zeros = fullOf(x.shape, 0, x.dtype, x);
    return [scatterAdd(zeros, d, indices.reshape(kept), g.reshape(kept))];
  }, [indices]);
  return { values, indices };
}

/** Index of the max/min along dim, or into the flattened tensor when dim is omitted. */
export function argExtreme(x: Tensor, dim: number | undefined, opts: ReduceOptions = {}, op: 'argmax' | 'argmin'): Tensor {
  if (dim === undefined) return reduceKernel(op, x.reshape(-1), [0], false, 'int32');
  return reduceKernel(op, x, [normalizeDim(op, dim, x.ndim)], opts.keepdim ?? false, 'int32');
}

/** amax without a gradient: the shift that keeps exp() from overflowing. */
export function amaxDetached(x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  return noGrad(() => reduceKernel('max', x, dims, keepdim, x.dtype));
}

export function variance(x: Tensor, dim?: number | readonly number[], opts: VarOptions = {}): Tensor {
  const dims = normalizeDims('var', dim, x.ndim);
  const count = dims.reduce((n, d) => n * (x.shape[d] ?? 1), 1);
  const diff = x.sub(mean(x, dims, { keepdim: true }));
  return sum(diff.mul(diff), dims, opts).div(Math.max(0, count - (opts.correction ?? 1)));
}

export function std(x: Tensor, dim?: number | readonly number[], opts: VarOptions = {}): Tensor {
  return variance(x, dim, opts).sqrt();
}

/** log Σ exp(x), shifted by the max so that large inputs do not overflow. */
export function logsumexp(x: Tensor, dim: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  if (!isFloat(x.dtype)) throw new TypeError(`logsumexp: expected a floating-point tensor, got ${x.dtype}`);
  const dims = normalizeDims('logsumexp', dim, x.ndim);
  if (x.size === 0) return sum(x, dims, opts).log();
  let m = amaxDetached(x, dims, true);
  // An all -inf (or inf) slice must not turn into inf - inf = NaN.
  m = noGrad(() => m.where(m.abs().ne(Infinity), 0));
  const out = sum(x.sub(m).exp(), dims, { keepdim: true }).log().add(m);
  return opts.keepdim ? out : out.reshape(out.shape.filter((_, d) => !dims.includes(d)));
}

/** Sums a broadcast gradient back down to `shape` (the inverse of broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let d = 0; d < g.ndim; d++) if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) dims.push(d);
  const s = dims.length ? sum(g, dims, { keepdim: true }) : g;
  return numel(s.shape) === numel(shape) ? s.reshape(shape) : s;
}
