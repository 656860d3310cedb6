/**
 * Replays test/fixtures/optim.json (written by test/fixtures/generate_optim.py with torch): the same
 * float64 linear least-squares problem, stepped by descent's optimizer with the case's options and
 * groups, gradients from descent's autograd, compared with torch's parameters after every step.
 */

import { type NestedArray, type Tensor, tensor } from '../../src/index.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { type Num, assertClose, readFixture } from '../helpers.js';

export interface OptimCase {
  name: string;
  optimizer: string;
  options: Record<string, unknown>;
  groups?: Array<Record<string, unknown> & { params: number[] }>;
  /** The flattened [W, b] after each step. */
  steps: number[][];
}

export interface ClipNormCase {
  name: string;
  maxNorm: number;
  normType: Num;
  shapes: number[][];
  grads: Num[][];
  totalNorm: number;
  clipped: Num[][];
}

export interface ClipValueCase {
  name: string;
  clipValue: number;
  shapes: number[][];
  grads: Num[][];
  clipped: Num[][];
}

interface Fixtures {
  problem: { x: NestedArray; y: NestedArray; w: NestedArray; b: NestedArray };
  optim: OptimCase[];
  clipGradNorm: ClipNormCase[];
  clipGradValue: ClipValueCase[];
}

export const fixtures = readFixture<Fixtures>('optim.json');

/** The cases of one optimizer; an optimizer with none is a broken fixtures file, not a pass. */
export function casesOf(optimizer: string): OptimCase[] {
  const cases = fixtures.optim.filter((c) => c.optimizer === optimizer);
  if (cases.length === 0) throw new Error(`optim.json has no cases for ${optimizer}; rerun test/fixtures/generate_optim.py`);
  return cases;
}

/** Fresh copies of the problem's starting parameters [W, b], as float64 leaves. */
export function freshParams(): [Tensor, Tensor] {
  const { w, b } = fixtures.problem;
  return [tensor(w, { dtype: 'float64', requiresGrad: true }), tensor(b, { dtype: 'float64', requiresGrad: true })];
}

/** Mean squared error of x·Wᵀ + b against y. */
export function lossOf(w: Tensor, b: Tensor): Tensor {
  const { x, y } = fixtures.problem;
  const X = tensor(x, { dtype: 'float64' });
  const Y = tensor(y, { dtype: 'float64' });
  return X.matmul(w.mT).add(b).sub(Y).square().mean();
}

/** One training step: fresh gradients, then the optimizer's update. */
export function trainStep(opt: Optimizer<{ lr: number }>, w: Tensor, b: Tensor): void {
  opt.zeroGrad();
  lossOf(w, b).backward();
  opt.step();
}

/** Builds the optimizer under test; options arrive as the fixture spells them. */
export type Factory = (params: never, options: never) => Optimizer<{ lr: number }>;

/**
 * Runs the case with descent and checks every step against torch to 1e-10 relative. The displacement
 * from the start is checked as well, so a small lr (Lion's 1e-4) cannot hide a wrong update in the
 * parameter's leading digits.
 */
export function assertTrajectory(make: Factory, c: OptimCase): void {
  const [w, b] = freshParams();
  const params = [w, b];
  const start = [...w.dataSync(), ...b.dataSync()];
  const groups = c.groups?.map((g) => ({ ...g, params: g.params.map((i) => params[i]!) }));
  const opt = make((groups ?? params) as never, c.options as never);
  c.steps.forEach((expected, k) => {
    trainStep(opt, w, b);
    const actual = [...w.dataSync(), ...b.dataSync()];
    assertClose(actual, expected, { rtol: 1e-10, atol: 0 }, `${c.name}: step ${k + 1}`);
    const moved = (xs: number[]) => xs.map((v, i) => v - start[i]!);
    assertClose(moved(actual), moved(expected), { rtol: 1e-8, atol: 1e-15 }, `${c.name}: displacement after step ${k + 1}`);
  });
}
