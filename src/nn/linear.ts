/** Linear: y = x·Wᵀ + b, initialised as PyTorch does (uniform in ±1/√inFeatures for W and b). */

import type { DType } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../ops/creation.js';
import { linear } from './functional.js';
import { type InitOptions, kaimingUniform_, uniform_ } from './init.js';
import { Module, Parameter } from './module.js';

export interface LinearOptions extends InitOptions {
  bias?: boolean;
  dtype?: DType;
}

export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    const dtype = opts.dtype ?? 'float32';
    // kaiming_uniform with a = √5 is uniform in ±1/√fan_in: PyTorch's default for nn.Linear.
    this.weight = new Parameter(kaimingUniform_(zeros([outFeatures, inFeatures], { dtype }), { a: Math.sqrt(5), ...opts }));
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.bias = (opts.bias ?? true) ? new Parameter(uniform_(zeros([outFeatures], { dtype }), -bound, bound, opts)) : null;
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
