/** Shape ops: values, storage sharing, view() vs reshape(), gradients (first and second order), errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, Generator, arange, gradcheck, noGrad, tensor, zeros } from '../../src/index.js';
import { assertClose, gradgradcheck, leaf } from '../helpers.js';

/** [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]] as float32. */
const grid = (): Tensor => arange(12, { dtype: 'float32' }).reshape(3, 4);

// ---- gradients ----------------------------------------------------------------------------------

const viewCases: [string, number[], (x: Tensor) => Tensor][] = [
  ['reshape', [2, 3, 2], (x) => x.reshape(3, -1)],
  ['reshape to 0-d', [1, 1], (x) => x.reshape([])],
  ['reshape from 0-d', [], (x) => x.reshape(1, 1)],
  ['view', [2, 6], (x) => x.view([4, 3])],
  ['flatten', [2, 3, 2], (x) => x.flatten()],
  ['flatten(1, -1)', [2, 3, 2], (x) => x.flatten(1, -1)],
  ['flatten(-3, -2)', [2, 3, 2], (x) => x.flatten(-3, -2)],
  ['transpose', [2, 3, 4], (x) => x.transpose(0, -1)],
  ['mT', [2, 3, 4], (x) => x.mT],
  ['permute', [2, 3, 4], (x) => x.permute(-1, 0, 1)],
  ['expand', [3, 1], (x) => x.expand(2, 3, 4)],
  ['expand -1', [1, 4], (x) => x.expand(3, -1)],
  ['expand 0-d', [], (x) => x.expand(2, 2)],
  ['expandAs', [3, 1], (x) => x.expandAs(zeros([3, 2]))],
  ['squeeze', [2, 1, 3, 1], (x) => x.squeeze()],
  ['squeeze(dim)', [2, 1, 3, 1], (x) => x.squeeze(-1)],
  ['squeeze(dims)', [2, 1, 3, 1], (x) => x.squeeze([1, 3])],
  ['unsqueeze', [2, 3], (x) => x.unsqueeze(1)],
  ['unsqueeze(-1)', [2, 3], (x) => x.unsqueeze(-1)],
  ['narrow', [4, 5], (x) => x.narrow(1, 1, 3)],
  ['narrow negative', [4, 5], (x) => x.narrow(-2, -3, 2)],
  ['slice', [4, 5], (x) => x.slice(0, 1, 3)],
  ['slice step', [4, 7], (x) => x.slice(1, 1, undefined, 3)],
  ['slice negative bounds', [6, 2], (x) => x.slice(0, -5, -1, 2)],
  ['slice empty', [3, 2], (x) => x.slice(0, 2, 1).sum(0)],
  ['select', [3, 4], (x) => x.select(1, 2)],
  ['select negative', [3, 4, 2], (x) => x.select(-2, -1)],
  ['contiguous of transpose', [3, 4], (x) => x.transpose(0, 1).contiguous()],
  ['reshape of transpose (copies)', [3, 4], (x) => x.transpose(0, 1).reshape(-1)],
  ['chain of views', [4, 6], (x) => x.transpose(0, 1).slice(0, 0, undefined, 2).reshape(-1).narrow(0, 2, 6).unsqueeze(0).expand(2, 6)],
  ['strided view reused twice', [3, 4], (x) => x.slice(1, 0, undefined, 2).mul(x.slice(1, 1, undefined, 2))],
];

for (const [name, shape, f] of viewCases) {
  test(`${name}: gradcheck`, () => {
    gradcheck((x) => f(x!).mul(f(x!)).add(f(x!)), [leaf(new Generator(41), shape)]);
  });
}

test('second order through reshape, transpose, slice, expand and select', () => {
  const g = new Generator(42);
  gradgradcheck((x) => x!.reshape(3, 2).transpose(0, 1).square(), [leaf(g, [2, 3])], g);
  gradgradcheck((x) => x!.reshape(-1), [leaf(g, [2, 3])], g);
  gradgradcheck((x) => x!.transpose(0, 1).mul(x!.transpose(0, 1).tanh()), [leaf(g, [2, 3])], g);
  gradgradcheck((x) => x!.slice(1, 0, undefined, 2).pow(3), [leaf(g, [2, 5])], g);
  gradgradcheck((x) => x!.expand(2, 3).square(), [leaf(g, [3])], g);
  gradgradcheck((x) => x!.select(0, 1).exp(), [leaf(g, [2, 3])], g);
  gradgradcheck((x) => x!.permute(2, 0, 1).flatten(1).sin(), [leaf(g, [2, 2, 2])], g);
});

