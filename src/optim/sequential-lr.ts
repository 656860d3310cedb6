/** SequentialLR, as torch.optim.lr_scheduler.SequentialLR: schedulers run one after another. */

import { type LRSchedulerStateDict, type SchedulableOptimizer, LRScheduler } from './lr-scheduler.js';
import { bisectRight, checkMilestones, checkOptions, show } from './schedule-checks.js';

export interface SequentialLROptions {
  /** Schedulers built on this optimizer, run one after another. */
  schedulers: LRScheduler[];
  /** The steps at which each scheduler after the first takes over; one fewer than schedulers. */
  milestones: number[];
}

/**
 * Runs schedulers one after another: scheduler k takes over at milestone k−1 and starts from its
 * own step 0, so `new SequentialLR(opt, {schedulers: [warmup, cosine], milestones: [w]})` gives w
 * steps of warmup then a cosine that starts at the base lr.
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: readonly LRScheduler[];
  readonly milestones: readonly number[];

  constructor(optimizer: SchedulableOptimizer, opts: SequentialLROptions) {
    super(optimizer);
    checkOptions('SequentialLR', opts);
    const { schedulers } = opts;
    if (!Array.isArray(schedulers) || schedulers.length === 0) {
      throw new Error(`SequentialLR: schedulers must be a non-empty array of schedulers, got ${show(schedulers)}`);
    }
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) {
        throw new Error(`SequentialLR: schedulers[${i}] is not an LRScheduler (ReduceLROnPlateau cannot be sequenced)`);
      }
      if (s.optimizer !== optimizer) throw new Error(`SequentialLR: schedulers[${i}] belongs to a different optimizer`);
    });
    this.milestones = checkMilestones('SequentialLR', opts.milestones, 1);
    if (this.milestones.length !== schedulers.length - 1) {
      const n = schedulers.length;
      throw new Error(`SequentialLR: expected ${n - 1} milestones for ${n} schedulers, got ${this.milestones.length}`);
    }
    this.schedulers = [...schedulers];
    // As PyTorch: each scheduler stepped itself to 0 when built; mark them all not yet started.
    for (const s of schedulers) s.lastEpoch = -1;
    this.initialStep();
  }

  /** The scheduler in charge at `step`, and the step it is at. */
  private locate(step: number): [LRScheduler, number] {
    const k = bisectRight(this.milestones, step);
    return [this.schedulers[k]!, k === 0 ? step : step - this.milestones[k - 1]!];
  }

  protected schedule(step: number): number[] {
    const [s, local] = this.locate(step);
    return s.lrAt(local);
  }

  protected override apply(step: number): void {
    const [s, local] = this.locate(step);
    // Stepping (rather than only reading lrAt) keeps the child's lastEpoch, and OneCycleLR's momentum, current.
    s.lastEpoch = local - 1;
    s.step();
    this.lastEpoch = step;
    this.lastLr = s.getLastLr();
  }

  override stateDict(): LRSchedulerStateDict {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(sd: LRSchedulerStateDict): void {
    this.checkState(sd);
    const n = this.schedulers.length;
    if (!Array.isArray(sd.schedulers) || sd.schedulers.length !== n) {
      const got = Array.isArray(sd.schedulers) ? sd.schedulers.length : 'none';
      throw new Error(`SequentialLR.loadStateDict: expected the states of ${n} schedulers, got ${got}`);
    }
    // Each child's load sets the lrs for its own step; the active one, applied last by super, wins.
    sd.schedulers.forEach((s, i) => this.schedulers[i]!.loadStateDict(s));
    super.loadStateDict(sd);
  }
}
