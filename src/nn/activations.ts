/** Activations as modules, for Sequential. */

import type { Tensor } from '../tensor/tensor.js';
import { type GeluOptions, gelu } from '../ops/elementwise.js';
import { Module } from './module.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor { return x.relu(); }
}

export class GELU extends Module {
  constructor(readonly approximate: GeluOptions['approximate'] = 'none') { super(); }
  forward(x: Tensor): Tensor { return gelu(x, { approximate: this.approximate ?? 'none' }); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor { return x.sigmoid(); }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor { return x.tanh(); }
}

export class SiLU extends Module {
  forward(x: Tensor): Tensor { return x.silu(); }
}

export class Softmax extends Module {
  constructor(readonly dim: number) { super(); }
  forward(x: Tensor): Tensor { return x.softmax(this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
