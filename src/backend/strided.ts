/**
 * Strided iteration for CPU kernels. Views are first collapsed (adjacent dims that are contiguous in
 * every view merge, size-1 dims drop), so a contiguous tensor becomes one long row and a bias
 * broadcast over [B, T, C] becomes rows of C: kernels then spend their time in a tight inner loop.
 */

export interface Collapsed {
  shape: number[];
  strides: number[][];
}

export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): Collapsed {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, v) => outStrides[v]![last] === s[d]! * n);
    if (mergeable) {
      outShape[last] = outShape[last]! * n;
      strides.forEach((s, v) => { outStrides[v]![last] = s[d]!; });
    } else {
      outShape.push(n);
      strides.forEach((s, v) => outStrides[v]!.push(s[d]!));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outStrides.forEach((s) => s.push(0));
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Calls `row(offsets, length)` once per innermost row; `offsets[v]` is view v's start and
 * `innerStrides[v]` (returned) its step along the row. `offsets` is reused between calls.
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  starts: readonly number[],
  row: (offsets: number[], length: number, innerStrides: number[]) => void,
): void {
  const c = collapse(shape, strides);
  const nd = c.shape.length;
  const views = starts.length;
  const inner = c.shape[nd - 1]!;
  const innerStrides = c.strides.map((s) => s[nd - 1]!);
  const total = c.shape.reduce((a, b) => a * b, 1);
  if (total === 0) return;
  const rows = total / inner;
  const counter = new Array<number>(nd).fill(0);
  const offsets = starts.slice();
  for (let r = 0; r < rows; r++) {
    row(offsets, inner, innerStrides);
    for (let d = nd - 2; d >= 0; d--) {
      counter[d]!++;
      for (let v = 0; v < views; v++) offsets[v] = offsets[v]! + c.strides[v]![d]!;
      if (counter[d]! < c.shape[d]!) break;
      for (let v = 0; v < views; v++) offsets[v] = offsets[v]! - c.strides[v]![d]! * c.shape[d]!;
      counter[d] = 0;
    }
  }
}

/** Start offsets of every element of a (shape, strides) view, in row-major order. */
export function elementOffsets(shape: readonly number[], strides: readonly number[], start: number): Int32Array {
  const total = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(total);
  let k = 0;
  forEachRow(shape, [strides], [start], (o, n, s) => {
    for (let i = 0, p = o[0]!; i < n; i++, p += s[0]!) out[k++] = p;
  });
  return out;
}
