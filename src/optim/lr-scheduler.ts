/**
 * Learning-rate schedulers, after torch.optim.lr_scheduler. A scheduler owns its optimizer's `lr`:
 * construction sets every group's lr to the schedule's value at step 0, and each `step()` to its
 * value at the next step.
 *
 * Every schedule here is a pure function of the step (house rule 6): PyTorch's chainable form
 * (`lr ← lr·γ` each step) and its closed form (`lr = base·γ^step`) agree whenever one scheduler owns
 * the lr, so we only keep the closed form. That makes resuming exact (the state is just the step
 * and the base lrs) and lets a trainer call `cosineAnnealingLr(step, …)` without a scheduler. The
 * price: two schedulers stepped on one optimizer do not compose multiplicatively as in PyTorch;
 * the last one to step sets the lr. Use SequentialLR to run schedules one after another.
 * SequentialLR (sequential-lr.ts), OneCycleLR (one-cycle-lr.ts) and ReduceLROnPlateau
 * (reduce-lr-on-plateau.ts) live in their own files.
 */

import { Optimizer } from './optimizer.js';
import { bisectRight, checkInteger, checkMilestones, checkNumber, checkOptions, checkStep, perGroup, show } from './schedule-checks.js';

/** Any optimizer: schedulers only read and write its groups' `lr` (and OneCycleLR's momentum). */
export type SchedulableOptimizer = Optimizer<{ lr: number }>;

/** A parameter group as schedulers see it: PyTorch's `initial_lr` lives on the group as `initialLr`. */
export interface ScheduledGroup {
  lr: number;
  initialLr?: number;
  momentum?: number;
  betas?: number[];
}

export interface LRSchedulerStateDict {
  /** The scheduler's class; loading into another class is an error. */
  type: string;
  lastEpoch: number;
  baseLrs: number[];
  lastLr: number[];
  /** SequentialLR only: the state of each of its schedulers. */
  schedulers?: LRSchedulerStateDict[];
}

// ---- the base class ----------------------------------------------------------------------------

/**
 * The base of the step-driven schedulers. The constructor records each group's `initialLr` (set
 * on the group from its lr when absent, so a second scheduler on the same optimizer starts from
 * the same base) as `baseLrs`. A subclass sets its own fields and then calls `initialStep()`, which
 * writes the lr for step 0; it cannot be done here, before the subclass's fields exist.
 */
export abstract class LRScheduler {
  /** The step whose lrs the optimizer holds: 0 after construction, +1 per `step()` (PyTorch's last_epoch). */
  lastEpoch = -1;
  /** Each group's lr at the start of the schedule: its `initialLr`. */
  baseLrs: number[];
  protected lastLr: number[] = [];

  constructor(readonly optimizer: SchedulableOptimizer) {
    const name = this.constructor.name;
    if (!(optimizer instanceof Optimizer)) {
      throw new TypeError(`${name}: expected an Optimizer, got ${show((optimizer as object | null)?.constructor?.name ?? optimizer)}`);
    }
    this.baseLrs = this.groups.map((g, i) => {
      g.initialLr ??= g.lr;
      return checkNumber(name, `initialLr of parameter group ${i}`, g.initialLr, 0);
    });
  }

  protected get groups(): ScheduledGroup[] {
    return this.optimizer.paramGroups as unknown as ScheduledGroup[];
  }

  /** Each group's lr at step `step` of the schedule. Reads neither the optimizer nor `lastEpoch`. */
  lrAt(step: number): number[] {
    return this.schedule(checkStep(`${this.constructor.name}.lrAt`, step));
  }

  protected abstract schedule(step: number): number[];

  protected initialStep(): void {
    this.step();
  }

  /** Advances one step and sets every group's lr to the schedule's value there. */
  step(): void {
    this.apply(this.lastEpoch + 1);
  }

  /** Sets the optimizer to the schedule at `step`; computes everything before changing anything. */
  protected apply(step: number): void {
    this.checkGroups();
    const lrs = this.lrAt(step);
    this.groups.forEach((g, i) => { g.lr = lrs[i]!; });
    this.lastEpoch = step;
    this.lastLr = lrs;
  }

