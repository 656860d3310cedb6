/**
 * The cases of test/fixtures/nn.json (written by test/fixtures/generate_nn.py with torch, float64)
 * and their replay, shared by the functional and loss tests: each keeps the functions it replays.
 */

import assert from 'node:assert/strict';
import { type DType, type Tensor, grad } from '../../src/index.js';
import { type FixtureTensor, assertClose, fromFixture, numbers, readFixture } from '../helpers.js';

export type Spec = FixtureTensor & { dtype: DType };

export interface Case {
  name: string;
  fn: string;
  args: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  inputs: Record<string, Spec>;
  output: Spec;
  gradOutput: Spec;
  grads: Record<string, Spec>;
}

export type Inputs = Record<string, Tensor>;

/** Every case of nn.json. */
export const loadCases = (): Case[] => readFixture<{ cases: Case[] }>('nn.json').cases;

const TOL = { rtol: 1e-10, atol: 1e-12 };

/**
 * Runs fn on the case's inputs and asserts torch's output shape and values, then the gradients of
 * (output · gradOutput).sum() with respect to every input the case has a gradient for, all to 1e-10
 * relative. A case with no gradients (no input requires grad) checks the output only.
 */
export function assertReplays(c: Case, fn: (inputs: Inputs, args: Case['args']) => Tensor): void {
  const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, s]) => [k, fromFixture(s)]));
  const out = fn(inputs, c.args);
  assert.deepEqual([...out.shape], c.output.shape, 'output shape');
  assertClose(out, numbers(c.output), TOL, 'output');
  const names = Object.keys(c.grads);
  if (!names.length) return;
  const gs = grad(out, names.map((k) => inputs[k]!), { gradOutputs: [fromFixture(c.gradOutput)] });
  names.forEach((k, j) => assertClose(gs[j]!, numbers(c.grads[k]!), TOL, `d/d${k}`));
}
