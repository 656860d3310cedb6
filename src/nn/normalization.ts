/** LayerNorm and RMSNorm over the trailing `normalizedShape` dims, with an optional learned scale (and shift). */

import type { DType } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { ones, zeros } from '../ops/creation.js';
import { layerNorm, rmsNorm } from './functional.js';
import { Module, Parameter } from './module.js';

export interface NormOptions {
  eps?: number;
  /** Learn a per-element scale (and, for LayerNorm, a shift). */
  elementwiseAffine?: boolean;
  dtype?: DType;
}

const asShape = (s: number | readonly number[]): number[] => (typeof s === 'number' ? [s] : [...s]);

export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: NormOptions & { bias?: boolean } = {}) {
    super();
    this.normalizedShape = asShape(normalizedShape);
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.elementwiseAffine ?? true;
    const dtype = opts.dtype ?? 'float32';
    this.weight = affine ? new Parameter(ones(this.normalizedShape, { dtype })) : null;
    this.bias = affine && (opts.bias ?? true) ? new Parameter(zeros(this.normalizedShape, { dtype })) : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}

export class RMSNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number | undefined;
  weight: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: NormOptions = {}) {
    super();
    this.normalizedShape = asShape(normalizedShape);
    this.eps = opts.eps;
    this.weight = (opts.elementwiseAffine ?? true) ? new Parameter(ones(this.normalizedShape, { dtype: opts.dtype ?? 'float32' })) : null;
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, this.weight, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps ?? 'machine epsilon'}`;
  }
}
