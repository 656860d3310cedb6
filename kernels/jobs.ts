/**
 * The jobs the worker pool runs (src/backend/wasm/pool.ts). A job lives in a control block in
 * shared memory: its kind, its words, and a task counter every thread takes tasks from atomically.
 * Matmul splits into tiles of C (kernels/matmul.ts); the elementwise jobs into chunks of a flat
 * run of elements, so a large activation or its gradient uses every core; Adam into the records of
 * its table, which the host cuts into chunks of parameters.
 *
 * Word offsets (i32) into the control block are mirrored in CTRL in pool.ts.
 */

import { binaryF32, unaryF32 } from './elementwise';
import { matmulRun } from './matmul';
import { adamF32 } from './optim';

export const CTRL_NEXT = 1;
export const CTRL_TASKS = 4;
const CTRL_JOB = 26;
const CTRL_OP = 27;
const CTRL_X = 28;
const CTRL_Y = 29;
const CTRL_OUT = 30;
const CTRL_LEN = 31;
const CTRL_CHUNK = 32;
const CTRL_XS = 33;
const CTRL_YS = 34;
const CTRL_OUT_SHIFT = 35;
/** Float32 scalars of a job (Adam's seven). */
const CTRL_SCALARS = 36;

const JOB_MATMUL = 0, JOB_UNARY = 1, JOB_ADAM = 3;

@inline export function word(ctrl: usize, i: i32): i32 {
  return load<i32>(ctrl + (<usize>i << 2));
}

@inline export function takeTask(ctrl: usize): i32 {
  const p = ctrl + (<usize>CTRL_NEXT << 2);
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(p, 1);
  const t = load<i32>(p);
  store<i32>(p, t + 1);
  return t;
}

/** Runs tasks of the job in the control block until none is left; `tid` picks this thread's scratch. */
export function jobRun(ctrl: usize, tid: i32): void {
  const job = word(ctrl, CTRL_JOB);
  if (job == JOB_MATMUL) {
    matmulRun(ctrl, tid);
    return;
  }
  if (job == JOB_ADAM) {
    adamJob(ctrl);
    return;
  }
  // Elementwise over LEN elements in chunks; X and Y advance by their stride (1, or 0 for a scalar).
  const tasks = word(ctrl, CTRL_TASKS), op = word(ctrl, CTRL_OP), n = word(ctrl, CTRL_LEN), chunk = word(ctrl, CTRL_CHUNK);
  const x = <usize>word(ctrl, CTRL_X), y = <usize>word(ctrl, CTRL_Y), out = <usize>word(ctrl, CTRL_OUT);
  const xs = word(ctrl, CTRL_XS), ys = word(ctrl, CTRL_YS), outShift = <usize>word(ctrl, CTRL_OUT_SHIFT);
  for (;;) {
    const t = takeTask(ctrl);
    if (t >= tasks) break;
    const i0 = t * chunk, len = min(chunk, n - i0);
    const px = x + (<usize>(i0 * xs) << 2), po = out + (<usize>i0 << outShift);
    if (job == JOB_UNARY) unaryF32(op, px, po, 1, len, 0, xs);
    else binaryF32(op, px, y + (<usize>(i0 * ys) << 2), po, 1, len, 0, 0, xs, ys);
  }
}

/** Adam over a table of records (kernels/optim.ts), a record a task. */
function adamJob(ctrl: usize): void {
  const tasks = word(ctrl, CTRL_TASKS), table = <usize>word(ctrl, CTRL_X);
  for (;;) {
    const t = takeTask(ctrl);
    if (t >= tasks) break;
    adamF32(table + <usize>t * 24, 1, scalar(ctrl, 0), scalar(ctrl, 1), scalar(ctrl, 2), scalar(ctrl, 3), scalar(ctrl, 4),
      scalar(ctrl, 5), scalar(ctrl, 6));
  }
}

@inline function scalar(ctrl: usize, i: i32): f32 {
  return load<f32>(ctrl + (<usize>(CTRL_SCALARS + i) << 2));
}
