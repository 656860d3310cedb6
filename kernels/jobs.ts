/**
 * The jobs the worker pool runs (src/backend/wasm/pool.ts). A job lives in a control block in
 * shared memory: its kind, its words, and a claim word every thread takes tasks from atomically.
 * The claim word holds the job's generation beside the next task, so a thread that arrives late
 * (still asleep when the job began, or paused by the OS) can never take a task of a job that has
 * ended, and the caller waits only for tasks taken, never for a thread to turn up: each thread adds
 * the tasks it finished to DONE, and the job is over when DONE reaches TASKS.
 * Matmul splits into tiles of C (kernels/matmul.ts); the elementwise jobs into chunks of a flat
 * run of elements, so a large activation or its gradient uses every core; Adam into the records of
 * its table, which the host cuts into chunks of parameters.
 *
 * Word offsets (i32) into the control block are mirrored in CTRL in pool.ts.
 */

import { binaryF32, unaryF32 } from './elementwise';
import { matmulRun } from './matmul';
import { adamF32 } from './optim';

const CTRL_DONE = 2;
export const CTRL_TASKS = 4;
/** 64 bits (words 44 and 45): the generation in the high half, the next task in the low half. */
const CTRL_CLAIM = 44;
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

/** The next task of job `gen`, or -1 once its tasks are all taken or it is no longer the current job. */
@inline export function takeTask(ctrl: usize, gen: i32, tasks: i32): i32 {
  const p = ctrl + (<usize>CTRL_CLAIM << 2);
  if (ASC_FEATURE_THREADS) {
    for (;;) {
      const claim = atomic.load<i64>(p);
      const t = <i32>claim;
      if (<i32>(claim >>> 32) != gen || t >= tasks) return -1;
      if (atomic.cmpxchg<i64>(p, claim, claim + 1) == claim) return t;
    }
  }
  const claim = load<i64>(p);
  const t = <i32>claim;
  if (<i32>(claim >>> 32) != gen || t >= tasks) return -1;
  store<i64>(p, claim + 1);
  return t;
}

/** Adds the tasks this thread finished to DONE, which the caller waits on. */
@inline function finished(ctrl: usize, done: i32): void {
  if (done == 0) return;
  const p = ctrl + (<usize>CTRL_DONE << 2);
  if (ASC_FEATURE_THREADS) atomic.add<i32>(p, done);
  else store<i32>(p, load<i32>(p) + done);
}

/** Runs tasks of job `gen` until none is left; `tid` picks this thread's scratch. */
export function jobRun(ctrl: usize, tid: i32, gen: i32): void {
  const job = word(ctrl, CTRL_JOB);
  if (job == JOB_MATMUL) {
    finished(ctrl, matmulRun(ctrl, tid, gen));
    return;
  }
  if (job == JOB_ADAM) {
    finished(ctrl, adamJob(ctrl, gen));
    return;
  }
  // Elementwise over LEN elements in chunks; X and Y advance by their stride (1, or 0 for a scalar).
  const tasks = word(ctrl, CTRL_TASKS), op = word(ctrl, CTRL_OP), n = word(ctrl, CTRL_LEN), chunk = word(ctrl, CTRL_CHUNK);
  const x = <usize>word(ctrl, CTRL_X), y = <usize>word(ctrl, CTRL_Y), out = <usize>word(ctrl, CTRL_OUT);
  const xs = word(ctrl, CTRL_XS), ys = word(ctrl, CTRL_YS), outShift = <usize>word(ctrl, CTRL_OUT_SHIFT);
  let done = 0;
  for (;;) {
    const t = takeTask(ctrl, gen, tasks);
    if (t < 0) break;
    const i0 = t * chunk, len = min(chunk, n - i0);
    const px = x + (<usize>(i0 * xs) << 2), po = out + (<usize>i0 << outShift);
    if (job == JOB_UNARY) unaryF32(op, px, po, 1, len, 0, xs);
    else binaryF32(op, px, y + (<usize>(i0 * ys) << 2), po, 1, len, 0, 0, xs, ys);
    done++;
  }
  finished(ctrl, done);
}

/** Adam over a table of records (kernels/optim.ts), a record a task. Returns the tasks it ran. */
function adamJob(ctrl: usize, gen: i32): i32 {
  const tasks = word(ctrl, CTRL_TASKS), table = <usize>word(ctrl, CTRL_X);
  let done = 0;
  for (;;) {
    const t = takeTask(ctrl, gen, tasks);
    if (t < 0) break;
    adamF32(table + <usize>t * 24, 1, scalar(ctrl, 0), scalar(ctrl, 1), scalar(ctrl, 2), scalar(ctrl, 3), scalar(ctrl, 4),
      scalar(ctrl, 5), scalar(ctrl, 6));
    done++;
  }
  return done;
}

@inline function scalar(ctrl: usize, i: i32): f32 {
  return load<f32>(ctrl + (<usize>(CTRL_SCALARS + i) << 2));
}
