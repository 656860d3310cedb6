/** Joining and splitting: cat and stack copy; split and chunk return views. */

import { record } from '../autograd/node.js';
import { type Tensor, checkSameBackend, empty, viewOf } from '../tensor/tensor.js';
import { normalizeDim, shapeStr } from '../tensor/shape.js';
import { promoteTypes } from './elementwise.js';
import { narrow } from './view.js';

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('cat: expected a non-empty list of tensors');
  const first = tensors[0]!;
  if (first.ndim === 0) throw new Error('cat: zero-dimensional tensors cannot be concatenated; use stack()');
  const d = normalizeDim('cat', dim, first.ndim);
  tensors.forEach((t, i) => {
    const ok = t.ndim === first.ndim && t.shape.every((n, j) => j === d || n === first.shape[j]);
    if (!ok) {
      throw new Error(`cat: tensor ${i} has shape ${shapeStr(t.shape)}, which does not match ${shapeStr(first.shape)} outside dim ${d}`);
    }
    checkSameBackend(`cat (tensor ${i})`, first, t);
  });
  const dtype = tensors.reduce((dt, t) => promoteTypes(dt, t.dtype), first.dtype);
  const inputs = tensors.map((t) => t.to(dtype));
  const shape = [...first.shape];
  shape[d] = inputs.reduce((n, t) => n + t.shape[d]!, 0);
  const out = empty(shape, dtype, first);
  const starts: number[] = [];
  let at = 0;
  for (const t of inputs) {
    starts.push(at);
    const window = viewOf(out, t.shape, out.strides, at * out.strides[d]!);
    t.storage.backend.copy(t.backendView(), window.backendView());
    at += t.shape[d]!;
  }
  return record('cat', inputs, out, (g, needs) => inputs.map((t, i) => (needs[i] ? narrow(g, d, starts[i]!, t.shape[d]!) : null)));
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: expected a non-empty list of tensors');
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.shape.join() !== first.shape.join()) {
      throw new Error(`stack: all tensors must have the same shape; tensor ${i} has ${shapeStr(t.shape)}, tensor 0 has ${shapeStr(first.shape)}`);
    }
  });
  const d = normalizeDim('stack', dim, first.ndim + 1);
  return cat(tensors.map((t) => t.unsqueeze(d)), d);
}

/** Pieces of `splitSize` along dim (the last may be smaller), or pieces of the listed sizes. */
export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim('split', dim, x.ndim);
  const n = x.shape[d]!;
  let sizes: number[];
  if (typeof splitSize === 'number') {
    if (!Number.isInteger(splitSize) || splitSize <= 0) throw new Error(`split: splitSize must be a positive integer, got ${splitSize}`);
    sizes = [];
    for (let at = 0; at < n; at += splitSize) sizes.push(Math.min(splitSize, n - at));
  } else {
    sizes = [...splitSize];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) throw new Error(`split: sizes ${shapeStr(sizes)} sum to ${total}, but dim ${dim} has size ${n}`);
  }
  let at = 0;
  return sizes.map((s) => {
    const piece = narrow(x, d, at, s);
    at += s;
    return piece;
  });
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new Error(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim('chunk', dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d]! / chunks)), d);
}
