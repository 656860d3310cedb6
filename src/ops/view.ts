/**
 * Shape ops. All are views that share storage (reshape copies only when the strides leave no
 * choice, as in PyTorch); each backward maps the gradient back to the input's shape.
 */

import { record } from '../autograd/node.js';
import { type Tensor, viewOf } from '../tensor/tensor.js';
import { type Shape, inferShape, normalizeDim, shapeStr, viewStrides } from '../tensor/shape.js';
import { fullOf } from './copy.js';
import { sumTo } from './reduce.js';

function asView(op: string, x: Tensor, shape: readonly number[], strict: boolean): Tensor {
  const target = inferShape(op, shape, x.size, x.shape);
  const strides = viewStrides(x.shape, x.strides, target);
  let out: Tensor;
  if (strides) {
    out = viewOf(x, target, strides, x.offset);
  } else if (strict) {
    throw new Error(`view: shape ${shapeStr(shape)} is not compatible with the input's size and strides (shape ${shapeStr(x.shape)}, strides ${shapeStr(x.strides)}); use reshape(), which copies when it must`);
  } else {
    const c = x.contiguous();
    return asView(op, c, target, true);
  }
  return record(op, [x], out, (g) => [g.reshape(x.shape)]);
}

export const reshape = (x: Tensor, shape: readonly number[]): Tensor => asView('reshape', x, shape, false);
export const view = (x: Tensor, shape: readonly number[]): Tensor => asView('view', x, shape, true);

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.ndim), e = normalizeDim('flatten', endDim, x.ndim);
  if (s > e) throw new Error(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const nd = x.ndim;
  const perm = dims.map((d) => normalizeDim('permute', d, nd));
  if (perm.length !== nd || new Set(perm).size !== nd) {
    throw new Error(`permute: dims ${shapeStr(dims)} are not a permutation of the ${nd} dims of a tensor of shape ${shapeStr(x.shape)}`);
  }
  const out = viewOf(x, perm.map((d) => x.shape[d]!), perm.map((d) => x.strides[d]!), x.offset);
  const inverse = new Array<number>(nd);
  perm.forEach((p, i) => { inverse[p] = i; });
  return record('permute', [x], out, (g) => [g.permute(inverse)]);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeDim('transpose', dim0, x.ndim), b = normalizeDim('transpose', dim1, x.ndim);
  const perm = x.shape.map((_, d) => d);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Broadcasts size-1 dims (and new leading dims) to `shape` without copying: their stride becomes 0. */
export function expand(x: Tensor, shape: Shape): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new Error(`expand: target shape ${shapeStr(shape)} has fewer dims than the input's ${shapeStr(x.shape)}`);
  const strides = shape.map((n, d) => {
    if (d < lead) {
      if (n < 0) throw new Error(`expand: -1 is not allowed for the new leading dim ${d} in ${shapeStr(shape)}`);
      return 0;
    }
    const have = x.shape[d - lead]!;
    if (n === -1 || n === have) return x.strides[d - lead]!;
    if (have === 1) return 0;
    throw new Error(`expand: cannot expand shape ${shapeStr(x.shape)} to ${shapeStr(shape)} (dim ${d}: ${have} is not 1)`);
  });
  const target = shape.map((n, d) => (n === -1 ? x.shape[d - lead]! : n));
  const out = viewOf(x, target, strides, x.offset);
  return record('expand', [x], out, (g) => [sumTo(g, x.shape)]);
}

export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined
    ? x.shape.map((_, d) => d)
    : (typeof dim === 'number' ? [dim] : dim).map((d) => normalizeDim('squeeze', d, x.ndim));
  const drop = (d: number): boolean => dims.includes(d) && x.shape[d] === 1;
  const out = viewOf(x, x.shape.filter((_, d) => !drop(d)), x.strides.filter((_, d) => !drop(d)), x.offset);
  return record('squeeze', [x], out, (g) => [g.reshape(x.shape)]);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1);
  const shape = [...x.shape], strides = [...x.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d]! * x.shape[d]! : 1);
  const out = viewOf(x, shape, strides, x.offset);
  return record('unsqueeze', [x], out, (g) => [g.reshape(x.shape)]);
}

/** Python's x[start:end:step] along one dim: negative bounds count from the end and are clamped. */
export function slice(x: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor {
  const d = normalizeDim('slice', dim, x.ndim);
  if (!Number.isInteger(step) || step < 1) throw new Error(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d]!;
  const clampIdx = (i: number): number => Math.min(n, Math.max(0, i < 0 ? i + n : i));
  const s = clampIdx(start ?? 0), e = Math.max(s, clampIdx(end ?? n));
  const len = Math.ceil((e - s) / step);
  const shape = [...x.shape], strides = [...x.strides];
  shape[d] = len;
  strides[d] = x.strides[d]! * step;
  const out = viewOf(x, shape, strides, x.offset + s * x.strides[d]!);
  return record('slice', [x], out, (g) => [sliceBackward(g, x.shape, d, s, step)]);
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim('narrow', dim, x.ndim);
  const n = x.shape[d]!;
  const s = start < 0 ? start + n : start;
  if (s < 0 || length < 0 || s + length > n) {
    throw new RangeError(`narrow: start ${start} and length ${length} exceed dim ${dim} of size ${n}`);
  }
  return slice(x, d, s, s + length);
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim('select', dim, x.ndim);
  const n = x.shape[d]!;
  const i = index < 0 ? index + n : index;
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`select: index ${index} is out of range for dim ${dim} of size ${n}`);
  return squeeze(narrow(x, d, i, 1), d);
}

/** Zeros of the input's shape with g written into the sliced positions; its own gradient is the slice again. */
function sliceBackward(g: Tensor, shape: Shape, dim: number, start: number, step: number): Tensor {
  const out = fullOf(shape, 0, g.dtype, g);
  const strides = [...out.strides];
  strides[dim] = strides[dim]! * step;
  const window = viewOf(out, g.shape, strides, start * out.strides[dim]!);
  g.storage.backend.copy(g.backendView(), window.backendView());
  return record('sliceBackward', [g], out, (gg) => [slice(gg, dim, start, start + (g.shape[dim]! - 1) * step + 1, step)]);
}
