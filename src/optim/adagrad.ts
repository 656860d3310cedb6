/**
 * Adagrad (Duchi, Hazan & Singer, 2011, JMLR 12): per-coordinate steps shrinking with the sum of
 * squared gradients, exactly as torch.optim.Adagrad (dense gradients):
 *   g ← ∇ + λθ;  η_t ← η / (1 + (t − 1)·δ);  s ← s + g²;  θ ← θ − η_t · g / (√s + ε)
 * with s₀ = initialAccumulatorValue and δ = lrDecay.
 */

import { fullLike } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ParamGroup, type ParamState, type Params, Optimizer } from './optimizer.js';

export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
}

export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Params<AdagradOptions>, opts: Partial<AdagradOptions> = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, ...opts });
  }

  protected validate(o: AdagradOptions): void {
    if (!(o.lr >= 0)) throw new Error(`Adagrad: invalid learning rate ${o.lr} (must be >= 0)`);
    if (!(o.lrDecay >= 0)) throw new Error(`Adagrad: invalid lrDecay ${o.lrDecay} (must be >= 0)`);
    if (!(o.weightDecay >= 0)) throw new Error(`Adagrad: invalid weightDecay ${o.weightDecay} (must be >= 0)`);
    if (!(o.initialAccumulatorValue >= 0)) {
      throw new Error(`Adagrad: invalid initialAccumulatorValue ${o.initialAccumulatorValue} (must be >= 0)`);
    }
    if (!(o.eps >= 0)) throw new Error(`Adagrad: invalid eps ${o.eps} (must be >= 0)`);
  }

  update(group: ParamGroup<AdagradOptions>, p: Tensor, grad: Tensor, state: ParamState): void {
    const { lr, lrDecay, weightDecay, eps } = group;
    // PyTorch fills the accumulator when the optimizer is built; here it is filled at the first
    // step, from the group's value then, which is the same unless the group was edited between.
    if (state.step === undefined) {
      state.step = 0;
      state.sum = fullLike(p, group.initialAccumulatorValue);
    }
    const step = (state.step as number) + 1;
    state.step = step;
    const g = weightDecay !== 0 ? grad.add(p.mul(weightDecay)) : grad;
    const clr = lr / (1 + (step - 1) * lrDecay);
    const sum = (state.sum as Tensor).add_(g.mul(g));
    p.add_(g.div(sum.sqrt().add(eps)), { alpha: -clr });
  }
}
