/**
 * float32 GEMM: C[M, N] = A[M, K] · B[K, N] for any strides of A and B, batched through a table of
 * offsets, split into tasks that every thread claims through the job's claim word (kernels/jobs.ts).
 *
 * The structure is GotoBLAS's: for each KC-deep slice, a block of B is packed into NR-wide panels
 * and a block of A into MR-high panels (zero-padded at the edges), and a 6x8 register-blocked
 * microkernel runs over them. V8 maps v128 onto the 16 xmm registers: 12 accumulators, two B
 * vectors and one broadcast A value fit without spills; 4x16 would not.
 *
 * The job lives in a control block in shared memory (see the CTRL_* word offsets, mirrored in
 * src/backend/wasm/pool.ts) so that workers need no message per call.
 */

import { CTRL_TASKS, takeTask, word } from './jobs';
import { fma } from './simd';

const MR = 6;
const NR = 8;

// Word offsets (i32) into the control block (the job's own; see jobs.ts for the shared ones).
const CTRL_A = 5;
const CTRL_B = 6;
const CTRL_C = 7;
const CTRL_M = 8;
const CTRL_N = 9;
const CTRL_K = 10;
const CTRL_RSA = 11;
const CTRL_CSA = 12;
const CTRL_RSB = 13;
const CTRL_CSB = 14;
const CTRL_TABLE = 16;
const CTRL_MT = 17;
const CTRL_NT = 18;
const CTRL_MTILES = 19;
const CTRL_NTILES = 20;
const CTRL_KC = 21;
const CTRL_MC = 22;
const CTRL_SCRATCH = 23;
const CTRL_SCRATCH_STRIDE = 24;

/** Runs tasks of matmul job `gen` until none is left; `tid` picks this thread's scratch. Returns the tasks it ran. */
export function matmulRun(ctrl: usize, tid: i32, gen: i32): i32 {
  const tasks = word(ctrl, CTRL_TASKS);
  const mTiles = word(ctrl, CTRL_MTILES), nTiles = word(ctrl, CTRL_NTILES);
  const perBatch = mTiles * nTiles;
  const M = word(ctrl, CTRL_M), N = word(ctrl, CTRL_N);
  const MT = word(ctrl, CTRL_MT), NT = word(ctrl, CTRL_NT);
  const scratch = <usize>word(ctrl, CTRL_SCRATCH) + <usize>tid * <usize>word(ctrl, CTRL_SCRATCH_STRIDE);
  const table = <usize>word(ctrl, CTRL_TABLE);
  let done = 0;
  for (;;) {
    const t = takeTask(ctrl, gen, tasks);
    if (t < 0) break;
    const batch = t / perBatch, r = t - batch * perBatch;
    const mi = r / nTiles, ni = r - mi * nTiles;
    const m0 = mi * MT, n0 = ni * NT;
    const aOff = load<i32>(table + (<usize>batch << 3));
    const bOff = load<i32>(table + (<usize>batch << 3), 4);
    const a = <usize>word(ctrl, CTRL_A) + (<usize>aOff << 2);
    const b = <usize>word(ctrl, CTRL_B) + (<usize>bOff << 2);
    const c = <usize>word(ctrl, CTRL_C) + (<usize>batch * <usize>M * <usize>N << 2);
    tile(ctrl, a, b, c, m0, min(M, m0 + MT), n0, min(N, n0 + NT), scratch);
    done++;
  }
  return done;
}

