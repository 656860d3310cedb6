/**
 * float32 elementwise kernels over collapsed views: `rows` rows of `n` elements, each operand with
 * its own row stride and inner stride (in elements), the output contiguous. A stride-1 or stride-0
 * (broadcast) inner row runs in SIMD; any other stride gathers lanes. The op code is a constant
 * argument of an inlined loop, so each op compiles to its own loop with no branch inside.
 *
 * Op codes are indices into unaryOps and binaryOps in src/backend/backend.ts.
 */

import { erfF64, expF32, geluF64, geluGradF64, geluTanhF32, geluTanhGradF32, logF32, sigmoidF64, tanhF64 } from './math';
import { bytesToMask, gather4, loadPartial, maskToBytes, storePartial } from './simd';

const NEG = 0, ABS = 1, SIGN = 2, EXP = 3, LOG = 4, SQRT = 5, RSQRT = 6, RECIPROCAL = 7, SIN = 8, COS = 9;
const TANH = 10, SIGMOID = 11, RELU = 12, GELU = 13, GELU_TANH = 14, SILU = 15, ERF = 16, FLOOR = 17, NOT = 18;
const GELU_GRAD = 19, GELU_TANH_GRAD = 20;

const ADD = 0, SUB = 1, MUL = 2, DIV = 3, POW = 4, MAXIMUM = 5, MINIMUM = 6;
const EQ = 7, NE = 8, LT = 9, LE = 10, GT = 11, GE = 12, AND = 13, OR = 14;
/** Internal: pow with a scalar exponent of 2. */
const SQUARE = 15;

// ---- unary --------------------------------------------------------------------------------------

/** Applies a float64-lane function to four float32 lanes, rounding once. */
@inline function viaF64(op: i32, x: v128): v128 {
  const lo = f64x2.promote_low_f32x4(x);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<i64>(x, x, 1, 1));
  return v128.shuffle<i64>(f32x4.demote_f64x2_zero(unaryF64(op, lo)), f32x4.demote_f64x2_zero(unaryF64(op, hi)), 0, 2);
}

@inline function unaryF64(op: i32, x: v128): v128 {
  switch (op) {
    case TANH: return tanhF64(x);
    case SIGMOID: return sigmoidF64(x);
    case GELU: return geluF64(x);
    case SILU: return f64x2.mul(x, sigmoidF64(x));
    case GELU_GRAD: return geluGradF64(x);
    default: return erfF64(x);
  }
}

/** sin and cos need a full-range argument reduction: scalar float64, as Math does. */
@inline function trig(op: i32, x: v128): v128 {
  const f0 = <f32>(op == SIN ? Math.sin(<f64>f32x4.extract_lane(x, 0)) : Math.cos(<f64>f32x4.extract_lane(x, 0)));
  const f1 = <f32>(op == SIN ? Math.sin(<f64>f32x4.extract_lane(x, 1)) : Math.cos(<f64>f32x4.extract_lane(x, 1)));
  const f2 = <f32>(op == SIN ? Math.sin(<f64>f32x4.extract_lane(x, 2)) : Math.cos(<f64>f32x4.extract_lane(x, 2)));
  const f3 = <f32>(op == SIN ? Math.sin(<f64>f32x4.extract_lane(x, 3)) : Math.cos(<f64>f32x4.extract_lane(x, 3)));
  return f32x4(f0, f1, f2, f3);
}

@inline function unaryOp(op: i32, x: v128): v128 {
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  switch (op) {
    case NEG: return f32x4.neg(x);
    case ABS: return f32x4.abs(x);
    case SIGN: {
      const s = v128.or(v128.and(f32x4.gt(x, zero), one), v128.and(f32x4.lt(x, zero), f32x4.splat(-1)));
      return v128.bitselect(x, s, f32x4.ne(x, x));
    }
    case EXP: return expF32(x);
    case GELU_TANH: return geluTanhF32(x);
    case GELU_TANH_GRAD: return geluTanhGradF32(x);
    case LOG: return logF32(x);
    case SQRT: return f32x4.sqrt(x);
    case RSQRT: return f32x4.div(one, f32x4.sqrt(x));
    case RECIPROCAL: return f32x4.div(one, x);
    case SIN: case COS: return trig(op, x);
    // max propagates NaN, as torch.relu does.
    case RELU: return f32x4.max(x, zero);
    case FLOOR: return f32x4.floor(x);
    // NaN is falsy, as in the reference's x ? 0 : 1.
    case NOT: return v128.and(v128.or(f32x4.eq(x, zero), f32x4.ne(x, x)), one);
    default: return viaF64(op, x);
  }
}

