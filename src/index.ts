/** descent: the public API. Whatever is exported here is supported; everything else is internal. */

export * from './browser.js';
export * as data from './data/index.js';
export * as plot from './plot/plot.js';
export { writeSafetensors, readSafetensors } from './io/safetensors-file.js';
export { saveCheckpoint, loadCheckpoint, restoreCheckpoint } from './train/checkpoint.js';
export { train, estimateLoss } from './train/trainer.js';
export type { TrainHooks, TrainResult, IterInfo, EvalInfo } from './train/trainer.js';
export { presets, presetConfig, mergeConfig } from './train/config.js';
export type { TrainConfig } from './train/config.js';
