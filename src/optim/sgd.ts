/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
 * exactly as torch.optim.SGD (one fused multi-tensor backend primitive):
 *   g ← ∇ + λθ;  b ← μb + (1 − τ)g (b₁ = g);  g ← g + μb (Nesterov) or b;  θ ← θ − η·g
 * Batch gradient descent, SGD and mini-batch SGD are this one rule with batch sizes N, 1 and m.
 */

import type { Tensor } from '../tensor/tensor.js';
import { zerosLike } from '../ops/creation.js';
import { type ParamGroup, type ParamState, type ParamUpdate, type Params, Optimizer, fusedUpdate } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, opts: Partial<SGDOptions> = {}) {
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...opts });
  }

  protected validate(o: SGDOptions): void {
    if (!(o.lr >= 0)) throw new Error(`SGD: invalid learning rate ${o.lr} (must be >= 0)`);
    if (!(o.momentum >= 0)) throw new Error(`SGD: invalid momentum ${o.momentum} (must be >= 0)`);
    if (!(o.weightDecay >= 0)) throw new Error(`SGD: invalid weightDecay ${o.weightDecay} (must be >= 0)`);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new Error('SGD: nesterov momentum requires momentum > 0 and dampening = 0');
    }
  }

  update(group: ParamGroup<SGDOptions>, p: Tensor, grad: Tensor, state: ParamState): void {
    this.updateGroup(group, [{ param: p, grad, state }]);
  }

  /** One fused backend call for the group (kernels/optim.ts); the momentum buffer starts as the gradient. */
  protected override updateGroup(group: ParamGroup<SGDOptions>, items: readonly ParamUpdate[]): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = group;
    fusedUpdate(items, () => '', (u, param, grad) => {
      let buf = u.state.momentumBuffer as Tensor | undefined;
      const firstStep = momentum !== 0 && !buf;
      if (firstStep) u.state.momentumBuffer = buf = zerosLike(param);
      const written = momentum !== 0 ? [buf!] : [];
      return {
        entry: { param: param.backendView(), grad: grad.backendView(), momentumBuffer: momentum !== 0 ? buf!.backendView() : null, firstStep },
        written,
      };
    }, (backend, entries) => backend.sgdUpdate(entries, { lr, momentum, dampening, weightDecay, nesterov }));
  }
}
