/**
 * The wasm backend: every buffer lives in one WebAssembly.Memory (shared, where the engine allows,
 * with a pool of worker threads for matmul), and the primitives run as SIMD kernels compiled from
 * kernels/ by AssemblyScript.
 *
 * float32 is the fast path: views are collapsed as in strided.ts into planes of rows, each row
 * stride-1, stride-0 (broadcast) or strided, and a kernel call covers a plane. copy, fill, where,
 * gather and scatterAdd run in wasm for every dtype. The rest (float64, int32 and bool arithmetic
 * and reductions, reductions over dims that do not collapse into one, float64 and int32 matmul)
 * runs the reference backend's code over typed-array windows onto the same memory: the
 * specification itself, so it cannot disagree.
 */

import {
  type AdamScalars, type AdamTensors, type Backend, type BackendBuffer, type BinaryOp, type DType, type ReduceOp,
  type SgdScalars, type SgdTensors, type SoftmaxOptions, type TypedArray, type UnaryOp, type View,
  binaryOps, bytesPerElement, reduceOps, unaryOps,
} from '../backend.js';
import { rowsCols } from '../fused.js';
import { ReferenceBackend } from '../reference.js';
import { collapse, forEachRow } from '../strided.js';
import { Heap, type HeapStats, blockSize } from './heap.js';
import { type KernelExports, type KernelVariant, bestVariant, kernelModule, nodeBuiltins } from './module.js';
import { CTRL, CTRL_BYTES, JOB, ThreadPool } from './pool.js';

export interface WasmBackendOptions {
  /** Threads for matmul, the calling one included. Default: every core (1 without shared memory). */
  threads?: number;
  /** Which compiled kernels to run. Default: the fastest this engine supports. */
  kernels?: KernelVariant;
}

export interface WasmMemoryStats extends HeapStats {
  /** Buffers handed out by alloc and not yet freed. */
  liveBuffers: number;
}

class WasmBuffer implements BackendBuffer {
  constructor(readonly dtype: DType, readonly size: number, public ptr: number, readonly block: number) {}
}

/** Dtype codes of kernels/copy.ts. */
const dtypeCode: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };

/** The microkernel's tile (kernels/matmul.ts), and the blocking: a KC×NR panel of B stays in L1, MC×KC of A in L2. */
const MR = 6, NR = 8;
const KC = 256, MC = 96, NC = 1024;
/** Multiply-adds below which a matmul stays on the calling thread (64³ still gains from a second one). */
const PARALLEL_MACS = 1 << 18;
/**
 * Elements below which an elementwise op stays on the calling thread: a cheap op (a compare, an
 * add) pays for the hand-off only on long runs; a transcendental one (exp, GELU) much sooner.
 * Then the smallest chunk a thread takes.
 */
const PARALLEL_CHEAP = 1 << 17, PARALLEL_COSTLY = 1 << 14;
const MIN_CHUNK = 4096;
/** Parameters per record of the fused Adam step's table. */
const ADAM_CHUNK = 1 << 15;
const COSTLY_UNARY = new Set<UnaryOp>(['exp', 'log', 'sin', 'cos', 'tanh', 'sigmoid', 'gelu', 'geluTanh', 'silu', 'erf', 'geluGrad', 'geluTanhGrad']);

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/**
 * Calls `fn` once per plane of the collapsed iteration space: `rows` rows of `n` elements, with
 * each view's start, row stride and inner stride. Leading dims beyond two are looped here, one call
 * into the kernels per plane. With `anyOrder` (every view, the output included, is addressed by its
 * strides, so the order of planes does not matter) the largest leading dim becomes the rows: a
 * head transpose [B, H, T, D] → [B, T, H, D] is then B·H planes of T rows, not B·T planes of H.
 */
