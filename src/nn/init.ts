/**
 * Parameter initialisation, in place and outside the graph (torch.nn.init). Each draws from the
 * default generator unless one is given, so `manualSeed` makes a model's initial weights reproducible.
 */

import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Generator, defaultGenerator } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { full, rand, randn, tensor } from '../ops/creation.js';

export interface InitOptions {
  generator?: Generator;
}

export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';
export type FanMode = 'fanIn' | 'fanOut';

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': return Math.sqrt(2 / (1 + (param ?? 0.01) ** 2));
    case 'selu': return 3 / 4;
  }
}

/** fan_in and fan_out of a weight: [out, in, ...receptive field]. */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new Error(`init: fan in and fan out need a tensor of at least 2 dims, got shape ${shapeStr(t.shape)}`);
  const field = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * field, fanOut: t.shape[0]! * field };
}

function fill(t: Tensor, values: Tensor): Tensor {
  noGrad(() => t.copy_(values));
  return t;
}

export const uniform_ = (t: Tensor, a = 0, b = 1, opts: InitOptions = {}): Tensor =>
  fill(t, rand(t.shape, { dtype: 'float64', ...opts }).mul(b - a).add(a));

export const normal_ = (t: Tensor, mean = 0, std = 1, opts: InitOptions = {}): Tensor =>
  fill(t, randn(t.shape, { dtype: 'float64', ...opts }).mul(std).add(mean));

export const constant_ = (t: Tensor, value: number): Tensor => fill(t, full(t.shape, value, { dtype: t.dtype }));
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** Normal samples redrawn until they fall in [a, b] (the same distribution PyTorch's inverse-CDF method gives). */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, opts: InitOptions = {}): Tensor {
  if (!(a < b)) throw new Error(`truncNormal_: a (${a}) must be below b (${b})`);
  const g = opts.generator ?? defaultGenerator;
  const values = new Float64Array(t.size);
  for (let i = 0; i < values.length; i++) {
    let v: number;
    let tries = 0;
    do {
      v = mean + std * g.normal();
      if (++tries > 10_000) throw new Error(`truncNormal_: [${a}, ${b}] holds almost no mass of N(${mean}, ${std}²)`);
    } while (v < a || v > b);
    values[i] = v;
  }
  return fill(t, tensor(values).reshape(t.shape));
}

export function xavierUniform_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, opts);
}

export function xavierNormal_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), opts);
}

export interface KaimingOptions extends InitOptions {
  /** The negative slope of the leaky ReLU that follows (0 for ReLU). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, opts: KaimingOptions): number {
  const { fanIn, fanOut } = fans(t);
  const fan = (opts.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  return calculateGain(opts.nonlinearity ?? 'leakyRelu', opts.a ?? 0) / Math.sqrt(fan);
}

export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -bound, bound, opts);
}

export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, opts), opts);
}
