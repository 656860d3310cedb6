/**
 * The reference backend, in plain TypeScript: the specification the fast backends are tested
 * against. Correct first and clear, but not naive: loops run over collapsed rows and matmul packs
 * and blocks for the cache. Arithmetic is done in float64 and rounded on store.
 */

import {
  type AdamScalars, type AdamTensors, type Backend, type BackendBuffer, type BinaryOp, type DType, type ReduceOp,
  type SgdScalars, type SgdTensors, type SoftmaxOptions, type TypedArray, type UnaryOp, type View, typedArrayFor,
} from './backend.js';
import * as fused from './fused.js';
import { binaryFns, unaryFns } from './math.js';
import { forEachRow } from './strided.js';

class RefBuffer implements BackendBuffer {
  constructor(readonly dtype: DType, readonly data: TypedArray) {}
  get size(): number {
    return this.data.length;
  }
}

const arr = (b: BackendBuffer): TypedArray => (b as RefBuffer).data;
const contiguousStrides = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
};

/** Stores a number into a typed array of the given dtype the way torch casts (bool: nonzero). */
const storeFor = (dtype: DType) => dtype === 'bool'
  ? (o: TypedArray, i: number, v: number) => { o[i] = v !== 0 ? 1 : 0; }
  : (o: TypedArray, i: number, v: number) => { o[i] = v; };

