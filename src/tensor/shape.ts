/** Shape arithmetic: sizes, strides, broadcasting and dim normalisation, with errors that name the op. */

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= shape[d]!;
  }
  return strides;
}

export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

export const shapeStr = (shape: Shape): string => `[${shape.join(', ')}]`;

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** NumPy broadcasting: align from the right; each pair of sizes must match or contain a 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const nd = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = nd - s.length + i;
      const n = s[i]!;
      if (n === out[d] || n === 1) continue;
      if (out[d] === 1) out[d] = n;
      else throw new Error(`${op}: shapes ${shapes.map(shapeStr).join(' and ')} cannot be broadcast together (dimension ${d}: ${out[d]} vs ${n})`);
    }
  }
  return out;
}

/** Strides that read a tensor of `shape` as if it had `target` (stride 0 along broadcast dims). */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const offset = target.length - shape.length;
  return target.map((n, d) => {
    if (d < offset) return 0;
    return shape[d - offset] === 1 && n !== 1 ? 0 : strides[d - offset]!;
  });
}

export function normalizeDim(op: string, dim: number, ndim: number): number {
  // A 0-d tensor takes dim 0 or -1, as if it had one dim (PyTorch's scalar wrap).
  const n = Math.max(ndim, 1);
  const d = dim < 0 ? dim + n : dim;
  if (!Number.isInteger(dim) || d < 0 || d >= n) {
    throw new RangeError(`${op}: dim ${dim} is out of range for a tensor of ${ndim} dimension${ndim === 1 ? '' : 's'}`);
  }
  return d;
}

export function normalizeDims(op: string, dims: number | readonly number[] | undefined, ndim: number): number[] {
  if (dims === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = (typeof dims === 'number' ? [dims] : dims).map((d) => normalizeDim(op, d, ndim));
  if (new Set(list).size !== list.length) throw new Error(`${op}: dim ${shapeStr(list)} repeats a dimension`);
  return list.sort((a, b) => a - b);
}

/** Resolves a single -1 in a requested shape against a known element count. */
export function inferShape(op: string, shape: Shape, size: number, from: Shape): number[] {
  const out = [...shape];
  const neg = out.indexOf(-1);
  if (out.indexOf(-1, neg + 1) !== -1) throw new Error(`${op}: only one dimension can be -1, got ${shapeStr(shape)}`);
  if (neg >= 0) {
    const rest = out.reduce((a, d, i) => (i === neg ? a : a * d), 1);
    if (rest === 0 || size % rest !== 0) throw new Error(`${op}: shape ${shapeStr(shape)} is invalid for input of shape ${shapeStr(from)} (${size} elements)`);
    out[neg] = size / rest;
  }
  if (out.some((d) => !Number.isInteger(d) || d < 0) || numel(out) !== size) {
    throw new Error(`${op}: shape ${shapeStr(shape)} is invalid for input of shape ${shapeStr(from)} (${size} elements)`);
  }
  return out;
}

/**
 * Strides that view (shape, strides) as newShape without copying, or null if impossible.
 * PyTorch's computeStride: each run of old dims that is contiguous within itself may be re-split freely.
 */
export function viewStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  if (numel(shape) === 0 || shape.length === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}
