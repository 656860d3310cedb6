/** The optim namespace: optimizers, learning-rate schedules and the convergence helper. */

export { Optimizer } from './optimizer.js';
export type { ParamGroup, ParamState, Params, OptimizerStateDict } from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { Adagrad } from './adagrad.js';
export type { AdagradOptions } from './adagrad.js';
export { RMSprop } from './rmsprop.js';
export type { RMSpropOptions } from './rmsprop.js';
export { Adam } from './adam.js';
export type { AdamOptions } from './adam.js';
export { AdamW } from './adamw.js';
export { Lion } from './lion.js';
export type { LionOptions } from './lion.js';
export { minimize } from './minimize.js';
export type { MinimizeOptions, MinimizeResult, StopReason } from './minimize.js';
export * as lrScheduler from './lr-scheduler-index.js';
