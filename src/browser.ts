/**
 * descent for any JavaScript engine: the public API except what needs Node's file system (the token
 * cache, safetensors and checkpoint files, the trainer and its presets, saving plots) or a bundler
 * (the GPT-2 tokenizer's ranks, the charts' Vega). Browsers get this module through the package's "browser" export condition;
 * in Node, index.ts re-exports it with the rest.
 */

export { Tensor } from './tensor/tensor.js';
export type { TensorLike, NestedArray, ReduceOptions } from './tensor/tensor.js';
export type { DType, TypedArray, Backend } from './backend/backend.js';
export { getBackend, setBackend, listBackends, registerBackend } from './backend/registry.js';
export { memoryStats, resetPeakMemory, collectGarbage } from './tensor/storage.js';
export type { MemoryStats } from './tensor/storage.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';

export {
  tensor, zeros, ones, full, arange, linspace, eye, rand, randn, randint,
  zerosLike, onesLike, fullLike, randLike, randnLike,
} from './ops/creation.js';
export type { CreateOptions, RandomOptions } from './ops/creation.js';
export {
  add, sub, mul, div, pow, maximum, minimum, neg, abs, sign, exp, log, sqrt, rsqrt, reciprocal,
  sin, cos, tanh, sigmoid, relu, gelu, silu, erf, floor, clamp, where,
  eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalNot,
} from './ops/elementwise.js';
export type { GeluOptions } from './ops/elementwise.js';
export { sum, mean, variance, std, logsumexp } from './ops/reduce.js';
export type { VarOptions, ValuesIndices } from './ops/reduce.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { matmul } from './ops/matmul.js';
export { cat, stack, split, chunk } from './ops/join.js';
export { gather, scatterAdd, indexSelect, tril, triu } from './ops/indexing.js';

export { noGrad, enableGrad, isGradEnabled } from './autograd/grad-mode.js';
export { grad } from './autograd/grad.js';
export type { GradOptions } from './autograd/grad.js';
export type { BackwardOptions } from './autograd/engine.js';
export { customOp } from './autograd/function.js';
export type { FunctionContext, FunctionDefinition } from './autograd/function.js';
export { gradcheck } from './autograd/gradcheck.js';
export type { GradcheckOptions } from './autograd/gradcheck.js';

export * as nn from './nn/index.js';
export * as F from './nn/functional.js';
export * as optim from './optim/index.js';
export * as data from './data/portable.js';
export { GPT, gpt2Config } from './models/gpt.js';
export type { GPTConfig, GenerateOptions, GPTOutput } from './models/gpt.js';
export { saveSafetensors, loadSafetensors } from './io/safetensors.js';
