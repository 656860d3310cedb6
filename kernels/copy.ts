/**
 * Copies with dtype conversion, and fills, over collapsed strided rows (see elementwise.ts).
 * Conversions follow typed-array stores, as the reference backend does: float32 rounds to
 * nearest, int32 truncates and wraps (ToInt32), bool is "nonzero".
 *
 * Dtype codes: 0 float32, 1 float64, 2 int32, 3 bool (mirrors src/backend/wasm/wasm-backend.ts).
 */

import { bytesToMask, toInt32 } from './simd';

const F32 = 0, F64 = 1, I32 = 2, BOOL = 3;

@inline function width(t: i32): usize {
  return t == F64 ? 8 : t == BOOL ? 1 : 4;
}

@inline function loadAs(t: i32, p: usize): f64 {
  switch (t) {
    case F32: return <f64>load<f32>(p);
    case F64: return load<f64>(p);
    case I32: return <f64>load<i32>(p);
    default: return <f64>load<u8>(p);
  }
}

@inline function storeAs(t: i32, p: usize, v: f64): void {
  switch (t) {
    case F32: store<f32>(p, <f32>v); break;
    case F64: store<f64>(p, v); break;
    case I32: store<i32>(p, toInt32(v)); break;
    default: store<u8>(p, v != 0 ? 1 : 0); break;
  }
}

@inline function castRows(st: i32, dt: i32, src: usize, dst: usize, rows: i32, n: i32, sRow: i32, dRow: i32, ss: i32, ds: i32): void {
  const sw = width(st), dw = width(dt);
  const sStep = <usize>ss * sw, dStep = <usize>ds * dw;
  for (let r = 0; r < rows; r++) {
    let p = src + <usize>(r * sRow) * sw, q = dst + <usize>(r * dRow) * dw;
    let i = 0;
    if (ss == 1 && ds == 1 && dt == F32 && (st == BOOL || st == I32)) {
      // Masks and indices to float32: the common casts of backward passes.
      for (; i + 4 <= n; i += 4, p += 4 * sw, q += 16) {
        const v = st == BOOL ? v128.and(bytesToMask(p), i32x4.splat(1)) : v128.load(p);
        v128.store(q, f32x4.convert_i32x4_s(v));
      }
    }
    for (; i < n; i++, p += sStep, q += dStep) storeAs(dt, q, loadAs(st, p));
  }
}

@inline function copyRows<T>(src: usize, dst: usize, rows: i32, n: i32, sRow: i32, dRow: i32, ss: i32, ds: i32): void {
  const w = sizeof<T>();
  for (let r = 0; r < rows; r++) {
    let p = src + <usize>(r * sRow) * w, q = dst + <usize>(r * dRow) * w;
    if (ss == 1 && ds == 1) {
      // memory.copy is a call into the engine: worth it for long rows, not for the 128-byte rows of a
      // head transpose, which vector loads and stores move several times faster.
      const bytes = <usize>n * w;
      if (bytes >= 1024) {
        memory.copy(q, p, bytes);
        continue;
      }
      let k: usize = 0;
      for (; k + 16 <= bytes; k += 16) v128.store(q + k, v128.load(p + k));
      for (; k < bytes; k++) store<u8>(q + k, load<u8>(p + k));
      continue;
    }
    for (let i = 0; i < n; i++, p += <usize>ss * w, q += <usize>ds * w) store<T>(q, load<T>(p));
  }
}

/** dst = src converted from dtype st to dtype dt. */
export function copyCast(st: i32, dt: i32, src: usize, dst: usize, rows: i32, n: i32, sRow: i32, dRow: i32, ss: i32, ds: i32): void {
  if (st == dt) {
    const w = width(st);
    if (w == 4) copyRows<i32>(src, dst, rows, n, sRow, dRow, ss, ds);
    else if (w == 8) copyRows<i64>(src, dst, rows, n, sRow, dRow, ss, ds);
    else copyRows<u8>(src, dst, rows, n, sRow, dRow, ss, ds);
    return;
  }
  switch (st * 4 + dt) {
    case F32 * 4 + F64: castRows(F32, F64, src, dst, rows, n, sRow, dRow, ss, ds); break;
    case F32 * 4 + I32: castRows(F32, I32, src, dst, rows, n, sRow, dRow, ss, ds); break;
    case F32 * 4 + BOOL: castRows(F32, BOOL, src, dst, rows, n, sRow, dRow, ss, ds); break;
    case F64 * 4 + F32: castRows(F64, F32, src, dst, rows, n, sRow, dRow, ss, ds); break;
    case F64 * 4 + I32: castRows(F64, I32, src, dst, rows, n, sRow, dRow, ss, ds); break;
    case F64 * 4 + BOOL: castRows(F64, BOOL, src, dst, rows, n, sRow, dRow, ss, ds); break;
    case I32 * 4 + F32: castRows(I32, F32, src, dst, rows, n, sRow, dRow, ss, ds); break;
    case I32 * 4 + F64: castRows(I32, F64, src, dst, rows, n, sRow, dRow, ss, ds); break;
    case I32 * 4 + BOOL: castRows(I32, BOOL, src, dst, rows, n, sRow, dRow, ss, ds); break;
    case BOOL * 4 + F32: castRows(BOOL, F32, src, dst, rows, n, sRow, dRow, ss, ds); break;
    case BOOL * 4 + F64: castRows(BOOL, F64, src, dst, rows, n, sRow, dRow, ss, ds); break;
    default: castRows(BOOL, I32, src, dst, rows, n, sRow, dRow, ss, ds); break;
  }
}

@inline function fillRows<T>(dst: usize, rows: i32, n: i32, dRow: i32, ds: i32, v: T, splat: v128): void {
  const w = sizeof<T>();
  for (let r = 0; r < rows; r++) {
    let q = dst + <usize>(r * dRow) * w;
    let i = 0;
    if (ds == 1) {
      const perVector = 16 / <i32>w;
      for (; i + perVector <= n; i += perVector, q += 16) v128.store(q, splat);
    }
    for (; i < n; i++, q += <usize>ds * w) store<T>(q, v);
  }
}

/** Every element of the view = value, stored as dtype dt. */
export function fill(dt: i32, dst: usize, rows: i32, n: i32, dRow: i32, ds: i32, value: f64): void {
  switch (dt) {
    case F32: { const v = <f32>value; fillRows<f32>(dst, rows, n, dRow, ds, v, f32x4.splat(v)); break; }
    case F64: fillRows<f64>(dst, rows, n, dRow, ds, value, f64x2.splat(value)); break;
    case I32: { const v = toInt32(value); fillRows<i32>(dst, rows, n, dRow, ds, v, i32x4.splat(v)); break; }
    default: { const v = <u8>(value != 0 ? 1 : 0); fillRows<u8>(dst, rows, n, dRow, ds, v, i8x16.splat(v)); break; }
  }
}
