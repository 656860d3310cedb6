/** The lrScheduler namespace (torch.optim.lr_scheduler): scheduler classes and the pure schedule functions. */

export {
  LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, LambdaLR,
  stepLr, multiStepLr, exponentialLr, cosineAnnealingLr, linearLr, warmupCosineLr,
} from './lr-scheduler.js';
export type {
  LRSchedulerStateDict, StepLROptions, MultiStepLROptions, ExponentialLROptions, CosineAnnealingLROptions,
  LinearLROptions, LambdaLROptions, LrLambda, WarmupCosineOptions,
} from './lr-scheduler.js';
export { SequentialLR } from './sequential-lr.js';
export type { SequentialLROptions } from './sequential-lr.js';
export { OneCycleLR, oneCycleLr, oneCycleMomentum } from './one-cycle-lr.js';
export type { OneCycleLROptions, AnnealStrategy } from './one-cycle-lr.js';
export { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
export type { ReduceLROnPlateauOptions, ReduceLROnPlateauStateDict } from './reduce-lr-on-plateau.js';
