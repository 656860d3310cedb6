/**
 * The one interface every backend implements: storage plus one method per primitive.
 *
 * Design: a backend never sees a Tensor, only buffers and strided views onto them. Views make
 * transposes, slices and broadcasts free (a broadcast dimension has stride 0), so `matmul` can read
 * Aᵀ straight from A's buffer and backward needs no copies. Every primitive writes into an output
 * buffer the caller allocated, so a GPU backend can queue work without waiting; only `read` is
 * asynchronous, and `readSync` exists where the backend can answer at once.
 *
 * Most composite ops are built from these. A few that training spends its time in have their own
 * fused primitive (softmax, layerNorm, cross-entropy, the optimizer updates): one pass over memory
 * instead of a dozen, and no temporaries. They work on rows: a `Rows` view is a contiguous
 * [rows, cols] matrix (any offset), and the op layer guarantees that shape.
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

/** Options of the row softmax: softmax(scale·x) or its log, optionally under a causal mask. */
export interface SoftmaxOptions {
  log: boolean;
  scale: number;
  /**
   * Row r sees only columns j ≤ (r mod period) + shift: attention's causal mask, with period the
   * query length and shift the key length minus it. Masked outputs are 0 (−∞ for log) and get no
   * gradient. Absent: no mask.
   */
  causal?: { period: number; shift: number };
}

/** One parameter's tensors for a fused Adam/AdamW update: all contiguous, of one dtype and size. */
export interface AdamTensors {
  param: View;
  grad: View;
  expAvg: View;
  expAvgSq: View;
  /** AMSGrad's running maximum of expAvgSq. */
  maxExpAvgSq: View | null;
}

/** The scalars of one Adam step (torch.optim.Adam's single-tensor arithmetic). */
export interface AdamScalars {
  /** θ is multiplied by this first: AdamW's 1 − ηλ, else 1. */
  decay: number;
  /** Added to the gradient times θ: Adam's L2 weight decay λ, else 0. */
  l2: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** η / (1 − β₁ᵗ) */
  stepSize: number;
  /** √(1 − β₂ᵗ) */
  biasCorrection2Sqrt: number;
}

export interface SgdTensors {
  param: View;
  grad: View;
  /** The momentum buffer (when momentum ≠ 0); on the first step it is overwritten with the gradient. */
  momentumBuffer: View | null;
  firstStep: boolean;
}

export interface SgdScalars {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

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

  // ---- fused primitives over rows (float32 and float64) ----

  /** out (contiguous, x's shape) = softmax or logSoftmax of each row of x. */
  softmax(x: View, out: BackendBuffer, opts: SoftmaxOptions): void;
  /** dx from the forward's output y and the output's gradient g (both Rows). */
  softmaxBackward(y: View, g: View, dx: BackendBuffer, opts: SoftmaxOptions): void;
  /** Normalises each row of x; writes out, and each row's mean and 1/σ ([rows]) for the backward. */
  layerNorm(x: View, weight: View | null, bias: View | null, eps: number, out: BackendBuffer, mean: BackendBuffer, rstd: BackendBuffer): void;
  /** dx for every row; dweight and dbias ([cols]), when given, get the sums over rows. */
  layerNormBackward(g: View, x: View, weight: View | null, mean: View, rstd: View,
    dx: BackendBuffer, dweight: BackendBuffer | null, dbias: BackendBuffer | null): void;
  /**
   * Cross-entropy of each row of logits against an int32 class index ([rows]): the per-row loss
   * (0 where the target is ignoreIndex) and log-sum-exp. Throws a RangeError naming a target out of range.
   */
  crossEntropy(logits: View, target: View, ignoreIndex: number, loss: BackendBuffer, lse: BackendBuffer): void;
  /** dlogits = g_r·(softmax − onehot) per row; g is [rows] (stride 0 broadcasts one value). */
  crossEntropyBackward(logits: View, target: View, lse: View, g: View, ignoreIndex: number, dx: BackendBuffer): void;
  /** One Adam/AdamW step over many parameters, in place. */
  adamUpdate(tensors: readonly AdamTensors[], scalars: AdamScalars): void;
  /** One SGD step over many parameters, in place. */
  sgdUpdate(tensors: readonly SgdTensors[], scalars: SgdScalars): void;
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
