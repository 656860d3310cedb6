/**
 * Tensor: a strided view (shape, strides, offset) onto a Storage, plus its place in the autograd
 * graph. Views share storage, so reshape/transpose/slice/expand cost nothing. Methods are thin
 * and delegate to `ops/`, where each op's forward and backward are written side by side.
 */

import { type BackendBuffer, type DType, type TypedArray, type View, isFloat } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { type BackwardOptions, runBackward } from '../autograd/engine.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Node } from '../autograd/node.js';
import { formatTensor } from './format.js';
import { type Shape, contiguousStrides, isContiguous, numel, shapeStr } from './shape.js';
import { Storage, allocate } from './storage.js';
import * as ew from '../ops/elementwise.js';
import * as red from '../ops/reduce.js';
import * as sm from '../ops/softmax.js';
import * as vw from '../ops/view.js';
import * as cp from '../ops/copy.js';
import * as ix from '../ops/indexing.js';
import * as jn from '../ops/join.js';
import { matmul } from '../ops/matmul.js';
import { inPlace } from '../ops/in-place.js';

export type TensorLike = Tensor | number;
export type NestedArray = number | boolean | NestedArray[];

export interface ReduceOptions {
  keepdim?: boolean;
}

export class Tensor {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  /** @internal The buffer this tensor (and every view of it) reads. */
  readonly storage: Storage;
  /** The accumulated gradient of a leaf (or of a tensor that called retainGrad()). */
  grad: Tensor | null = null;
  #gradFn: Node | null = null;
  #requiresGrad = false;
  #accumulator: Node | null = null;
  /** @internal The tensor this one is a view of, if any. */
  readonly base: Tensor | null;

