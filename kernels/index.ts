/**
 * The wasm backend's kernels, compiled by AssemblyScript (scripts/build-wasm.mjs) into three
 * variants: relaxed SIMD over shared memory, plain SIMD over shared memory, plain SIMD over
 * unshared memory. All of them work on byte addresses the host's allocator hands out; none
 * allocates. Static data (math tables) lies below `heapBase()`.
 */

export { unaryF32, binaryF32, where } from './elementwise';
export { copyCast, fill } from './copy';
export { reduceRows, reduceCols } from './reduce';
export { gather, scatterAdd } from './indexing';
export { jobRun } from './jobs';
export { softmaxF32, softmaxBackwardF32 } from './softmax';
export { layerNormF32, layerNormBackwardF32 } from './layer-norm';
export { crossEntropyF32, crossEntropyBackwardF32 } from './cross-entropy';
export { sgdF32 } from './optim';

export function heapBase(): usize {
  return __heap_base;
}
