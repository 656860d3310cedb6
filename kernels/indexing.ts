/**
 * gather and scatterAdd along one dim of n-d strided views (torch.gather, torch.scatter_add_).
 * The index is walked in row-major order with an odometer over its dims: the last dim is the inner
 * loop, so an embedding lookup (index broadcast along the row) is a run of stride-1 copies.
 *
 * `meta` holds i32 arrays of nd entries, one after another: the index's shape, the index's strides,
 * the strides of x (gather) or of out then src (scatterAdd), then nd words of scratch for the
 * odometer. Both return 0, or 1 + the position of the first index out of range, whose value they
 * leave in meta[0].
 *
 * Type codes: 0 float32, 1 float64, 2 int32 (mirrors kernels/copy.ts); gather also takes 3 (bool).
 */

const F32 = 0, F64 = 1, I32 = 2;

@inline function word(meta: usize, i: i32): i32 {
  return load<i32>(meta + (<usize>i << 2));
}

/** Steps the odometer over dims nd-2 … 0; returns the change of each running offset through `deltas`. */
@inline function step(meta: usize, nd: i32, a: i32, b: i32, c: i32, skip: i32, offsets: usize): void {
  const counter = meta + (<usize>(4 * nd) << 2);
  for (let d = nd - 2; d >= 0; d--) {
    const n = word(meta, d), k = load<i32>(counter + (<usize>d << 2)) + 1;
    const sa = word(meta, a * nd + d), sb = d == skip ? 0 : word(meta, b * nd + d), sc = c < 0 ? 0 : word(meta, c * nd + d);
    if (k < n) {
      store<i32>(counter + (<usize>d << 2), k);
      store<i32>(offsets, load<i32>(offsets) + sa);
      store<i32>(offsets, load<i32>(offsets, 4) + sb, 4);
      store<i32>(offsets, load<i32>(offsets, 8) + sc, 8);
      return;
    }
    store<i32>(counter + (<usize>d << 2), 0);
    store<i32>(offsets, load<i32>(offsets) - sa * (n - 1));
    store<i32>(offsets, load<i32>(offsets, 4) - sb * (n - 1), 4);
    store<i32>(offsets, load<i32>(offsets, 8) - sc * (n - 1), 8);
  }
}

@inline function count(meta: usize, nd: i32): i32 {
  let total = 1;
  for (let d = 0; d < nd; d++) total *= word(meta, d);
  return total;
}

@inline function resetCounter(meta: usize, nd: i32): void {
  memory.fill(meta + (<usize>(4 * nd) << 2), 0, <usize>nd << 2);
}

@inline function gatherAs<T>(x: usize, idx: usize, out: usize, nd: i32, dim: i32, size: i32, meta: usize, offsets: usize): i32 {
  const total = count(meta, nd), n = word(meta, nd - 1);
  const is = word(meta, 2 * nd - 1), xs = nd - 1 == dim ? 0 : word(meta, 3 * nd - 1);
  const dimStride = word(meta, 2 * nd + dim);
  resetCounter(meta, nd);
  for (let k = 0; k < total; ) {
    const ip = load<i32>(offsets), xp = load<i32>(offsets, 4);
    for (let i = 0; i < n; i++, k++) {
      const v = load<i32>(idx + (<usize>(ip + i * is) << 2));
      const j = v < 0 ? v + size : v;
      if (j < 0 || j >= size) {
        store<i32>(meta, v);
        return k + 1;
      }
      store<T>(out + <usize>k * sizeof<T>(), load<T>(x + <usize>(xp + i * xs + j * dimStride) * sizeof<T>()));
    }
    step(meta, nd, 1, 2, -1, dim, offsets);
  }
  return 0;
}

/** out (contiguous, the index's shape) = x[…, index[…], …] along dim; x has `size` entries along dim. */
export function gather(type: i32, x: usize, idx: usize, out: usize, nd: i32, dim: i32, size: i32, meta: usize): i32 {
  const offsets = meta + (<usize>(5 * nd) << 2);
  memory.fill(offsets, 0, 12);
  if (type == F64) return gatherAs<i64>(x, idx, out, nd, dim, size, meta, offsets);
  if (type == F32 || type == I32) return gatherAs<i32>(x, idx, out, nd, dim, size, meta, offsets);
  return gatherAs<u8>(x, idx, out, nd, dim, size, meta, offsets);
}

@inline function scatterAs<T>(out: usize, idx: usize, src: usize, nd: i32, dim: i32, size: i32, meta: usize, offsets: usize): i32 {
  const total = count(meta, nd), n = word(meta, nd - 1);
  const is = word(meta, 2 * nd - 1), os = nd - 1 == dim ? 0 : word(meta, 3 * nd - 1), ss = word(meta, 4 * nd - 1);
  const dimStride = word(meta, 2 * nd + dim);
  resetCounter(meta, nd);
  for (let k = 0; k < total; ) {
    const ip = load<i32>(offsets), op = load<i32>(offsets, 4), sp = load<i32>(offsets, 8);
    for (let i = 0; i < n; i++, k++) {
      const v = load<i32>(idx + (<usize>(ip + i * is) << 2));
      const j = v < 0 ? v + size : v;
      if (j < 0 || j >= size) {
        store<i32>(meta, v);
        return k + 1;
      }
      const q = out + <usize>(op + i * os + j * dimStride) * sizeof<T>();
      store<T>(q, load<T>(q) + load<T>(src + <usize>(sp + i * ss) * sizeof<T>()));
    }
    step(meta, nd, 1, 2, 3, dim, offsets);
  }
  return 0;
}

/** out[…, index[…], …] += src[…] along dim, in place; out has `size` entries along dim. */
export function scatterAdd(type: i32, out: usize, idx: usize, src: usize, nd: i32, dim: i32, size: i32, meta: usize): i32 {
  const offsets = meta + (<usize>(5 * nd) << 2);
  memory.fill(offsets, 0, 12);
  if (type == F32) return scatterAs<f32>(out, idx, src, nd, dim, size, meta, offsets);
  if (type == F64) return scatterAs<f64>(out, idx, src, nd, dim, size, meta, offsets);
  return scatterAs<i32>(out, idx, src, nd, dim, size, meta, offsets);
}