function tile(ctrl: usize, a: usize, b: usize, c: usize, m0: i32, m1: i32, n0: i32, n1: i32, scratch: usize): void {
  const N = word(ctrl, CTRL_N), K = word(ctrl, CTRL_K);
  const rsA = word(ctrl, CTRL_RSA), csA = word(ctrl, CTRL_CSA);
  const rsB = word(ctrl, CTRL_RSB), csB = word(ctrl, CTRL_CSB);
  const KC = word(ctrl, CTRL_KC), MC = word(ctrl, CTRL_MC);
  const ap = scratch;
  const bp = ap + (<usize>(MC * KC) << 2);
  const nn = n1 - n0;
  const bpEnd = bp + (<usize>(((nn + NR - 1) / NR) * NR * KC) << 2);
  const tmp = bpEnd;
  const ldc = <usize>N << 2;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    packB(bp, b + (<usize>(pc * rsB + n0 * csB) << 2), kc, nn, rsB, csB);
    for (let ic = m0; ic < m1; ic += MC) {
      const mc = min(MC, m1 - ic);
      packA(ap, a + (<usize>(ic * rsA + pc * csA) << 2), mc, kc, rsA, csA);
      for (let jr = 0; jr < nn; jr += NR) {
        const nr = min(NR, nn - jr);
        const bPanel = bp + (<usize>(jr * kc) << 2);
        const cCol = c + (<usize>(n0 + jr) << 2);
        for (let ir = 0; ir < mc; ir += MR) {
          const mr = min(MR, mc - ir);
          micro(kc, ap + (<usize>(ir * kc) << 2), bPanel, cCol + <usize>(ic + ir) * ldc, ldc, mr, nr, pc > 0, tmp);
        }
      }
    }
  }
}

/** A[mc, kc] (element strides rs, cs) into MR-row panels, each kc columns of MR values, zero-padded. */
function packA(dst: usize, src: usize, mc: i32, kc: i32, rs: i32, cs: i32): void {
  const rsb = <usize>rs << 2, csb = <usize>cs << 2;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    const s = src + <usize>i0 * rsb;
    if (mr == MR && rs == 1) {
      // Aᵀ stored row-major: each k's six values are adjacent.
      for (let k = 0; k < kc; k++) {
        const p = s + <usize>k * csb;
        v128.store(dst, v128.load(p));
        store<u64>(dst, load<u64>(p, 16), 16);
        dst += MR << 2;
      }
    } else if (mr == MR && cs == 1) {
      // Row-major A: read each row's run of k, write it down the panel's column.
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const p = s + (<usize>k << 2);
        const r0 = v128.load(p), r1 = v128.load(p + rsb), r2 = v128.load(p + 2 * rsb);
        const r3 = v128.load(p + 3 * rsb), r4 = v128.load(p + 4 * rsb), r5 = v128.load(p + 5 * rsb);
        // Transpose rows 0..3 into k-major quads; rows 4 and 5 go in as lane pairs.
        const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
        const t2 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
        const u0 = v128.shuffle<i32>(r4, r5, 0, 4, 1, 5), u1 = v128.shuffle<i32>(r4, r5, 2, 6, 3, 7);
        v128.store(dst, v128.shuffle<i64>(t0, t1, 0, 2));
        store<u64>(dst, i64x2.extract_lane(u0, 0), 16);
        v128.store(dst, v128.shuffle<i64>(t0, t1, 1, 3), 24);
        store<u64>(dst, i64x2.extract_lane(u0, 1), 40);
        v128.store(dst, v128.shuffle<i64>(t2, t3, 0, 2), 48);
        store<u64>(dst, i64x2.extract_lane(u1, 0), 64);
        v128.store(dst, v128.shuffle<i64>(t2, t3, 1, 3), 72);
        store<u64>(dst, i64x2.extract_lane(u1, 1), 88);
        dst += 4 * MR << 2;
      }
      for (; k < kc; k++) {
        const p = s + (<usize>k << 2);
        for (let i = 0; i < MR; i++) store<f32>(dst + (<usize>i << 2), load<f32>(p + <usize>i * rsb));
        dst += MR << 2;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const p = s + <usize>k * csb;
        let i = 0;
        for (; i < mr; i++) store<f32>(dst + (<usize>i << 2), load<f32>(p + <usize>i * rsb));
        for (; i < MR; i++) store<f32>(dst + (<usize>i << 2), 0);
        dst += MR << 2;
      }
    }
  }
}