  /** Throws if groups were added to the optimizer after this scheduler was built (PyTorch ignores them). */
  protected checkGroups(): void {
    if (this.groups.length !== this.baseLrs.length) {
      throw new Error(`${this.constructor.name}: the optimizer has ${this.groups.length} parameter groups but the scheduler was built `
        + `for ${this.baseLrs.length}; build the scheduler after adding every group`);
    }
  }

  /** The lr of each group as this scheduler last set it. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Plain data: the step and the base lrs. Options come from the constructor, and lambdas are not saved. */
  stateDict(): LRSchedulerStateDict {
    return { type: this.constructor.name, lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  /**
   * Restores a state saved by `stateDict()` and sets the optimizer's lrs to the schedule at the
   * restored step (PyTorch leaves that to the optimizer's own state; we do both, so either order works).
   */
  loadStateDict(sd: LRSchedulerStateDict): void {
    this.checkState(sd);
    this.baseLrs = [...sd.baseLrs];
    // -1: a SequentialLR's scheduler whose turn has not come; it must not touch the lrs.
    if (sd.lastEpoch >= 0) this.apply(sd.lastEpoch);
    else [this.lastEpoch, this.lastLr] = [-1, [...sd.lastLr]];
  }

  /** Throws unless `sd` is a state of this class for this optimizer. */
  protected checkState(sd: LRSchedulerStateDict): void {
    const who = `${this.constructor.name}.loadStateDict`;
    if (typeof sd !== 'object' || sd === null) throw new Error(`${who}: expected a state object, got ${show(sd)}`);
    if (sd.type !== this.constructor.name) throw new Error(`${who}: the state is from a ${show(sd.type)}, not a ${this.constructor.name}`);
    const n = this.groups.length;
    if (!Array.isArray(sd.baseLrs) || sd.baseLrs.length !== n) {
      const got = Array.isArray(sd.baseLrs) ? sd.baseLrs.length : 'no';
      throw new Error(`${who}: the state has ${got} baseLrs, the optimizer ${n} parameter groups`);
    }
    sd.baseLrs.forEach((b, i) => checkNumber(who, `baseLrs[${i}]`, b, 0));
    checkInteger(who, 'lastEpoch', sd.lastEpoch, -1);
    if (!Array.isArray(sd.lastLr)) throw new Error(`${who}: the state has no lastLr`);
  }
}

// ---- StepLR ------------------------------------------------------------------------------------

export interface StepLROptions {
  /** Steps between decays. */
  stepSize: number;
  /** Factor applied every `stepSize` steps. Default 0.1. */
  gamma?: number;
}

function stepOptions(who: string, o: StepLROptions): Required<StepLROptions> {
  checkOptions(who, o);
  return { stepSize: checkInteger(who, 'stepSize', o.stepSize, 1), gamma: checkNumber(who, 'gamma', o.gamma ?? 0.1, 0) };
}

/** lr = baseLr · γ^⌊step / stepSize⌋. */
export function stepLr(step: number, opts: StepLROptions & { baseLr: number }): number {
  const o = stepOptions('stepLr', opts);
  return checkNumber('stepLr', 'baseLr', opts.baseLr, 0) * o.gamma ** Math.floor(checkStep('stepLr', step) / o.stepSize);
}

/** Decays each group's lr by `gamma` every `stepSize` steps. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: SchedulableOptimizer, opts: StepLROptions) {
    super(optimizer);
    ({ stepSize: this.stepSize, gamma: this.gamma } = stepOptions('StepLR', opts));
    this.initialStep();
  }

  protected schedule(step: number): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(step / this.stepSize));
  }
}

// ---- MultiStepLR -------------------------------------------------------------------------------

export interface MultiStepLROptions {
  /** Steps at which the lr is multiplied by `gamma`; strictly increasing. */
  milestones: number[];
  /** Default 0.1. */
  gamma?: number;
}

function multiStepOptions(who: string, o: MultiStepLROptions): Required<MultiStepLROptions> {
  checkOptions(who, o);
  return { milestones: checkMilestones(who, o.milestones, 0), gamma: checkNumber(who, 'gamma', o.gamma ?? 0.1, 0) };
}

/** lr = baseLr · γ^(number of milestones ≤ step). */
export function multiStepLr(step: number, opts: MultiStepLROptions & { baseLr: number }): number {
  const o = multiStepOptions('multiStepLr', opts);
  return checkNumber('multiStepLr', 'baseLr', opts.baseLr, 0) * o.gamma ** bisectRight(o.milestones, checkStep('multiStepLr', step));
}

/** Decays each group's lr by `gamma` at each milestone. */
export class MultiStepLR extends LRScheduler {
  readonly milestones: readonly number[];
  readonly gamma: number;

