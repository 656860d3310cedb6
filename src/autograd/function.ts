/**
 * Custom differentiable ops, as torch.autograd.Function: a forward that runs outside the graph and
 * a backward that returns one gradient per tensor argument. Tensors passed to `ctx.saveForBackward`
 * are version-checked like the built-in ops' saved tensors.
 */

import { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';
import { record } from './node.js';

export interface FunctionContext {
  saveForBackward(...tensors: Tensor[]): void;
  readonly saved: readonly Tensor[];
  /** Whether each tensor argument, in order, wants a gradient. */
  readonly needsInputGrad: readonly boolean[];
  /** Any non-tensor state the backward needs. */
  [key: string]: unknown;
}

export interface FunctionDefinition<Args extends unknown[]> {
  name: string;
  forward(ctx: FunctionContext, ...args: Args): Tensor;
  /** One entry per tensor argument (null where there is no gradient), in argument order. */
  backward(ctx: FunctionContext, grad: Tensor): readonly (Tensor | null)[];
}

export function customOp<Args extends unknown[]>(def: FunctionDefinition<Args>): (...args: Args) => Tensor {
  return (...args: Args): Tensor => {
    const inputs = args.filter((a): a is Tensor => a instanceof Tensor);
    const saved: Tensor[] = [];
    const ctx: FunctionContext = {
      saveForBackward: (...ts) => { saved.push(...ts); },
      get saved() { return saved; },
      needsInputGrad: inputs.map((t) => t.requiresGrad),
    };
    let out = noGrad(() => def.forward(ctx, ...args));
    if (!(out instanceof Tensor)) throw new TypeError(`${def.name}: forward must return a Tensor`);
    // The output must be a tensor of its own to carry this op's node.
    if (inputs.includes(out) || out.gradFn) out = out.detach();
    out = record(def.name, inputs, out, (g) => {
      const grads = def.backward(ctx, g);
      if (grads.length !== inputs.length) {
        throw new Error(`${def.name}: backward returned ${grads.length} gradients for ${inputs.length} tensor arguments`);
      }
      return grads;
    }, saved);
    if (out.gradFn) out.gradFn.builtin = false;
    return out;
  };
}
