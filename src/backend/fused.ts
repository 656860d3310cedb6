/**
 * The fused row primitives (softmax, layerNorm, cross-entropy) and optimizer updates in plain
 * TypeScript over typed arrays: the specification the wasm kernels are tested against, and the
 * reference backend's implementation. Arithmetic is float64, rounded once on store; the formulas
 * are those of the kernels (kernels/softmax.ts, layer-norm.ts, cross-entropy.ts, optim.ts).
 */

import type { AdamScalars, AdamTensors, SgdScalars, SgdTensors, SoftmaxOptions, TypedArray, View } from './backend.js';

/** A Rows view's data, first element and [rows, cols]. */
export interface RowsData {
  data: TypedArray;
  offset: number;
  rows: number;
  cols: number;
}

/** A Rows view's [rows, cols]: its last dim is the row. */
export function rowsCols(v: View): [number, number] {
  const cols = v.shape[v.shape.length - 1] ?? 1;
  return [cols === 0 ? 0 : v.shape.reduce((p, s) => p * s, 1) / cols, cols];
}

export function rowsOf(data: TypedArray, v: View): RowsData {
  const [rows, cols] = rowsCols(v);
  return { data, offset: v.offset, rows, cols };
}

export function visibleColumns(r: number, cols: number, causal: SoftmaxOptions['causal']): number {
  return causal ? Math.min(cols, Math.max(0, (r % causal.period) + causal.shift + 1)) : cols;
}

/** ln Σ e^(scale·x) over x[p .. p+n), shifted by the maximum (by 0 when it is ±∞). */
function logSumExp(x: TypedArray, p: number, n: number, scale: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = x[p + i]! * scale;
    if (v > m || v !== v) m = v;
  }
  const shift = m === Infinity || m === -Infinity ? 0 : m;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(x[p + i]! * scale - shift);
  return shift + Math.log(s);
}

export function softmaxRows(x: RowsData, out: TypedArray, opts: SoftmaxOptions): void {
  const { rows, cols } = x, { scale, log } = opts;
  for (let r = 0; r < rows; r++) {
    const p = x.offset + r * cols, q = r * cols;
    const n = visibleColumns(r, cols, opts.causal);
    const lse = n === 0 ? NaN : logSumExp(x.data, p, n, scale);
    for (let i = 0; i < n; i++) {
      const z = x.data[p + i]! * scale - lse;
      out[q + i] = log ? z : Math.exp(z);
    }
    for (let i = n; i < cols; i++) out[q + i] = n === 0 ? NaN : log ? -Infinity : 0;
  }
}

export function softmaxBackwardRows(y: RowsData, g: RowsData, dx: TypedArray, opts: SoftmaxOptions): void {
  const { rows, cols } = y, { scale, log } = opts;
  for (let r = 0; r < rows; r++) {
    const py = y.offset + r * cols, pg = g.offset + r * cols, q = r * cols;
    const n = visibleColumns(r, cols, opts.causal);
    let total = 0;
    for (let i = 0; i < n; i++) total += log ? g.data[pg + i]! : g.data[pg + i]! * y.data[py + i]!;
    for (let i = 0; i < n; i++) {
      const yi = y.data[py + i]!, gi = g.data[pg + i]!;
      dx[q + i] = log ? scale * (gi - Math.exp(yi) * total) : scale * yi * (gi - total);
    }
    dx.fill(0, q + n, q + cols);
  }
}

export function layerNormRows(x: RowsData, w: RowsData | null, b: RowsData | null, eps: number,
  out: TypedArray, mean: TypedArray, rstd: TypedArray): void {
  const { rows, cols } = x;
  for (let r = 0; r < rows; r++) {
    const p = x.offset + r * cols, q = r * cols;
    let s = 0;
    for (let i = 0; i < cols; i++) s += x.data[p + i]!;
    const mu = s / cols;
    let ss = 0;
    for (let i = 0; i < cols; i++) ss += (x.data[p + i]! - mu) ** 2;
    const rs = 1 / Math.sqrt(ss / cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let i = 0; i < cols; i++) {
      let v = (x.data[p + i]! - mu) * rs;
      if (w) v *= w.data[w.offset + i]!;
      if (b) v += b.data[b.offset + i]!;
      out[q + i] = v;
    }
  }
}