function forEachPlane(
  shape: readonly number[], strides: readonly (readonly number[])[], starts: readonly number[],
  fn: (offsets: number[], rows: number, n: number, rowStrides: number[], innerStrides: number[]) => void,
  anyOrder = false,
): void {
  const c = collapse(shape, strides);
  const nd = c.shape.length;
  if (c.shape.some((s) => s === 0)) return;
  const n = c.shape[nd - 1]!;
  const inner = c.strides.map((s) => s[nd - 1]!);
  if (nd === 1) {
    fn(starts.slice(), 1, n, inner.map(() => 0), inner);
    return;
  }
  let r = nd - 2;
  if (anyOrder) for (let d = 0; d < nd - 2; d++) if (c.shape[d]! > c.shape[r]!) r = d;
  const rows = c.shape[r]!;
  const rowStrides = c.strides.map((s) => s[r]!);
  const outer = (xs: readonly number[]): number[] => xs.filter((_, d) => d !== r && d < nd - 1);
  forEachRow(outer(c.shape), c.strides.map(outer), starts, (o, count, step) => {
    const offsets = o.slice();
    for (let i = 0; i < count; i++) {
      fn(offsets, rows, n, rowStrides, inner);
      for (let v = 0; v < offsets.length; v++) offsets[v] = offsets[v]! + step[v]!;
    }
  });
}

const sizeOf = (v: View): number => v.shape.reduce((p, n) => p * n, 1);

