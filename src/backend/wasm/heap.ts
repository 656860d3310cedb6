/**
 * The allocator of the wasm backend: kept in JS, over the one WebAssembly.Memory that the kernels
 * (and, through shared memory, the worker threads) address. Blocks are 64-byte aligned (a cache
 * line, and any SIMD load) and rounded to size classes: multiples of 64 bytes up to 4 KiB, then
 * eight classes per power of two, so a tensor that is freed and made again each step reuses the
 * same block. Free blocks wait in per-size lists; a request with no block of its size splits the
 * smallest larger one, then takes fresh memory at the top. Only when the memory would have to grow
 * are neighbouring free blocks merged, and the memory grows only if that did not make room.
 */

export interface HeapStats {
  /** Bytes in blocks handed out and not yet freed (block sizes, so rounding included). */
  liveBytes: number;
  liveBlocks: number;
  /** Bytes in free blocks below the top, waiting for reuse. */
  freeBytes: number;
  /** Bytes between the heap's base and its top: live and free blocks together. */
  heapBytes: number;
  /** The size of the WebAssembly.Memory. */
  memoryBytes: number;
}

const PAGE = 65536;

/** The block size a request of `bytes` gets. */
export function blockSize(bytes: number): number {
  if (bytes <= 4096) return Math.max(64, Math.ceil(bytes / 64) * 64);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

export class Heap {
  readonly #memory: WebAssembly.Memory;
  readonly #base: number;
  readonly #onGrow: () => void;
  #top: number;
  /** Free blocks by exact size. */
  readonly #free = new Map<number, number[]>();
  #freeBytes = 0;
  #liveBytes = 0;
  #liveBlocks = 0;

  /** `base`: the first byte the heap may use; `onGrow` runs after the memory grew (views must be remade). */
  constructor(memory: WebAssembly.Memory, base: number, onGrow: () => void) {
    this.#memory = memory;
    this.#base = this.#top = Math.ceil(base / 64) * 64;
    this.#onGrow = onGrow;
  }

  /** The address of a new block of at least `bytes` bytes; free it with `free(address, blockSize(bytes))`. */
  alloc(bytes: number): number {
    const size = blockSize(bytes);
    let ptr = this.#take(size);
    if (ptr < 0) {
      this.#coalesce();
      ptr = this.#take(size);
    }
    if (ptr < 0) {
      this.#grow(this.#top + size);
      ptr = this.#top;
      this.#top += size;
    }
    this.#liveBytes += size;
    this.#liveBlocks++;
    return ptr;
  }

  free(ptr: number, size: number): void {
    this.#liveBytes -= size;
    this.#liveBlocks--;
    if (ptr + size === this.#top) {
      this.#top = ptr;
      return;
    }
    this.#push(ptr, size);
  }

  stats(): HeapStats {
    return {
      liveBytes: this.#liveBytes,
      liveBlocks: this.#liveBlocks,
      freeBytes: this.#freeBytes,
      heapBytes: this.#top - this.#base,
      memoryBytes: this.#memory.buffer.byteLength,
    };
  }

  /** A free block of `size` bytes: one of that size, else a split larger one, else fresh memory below the end. */
  #take(size: number): number {
    const exact = this.#free.get(size);
    if (exact?.length) {
      this.#freeBytes -= size;
      return exact.pop()!;
    }
    let best = Infinity;
    for (const [s, list] of this.#free) if (s > size && s < best && list.length) best = s;
    if (best !== Infinity) {
      const ptr = this.#free.get(best)!.pop()!;
      this.#freeBytes -= best;
      this.#push(ptr + size, best - size);
      return ptr;
    }
    if (this.#top + size <= this.#memory.buffer.byteLength) {
      const ptr = this.#top;
      this.#top += size;
      return ptr;
    }
    return -1;
  }

  #push(ptr: number, size: number): void {
    let list = this.#free.get(size);
    if (!list) this.#free.set(size, (list = []));
    list.push(ptr);
    this.#freeBytes += size;
  }

  /** Merges adjacent free blocks, and gives a free run at the top back to the top. */
  #coalesce(): void {
    const blocks: [number, number][] = [];
    for (const [size, list] of this.#free) for (const ptr of list) blocks.push([ptr, size]);
    blocks.sort((x, y) => x[0] - y[0]);
    this.#free.clear();
    this.#freeBytes = 0;
    const merged: [number, number][] = [];
    for (const [ptr, size] of blocks) {
      const last = merged[merged.length - 1];
      if (last && last[0] + last[1] === ptr) last[1] += size;
      else merged.push([ptr, size]);
    }
    const last = merged[merged.length - 1];
    if (last && last[0] + last[1] === this.#top) {
      this.#top = last[0];
      merged.pop();
    }
    for (const [ptr, size] of merged) this.#push(ptr, size);
  }

  #grow(end: number): void {
    const have = this.#memory.buffer.byteLength;
    const need = Math.ceil((end - have) / PAGE);
    // Grow by a quarter at least, so that a growing workload does not grow the memory each step.
    const pages = Math.max(need, Math.ceil(have / PAGE / 4));
    try {
      this.#memory.grow(pages);
    } catch {
      try {
        this.#memory.grow(need);
      } catch {
        throw new RangeError(`wasm backend: out of memory: cannot grow the heap to ${(end / 2 ** 20).toFixed(1)} MiB ` +
          `(${(this.#liveBytes / 2 ** 20).toFixed(1)} MiB live in ${this.#liveBlocks} buffers)`);
      }
    }
    this.#onGrow();
  }
}
