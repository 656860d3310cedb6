/**
 * Shared test helpers: closeness checks with messages that show where values differ, second-order
 * gradient checks, and finding and decoding the fixtures in test/fixtures.
 */

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DType, type Generator, type Tensor, cat, grad, gradcheck, noGrad, randn, tensor } from '../src/index.js';

// ---- closeness ----------------------------------------------------------------------------------

export interface CloseOptions {
  rtol?: number;
  atol?: number;
}

function flatten(x: unknown): number[] {
  if (Array.isArray(x)) return x.flatMap(flatten);
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (typeof x === 'boolean') return [+x];
  return [x as number];
}

/** Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise; NaNs must match NaNs. */
export function assertClose(actual: Tensor | unknown, expected: unknown, opts: CloseOptions = {}, what = 'value'): void {
  const { rtol = 1e-5, atol = 1e-7 } = opts;
  const a = flatten(isTensor(actual) ? actual.dataSync() : actual);
  const e = flatten(isTensor(expected) ? expected.dataSync() : expected);
  assert.equal(a.length, e.length, `${what}: ${a.length} elements, expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = e[i]!;
    if (Number.isNaN(y)) { assert.ok(Number.isNaN(x), `${what}[${i}]: got ${x}, expected NaN`); continue; }
    if (!Number.isFinite(y)) { assert.equal(x, y, `${what}[${i}]`); continue; }
    assert.ok(Math.abs(x - y) <= atol + rtol * Math.abs(y), `${what}[${i}]: got ${x}, expected ${y} (rtol ${rtol}, atol ${atol})`);
  }
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'dataSync' in x && 'shape' in x;
}

// ---- gradients ----------------------------------------------------------------------------------

/** A float64 leaf of the given shape, drawn from g, that requires grad. */
export const leaf = (g: Generator, shape: number[]): Tensor => randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });

/** gradchecks the first gradient of f, built with createGraph, against the inputs and the output weights. */
export function gradgradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], g: Generator): void {
  const y = noGrad(() => f(...inputs));
  const w = randn(y.shape, { dtype: 'float64', generator: g, requiresGrad: true });
  gradcheck((...args: Tensor[]) => {
    const xs = args.slice(0, -1), v = args[args.length - 1]!;
    const gs = grad(f(...xs), xs, { gradOutputs: [v], createGraph: true, allowUnused: true });
    return cat(gs.map((t) => t.reshape(-1)));
  }, [...inputs, w]);
}

// ---- the repository and its fixtures ------------------------------------------------------------

const isRoot = (dir: string): boolean =>
  existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src')) && existsSync(join(dir, 'test', 'fixtures'));

let root: string | undefined;

/**
 * The repository root: the nearest directory holding package.json, src/ and test/fixtures/ above
 * this file (test/ in the sources, build/test once compiled) or, when the tests were compiled
 * outside the repository, above the working directory. Each walk stops at the filesystem root.
 */
export function repoRoot(): string {
  if (root !== undefined) return root;
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (isRoot(dir)) return (root = dir);
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error(
    `no directory with package.json, src/ and test/fixtures/ above ${fileURLToPath(import.meta.url)} or ${process.cwd()}; run the tests from the repository`,
  );
}

/** The path of test/fixtures/<name>; throws if the file is missing. */
export function fixturePath(name: string): string {
  const path = join(repoRoot(), 'test', 'fixtures', name);
  if (!existsSync(path)) throw new Error(`${path} not found; regenerate the fixtures with \`npm run fixtures\``);
  return path;
}

/** test/fixtures/<name>, parsed as JSON. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as T;
}

/** A number as the fixture generators write it: JSON has no infinities or NaN, so those are strings. */
export type Num = number | 'inf' | '-inf' | 'nan';

export const num = (v: Num): number => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === 'nan' ? NaN : v);

/** A tensor as the fixture generators write it: its shape and its values flattened in row-major order. */
export interface FixtureTensor {
  shape: number[];
  /** Left out of some fixtures' gradients and cotangents: theirs is the dtype of the input or output they belong to. */
  dtype?: DType;
  values: Num[];
  requiresGrad?: boolean;
}

/** The values of a fixture tensor, infinities and NaN decoded. */
export const numbers = (s: { values: readonly Num[] }): number[] => s.values.map(num);

/** The tensor a fixture describes, with its dtype and shape, requiring grad where the fixture says so. */
export function fromFixture(s: FixtureTensor & { dtype: DType }): Tensor {
  const t = tensor(Float64Array.from(numbers(s)), { dtype: s.dtype }).reshape(s.shape);
  return s.requiresGrad ? t.requiresGrad_() : t;
}