@inline function unaryRows(op: i32, x: usize, out: usize, rows: i32, n: i32, xRow: i32, xs: i32): void {
  const rowStep = <usize>xRow << 2, step = <usize>xs << 2;
  for (let r = 0; r < rows; r++, x += rowStep) {
    let i = 0, p = x;
    if (xs == 1) {
      for (; i + 4 <= n; i += 4, p += 16, out += 16) v128.store(out, unaryOp(op, v128.load(p)));
    } else {
      for (; i + 4 <= n; i += 4, p += step << 2, out += 16) v128.store(out, unaryOp(op, gather4(p, step)));
    }
    if (i < n) {
      storePartial(out, unaryOp(op, loadPartial(p, step, n - i)), n - i);
      out += <usize>(n - i) << 2;
    }
  }
}

export function unaryF32(op: i32, x: usize, out: usize, rows: i32, n: i32, xRow: i32, xs: i32): void {
  switch (op) {
    case NEG: unaryRows(NEG, x, out, rows, n, xRow, xs); break;
    case ABS: unaryRows(ABS, x, out, rows, n, xRow, xs); break;
    case SIGN: unaryRows(SIGN, x, out, rows, n, xRow, xs); break;
    case EXP: unaryRows(EXP, x, out, rows, n, xRow, xs); break;
    case LOG: unaryRows(LOG, x, out, rows, n, xRow, xs); break;
    case SQRT: unaryRows(SQRT, x, out, rows, n, xRow, xs); break;
    case RSQRT: unaryRows(RSQRT, x, out, rows, n, xRow, xs); break;
    case RECIPROCAL: unaryRows(RECIPROCAL, x, out, rows, n, xRow, xs); break;
    case SIN: unaryRows(SIN, x, out, rows, n, xRow, xs); break;
    case COS: unaryRows(COS, x, out, rows, n, xRow, xs); break;
    case TANH: unaryRows(TANH, x, out, rows, n, xRow, xs); break;
    case SIGMOID: unaryRows(SIGMOID, x, out, rows, n, xRow, xs); break;
    case RELU: unaryRows(RELU, x, out, rows, n, xRow, xs); break;
    case GELU: unaryRows(GELU, x, out, rows, n, xRow, xs); break;
    case GELU_TANH: unaryRows(GELU_TANH, x, out, rows, n, xRow, xs); break;
    case SILU: unaryRows(SILU, x, out, rows, n, xRow, xs); break;
    case ERF: unaryRows(ERF, x, out, rows, n, xRow, xs); break;
    case FLOOR: unaryRows(FLOOR, x, out, rows, n, xRow, xs); break;
    case GELU_GRAD: unaryRows(GELU_GRAD, x, out, rows, n, xRow, xs); break;
    case GELU_TANH_GRAD: unaryRows(GELU_TANH_GRAD, x, out, rows, n, xRow, xs); break;
    default: unaryRows(NOT, x, out, rows, n, xRow, xs); break;
  }
}

// ---- binary -------------------------------------------------------------------------------------

/** Math.pow's answer: C's pow except that a NaN exponent, and ±1 to an infinite power, give NaN. */
@inline function powJS(a: f64, b: f64): f32 {
  if (isNaN(b) || (Math.abs(a) == 1 && !isFinite(b))) return NaN;
  return <f32>Math.pow(a, b);
}

@inline function powLanes(a: v128, b: v128): v128 {
  return f32x4(
    powJS(<f64>f32x4.extract_lane(a, 0), <f64>f32x4.extract_lane(b, 0)),
    powJS(<f64>f32x4.extract_lane(a, 1), <f64>f32x4.extract_lane(b, 1)),
    powJS(<f64>f32x4.extract_lane(a, 2), <f64>f32x4.extract_lane(b, 2)),
    powJS(<f64>f32x4.extract_lane(a, 3), <f64>f32x4.extract_lane(b, 3)),
  );
}

