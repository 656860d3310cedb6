/**
 * Elementwise ops with NumPy broadcasting and PyTorch's type promotion. Each rule table is typed
 * over the backend's op list, so a primitive without a derivative fails to compile. Derivatives are
 * lazy per input (tfjs's shape): only the gradients an input needs are computed.
 */

import { type BinaryOp, type DType, type UnaryOp, type View, isFloat } from '../backend/backend.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { type Tensor, type TensorLike, checkSameBackend, empty } from '../tensor/tensor.js';
import { broadcastShapes, broadcastStrides, type Shape } from '../tensor/shape.js';
import { scalarLike } from './copy.js';
import { sumTo } from './reduce.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

// ---- type promotion -----------------------------------------------------------------------------

const rank: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

const isTensor = (x: TensorLike): x is Tensor => typeof x !== 'number';

/** PyTorch's rule: tensors promote by kind and width; a JS number only lifts the kind (int → float). */
export const promoteTypes = (a: DType, b: DType): DType => (rank[a] >= rank[b] ? a : b);

export function resultType(a: TensorLike, b: TensorLike): DType {
  if (isTensor(a) && isTensor(b)) return promoteTypes(a.dtype, b.dtype);
  const t = isTensor(a) ? a : (b as Tensor);
  const n = isTensor(a) ? (b as number) : a;
  if (isFloat(t.dtype)) return t.dtype;
  if (!Number.isInteger(n)) return 'float32';
  return t.dtype === 'bool' && n !== 0 && n !== 1 ? 'int32' : t.dtype;
}

/** Both operands as tensors of one dtype on one backend. */
export function operands(op: string, a: TensorLike, b: TensorLike, dtype = resultType(a, b)): [Tensor, Tensor] {
  if (!isTensor(a) && !isTensor(b)) throw new Error(`${op}: at least one operand must be a tensor`);
  const like = isTensor(a) ? a : (b as Tensor);
  if (isTensor(a) && isTensor(b)) checkSameBackend(op, a, b);
  const lift = (x: TensorLike): Tensor => (isTensor(x) ? (x.dtype === dtype ? x : x.to(dtype)) : scalarLike(x, dtype, like));
  return [lift(a), lift(b)];
}

/** The backend's view of t read as if broadcast to `shape`. */
export function broadcastView(t: Tensor, shape: Shape): View {
  return { buffer: t.storage.buffer, shape, strides: broadcastStrides(t.shape, t.strides, shape), offset: t.offset };
}

function requireFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) {
    throw new TypeError(`${op}: expected a floating-point tensor, got ${x.dtype}; convert it first with .float() or .double()`);
  }
}

// ---- unary --------------------------------------------------------------------------------------

interface UnaryRule {
  /** Only defined on floating-point input. */
  float: boolean;
  /** Which value the derivative reads: the input x or the output y. */
  uses: 'x' | 'y';
  /** dL/dx given dL/dy; null where the op is not differentiable. */
  grad: ((g: Tensor, v: Tensor) => Tensor) | null;
}

const zeroGrad = (g: Tensor): Tensor => g.mul(0);

