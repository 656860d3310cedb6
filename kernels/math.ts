/**
 * Vector transcendentals. exp and log run in float32 lanes (Cephes' expf/logf polynomials, within
 * about one ulp), and so does the tanh GELU with its derivative, the activation GPTs train with,
 * written in forms that do not cancel. The functions whose float32 evaluation would lose accuracy
 * through cancellation or an ill-conditioned step (tanh near 0, sigmoid's tails, erf and the erf
 * GELU) run in float64 lanes, as the reference backend does, and are rounded once at the end.
 */

import { fma } from './simd';

// ---- float32 lanes ------------------------------------------------------------------------------

/**
 * eˣ; subnormal results are produced by scaling with two powers of two. The argument is clamped
 * with pmin/pmax (one instruction each; NaN passes through as the first operand) and rounded to
 * an integer by adding 1.5·2²³, whose low mantissa bits are then that integer: no saturating
 * conversion, which costs several instructions a lane on x86.
 */
@inline export function expF32(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(89.0)), f32x4.splat(-104.0));
  const t = fma(x, f32x4.splat(1.44269504088896341), f32x4.splat(12582912.0));
  const n = f32x4.sub(t, f32x4.splat(12582912.0));
  const r = fma(n, f32x4.splat(2.12194440e-4), fma(n, f32x4.splat(-0.693359375), x));
  let p = f32x4.splat(1.9875691500e-4);
  p = fma(p, r, f32x4.splat(1.3981999507e-3));
  p = fma(p, r, f32x4.splat(8.3334519073e-3));
  p = fma(p, r, f32x4.splat(4.1665795894e-2));
  p = fma(p, r, f32x4.splat(1.6666665459e-1));
  p = fma(p, r, f32x4.splat(5.0000001201e-1));
  p = f32x4.add(fma(p, f32x4.mul(r, r), r), f32x4.splat(1));
  const ni = i32x4.sub(t, i32x4.splat(0x4B400000));
  const n1 = i32x4.shr_s(ni, 1), n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/**
 * ½x(1 + tanh u) = x / (1 + e^(−2u)), u = √(2/π)(x + 0.044715x³), in float32 lanes. Beyond
 * |x| = 10 the answer is x or 0 to float32 precision; clamping there keeps x³ from overflowing.
 * e^(−2u) carries the rounding of u scaled by |2u|, so far in the negative tail (values below
 * 1e-7) the relative error grows; the absolute error stays below 1e-9.
 */
@inline export function geluTanhF32(x: v128): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, f32x4.splat(10)), f32x4.splat(-10));
  const e = expF32(f32x4.mul(tanhArgF32(xc), f32x4.splat(-2)));
  const y = f32x4.div(xc, f32x4.add(f32x4.splat(1), e));
  const big = f32x4.gt(x, f32x4.splat(10));
  // −∞·0 is NaN in the reference's ½x(1 + tanh u).
  const tail = v128.bitselect(f32x4.splat(NaN), f32x4.splat(-0.0), f32x4.eq(x, f32x4.splat(-Infinity)));
  return v128.bitselect(x, v128.bitselect(tail, y, f32x4.lt(x, f32x4.splat(-10))), big);
}

/**
 * d/dx x·σ(2u) = s·(1 + x·e·s·2u′), with e = e^(−2u), s = 1/(1 + e) and 1 − s written as e·s
 * (no cancellation). 1 above x = 10, 0 below −10, NaN at ±∞ as the reference's formula gives.
 */
@inline export function geluTanhGradF32(x: v128): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, f32x4.splat(10)), f32x4.splat(-10));
  const e = expF32(f32x4.mul(tanhArgF32(xc), f32x4.splat(-2)));
  const s = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
  const du = f32x4.mul(fma(f32x4.mul(xc, xc), f32x4.splat(3 * 0.044715), f32x4.splat(1)), f32x4.splat(2 * 0.79788456080286535588));
  const y = f32x4.mul(s, fma(f32x4.mul(f32x4.mul(e, s), xc), du, f32x4.splat(1)));
  const out = v128.bitselect(f32x4.splat(1), v128.bitselect(f32x4.splat(0), y, f32x4.lt(x, f32x4.splat(-10))), f32x4.gt(x, f32x4.splat(10)));
  return v128.bitselect(f32x4.splat(NaN), out, f32x4.eq(f32x4.abs(x), f32x4.splat(Infinity)));
}

