/** matmul: 1-D/2-D/batched forms, batch broadcasting, strided operands, gradients (first and second order), errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, gradcheck, matmul, randn, tensor } from '../../src/index.js';
import { assertClose, gradgradcheck, leaf } from '../helpers.js';

/** matmul by the definition, on nested arrays of 2-D matrices. */
function naive(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}

const SHAPES: [number[], number[], number[]][] = [
  [[3], [3], []],
  [[3], [3, 2], [2]],
  [[2, 3], [3], [2]],
  [[2, 3], [3, 4], [2, 4]],
  [[2, 2, 3], [2, 3, 4], [2, 2, 4]],
  [[2, 1, 2, 3], [3, 3, 2], [2, 3, 2, 2]],
  [[2, 2, 3], [3, 4], [2, 2, 4]],
  [[3], [2, 3, 2], [2, 2]],
  [[2, 2, 3], [3], [2, 2]],
  [[1, 3], [3, 1], [1, 1]],
];

test('matmul: output shapes of 1-D, 2-D, batched and broadcast forms', () => {
  for (const [sa, sb, want] of SHAPES) assert.deepEqual(matmul(randn(sa), randn(sb)).shape, want, `[${sa}]·[${sb}]`);
});

test('matmul: gradcheck on every form, batch broadcasting included', () => {
  const g = new Generator(31);
  for (const [sa, sb] of SHAPES) {
    try {
      gradcheck((a, b) => a!.matmul(b!), [leaf(g, sa), leaf(g, sb)]);
    } catch (e) {
      throw new Error(`[${sa}]·[${sb}]: ${(e as Error).message}`);
    }
  }
});

test('matmul: gradcheck with transposed, strided and expanded operands', () => {
  const g = new Generator(32);
  gradcheck((a, b) => a!.mT.matmul(b!.mT), [leaf(g, [3, 2]), leaf(g, [4, 3])]);
  gradcheck((a, b) => a!.slice(1, 0, undefined, 2).matmul(b!.slice(0, 1, undefined, 2)), [leaf(g, [2, 6]), leaf(g, [7, 2])]);
  gradcheck((a, b) => a!.expand(3, 2, 3).matmul(b!), [leaf(g, [2, 3]), leaf(g, [3, 3, 2])]);
  gradcheck((a, b) => a!.permute(1, 0, 2).matmul(b!.transpose(-1, -2)), [leaf(g, [2, 2, 3]), leaf(g, [2, 4, 3])]);
  gradcheck((a) => a!.matmul(a!.mT), [leaf(g, [3, 2])]);
  gradcheck((a, b) => a!.select(0, 1).matmul(b!.select(-1, 0)), [leaf(g, [2, 2, 3]), leaf(g, [3, 2])]);
});

test('matmul: forward values against the definition, on contiguous and strided operands', () => {
  const a = [[1, 2, 3], [4, 5, 6]], b = [[7, 8], [9, 10], [11, 12]];
  const ta = tensor(a, { dtype: 'float64' }), tb = tensor(b, { dtype: 'float64' });
  assert.deepEqual(ta.matmul(tb).tolist(), [[58, 64], [139, 154]]);
  assert.deepEqual(tb.matmul(ta).tolist(), naive(b, a));
  assert.deepEqual(ta.mT.matmul(tb.mT).tolist(), naive([[1, 4], [2, 5], [3, 6]], [[7, 9, 11], [8, 10, 12]]));
  assert.deepEqual(tensor([1, 2, 3]).matmul(tensor([4, 5, 6])).tolist(), 32);
  assert.deepEqual(tensor([1, 1], { dtype: 'float64' }).matmul(ta).tolist(), [5, 7, 9]);
  assert.deepEqual(ta.matmul(tensor([1, 0, -1], { dtype: 'float64' })).tolist(), [-2, -2]);
  // Batched with broadcasting: every batch entry equals the 2-D product.
  const g = new Generator(33);
  const A = randn([2, 1, 3, 4], { dtype: 'float64', generator: g }), B = randn([3, 4, 2], { dtype: 'float64', generator: g });
  const C = A.matmul(B);
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) {
      const want = naive(A.select(0, i).select(0, 0).tolist() as number[][], B.select(0, j).tolist() as number[][]);
      assertClose(C.select(0, i).select(0, j), want, { rtol: 1e-14, atol: 1e-15 });
    }
  }
  // Strided and expanded operands give the same values as their contiguous copies.
  const s = randn([5, 8], { dtype: 'float64', generator: g }).slice(1, 0, undefined, 2);
  const t = randn([4, 1], { dtype: 'float64', generator: g }).expand(4, 3);
  assertClose(s.matmul(t), s.contiguous().matmul(t.contiguous()), { rtol: 1e-15, atol: 1e-15 });
  // A large enough product to cross the kernel's blocking (K > 128, N > 256).
  const P = randn([3, 130], { dtype: 'float64', generator: g }), Q = randn([130, 260], { dtype: 'float64', generator: g });
  assertClose(P.matmul(Q), naive(P.tolist() as number[][], Q.tolist() as number[][]), { rtol: 1e-12, atol: 1e-12 });
});

test('matmul: dtypes: int32 stays int32, float32 stays float32', () => {
  const i = tensor([[1, 2], [3, 4]], { dtype: 'int32' });
  const r = i.matmul(i);
  assert.equal(r.dtype, 'int32');
  assert.deepEqual(r.tolist(), [[7, 10], [15, 22]]);
  assert.equal(tensor([[1, 2]]).matmul(tensor([[3], [4]])).dtype, 'float32');
});

test('matmul: second order (gradcheck of a createGraph gradient)', () => {
  const g = new Generator(34);
  gradgradcheck((a, b) => a!.matmul(b!), [leaf(g, [2, 3]), leaf(g, [3, 2])], g);
  gradgradcheck((a, b) => a!.matmul(b!).tanh(), [leaf(g, [2, 3]), leaf(g, [3, 2])], g);
  gradgradcheck((a) => a!.matmul(a!.mT).square(), [leaf(g, [2, 3])], g);
  gradgradcheck((a, b) => a!.matmul(b!).square(), [leaf(g, [2, 1, 2, 3]), leaf(g, [2, 3, 2])], g);
  gradgradcheck((a, b) => a!.matmul(b!).exp(), [leaf(g, [3]), leaf(g, [3])], g);
});

test('matmul errors name the op, the shapes and the dtypes', () => {
  assert.throws(() => randn([2, 3]).matmul(randn([4, 5])), /matmul: shapes \[2, 3\] and \[4, 5\] cannot be multiplied \(3 columns vs 4 rows\)/);
  assert.throws(() => randn([3]).matmul(randn([4])), /matmul: shapes \[3\] and \[4\] cannot be multiplied/);
  assert.throws(() => randn([2, 2, 3]).matmul(randn([3, 3, 2])), /matmul: shapes \[2\] and \[3\] cannot be broadcast together/);
  assert.throws(() => randn([]).matmul(randn([3])), /matmul: both operands need at least one dim, got shapes \[\] and \[3\]/);
  assert.throws(() => randn([2, 2]).matmul(randn([2, 2], { dtype: 'float64' })), /matmul: operands must have the same dtype, got float32 and float64/);
  assert.throws(() => tensor([[true]]).matmul(tensor([[true]])), /matmul: bool tensors cannot be multiplied/);
});
