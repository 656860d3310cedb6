/**
 * Adam (Kingma & Ba, 2015, arXiv:1412.6980) with L2 weight decay added to the gradient and the
 * AMSGrad variant (Reddi et al., 2018), exactly as torch.optim.Adam's single-tensor path, run as
 * one fused multi-tensor backend primitive:
 *   g ← ∇ + λθ;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  v̂ ← max(v̂, v) (AMSGrad, else v̂ = v)
 *   θ ← θ − η/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
 * ε is added after the bias correction of √v̂, as PyTorch does, not to √(v̂/(1 − β₂ᵗ)) in the paper's
 * order; the two differ only while ε matters.
 */

import { zerosLike } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ParamGroup, type ParamState, type ParamUpdate, type Params, Optimizer, fusedUpdate } from './optimizer.js';

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
    this.updateGroup(group, [{ param: p, grad, state }]);
  }

  protected override updateGroup(group: ParamGroup<AdamOptions>, items: readonly ParamUpdate[]): void {
    adamUpdate(group, items, { decay: 1, l2: group.weightDecay });
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
 * One Adam step over a group's parameters, in one fused backend call per batch of tensors that
 * share a step count (torch.optim.Adam's single-tensor arithmetic, see the kernel in kernels/optim.ts).
 * `decay` multiplies θ first (AdamW), `l2` adds l2·θ to the gradient (Adam). Creates the state on
 * a parameter's first step.
 */
export function adamUpdate(o: AdamOptions, items: readonly ParamUpdate[], wd: { decay: number; l2: number }): void {
  const [beta1, beta2] = o.betas;
  for (const { param, state } of items) {
    if (state.step === undefined) {
      state.step = 0;
      state.expAvg = zerosLike(param);
      state.expAvgSq = zerosLike(param);
    }
    // AMSGrad may be switched on after some steps; the running maximum then starts from v.
    if (o.amsgrad && !state.maxExpAvgSq) state.maxExpAvgSq = zerosLike(param);
    state.step = (state.step as number) + 1;
  }
  fusedUpdate(items, (u) => String(u.state.step), (u, param, grad) => {
    const s = u.state, max = o.amsgrad ? s.maxExpAvgSq as Tensor : null;
    const written = [s.expAvg as Tensor, s.expAvgSq as Tensor, ...(max ? [max] : [])];
    return {
      entry: {
        step: s.step as number,
        tensors: { param: param.backendView(), grad: grad.backendView(), expAvg: written[0]!.backendView(), expAvgSq: written[1]!.backendView(),
          maxExpAvgSq: max && max.backendView() },
      },
      written,
    };
  }, (backend, entries) => {
    const step = entries[0]!.step;
    backend.adamUpdate(entries.map((e) => e.tensors), {
      decay: wd.decay, l2: wd.l2, beta1, beta2, eps: o.eps,
      stepSize: o.lr / (1 - beta1 ** step), biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** step),
    });
  });
}