// ---- values -------------------------------------------------------------------------------------

test('view ops forward values and shapes', () => {
  const x = grid();
  assert.deepEqual(x.transpose(0, 1).tolist(), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
  assert.deepEqual(x.mT.tolist(), x.transpose(1, 0).tolist());
  assert.deepEqual(x.reshape(2, -1).tolist(), [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]);
  assert.deepEqual(x.view(-1).tolist(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(x.transpose(0, 1).reshape(-1).tolist(), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  assert.deepEqual(x.slice(1, 1, undefined, 2).tolist(), [[1, 3], [5, 7], [9, 11]]);
  assert.deepEqual(x.slice(0, -2).tolist(), [[4, 5, 6, 7], [8, 9, 10, 11]]);
  assert.deepEqual(x.slice(1, -100, 100, 3).tolist(), [[0, 3], [4, 7], [8, 11]]);
  assert.deepEqual(x.slice(1, 3, 1).shape, [3, 0]);
  assert.deepEqual(x.narrow(1, -2, 2).tolist(), [[2, 3], [6, 7], [10, 11]]);
  assert.deepEqual(x.select(0, -1).tolist(), [8, 9, 10, 11]);
  assert.deepEqual(x.select(1, 2).tolist(), [2, 6, 10]);
  assert.deepEqual(x.select(1, 2).select(0, 1).shape, []);
  assert.deepEqual(x.reshape(3, 2, 2).permute(2, 0, 1).tolist(), [[[0, 2], [4, 6], [8, 10]], [[1, 3], [5, 7], [9, 11]]]);
  assert.deepEqual(tensor([[1], [2]]).expand(2, 3).tolist(), [[1, 1, 1], [2, 2, 2]]);
  assert.deepEqual(tensor([1, 2]).expand(2, -1).tolist(), [[1, 2], [1, 2]]);
  assert.deepEqual(zeros([2, 1, 3, 1]).squeeze().shape, [2, 3]);
  assert.deepEqual(zeros([2, 1, 3, 1]).squeeze(0).shape, [2, 1, 3, 1]);
  assert.deepEqual(zeros([2, 1, 3, 1]).squeeze([1, -1]).shape, [2, 3]);
  assert.deepEqual(zeros([2, 3]).unsqueeze(0).shape, [1, 2, 3]);
  assert.deepEqual(zeros([2, 3]).unsqueeze(-1).shape, [2, 3, 1]);
  assert.deepEqual(zeros([2, 3]).unsqueeze(-2).shape, [2, 1, 3]);
  assert.deepEqual(zeros([2, 3, 4, 5]).flatten(1, 2).shape, [2, 12, 5]);
  assert.deepEqual(zeros([]).flatten().shape, [1]);
  assert.deepEqual(tensor(5).reshape(1, 1, 1).tolist(), [[[5]]]);
  assert.deepEqual(zeros([0, 3]).reshape(3, 0).shape, [3, 0]);
  // With no elements, -1 could be anything: refused, as in PyTorch.
  assert.throws(() => zeros([0, 3]).reshape(3, 0, -1), /reshape: shape \[3, 0, -1\] is invalid for input of shape \[0, 3\] \(0 elements\)/);
  // Composed views read the right elements.
  assert.deepEqual(x.transpose(0, 1).slice(0, 1, undefined, 2).select(1, 2).tolist(), [9, 11]);
});

test('views share storage: an in-place write through any view changes the base', () => {
  const views: [string, (x: Tensor) => Tensor, number[][]][] = [
    ['reshape', (x) => x.reshape(12).narrow(0, 5, 1), [[0, 1, 2, 3], [4, -1, 6, 7], [8, 9, 10, 11]]],
    ['view', (x) => x.view(2, 6).select(1, 0), [[-1, 1, 2, 3], [4, 5, -1, 7], [8, 9, 10, 11]]],
    ['flatten', (x) => x.flatten().slice(0, 10), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, -1, -1]]],
    ['transpose', (x) => x.transpose(0, 1).select(0, 1), [[0, -1, 2, 3], [4, -1, 6, 7], [8, -1, 10, 11]]],
    ['mT', (x) => x.mT.select(1, 2), [[0, 1, 2, 3], [4, 5, 6, 7], [-1, -1, -1, -1]]],
    ['permute', (x) => x.permute(1, 0).narrow(0, 3, 1), [[0, 1, 2, -1], [4, 5, 6, -1], [8, 9, 10, -1]]],
    ['expand', (x) => x.select(0, 0).narrow(0, 0, 1).expand(3, 5), [[-1, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]],
    ['slice with step', (x) => x.slice(1, 0, undefined, 2), [[-1, 1, -1, 3], [-1, 5, -1, 7], [-1, 9, -1, 11]]],
    ['slice negative', (x) => x.slice(0, -1), [[0, 1, 2, 3], [4, 5, 6, 7], [-1, -1, -1, -1]]],
    ['narrow', (x) => x.narrow(1, 1, 2).narrow(0, 1, 2), [[0, 1, 2, 3], [4, -1, -1, 7], [8, -1, -1, 11]]],
    ['select', (x) => x.select(1, -1), [[0, 1, 2, -1], [4, 5, 6, -1], [8, 9, 10, -1]]],
    ['squeeze', (x) => x.narrow(0, 1, 1).squeeze(0), [[0, 1, 2, 3], [-1, -1, -1, -1], [8, 9, 10, 11]]],
    ['unsqueeze', (x) => x.unsqueeze(0).select(1, 0), [[-1, -1, -1, -1], [4, 5, 6, 7], [8, 9, 10, 11]]],
    ['split', (x) => x.split(3, 1)[1]!, [[0, 1, 2, -1], [4, 5, 6, -1], [8, 9, 10, -1]]],
    ['chunk', (x) => x.chunk(3, 0)[2]!, [[0, 1, 2, 3], [4, 5, 6, 7], [-1, -1, -1, -1]]],
    ['detach', (x) => x.detach().select(0, 0), [[-1, -1, -1, -1], [4, 5, 6, 7], [8, 9, 10, 11]]],
    ['contiguous (already contiguous)', (x) => x.contiguous().select(0, 0), [[-1, -1, -1, -1], [4, 5, 6, 7], [8, 9, 10, 11]]],
  ];
  for (const [name, f, want] of views) {
    const base = grid();
    noGrad(() => f(base).fill_(-1));
    assert.deepEqual(base.tolist(), want, `fill_ through ${name}`);
  }
  // Other in-place ops write through views too, and a view sees writes to its base.
  const base = grid();
  const col = base.transpose(0, 1).select(0, 2);
  noGrad(() => col.mul_(10));
  assert.deepEqual(base.select(1, 2).tolist(), [20, 60, 100]);
  noGrad(() => base.slice(1, 1, undefined, 2).copy_(tensor([[-1], [-2], [-3]])));
  assert.deepEqual(base.tolist(), [[0, -1, 20, -1], [4, -2, 60, -2], [8, -3, 100, -3]]);
  noGrad(() => base.zero_());
  assert.deepEqual(col.tolist(), [0, 0, 0]);
  // Writes through a view of a view reach every other view.
  const t = zeros([2, 3]);
  const a = t.reshape(3, 2), b = t.transpose(0, 1);
  noGrad(() => a.select(0, 2).add_(tensor([5, 7])));
  assert.deepEqual(b.tolist(), [[0, 0], [0, 5], [0, 7]]);
});

test('view() refuses a non-contiguous tensor it cannot view; reshape() copies instead', () => {
  const x = grid().transpose(0, 1); // [4, 3], strides [1, 4]
  assert.equal(x.isContiguous(), false);
  assert.throws(() => x.view(12), /view: shape \[12\] is not compatible with the input's size and strides \(shape \[4, 3\], strides \[1, 4\]\); use reshape\(\)/);
  assert.throws(() => x.view(2, 6), /view: shape \[2, 6\] is not compatible/);
  assert.throws(() => grid().slice(1, 0, undefined, 3).view(-1), /view: shape \[-1\] is not compatible .*shape \[3, 2\], strides \[4, 3\]/);
  // Columns 0 and 2 of every row sit at a uniform stride of 2: that one flattens without a copy.
  assert.deepEqual(grid().slice(1, 0, undefined, 2).view(-1).strides, [2]);
  assert.throws(() => tensor([1, 2]).expand(3, 2).view(6), /view: shape \[6\] is not compatible .*strides \[0, 1\]/);
  const r = x.reshape(12);
  assert.deepEqual(r.tolist(), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  assert.equal(r.isContiguous(), true);
  noGrad(() => r.fill_(0));
  assert.deepEqual(x.tolist(), grid().transpose(0, 1).tolist(), 'reshape copied: the base is untouched');
  // Where the strides allow it, view() and reshape() of a non-contiguous tensor share storage.
  const base = grid();
  const v = base.transpose(0, 1).view(2, 2, 3); // splits the stride-1 dim only
  assert.deepEqual(v.strides, [2, 1, 4]);
  const w = base.transpose(0, 1).reshape(4, 3, 1);
  noGrad(() => { v.select(0, 1).select(0, 1).fill_(-1); w.select(0, 0).fill_(-2); });
  assert.deepEqual(base.tolist(), [[-2, 1, 2, -1], [-2, 5, 6, -1], [-2, 9, 10, -1]]);
  // A sliced tensor keeps its contiguous rows mergeable.
  const s = zeros([4, 3, 2]).slice(0, 0, undefined, 2);
  assert.deepEqual(s.view(2, 6).strides, [12, 1]);
});

test('contiguous() and clone of views', () => {
  const x = grid();
  assert.equal(x.contiguous(), x);
  const t = x.transpose(0, 1);
  const c = t.contiguous();
  assert.notEqual(c, t);
  assert.deepEqual(c.strides, [3, 1]);
  assert.deepEqual(c.tolist(), t.tolist());
  noGrad(() => c.fill_(0));
  assert.equal(x.sum().item(), 66);
});

// ---- errors -------------------------------------------------------------------------------------

test('shape op errors name the op and the shapes', () => {
  const x = zeros([2, 3]);
  assert.throws(() => x.reshape(5), /reshape: shape \[5\] is invalid for input of shape \[2, 3\] \(6 elements\)/);
  assert.throws(() => x.view(4, -1), /view: shape \[4, -1\] is invalid for input of shape \[2, 3\] \(6 elements\)/);
  assert.throws(() => x.reshape(-1, -1), /reshape: only one dimension can be -1, got \[-1, -1\]/);
  assert.throws(() => x.transpose(0, 2), /transpose: dim 2 is out of range for a tensor of 2 dimensions/);
  assert.throws(() => x.permute(0, 0), /permute: dims \[0, 0\] are not a permutation of the 2 dims of a tensor of shape \[2, 3\]/);
  assert.throws(() => x.permute(0), /permute: dims \[0\] are not a permutation/);
  assert.throws(() => x.expand(2, 4), /expand: cannot expand shape \[2, 3\] to \[2, 4\] \(dim 1: 3 is not 1\)/);
  assert.throws(() => x.expand(3), /expand: target shape \[3\] has fewer dims than the input's \[2, 3\]/);
  assert.throws(() => x.expand(-1, 2, 3), /expand: -1 is not allowed for the new leading dim 0/);
  assert.throws(() => x.narrow(1, 2, 2), /narrow: start 2 and length 2 exceed dim 1 of size 3/);
  assert.throws(() => x.narrow(-3, 0, 1), /narrow: dim -3 is out of range for a tensor of 2 dimensions/);
  assert.throws(() => x.select(0, 2), /select: index 2 is out of range for dim 0 of size 2/);
  assert.throws(() => x.select(1, -4), /select: index -4 is out of range for dim 1 of size 3/);
  assert.throws(() => x.slice(1, 0, 3, 0), /slice: step must be a positive integer, got 0/);
  assert.throws(() => x.slice(2), /slice: dim 2 is out of range/);
  assert.throws(() => x.squeeze(2), /squeeze: dim 2 is out of range/);
  assert.throws(() => x.unsqueeze(3), /unsqueeze: dim 3 is out of range for a tensor of 3 dimensions/);
  assert.throws(() => zeros([2, 3, 4]).flatten(2, 1), /flatten: startDim 2 comes after endDim 1/);
});

test('gradients of views land in the right places', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64', requiresGrad: true });
  x.slice(1, 0, undefined, 2).mul(tensor([[10, 20], [30, 40]], { dtype: 'float64' })).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[10, 0, 20], [30, 0, 40]]);
  const y = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  y.unsqueeze(1).expand(2, 3).sum().backward();
  assert.deepEqual(y.grad!.tolist(), [3, 3]);
  const z = tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true });
  z.transpose(0, 1).select(0, 1).mul(tensor([5, 7], { dtype: 'float64' })).sum().backward();
  assert.deepEqual(z.grad!.tolist(), [[0, 5], [0, 7]]);
  assertClose(z.grad!, [0, 5, 0, 7]);
});
