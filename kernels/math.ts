/**
 * Vector transcendentals. exp and log run in float32 lanes (Cephes' expf/logf polynomials, within
 * about one ulp). The functions whose float32 evaluation would lose accuracy through cancellation
 * or an ill-conditioned step (tanh near 0, sigmoid's tails, erf, both GELUs) run in float64 lanes,
 * as the reference backend does, and are rounded once at the end.
 */

// ---- float32 lanes ------------------------------------------------------------------------------

/** eˣ; subnormal results are produced by scaling with two powers of two. */
@inline export function expF32(x: v128): v128 {
  x = f32x4.max(f32x4.min(x, f32x4.splat(89.0)), f32x4.splat(-104.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375))), f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1), n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
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

/** ½x(1 + tanh u) = x / (1 + e^(−2u)), u = √(2/π)(x + 0.044715x³): no cancellation for x ≪ 0. */
@inline export function geluTanhF64(x: v128): v128 {
  const u = f64x2.mul(f64x2.add(x, f64x2.mul(f64x2.mul(f64x2.mul(x, x), x), f64x2.splat(0.044715))), f64x2.splat(0.79788456080286535588));
  return f64x2.div(x, f64x2.add(f64x2.splat(1), expF64(f64x2.mul(u, f64x2.splat(-2)))));
}

/** d/dx ½x(1 + erf(x/√2)) = Φ(x) + x·φ(x). */
@inline export function geluGradF64(x: v128): v128 {
  const twoCdf = twoCdfF64(x);
  const pdf = f64x2.mul(expF64(f64x2.mul(f64x2.mul(x, x), f64x2.splat(-0.5))), f64x2.splat(0.39894228040143267794));
  return f64x2.add(f64x2.mul(twoCdf, f64x2.splat(0.5)), f64x2.mul(x, pdf));
}

/** d/dx x·σ(2u), u = c(x + 0.044715x³): s + x·s(1 − s)·2c(1 + 3·0.044715x²) with s = σ(2u). */
@inline export function geluTanhGradF64(x: v128): v128 {
  const x2 = f64x2.mul(x, x);
  const u = f64x2.mul(f64x2.add(x, f64x2.mul(f64x2.mul(x2, x), f64x2.splat(0.044715))), f64x2.splat(0.79788456080286535588));
  const s = f64x2.div(f64x2.splat(1), f64x2.add(f64x2.splat(1), expF64(f64x2.mul(u, f64x2.splat(-2)))));
  const du = f64x2.mul(f64x2.add(f64x2.splat(1), f64x2.mul(x2, f64x2.splat(3 * 0.044715))), f64x2.splat(2 * 0.79788456080286535588));
  return f64x2.add(s, f64x2.mul(f64x2.mul(f64x2.mul(x, s), f64x2.sub(f64x2.splat(1), s)), du));
}
