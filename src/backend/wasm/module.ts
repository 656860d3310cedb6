/**
 * Loads the kernels: picks the fastest compiled variant this engine runs and compiles it
 * synchronously (Node and browsers workers allow it for any size; a browser's main thread
 * allows it only for small modules, which these are not, so call it from a worker there or
 * prefer Node). Relaxed SIMD sits behind a V8 flag in Node 20: the process may set it itself
 * before compiling, and WebAssembly.validate then tells whether it took.
 */

import * as generated from './kernels.generated.js';

/** relaxed-simd and simd use shared memory (threads); simd-unshared runs where SharedArrayBuffer is missing. */
export type KernelVariant = 'relaxed-simd' | 'simd' | 'simd-unshared';

export interface KernelExports {
  unaryF32(op: number, x: number, out: number, rows: number, n: number, xRow: number, xs: number): void;
  binaryF32(op: number, a: number, b: number, out: number, rows: number, n: number, aRow: number, bRow: number, as: number, bs: number): void;
  where(width: number, c: number, a: number, b: number, out: number, rows: number, n: number,
    cRow: number, aRow: number, bRow: number, cs: number, as: number, bs: number): void;
  copyCast(st: number, dt: number, src: number, dst: number, rows: number, n: number, sRow: number, dRow: number, ss: number, ds: number): void;
  fill(dt: number, dst: number, rows: number, n: number, dRow: number, ds: number, value: number): void;
  reduceRows(op: number, x: number, out: number, rows: number, n: number, rowStride: number, xs: number): void;
  reduceCols(op: number, x: number, out: number, cols: number, n: number, rowStride: number): void;
  gather(type: number, x: number, idx: number, out: number, nd: number, dim: number, size: number, meta: number): number;
  scatterAdd(type: number, out: number, idx: number, src: number, nd: number, dim: number, size: number, meta: number): number;
  jobRun(ctrl: number, tid: number, gen: number): void;
  softmaxF32(x: number, out: number, rows: number, cols: number, log: number, scale: number, period: number, shift: number): void;
  softmaxBackwardF32(y: number, g: number, dx: number, rows: number, cols: number, log: number, scale: number, period: number, shift: number): void;
  layerNormF32(x: number, w: number, b: number, out: number, mean: number, rstd: number, rows: number, cols: number, eps: number): void;
  layerNormBackwardF32(g: number, x: number, w: number, mean: number, rstd: number, dx: number, dw: number, db: number, rows: number, cols: number): void;
  crossEntropyF32(x: number, target: number, loss: number, lse: number, rows: number, cols: number, ignoreIndex: number): number;
  crossEntropyBackwardF32(x: number, target: number, lse: number, g: number, gStride: number, dx: number, rows: number, cols: number, ignoreIndex: number): void;
  sgdF32(table: number, tensors: number, lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: number): void;
  heapBase(): number;
}

/** The Node built-ins the backend uses, reached without a static import so the module also loads in browsers. */
export interface NodeBuiltins {
  v8: typeof import('node:v8');
  os: typeof import('node:os');
  workerThreads: typeof import('node:worker_threads');
}

let builtins: NodeBuiltins | null | undefined;

export function nodeBuiltins(): NodeBuiltins | null {
  if (builtins !== undefined) return builtins;
  // process.getBuiltinModule: Node ≥ 20.16. Older versions run single-threaded without relaxed SIMD.
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  const get = proc?.getBuiltinModule;
  builtins = typeof get === 'function'
    ? { v8: get('node:v8'), os: get('node:os'), workerThreads: get('node:worker_threads') }
    : null;
  return builtins;
}

const sources: Record<KernelVariant, string> = {
  'relaxed-simd': generated.relaxedSimd,
  'simd': generated.simd,
  'simd-unshared': generated.simdUnshared,
};

const modules = new Map<KernelVariant, WebAssembly.Module>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  if (typeof Buffer === 'function') {
    const b = Buffer.from(base64, 'base64');
    const bytes = new Uint8Array(b.length);
    bytes.set(b);
    return bytes;
  }
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Whether the engine can share wasm memory between threads (cross-origin isolated pages, Node). */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

let relaxed: boolean | undefined;

/** Whether relaxed SIMD validates here, after turning it on in Node 20's V8 if need be. */
export function relaxedSimdAvailable(): boolean {
  if (relaxed !== undefined) return relaxed;
  const bytes = decode(sources['relaxed-simd']);
  relaxed = WebAssembly.validate(bytes);
  const node = nodeBuiltins();
  if (!relaxed && node) {
    node.v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    relaxed = WebAssembly.validate(bytes);
  }
  return relaxed;
}

export function bestVariant(): KernelVariant {
  if (!sharedMemoryAvailable()) return 'simd-unshared';
  return relaxedSimdAvailable() ? 'relaxed-simd' : 'simd';
}

/** The compiled module of a variant, compiled once per process. */
export function kernelModule(variant: KernelVariant): WebAssembly.Module {
  let module = modules.get(variant);
  if (!module) {
    if (variant === 'relaxed-simd' && !relaxedSimdAvailable()) {
      throw new Error('createWasmBackend: this engine does not support relaxed SIMD; use kernels: \'simd\'');
    }
    if (variant !== 'simd-unshared' && !sharedMemoryAvailable()) {
      throw new Error(`createWasmBackend: the ${variant} kernels need shared memory (SharedArrayBuffer), which this engine lacks; use kernels: 'simd-unshared'`);
    }
    module = new WebAssembly.Module(decode(sources[variant]));
    modules.set(variant, module);
  }
  return module;
}