/** u = √(2/π)(x + 0.044715x³) */
@inline function tanhArgF32(x: v128): v128 {
  return f32x4.mul(fma(f32x4.mul(f32x4.mul(x, x), x), f32x4.splat(0.044715), x), f32x4.splat(0.79788456080286535588));
}

/** ln x, with log 0 = -∞, log ∞ = ∞ and NaN below zero. */
@inline export function logF32(x: v128): v128 {
  const tiny = f32x4.lt(x, f32x4.splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608.0)), x, tiny);
  let e = i32x4.sub(i32x4.shr_u(xs, 23), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  let m = v128.or(v128.and(xs, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  const low = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  e = i32x4.add(e, low);
  m = f32x4.add(f32x4.sub(m, f32x4.splat(1)), v128.and(m, low));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = f32x4.add(y, f32x4.mul(ef, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  let r = f32x4.add(f32x4.add(m, y), f32x4.mul(ef, f32x4.splat(0.693359375)));
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, f32x4.splat(0)));
  r = v128.bitselect(f32x4.splat(Infinity), r, f32x4.eq(x, f32x4.splat(Infinity)));
  return v128.bitselect(f32x4.splat(NaN), r, v128.or(f32x4.lt(x, f32x4.splat(0)), f32x4.ne(x, x)));
}

// ---- float64 lanes ------------------------------------------------------------------------------

/**
 * eˣ in float64 (Cephes' exp: a Padé form on |r| ≤ ½ln 2). Results below the normal range flush
 * to 0 (they are 0 in float32 anyway) and above it give ∞, so that ∞·0 = NaN where the reference's does.
 */
@inline export function expF64(x0: v128): v128 {
  const x = f64x2.max(f64x2.min(x0, f64x2.splat(709.0)), f64x2.splat(-708.0));
  const n = f64x2.nearest(f64x2.mul(x, f64x2.splat(1.4426950408889634074)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(n, f64x2.splat(6.93145751953125e-1))), f64x2.mul(n, f64x2.splat(1.42860682030941723212e-6)));
  const rr = f64x2.mul(r, r);
  let px = f64x2.add(f64x2.mul(f64x2.splat(1.26177193074810590878e-4), rr), f64x2.splat(3.02994407707441961300e-2));
  px = f64x2.mul(r, f64x2.add(f64x2.mul(px, rr), f64x2.splat(9.99999999999999999910e-1)));
  let qx = f64x2.add(f64x2.mul(f64x2.splat(3.00198505138664455042e-6), rr), f64x2.splat(2.52448340349684104192e-3));
  qx = f64x2.add(f64x2.mul(qx, rr), f64x2.splat(2.27265548208155028766e-1));
  qx = f64x2.add(f64x2.mul(qx, rr), f64x2.splat(2.0));
  const e = f64x2.add(f64x2.splat(1), f64x2.div(f64x2.add(px, px), f64x2.sub(qx, px)));
  const ni = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n));
  const y = f64x2.mul(e, i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52));
  const flushed = v128.andnot(y, f64x2.lt(x0, f64x2.splat(-708.0)));
  return v128.bitselect(f64x2.splat(Infinity), flushed, f64x2.gt(x0, f64x2.splat(709.0)));
}

const SIGN64: u64 = 0x8000000000000000;

@inline function copysignF64(magnitude: v128, sign: v128): v128 {
  return v128.or(magnitude, v128.and(sign, i64x2.splat(SIGN64)));
}

@inline export function sigmoidF64(x: v128): v128 {
  const e = expF64(f64x2.neg(f64x2.abs(x)));
  const s = f64x2.div(f64x2.splat(1), f64x2.add(f64x2.splat(1), e));
  return v128.bitselect(s, f64x2.mul(e, s), f64x2.ge(x, f64x2.splat(0)));
}

@inline export function tanhF64(x: v128): v128 {
  const ax = f64x2.abs(x);
  const e = expF64(f64x2.mul(ax, f64x2.splat(-2)));
  const big = copysignF64(f64x2.div(f64x2.sub(f64x2.splat(1), e), f64x2.add(f64x2.splat(1), e)), x);
  // Below 0.01 the quotient cancels; the series x − x³/3 + 2x⁵/15 − 17x⁷/315 is exact to 1e-18 there.
  const x2 = f64x2.mul(x, x);
  let p = f64x2.add(f64x2.mul(x2, f64x2.splat(-17.0 / 315.0)), f64x2.splat(2.0 / 15.0));
  p = f64x2.add(f64x2.mul(p, x2), f64x2.splat(-1.0 / 3.0));
  const small = f64x2.add(x, f64x2.mul(f64x2.mul(p, x2), x));
  return v128.bitselect(small, big, f64x2.lt(ax, f64x2.splat(0.01)));
}

