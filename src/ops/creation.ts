/**
 * Creating tensors. Shapes are given as an array (`zeros([2, 3])`) or as numbers (`zeros(2, 3)`),
 * options last. Random tensors draw from a seeded Generator (the default one unless given).
 */

import { type DType, type TypedArray, isFloat, typedArrayFor } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { type NestedArray, type Tensor, fromBuffer } from '../tensor/tensor.js';
import { allocate } from '../tensor/storage.js';
import { type Generator, defaultGenerator } from '../tensor/random.js';
import { type Shape, numel, shapeStr } from '../tensor/shape.js';
import { fullOf } from './copy.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

type ShapeArgs<O> = [readonly number[], O?] | number[] | [...number[], O];

function parseShape<O>(op: string, args: ShapeArgs<O>): [number[], O | undefined] {
  const [first, second] = args;
  const shape = Array.isArray(first) ? [...(first as readonly number[])] : (args as number[]).filter((a) => typeof a === 'number');
  const opts = Array.isArray(first) ? (second as O | undefined) : (args.find((a) => typeof a === 'object') as O | undefined);
  for (const n of shape) {
    if (!Number.isInteger(n) || n < 0) throw new Error(`${op}: shape ${shapeStr(shape)} must be made of non-negative integers`);
  }
  return [shape, opts];
}

function finish(t: Tensor, opts: CreateOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

function fromData(data: TypedArray, shape: Shape, dtype: DType): Tensor {
  const backend = getBackend();
  const buffer = allocate(backend, dtype, numel(shape));
  if (data.constructor !== typedArrayFor(dtype, 0).constructor) {
    const converted = typedArrayFor(dtype, data.length);
    for (let i = 0; i < data.length; i++) converted[i] = dtype === 'bool' ? +(data[i] !== 0) : data[i]!;
    data = converted;
  }
  backend.write(buffer, data);
  return fromBuffer(buffer, shape);
}

const dtypeOfArray = (a: TypedArray): DType =>
  a instanceof Float64Array ? 'float64' : a instanceof Int32Array ? 'int32' : a instanceof Uint8Array ? 'bool' : 'float32';

/**
 * A tensor from nested arrays, a typed array (1-D) or a number (0-D). The dtype follows the data:
 * a typed array keeps its own, booleans give bool, and numbers give float32 unless `dtype` says otherwise.
 */
export function tensor(data: NestedArray | TypedArray, opts: CreateOptions = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const dtype = opts.dtype ?? dtypeOfArray(data);
    return finish(fromData(data, [data.length], dtype), opts);
  }
  const shape: number[] = [];
  for (let level: NestedArray = data; Array.isArray(level); level = level[0]!) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const flat: number[] = [];
  let sawBool = false;
  const walk = (x: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof x === 'boolean') { sawBool = true; flat.push(+x); return; }
      if (typeof x !== 'number') throw new TypeError(`tensor: expected a number or boolean at ${path || 'the top level'}, got ${Array.isArray(x) ? 'an array' : typeof x}`);
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw new Error(`tensor: ragged nested array at ${path || 'the top level'}: expected ${shape[depth]} elements, got ${Array.isArray(x) ? x.length : typeof x}`);
    }
    x.forEach((v, i) => walk(v, depth + 1, `${path}[${i}]`));
  };
  walk(data, 0, '');
  const dtype = opts.dtype ?? (sawBool ? 'bool' : 'float32');
  return finish(fromData(Float64Array.from(flat), shape, dtype), opts);
}

export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  const [s] = parseShape('full', [shape]);
  return finish(fullOf(s, value, opts.dtype ?? 'float32', null), opts);
}

export function zeros(...args: ShapeArgs<CreateOptions>): Tensor {
  const [shape, opts] = parseShape('zeros', args);
  return full(shape, 0, opts);
}

export function ones(...args: ShapeArgs<CreateOptions>): Tensor {
  const [shape, opts] = parseShape('ones', args);
  return full(shape, 1, opts);
}

/** Values from start (inclusive) to end (exclusive) by step: `arange(n)`, `arange(a, b)`, `arange(a, b, step)`, options last. */
export function arange(...args: [number, CreateOptions?] | [number, number, CreateOptions?] | [number, number, number, CreateOptions?]): Tensor {
  const nums = args.filter((a): a is number => typeof a === 'number');
  const opts = (args.find((a) => typeof a === 'object') ?? {}) as CreateOptions;
  const [start, end, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
  if (step === 0) throw new Error('arange: step must be nonzero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  const integral = [start, end, step].every(Number.isInteger);
  return finish(fromData(values, [n], opts.dtype ?? (integral ? 'int32' : 'float32')), opts);
}

/** `steps` evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${steps}`);
  const values = new Float64Array(steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends, as PyTorch does, so the last value is exactly `end` (a single step is `start`).
  const half = Math.max(1, Math.floor(steps / 2));
  for (let i = 0; i < steps; i++) values[i] = i < half ? start + i * delta : end - (steps - 1 - i) * delta;
  return finish(fromData(values, [steps], opts.dtype ?? 'float32'), opts);
}

export function eye(n: number, m: number = n, opts: CreateOptions = {}): Tensor {
  const values = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return finish(fromData(values, [n, m], opts.dtype ?? 'float32'), opts);
}

function random(op: string, args: ShapeArgs<RandomOptions>, draw: (g: Generator) => number): Tensor {
  const [shape, opts] = parseShape(op, args);
  const dtype = opts?.dtype ?? 'float32';
  if (!isFloat(dtype)) throw new TypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  const g = opts?.generator ?? defaultGenerator;
  const values = new Float64Array(numel(shape));
  for (let i = 0; i < values.length; i++) values[i] = draw(g);
  return finish(fromData(values, shape, dtype), opts);
}

/** Uniform samples in [0, 1). */
export function rand(...args: ShapeArgs<RandomOptions>): Tensor {
  return random('rand', args, (g) => g.random());
}

/** Standard normal samples. */
export function randn(...args: ShapeArgs<RandomOptions>): Tensor {
  return random('randn', args, (g) => g.normal());
}

/** Uniform integers in [low, high), int32. */
export function randint(low: number, high: number, shape: readonly number[], opts: { generator?: Generator } = {}): Tensor {
  if (!(high > low)) throw new Error(`randint: high (${high}) must be greater than low (${low})`);
  const g = opts.generator ?? defaultGenerator;
  const values = new Int32Array(numel(shape));
  for (let i = 0; i < values.length; i++) values[i] = g.randint(low, high);
  return fromData(values, shape, 'int32');
}

export const zerosLike = (x: Tensor, opts: CreateOptions = {}): Tensor => full(x.shape, 0, { dtype: x.dtype, ...opts });
export const onesLike = (x: Tensor, opts: CreateOptions = {}): Tensor => full(x.shape, 1, { dtype: x.dtype, ...opts });
export const fullLike = (x: Tensor, value: number, opts: CreateOptions = {}): Tensor => full(x.shape, value, { dtype: x.dtype, ...opts });
export const randLike = (x: Tensor, opts: RandomOptions = {}): Tensor => rand(x.shape, { dtype: x.dtype, ...opts });
export const randnLike = (x: Tensor, opts: RandomOptions = {}): Tensor => randn(x.shape, { dtype: x.dtype, ...opts });
