/** Every example in examples/ runs, and does what its comment says. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main as mlp } from '../examples/mlp.js';

test('examples/mlp: the two-moons MLP trained by plain gradient descent separates the classes', () => {
  const lines: string[] = [];
  const { loss, accuracy } = mlp({ log: (s: string) => lines.push(s) });
  assert.ok(accuracy >= 0.99, `accuracy ${accuracy}`);
  assert.ok(loss < 0.05, `loss ${loss}`);
  assert.match(lines[0]!, /^step   0  loss 0\.\d{4}/);
});
