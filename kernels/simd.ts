/** Shared SIMD helpers; compile-time feature constants pick the relaxed or the plain instruction. */

/** a·b + c per lane: one fused instruction where relaxed SIMD is on, else a multiply and an add. */
@inline export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Four 32-bit values `step` bytes apart (a step of 0 repeats one). */
@inline export function gather4(p: usize, step: usize): v128 {
  let v = i32x4.splat(load<i32>(p));
  v = i32x4.replace_lane(v, 1, load<i32>(p + step));
  v = i32x4.replace_lane(v, 2, load<i32>(p + 2 * step));
  return i32x4.replace_lane(v, 3, load<i32>(p + 3 * step));
}

/** The first `count` (1 to 3) 32-bit values `step` bytes apart; the other lanes are 0. */
@inline export function loadPartial(p: usize, step: usize, count: i32): v128 {
  let v = i32x4.replace_lane(i32x4.splat(0), 0, load<i32>(p));
  if (count > 1) v = i32x4.replace_lane(v, 1, load<i32>(p + step));
  if (count > 2) v = i32x4.replace_lane(v, 2, load<i32>(p + 2 * step));
  return v;
}

/** Stores the first `count` (1 to 3) lanes contiguously. */
@inline export function storePartial(p: usize, v: v128, count: i32): void {
  store<i32>(p, i32x4.extract_lane(v, 0));
  if (count > 1) store<i32>(p, i32x4.extract_lane(v, 1), 4);
  if (count > 2) store<i32>(p, i32x4.extract_lane(v, 2), 8);
}

/** Lane masks (all ones or zero) as four bytes of 1 or 0, in the low 32 bits. */
@inline export function maskToBytes(m: v128): v128 {
  const h = i16x8.narrow_i32x4_s(m, m);
  return v128.and(i8x16.narrow_i16x8_s(h, h), i8x16.splat(1));
}

/** Four bool bytes as lane masks. */
@inline export function bytesToMask(p: usize): v128 {
  const b = v128.load32_zero(p);
  return i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(b)), i32x4.splat(0));
}

/** JavaScript's ToInt32: truncate, then wrap modulo 2³² (NaN and ±∞ give 0), as Int32Array stores do. */
@inline export function toInt32(v: f64): i32 {
  if (v > -2147483649.0 && v < 2147483648.0) return <i32>v;
  if (!isFinite(v)) return 0;
  const t = Math.trunc(v);
  return <i32><i64>(t - Math.floor(t / 4294967296.0) * 4294967296.0);
}

/** The sum of four float32 lanes. */
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** The largest of four float32 lanes (NaN-propagating). */
@inline export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}