/** erf by its Maclaurin series, for |x| < ½ (ten terms: the next is below 1e-14). */
@inline function erfSeries(x: v128): v128 {
  const x2 = f64x2.mul(x, x);
  let p = f64x2.splat(-1.6365844691234924e-07);
  p = f64x2.add(f64x2.mul(p, x2), f64x2.splat(1.6462114365889246e-06));
  p = f64x2.add(f64x2.mul(p, x2), f64x2.splat(-1.492565035840625e-05));
  p = f64x2.add(f64x2.mul(p, x2), f64x2.splat(0.00012055332981789664));
  p = f64x2.add(f64x2.mul(p, x2), f64x2.splat(-0.0008548327023450852));
  p = f64x2.add(f64x2.mul(p, x2), f64x2.splat(0.005223977625442188));
  p = f64x2.add(f64x2.mul(p, x2), f64x2.splat(-0.026866170645131252));
  p = f64x2.add(f64x2.mul(p, x2), f64x2.splat(0.11283791670955126));
  p = f64x2.add(f64x2.mul(p, x2), f64x2.splat(-0.37612638903183754));
  p = f64x2.add(f64x2.mul(p, x2), f64x2.splat(1.1283791670955126));
  return f64x2.mul(p, x);
}

/** erfc for z ≥ 0 (Numerical Recipes' erfcc, a Chebyshev fit): relative error below 1.2e-7. */
@inline function erfcPositive(z: v128): v128 {
  const t = f64x2.div(f64x2.splat(1), f64x2.add(f64x2.splat(1), f64x2.mul(z, f64x2.splat(0.5))));
  let p = f64x2.splat(0.17087277);
  p = f64x2.add(f64x2.mul(p, t), f64x2.splat(-0.82215223));
  p = f64x2.add(f64x2.mul(p, t), f64x2.splat(1.48851587));
  p = f64x2.add(f64x2.mul(p, t), f64x2.splat(-1.13520398));
  p = f64x2.add(f64x2.mul(p, t), f64x2.splat(0.27886807));
  p = f64x2.add(f64x2.mul(p, t), f64x2.splat(-0.18628806));
  p = f64x2.add(f64x2.mul(p, t), f64x2.splat(0.09678418));
  p = f64x2.add(f64x2.mul(p, t), f64x2.splat(0.37409196));
  p = f64x2.add(f64x2.mul(p, t), f64x2.splat(1.00002368));
  p = f64x2.add(f64x2.mul(p, t), f64x2.splat(-1.26551223));
  return f64x2.mul(t, expF64(f64x2.sub(p, f64x2.mul(z, z))));
}

@inline export function erfF64(x: v128): v128 {
  const ax = f64x2.abs(x);
  const big = copysignF64(f64x2.sub(f64x2.splat(1), erfcPositive(ax)), x);
  return v128.bitselect(erfSeries(x), big, f64x2.lt(ax, f64x2.splat(0.5)));
}

/** ½x(1 + erf(x/√2)), written with erfc where 1 + erf would cancel (x ≪ 0). */
@inline export function geluF64(x: v128): v128 {
  return f64x2.mul(f64x2.mul(x, f64x2.splat(0.5)), twoCdfF64(x));
}

/** 2Φ(x) = 1 + erf(x/√2): the series near 0, erfc in the tails, where 1 + erf would cancel. */
@inline function twoCdfF64(x: v128): v128 {
  const z = f64x2.mul(x, f64x2.splat(0.70710678118654752440));
  const az = f64x2.abs(z);
  const e = erfcPositive(az);
  const tail = v128.bitselect(f64x2.sub(f64x2.splat(2), e), e, f64x2.ge(x, f64x2.splat(0)));
  return v128.bitselect(f64x2.add(f64x2.splat(1), erfSeries(z)), tail, f64x2.lt(az, f64x2.splat(0.5)));
}

/** d/dx ½x(1 + erf(x/√2)) = Φ(x) + x·φ(x). */
@inline export function geluGradF64(x: v128): v128 {
  const twoCdf = twoCdfF64(x);
  const pdf = f64x2.mul(expF64(f64x2.mul(f64x2.mul(x, x), f64x2.splat(-0.5))), f64x2.splat(0.39894228040143267794));
  return f64x2.add(f64x2.mul(twoCdf, f64x2.splat(0.5)), f64x2.mul(x, pdf));
}
