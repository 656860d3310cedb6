/**
 * Gradient descent as the notes describe it: repeat forward, backward and step until a step budget
 * runs out, the gradient norm falls below a threshold (a stationary point), or the loss stops
 * changing. Works with any optimizer; returns why it stopped and the history.
 */

import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Optimizer } from './optimizer.js';

export interface MinimizeOptions {
  /** The step budget. */
  maxSteps?: number;
  /** Stop when the global gradient norm is at most this. */
  gradTol?: number;
  /** Stop when |Δloss| ≤ lossTol·max(1, |loss|) for `patience` steps in a row. */
  lossTol?: number;
  patience?: number;
  /** Called after each step, e.g. to log or to record a trajectory. */
  onStep?: (info: { step: number; loss: number; gradNorm: number }) => void;
}

export type StopReason = 'maxSteps' | 'gradTol' | 'lossTol' | 'diverged';

export interface MinimizeResult {
  steps: number;
  loss: number;
  gradNorm: number;
  reason: StopReason;
  history: { loss: number[]; gradNorm: number[] };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function minimize(lossFn: () => Tensor, optimizer: Optimizer<any>, opts: MinimizeOptions = {}): MinimizeResult {
  const { maxSteps = 1000, gradTol = 0, lossTol = 0, patience = 1 } = opts;
  const params = optimizer.paramGroups.flatMap((g) => g.params);
  const history = { loss: [] as number[], gradNorm: [] as number[] };
  let prev = NaN, calm = 0, loss = NaN, gradNorm = NaN;
  for (let step = 0; step < maxSteps; step++) {
    optimizer.zeroGrad();
    const l = lossFn();
    loss = l.item();
    if (!Number.isFinite(loss)) return { steps: step, loss, gradNorm, reason: 'diverged', history };
    l.backward();
    gradNorm = noGrad(() => Math.sqrt(params.reduce((acc, p) => acc + (p.grad ? p.grad.mul(p.grad).sum().item() : 0), 0)));
    history.loss.push(loss);
    history.gradNorm.push(gradNorm);
    if (gradNorm <= gradTol) return { steps: step, loss, gradNorm, reason: 'gradTol', history };
    optimizer.step();
    opts.onStep?.({ step, loss, gradNorm });
    calm = Math.abs(loss - prev) <= lossTol * Math.max(1, Math.abs(loss)) ? calm + 1 : 0;
    if (lossTol > 0 && calm >= patience) return { steps: step + 1, loss, gradNorm, reason: 'lossTol', history };
    prev = loss;
  }
  return { steps: maxSteps, loss, gradNorm, reason: 'maxSteps', history };
}
