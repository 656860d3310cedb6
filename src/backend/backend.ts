/**
 * The one interface every backend implements: storage plus one method per primitive.
 *
 * Design: a backend never sees a Tensor, only buffers and strided views onto them. Views make
 * transposes, slices and broadcasts free (a broadcast dimension has stride 0), so `matmul` can read
 * Aᵀ straight from A's buffer and backward needs no copies. Every primitive writes into an output
 * buffer the caller allocated, so a GPU backend can queue work without waiting; only `read` is
 * asynchronous, and `readSync` exists where the backend can answer at once.
 *
 * Composite ops (softmax, layerNorm, losses, ...) never reach a backend: they are built from these.
 */

export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** An opaque handle a backend hands out; it knows its dtype and element count. */
export interface BackendBuffer {
  readonly dtype: DType;
  readonly size: number;
}

/** A strided window onto a buffer: element (i₀, …, iₙ) lives at `offset + Σ iₖ·strides[k]`. */
export interface View {
  readonly buffer: BackendBuffer;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

export const unaryOps = [
  'neg', 'abs', 'sign', 'exp', 'log', 'sqrt', 'rsqrt', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid',
  'relu', 'gelu', 'geluTanh', 'silu', 'erf', 'floor', 'not',
  // Derivatives of the GELUs, so their backward is one kernel rather than a dozen.
  'geluGrad', 'geluTanhGrad',
] as const;
export type UnaryOp = (typeof unaryOps)[number];

export const binaryOps = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum',
  'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or',
] as const;
export type BinaryOp = (typeof binaryOps)[number];

export const reduceOps = ['sum', 'max', 'min', 'argmax', 'argmin'] as const;
export type ReduceOp = (typeof reduceOps)[number];

export interface Backend {
  readonly name: string;
  /** True when `readSync` can answer without waiting (CPU backends). */
  readonly synchronous: boolean;
  /**
   * True when buffers live on the JS heap, so the garbage collector reclaims them by itself and
   * `free` is optional. Storage then skips its FinalizationRegistry, which costs more than a small op.
   */
  readonly garbageCollected: boolean;

  alloc(dtype: DType, size: number): BackendBuffer;
  write(buffer: BackendBuffer, data: TypedArray): void;
  read(buffer: BackendBuffer): Promise<TypedArray>;
  readSync(buffer: BackendBuffer): TypedArray;
  free(buffer: BackendBuffer): void;

  /** out[i] = x[i] over two views of one shape, converting dtype: contiguous(), casts, slice assignment. */
  copy(x: View, out: View): void;
  fill(out: View, value: number): void;
  /** out (contiguous, x's shape) = op(x). */
  unary(op: UnaryOp, x: View, out: BackendBuffer): void;
  /** out (contiguous) = op(a, b); a and b are already broadcast to out's shape. Comparisons write bool. */
  binary(op: BinaryOp, a: View, b: View, out: BackendBuffer): void;
  /** out = cond ? a : b, all three broadcast to out's shape. */
  where(cond: View, a: View, b: View, out: BackendBuffer): void;
  /** Reduces the trailing `dims` dimensions of x into contiguous out (the leading dims' shape). */
  reduce(op: ReduceOp, x: View, dims: number, out: BackendBuffer): void;
  /** a [...batch, M, K] · b [...batch, K, N] → out contiguous [...batch, M, N]; batch dims broadcast by strides. */
  matmul(a: View, b: View, out: BackendBuffer): void;
  /** out[...i, ...] = x[..., index[...], ...] along dim (torch.gather); out has index's shape. */
  gather(x: View, index: View, dim: number, out: BackendBuffer): void;
  /** out[..., index[...], ...] += src[...] along dim (torch.scatter_add_), in place on out. */
  scatterAdd(out: View, index: View, src: View, dim: number): void;
}

export function typedArrayFor(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'float64': return new Float64Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
  }
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}
