/**
 * Storage: one backend buffer shared by a tensor and all its views, with the version counter that
 * in-place ops bump. Memory is automatic: when the last tensor over a storage becomes unreachable,
 * a FinalizationRegistry frees the buffer; `dispose()` frees it at once. Backends whose buffers live
 * on the JS heap (the reference backend) need neither: the garbage collector reclaims them, and
 * they are not counted in `memoryStats()`.
 */

import { type Backend, type BackendBuffer, bytesPerElement } from '../backend/backend.js';

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

const registry = new FinalizationRegistry<Held>(release);

export class Storage {
  /** Bumped by every in-place write; saved tensors compare it at backward. */
  version = 0;
  #held: Held | null;

  constructor(readonly backend: Backend, buffer: BackendBuffer) {
    const bytes = buffer.size * bytesPerElement(buffer.dtype);
    this.#held = { backend, buffer, bytes };
    if (backend.garbageCollected) return;
    stats.liveBytes += bytes;
    stats.liveBuffers++;
    if (stats.liveBytes > stats.peakBytes) stats.peakBytes = stats.liveBytes;
    registry.register(this, this.#held, this);
  }

  get buffer(): BackendBuffer {
    if (!this.#held) throw new Error('This tensor was disposed: its memory is released and it can no longer be used');
    return this.#held.buffer;
  }

  get disposed(): boolean {
    return this.#held === null;
  }

  dispose(): void {
    if (!this.#held) return;
    if (!this.backend.garbageCollected) {
      registry.unregister(this);
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
