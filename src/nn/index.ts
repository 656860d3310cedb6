/** The nn namespace: modules, layers, initialisation, losses and gradient utilities. */

export { Module, Parameter } from './module.js';
export type { StateDict, LoadResult } from './module.js';
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export { Embedding } from './embedding.js';
export { LayerNorm, RMSNorm } from './normalization.js';
export type { NormOptions } from './normalization.js';
export { Dropout } from './dropout.js';
export { ReLU, GELU, Sigmoid, Tanh, SiLU, Softmax } from './activations.js';
export { Sequential, ModuleList, ModuleDict } from './containers.js';
export * as init from './init.js';
export * as functional from './functional.js';
export {
  mseLoss, l1Loss, huberLoss, crossEntropy, nllLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits,
} from './loss.js';
export type { Reduction, LossOptions, NllOptions, CrossEntropyOptions, BceOptions, BceWithLogitsOptions } from './loss.js';
export { clipGradNorm_, clipGradValue_ } from './clip-grad.js';
export type { ClipGradNormOptions } from './clip-grad.js';