export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  readonly synchronous = true;
  readonly garbageCollected = true;

  alloc(dtype: DType, size: number): BackendBuffer {
    return new RefBuffer(dtype, typedArrayFor(dtype, size));
  }
  write(buffer: BackendBuffer, data: TypedArray): void {
    arr(buffer).set(data);
  }
  async read(buffer: BackendBuffer): Promise<TypedArray> {
    return this.readSync(buffer);
  }
  readSync(buffer: BackendBuffer): TypedArray {
    return arr(buffer).slice();
  }
  free(): void {
    // Typed arrays belong to the JS heap: the garbage collector reclaims them.
  }

  copy(x: View, out: View): void {
    const src = arr(x.buffer), dst = arr(out.buffer);
    const store = storeFor(out.buffer.dtype);
    forEachRow(out.shape, [x.strides, out.strides], [x.offset, out.offset], (o, n, s) => {
      for (let i = 0, p = o[0]!, q = o[1]!; i < n; i++, p += s[0]!, q += s[1]!) store(dst, q, src[p]!);
    });
  }

  fill(out: View, value: number): void {
    const dst = arr(out.buffer);
    const store = storeFor(out.buffer.dtype);
    forEachRow(out.shape, [out.strides], [out.offset], (o, n, s) => {
      for (let i = 0, q = o[0]!; i < n; i++, q += s[0]!) store(dst, q, value);
    });
  }

  unary(op: UnaryOp, x: View, out: BackendBuffer): void {
    const f = unaryFns[op];
    const src = arr(x.buffer), dst = arr(out);
    const store = storeFor(out.dtype);
    let k = 0;
    forEachRow(x.shape, [x.strides], [x.offset], (o, n, s) => {
      for (let i = 0, p = o[0]!; i < n; i++, p += s[0]!) store(dst, k++, f(src[p]!));
    });
  }

  binary(op: BinaryOp, a: View, b: View, out: BackendBuffer): void {
    const x = arr(a.buffer), y = arr(b.buffer), dst = arr(out);
    const arith = arithmeticLoops[op];
    if (arith && out.dtype !== 'bool' && out.dtype !== 'int32') {
      // The hot path of training: float add/sub/mul/div in loops the JIT can keep monomorphic.
      let k = 0;
      forEachRow(a.shape, [a.strides, b.strides], [a.offset, b.offset], (o, n, s) => {
        arith(x, y, dst, o[0]!, o[1]!, s[0]!, s[1]!, k, n);
        k += n;
      });
      return;
    }
    const f = binaryFns[op];
    const store = storeFor(out.dtype);
    const intDiv = op === 'div' && out.dtype === 'int32';
    let k = 0;
    forEachRow(a.shape, [a.strides, b.strides], [a.offset, b.offset], (o, n, s) => {
      for (let i = 0, p = o[0]!, q = o[1]!; i < n; i++, p += s[0]!, q += s[1]!) {
        const v = f(x[p]!, y[q]!);
        store(dst, k++, intDiv ? Math.trunc(v) : v);
      }
    });
  }

  where(cond: View, a: View, b: View, out: BackendBuffer): void {
    const c = arr(cond.buffer), x = arr(a.buffer), y = arr(b.buffer), dst = arr(out);
    const store = storeFor(out.dtype);
    let k = 0;
    forEachRow(cond.shape, [cond.strides, a.strides, b.strides], [cond.offset, a.offset, b.offset], (o, n, s) => {
      for (let i = 0, p = o[0]!, q = o[1]!, r = o[2]!; i < n; i++, p += s[0]!, q += s[1]!, r += s[2]!) {
        store(dst, k++, c[p] ? x[q]! : y[r]!);
      }
    });
  }

  reduce(op: ReduceOp, x: View, dims: number, out: BackendBuffer): void {
    const src = arr(x.buffer), dst = arr(out);
    const store = storeFor(out.dtype);
    const split = x.shape.length - dims;
    const outerShape = x.shape.slice(0, split), innerShape = x.shape.slice(split);
    const outerStrides = x.strides.slice(0, split), innerStrides = x.strides.slice(split);
    const innerCount = innerShape.reduce((a, b) => a * b, 1);
    if (innerCount === 0 && op !== 'sum') throw new Error(`${op}: cannot reduce over an empty dimension`);
    // Offsets of one inner block, relative to its start; reused for every outer element.
    const rel = new Int32Array(innerCount);
    let r = 0;
    forEachRow(innerShape, [innerStrides], [0], (o, n, s) => {
      for (let i = 0, p = o[0]!; i < n; i++, p += s[0]!) rel[r++] = p;
    });
    let k = 0;
    forEachRow(outerShape, [outerStrides], [x.offset], (o, n, s) => {
      for (let i = 0, base = o[0]!; i < n; i++, base += s[0]!) {
        store(dst, k++, reduceBlock(op, src, base, rel));
      }
    });
  }

  matmul(a: View, b: View, out: BackendBuffer): void {
    const nd = a.shape.length;
    const M = a.shape[nd - 2]!, K = a.shape[nd - 1]!, N = b.shape[nd - 1]!;
    const batchShape = a.shape.slice(0, nd - 2);
    const A = arr(a.buffer), B = arr(b.buffer), C = arr(out);
    const aRow = a.strides[nd - 2]!, aCol = a.strides[nd - 1]!;
    const bRow = b.strides[nd - 2]!, bCol = b.strides[nd - 1]!;
    const pa = new Float64Array(M * K), pbt = new Float64Array(N * K), pc = new Float64Array(M * N);
    let batch = 0;
    forEachRow(batchShape, [a.strides.slice(0, nd - 2), b.strides.slice(0, nd - 2)], [a.offset, b.offset], (o, n, s) => {
      for (let i = 0, offA = o[0]!, offB = o[1]!; i < n; i++, offA += s[0]!, offB += s[1]!) {
        // Pack A row-major and B transposed (rows of Bᵀ), whatever their strides: the kernel then
        // reads both contiguously along K, and Aᵀ or Bᵀ operands cost one pass.
        for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) pa[m * K + k] = A[offA + m * aRow + k * aCol]!;
        for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) pbt[j * K + k] = B[offB + k * bRow + j * bCol]!;
        gemmPacked(pa, pbt, pc, M, K, N);
        C.set(pc, batch * M * N);
        batch++;
      }
    });
  }

  gather(x: View, index: View, dim: number, out: BackendBuffer): void {
    const src = arr(x.buffer), idx = arr(index.buffer), dst = arr(out);
    const store = storeFor(out.dtype);
    const size = x.shape[dim]!;
    let k = 0;
    forEachIndexed(index, (ip, coordOffsets) => {
      const j = checkIndex(idx[ip]!, size, 'gather');
      store(dst, k++, src[x.offset + dotExcept(coordOffsets, x.strides, dim) + j * x.strides[dim]!]!);
    });
  }

  scatterAdd(out: View, index: View, src: View, dim: number): void {
    const dst = arr(out.buffer), idx = arr(index.buffer), s = arr(src.buffer);
    const size = out.shape[dim]!;
    forEachIndexed(index, (ip, coord) => {
      const j = checkIndex(idx[ip]!, size, 'scatterAdd');
      const q = out.offset + dotExcept(coord, out.strides, dim) + j * out.strides[dim]!;
      dst[q] = dst[q]! + s[src.offset + dot(coord, src.strides)]!;
    });
  }

  softmax(x: View, out: BackendBuffer, opts: SoftmaxOptions): void {
    fused.softmaxRows(rows(x), arr(out), opts);
  }

  softmaxBackward(y: View, g: View, dx: BackendBuffer, opts: SoftmaxOptions): void {
    fused.softmaxBackwardRows(rows(y), rows(g), arr(dx), opts);
  }

  layerNorm(x: View, weight: View | null, bias: View | null, eps: number, out: BackendBuffer, mean: BackendBuffer, rstd: BackendBuffer): void {
    fused.layerNormRows(rows(x), weight && rows(weight), bias && rows(bias), eps, arr(out), arr(mean), arr(rstd));
  }

  layerNormBackward(g: View, x: View, weight: View | null, mean: View, rstd: View,
    dx: BackendBuffer, dweight: BackendBuffer | null, dbias: BackendBuffer | null): void {
    fused.layerNormBackwardRows(rows(g), rows(x), weight && rows(weight), rows(mean), rows(rstd), arr(dx),
      dweight && arr(dweight), dbias && arr(dbias));
  }

  crossEntropy(logits: View, target: View, ignoreIndex: number, loss: BackendBuffer, lse: BackendBuffer): void {
    fused.crossEntropyRows(rows(logits), rows(target), ignoreIndex, arr(loss), arr(lse));
  }

  crossEntropyBackward(logits: View, target: View, lse: View, g: View, ignoreIndex: number, dx: BackendBuffer): void {
    fused.crossEntropyBackwardRows(rows(logits), rows(target), rows(lse), g, arr(g.buffer), ignoreIndex, arr(dx));
  }

  adamUpdate(tensors: readonly AdamTensors[], scalars: AdamScalars): void {
    fused.adamUpdate(tensors, scalars, (v) => arr(v.buffer));
  }

  sgdUpdate(tensors: readonly SgdTensors[], scalars: SgdScalars): void {
    fused.sgdUpdate(tensors, scalars, (v) => arr(v.buffer));
  }
}

