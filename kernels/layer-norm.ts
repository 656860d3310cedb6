/**
 * LayerNorm over contiguous float32 rows, forward and backward in one pass a row each. Forward
 * keeps each row's mean and 1/σ (two passes over the row: the centred variance does not cancel);
 * backward uses them:
 *   x̂ = (x − μ)/σ,  h = g ⊙ w,  dx = (h − mean(h) − x̂ ⊙ mean(h ⊙ x̂)) / σ,
 *   dw = Σ_rows g ⊙ x̂,  db = Σ_rows g.
 * A weight or bias pointer of 0 means none.
 */

import { fma, hsum } from './simd';

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

export function layerNormF32(x: usize, w: usize, b: usize, out: usize, mean: usize, rstd: usize, rows: i32, cols: i32, eps: f32): void {
  const rowBytes = <usize>cols << 2;
  const invN: f32 = 1 / <f32>cols;
  for (let r = 0; r < rows; r++, x += rowBytes, out += rowBytes) {
    let acc = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= cols; i += 4) acc = f32x4.add(acc, v128.load(at(x, i)));
    let sum = hsum(acc);
    for (; i < cols; i++) sum += load<f32>(at(x, i));
    const mu = sum * invN;
    const m = f32x4.splat(mu);
    acc = f32x4.splat(0);
    for (i = 0; i + 4 <= cols; i += 4) {
      const d = f32x4.sub(v128.load(at(x, i)), m);
      acc = fma(d, d, acc);
    }
    let ss = hsum(acc);
    for (; i < cols; i++) {
      const d = load<f32>(at(x, i)) - mu;
      ss += d * d;
    }
    const rs = <f32>(1 / Math.sqrt(<f64>(ss * invN) + <f64>eps));
    store<f32>(at(mean, r), mu);
    store<f32>(at(rstd, r), rs);
    const s = f32x4.splat(rs);
    for (i = 0; i + 4 <= cols; i += 4) {
      let y = f32x4.mul(f32x4.sub(v128.load(at(x, i)), m), s);
      if (w) y = f32x4.mul(y, v128.load(at(w, i)));
      if (b) y = f32x4.add(y, v128.load(at(b, i)));
      v128.store(at(out, i), y);
    }
    for (; i < cols; i++) {
      let y = (load<f32>(at(x, i)) - mu) * rs;
      if (w) y *= load<f32>(at(w, i));
      if (b) y += load<f32>(at(b, i));
      store<f32>(at(out, i), y);
    }
  }
}

/** dx for every row; dw and db (when not 0) are overwritten with the sums over rows. */
export function layerNormBackwardF32(g: usize, x: usize, w: usize, mean: usize, rstd: usize, dx: usize, dw: usize, db: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  const invN: f32 = 1 / <f32>cols;
  if (dw) memory.fill(dw, 0, rowBytes);
  if (db) memory.fill(db, 0, rowBytes);
  for (let r = 0; r < rows; r++, g += rowBytes, x += rowBytes, dx += rowBytes) {
    const mu = load<f32>(at(mean, r)), rs = load<f32>(at(rstd, r));
    const m = f32x4.splat(mu), s = f32x4.splat(rs);
    let ah = f32x4.splat(0), ahx = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const gi = v128.load(at(g, i));
      const xh = f32x4.mul(f32x4.sub(v128.load(at(x, i)), m), s);
      const h = w ? f32x4.mul(gi, v128.load(at(w, i))) : gi;
      ah = f32x4.add(ah, h);
      ahx = fma(h, xh, ahx);
      if (dw) v128.store(at(dw, i), fma(gi, xh, v128.load(at(dw, i))));
      if (db) v128.store(at(db, i), f32x4.add(v128.load(at(db, i)), gi));
    }
    let sh = hsum(ah), shx = hsum(ahx);
    for (; i < cols; i++) {
      const gi = load<f32>(at(g, i));
      const xh = (load<f32>(at(x, i)) - mu) * rs;
      const h = w ? gi * load<f32>(at(w, i)) : gi;
      sh += h;
      shx += h * xh;
      if (dw) store<f32>(at(dw, i), load<f32>(at(dw, i)) + gi * xh);
      if (db) store<f32>(at(db, i), load<f32>(at(db, i)) + gi);
    }
    const mh = sh * invN, mhx = shx * invN;
    const a = f32x4.splat(mh), c = f32x4.splat(mhx);
    for (i = 0; i + 4 <= cols; i += 4) {
      const gi = v128.load(at(g, i));
      const xh = f32x4.mul(f32x4.sub(v128.load(at(x, i)), m), s);
      const h = w ? f32x4.mul(gi, v128.load(at(w, i))) : gi;
      v128.store(at(dx, i), f32x4.mul(f32x4.sub(f32x4.sub(h, a), f32x4.mul(xh, c)), s));
    }
    for (; i < cols; i++) {
      const gi = load<f32>(at(g, i));
      const xh = (load<f32>(at(x, i)) - mu) * rs;
      const h = w ? gi * load<f32>(at(w, i)) : gi;
      store<f32>(at(dx, i), (h - mh - xh * mhx) * rs);
    }
  }
}
