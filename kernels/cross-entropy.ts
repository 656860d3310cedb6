/**
 * Cross-entropy of float32 logits rows against class indices, forward and backward fused: the
 * forward keeps each row's log-sum-exp, so the backward is one pass,
 *   loss_r = lse_r − x[r, t_r],   dx[r, j] = g_r·(e^(x[r, j] − lse_r) − [j = t_r]),
 * and rows whose target is ignoreIndex give 0 and no gradient. Returns 0, or 1 + the first row
 * whose target is out of range.
 */

import { expF32 } from './math';
import { rowLogSumExp } from './softmax';

export function crossEntropyF32(x: usize, target: usize, loss: usize, lse: usize, rows: i32, cols: i32, ignoreIndex: i32): i32 {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++, x += rowBytes) {
    const t = load<i32>(target + (<usize>r << 2));
    const l = rowLogSumExp(x, cols, 1);
    store<f32>(lse + (<usize>r << 2), l);
    if (t == ignoreIndex) {
      store<f32>(loss + (<usize>r << 2), 0);
      continue;
    }
    if (t < 0 || t >= cols) return r + 1;
    store<f32>(loss + (<usize>r << 2), l - load<f32>(x + (<usize>t << 2)));
  }
  return 0;
}

/** g: the loss gradient of row r at g + r·gStride floats (a stride of 0 broadcasts one value). */
export function crossEntropyBackwardF32(x: usize, target: usize, lse: usize, g: usize, gStride: i32, dx: usize, rows: i32, cols: i32, ignoreIndex: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++, x += rowBytes, dx += rowBytes) {
    const t = load<i32>(target + (<usize>r << 2));
    if (t == ignoreIndex) {
      memory.fill(dx, 0, rowBytes);
      continue;
    }
    const gr = load<f32>(g + (<usize>(r * gStride) << 2));
    const c = f32x4.splat(-load<f32>(lse + (<usize>r << 2))), gv = f32x4.splat(gr);
    let i = 0;
    for (; i + 4 <= cols; i += 4) v128.store(dx + (<usize>i << 2), f32x4.mul(gv, expF32(f32x4.add(v128.load(x + (<usize>i << 2)), c))));
    for (; i < cols; i++) {
      store<f32>(dx + (<usize>i << 2), gr * f32x4.extract_lane(expF32(f32x4.splat(load<f32>(x + (<usize>i << 2)) - load<f32>(lse + (<usize>r << 2)))), 0));
    }
    store<f32>(dx + (<usize>t << 2), load<f32>(dx + (<usize>t << 2)) - gr);
  }
}