const unaryRules: Record<UnaryOp, UnaryRule> = {
  neg: { float: false, uses: 'x', grad: (g) => g.neg() },
  abs: { float: false, uses: 'x', grad: (g, x) => g.mul(x.sign()) },
  sign: { float: false, uses: 'x', grad: zeroGrad },
  floor: { float: false, uses: 'x', grad: zeroGrad },
  relu: { float: false, uses: 'y', grad: (g, y) => g.mul(y.gt(0)) },
  exp: { float: true, uses: 'y', grad: (g, y) => g.mul(y) },
  log: { float: true, uses: 'x', grad: (g, x) => g.div(x) },
  sqrt: { float: true, uses: 'y', grad: (g, y) => g.div(y.mul(2)) },
  rsqrt: { float: true, uses: 'y', grad: (g, y) => g.mul(y.mul(y).mul(y)).mul(-0.5) },
  reciprocal: { float: true, uses: 'y', grad: (g, y) => g.mul(y.mul(y)).neg() },
  sin: { float: true, uses: 'x', grad: (g, x) => g.mul(x.cos()) },
  cos: { float: true, uses: 'x', grad: (g, x) => g.mul(x.sin()).neg() },
  tanh: { float: true, uses: 'y', grad: (g, y) => g.mul(y.mul(y).neg().add(1)) },
  sigmoid: { float: true, uses: 'y', grad: (g, y) => g.mul(y.mul(y.neg().add(1))) },
  erf: { float: true, uses: 'x', grad: (g, x) => g.mul(x.mul(x).neg().exp().mul(TWO_OVER_SQRT_PI)) },
  // d/dx x·Φ(x) = Φ(x) + x·φ(x): one kernel in a plain backward, tensor ops when the graph is recorded.
  gelu: {
    float: true, uses: 'x',
    grad: (g, x) => g.mul(isGradEnabled()
      ? x.mul(Math.SQRT1_2).erf().add(1).mul(0.5).add(x.mul(x.mul(x).mul(-0.5).exp()).mul(INV_SQRT_2PI))
      : unary('geluGrad', x)),
  },
  // y = ½x(1 + tanh u), u = c(x + 0.044715x³): dy/dx = ½(1 + t) + ½x(1 − t²)·c(1 + 3·0.044715x²)
  geluTanh: {
    float: true, uses: 'x',
    grad: (g, x) => {
      if (!isGradEnabled()) return g.mul(unary('geluTanhGrad', x));
      const x2 = x.mul(x);
      const t = x.add(x2.mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh();
      const du = x2.mul(3 * 0.044715).add(1).mul(SQRT_2_OVER_PI);
      return g.mul(t.add(1).mul(0.5).add(x.mul(0.5).mul(t.mul(t).neg().add(1)).mul(du)));
    },
  },
  // d/dx x·σ(x) = σ(x)(1 + x(1 − σ(x)))
  silu: {
    float: true, uses: 'x',
    grad: (g, x) => {
      const s = x.sigmoid();
      return g.mul(s.mul(x.mul(s.neg().add(1)).add(1)));
    },
  },
  not: { float: false, uses: 'x', grad: null },
  // Only ever called inside a backward that records no graph, so they need no derivative of their own.
  geluGrad: { float: true, uses: 'x', grad: null },
  geluTanhGrad: { float: true, uses: 'x', grad: null },
};

export function unary(op: UnaryOp, x: Tensor): Tensor {
  const rule = unaryRules[op];
  if (rule.float) requireFloat(op, x);
  if (op === 'not' && x.dtype !== 'bool') throw new TypeError(`logicalNot: expected a bool tensor, got ${x.dtype}`);
  const y = empty(x.shape, x.dtype, x);
  x.storage.backend.unary(op, x.backendView(), y.storage.buffer);
  const grad = rule.grad;
  if (!grad) return y;
  const v = rule.uses === 'x' ? x : y;
  return record(op, [x], y, (g) => [grad(g, v)], [v]);
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const floor = (x: Tensor): Tensor => unary('floor', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const silu = (x: Tensor): Tensor => unary('silu', x);
export const erf = (x: Tensor): Tensor => unary('erf', x);
export const logicalNot = (x: Tensor): Tensor => unary('not', x);

export interface GeluOptions {
  /** 'none' (exact, with erf) or 'tanh' (GPT-2's approximation). */
  approximate?: 'none' | 'tanh';
}
export const gelu = (x: Tensor, opts: GeluOptions = {}): Tensor => unary(opts.approximate === 'tanh' ? 'geluTanh' : 'gelu', x);

// ---- binary -------------------------------------------------------------------------------------

type Arithmetic = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';

interface BinaryRule {
  /** Whether the derivatives read a and b (add and sub only need shapes). */
  saves: boolean;
  grad: (g: Tensor, a: Tensor, b: Tensor, y: Tensor) => [() => Tensor, () => Tensor];
}

/** 1 where a wins, ½ at ties, 0 where it loses: PyTorch's split of the gradient of max/min. */
const winShare = (a: Tensor, b: Tensor, wins: (a: Tensor, b: Tensor) => Tensor): Tensor =>
  wins(a, b).to(a.dtype).add(a.eq(b).to(a.dtype).mul(0.5));

const binaryRules: Record<Arithmetic, BinaryRule> = {
  add: { saves: false, grad: (g) => [() => g, () => g] },
  sub: { saves: false, grad: (g) => [() => g, () => g.neg()] },
  mul: { saves: true, grad: (g, a, b) => [() => g.mul(b), () => g.mul(a)] },
  div: { saves: true, grad: (g, a, b) => [() => g.div(b), () => g.mul(a).div(b.mul(b)).neg()] },
  pow: {
    saves: true,
    grad: (g, a, b) => [
      () => g.mul(b).mul(a.pow(b.sub(1))),
      // PyTorch defines d(aᵇ)/db as 0 where a = 0 and b ≥ 0, instead of 0·log 0 = NaN.
      () => where(a.eq(0).logicalAnd(b.ge(0)), 0, g.mul(a.pow(b)).mul(a.log())),
    ],
  },
  maximum: { saves: true, grad: (g, a, b) => [() => g.mul(winShare(a, b, gt)), () => g.mul(winShare(b, a, gt))] },
  minimum: { saves: true, grad: (g, a, b) => [() => g.mul(winShare(a, b, lt)), () => g.mul(winShare(b, a, lt))] },
};

/** The kernel alone: broadcast, allocate, dispatch. */
function binaryKernel(op: BinaryOp, a: Tensor, b: Tensor, outDtype: DType): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = empty(shape, outDtype, a);
  a.storage.backend.binary(op, broadcastView(a, shape), broadcastView(b, shape), out.storage.buffer);
  return out;
}

function arithmetic(op: Arithmetic, x: TensorLike, y: TensorLike): Tensor {
  let dtype = resultType(x, y);
  // True division: ints divide into floats, as in PyTorch.
  if (op === 'div' && !isFloat(dtype)) dtype = 'float32';
  if (dtype === 'bool' && op !== 'maximum' && op !== 'minimum') dtype = 'int32';
  const [a, b] = operands(op, x, y, dtype);
  const out = binaryKernel(op, a, b, dtype);
  const rule = binaryRules[op];
  const aShape = a.shape, bShape = b.shape;
  const sa = rule.saves ? a : null, sb = rule.saves ? b : null;
  return record(op, [a, b], out, (g, needs) => {
    const [da, db] = rule.grad(g, sa!, sb!, out);
    return [needs[0] ? sumTo(da(), aShape) : null, needs[1] ? sumTo(db(), bShape) : null];
  }, rule.saves ? savedFor(op, a, b) : []);
}

/**
 * The inputs the wanted gradients read, for the in-place check: d(a·b)/da reads only b, so
 * `y.mul_(3)` (or `div_`) on a non-leaf stays differentiable, as in PyTorch.
 */
function savedFor(op: Arithmetic, a: Tensor, b: Tensor): Tensor[] {
  if (op === 'mul') return [...(b.requiresGrad ? [a] : []), ...(a.requiresGrad ? [b] : [])];
  if (op === 'div' && !b.requiresGrad) return [b];
  return [a, b];
}

export const add = (a: TensorLike, b: TensorLike): Tensor => arithmetic('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => arithmetic('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => arithmetic('mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => arithmetic('div', a, b);
export const pow = (a: TensorLike, b: TensorLike): Tensor => arithmetic('pow', a, b);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => arithmetic('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => arithmetic('minimum', a, b);

function compare(op: BinaryOp, x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands(op, x, y);
  return binaryKernel(op, a, b, 'bool');
}

export const eq = (a: TensorLike, b: TensorLike): Tensor => compare('eq', a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => compare('ne', a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => compare('lt', a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => compare('le', a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => compare('gt', a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => compare('ge', a, b);
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => compare('and', a, b);
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => compare('or', a, b);

// ---- selection ----------------------------------------------------------------------------------

/** `a` where condition holds, else `b`; all three broadcast together. */
export function where(condition: Tensor, x: TensorLike, y: TensorLike): Tensor {
  if (condition.dtype !== 'bool') throw new TypeError(`where: condition must be a bool tensor, got ${condition.dtype}`);
  const [a, b] = operands('where', x, y);
  checkSameBackend('where', a, condition);
  const shape = broadcastShapes('where', condition.shape, a.shape, b.shape);
  const out = empty(shape, a.dtype, a);
  a.storage.backend.where(broadcastView(condition, shape), broadcastView(a, shape), broadcastView(b, shape), out.storage.buffer);
  return record('where', [a, b], out, (g, needs) => [
    needs[0] ? sumTo(where(condition, g, 0), a.shape) : null,
    needs[1] ? sumTo(where(condition, 0, g), b.shape) : null,
  ]);
}

/** Limits values to [min, max]; the gradient passes where min ≤ x ≤ max, as in torch.clamp. */
export function clamp(x: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  if (min == null && max == null) throw new Error('clamp: at least one of min and max must be given');
  let y = x;
  if (min != null) y = where(y.lt(min), min, y);
  if (max != null) y = where(y.gt(max), max, y);
  return y;
}
