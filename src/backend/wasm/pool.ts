/**
 * The worker pool for matmul and large elementwise ops: worker_threads in Node, Web Workers in browsers. Each worker
 * instantiates the same module over the same shared memory and then sleeps on the control block
 * (Atomics.wait). A job is posted by writing its words into the block, opening its claim word to
 * the job's generation and publishing that generation: no message per call. Every thread, the
 * caller included, then takes tasks through the claim word until none is left (kernels/jobs.ts),
 * and the caller waits until every task taken is finished, not for each worker to turn up: a
 * worker that the OS paused, or that was still waking, finds the job closed and goes back to wait.
 *
 * The pool is used only once every worker has reported ready; until then (the first tens of
 * milliseconds) jobs run on the caller alone.
 */

import type { NodeBuiltins } from './module.js';

/** Word offsets (i32) into the control block; the job words are read by kernels/matmul.ts. */
export const CTRL = {
  GEN: 0, DONE: 2, QUIT: 3, TASKS: 4, A: 5, B: 6, C: 7, M: 8, N: 9, K: 10,
  RSA: 11, CSA: 12, RSB: 13, CSB: 14, TABLE: 16, MT: 17, NT: 18, MTILES: 19, NTILES: 20,
  KC: 21, MC: 22, SCRATCH: 23, SCRATCH_STRIDE: 24, READY: 25,
  JOB: 26, OP: 27, X: 28, Y: 29, OUT: 30, LEN: 31, CHUNK: 32, XS: 33, YS: 34, OUT_SHIFT: 35, SCALARS: 36,
  /** 64 bits: the open job's generation (high half; 0 when none is open) and its next task (low half). */
  CLAIM: 44,
} as const;
export const CTRL_BYTES = 256;

/** Job kinds (kernels/jobs.ts). */
export const JOB = { MATMUL: 0, UNARY: 1, BINARY: 2, ADAM: 3 } as const;

interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctrl: number;
  tid: number;
}

interface PoolWorker {
  terminate(): unknown;
}

/**
 * A worker's whole program. It is sent as source text (Function.prototype.toString), so it may use
 * nothing from this module: the control words are literals (GEN 0, DONE 2, QUIT 3, READY 25).
 */
function workerMain(data: WorkerData): void {
  const exports = new WebAssembly.Instance(data.module, { env: { memory: data.memory } }).exports;
  const run = exports['jobRun'] as (ctrl: number, tid: number, gen: number) => void;
  const ctrl = new Int32Array(data.memory.buffer, data.ctrl, 64);
  let gen = Atomics.load(ctrl, 0);
  Atomics.add(ctrl, 25, 1);
  for (;;) {
    // Spin for a millisecond before sleeping: in a training step the next job comes within
    // microseconds to a millisecond, and waking a sleeping thread costs tens of microseconds.
    let g = Atomics.load(ctrl, 0);
    for (const start = performance.now(); g === gen && performance.now() - start < 1;) {
      for (let spins = 0; g === gen && spins < 1000; spins++) g = Atomics.load(ctrl, 0);
    }
    if (g === gen) {
      Atomics.wait(ctrl, 0, gen);
      continue;
    }
    gen = g;
    if (Atomics.load(ctrl, 3) !== 0) return;
    // Takes tasks of job `gen` only while it is open; what it finishes it adds to DONE.
    run(data.ctrl, data.tid, gen);
    Atomics.notify(ctrl, 2);
  }
}

/** Spins before sleeping while waiting for the workers: their last task usually ends within microseconds. */
const SPIN = 20000;

export class ThreadPool {
  readonly #ctrl: Int32Array;
  readonly #workers: PoolWorker[] = [];
  /** False on a browser's main thread, where Atomics.wait throws: spin instead. */
  #canBlock = true;
  #failed = false;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, ctrl: number, workers: number, node: NodeBuiltins | null) {
    this.#ctrl = new Int32Array(memory.buffer, ctrl, CTRL_BYTES / 4);
    for (let tid = 1; tid <= workers; tid++) {
      const data: WorkerData = { module, memory, ctrl, tid };
      if (node) {
        const w = new node.workerThreads.Worker(`(${workerMain.toString()})(require('node:worker_threads').workerData)`, {
          eval: true, workerData: data,
        });
        // Idle workers sleep in Atomics.wait; they must not keep the process alive.
        w.unref();
        w.on('error', () => { this.#failed = true; });
        this.#workers.push(w);
      } else {
        const url = URL.createObjectURL(new Blob([`onmessage = (e) => (${workerMain.toString()})(e.data);`], { type: 'text/javascript' }));
        const w = new Worker(url);
        w.onerror = () => { this.#failed = true; };
        w.postMessage(data);
        URL.revokeObjectURL(url);
        this.#workers.push(w);
      }
    }
  }

  /** Threads a job can use now: the caller, plus the workers once all are ready. */
  get threads(): number {
    return this.#ready() ? this.#workers.length + 1 : 1;
  }

  /**
   * Runs job `gen`, whose words are in the control block and whose claim word is open: wakes the
   * workers, runs `share` (the caller's part: taking tasks like any worker) and returns when all
   * `tasks` are done.
   */
  run(gen: number, tasks: number, share: () => void): void {
    if (!this.#ready()) {
      share();
      return;
    }
    const ctrl = this.#ctrl;
    Atomics.store(ctrl, CTRL.GEN, gen);
    Atomics.notify(ctrl, CTRL.GEN);
    share();
    for (let spins = 0; ; spins++) {
      const done = Atomics.load(ctrl, CTRL.DONE);
      if (done >= tasks) return;
      if (spins < SPIN || !this.#canBlock) continue;
      try {
        Atomics.wait(ctrl, CTRL.DONE, done);
      } catch {
        this.#canBlock = false;
      }
    }
  }

  /** Stops the workers; later jobs run on the caller alone. */
  dispose(): void {
    if (this.#workers.length === 0) return;
    Atomics.store(this.#ctrl, CTRL.QUIT, 1);
    Atomics.add(this.#ctrl, CTRL.GEN, 1);
    Atomics.notify(this.#ctrl, CTRL.GEN);
    for (const w of this.#workers) void w.terminate();
    this.#workers.length = 0;
  }

  #ready(): boolean {
    return this.#workers.length > 0 && !this.#failed && Atomics.load(this.#ctrl, CTRL.READY) === this.#workers.length;
  }
}
