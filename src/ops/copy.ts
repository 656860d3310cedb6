/** Copies: dtype casts, clone, contiguous, and the constant tensors ops need internally. */

import { type DType, isFloat } from '../backend/backend.js';
import { record } from '../autograd/node.js';
import { type Tensor, empty } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';

function copyInto(x: Tensor, dtype: DType): Tensor {
  const out = empty(x.shape, dtype, x);
  x.storage.backend.copy(x.backendView(), out.backendView());
  return out;
}

/** x converted to dtype; the gradient flows back (converted) between floating types only. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = copyInto(x, dtype);
  if (!isFloat(dtype)) return out;
  return record('to', [x], out, (g) => [g.to(x.dtype)]);
}

export function clone(x: Tensor): Tensor {
  return record('clone', [x], copyInto(x, x.dtype), (g) => [g]);
}

export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : clone(x);
}

/** A tensor of `shape` filled with value, on the backend of `like`. */
export function fullOf(shape: Shape, value: number, dtype: DType, like: Tensor | null): Tensor {
  const out = empty(shape, dtype, like);
  out.storage.backend.fill(out.backendView(), value);
  return out;
}

export const scalarLike = (value: number, dtype: DType, like: Tensor): Tensor => fullOf([], value, dtype, like);
export const fullLikeOf = (x: Tensor, value: number): Tensor => fullOf(x.shape, value, x.dtype, x);
export const onesLikeOf = (x: Tensor): Tensor => fullOf(x.shape, 1, x.dtype, x);