/** float32 lanes for arithmetic, lane masks for comparisons. */
@inline function binaryOp(op: i32, a: v128, b: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    case POW: return powLanes(a, b);
    case SQUARE: return f32x4.mul(a, a);
    // min and max propagate NaN, as torch.maximum does.
    case MAXIMUM: return f32x4.max(a, b);
    case MINIMUM: return f32x4.min(a, b);
    case EQ: return f32x4.eq(a, b);
    case NE: return f32x4.ne(a, b);
    case LT: return f32x4.lt(a, b);
    case LE: return f32x4.le(a, b);
    case GT: return f32x4.gt(a, b);
    case GE: return f32x4.ge(a, b);
    case AND: return v128.and(f32x4.ne(a, zero), f32x4.ne(b, zero));
    default: return v128.or(f32x4.ne(a, zero), f32x4.ne(b, zero));
  }
}

@inline function isComparison(op: i32): bool {
  return op >= EQ && op <= OR;
}

@inline function storeOut(op: i32, out: usize, v: v128): void {
  if (isComparison(op)) store<i32>(out, i32x4.extract_lane(maskToBytes(v), 0));
  else v128.store(out, v);
}

@inline function storeOutPartial(op: i32, out: usize, v: v128, count: i32): void {
  if (isComparison(op)) {
    const bytes = maskToBytes(v);
    store<u8>(out, i8x16.extract_lane_u(bytes, 0));
    if (count > 1) store<u8>(out, i8x16.extract_lane_u(bytes, 1), 1);
    if (count > 2) store<u8>(out, i8x16.extract_lane_u(bytes, 2), 2);
  } else {
    storePartial(out, v, count);
  }
}

/** `mode` 0: both rows contiguous; 1: b broadcast; 2: a broadcast; 3: any strides. */
@inline function binaryRows(op: i32, mode: i32, a: usize, b: usize, out: usize, rows: i32, n: i32, aRow: i32, bRow: i32, as: i32, bs: i32): void {
  const outStep: usize = isComparison(op) ? 4 : 16;
  const aStep = <usize>as << 2, bStep = <usize>bs << 2;
  for (let r = 0; r < rows; r++) {
    let pa = a + (<usize>(r * aRow) << 2), pb = b + (<usize>(r * bRow) << 2);
    let i = 0;
    if (mode == 0) {
      for (; i + 4 <= n; i += 4, pa += 16, pb += 16, out += outStep) storeOut(op, out, binaryOp(op, v128.load(pa), v128.load(pb)));
    } else if (mode == 1) {
      const vb = v128.load32_splat(pb);
      for (; i + 4 <= n; i += 4, pa += 16, out += outStep) storeOut(op, out, binaryOp(op, v128.load(pa), vb));
    } else if (mode == 2) {
      const va = v128.load32_splat(pa);
      for (; i + 4 <= n; i += 4, pb += 16, out += outStep) storeOut(op, out, binaryOp(op, va, v128.load(pb)));
    } else {
      for (; i + 4 <= n; i += 4, pa += aStep << 2, pb += bStep << 2, out += outStep) {
        storeOut(op, out, binaryOp(op, gather4(pa, aStep), gather4(pb, bStep)));
      }
    }
    if (i < n) {
      const count = n - i;
      storeOutPartial(op, out, binaryOp(op, loadPartial(pa, aStep, count), loadPartial(pb, bStep, count)), count);
      out += (outStep >> 2) * <usize>count;
    }
  }
}

@inline function binaryModes(op: i32, a: usize, b: usize, out: usize, rows: i32, n: i32, aRow: i32, bRow: i32, as: i32, bs: i32): void {
  if (as == 1 && bs == 1) binaryRows(op, 0, a, b, out, rows, n, aRow, bRow, as, bs);
  else if (as == 1 && bs == 0) binaryRows(op, 1, a, b, out, rows, n, aRow, bRow, as, bs);
  else if (as == 0 && bs == 1) binaryRows(op, 2, a, b, out, rows, n, aRow, bRow, as, bs);
  else binaryRows(op, 3, a, b, out, rows, n, aRow, bRow, as, bs);
}

