/**
 * Lion, EvoLved Sign Momentum (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms",
 * arXiv:2302.06675, Algorithm 2), with decoupled weight decay:
 *   u ← sign(β₁m + (1 − β₁)g);  θ ← θ(1 − ηλ) − η·u;  m ← β₂m + (1 − β₂)g
 * Every coordinate moves by exactly η, so Lion wants an lr 3–10× smaller than AdamW's and a λ as
 * much larger. The momentum interpolated for the update (β₁) differs from the one tracked (β₂).
 */

import { zerosLike } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ParamGroup, type ParamState, type Params, Optimizer } from './optimizer.js';

export interface LionOptions {
  lr: number;
  betas: [number, number];
  weightDecay: number;
}

export class Lion extends Optimizer<LionOptions> {
  constructor(params: Params<LionOptions>, opts: Partial<LionOptions> = {}) {
    super(params, { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, ...opts });
  }

  protected validate(o: LionOptions): void {
    if (!(o.lr >= 0)) throw new Error(`Lion: invalid learning rate ${o.lr} (must be >= 0)`);
    if (!Array.isArray(o.betas) || o.betas.length !== 2) {
      throw new Error(`Lion: betas must be a pair [beta1, beta2], got ${JSON.stringify(o.betas)}`);
    }
    o.betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new Error(`Lion: invalid beta${i + 1} ${b} (must be in [0, 1))`);
    });
    if (!(o.weightDecay >= 0)) throw new Error(`Lion: invalid weightDecay ${o.weightDecay} (must be >= 0)`);
  }

  update(group: ParamGroup<LionOptions>, p: Tensor, grad: Tensor, state: ParamState): void {
    const { lr, betas: [beta1, beta2], weightDecay } = group;
    const expAvg = (state.expAvg as Tensor | undefined) ?? (state.expAvg = zerosLike(p));
    if (weightDecay !== 0) p.mul_(1 - lr * weightDecay);
    p.add_(expAvg.mul(beta1).add(grad.mul(1 - beta1)).sign(), { alpha: -lr });
    expAvg.mul_(beta2).add_(grad, { alpha: 1 - beta2 });
  }
}