export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly synchronous = true;
  /** Buffers live in wasm memory: Storage's FinalizationRegistry frees them. */
  readonly garbageCollected = false;
  /** The compiled kernels in use. */
  readonly kernels: KernelVariant;
  readonly #memory: WebAssembly.Memory;
  readonly #heap: Heap;
  readonly #k: KernelExports;
  readonly #pool: ThreadPool | null;
  readonly #reference = new ReferenceBackend();
  readonly #ctrl: number;
  #scratch: { ptr: number; bytes: number } = { ptr: 0, bytes: 0 };
  #table: { ptr: number; bytes: number } = { ptr: 0, bytes: 0 };
  #metaRegion: { ptr: number; bytes: number } = { ptr: 0, bytes: 0 };
  #i32!: Int32Array;
  #i64!: BigInt64Array;
  /** The generation of the last job (kernels/jobs.ts); 0 is no job. */
  #gen = 0;
  #liveBuffers = 0;

  constructor(opts: WasmBackendOptions = {}) {
    this.kernels = opts.kernels ?? bestVariant();
    const module = kernelModule(this.kernels);
    const shared = this.kernels !== 'simd-unshared';
    this.#memory = new WebAssembly.Memory(shared ? { initial: 256, maximum: 65535, shared: true } : { initial: 256 });
    this.#k = new WebAssembly.Instance(module, { env: { memory: this.#memory } }).exports as unknown as KernelExports;
    // The kernels' static data (math tables) ends at heapBase; the heap starts at the next page.
    this.#heap = new Heap(this.#memory, roundUp(this.#k.heapBase(), 65536), () => this.#views());
    this.#views();
    this.#ctrl = this.#heap.alloc(CTRL_BYTES);
    this.#i32.fill(0, this.#ctrl >> 2, (this.#ctrl + CTRL_BYTES) >> 2);
    const node = nodeBuiltins();
    const cores = node ? node.os.availableParallelism() : (globalThis.navigator?.hardwareConcurrency ?? 1);
    const threads = shared ? Math.max(1, Math.floor(opts.threads ?? cores)) : 1;
    const canSpawn = node !== null || typeof Worker === 'function';
    this.#pool = threads > 1 && canSpawn ? new ThreadPool(module, this.#memory, this.#ctrl, threads - 1, node) : null;
  }

  /** Threads matmul uses now: 1 until the workers have started. */
  get threads(): number {
    return this.#pool?.threads ?? 1;
  }

  /** The allocator's accounting, for leak checks and tuning. */
  memoryStats(): WasmMemoryStats {
    return { ...this.#heap.stats(), liveBuffers: this.#liveBuffers };
  }

  /** Stops the worker threads (they never keep a process alive, but a page may want them gone). */
  dispose(): void {
    this.#pool?.dispose();
  }

  // ---- storage ----------------------------------------------------------------------------------

  alloc(dtype: DType, size: number): BackendBuffer {
    const bytes = size * bytesPerElement(dtype);
    const ptr = this.#heap.alloc(bytes);
    this.#liveBuffers++;
    return new WasmBuffer(dtype, size, ptr, blockSize(bytes));
  }

  write(buffer: BackendBuffer, data: TypedArray): void {
    this.#array(buffer).set(data);
  }

  async read(buffer: BackendBuffer): Promise<TypedArray> {
    return this.readSync(buffer);
  }

  readSync(buffer: BackendBuffer): TypedArray {
    return this.#array(buffer).slice();
  }

  free(buffer: BackendBuffer): void {
    const b = buffer as WasmBuffer;
    if (b.ptr < 0) return;
    this.#heap.free(b.ptr, b.block);
    b.ptr = -1;
    this.#liveBuffers--;
  }

  // ---- primitives -------------------------------------------------------------------------------

  copy(x: View, out: View): void {
    const st = dtypeCode[x.buffer.dtype], dt = dtypeCode[out.buffer.dtype];
    const xp = this.#ptr(x.buffer), op = this.#ptr(out.buffer);
    const xw = bytesPerElement(x.buffer.dtype), ow = bytesPerElement(out.buffer.dtype);
    forEachPlane(out.shape, [x.strides, out.strides], [x.offset, out.offset], (o, rows, n, rs, is) => {
      this.#k.copyCast(st, dt, xp + o[0]! * xw, op + o[1]! * ow, rows, n, rs[0]!, rs[1]!, is[0]!, is[1]!);
    }, true);
  }

  fill(out: View, value: number): void {
    const dt = dtypeCode[out.buffer.dtype], p = this.#ptr(out.buffer), w = bytesPerElement(out.buffer.dtype);
    forEachPlane(out.shape, [out.strides], [out.offset], (o, rows, n, rs, is) => {
      this.#k.fill(dt, p + o[0]! * w, rows, n, rs[0]!, is[0]!, value);
    }, true);
  }

  unary(op: UnaryOp, x: View, out: BackendBuffer): void {
    if (x.buffer.dtype !== 'float32' || out.dtype !== 'float32') {
      this.#reference.unary(op, this.#host(x), this.#hostBuffer(out));
      return;
    }
    const code = unaryOps.indexOf(op), xp = this.#ptr(x.buffer);
    const run = this.#threadable(x.shape, [x.strides], COSTLY_UNARY.has(op) ? PARALLEL_COSTLY : PARALLEL_CHEAP);
    if (run) {
      this.#elementwise(JOB.UNARY, code, xp + x.offset * 4, run.steps[0]!, 0, 0, this.#ptr(out), 2, run.n);
      return;
    }
    let dst = this.#ptr(out);
    forEachPlane(x.shape, [x.strides], [x.offset], (o, rows, n, rs, is) => {
      this.#k.unaryF32(code, xp + o[0]! * 4, dst, rows, n, rs[0]!, is[0]!);
      dst += rows * n * 4;
    });
  }

  binary(op: BinaryOp, a: View, b: View, out: BackendBuffer): void {
    const code = binaryOps.indexOf(op);
    const comparison = code >= binaryOps.indexOf('eq');
    if (a.buffer.dtype !== 'float32' || b.buffer.dtype !== 'float32' || out.dtype !== (comparison ? 'bool' : 'float32')) {
      this.#reference.binary(op, this.#host(a), this.#host(b), this.#hostBuffer(out));
      return;
    }
    const ap = this.#ptr(a.buffer), bp = this.#ptr(b.buffer);
    const run = this.#threadable(a.shape, [a.strides, b.strides], op === 'pow' ? PARALLEL_COSTLY : PARALLEL_CHEAP);
    if (run) {
      this.#elementwise(JOB.BINARY, code, ap + a.offset * 4, run.steps[0]!, bp + b.offset * 4, run.steps[1]!, this.#ptr(out), comparison ? 0 : 2, run.n);
      return;
    }
    let dst = this.#ptr(out);
    forEachPlane(a.shape, [a.strides, b.strides], [a.offset, b.offset], (o, rows, n, rs, is) => {
      this.#k.binaryF32(code, ap + o[0]! * 4, bp + o[1]! * 4, dst, rows, n, rs[0]!, rs[1]!, is[0]!, is[1]!);
      dst += rows * n * (comparison ? 1 : 4);
    });
  }

  where(cond: View, a: View, b: View, out: BackendBuffer): void {
    const dtype = out.dtype;
    if (cond.buffer.dtype !== 'bool' || a.buffer.dtype !== dtype || b.buffer.dtype !== dtype) {
      this.#reference.where(this.#host(cond), this.#host(a), this.#host(b), this.#hostBuffer(out));
      return;
    }
    const w = bytesPerElement(dtype);
    const cp = this.#ptr(cond.buffer), ap = this.#ptr(a.buffer), bp = this.#ptr(b.buffer);
    let dst = this.#ptr(out);
    forEachPlane(cond.shape, [cond.strides, a.strides, b.strides], [cond.offset, a.offset, b.offset], (o, rows, n, rs, is) => {
      this.#k.where(w, cp + o[0]!, ap + o[1]! * w, bp + o[2]! * w, dst, rows, n, rs[0]!, rs[1]!, rs[2]!, is[0]!, is[1]!, is[2]!);
      dst += rows * n * w;
    });
  }

  reduce(op: ReduceOp, x: View, dims: number, out: BackendBuffer): void {
    const split = x.shape.length - dims;
    const innerShape = x.shape.slice(split);
    const count = innerShape.reduce((p, s) => p * s, 1);
    const inner = collapse(innerShape, [x.strides.slice(split)]);
    const arg = op === 'argmax' || op === 'argmin';
    if (x.buffer.dtype !== 'float32' || out.dtype !== (arg ? 'int32' : 'float32') || inner.shape.length > 1 || count === 0) {
      this.#reference.reduce(op, this.#host(x), dims, this.#hostBuffer(out));
      return;
    }
    const code = reduceOps.indexOf(op), stride = inner.strides[0]![0]!, xp = this.#ptr(x.buffer);
    let dst = this.#ptr(out);
    forEachPlane(x.shape.slice(0, split), [x.strides.slice(0, split)], [x.offset], (o, rows, cols, rs, is) => {
      // A plane of outputs: `rows` rows of `cols`, each output reducing `count` elements `stride` apart.
      const base = xp + o[0]! * 4;
      if (stride !== 1 && is[0] === 1) {
        for (let r = 0; r < rows; r++) this.#k.reduceCols(code, base + r * rs[0]! * 4, dst + r * cols * 4, cols, count, stride);
      } else {
        for (let r = 0; r < rows; r++) this.#k.reduceRows(code, base + r * rs[0]! * 4, dst + r * cols * 4, cols, count, is[0]!, stride);
      }
      dst += rows * cols * 4;
    });
  }

  matmul(a: View, b: View, out: BackendBuffer): void {
    if (a.buffer.dtype !== 'float32' || b.buffer.dtype !== 'float32' || out.dtype !== 'float32') {
      this.#reference.matmul(this.#host(a), this.#host(b), this.#hostBuffer(out));
      return;
    }
    const nd = a.shape.length;
    const M = a.shape[nd - 2]!, K = a.shape[nd - 1]!, N = b.shape[nd - 1]!;
    const batchShape = a.shape.slice(0, nd - 2);
    const batches = batchShape.reduce((p, s) => p * s, 1);
    if (M === 0 || N === 0 || batches === 0) return;
    if (K === 0) {
      this.#k.fill(0, this.#ptr(out), 1, batches * M * N, 0, 1, 0);
      return;
    }
    // Element offsets of each batch's A and B: broadcast batch dims have stride 0, nothing is copied.
    const table = this.#reserve(this.#table, batches * 8);
    let t = table >> 2;
    forEachRow(batchShape, [a.strides.slice(0, nd - 2), b.strides.slice(0, nd - 2)], [a.offset, b.offset], (o, n, s) => {
      for (let i = 0, p = o[0]!, q = o[1]!; i < n; i++, p += s[0]!, q += s[1]!) {
        this.#i32[t++] = p;
        this.#i32[t++] = q;
      }
    });
    const macs = batches * M * N * K;
    const threads = macs >= PARALLEL_MACS && this.#pool ? this.#pool.threads : 1;
    // Tasks are tiles of C. Full rows of C keep A packed once per column tile; with threads to
    // feed, tiles split (the longer side first) until there are two tasks per thread.
    let mTiles = 1, nTiles = Math.ceil(N / NC);
    while (threads > 1 && batches * mTiles * nTiles < 2 * threads) {
      const mSide = M / mTiles, nSide = N / nTiles;
      if (mSide >= nSide && mSide >= 4 * MR) mTiles *= 2;
      else if (nSide >= 4 * NR) nTiles *= 2;
      else break;
    }
    const MT = roundUp(Math.ceil(M / mTiles), MR), NT = roundUp(Math.ceil(N / nTiles), NR);
    mTiles = Math.ceil(M / MT);
    nTiles = Math.ceil(N / NT);
    const stride = roundUp((MC * KC + KC * NT + MR * NR) * 4, 64);
    const scratch = this.#reserve(this.#scratch, stride * threads);
    this.#runJob(threads > 1, {
      JOB: JOB.MATMUL, TASKS: batches * mTiles * nTiles, A: this.#ptr(a.buffer), B: this.#ptr(b.buffer), C: this.#ptr(out),
      M, N, K, RSA: a.strides[nd - 2]!, CSA: a.strides[nd - 1]!, RSB: b.strides[nd - 2]!, CSB: b.strides[nd - 1]!,
      TABLE: table, MT, NT, MTILES: mTiles, NTILES: nTiles, KC, MC, SCRATCH: scratch, SCRATCH_STRIDE: stride,
    });
  }

  gather(x: View, index: View, dim: number, out: BackendBuffer): void {
    const dtype = x.buffer.dtype, nd = index.shape.length;
    if (nd === 0 || index.buffer.dtype !== 'int32' || out.dtype !== dtype) {
      this.#reference.gather(this.#host(x), this.#host(index), dim, this.#hostBuffer(out));
      return;
    }
    const meta = this.#meta([index.shape, index.strides, x.strides]);
    const w = bytesPerElement(dtype), size = x.shape[dim]!;
    const bad = this.#k.gather(dtypeCode[dtype], this.#ptr(x.buffer) + x.offset * w, this.#ptr(index.buffer) + index.offset * 4,
      this.#ptr(out), nd, dim, size, meta);
    if (bad) throw new RangeError(`gather: index ${this.#i32[meta >> 2]} is out of range for a dimension of size ${size}`);
  }

  scatterAdd(out: View, index: View, src: View, dim: number): void {
    const dtype = out.buffer.dtype, nd = index.shape.length;
    if (nd === 0 || dtype === 'bool' || index.buffer.dtype !== 'int32' || src.buffer.dtype !== dtype) {
      this.#reference.scatterAdd(this.#host(out), this.#host(index), this.#host(src), dim);
      return;
    }
    const meta = this.#meta([index.shape, index.strides, out.strides, src.strides]);
    const w = bytesPerElement(dtype), size = out.shape[dim]!;
    const bad = this.#k.scatterAdd(dtypeCode[dtype], this.#ptr(out.buffer) + out.offset * w, this.#ptr(index.buffer) + index.offset * 4,
      this.#ptr(src.buffer) + src.offset * w, nd, dim, size, meta);
    if (bad) throw new RangeError(`scatterAdd: index ${this.#i32[meta >> 2]} is out of range for a dimension of size ${size}`);
  }

  // ---- fused primitives: float32 in kernels, float64 by the reference's code ----------------------

  softmax(x: View, out: BackendBuffer, opts: SoftmaxOptions): void {
    if (x.buffer.dtype !== 'float32') return this.#reference.softmax(this.#host(x), this.#hostBuffer(out), opts);
    const [rows, cols] = rowsCols(x);
    this.#k.softmaxF32(this.#at(x), this.#ptr(out), rows, cols, opts.log ? 1 : 0, opts.scale, opts.causal?.period ?? 0, opts.causal?.shift ?? 0);
  }

  softmaxBackward(y: View, g: View, dx: BackendBuffer, opts: SoftmaxOptions): void {
    if (y.buffer.dtype !== 'float32') return this.#reference.softmaxBackward(this.#host(y), this.#host(g), this.#hostBuffer(dx), opts);
    const [rows, cols] = rowsCols(y);
    this.#k.softmaxBackwardF32(this.#at(y), this.#at(g), this.#ptr(dx), rows, cols, opts.log ? 1 : 0, opts.scale,
      opts.causal?.period ?? 0, opts.causal?.shift ?? 0);
  }

  layerNorm(x: View, weight: View | null, bias: View | null, eps: number, out: BackendBuffer, mean: BackendBuffer, rstd: BackendBuffer): void {
    if (x.buffer.dtype !== 'float32') {
      return this.#reference.layerNorm(this.#host(x), weight && this.#host(weight), bias && this.#host(bias), eps,
        this.#hostBuffer(out), this.#hostBuffer(mean), this.#hostBuffer(rstd));
    }
    const [rows, cols] = rowsCols(x);
    this.#k.layerNormF32(this.#at(x), weight ? this.#at(weight) : 0, bias ? this.#at(bias) : 0, this.#ptr(out),
      this.#ptr(mean), this.#ptr(rstd), rows, cols, eps);
  }

  layerNormBackward(g: View, x: View, weight: View | null, mean: View, rstd: View,
    dx: BackendBuffer, dweight: BackendBuffer | null, dbias: BackendBuffer | null): void {
    if (x.buffer.dtype !== 'float32') {
      return this.#reference.layerNormBackward(this.#host(g), this.#host(x), weight && this.#host(weight), this.#host(mean),
        this.#host(rstd), this.#hostBuffer(dx), dweight && this.#hostBuffer(dweight), dbias && this.#hostBuffer(dbias));
    }
    const [rows, cols] = rowsCols(x);
    this.#k.layerNormBackwardF32(this.#at(g), this.#at(x), weight ? this.#at(weight) : 0, this.#at(mean), this.#at(rstd),
      this.#ptr(dx), dweight ? this.#ptr(dweight) : 0, dbias ? this.#ptr(dbias) : 0, rows, cols);
  }

  crossEntropy(logits: View, target: View, ignoreIndex: number, loss: BackendBuffer, lse: BackendBuffer): void {
    if (logits.buffer.dtype !== 'float32') {
      return this.#reference.crossEntropy(this.#host(logits), this.#host(target), ignoreIndex, this.#hostBuffer(loss), this.#hostBuffer(lse));
    }
    const [rows, cols] = rowsCols(logits);
    const bad = this.#k.crossEntropyF32(this.#at(logits), this.#at(target), this.#ptr(loss), this.#ptr(lse), rows, cols, ignoreIndex);
    if (bad) {
      const t = this.#i32[(this.#at(target) >> 2) + bad - 1];
      throw new RangeError(`crossEntropy: target ${t} is out of range for ${cols} classes`);
    }
  }

  crossEntropyBackward(logits: View, target: View, lse: View, g: View, ignoreIndex: number, dx: BackendBuffer): void {
    if (logits.buffer.dtype !== 'float32') {
      return this.#reference.crossEntropyBackward(this.#host(logits), this.#host(target), this.#host(lse), this.#host(g),
        ignoreIndex, this.#hostBuffer(dx));
    }
    const [rows, cols] = rowsCols(logits);
    this.#k.crossEntropyBackwardF32(this.#at(logits), this.#at(target), this.#at(lse), this.#at(g), g.strides[0] ?? 0,
      this.#ptr(dx), rows, cols, ignoreIndex);
  }

  adamUpdate(tensors: readonly AdamTensors[], s: AdamScalars): void {
    if (tensors.length === 0) return;
    if (tensors[0]!.param.buffer.dtype !== 'float32') {
      return this.#reference.adamUpdate(tensors.map((t) => ({
        param: this.#host(t.param), grad: this.#host(t.grad), expAvg: this.#host(t.expAvg), expAvgSq: this.#host(t.expAvgSq),
        maxExpAvgSq: t.maxExpAvgSq && this.#host(t.maxExpAvgSq),
      })), s);
    }
    // One record per chunk of a parameter, so that threads share a large tensor and balance the rest.
    const records: number[][] = [];
    let total = 0;
    for (const t of tensors) {
      const n = sizeOf(t.param);
      total += n;
      for (let i = 0; i < n; i += ADAM_CHUNK) {
        const o = i * 4;
        records.push([this.#at(t.param) + o, this.#at(t.grad) + o, this.#at(t.expAvg) + o, this.#at(t.expAvgSq) + o,
          t.maxExpAvgSq ? this.#at(t.maxExpAvgSq) + o : 0, Math.min(ADAM_CHUNK, n - i)]);
      }
    }
    const table = this.#reserve(this.#table, records.length * 24);
    records.forEach((r, i) => this.#i32.set(r, (table >> 2) + 6 * i));
    const scalars = [s.decay, s.l2, s.beta1, s.beta2, s.eps, s.stepSize, s.biasCorrection2Sqrt];
    new Float32Array(this.#memory.buffer, this.#ctrl + CTRL.SCALARS * 4, scalars.length).set(scalars);
    this.#runJob(total >= PARALLEL_COSTLY, { JOB: JOB.ADAM, TASKS: records.length, X: table });
  }

  sgdUpdate(tensors: readonly SgdTensors[], s: SgdScalars): void {
    if (tensors.length === 0) return;
    if (tensors[0]!.param.buffer.dtype !== 'float32') {
      return this.#reference.sgdUpdate(tensors.map((t) => ({
        param: this.#host(t.param), grad: this.#host(t.grad), momentumBuffer: t.momentumBuffer && this.#host(t.momentumBuffer),
        firstStep: t.firstStep,
      })), s);
    }
    const table = this.#reserve(this.#table, tensors.length * 20);
    tensors.forEach((t, i) => {
      this.#i32.set([this.#at(t.param), this.#at(t.grad), t.momentumBuffer ? this.#at(t.momentumBuffer) : 0, sizeOf(t.param),
        t.firstStep ? 1 : 0], (table >> 2) + 5 * i);
    });
    this.#k.sgdF32(table, tensors.length, s.lr, s.momentum, s.dampening, s.weightDecay, s.nesterov ? 1 : 0);
  }

  /**
   * When an elementwise op is worth threading (at least `threshold` elements, workers ready) and its
   * views walk their elements as one run in row-major order, each contiguous (stride 1) or one
   * repeated value (stride 0): the element count and each view's stride. Else null.
   */
  #threadable(shape: readonly number[], strides: readonly (readonly number[])[], threshold: number): { n: number; steps: number[] } | null {
    if (!this.#pool || this.#pool.threads < 2 || shape.reduce((p, s) => p * s, 1) < threshold) return null;
    const c = collapse(shape, strides);
    const steps = c.strides.map((s) => s[0]!);
    return c.shape.length === 1 && steps.every((s) => s === 1 || s === 0) ? { n: c.shape[0]!, steps } : null;
  }

  /** An elementwise job over a flat run of n elements, in chunks across the pool. */
  #elementwise(job: number, op: number, x: number, xs: number, y: number, ys: number, out: number, outShift: number, n: number): void {
    const threads = this.#pool!.threads;
    const chunk = Math.max(MIN_CHUNK, roundUp(Math.ceil(n / (2 * threads)), 16));
    this.#runJob(true, {
      JOB: job, TASKS: Math.ceil(n / chunk), OP: op, X: x, Y: y, OUT: out, LEN: n, CHUNK: chunk, XS: xs, YS: ys, OUT_SHIFT: outShift,
    });
  }

  /**
   * Writes a job's words into the control block and runs it: on every thread, or on this one alone.
   * Each job has a generation of its own, and its claim word is closed when it ends, so that a
   * worker arriving late can take no task of it (kernels/jobs.ts).
   */
  #runJob(parallel: boolean, words: Partial<Record<keyof typeof CTRL, number>>): void {
    const w = this.#ctrl >> 2;
    for (const [name, value] of Object.entries(words)) this.#i32[w + CTRL[name as keyof typeof CTRL]] = value;
    const gen = this.#gen = this.#gen >= 0x7fffffff ? 1 : this.#gen + 1;
    const claim = (this.#ctrl >> 3) + (CTRL.CLAIM >> 1);
    Atomics.store(this.#i32, w + CTRL.DONE, 0);
    Atomics.store(this.#i64, claim, BigInt(gen) << 32n);
    const share = (): void => this.#k.jobRun(this.#ctrl, 0, gen);
    if (parallel && this.#pool) this.#pool.run(gen, words.TASKS ?? 0, share);
    else share();
    Atomics.store(this.#i64, claim, 0n);
  }

  // ---- internals --------------------------------------------------------------------------------

  #views(): void {
    this.#i32 = new Int32Array(this.#memory.buffer);
    this.#i64 = new BigInt64Array(this.#memory.buffer);
  }

  /** The byte address of a view's first element. */
  #at(v: View): number {
    return this.#ptr(v.buffer) + v.offset * bytesPerElement(v.buffer.dtype);
  }

  #ptr(buffer: BackendBuffer): number {
    const p = (buffer as WasmBuffer).ptr;
    if (p === undefined) throw new Error(`wasm backend: got a ${buffer.dtype} buffer of another backend`);
    if (p < 0) throw new Error(`wasm backend: a freed ${buffer.dtype} buffer of ${buffer.size} elements was used`);
    return p;
  }

  /** A typed array over the buffer's bytes in wasm memory (a window, not a copy). */
  #array(buffer: BackendBuffer): TypedArray {
    const p = this.#ptr(buffer), mem = this.#memory.buffer, n = buffer.size;
    switch (buffer.dtype) {
      case 'float32': return new Float32Array(mem, p, n);
      case 'float64': return new Float64Array(mem, p, n);
      case 'int32': return new Int32Array(mem, p, n);
      case 'bool': return new Uint8Array(mem, p, n);
    }
  }

  /** The buffer as the reference backend sees its own: an object with the typed array in `data`. */
  #hostBuffer(buffer: BackendBuffer): BackendBuffer {
    const host = { dtype: buffer.dtype, size: buffer.size, data: this.#array(buffer) };
    return host;
  }

  #host(view: View): View {
    return { buffer: this.#hostBuffer(view.buffer), shape: view.shape, strides: view.strides, offset: view.offset };
  }

  /** The layout kernels/indexing.ts reads: the arrays one after another, then room for its odometer. */
  #meta(arrays: (readonly number[])[]): number {
    const nd = arrays[0]!.length;
    const ptr = this.#reserve(this.#metaRegion, (5 * nd + 3) * 4);
    arrays.forEach((a, i) => this.#i32.set(a, (ptr >> 2) + i * nd));
    return ptr;
  }

  /** A scratch region of at least `bytes`, kept between calls and regrown when too small. */
  #reserve(region: { ptr: number; bytes: number }, bytes: number): number {
    if (region.bytes < bytes) {
      if (region.bytes > 0) this.#heap.free(region.ptr, blockSize(region.bytes));
      region.ptr = this.#heap.alloc(bytes);
      region.bytes = bytes;
    }
    return region.ptr;
  }
}

/** A new wasm backend; register it with registerBackend, or let setBackend('wasm') make the default one. */
export function createWasmBackend(opts: WasmBackendOptions = {}): WasmBackend {
  return new WasmBackend(opts);
}
