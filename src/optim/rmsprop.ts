/**
 * RMSprop (Hinton, Coursera lecture 6e, 2012), optionally centered (Graves, 2013, arXiv:1308.0850)
 * and with momentum, exactly as torch.optim.RMSprop:
 *   g ← ∇ + λθ;  v ← αv + (1 − α)g²;  ḡ ← αḡ + (1 − α)g (centered);  d ← √(v − ḡ²) + ε (centered) or √v + ε
 *   b ← μb + g/d, θ ← θ − η·b (momentum > 0);  otherwise θ ← θ − η·g/d
 * ε is added outside the square root, as in PyTorch (TensorFlow adds it inside).
 */

import { zerosLike } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ParamGroup, type ParamState, type Params, Optimizer } from './optimizer.js';

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
}

export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, opts: Partial<RMSpropOptions> = {}) {
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, ...opts });
  }

  protected validate(o: RMSpropOptions): void {
    if (!(o.lr >= 0)) throw new Error(`RMSprop: invalid learning rate ${o.lr} (must be >= 0)`);
    // PyTorch only checks alpha >= 0; above 1 the average would weight g² negatively.
    if (!(o.alpha >= 0 && o.alpha <= 1)) throw new Error(`RMSprop: invalid alpha ${o.alpha} (must be in [0, 1])`);
    if (!(o.eps >= 0)) throw new Error(`RMSprop: invalid eps ${o.eps} (must be >= 0)`);
    if (!(o.weightDecay >= 0)) throw new Error(`RMSprop: invalid weightDecay ${o.weightDecay} (must be >= 0)`);
    if (!(o.momentum >= 0)) throw new Error(`RMSprop: invalid momentum ${o.momentum} (must be >= 0)`);
  }

  update(group: ParamGroup<RMSpropOptions>, p: Tensor, grad: Tensor, state: ParamState): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = group;
    if (state.step === undefined) {
      state.step = 0;
      state.squareAvg = zerosLike(p);
    }
    state.step = (state.step as number) + 1;
    const g = weightDecay !== 0 ? grad.add(p.mul(weightDecay)) : grad;
    const squareAvg = (state.squareAvg as Tensor).mul_(alpha).add_(g.mul(g), { alpha: 1 - alpha });
    let avg: Tensor;
    if (centered) {
      const gradAvg = ((state.gradAvg as Tensor | undefined) ?? (state.gradAvg = zerosLike(p))).mul_(alpha).add_(g, { alpha: 1 - alpha });
      avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt().add(eps);
    } else {
      avg = squareAvg.sqrt().add(eps);
    }
    if (momentum > 0) {
      const buf = ((state.momentumBuffer as Tensor | undefined) ?? (state.momentumBuffer = zerosLike(p))).mul_(momentum).add_(g.div(avg));
      p.add_(buf, { alpha: -lr });
    } else {
      p.add_(g.div(avg), { alpha: -lr });
    }
  }
}
