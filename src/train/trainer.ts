/**
 * Pretraining a GPT, nanoGPT's train.py as a function: AdamW with decay on matrices only, linear
 * warmup then cosine decay (a pure function of the iteration), clipping at a global norm, gradient
 * accumulation to a global batch, periodic evaluation on train and val, the best checkpoint kept,
 * and resume that continues exactly (model, optimizer, RNG and data position are all saved).
 * The trainer reports through hooks; the CLI draws the progress bar.
 */

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad } from '../autograd/grad-mode.js';
import { getBackend, setBackend } from '../backend/registry.js';
import { Generator, defaultGenerator, type GeneratorState } from '../tensor/random.js';
import { BlockSampler, type BlockSamplerState } from '../data/block-sampler.js';
import { TokenCache } from '../data/token-cache.js';
import type { TokenSplit } from '../data/token-cache.js';
import { clipGradNorm_ } from '../nn/clip-grad.js';
import { warmupCosineLr } from '../optim/lr-scheduler.js';
import { GPT, type GPTConfig } from '../models/gpt.js';
import { loadCheckpoint, restoreCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { MetricsLog } from './metrics.js';

export interface IterInfo {
  iter: number;
  maxIters: number;
  loss: number;
  lr: number;
  /** Wall time of this iteration. */
  ms: number;
  tokensPerSec: number;
  /** Achieved training FLOP/s by the model's FLOPs-per-token estimate. */
  flops: number;
}

export interface EvalInfo {
  iter: number;
  train: number;
  val: number;
  bestVal: number;
  saved: boolean;
}

export interface TrainHooks {
  onStart?(info: { config: TrainConfig; params: number; flopsPerToken: number; resumedFrom: number | null; backend: string }): void;
  onIter?(info: IterInfo): void;
  onEval?(info: EvalInfo): void;
}

export interface TrainResult {
  iters: number;
  finalTrain: number;
  finalVal: number;
  bestVal: number;
  seconds: number;
  checkpointDir: string;
}

export class TrainingDivergedError extends Error {}

export const checkpointDir = (config: TrainConfig): string => join(config.outDir, 'ckpt');

export function modelConfig(config: TrainConfig, vocabSize: number): GPTConfig {
  const { blockSize, nLayer, nHead, nEmbd, dropout, bias } = config;
  return { blockSize, vocabSize, nLayer, nHead, nEmbd, dropout, bias };
}

/** The architecture fields a checkpoint must share with the config that resumes it. */
const architectureKeys = ['blockSize', 'vocabSize', 'nLayer', 'nHead', 'nEmbd', 'bias'] as const;

/** Mean loss over `iters` batches of a split, drawn by a sampler seeded the same way every time so estimates compare. */
export function estimateLoss(model: GPT, split: TokenSplit, config: TrainConfig, iters: number): number {
  const sampler = new BlockSampler(split, { blockSize: config.blockSize, batchSize: config.batchSize, generator: new Generator(config.seed + 7) });
  const wasTraining = model.training;
  model.eval();
  let total = 0;
  noGrad(() => {
    for (let i = 0; i < iters; i++) {
      const { x, y } = sampler.next();
      total += model.forward(x, y).loss!.item();
    }
  });
  model.train(wasTraining);
  return total / iters;
}

export async function train(config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  if (config.backend !== 'default') setBackend(config.backend);
  mkdirSync(config.outDir, { recursive: true });
  const cache = TokenCache.prepare({ source: config.dataset, dir: join(config.outDir, 'data'), tokenizer: config.tokenizer, blockSize: config.blockSize });
  const ckpt = checkpointDir(config);
  const resume = config.initFrom === 'resume';
  if (resume && !existsSync(join(ckpt, 'checkpoint.json'))) {
    throw new Error(`initFrom 'resume': there is no checkpoint in ${ckpt}; train from scratch first`);
  }

  defaultGenerator.manualSeed(config.seed);
  const modelGenerator = new Generator(config.seed);
  const mc = modelConfig(config, cache.tokenizer.vocabSize);
  const model = new GPT(mc, { generator: modelGenerator });
  const optimizer = model.configureOptimizers({ weightDecay: config.weightDecay, lr: config.learningRate, betas: [config.beta1, config.beta2] });
  const sampler = new BlockSampler(cache.train, { blockSize: config.blockSize, batchSize: config.batchSize, generator: new Generator(config.seed + 1) });
  const log = new MetricsLog(join(config.outDir, 'metrics.jsonl'));

  let iter = 0;
  let bestVal = Infinity;
  if (resume) {
    const saved = loadCheckpoint(ckpt);
    for (const k of architectureKeys) {
      if ((saved.config as Record<string, unknown>)[k] !== mc[k]) {
        throw new Error(`initFrom 'resume': the checkpoint in ${ckpt} has ${k} ${String((saved.config as Record<string, unknown>)[k])}, the config ${mc[k]}`);
      }
    }
    restoreCheckpoint(ckpt, { model, optimizer });
    const rng = saved.rng as Record<string, GeneratorState>;
    defaultGenerator.setState(rng.default!);
    modelGenerator.setState(rng.model!);
    sampler.loadStateDict(saved.extra!.sampler as BlockSamplerState);
    iter = saved.step;
    bestVal = saved.extra!.bestVal as number;
    log.truncate(iter);
  } else {
    log.reset();
  }

  const save = (): void => saveCheckpoint(ckpt, {
    model,
    optimizer,
    config: { ...mc },
    tokenizer: cache.tokenizer.toJSON(),
    step: iter,
    rng: { default: defaultGenerator.getState(), model: modelGenerator.getState() },
    extra: { bestVal, sampler: sampler.stateDict(), trainConfig: { ...config } },
  });

  const tokensPerIter = config.batchSize * config.blockSize * config.gradientAccumulationSteps;
  const flopsPerToken = model.flopsPerToken();
  hooks.onStart?.({ config, params: model.numParams(), flopsPerToken, resumedFrom: resume ? iter : null, backend: getBackend().name });
  const lrAt = (it: number): number => (config.decayLr
    ? warmupCosineLr(it, { maxLr: config.learningRate, minLr: config.minLr, warmupSteps: config.warmupIters, decaySteps: config.lrDecayIters })
    : config.learningRate);

  const started = performance.now();
  const evaluate = (iters: number): { train: number; val: number } => ({
    train: estimateLoss(model, cache.train, config, iters),
    val: estimateLoss(model, cache.val, config, iters),
  });

  for (; iter < config.maxIters; iter++) {
    if (iter % config.evalInterval === 0 && iter > 0) {
      const { train: tl, val } = evaluate(config.evalIters);
      const improved = val < bestVal;
      if (improved) bestVal = val;
      if (improved || config.alwaysSaveCheckpoint) save();
      log.write({ type: 'eval', iter, train: tl, val });
      hooks.onEval?.({ iter, train: tl, val, bestVal, saved: improved || config.alwaysSaveCheckpoint });
    }

    const t0 = performance.now();
    const lr = lrAt(iter);
    for (const g of optimizer.paramGroups) g.lr = lr;
    let loss = 0;
    for (let micro = 0; micro < config.gradientAccumulationSteps; micro++) {
      const { x, y } = sampler.next();
      const l = model.forward(x, y).loss!.div(config.gradientAccumulationSteps);
      l.backward();
      loss += l.item();
    }
    if (!Number.isFinite(loss)) {
      const kept = existsSync(join(ckpt, 'checkpoint.json')) ? `the last good checkpoint in ${ckpt} (iteration ${loadCheckpoint(ckpt).step}) is kept` : 'no checkpoint had been saved yet';
      throw new TrainingDivergedError(`training diverged: the loss is ${loss} at iteration ${iter}; ${kept}. Lower learningRate, or set gradClip.`);
    }
    if (config.gradClip > 0) clipGradNorm_(model.parameters(), config.gradClip);
    optimizer.step();
    optimizer.zeroGrad();
    const ms = performance.now() - t0;
    const tokensPerSec = tokensPerIter / (ms / 1000);
    if (iter % config.logInterval === 0) log.write({ type: 'iter', iter, loss, lr, ms });
    hooks.onIter?.({ iter, maxIters: config.maxIters, loss, lr, ms, tokensPerSec, flops: tokensPerSec * flopsPerToken });
  }

  const final = evaluate(config.finalEvalIters);
  const improved = final.val < bestVal;
  if (improved) {
    bestVal = final.val;
    save();
  }
  log.write({ type: 'eval', iter, train: final.train, val: final.val, final: true });
  hooks.onEval?.({ iter, train: final.train, val: final.val, bestVal, saved: improved });
  cache.close();
  return { iters: iter, finalTrain: final.train, finalVal: final.val, bestVal, seconds: (performance.now() - started) / 1000, checkpointDir: ckpt };
}

/** The training config a checkpoint was made with. */
export function savedTrainConfig(dir: string): TrainConfig {
  const manifest = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { extra?: { trainConfig?: TrainConfig } };
  if (!manifest.extra?.trainConfig) throw new Error(`${dir}/checkpoint.json holds no training config`);
  return manifest.extra.trainConfig;
}