const rows = (v: View): fused.RowsData => fused.rowsOf(arr(v.buffer), v);

type RowLoop = (x: TypedArray, y: TypedArray, out: TypedArray, p: number, q: number, sp: number, sq: number, k: number, n: number) => void;

const arithmeticLoops: Partial<Record<BinaryOp, RowLoop>> = {
  add: (x, y, o, p, q, sp, sq, k, n) => { for (let i = 0; i < n; i++, p += sp, q += sq) o[k + i] = x[p]! + y[q]!; },
  sub: (x, y, o, p, q, sp, sq, k, n) => { for (let i = 0; i < n; i++, p += sp, q += sq) o[k + i] = x[p]! - y[q]!; },
  mul: (x, y, o, p, q, sp, sq, k, n) => { for (let i = 0; i < n; i++, p += sp, q += sq) o[k + i] = x[p]! * y[q]!; },
  div: (x, y, o, p, q, sp, sq, k, n) => { for (let i = 0; i < n; i++, p += sp, q += sq) o[k + i] = x[p]! / y[q]!; },
};

function reduceBlock(op: ReduceOp, src: TypedArray, base: number, rel: Int32Array): number {
  const n = rel.length;
  switch (op) {
    case 'sum': {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += src[base + rel[i]!]!;
      return acc;
    }
    case 'max': case 'min': {
      const sign = op === 'max' ? 1 : -1;
      let best = src[base + rel[0]!]!;
      for (let i = 1; i < n; i++) {
        const v = src[base + rel[i]!]!;
        if (v !== v) return NaN;
        if (sign * (v - best) > 0) best = v;
      }
      return best;
    }
    case 'argmax': case 'argmin': {
      // First occurrence wins, and a NaN counts as the extreme, as in PyTorch.
      const sign = op === 'argmax' ? 1 : -1;
      let best = src[base + rel[0]!]!, at = 0;
      if (best !== best) return 0;
      for (let i = 1; i < n; i++) {
        const v = src[base + rel[i]!]!;
        if (v !== v) return i;
        if (sign * (v - best) > 0) { best = v; at = i; }
      }
      return at;
    }
  }
}