export function layerNormBackwardRows(g: RowsData, x: RowsData, w: RowsData | null, mean: RowsData, rstd: RowsData,
  dx: TypedArray, dw: TypedArray | null, db: TypedArray | null): void {
  const { rows, cols } = x;
  const sw = dw ? new Float64Array(cols) : null, sb = db ? new Float64Array(cols) : null;
  for (let r = 0; r < rows; r++) {
    const pg = g.offset + r * cols, px = x.offset + r * cols, q = r * cols;
    const mu = mean.data[mean.offset + r]!, rs = rstd.data[rstd.offset + r]!;
    let sh = 0, shx = 0;
    for (let i = 0; i < cols; i++) {
      const gi = g.data[pg + i]!, xh = (x.data[px + i]! - mu) * rs;
      const h = w ? gi * w.data[w.offset + i]! : gi;
      sh += h;
      shx += h * xh;
      if (sw) sw[i] += gi * xh;
      if (sb) sb[i] += gi;
    }
    const mh = sh / cols, mhx = shx / cols;
    for (let i = 0; i < cols; i++) {
      const gi = g.data[pg + i]!, xh = (x.data[px + i]! - mu) * rs;
      const h = w ? gi * w.data[w.offset + i]! : gi;
      dx[q + i] = (h - mh - xh * mhx) * rs;
    }
  }
  if (dw) dw.set(sw!);
  if (db) db.set(sb!);
}

export function crossEntropyRows(x: RowsData, target: RowsData, ignoreIndex: number, loss: TypedArray, lse: TypedArray): void {
  const { rows, cols } = x;
  for (let r = 0; r < rows; r++) {
    const p = x.offset + r * cols, t = target.data[target.offset + r]!;
    lse[r] = logSumExp(x.data, p, cols, 1);
    if (t === ignoreIndex) {
      loss[r] = 0;
      continue;
    }
    if (!(t >= 0 && t < cols)) throw new RangeError(`crossEntropy: target ${t} is out of range for ${cols} classes`);
    loss[r] = lse[r]! - x.data[p + t]!;
  }
}

export function crossEntropyBackwardRows(x: RowsData, target: RowsData, lse: RowsData, g: View, gData: TypedArray,
  ignoreIndex: number, dx: TypedArray): void {
  const { rows, cols } = x;
  const gStride = g.strides.length === 0 ? 0 : g.strides[0]!;
  for (let r = 0; r < rows; r++) {
    const p = x.offset + r * cols, q = r * cols, t = target.data[target.offset + r]!;
    if (t === ignoreIndex) {
      dx.fill(0, q, q + cols);
      continue;
    }
    const gr = gData[g.offset + r * gStride]!, l = lse.data[lse.offset + r]!;
    for (let i = 0; i < cols; i++) dx[q + i] = gr * Math.exp(x.data[p + i]! - l);
    dx[q + t] = gr * Math.exp(x.data[p + t]! - l) - gr;
  }
}

/** Adam over typed arrays; `data` gives a view's array (its buffer's). */
export function adamUpdate(tensors: readonly AdamTensors[], s: AdamScalars, data: (v: View) => TypedArray): void {
  for (const t of tensors) {
    const p = data(t.param), g = data(t.grad), m = data(t.expAvg), v = data(t.expAvgSq);
    const vmax = t.maxExpAvgSq ? data(t.maxExpAvgSq) : null;
    const n = t.param.shape.reduce((a, b) => a * b, 1);
    const [op, og, om, ov, ox] = [t.param.offset, t.grad.offset, t.expAvg.offset, t.expAvgSq.offset, t.maxExpAvgSq?.offset ?? 0];
    for (let i = 0; i < n; i++) {
      let th = p[op + i]!;
      if (s.decay !== 1) th *= s.decay;
      let gr = g[og + i]!;
      if (s.l2 !== 0) gr += th * s.l2;
      const mi = m[om + i]! * s.beta1 + gr * (1 - s.beta1);
      const vi = v[ov + i]! * s.beta2 + gr * gr * (1 - s.beta2);
      m[om + i] = mi;
      v[ov + i] = vi;
      let second = vi;
      if (vmax) second = vmax[ox + i] = Math.max(vmax[ox + i]!, vi);
      p[op + i] = th - s.stepSize * (mi / (Math.sqrt(second) / s.biasCorrection2Sqrt + s.eps));
    }
  }
}

export function sgdUpdate(tensors: readonly SgdTensors[], s: SgdScalars, data: (v: View) => TypedArray): void {
  for (const t of tensors) {
    const p = data(t.param), g = data(t.grad), buf = t.momentumBuffer ? data(t.momentumBuffer) : null;
    const n = t.param.shape.reduce((a, b) => a * b, 1);
    const op = t.param.offset, og = t.grad.offset, ob = t.momentumBuffer?.offset ?? 0;
    for (let i = 0; i < n; i++) {
      const th = p[op + i]!;
      let d = g[og + i]!;
      if (s.weightDecay !== 0) d += th * s.weightDecay;
      if (buf) {
        const b = t.firstStep ? d : buf[ob + i]! * s.momentum + d * (1 - s.dampening);
        buf[ob + i] = b;
        d = s.nesterov ? d + b * s.momentum : b;
      }
      p[op + i] = th - s.lr * d;
    }
  }
}
