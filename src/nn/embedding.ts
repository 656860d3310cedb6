/** Embedding: a lookup table of `numEmbeddings` vectors of size `embeddingDim`, initialised N(0, 1). */

import type { DType } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../ops/creation.js';
import { embedding } from './functional.js';
import { type InitOptions, normal_ } from './init.js';
import { Module, Parameter } from './module.js';

export class Embedding extends Module {
  weight: Parameter;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: InitOptions & { dtype?: DType } = {}) {
    super();
    this.weight = new Parameter(normal_(zeros([numEmbeddings, embeddingDim], { dtype: opts.dtype ?? 'float32' }), 0, 1, opts));
  }

  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}`;
  }
}
