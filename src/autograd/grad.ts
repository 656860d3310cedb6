/** The functional form of backward: gradients of outputs with respect to chosen inputs, returned rather than accumulated. */

import type { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { fullOf, onesLikeOf } from '../ops/copy.js';
import { runBackward } from './engine.js';

export interface GradOptions {
  /** The vectors of the vector-Jacobian product, one per output; defaults to ones for scalar outputs. */
  gradOutputs?: readonly Tensor[];
  retainGraph?: boolean;
  /** Record the gradient computation so that its result can be differentiated again. */
  createGraph?: boolean;
  /** Return zeros for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], opts: GradOptions = {}): Tensor[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? inputs : [inputs as Tensor];
  const gradOutputs = outs.map((o, i) => {
    if (!o.requiresGrad) throw new Error(`grad: output ${i} does not require grad and has no gradFn`);
    const g = opts.gradOutputs?.[i];
    if (g) {
      if (g.shape.join() !== o.shape.join()) throw new Error(`grad: gradOutputs[${i}] has shape ${shapeStr(g.shape)}, output ${i} has ${shapeStr(o.shape)}`);
      return g;
    }
    if (o.size !== 1) throw new Error(`grad: output ${i} has shape ${shapeStr(o.shape)}; pass gradOutputs for non-scalar outputs`);
    return onesLikeOf(o);
  });
  const nodes = ins.map((t, i) => {
    if (!t.requiresGrad) throw new Error(`grad: input ${i} does not require grad`);
    return t.gradFn ?? t.accumulator();
  });
  const captured = runBackward(outs.map((o) => o.gradFn ?? o.accumulator()), gradOutputs, { ...opts, capture: nodes });
  return ins.map((t, i) => {
    const g = captured.get(nodes[i]!);
    if (g) return g;
    if (!opts.allowUnused) throw new Error(`grad: input ${i} is not used to compute the outputs; pass {allowUnused: true} to get zeros for it`);
    return fullOf(t.shape, 0, t.dtype, t);
  });
}