/** B[kc, nn] (element strides rs, cs) into NR-column panels, each kc rows of NR values, zero-padded. */
function packB(dst: usize, src: usize, kc: i32, nn: i32, rs: i32, cs: i32): void {
  const rsb = <usize>rs << 2, csb = <usize>cs << 2;
  for (let j0 = 0; j0 < nn; j0 += NR) {
    const nr = min(NR, nn - j0);
    const s = src + <usize>j0 * csb;
    if (nr == NR && cs == 1) {
      for (let k = 0; k < kc; k++) {
        const p = s + <usize>k * rsb;
        v128.store(dst, v128.load(p));
        v128.store(dst, v128.load(p, 16), 16);
        dst += NR << 2;
      }
    } else if (nr == NR && rs == 1) {
      // Bᵀ stored row-major (x·Wᵀ): transpose 4x4 blocks of (column, k) into (k, column).
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const p = s + (<usize>k << 2);
        for (let h = 0; h < 2; h++) {
          const q = p + <usize>(4 * h) * csb;
          const r0 = v128.load(q), r1 = v128.load(q + csb), r2 = v128.load(q + 2 * csb), r3 = v128.load(q + 3 * csb);
          const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
          const d = dst + (<usize>h << 4);
          v128.store(d, v128.shuffle<i64>(t0, t1, 0, 2));
          v128.store(d, v128.shuffle<i64>(t0, t1, 1, 3), 32);
          v128.store(d, v128.shuffle<i64>(t2, t3, 0, 2), 64);
          v128.store(d, v128.shuffle<i64>(t2, t3, 1, 3), 96);
        }
        dst += 4 * NR << 2;
      }
      for (; k < kc; k++) {
        const p = s + (<usize>k << 2);
        for (let j = 0; j < NR; j++) store<f32>(dst + (<usize>j << 2), load<f32>(p + <usize>j * csb));
        dst += NR << 2;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const p = s + <usize>k * rsb;
        let j = 0;
        for (; j < nr; j++) store<f32>(dst + (<usize>j << 2), load<f32>(p + <usize>j * csb));
        for (; j < NR; j++) store<f32>(dst + (<usize>j << 2), 0);
        dst += NR << 2;
      }
    }
  }
}

@inline function storeRow(c: usize, lo: v128, hi: v128, accumulate: bool): void {
  if (accumulate) {
    lo = f32x4.add(lo, v128.load(c));
    hi = f32x4.add(hi, v128.load(c, 16));
  }
  v128.store(c, lo);
  v128.store(c, hi, 16);
}

/** C[mr, nr] (+)= Ap panel · Bp panel over kc; a full tile stores in place, an edge tile through tmp. */
function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, mr: i32, nr: i32, accumulate: bool, tmp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = fma(a, b0, c00); c01 = fma(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = fma(a, b0, c10); c11 = fma(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = fma(a, b0, c20); c21 = fma(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = fma(a, b0, c30); c31 = fma(a, b1, c31);
    a = v128.load32_splat(ap, 16);
    c40 = fma(a, b0, c40); c41 = fma(a, b1, c41);
    a = v128.load32_splat(ap, 20);
    c50 = fma(a, b0, c50); c51 = fma(a, b1, c51);
    ap += MR << 2;
    bp += NR << 2;
  }
  if (mr == MR && nr == NR) {
    storeRow(c, c00, c01, accumulate);
    storeRow(c + ldc, c10, c11, accumulate);
    storeRow(c + 2 * ldc, c20, c21, accumulate);
    storeRow(c + 3 * ldc, c30, c31, accumulate);
    storeRow(c + 4 * ldc, c40, c41, accumulate);
    storeRow(c + 5 * ldc, c50, c51, accumulate);
    return;
  }
  storeRow(tmp, c00, c01, false);
  storeRow(tmp + 32, c10, c11, false);
  storeRow(tmp + 64, c20, c21, false);
  storeRow(tmp + 96, c30, c31, false);
  storeRow(tmp + 128, c40, c41, false);
  storeRow(tmp + 160, c50, c51, false);
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldc, t = tmp + (<usize>i << 5);
    for (let j = 0; j < nr; j++) {
      const p = row + (<usize>j << 2);
      const v = load<f32>(t + (<usize>j << 2));
      store<f32>(p, accumulate ? load<f32>(p) + v : v);
    }
  }
}