/** out = a op b; comparisons write one bool byte per element. */
export function binaryF32(op: i32, a: usize, b: usize, out: usize, rows: i32, n: i32, aRow: i32, bRow: i32, as: i32, bs: i32): void {
  switch (op) {
    case ADD: binaryModes(ADD, a, b, out, rows, n, aRow, bRow, as, bs); break;
    case SUB: binaryModes(SUB, a, b, out, rows, n, aRow, bRow, as, bs); break;
    case MUL: binaryModes(MUL, a, b, out, rows, n, aRow, bRow, as, bs); break;
    case DIV: binaryModes(DIV, a, b, out, rows, n, aRow, bRow, as, bs); break;
    case POW:
      if (bs == 0 && bRow == 0 && load<f32>(b) == 2) binaryModes(SQUARE, a, b, out, rows, n, aRow, bRow, as, bs);
      else binaryModes(POW, a, b, out, rows, n, aRow, bRow, as, bs);
      break;
    case MAXIMUM: binaryModes(MAXIMUM, a, b, out, rows, n, aRow, bRow, as, bs); break;
    case MINIMUM: binaryModes(MINIMUM, a, b, out, rows, n, aRow, bRow, as, bs); break;
    case EQ: binaryModes(EQ, a, b, out, rows, n, aRow, bRow, as, bs); break;
    case NE: binaryModes(NE, a, b, out, rows, n, aRow, bRow, as, bs); break;
    case LT: binaryModes(LT, a, b, out, rows, n, aRow, bRow, as, bs); break;
    case LE: binaryModes(LE, a, b, out, rows, n, aRow, bRow, as, bs); break;
    case GT: binaryModes(GT, a, b, out, rows, n, aRow, bRow, as, bs); break;
    case GE: binaryModes(GE, a, b, out, rows, n, aRow, bRow, as, bs); break;
    case AND: binaryModes(AND, a, b, out, rows, n, aRow, bRow, as, bs); break;
    default: binaryModes(OR, a, b, out, rows, n, aRow, bRow, as, bs); break;
  }
}

// ---- where --------------------------------------------------------------------------------------

/** `mode` 0: all three rows contiguous; 1: a broadcast; 2: b broadcast. 32-bit elements of any type. */
@inline function whereRows(mode: i32, c: usize, a: usize, b: usize, out: usize, rows: i32, n: i32, cRow: i32, aRow: i32, bRow: i32): void {
  for (let r = 0; r < rows; r++) {
    let pc = c + <usize>(r * cRow), pa = a + (<usize>(r * aRow) << 2), pb = b + (<usize>(r * bRow) << 2);
    const va = v128.load32_splat(pa), vb = v128.load32_splat(pb);
    let i = 0;
    for (; i + 4 <= n; i += 4, pc += 4, out += 16) {
      const x = mode == 1 ? va : v128.load(pa), y = mode == 2 ? vb : v128.load(pb);
      v128.store(out, v128.bitselect(x, y, bytesToMask(pc)));
      if (mode != 1) pa += 16;
      if (mode != 2) pb += 16;
    }
    for (; i < n; i++, pc++, out += 4) {
      store<i32>(out, load<u8>(pc) ? load<i32>(pa) : load<i32>(pb));
      if (mode != 1) pa += 4;
      if (mode != 2) pb += 4;
    }
  }
}

@inline function whereScalar<T>(c: usize, a: usize, b: usize, out: usize, rows: i32, n: i32, cRow: i32, aRow: i32, bRow: i32, cs: i32, as: i32, bs: i32): void {
  const w = sizeof<T>();
  for (let r = 0; r < rows; r++) {
    let pc = c + <usize>(r * cRow), pa = a + <usize>(r * aRow) * w, pb = b + <usize>(r * bRow) * w;
    for (let i = 0; i < n; i++, pc += <usize>cs, pa += <usize>as * w, pb += <usize>bs * w, out += w) {
      store<T>(out, load<u8>(pc) ? load<T>(pa) : load<T>(pb));
    }
  }
}

/** out = cond ? a : b for elements of `width` bytes (1, 4 or 8); cond holds bool bytes. */
export function where(width: i32, c: usize, a: usize, b: usize, out: usize, rows: i32, n: i32, cRow: i32, aRow: i32, bRow: i32, cs: i32, as: i32, bs: i32): void {
  if (width == 4 && cs == 1) {
    if (as == 1 && bs == 1) return whereRows(0, c, a, b, out, rows, n, cRow, aRow, bRow);
    if (as == 0 && bs == 1) return whereRows(1, c, a, b, out, rows, n, cRow, aRow, bRow);
    if (as == 1 && bs == 0) return whereRows(2, c, a, b, out, rows, n, cRow, aRow, bRow);
  }
  if (width == 4) whereScalar<i32>(c, a, b, out, rows, n, cRow, aRow, bRow, cs, as, bs);
  else if (width == 8) whereScalar<i64>(c, a, b, out, rows, n, cRow, aRow, bRow, cs, as, bs);
  else whereScalar<u8>(c, a, b, out, rows, n, cRow, aRow, bRow, cs, as, bs);
}
