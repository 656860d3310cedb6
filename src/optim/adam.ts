/**
 * Adam (Kingma & Ba, 2015, arXiv:1412.6980) with L2 weight decay added to the gradient and the
 * AMSGrad variant (Reddi et al., 2018), exactly as torch.optim.Adam's single-tensor path:
 *   g ← ∇ + λθ;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  v̂ ← max(v̂, v) (AMSGrad, else v̂ = v)
 *   θ ← θ − η/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
 * ε is added after the bias correction of √v̂, as PyTorch does, not to √(v̂/(1 − β₂ᵗ)) in the paper's
 * order; the two differ only while ε matters.
 */

import { zerosLike } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ParamGroup, type ParamState, type Params, Optimizer } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
}

export class Adam extends Optimizer<AdamOptions> {
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, ...opts });
  }

  protected validate(o: AdamOptions): void {
    validateAdam('Adam', o);
  }

  update(group: ParamGroup<AdamOptions>, p: Tensor, grad: Tensor, state: ParamState): void {
    const g = group.weightDecay !== 0 ? grad.add(p.mul(group.weightDecay)) : grad;
    adamStep(group, p, g, state);
  }
}

/** The checks Adam and AdamW share; `name` is the optimizer the error blames. */
export function validateAdam(name: string, o: AdamOptions): void {
  if (!(o.lr >= 0)) throw new Error(`${name}: invalid learning rate ${o.lr} (must be >= 0)`);
  if (!(o.eps >= 0)) throw new Error(`${name}: invalid eps ${o.eps} (must be >= 0)`);
  if (!Array.isArray(o.betas) || o.betas.length !== 2) {
    throw new Error(`${name}: betas must be a pair [beta1, beta2], got ${JSON.stringify(o.betas)}`);
  }
  o.betas.forEach((b, i) => {
    if (!(b >= 0 && b < 1)) throw new Error(`${name}: invalid beta${i + 1} ${b} (must be in [0, 1))`);
  });
  if (!(o.weightDecay >= 0)) throw new Error(`${name}: invalid weightDecay ${o.weightDecay} (must be >= 0)`);
}

/**
 * The Adam update of θ from an already decayed gradient g, shared by Adam (which adds λθ to g) and
 * AdamW (which shrinks θ first). Creates the state on the first call.
 */
export function adamStep(o: AdamOptions, p: Tensor, g: Tensor, state: ParamState): void {
  const [beta1, beta2] = o.betas;
  if (state.step === undefined) {
    state.step = 0;
    state.expAvg = zerosLike(p);
    state.expAvgSq = zerosLike(p);
    if (o.amsgrad) state.maxExpAvgSq = zerosLike(p);
  }
  const step = (state.step as number) + 1;
  state.step = step;
  const expAvg = state.expAvg as Tensor;
  const expAvgSq = state.expAvgSq as Tensor;
  expAvg.mul_(beta1).add_(g, { alpha: 1 - beta1 });
  expAvgSq.mul_(beta2).add_(g.mul(g), { alpha: 1 - beta2 });
  const stepSize = o.lr / (1 - beta1 ** step);
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
  let second = expAvgSq;
  if (o.amsgrad) {
    // AMSGrad may be switched on after some steps; the running maximum then starts from v.
    const max = (state.maxExpAvgSq as Tensor | undefined) ?? (state.maxExpAvgSq = zerosLike(p));
    second = max.copy_(max.maximum(expAvgSq));
  }
  const denom = second.sqrt().div(biasCorrection2Sqrt).add(o.eps);
  p.add_(expAvg.div(denom), { alpha: -stepSize });
}
