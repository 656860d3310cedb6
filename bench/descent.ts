/**
 * descent's engines: one per registered backend, and the wasm backend once per thread count (1 and
 * every core), since matmul is the one primitive it spreads over threads. Each engine makes its
 * backend current before building a workload's tensors.
 *
 * The loops do what a user's loop does: nothing about memory. Buffers outside the JS heap (wasm)
 * are freed only once V8 collects the tensors that hold them, so a figure notes how far live
 * memory grew while it was measured.
 *
 * A wasm backend's heap grows to the first collection threshold (256 MiB) before it reuses memory,
 * and the operating system maps each new page on its first write: ~65,000 page faults, once per
 * process, that slow the first ~0.5 s of a training loop by half. A figure is the steady state, so
 * each wasm backend has its heap touched up to that threshold when it is made, as a long warm-up
 * would do.
 */

import { availableParallelism } from 'node:os';
import { type Backend, listBackends, memoryStats, registerBackend, resetPeakMemory, setBackend } from '../src/index.js';
import { type WasmBackend, createWasmBackend } from '../src/backend/wasm/wasm-backend.js';
import { MIN_COLLECT_BYTES } from '../src/tensor/storage.js';
import { type Engine, type Runnable, type Workload, localEngine, reason, settle, unavailable } from './harness.js';
import { descentGpt } from './gpt.bench.js';
import { descentMatmul } from './matmul.bench.js';
import { descentMlp } from './mlp.bench.js';

function setup(w: Workload): Runnable {
  if (w.kind === 'matmul') return descentMatmul(w);
  if (w.kind === 'mlp') return descentMlp(w);
  return descentGpt(w);
}

/** Writes the heap's memory up to the first collection threshold once, and frees it again. */
function touchHeap(be: Backend): void {
  const n = MIN_COLLECT_BYTES / 4;
  const buffer = be.alloc('float32', n);
  be.fill({ buffer, shape: [n], strides: [1], offset: 0 }, 0);
  be.free(buffer);
}

/** Waits until the backend's worker threads have started (they join only once all are ready). */
async function started(be: WasmBackend, threads: number): Promise<WasmBackend> {
  for (let i = 0; i < 500 && be.threads < threads; i++) await new Promise((r) => setTimeout(r, 10));
  if (be.threads < threads) throw new Error(`wasm backend: ${be.threads} of ${threads} threads started after 5 s`);
  return be;
}

const MiB = 2 ** 20;

/** Makes `backend` current: the wasm backends of 1 and 2 threads share the name 'wasm', so it is registered again. */
function current(backend: Backend): void {
  registerBackend(backend);
  setBackend(backend.name);
}

function engine(label: string, threads: number, backend: Backend, detail: string, close?: () => void): Engine {
  const local = localEngine({
    label, descent: true, threads, detail,
    setup(w) {
      current(backend);
      return setup(w);
    },
    enter: () => current(backend),
    ...(close ? { close } : {}),
  });
  return {
    ...local,
    async measure(w, timing) {
      await settle();
      const before = memoryStats().liveBytes;
      resetPeakMemory();
      const m = await local.measure(w, timing);
      const peak = memoryStats().peakBytes;
      if (!backend.garbageCollected && peak - before > 64 * MiB) {
        m.note = `peak ${backend.name} memory rose ${((peak - before) / MiB).toFixed(0)} MiB above the start while measured: unreachable ` +
          'buffers are reclaimed in a synchronous collection each time live memory passes the threshold, and that time is included';
      }
      return m;
    },
  };
}

/** Engines for the named backends (default: every one listBackends() gives). */
export async function descentEngines(names: string[] = listBackends()): Promise<Engine[]> {
  const engines: Engine[] = [];
  const cores = availableParallelism();
  for (const name of names) {
    if (name !== 'wasm') {
      try {
        const be = setBackend(name);
        engines.push(engine(`descent ${name}`, name === 'reference' ? 1 : cores, be, `descent ${name} backend`));
      } catch (e) {
        engines.push(unavailable(`descent ${name}`, reason(e), true));
      }
      continue;
    }
    for (const threads of [...new Set([1, cores])]) {
      const label = `descent wasm ${threads}T`;
      try {
        const be = await started(createWasmBackend({ threads }), threads);
        touchHeap(be);
        engines.push(engine(label, threads, be, `${label}: ${be.kernels} kernels, ${threads} thread${threads > 1 ? 's' : ''}, heap memory written once up to the first collection threshold (${MIN_COLLECT_BYTES / 2 ** 20} MiB) before timing: page faults of a process's first 0.5 s`, () => be.dispose()));
      } catch (e) {
        engines.push(unavailable(label, reason(e), true));
      }
    }
  }
  return engines;
}
