/**
 * Storage: one backend buffer shared by a tensor and all its views, with the version counter that
 * in-place ops bump. Memory is automatic: when the last tensor over a storage becomes unreachable,
 * a FinalizationRegistry frees the buffer; `dispose()` frees it at once. Backends whose buffers live
 * on the JS heap (the reference backend) need neither: the garbage collector reclaims them, and
 * they are not counted in `memoryStats()`.
 */

import { type Backend, type BackendBuffer, type DType, bytesPerElement } from '../backend/backend.js';

export interface MemoryStats {
  /** Bytes held by live buffers of backends that manage their own memory (not the JS heap). */
  liveBytes: number;
  /** The most `liveBytes` has been since the start, or since `resetPeakMemory()`. */
  peakBytes: number;
  liveBuffers: number;
}

const stats: MemoryStats = { liveBytes: 0, peakBytes: 0, liveBuffers: 0 };

interface Held {
  backend: Backend;
  buffer: BackendBuffer;
  bytes: number;
}

const release = (h: Held): void => {
  h.backend.free(h.buffer);
  stats.liveBytes -= h.bytes;
  stats.liveBuffers--;
};

/**
 * Reclaiming memory inside a synchronous loop. FinalizationRegistry callbacks normally run only
 * between turns of the event loop, so a training loop that never awaits would grow a backend's
 * memory without bound. Node lets V8 expose gc() and FinalizationRegistry.prototype.cleanupSome (in
 * a fresh vm context once the flag is set): when live bytes pass a threshold, Storage runs a
 * collection and the finalizers at once. Elsewhere (browsers) buffers are freed between turns,
 * which a training loop that awaits provides.
 *
 * The registry itself is the main context's, with cleanupSome borrowed from the vm context: Node
 * stops finalizers of the main context from running while it tears down, but not those of a vm
 * context's registry, and one that runs then aborts the process (a GC at exit is enough).
 */
interface Collector {
  registry: FinalizationRegistry<Held>;
  collect: (() => void) | null;
}

type NodeProcess = { getBuiltinModule?: (id: string) => unknown };
type CleanupSome = (this: FinalizationRegistry<Held>) => void;

function makeCollector(): Collector {
  const registry = new FinalizationRegistry<Held>(release);
  const get = (globalThis as { process?: NodeProcess }).process?.getBuiltinModule;
  if (typeof get === 'function') {
    try {
      const v8 = get('node:v8') as { setFlagsFromString(flags: string): void };
      const vm = get('node:vm') as { runInNewContext(code: string): unknown };
      v8.setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
      v8.setFlagsFromString('--expose-gc');
      const [cleanupSome, gc] = vm.runInNewContext(
        '[FinalizationRegistry.prototype.cleanupSome, typeof gc === "function" ? gc : null]',
      ) as [CleanupSome | undefined, (() => void) | null];
      if (gc && typeof cleanupSome === 'function') {
        return { registry, collect: () => { gc(); cleanupSome.call(registry); } };
      }
    } catch {
      // Not Node, or a V8 without these flags: finalizers run between event-loop turns.
    }
  }
  return { registry, collect: null };
}

let collector: Collector | null = null;
/** Live bytes at which the next synchronous collection runs; doubled past what survives each one. */
export const MIN_COLLECT_BYTES = 256 * 1024 * 1024;
let collectAt = MIN_COLLECT_BYTES;

/** Frees every unreachable tensor's buffer now, where the platform allows it (Node). Returns whether it could. */
export function collectGarbage(): boolean {
  if (!collector?.collect) return false;
  collector.collect();
  collectAt = Math.max(MIN_COLLECT_BYTES, 2 * stats.liveBytes);
  return true;
}

/**
 * Allocates a buffer, first reclaiming unreachable buffers when memory has grown past the
 * threshold, and once more if the backend is out of memory.
 */
export function allocate(backend: Backend, dtype: DType, size: number): BackendBuffer {
  if (backend.garbageCollected) return backend.alloc(dtype, size);
  if (stats.liveBytes + size * bytesPerElement(dtype) > collectAt) collectGarbage();
  try {
    return backend.alloc(dtype, size);
  } catch (e) {
    if (!collectGarbage()) throw e;
    return backend.alloc(dtype, size);
  }
}

/** The storages made while `track` runs, innermost call first. */
let tracking: Storage[] | null = null;

/**
 * Runs `fn` and lists the storages made while it ran, so that backward can free the temporaries of
 * its closures at once instead of leaving them to the collector. A nested call's storages are listed
 * by the outer call too.
 */
export function track<T>(fn: () => T): { result: T; made: Storage[] } {
  const outer = tracking;
  const made: Storage[] = [];
  tracking = made;
  try {
    return { result: fn(), made };
  } finally {
    tracking = outer;
    if (outer) for (const s of made) outer.push(s);
  }
}

export class Storage {
  /** Bumped by every in-place write; saved tensors compare it at backward. */
  version = 0;
  #held: Held | null;

  constructor(readonly backend: Backend, buffer: BackendBuffer) {
    const bytes = buffer.size * bytesPerElement(buffer.dtype);
    this.#held = { backend, buffer, bytes };
    tracking?.push(this);
    if (backend.garbageCollected) return;
    stats.liveBytes += bytes;
    stats.liveBuffers++;
    if (stats.liveBytes > stats.peakBytes) stats.peakBytes = stats.liveBytes;
    (collector ??= makeCollector()).registry.register(this, this.#held, this);
  }

  get buffer(): BackendBuffer {
    if (!this.#held) throw new Error('This tensor was disposed: its memory is released and it can no longer be used');
    return this.#held.buffer;
  }

  /** Elements in the buffer. */
  get size(): number {
    return this.buffer.size;
  }

  get disposed(): boolean {
    return this.#held === null;
  }

  dispose(): void {
    if (!this.#held) return;
    if (!this.backend.garbageCollected) {
      collector?.registry.unregister(this);
      release(this.#held);
    }
    this.#held = null;
  }
}

export function memoryStats(): MemoryStats {
  return { ...stats };
}

export function resetPeakMemory(): void {
  stats.peakBytes = stats.liveBytes;
}
