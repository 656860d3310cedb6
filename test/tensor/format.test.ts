/** toString prints as PyTorch does (torch/_tensor_str.py), with camelCase suffixes and plain dtype names. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { arange, ones, tensor, zeros } from '../../src/index.js';

test('a float matrix: 4 decimals, aligned rows', () => {
  assert.equal(tensor([[1, 2.5], [3, 4]]).toString(), 'tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])');
});

test('integer-valued floats print with a trailing dot', () => {
  assert.equal(tensor([1, 2]).toString(), 'tensor([1., 2.])');
  assert.equal(tensor([-1, 10]).toString(), 'tensor([-1., 10.])');
  assert.equal(zeros([2]).toString(), 'tensor([0., 0.])');
});

test('columns are padded to the widest value, signs included', () => {
  assert.equal(tensor([-1.5, 2]).toString(), 'tensor([-1.5000,  2.0000])');
  assert.equal(tensor([[1, 100], [-2, 3]]).toString(), 'tensor([[  1., 100.],\n        [ -2.,   3.]])');
  assert.equal(tensor([0.12345678, 10.5]).toString(), 'tensor([ 0.1235, 10.5000])');
});

test('float64 and int32 name their dtype; int32 prints plain integers', () => {
  assert.equal(tensor([[1, 2], [3, 4]], { dtype: 'float64' }).toString(), 'tensor([[1., 2.],\n        [3., 4.]], dtype=float64)');
  assert.equal(tensor([1, -2, 30], { dtype: 'int32' }).toString(), 'tensor([ 1, -2, 30], dtype=int32)');
  assert.equal(tensor([[1, 200], [-3, 4]], { dtype: 'int32' }).toString(), 'tensor([[  1, 200],\n        [ -3,   4]], dtype=int32)');
  assert.equal(arange(3).toString(), 'tensor([0, 1, 2], dtype=int32)');
});

test('bool prints True/False, padded, with no dtype', () => {
  assert.equal(tensor([true, false]).toString(), 'tensor([ True, False])');
  assert.equal(tensor([true, true]).toString(), 'tensor([True, True])');
  assert.equal(tensor([1, 2, 3]).gt(1.5).toString(), 'tensor([False,  True,  True])');
});

test('0-d tensors print the bare value', () => {
  assert.equal(tensor(3.5).toString(), 'tensor(3.5000)');
  assert.equal(tensor(2).toString(), 'tensor(2.)');
  assert.equal(tensor(-0.25, { dtype: 'float64' }).toString(), 'tensor(-0.2500, dtype=float64)');
  assert.equal(tensor(7, { dtype: 'int32' }).toString(), 'tensor(7, dtype=int32)');
  assert.equal(tensor(true).toString(), 'tensor(True)');
  assert.equal(tensor(1e-6).toString(), 'tensor(1.0000e-06)');
});

test('empty tensors: size unless 1-D, dtype unless float32', () => {
  assert.equal(zeros([0]).toString(), 'tensor([])');
  assert.equal(zeros([2, 0]).toString(), 'tensor([], size=(2, 0))');
  assert.equal(zeros([0, 3, 1]).toString(), 'tensor([], size=(0, 3, 1))');
  assert.equal(zeros([0], { dtype: 'int32' }).toString(), 'tensor([], dtype=int32)');
  assert.equal(zeros([0], { dtype: 'bool' }).toString(), 'tensor([], dtype=bool)');
  assert.equal(zeros([3, 0], { dtype: 'float64' }).toString(), 'tensor([], size=(3, 0), dtype=float64)');
});

test('requiresGrad and gradFn suffixes', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  assert.equal(x.toString(), 'tensor([1., 2.], requiresGrad=true)');
  assert.equal(x.mul(2).toString(), 'tensor([2., 4.], gradFn=<MulBackward>)');
  assert.equal(x.sum().toString(), 'tensor(3., gradFn=<SumBackward>)');
  assert.equal(x.neg().toString(), 'tensor([-1., -2.], gradFn=<NegBackward>)');
  assert.equal(tensor([1.5], { dtype: 'float64', requiresGrad: true }).toString(), 'tensor([1.5000], dtype=float64, requiresGrad=true)');
  assert.equal(x.detach().toString(), 'tensor([1., 2.])');
});

test('scientific notation when the range is wide, or values are tiny or huge', () => {
  assert.equal(tensor([1e-5, 1]).toString(), 'tensor([1.0000e-05, 1.0000e+00])');
  assert.equal(tensor([-1e-5, 1]).toString(), 'tensor([-1.0000e-05,  1.0000e+00])');
  assert.equal(tensor([0.5, 2000]).toString(), 'tensor([5.0000e-01, 2.0000e+03])');
  assert.equal(tensor([1.5, 2e8]).toString(), 'tensor([1.5000e+00, 2.0000e+08])');
  assert.equal(tensor([1e-5, 2e-5]).toString(), 'tensor([1.0000e-05, 2.0000e-05])');
  // Integer values switch to scientific too when their range is wide (ratio > 1000) or above 1e8.
  assert.equal(tensor([1, 10000]).toString(), 'tensor([1.0000e+00, 1.0000e+04])');
  assert.equal(tensor([2e8, 0], { dtype: 'float64' }).toString(), 'tensor([2.0000e+08, 0.0000e+00], dtype=float64)');
  // but not at exactly the limits.
  assert.equal(tensor([1, 1000]).toString(), 'tensor([   1., 1000.])');
  assert.equal(tensor([1e8], { dtype: 'float64' }).toString(), 'tensor([100000000.], dtype=float64)');
  // Zeros do not count towards the range.
  assert.equal(tensor([0, 0.001, 0.5]).toString(), 'tensor([0.0000, 0.0010, 0.5000])');
});

test('nan and inf print as such and do not widen the columns', () => {
  assert.equal(tensor([1, NaN, -Infinity]).toString(), 'tensor([1., nan, -inf])');
  assert.equal(tensor([1.5, Infinity]).toString(), 'tensor([1.5000,    inf])');
  assert.equal(tensor([NaN, NaN]).toString(), 'tensor([nan, nan])');
});

test('3-D tensors separate blocks with a blank line', () => {
  assert.equal(
    arange(8).float().reshape(2, 2, 2).toString(),
    'tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])',
  );
});

test('non-contiguous views print their logical order', () => {
  assert.equal(tensor([[1, 2], [3, 4]]).transpose(0, 1).toString(), 'tensor([[1., 3.],\n        [2., 4.]])');
  assert.equal(arange(6).float().reshape(2, 3).slice(1, 1, 3).toString(), 'tensor([[1., 2.],\n        [4., 5.]])');
});

test('long rows wrap at 80 columns', () => {
  assert.equal(
    arange(30).float().toString(),
    'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n' +
    '        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n' +
    '        28., 29.])',
  );
  for (const line of arange(30).float().toString().split('\n')) assert.ok(line.length <= 80, line);
});

test('a suffix that would pass 80 columns goes on its own line', () => {
  assert.equal(
    arange(14).double().toString(),
    'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.],\n       dtype=float64)',
  );
});

test('more than 1000 elements are summarised with "..."', () => {
  assert.equal(arange(1001).toString(), 'tensor([   0,    1,    2,  ...,  998,  999, 1000], dtype=int32)');
  assert.equal(
    zeros([100, 100]).toString(),
    'tensor([[0., 0., 0.,  ..., 0., 0., 0.],\n' +
    '        [0., 0., 0.,  ..., 0., 0., 0.],\n' +
    '        [0., 0., 0.,  ..., 0., 0., 0.],\n' +
    '        ...,\n' +
    '        [0., 0., 0.,  ..., 0., 0., 0.],\n' +
    '        [0., 0., 0.,  ..., 0., 0., 0.],\n' +
    '        [0., 0., 0.,  ..., 0., 0., 0.]])',
  );
  // The format is chosen from the values shown: 0..2 and 1997..1999 span more than 1000×, so scientific.
  assert.equal(
    arange(2000).float().toString(),
    'tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])',
  );
  // Summarised 3-D: only the edges of each dimension.
  const s = ones([20, 10, 10]).toString();
  assert.equal(s.split('\n\n').length, 7, 'three blocks, "...", three blocks');
  assert.ok(s.includes('\n\n        ...,\n\n'));
});

test('exactly 1000 elements are printed in full', () => {
  const s = arange(1000).toString();
  assert.ok(!s.includes('...'));
  // Width 3, so floor((80 − 7) / 5) = 14 per line: 72 lines.
  assert.equal(s.split('\n').length, Math.ceil(1000 / 14));
  assert.ok(s.includes(' 999]'));
});

test('util.inspect and String() give the same text', () => {
  const t = tensor([[1, 2.5], [3, 4]]);
  assert.equal(inspect(t), t.toString());
  assert.equal(String(t), t.toString());
  assert.equal(`${tensor([1, 2])}`, 'tensor([1., 2.])');
});