/**
 * C = A·Bᵀᵀ for A (M×K) row-major and Bt (N×K) row-major: a 4×4 block of C is accumulated in 16
 * locals while one pass runs along K, so each loaded value feeds four multiply-adds.
 */
function gemmPacked(A: Float64Array, Bt: Float64Array, C: Float64Array, M: number, K: number, N: number): void {
  const M4 = M - (M % 4), N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    const a0 = i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
    for (let j = 0; j < N4; j += 4) {
      const b0 = j * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k]!, x1 = A[a1 + k]!, x2 = A[a2 + k]!, x3 = A[a3 + k]!;
        const y0 = Bt[b0 + k]!, y1 = Bt[b1 + k]!, y2 = Bt[b2 + k]!, y3 = Bt[b3 + k]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let c = i * N + j;
      C[c] = c00; C[c + 1] = c01; C[c + 2] = c02; C[c + 3] = c03; c += N;
      C[c] = c10; C[c + 1] = c11; C[c + 2] = c12; C[c + 3] = c13; c += N;
      C[c] = c20; C[c + 1] = c21; C[c + 2] = c22; C[c + 3] = c23; c += N;
      C[c] = c30; C[c + 1] = c31; C[c + 2] = c32; C[c + 3] = c33;
    }
  }
  // The ragged edges: rows past M4 and columns past N4, one dot product each.
  for (let i = 0; i < M; i++) {
    for (let j = i < M4 ? N4 : 0; j < N; j++) {
      let acc = 0;
      for (let k = 0, a = i * K, b = j * K; k < K; k++) acc += A[a + k]! * Bt[b + k]!;
      C[i * N + j] = acc;
    }
  }
}

function checkIndex(v: number, size: number, op: string): number {
  const j = v < 0 ? v + size : v;
  if (j < 0 || j >= size || !Number.isInteger(j)) {
    throw new RangeError(`${op}: index ${v} is out of range for a dimension of size ${size}`);
  }
  return j;
}

/** Visits every element of `index` in row-major order with its buffer offset and its coordinates. */
function forEachIndexed(index: View, fn: (offset: number, coord: number[]) => void): void {
  const shape = index.shape, nd = shape.length;
  const total = shape.reduce((a, b) => a * b, 1);
  const coord = new Array<number>(nd).fill(0);
  const strides = contiguousStrides(shape);
  for (let lin = 0; lin < total; lin++) {
    let rem = lin, off = index.offset;
    for (let d = 0; d < nd; d++) {
      coord[d] = Math.floor(rem / strides[d]!);
      rem -= coord[d]! * strides[d]!;
      off += coord[d]! * index.strides[d]!;
    }
    fn(off, coord);
  }
}

const dot = (coord: number[], strides: readonly number[]): number => {
  let s = 0;
  for (let d = 0; d < coord.length; d++) s += coord[d]! * strides[d]!;
  return s;
};
const dotExcept = (coord: number[], strides: readonly number[], skip: number): number =>
  dot(coord, strides) - coord[skip]! * strides[skip]!;
