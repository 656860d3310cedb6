/** Shape arithmetic: sizes, strides, broadcasting, dim normalisation, -1 inference and viewStrides. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../src/index.js';
import {
  broadcastShapes, broadcastStrides, contiguousStrides, inferShape, isContiguous, normalizeDim, normalizeDims, numel,
  sameShape, shapeStr, viewStrides,
} from '../../src/tensor/shape.js';

test('numel, contiguousStrides, shapeStr, sameShape', () => {
  assert.equal(numel([]), 1);
  assert.equal(numel([2, 3, 4]), 24);
  assert.equal(numel([2, 0, 4]), 0);
  assert.deepEqual(contiguousStrides([]), []);
  assert.deepEqual(contiguousStrides([5]), [1]);
  assert.deepEqual(contiguousStrides([2, 3, 4]), [12, 4, 1]);
  assert.deepEqual(contiguousStrides([2, 1, 3]), [3, 3, 1]);
  assert.equal(shapeStr([]), '[]');
  assert.equal(shapeStr([2, 3]), '[2, 3]');
  assert.ok(sameShape([2, 3], [2, 3]));
  assert.ok(!sameShape([2, 3], [3, 2]));
  assert.ok(!sameShape([2, 3], [2, 3, 1]));
  assert.ok(sameShape([], []));
});

test('isContiguous: row-major strides, size-1 dims may have any stride', () => {
  assert.ok(isContiguous([], []));
  assert.ok(isContiguous([2, 3], [3, 1]));
  assert.ok(!isContiguous([3, 2], [1, 3]));
  assert.ok(isContiguous([2, 1, 3], [3, 99, 1]));
  assert.ok(isContiguous([1, 4], [0, 1]));
  assert.ok(!isContiguous([2, 3], [6, 2]));
  assert.ok(!isContiguous([3, 4], [0, 1]));
  assert.ok(isContiguous([0, 3], [3, 1]));
});

test('broadcastShapes: NumPy rules, several shapes, errors naming the op, the shapes and the dim', () => {
  assert.deepEqual(broadcastShapes('add', [3, 1, 4], [2, 1]), [3, 2, 4]);
  assert.deepEqual(broadcastShapes('add', [], [2, 3]), [2, 3]);
  assert.deepEqual(broadcastShapes('add', [2, 3], []), [2, 3]);
  assert.deepEqual(broadcastShapes('add', [4], [3, 1]), [3, 4]);
  assert.deepEqual(broadcastShapes('add', [1], [0]), [0]);
  assert.deepEqual(broadcastShapes('where', [3, 1], [1, 4], []), [3, 4]);
  assert.deepEqual(broadcastShapes('where', [2, 1, 1], [1, 5, 1], [7]), [2, 5, 7]);
  assert.throws(() => broadcastShapes('add', [2, 3], [4]), /add: shapes \[2, 3\] and \[4\] cannot be broadcast together \(dimension 1: 3 vs 4\)/);
  assert.deepEqual(broadcastShapes('mul', [2, 1], [3, 1, 5]), [3, 2, 5]);
  assert.throws(() => broadcastShapes('mul', [2, 1], [3, 3, 5]), /mul: shapes \[2, 1\] and \[3, 3, 5\] cannot be broadcast together \(dimension 1: 2 vs 3\)/);
  assert.throws(() => broadcastShapes('where', [2], [3], [1]), /where: shapes \[2\] and \[3\] and \[1\] cannot be broadcast together \(dimension 0: 2 vs 3\)/);
  assert.throws(() => broadcastShapes('add', [0], [2]), /add: shapes \[0\] and \[2\]/);
});

test('broadcastStrides: stride 0 along broadcast and new leading dims', () => {
  assert.deepEqual(broadcastStrides([3, 1], [1, 1], [2, 3, 4]), [0, 1, 0]);
  assert.deepEqual(broadcastStrides([], [], [2, 2]), [0, 0]);
  assert.deepEqual(broadcastStrides([2, 3], [3, 1], [2, 3]), [3, 1]);
  assert.deepEqual(broadcastStrides([4, 3], [1, 4], [5, 4, 3]), [0, 1, 4]);
  assert.deepEqual(broadcastStrides([1, 1], [7, 7], [1, 1]), [7, 7]);
});

test('normalizeDim and normalizeDims: negative dims, range errors, repeats', () => {
  assert.equal(normalizeDim('sum', -1, 3), 2);
  assert.equal(normalizeDim('sum', 0, 3), 0);
  assert.equal(normalizeDim('sum', -3, 3), 0);
  // A 0-d tensor accepts dim 0 and -1, as in PyTorch.
  assert.equal(normalizeDim('sum', 0, 0), 0);
  assert.equal(normalizeDim('sum', -1, 0), 0);
  assert.throws(() => normalizeDim('softmax', 3, 3), (e: Error) => e instanceof RangeError && /softmax: dim 3 is out of range for a tensor of 3 dimensions/.test(e.message));
  assert.throws(() => normalizeDim('sum', -4, 3), /sum: dim -4 is out of range for a tensor of 3 dimensions/);
  assert.throws(() => normalizeDim('sum', 1, 1), /sum: dim 1 is out of range for a tensor of 1 dimension$/);
  assert.throws(() => normalizeDim('sum', 0.5, 2), /sum: dim 0.5 is out of range/);
  assert.deepEqual(normalizeDims('sum', undefined, 3), [0, 1, 2]);
  assert.deepEqual(normalizeDims('sum', -1, 3), [2]);
  assert.deepEqual(normalizeDims('sum', [2, -3], 3), [0, 2]);
  assert.deepEqual(normalizeDims('sum', [], 3), []);
  assert.throws(() => normalizeDims('mean', [1, -2], 3), /mean: dim \[1, 1\] repeats a dimension/);
  assert.throws(() => normalizeDims('mean', [0, 5], 3), /mean: dim 5 is out of range/);
});

test('inferShape: resolves one -1, rejects bad shapes with the op and both shapes', () => {
  assert.deepEqual(inferShape('reshape', [3, -1], 12, [2, 6]), [3, 4]);
  assert.deepEqual(inferShape('reshape', [-1], 12, [2, 6]), [12]);
  assert.deepEqual(inferShape('reshape', [2, 6], 12, [12]), [2, 6]);
  assert.deepEqual(inferShape('reshape', [], 1, [1, 1]), []);
  assert.deepEqual(inferShape('reshape', [-1, 1], 0, [0]), [0, 1]);
  assert.throws(() => inferShape('reshape', [5, -1], 12, [2, 6]), /reshape: shape \[5, -1\] is invalid for input of shape \[2, 6\] \(12 elements\)/);
  assert.throws(() => inferShape('view', [5], 12, [2, 6]), /view: shape \[5\] is invalid for input of shape \[2, 6\] \(12 elements\)/);
  assert.throws(() => inferShape('reshape', [-1, -1], 12, [2, 6]), /reshape: only one dimension can be -1, got \[-1, -1\]/);
  assert.throws(() => inferShape('reshape', [-2, -6], 12, [2, 6]), /reshape: shape \[-2, -6\] is invalid/);
  assert.throws(() => inferShape('reshape', [0, -1], 0, [0, 3]), /reshape: shape \[0, -1\] is invalid for input of shape \[0, 3\] \(0 elements\)/);
});

test('viewStrides: contiguous input views as anything of the same size', () => {
  assert.deepEqual(viewStrides([2, 3, 4], [12, 4, 1], [6, 4]), [4, 1]);
  assert.deepEqual(viewStrides([2, 3, 4], [12, 4, 1], [24]), [1]);
  assert.deepEqual(viewStrides([24], [1], [2, 3, 4]), [12, 4, 1]);
  assert.deepEqual(viewStrides([2, 3], [3, 1], [2, 1, 3, 1]), [3, 3, 1, 1]);
  assert.deepEqual(viewStrides([], [], [1, 1]), [1, 1]);
  assert.deepEqual(viewStrides([1, 1], [1, 1], []), []);
  assert.deepEqual(viewStrides([0, 3], [3, 1], [3, 0]), [0, 1]);
});

test('viewStrides: non-contiguous views (transposed, sliced with a step, expanded)', () => {
  // Transposed [3, 4] → [4, 3] with strides [1, 4]: dims cannot merge, but each may split or gain 1s.
  assert.equal(viewStrides([4, 3], [1, 4], [12]), null);
  assert.equal(viewStrides([4, 3], [1, 4], [3, 4]), null);
  assert.deepEqual(viewStrides([4, 3], [1, 4], [2, 2, 3]), [2, 1, 4]);
  assert.deepEqual(viewStrides([4, 3], [1, 4], [4, 3, 1]), [1, 4, 4]);
  assert.deepEqual(viewStrides([4, 3], [1, 4], [1, 4, 1, 3]), [4, 1, 12, 4]);
  assert.deepEqual(viewStrides([4, 3], [1, 4], [4, 3]), [1, 4]);
  // Sliced with a step: [3, 4] strides [4, 1], every other column → [3, 2] strides [4, 2]; uniform, so it flattens.
  assert.deepEqual(viewStrides([3, 2], [4, 2], [6]), [2]);
  // Every third column: [3, 2] strides [4, 3] does not.
  assert.equal(viewStrides([3, 2], [4, 3], [6]), null);
  assert.deepEqual(viewStrides([3, 2], [4, 3], [3, 1, 2]), [4, 6, 3]);
  // Rows sliced with a step keep contiguous rows: [4, 3, 2] → every other row [2, 3, 2] strides [12, 2, 1].
  assert.deepEqual(viewStrides([2, 3, 2], [12, 2, 1], [2, 6]), [12, 1]);
  assert.deepEqual(viewStrides([2, 3, 2], [12, 2, 1], [2, 2, 3]), [12, 3, 1]);
  assert.equal(viewStrides([2, 3, 2], [12, 2, 1], [12]), null);
  assert.equal(viewStrides([2, 3, 2], [12, 2, 1], [4, 3]), null);
  // Expanded: [4] → [3, 4] strides [0, 1].
  assert.equal(viewStrides([3, 4], [0, 1], [12]), null);
  assert.deepEqual(viewStrides([3, 4], [0, 1], [3, 2, 2]), [0, 2, 1]);
  assert.deepEqual(viewStrides([3, 4], [0, 1], [3, 1, 4]), [0, 4, 1]);
  // Fully expanded scalar: any shape of the same size is a view with stride 0.
  assert.deepEqual(viewStrides([2, 3], [0, 0], [6]), [0]);
  assert.deepEqual(viewStrides([2, 3], [0, 0], [3, 2]), [0, 0]);
  // Size-1 dims with odd strides do not get in the way.
  assert.deepEqual(viewStrides([2, 1, 3], [3, 100, 1], [6]), [1]);
});

// ---- property: every view viewStrides returns reads exactly the original elements -----------------

/** Element offsets of a (shape, strides, offset) view in row-major order. */
function offsets(shape: readonly number[], strides: readonly number[], start = 0): number[] {
  const out: number[] = [];
  const n = numel(shape);
  for (let k = 0; k < n; k++) {
    let rem = k, off = start;
    for (let d = shape.length - 1; d >= 0; d--) {
      off += (rem % shape[d]!) * strides[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    out.push(off);
  }
  return out;
}

/** Whether any strides make `target` read the same offsets (brute force: strides are forced by the unit steps). */
function viewExists(shape: readonly number[], strides: readonly number[], target: readonly number[]): boolean {
  const want = offsets(shape, strides);
  if (want.length === 0) return true;
  const unit = contiguousStrides(target);
  const s = target.map((n, d) => (n > 1 ? want[unit[d]!]! - want[0]! : 0));
  const got = offsets(target, s, want[0]!);
  return got.every((v, i) => v === want[i]);
}

function randomShapes(g: Generator, n: number): number[][] {
  // All factorisations of n into 1 to 4 factors (with 1s sprinkled in), sampled.
  const out: number[][] = [];
  const rec = (left: number, acc: number[]): void => {
    if (acc.length > 4) return;
    if (left === 1) out.push(acc);
    for (let f = 2; f <= left; f++) if (left % f === 0) rec(left / f, [...acc, f]);
  };
  rec(n, []);
  return out.map((s) => {
    const t = [...s];
    if (g.random() < 0.3) t.splice(g.randint(0, t.length + 1), 0, 1);
    return t;
  });
}

test('viewStrides property: a returned view reads the same elements; null only where no view exists', () => {
  const g = new Generator(81);
  let views = 0, refusals = 0;
  for (let trial = 0; trial < 300; trial++) {
    // A random non-contiguous layout: permute a contiguous block, slice dims with steps, expand size-1 dims.
    const nd = g.randint(1, 4);
    let shape = Array.from({ length: nd }, () => g.randint(1, 5));
    let strides = contiguousStrides(shape);
    const perm = shape.map((_, i) => i).sort(() => g.random() - 0.5);
    shape = perm.map((d) => shape[d]!);
    strides = perm.map((d) => strides[d]!);
    for (let d = 0; d < nd; d++) {
      const r = g.random();
      if (r < 0.25 && shape[d]! > 2) {
        const step = g.randint(2, 3);
        shape[d] = Math.ceil(shape[d]! / step);
        strides[d] = strides[d]! * step;
      } else if (r < 0.4 && shape[d] === 1) {
        shape[d] = g.randint(2, 4);
        strides[d] = 0;
      }
    }
    for (const target of randomShapes(g, numel(shape))) {
      const s = viewStrides(shape, strides, target);
      const exists = viewExists(shape, strides, target);
      const what = `shape ${shapeStr(shape)} strides ${shapeStr(strides)} → ${shapeStr(target)}`;
      if (s) {
        views++;
        assert.equal(s.length, target.length, what);
        assert.deepEqual(offsets(target, s), offsets(shape, strides), `${what}: strides ${shapeStr(s)} read other elements`);
      } else {
        refusals++;
        assert.ok(!exists, `${what}: a view exists but viewStrides refused it`);
      }
    }
  }
  assert.ok(views > 100 && refusals > 100, `exercised ${views} views and ${refusals} refusals`);
});
