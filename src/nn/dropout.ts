/** Dropout: active in train mode, the identity after eval(). */

import type { Tensor } from '../tensor/tensor.js';
import type { Generator } from '../tensor/random.js';
import { dropout } from './functional.js';
import { Module } from './module.js';

export class Dropout extends Module {
  constructor(readonly p = 0.5, readonly generator?: Generator) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be in [0, 1], got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training, ...(this.generator ? { generator: this.generator } : {}) });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
