/**
 * ReduceLROnPlateau, as torch.optim.lr_scheduler.ReduceLROnPlateau: multiplies every group's lr by
 * `factor` once a metric has not improved for more than `patience` steps. The one scheduler that
 * is not a function of the step: it depends on the metrics seen, so its state carries the best
 * value and the counters, and it does not extend LRScheduler (its step takes the metric).
 */

import { Tensor } from '../tensor/tensor.js';
import type { SchedulableOptimizer, ScheduledGroup } from './lr-scheduler.js';
import { Optimizer } from './optimizer.js';
import { checkInteger, checkNumber, perGroup } from './schedule-checks.js';

export interface ReduceLROnPlateauOptions {
  /** 'min': lower is better (a loss); 'max': higher is better (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** new lr = lr·factor. Default 0.1. */
  factor?: number;
  /** Steps without improvement tolerated before reducing. Default 10. */
  patience?: number;
  /** How much better counts as better. Default 1e-4. */
  threshold?: number;
  /** 'rel': better than best·(1 ∓ threshold); 'abs': better than best ∓ threshold. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Steps after a reduction during which bad steps are not counted. Default 0. */
  cooldown?: number;
  /** Floor on the lr: one for all groups or one per group. Default 0. */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped. Default 1e-8. */
  eps?: number;
}

export interface ReduceLROnPlateauStateDict {
  type: 'ReduceLROnPlateau';
  lastEpoch: number;
  /** The best metric so far; ±Infinity before the first (null is read the same, as JSON writes it). */
  best: number | null;
  numBadEpochs: number;
  cooldownCounter: number;
  lastLr: number[];
}

export class ReduceLROnPlateau {
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: readonly number[];
  readonly eps: number;
  /** Number of `step(metric)` calls. */
  lastEpoch = 0;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  private lastLr: number[];

  constructor(readonly optimizer: SchedulableOptimizer, opts: ReduceLROnPlateauOptions = {}) {
    const who = 'ReduceLROnPlateau';
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${who}: expected an Optimizer, got ${String(optimizer)}`);
    if (typeof opts !== 'object' || opts === null) throw new Error(`${who}: expected an options object, got ${String(opts)}`);
    this.mode = opts.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max') throw new Error(`${who}: mode must be 'min' or 'max', got ${JSON.stringify(this.mode)}`);
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new Error(`${who}: thresholdMode must be 'rel' or 'abs', got ${JSON.stringify(this.thresholdMode)}`);
    }
    this.factor = checkNumber(who, 'factor', opts.factor ?? 0.1, 0, 1);
    if (this.factor === 1) throw new Error(`${who}: factor must be < 1, got 1 (the lr would never change)`);
    this.patience = checkInteger(who, 'patience', opts.patience ?? 10, 0);
    this.threshold = checkNumber(who, 'threshold', opts.threshold ?? 1e-4, 0);
    this.cooldown = checkInteger(who, 'cooldown', opts.cooldown ?? 0, 0);
    this.minLrs = perGroup(who, 'minLr', opts.minLr ?? 0, this.groups.length).map((v, i) => checkNumber(who, `minLr for group ${i}`, v, 0));
    this.eps = checkNumber(who, 'eps', opts.eps ?? 1e-8, 0);
    this.best = this.worst;
    this.lastLr = this.groups.map((g) => g.lr);
  }

  private get groups(): ScheduledGroup[] {
    return this.optimizer.paramGroups as unknown as ScheduledGroup[];
  }

  private get worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /**
   * Records one value of the metric (a number or a one-element tensor) and reduces the lrs if it
   * has plateaued. NaN counts as no improvement, as in PyTorch.
   */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== 'number') {
      throw new Error(`ReduceLROnPlateau.step: the metric must be a number or a one-element Tensor, got ${String(metric)}`);
    }
    if (this.groups.length !== this.minLrs.length) {
      throw new Error(`ReduceLROnPlateau: the optimizer has ${this.groups.length} parameter groups but the scheduler was built `
        + `for ${this.minLrs.length}; build the scheduler after adding every group`);
    }
    this.lastEpoch++;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.groups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.groups.forEach((g, i) => {
      const newLr = Math.max(g.lr * this.factor, this.minLrs[i]!);
      if (g.lr - newLr > this.eps) g.lr = newLr;
    });
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): ReduceLROnPlateauStateDict {
    const { lastEpoch, best, numBadEpochs, cooldownCounter } = this;
    return { type: 'ReduceLROnPlateau', lastEpoch, best, numBadEpochs, cooldownCounter, lastLr: [...this.lastLr] };
  }

  /** Restores the counters and the best value, and sets the optimizer's lrs to those last set. */
  loadStateDict(sd: ReduceLROnPlateauStateDict): void {
    const who = 'ReduceLROnPlateau.loadStateDict';
    if (typeof sd !== 'object' || sd === null) throw new Error(`${who}: expected a state object, got ${String(sd)}`);
    if (sd.type !== 'ReduceLROnPlateau') throw new Error(`${who}: the state is from a ${JSON.stringify(sd.type)}, not a ReduceLROnPlateau`);
    const n = this.groups.length;
    if (!Array.isArray(sd.lastLr) || sd.lastLr.length !== n) {
      throw new Error(`${who}: the state has ${Array.isArray(sd.lastLr) ? sd.lastLr.length : 'no'} lrs, the optimizer ${n} parameter groups`);
    }
    sd.lastLr.forEach((lr, i) => checkNumber(who, `lastLr[${i}]`, lr, 0));
    const best = sd.best ?? this.worst;
    if (typeof best !== 'number' || Number.isNaN(best)) throw new Error(`${who}: best must be a number, got ${String(sd.best)}`);
    const counters = (['lastEpoch', 'numBadEpochs', 'cooldownCounter'] as const).map((k) => checkInteger(who, k, sd[k], 0));
    [this.lastEpoch, this.numBadEpochs, this.cooldownCounter] = counters as [number, number, number];
    this.best = best;
    this.lastLr = [...sd.lastLr];
    this.groups.forEach((g, i) => { g.lr = this.lastLr[i]!; });
  }
}