  constructor(optimizer: SchedulableOptimizer, opts: MultiStepLROptions) {
    super(optimizer);
    ({ milestones: this.milestones, gamma: this.gamma } = multiStepOptions('MultiStepLR', opts));
    this.initialStep();
  }

  protected schedule(step: number): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** bisectRight(this.milestones, step));
  }
}

// ---- ExponentialLR -----------------------------------------------------------------------------

export interface ExponentialLROptions {
  /** Factor applied every step. */
  gamma: number;
}

/** lr = baseLr · γ^step. */
export function exponentialLr(step: number, opts: ExponentialLROptions & { baseLr: number }): number {
  checkOptions('exponentialLr', opts);
  const gamma = checkNumber('exponentialLr', 'gamma', opts.gamma, 0);
  return checkNumber('exponentialLr', 'baseLr', opts.baseLr, 0) * gamma ** checkStep('exponentialLr', step);
}

/** Decays each group's lr by `gamma` every step. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: SchedulableOptimizer, opts: ExponentialLROptions) {
    super(optimizer);
    checkOptions('ExponentialLR', opts);
    this.gamma = checkNumber('ExponentialLR', 'gamma', opts.gamma, 0);
    this.initialStep();
  }

  protected schedule(step: number): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** step);
  }
}

// ---- CosineAnnealingLR -------------------------------------------------------------------------

export interface CosineAnnealingLROptions {
  /** Steps from baseLr down to etaMin (half a period). */
  tMax: number;
  /** The lowest lr. Default 0. */
  etaMin?: number;
}

function cosineOptions(who: string, o: CosineAnnealingLROptions): Required<CosineAnnealingLROptions> {
  checkOptions(who, o);
  return { tMax: checkNumber(who, 'tMax', o.tMax, 0, Infinity, true), etaMin: checkNumber(who, 'etaMin', o.etaMin ?? 0, 0) };
}

const cosine = (step: number, baseLr: number, { tMax, etaMin }: Required<CosineAnnealingLROptions>): number =>
  etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * step / tMax)) / 2;

/**
 * lr = ηmin + (baseLr − ηmin)(1 + cos(π·step/tMax))/2: SGDR's annealing without restarts
 * (Loshchilov & Hutter, arXiv:1608.03983). Past tMax it rises again, as PyTorch's does.
 */
export function cosineAnnealingLr(step: number, opts: CosineAnnealingLROptions & { baseLr: number }): number {
  const o = cosineOptions('cosineAnnealingLr', opts);
  return cosine(checkStep('cosineAnnealingLr', step), checkNumber('cosineAnnealingLr', 'baseLr', opts.baseLr, 0), o);
}

/** Anneals each group's lr from its base to `etaMin` along a half cosine over `tMax` steps. */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: SchedulableOptimizer, opts: CosineAnnealingLROptions) {
    super(optimizer);
    ({ tMax: this.tMax, etaMin: this.etaMin } = cosineOptions('CosineAnnealingLR', opts));
    this.initialStep();
  }

  protected schedule(step: number): number[] {
    return this.baseLrs.map((b) => cosine(step, b, this));
  }
}

// ---- LinearLR ----------------------------------------------------------------------------------

export interface LinearLROptions {
  /** Factor on the base lr at step 0. Default 1/3. */
  startFactor?: number;
  /** Factor from `totalIters` on. Default 1. */
  endFactor?: number;
  /** Steps over which the factor moves. Default 5. */
  totalIters?: number;
}

function linearOptions(who: string, o: LinearLROptions): Required<LinearLROptions> {
  checkOptions(who, o);
  return {
    // 0 is allowed: PyTorch's chainable form divides by startFactor, the closed form does not.
    startFactor: checkNumber(who, 'startFactor', o.startFactor ?? 1 / 3, 0, 1),
    endFactor: checkNumber(who, 'endFactor', o.endFactor ?? 1, 0, 1),
    totalIters: checkInteger(who, 'totalIters', o.totalIters ?? 5, 1),
  };
}

