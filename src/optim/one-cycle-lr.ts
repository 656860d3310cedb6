/**
 * OneCycleLR: the 1cycle policy of Smith & Topin, "Super-Convergence" (arXiv:1708.07120), as
 * torch.optim.lr_scheduler.OneCycleLR. The lr rises from maxLr/divFactor to maxLr over the first
 * pctStart of the cycle, then anneals to maxLr/(divFactor·finalDivFactor); momentum moves the
 * opposite way between maxMomentum and baseMomentum. threePhase gives the paper's shape: up, back
 * down to the start, then the final annealing. Phase boundaries follow PyTorch exactly.
 */

import { type SchedulableOptimizer, LRScheduler } from './lr-scheduler.js';
import { checkInteger, checkNumber, checkStep, perGroup } from './schedule-checks.js';

export type AnnealStrategy = 'cos' | 'linear';

/** The shape of the cycle, shared by lr and momentum. */
export interface OneCycleShape {
  /** Steps in the cycle; `step` runs from 0 to totalSteps. */
  totalSteps: number;
  /** Fraction of the cycle spent raising the lr. Default 0.3. */
  pctStart?: number;
  /** Default 'cos'. */
  annealStrategy?: AnnealStrategy;
  /** Default false. */
  threePhase?: boolean;
}

export interface OneCycleLrOptions extends OneCycleShape {
  maxLr: number;
  /** The lr starts at maxLr/divFactor. Default 25. */
  divFactor?: number;
  /** The lr ends at maxLr/(divFactor·finalDivFactor). Default 1e4. */
  finalDivFactor?: number;
}

export interface OneCycleMomentumOptions extends OneCycleShape {
  /** Momentum at the lr's peak. Default 0.85. */
  baseMomentum?: number;
  /** Momentum at the start and the end. Default 0.95. */
  maxMomentum?: number;
}

export interface OneCycleLROptions {
  /** The peak lr: one for all groups or one per group. */
  maxLr: number | number[];
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: AnnealStrategy;
  /** Cycle `momentum` (SGD-like optimizers) or `betas[0]` (Adam-like). Default true. */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
}

type Shape = Required<OneCycleShape>;

function shapeOptions(who: string, o: OneCycleShape): Shape {
  const totalSteps = checkInteger(who, 'totalSteps', o.totalSteps, 1);
  const pctStart = checkNumber(who, 'pctStart', o.pctStart ?? 0.3, 0, 1);
  const annealStrategy = o.annealStrategy ?? 'cos';
  if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
    throw new Error(`${who}: annealStrategy must be 'cos' or 'linear', got ${JSON.stringify(annealStrategy)}`);
  }
  const threePhase = o.threePhase ?? false;
  // PyTorch accepts more, but then the second phase ends after the cycle and the third never comes.
  if (threePhase && pctStart > 0.5) {
    throw new Error(`${who}: threePhase needs pctStart <= 0.5 (the first two phases take 2·pctStart of the cycle), got ${pctStart}`);
  }
  return { totalSteps, pctStart, annealStrategy, threePhase };
}

/**
 * Which phase `step` is in and how far through it (0..1). Phase ends are PyTorch's: pct·T − 1,
 * (2·pct·T − 2,) T − 1. Deviations, both where PyTorch goes wrong: a phase of zero length counts as
 * finished (PyTorch divides by zero), and the final step T, one past the last phase's end, holds
 * the final value (PyTorch extrapolates, to a negative lr when annealing linearly).
 */
function phaseAt(who: string, step: number, { totalSteps: T, pctStart: p, threePhase }: Shape): [number, number] {
  if (checkStep(who, step) > T) throw new Error(`${who}: step ${step} is past the end of the cycle (totalSteps ${T})`);
  const ends = threePhase ? [p * T - 1, 2 * p * T - 2, T - 1] : [p * T - 1, T - 1];
  let start = 0;
  for (let i = 0; ; i++) {
    const end = ends[i]!;
    if (step <= end || i === ends.length - 1) return [i, end === start ? 1 : Math.min(1, (step - start) / (end - start))];
    start = end;
  }
}

function anneal(strategy: AnnealStrategy, start: number, end: number, pct: number): number {
  return strategy === 'cos' ? end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
}

/** The lr's [start, end] in each phase, from the cycle's initial, peak and final lrs. */
const lrPhases = (initial: number, max: number, min: number, threePhase: boolean): [number, number][] =>
  threePhase ? [[initial, max], [max, initial], [initial, min]] : [[initial, max], [max, min]];

const momentumPhases = (base: number, max: number, threePhase: boolean): [number, number][] =>
  threePhase ? [[max, base], [base, max], [max, max]] : [[max, base], [base, max]];

function lrAtShape(who: string, step: number, shape: Shape, initial: number, max: number, min: number): number {
  const [i, pct] = phaseAt(who, step, shape);
  const [a, b] = lrPhases(initial, max, min, shape.threePhase)[i]!;
  return anneal(shape.annealStrategy, a, b, pct);
}

function momentumAtShape(who: string, step: number, shape: Shape, base: number, max: number): number {
  const [i, pct] = phaseAt(who, step, shape);
  const [a, b] = momentumPhases(base, max, shape.threePhase)[i]!;
  return anneal(shape.annealStrategy, a, b, pct);
}

