/**
 * Row softmax and logSoftmax over contiguous float32 rows, forward and backward, with the two
 * things attention needs folded in: a scale applied to the input (softmax(scale·x), so QKᵀ/√d is
 * not a separate pass) and a causal mask (row r sees columns j ≤ r mod period + shift, so the −∞
 * fill is not a separate pass either). A period of 0 means no mask. Masked outputs are 0
 * (softmax) or −∞ (logSoftmax), and their gradient is 0.
 *
 * Forward shifts by the row maximum (by 0 when that maximum is ±∞, as the reference does);
 * backward uses the closed forms
 *   softmax:    dx = scale·y ⊙ (g − Σ g⊙y)
 *   logSoftmax: dx = scale·(g − eʸ ⊙ Σ g)
 */

import { expF32, logF32 } from './math';
import { fma, hmax, hsum } from './simd';

/** The columns row r may see. */
@inline export function visible(r: i32, cols: i32, period: i32, shift: i32): i32 {
  return period == 0 ? cols : min(cols, max(0, r % period + shift + 1));
}

/** max over n elements of scale·x (NaN-propagating). */
export function rowMax(x: usize, n: i32, scale: f32): f32 {
  const s = f32x4.splat(scale);
  let m = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= n; i += 4) m = f32x4.max(m, f32x4.mul(v128.load(x + (<usize>i << 2)), s));
  let best = hmax(m);
  for (; i < n; i++) best = max(best, load<f32>(x + (<usize>i << 2)) * scale);
  return best;
}

/** Σ e^(scale·x − shift) over n elements, each also written to out when `keep`. */
@inline function expSum(x: usize, out: usize, n: i32, scale: f32, shift: f32, keep: bool): f32 {
  const s = f32x4.splat(scale), c = f32x4.splat(-shift);
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const e = expF32(fma(v128.load(x + (<usize>i << 2)), s, c));
    if (keep) v128.store(out + (<usize>i << 2), e);
    acc = f32x4.add(acc, e);
  }
  let total = hsum(acc);
  for (; i < n; i++) {
    const e = f32x4.extract_lane(expF32(f32x4.splat(load<f32>(x + (<usize>i << 2)) * scale - shift)), 0);
    if (keep) store<f32>(out + (<usize>i << 2), e);
    total += e;
  }
  return total;
}

/** The shift for a row: its maximum, or 0 when that is ±∞ (so a row of −∞ gives NaN, not a silent 0). */
@inline export function shiftOf(m: f32): f32 {
  return m == Infinity || m == -Infinity ? 0 : m;
}

/** Writes `value` to out[from..to). */
@inline export function fillTail(out: usize, from: i32, to: i32, value: f32): void {
  for (let i = from; i < to; i++) store<f32>(out + (<usize>i << 2), value);
}

/** ln Σ e^(scale·x) over the n visible elements of one row. */
export function rowLogSumExp(x: usize, n: i32, scale: f32): f32 {
  const shift = shiftOf(rowMax(x, n, scale));
  return shift + f32x4.extract_lane(logF32(f32x4.splat(expSum(x, 0, n, scale, shift, false))), 0);
}

export function softmaxF32(x: usize, out: usize, rows: i32, cols: i32, log: bool, scale: f32, period: i32, shift: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++, x += rowBytes, out += rowBytes) {
    const n = visible(r, cols, period, shift);
    if (n == 0) {
      fillTail(out, 0, cols, NaN);
      continue;
    }
    if (log) {
      const lse = rowLogSumExp(x, n, scale);
      const s = f32x4.splat(scale), c = f32x4.splat(-lse);
      let i = 0;
      for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), fma(v128.load(x + (<usize>i << 2)), s, c));
      for (; i < n; i++) store<f32>(out + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * scale - lse);
      fillTail(out, n, cols, -Infinity);
    } else {
      const total = expSum(x, out, n, scale, shiftOf(rowMax(x, n, scale)), true);
      const inv = f32x4.splat(1 / total);
      let i = 0;
      for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), f32x4.mul(v128.load(out + (<usize>i << 2)), inv));
      for (; i < n; i++) store<f32>(out + (<usize>i << 2), load<f32>(out + (<usize>i << 2)) / total);
      fillTail(out, n, cols, 0);
    }
  }
}

export function softmaxBackwardF32(y: usize, g: usize, dx: usize, rows: i32, cols: i32, log: bool, scale: f32, period: i32, shift: i32): void {
  const rowBytes = <usize>cols << 2;
  const s = f32x4.splat(scale);
  for (let r = 0; r < rows; r++, y += rowBytes, g += rowBytes, dx += rowBytes) {
    const n = visible(r, cols, period, shift);
    let acc = f32x4.splat(0);
    let i = 0;
    if (log) {
      for (; i + 4 <= n; i += 4) acc = f32x4.add(acc, v128.load(g + (<usize>i << 2)));
    } else {
      for (; i + 4 <= n; i += 4) acc = fma(v128.load(g + (<usize>i << 2)), v128.load(y + (<usize>i << 2)), acc);
    }
    let total = hsum(acc);
    for (; i < n; i++) total += log ? load<f32>(g + (<usize>i << 2)) : load<f32>(g + (<usize>i << 2)) * load<f32>(y + (<usize>i << 2));
    const t = f32x4.splat(total);
    i = 0;
    if (log) {
      for (; i + 4 <= n; i += 4) {
        const p = expF32(v128.load(y + (<usize>i << 2)));
        v128.store(dx + (<usize>i << 2), f32x4.mul(s, f32x4.sub(v128.load(g + (<usize>i << 2)), f32x4.mul(p, t))));
      }
    } else {
      for (; i + 4 <= n; i += 4) {
        const yi = v128.load(y + (<usize>i << 2));
        v128.store(dx + (<usize>i << 2), f32x4.mul(f32x4.mul(s, yi), f32x4.sub(v128.load(g + (<usize>i << 2)), t)));
      }
    }
    for (; i < n; i++) {
      const yi = load<f32>(y + (<usize>i << 2)), gi = load<f32>(g + (<usize>i << 2));
      const v = log ? scale * (gi - f32x4.extract_lane(expF32(f32x4.splat(yi)), 0) * total) : scale * yi * (gi - total);
      store<f32>(dx + (<usize>i << 2), v);
    }
    fillTail(dx, n, cols, 0);
  }
}
