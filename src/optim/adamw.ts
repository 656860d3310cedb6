/**
 * AdamW (Loshchilov & Hutter, 2019, arXiv:1711.05101): Adam with weight decay decoupled from the
 * gradient, exactly as torch.optim.AdamW. Parameters shrink before the Adam step,
 *   θ ← θ(1 − ηλ);  then Adam's update (see adam.ts) with the raw gradient,
 * so the decay is not rescaled by √v̂ the way L2 regularisation folded into g is.
 */

import type { Tensor } from '../tensor/tensor.js';
import { type AdamOptions, adamUpdate, validateAdam } from './adam.js';
import { type ParamGroup, type ParamState, type ParamUpdate, type Params, Optimizer } from './optimizer.js';

export type AdamWOptions = AdamOptions;

export class AdamW extends Optimizer<AdamWOptions> {
  constructor(params: Params<AdamWOptions>, opts: Partial<AdamWOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, ...opts });
  }

  protected validate(o: AdamWOptions): void {
    validateAdam('AdamW', o);
  }

  update(group: ParamGroup<AdamWOptions>, p: Tensor, grad: Tensor, state: ParamState): void {
    this.updateGroup(group, [{ param: p, grad, state }]);
  }

  protected override updateGroup(group: ParamGroup<AdamWOptions>, items: readonly ParamUpdate[]): void {
    adamUpdate(group, items, { decay: 1 - group.lr * group.weightDecay, l2: 0 });
  }
}