/** The 1cycle lr at `step` (0..totalSteps). */
export function oneCycleLr(step: number, opts: OneCycleLrOptions): number {
  const who = 'oneCycleLr';
  const shape = shapeOptions(who, opts);
  const maxLr = checkNumber(who, 'maxLr', opts.maxLr, 0);
  const initial = maxLr / checkNumber(who, 'divFactor', opts.divFactor ?? 25, 0, Infinity, true);
  return lrAtShape(who, step, shape, initial, maxLr, initial / checkNumber(who, 'finalDivFactor', opts.finalDivFactor ?? 1e4, 0, Infinity, true));
}

/** The 1cycle momentum at `step` (0..totalSteps): high where the lr is low. */
export function oneCycleMomentum(step: number, opts: OneCycleMomentumOptions): number {
  const who = 'oneCycleMomentum';
  const shape = shapeOptions(who, opts);
  const base = checkNumber(who, 'baseMomentum', opts.baseMomentum ?? 0.85, 0, 1);
  return momentumAtShape(who, step, shape, base, checkNumber(who, 'maxMomentum', opts.maxMomentum ?? 0.95, 0, 1));
}

/**
 * Sets each group's lr (and momentum) along one cycle. Unlike PyTorch, the peak, final lr and
 * momentum bounds live on the scheduler, not on the parameter groups; only `initialLr`
 * (maxLr/divFactor) is written to the groups, as every scheduler does.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly pctStart: number;
  readonly annealStrategy: AnnealStrategy;
  readonly threePhase: boolean;
  readonly maxLrs: readonly number[];
  readonly divFactor: number;
  readonly finalDivFactor: number;
  readonly cycleMomentum: boolean;
  readonly baseMomentums: readonly number[];
  readonly maxMomentums: readonly number[];
  /** Adam-like optimizers keep momentum as betas[0]. */
  private readonly useBeta1: boolean;

  constructor(optimizer: SchedulableOptimizer, opts: OneCycleLROptions) {
    super(optimizer);
    const who = 'OneCycleLR';
    if (typeof opts !== 'object' || opts === null) throw new Error(`${who}: expected an options object, got ${String(opts)}`);
    let total = opts.totalSteps;
    if (total === undefined) {
      if (opts.epochs === undefined || opts.stepsPerEpoch === undefined) throw new Error(`${who}: give totalSteps, or epochs and stepsPerEpoch`);
      total = checkInteger(who, 'epochs', opts.epochs, 1) * checkInteger(who, 'stepsPerEpoch', opts.stepsPerEpoch, 1);
    }
    ({ totalSteps: this.totalSteps, pctStart: this.pctStart, annealStrategy: this.annealStrategy, threePhase: this.threePhase } =
      shapeOptions(who, { ...opts, totalSteps: total }));
    const n = this.groups.length;
    this.maxLrs = perGroup(who, 'maxLr', opts.maxLr, n).map((v, i) => checkNumber(who, `maxLr for group ${i}`, v, 0));
    this.divFactor = checkNumber(who, 'divFactor', opts.divFactor ?? 25, 0, Infinity, true);
    this.finalDivFactor = checkNumber(who, 'finalDivFactor', opts.finalDivFactor ?? 1e4, 0, Infinity, true);
    this.cycleMomentum = opts.cycleMomentum ?? true;
    const bounds = (name: string, v: number | number[]): number[] =>
      perGroup(who, name, v, n).map((m, i) => checkNumber(who, `${name} for group ${i}`, m, 0, 1));
    this.baseMomentums = bounds('baseMomentum', opts.baseMomentum ?? 0.85);
    this.maxMomentums = bounds('maxMomentum', opts.maxMomentum ?? 0.95);
    const defaults = optimizer.defaults as object;
    this.useBeta1 = 'betas' in defaults;
    if (this.cycleMomentum && !this.useBeta1 && !('momentum' in defaults)) {
      throw new Error(`${who}: cycleMomentum needs an optimizer with 'momentum' (SGD-like) or 'betas' (Adam-like), `
        + `and ${optimizer.constructor.name} has neither; pass cycleMomentum: false`);
    }
    if (this.cycleMomentum && this.useBeta1) {
      this.groups.forEach((g, i) => {
        if (!Array.isArray(g.betas) || g.betas.length === 0) {
          throw new Error(`${who}: parameter group ${i} has no betas array to cycle betas[0] in`);
        }
      });
    }
    // As PyTorch: the cycle, not the optimizer's lr, decides where it starts.
    this.groups.forEach((g, i) => { g.initialLr = this.maxLrs[i]! / this.divFactor; });
    this.baseLrs = this.groups.map((g) => g.initialLr!);
    this.initialStep();
  }

  private get shape(): Shape {
    return this;
  }

  protected schedule(step: number): number[] {
    return this.baseLrs.map((initial, i) =>
      lrAtShape('OneCycleLR', step, this.shape, initial, this.maxLrs[i]!, initial / this.finalDivFactor));
  }

  /** Each group's momentum (or beta1) at `step`. */
  momentumAt(step: number): number[] {
    return this.momenta('OneCycleLR.momentumAt', step);
  }

  private momenta(who: string, step: number): number[] {
    return this.baseMomentums.map((base, i) => momentumAtShape(who, step, this.shape, base, this.maxMomentums[i]!));
  }

  protected override apply(step: number): void {
    const momenta = this.cycleMomentum ? this.momenta('OneCycleLR', step) : null;
    super.apply(step);
    if (!momenta) return;
    this.groups.forEach((g, i) => {
      // A new array: groups built from the defaults share one betas array.
      if (this.useBeta1) g.betas = [momenta[i]!, ...g.betas!.slice(1)];
      else g.momentum = momenta[i]!;
    });
  }
}