const linear = (step: number, { startFactor: s, endFactor: e, totalIters: n }: Required<LinearLROptions>): number =>
  s + (e - s) * Math.min(n, step) / n;

/** lr = baseLr · (start + (end − start)·min(step, totalIters)/totalIters): the usual linear warmup. */
export function linearLr(step: number, opts: LinearLROptions & { baseLr: number }): number {
  const o = linearOptions('linearLr', opts);
  return checkNumber('linearLr', 'baseLr', opts.baseLr, 0) * linear(checkStep('linearLr', step), o);
}

/** Moves each group's lr linearly from startFactor·base to endFactor·base over `totalIters` steps. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: SchedulableOptimizer, opts: LinearLROptions = {}) {
    super(optimizer);
    ({ startFactor: this.startFactor, endFactor: this.endFactor, totalIters: this.totalIters } = linearOptions('LinearLR', opts));
    this.initialStep();
  }

  protected schedule(step: number): number[] {
    return this.baseLrs.map((b) => b * linear(step, this));
  }
}

// ---- LambdaLR ----------------------------------------------------------------------------------

export type LrLambda = (step: number) => number;

export interface LambdaLROptions {
  /** The factor on the base lr at each step: one function for all groups, or one per group. */
  lrLambda: LrLambda | LrLambda[];
}

/** Sets each group's lr to its base times `lrLambda(step)`. The functions are not saved by `stateDict()`. */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: readonly LrLambda[];

  constructor(optimizer: SchedulableOptimizer, opts: LambdaLROptions) {
    super(optimizer);
    checkOptions('LambdaLR', opts);
    this.lrLambdas = perGroup('LambdaLR', 'lrLambda', opts.lrLambda, this.groups.length);
    this.lrLambdas.forEach((f, i) => {
      if (typeof f !== 'function') throw new Error(`LambdaLR: lrLambda for group ${i} is not a function, got ${show(f)}`);
    });
    this.initialStep();
  }

  protected schedule(step: number): number[] {
    return this.baseLrs.map((b, i) => {
      const factor = this.lrLambdas[i]!(step);
      if (typeof factor !== 'number' || !Number.isFinite(factor)) {
        throw new Error(`LambdaLR: lrLambda for group ${i} returned ${show(factor)} at step ${step}, not a finite number`);
      }
      return b * factor;
    });
  }
}

// ---- nanoGPT's schedule ------------------------------------------------------------------------

export interface WarmupCosineOptions {
  /** The lr at the end of warmup. */
  maxLr: number;
  /** The lr from `decaySteps` on. */
  minLr: number;
  /** Steps of linear warmup; 0 for none. */
  warmupSteps: number;
  /** The step at which the cosine reaches minLr, counted from 0 like `step` (nanoGPT's lr_decay_iters). */
  decaySteps: number;
}

/**
 * Linear warmup then cosine decay, as nanoGPT's `get_lr(it)` in train.py (karpathy/nanoGPT):
 *   step < warmupSteps:           maxLr·(step + 1)/(warmupSteps + 1)
 *   warmupSteps ≤ step ≤ decay:   minLr + (maxLr − minLr)(1 + cos(π·r))/2,  r = (step − warmup)/(decay − warmup)
 *   step > decaySteps:            minLr
 * The warmup uses step + 1 so that step 0 does not train at lr 0.
 */
export function warmupCosineLr(step: number, opts: WarmupCosineOptions): number {
  const who = 'warmupCosineLr';
  checkOptions(who, opts);
  const maxLr = checkNumber(who, 'maxLr', opts.maxLr, 0);
  const minLr = checkNumber(who, 'minLr', opts.minLr, 0);
  const warmup = checkInteger(who, 'warmupSteps', opts.warmupSteps, 0);
  const decay = checkInteger(who, 'decaySteps', opts.decaySteps, 0);
  if (decay <= warmup) throw new Error(`${who}: decaySteps (${decay}) must be greater than warmupSteps (${warmup})`);
  checkStep(who, step);
  if (step < warmup) return maxLr * (step + 1) / (warmup + 1);
  if (step > decay) return minLr;
  const ratio = (step - warmup) / (decay - warmup);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (maxLr - minLr);
}
