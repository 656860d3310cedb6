/**
 * float32 reductions. Sums accumulate in float64, as the reference backend does, so a long sum
 * loses nothing to rounding. max/min propagate NaN; argmax/argmin return the first extreme index,
 * a NaN counting as the extreme (PyTorch's rule).
 *
 * Two layouts: `reduceRows` reduces each of `rows` rows of `n` elements (inner stride `xs`);
 * `reduceCols` reduces down columns (out[j] = reduce over i of x[j + i·rowStride]), the layout of a
 * bias gradient, vectorised across j.
 *
 * Op codes are indices into reduceOps in src/backend/backend.ts.
 */

const SUM = 0, MAX = 1, MIN = 2, ARGMAX = 3;

@inline function sumF64(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

@inline function high(v: v128): v128 {
  return v128.shuffle<i64>(v, v, 1, 1);
}

function sumRow(p: usize, n: i32, step: usize): f64 {
  let i = 0;
  let total: f64 = 0;
  if (step == 4) {
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    for (; i + 8 <= n; i += 8, p += 32) {
      const v0 = v128.load(p), v1 = v128.load(p, 16);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v0));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(high(v0)));
      s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v1));
      s3 = f64x2.add(s3, f64x2.promote_low_f32x4(high(v1)));
    }
    total = sumF64(f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)));
  }
  for (; i < n; i++, p += step) total += <f64>load<f32>(p);
  return total;
}

function extremeRow(isMax: bool, p: usize, n: i32, step: usize): f32 {
  let i = 0;
  let best = load<f32>(p);
  if (step == 4 && n >= 8) {
    let m0 = v128.load(p), m1 = v128.load(p, 16);
    for (i = 8, p += 32; i + 8 <= n; i += 8, p += 32) {
      m0 = isMax ? f32x4.max(m0, v128.load(p)) : f32x4.min(m0, v128.load(p));
      m1 = isMax ? f32x4.max(m1, v128.load(p, 16)) : f32x4.min(m1, v128.load(p, 16));
    }
    const m = isMax ? f32x4.max(m0, m1) : f32x4.min(m0, m1);
    const a = isMax ? max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)) : min(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1));
    const b = isMax ? max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)) : min(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3));
    best = isMax ? max(a, b) : min(a, b);
  }
  for (; i < n; i++, p += step) best = isMax ? max(best, load<f32>(p)) : min(best, load<f32>(p));
  return best;
}

/** The first index whose value equals `target` (or is NaN, when target is NaN). */
function findRow(p: usize, n: i32, step: usize, target: f32): i32 {
  const nan = target != target;
  let i = 0;
  if (step == 4) {
    const t = f32x4.splat(target);
    for (; i + 4 <= n; i += 4, p += 16) {
      const v = v128.load(p);
      if (v128.any_true(nan ? f32x4.ne(v, v) : f32x4.eq(v, t))) break;
    }
  }
  for (; i < n; i++, p += step) {
    const v = load<f32>(p);
    if (nan ? v != v : v == target) return i;
  }
  return n - 1;
}

@inline function reduceRow(op: i32, x: usize, out: usize, r: i32, n: i32, step: usize): void {
  if (op == SUM) store<f32>(out + (<usize>r << 2), <f32>sumRow(x, n, step));
  else if (op <= MIN) store<f32>(out + (<usize>r << 2), extremeRow(op == MAX, x, n, step));
  else store<i32>(out + (<usize>r << 2), findRow(x, n, step, extremeRow(op == ARGMAX, x, n, step)));
}

/** out[r] = op over row r (n elements, stride xs) for rows starting rowStride elements apart. */
export function reduceRows(op: i32, x: usize, out: usize, rows: i32, n: i32, rowStride: i32, xs: i32): void {
  const step = <usize>xs << 2, rowStep = <usize>rowStride << 2;
  for (let r = 0; r < rows; r++, x += rowStep) reduceRow(op, x, out, r, n, step);
}

function sumCols(x: usize, out: usize, cols: i32, n: i32, rowStep: usize): void {
  let j = 0;
  for (; j + 8 <= cols; j += 8) {
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    let p = x + (<usize>j << 2);
    for (let i = 0; i < n; i++, p += rowStep) {
      const v0 = v128.load(p), v1 = v128.load(p, 16);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v0));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(high(v0)));
      s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v1));
      s3 = f64x2.add(s3, f64x2.promote_low_f32x4(high(v1)));
    }
    const q = out + (<usize>j << 2);
    v128.store(q, v128.shuffle<i64>(f32x4.demote_f64x2_zero(s0), f32x4.demote_f64x2_zero(s1), 0, 2));
    v128.store(q, v128.shuffle<i64>(f32x4.demote_f64x2_zero(s2), f32x4.demote_f64x2_zero(s3), 0, 2), 16);
  }
  for (; j < cols; j++) store<f32>(out + (<usize>j << 2), <f32>sumRow(x + (<usize>j << 2), n, rowStep));
}

function extremeCols(isMax: bool, x: usize, out: usize, cols: i32, n: i32, rowStep: usize): void {
  let j = 0;
  for (; j + 8 <= cols; j += 8) {
    let p = x + (<usize>j << 2);
    let m0 = v128.load(p), m1 = v128.load(p, 16);
    for (let i = 1; i < n; i++) {
      p += rowStep;
      m0 = isMax ? f32x4.max(m0, v128.load(p)) : f32x4.min(m0, v128.load(p));
      m1 = isMax ? f32x4.max(m1, v128.load(p, 16)) : f32x4.min(m1, v128.load(p, 16));
    }
    v128.store(out + (<usize>j << 2), m0);
    v128.store(out + (<usize>j << 2), m1, 16);
  }
  for (; j < cols; j++) store<f32>(out + (<usize>j << 2), extremeRow(isMax, x + (<usize>j << 2), n, rowStep));
}

function argCols(isMax: bool, x: usize, out: usize, cols: i32, n: i32, rowStep: usize): void {
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let p = x + (<usize>j << 2);
    let best = v128.load(p), at = i32x4.splat(0);
    for (let i = 1; i < n; i++) {
      p += rowStep;
      const v = v128.load(p);
      // Strictly better, or the first NaN: the earliest extreme wins.
      const better = isMax ? f32x4.gt(v, best) : f32x4.lt(v, best);
      const take = v128.or(better, v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
      best = v128.bitselect(v, best, take);
      at = v128.bitselect(i32x4.splat(i), at, take);
    }
    v128.store(out + (<usize>j << 2), at);
  }
  for (; j < cols; j++) {
    const p = x + (<usize>j << 2);
    store<i32>(out + (<usize>j << 2), findRow(p, n, rowStep, extremeRow(isMax, p, n, rowStep)));
  }
}

/** out[j] = op over i < n of x[j + i·rowStride], for contiguous columns j < cols. */
export function reduceCols(op: i32, x: usize, out: usize, cols: i32, n: i32, rowStride: i32): void {
  const rowStep = <usize>rowStride << 2;
  if (op == SUM) sumCols(x, out, cols, n, rowStep);
  else if (op <= MIN) extremeCols(op == MAX, x, out, cols, n, rowStep);
  else argCols(op == ARGMAX, x, out, cols, n, rowStep);
}