  /** @internal Use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(storage: Storage, shape: Shape, strides: readonly number[], offset: number, dtype: DType, base: Tensor | null = null) {
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtype;
    this.base = base;
  }

  // ---- metadata ----------------------------------------------------------------------------------

  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return numel(this.shape);
  }
  numel(): number {
    return this.size;
  }
  get backend(): string {
    return this.storage.backend.name;
  }
  /** Bumped by each in-place op on this tensor's storage. */
  get version(): number {
    return this.storage.version;
  }
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  // ---- autograd ----------------------------------------------------------------------------------

  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  set requiresGrad(value: boolean) {
    if (!value && this.#gradFn) {
      throw new Error('requiresGrad: cannot turn off requiresGrad on a non-leaf tensor; use detach() to get a tensor outside the graph');
    }
    if (value && !isFloat(this.dtype)) {
      throw new Error(`requiresGrad: only floating-point tensors can require gradients, this one is ${this.dtype}`);
    }
    this.#requiresGrad = value;
  }
  /** The node that produced this tensor; null for leaves. */
  get gradFn(): Node | null {
    return this.#gradFn;
  }
  get isLeaf(): boolean {
    return this.#gradFn === null;
  }
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }
  /** Keeps `.grad` for a non-leaf tensor after backward. */
  retainGrad(): this {
    if (!this.#requiresGrad) throw new Error("retainGrad: this tensor doesn't require grad");
    if (this.#gradFn) this.#gradFn.retain = this;
    return this;
  }
  /** @internal */
  attachGradFn(node: Node): void {
    this.#gradFn = node;
    this.#requiresGrad = true;
  }
  /** @internal The node that sums gradients into a leaf's `.grad`, made once so every use shares it. */
  accumulator(): Node {
    return (this.#accumulator ??= new Node('accumulateGrad', [], null, [], this));
  }

  /**
   * Computes gradients of this tensor with respect to every leaf that requires grad, adding them
   * into `.grad`. A non-scalar tensor needs `gradient`, the vector in the vector-Jacobian product.
   */
  backward(gradient?: Tensor, opts: BackwardOptions = {}): void {
    if (!this.#requiresGrad) {
      throw new Error('backward: this tensor does not require grad and has no gradFn. Create the inputs with {requiresGrad: true}, and do not compute it inside noGrad().');
    }
    if (gradient === undefined) {
      if (this.size !== 1) {
        throw new Error(`backward: a gradient can be created implicitly only for a scalar output, this one has shape ${shapeStr(this.shape)}; pass backward(gradient) with a tensor of that shape`);
      }
      gradient = cp.onesLikeOf(this);
    } else if (gradient.shape.join() !== this.shape.join()) {
      throw new Error(`backward: gradient of shape ${shapeStr(gradient.shape)} does not match the output's shape ${shapeStr(this.shape)}`);
    }
    runBackward([this.#gradFn ?? this.accumulator()], [gradient], opts);
  }

  /** A tensor sharing this one's data, outside the graph. */
  detach(): Tensor {
    // No base: a base would keep this tensor, and with it the whole graph behind it, alive (as PyTorch, not a view).
    return new Tensor(this.storage, this.shape, this.strides, this.offset, this.dtype);
  }

  /** @internal Replaces this tensor's place in the graph after an in-place op. */
  rebase(node: Node | null, requiresGrad: boolean): void {
    this.#gradFn = node;
    this.#requiresGrad = requiresGrad;
  }

  // ---- memory and read-back ----------------------------------------------------------------------

  /** @internal The backend's view of this tensor. */
  backendView(): View {
    return { buffer: this.storage.buffer, shape: this.shape, strides: this.strides, offset: this.offset };
  }

  /** Releases the memory now (views of this tensor are released with it). Never needed for flat memory. */
  dispose(): void {
    this.storage.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  get isDisposed(): boolean {
    return this.storage.disposed;
  }

  /** The values, contiguous and row-major, on every backend. */
  async data(): Promise<TypedArray> {
    const t = this.#dense();
    return this.storage.backend.read(t.storage.buffer);
  }
  /** The values, where the backend can answer without waiting (CPU backends). */
  dataSync(): TypedArray {
    const backend = this.storage.backend;
    if (!backend.synchronous) throw new Error(`dataSync: the ${backend.name} backend reads back asynchronously; use await t.data()`);
    return backend.readSync(this.#dense().storage.buffer);
  }
  /** A contiguous tensor whose buffer is exactly its data. */
  #dense(): Tensor {
    const buf = this.storage.buffer;
    if (this.offset === 0 && this.isContiguous() && buf.size === this.size) return this;
    return noGrad(() => cp.clone(this));
  }
  tolist(): NestedArray {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }
  item(): number {
    if (this.size !== 1) throw new Error(`item: only a tensor with one element can be converted to a number, this one has shape ${shapeStr(this.shape)}`);
    return this.dataSync()[0]!;
  }
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- elementwise -------------------------------------------------------------------------------

  add(other: TensorLike): Tensor { return ew.add(this, other); }
  sub(other: TensorLike): Tensor { return ew.sub(this, other); }
  mul(other: TensorLike): Tensor { return ew.mul(this, other); }
  div(other: TensorLike): Tensor { return ew.div(this, other); }
  pow(exponent: TensorLike): Tensor { return ew.pow(this, exponent); }
  maximum(other: TensorLike): Tensor { return ew.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return ew.minimum(this, other); }
  neg(): Tensor { return ew.neg(this); }
  abs(): Tensor { return ew.abs(this); }
  sign(): Tensor { return ew.sign(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  rsqrt(): Tensor { return ew.rsqrt(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  square(): Tensor { return ew.mul(this, this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  tanh(): Tensor { return ew.tanh(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  relu(): Tensor { return ew.relu(this); }
  gelu(opts?: ew.GeluOptions): Tensor { return ew.gelu(this, opts); }
  silu(): Tensor { return ew.silu(this); }
  erf(): Tensor { return ew.erf(this); }
  floor(): Tensor { return ew.floor(this); }
  clamp(min?: TensorLike | null, max?: TensorLike | null): Tensor { return ew.clamp(this, min, max); }
  eq(other: TensorLike): Tensor { return ew.eq(this, other); }
  ne(other: TensorLike): Tensor { return ew.ne(this, other); }
  lt(other: TensorLike): Tensor { return ew.lt(this, other); }
  le(other: TensorLike): Tensor { return ew.le(this, other); }
  gt(other: TensorLike): Tensor { return ew.gt(this, other); }
  ge(other: TensorLike): Tensor { return ew.ge(this, other); }
  logicalNot(): Tensor { return ew.logicalNot(this); }
  logicalAnd(other: TensorLike): Tensor { return ew.logicalAnd(this, other); }
  logicalOr(other: TensorLike): Tensor { return ew.logicalOr(this, other); }
  /** this where `condition` holds, else `other` (torch.Tensor.where). */
  where(condition: Tensor, other: TensorLike): Tensor { return ew.where(condition, this, other); }
  maskedFill(mask: Tensor, value: TensorLike): Tensor { return ew.where(mask, value, this); }

  // ---- reductions --------------------------------------------------------------------------------

  sum(dim?: number | number[], opts?: ReduceOptions): Tensor { return red.sum(this, dim, opts); }
  mean(dim?: number | number[], opts?: ReduceOptions): Tensor { return red.mean(this, dim, opts); }
  max(): Tensor;
  max(dim: number, opts?: ReduceOptions): red.ValuesIndices;
  max(dim?: number, opts?: ReduceOptions): Tensor | red.ValuesIndices {
    return dim === undefined ? red.maxAll(this, 'max') : red.maxDim(this, dim, opts, 'max');
  }
  min(): Tensor;
  min(dim: number, opts?: ReduceOptions): red.ValuesIndices;
  min(dim?: number, opts?: ReduceOptions): Tensor | red.ValuesIndices {
    return dim === undefined ? red.maxAll(this, 'min') : red.maxDim(this, dim, opts, 'min');
  }
  argmax(dim?: number, opts?: ReduceOptions): Tensor { return red.argExtreme(this, dim, opts, 'argmax'); }
  argmin(dim?: number, opts?: ReduceOptions): Tensor { return red.argExtreme(this, dim, opts, 'argmin'); }
  var(dim?: number | number[], opts?: red.VarOptions): Tensor { return red.variance(this, dim, opts); }
  std(dim?: number | number[], opts?: red.VarOptions): Tensor { return red.std(this, dim, opts); }
  logsumexp(dim: number | number[], opts?: ReduceOptions): Tensor { return red.logsumexp(this, dim, opts); }
  softmax(dim: number): Tensor { return sm.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return sm.logSoftmax(this, dim); }

  // ---- linear algebra ----------------------------------------------------------------------------

  matmul(other: Tensor): Tensor { return matmul(this, other); }
  /** The last two dims swapped (a view). */
  get mT(): Tensor { return vw.transpose(this, -2, -1); }

  // ---- shape -------------------------------------------------------------------------------------

  reshape(...shape: number[] | [readonly number[]]): Tensor { return vw.reshape(this, flatArgs(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return vw.view(this, flatArgs(shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return vw.flatten(this, startDim, endDim); }
  transpose(dim0: number, dim1: number): Tensor { return vw.transpose(this, dim0, dim1); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return vw.permute(this, flatArgs(dims)); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return vw.expand(this, flatArgs(shape)); }
  expandAs(other: Tensor): Tensor { return vw.expand(this, other.shape); }
  squeeze(dim?: number | number[]): Tensor { return vw.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return vw.unsqueeze(this, dim); }
  narrow(dim: number, start: number, length: number): Tensor { return vw.narrow(this, dim, start, length); }
  /** Elements start, start + step, ... before end along dim (Python's x[start:end:step]); a view. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor { return vw.slice(this, dim, start, end, step); }
  /** The sub-tensor at `index` along dim, with that dim removed; a view. */
  select(dim: number, index: number): Tensor { return vw.select(this, dim, index); }
  contiguous(): Tensor { return cp.contiguous(this); }
  split(splitSize: number | number[], dim = 0): Tensor[] { return jn.split(this, splitSize, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return jn.chunk(this, chunks, dim); }

  // ---- indexing ----------------------------------------------------------------------------------

  gather(dim: number, index: Tensor): Tensor { return ix.gather(this, dim, index); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return ix.scatterAdd(this, dim, index, src); }
  indexSelect(dim: number, index: Tensor): Tensor { return ix.indexSelect(this, dim, index); }
  tril(diagonal = 0): Tensor { return ix.tril(this, diagonal); }
  triu(diagonal = 0): Tensor { return ix.triu(this, diagonal); }

  // ---- dtype and copies --------------------------------------------------------------------------

  to(dtype: DType): Tensor { return cp.cast(this, dtype); }
  float(): Tensor { return cp.cast(this, 'float32'); }
  double(): Tensor { return cp.cast(this, 'float64'); }
  int(): Tensor { return cp.cast(this, 'int32'); }
  bool(): Tensor { return cp.cast(this, 'bool'); }
  clone(): Tensor { return cp.clone(this); }

  // ---- in place: each bumps the version, so a graph that saved the old value refuses to use it ----

  add_(other: TensorLike, opts?: { alpha?: number }): this {
    const alpha = opts?.alpha ?? 1;
    return inPlace(this, 'add_', (t) => ew.add(t, alpha === 1 ? other : ew.mul(other, alpha)));
  }
  sub_(other: TensorLike): this { return inPlace(this, 'sub_', (t) => ew.sub(t, other)); }
  mul_(other: TensorLike): this { return inPlace(this, 'mul_', (t) => ew.mul(t, other)); }
  div_(other: TensorLike): this { return inPlace(this, 'div_', (t) => ew.div(t, other)); }
  clamp_(min?: TensorLike | null, max?: TensorLike | null): this { return inPlace(this, 'clamp_', (t) => ew.clamp(t, min, max)); }
  maskedFill_(mask: Tensor, value: TensorLike): this { return inPlace(this, 'maskedFill_', (t) => ew.where(mask, value, t)); }
  copy_(src: Tensor): this { return inPlace(this, 'copy_', () => src); }
  fill_(value: number): this { return inPlace(this, 'fill_', (t) => cp.fullLikeOf(t, value)); }
  zero_(): this { return this.fill_(0); }
}

function flatArgs(args: number[] | [readonly number[]]): number[] {
  return Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}

function toNested(data: TypedArray, shape: Shape, dtype: DType): NestedArray {
  const conv = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (shape.length === 0) return conv(data[0]!);
  let k = 0;
  const build = (d: number): NestedArray[] => {
    const out: NestedArray[] = [];
    for (let i = 0; i < shape[d]!; i++) out.push(d === shape.length - 1 ? conv(data[k++]!) : build(d + 1));
    return out;
  };
  return build(0);
}

// ---- internal constructors used by ops ----------------------------------------------------------

/** @internal A new contiguous tensor over a fresh buffer on `backend`. */
export function fromBuffer(buffer: BackendBuffer, shape: Shape, storageOf: Tensor | null = null): Tensor {
  const backend = storageOf?.storage.backend ?? getBackend();
  return new Tensor(new Storage(backend, buffer), [...shape], contiguousStrides(shape), 0, buffer.dtype);
}

/**
 * @internal Throws unless every tensor given lives on `first`'s backend: a kernel reads all its
 * operands from its own memory, so an operand of another backend would be read as garbage.
 */
export function checkSameBackend(op: string, first: Tensor, ...others: readonly (Tensor | null | undefined)[]): void {
  for (const t of others) {
    if (!t || t.storage.backend === first.storage.backend) continue;
    const which = t.backend === first.backend ? `two backends both named '${t.backend}'` : `${first.backend} and ${t.backend}`;
    throw new Error(`${op}: operands live on different backends (${which}); create them with the same backend current`);
  }
}

/** @internal An uninitialised contiguous tensor on the backend of `like` (or the current one). */
export function empty(shape: Shape, dtype: DType, like: Tensor | null = null): Tensor {
  const backend = like?.storage.backend ?? getBackend();
  return fromBuffer(allocate(backend, dtype, numel(shape)), shape, like);
}

/** @internal A view of `base`'s storage; autograd is the caller's business. */
export function viewOf(base: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  return new Tensor(base.storage, [...shape], [...strides], offset, base.dtype, base.base ?? base);
}

