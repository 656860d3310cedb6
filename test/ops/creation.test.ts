/** Creation: tensor() from data, constant fills, ranges, eye, and seeded random tensors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Generator, arange, defaultGenerator, eye, full, fullLike, linspace, manualSeed, ones, onesLike, rand, randint, randLike,
  randn, randnLike, tensor, zeros, zerosLike,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

// ---- tensor() -----------------------------------------------------------------------------------

test('tensor() from nested arrays: shape, dtype and values', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(x.shape, [2, 3]);
  assert.equal(x.dtype, 'float32');
  assert.deepEqual(x.tolist(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(x.strides, [3, 1]);
  assert.equal(x.isLeaf, true);
  assert.equal(x.requiresGrad, false);
  assert.deepEqual(tensor([[[1], [2]], [[3], [4]]]).shape, [2, 2, 1]);
  assert.deepEqual(tensor([0.1, 0.2]).tolist(), [Math.fround(0.1), Math.fround(0.2)]);
  assert.deepEqual(tensor([0.1, 0.2], { dtype: 'float64' }).tolist(), [0.1, 0.2]);
  assert.deepEqual(tensor([1.9, -1.9], { dtype: 'int32' }).tolist(), [1, -1]);
  assert.deepEqual(tensor([2, 0], { dtype: 'bool' }).tolist(), [true, false]);
  // Scalars are 0-d.
  const s = tensor(3.5, { dtype: 'float64' });
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 3.5);
  assert.equal(s.tolist(), 3.5);
  // Empty arrays.
  assert.deepEqual(tensor([]).shape, [0]);
  assert.deepEqual(tensor([[], []]).shape, [2, 0]);
  // Booleans give bool.
  const b = tensor([[true, false], [false, true]]);
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(b.tolist(), [[true, false], [false, true]]);
  assert.equal(tensor(true).dtype, 'bool');
  assert.deepEqual(tensor([true, false], { dtype: 'float32' }).tolist(), [1, 0]);
  // requiresGrad.
  const r = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  assert.equal(r.requiresGrad, true);
  assert.equal(r.isLeaf, true);
});

test('tensor() from typed arrays keeps their dtype unless told otherwise, and copies them', () => {
  const cases: [ArrayBufferView & ArrayLike<number>, string][] = [
    [new Float32Array([1.5, -2]), 'float32'],
    [new Float64Array([0.1, -2]), 'float64'],
    [new Int32Array([7, -3]), 'int32'],
    [new Uint8Array([1, 0]), 'bool'],
  ];
  for (const [data, dtype] of cases) {
    const t = tensor(data as Float32Array);
    assert.equal(t.dtype, dtype);
    assert.deepEqual(t.shape, [2]);
    assert.deepEqual(Array.from(t.dataSync()), Array.from(data));
  }
  const src = new Float64Array([1.25, 2.75, -3.5]);
  const i = tensor(src, { dtype: 'int32' });
  assert.equal(i.dtype, 'int32');
  assert.deepEqual(i.tolist(), [1, 2, -3]);
  assert.deepEqual(tensor(new Int32Array([0, 5]), { dtype: 'bool' }).tolist(), [false, true]);
  const t = tensor(src);
  src[0] = 100;
  assert.equal((t.tolist() as number[])[0], 1.25, 'tensor() copies its input');
});

test('tensor() rejects ragged and non-numeric data with the path of the offending element', () => {
  assert.throws(() => tensor([[1, 2], [3]]), /tensor: ragged nested array at \[1\]: expected 2 elements, got 1/);
  assert.throws(() => tensor([[[1], [2]], [[3]]]), /tensor: ragged nested array at \[1\]: expected 2 elements, got 1/);
  assert.throws(() => tensor([[1, 2], 3] as never), /tensor: ragged nested array at \[1\]: expected 2 elements, got number/);
  assert.throws(() => tensor([1, [2]] as never), /tensor: expected a number or boolean at \[1\], got an array/);
  assert.throws(() => tensor([[1, 'a']] as never), /tensor: expected a number or boolean at \[0\]\[1\], got string/);
  assert.throws(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), /requiresGrad: only floating-point tensors can require gradients, this one is int32/);
});

// ---- constant fills -----------------------------------------------------------------------------

test('zeros, ones, full and the *Like forms: both shape spellings, dtypes', () => {
  assert.deepEqual(zeros([2, 3]).tolist(), [[0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(zeros(2, 3).shape, [2, 3]);
  assert.equal(zeros(2, { dtype: 'int32' }).dtype, 'int32');
  assert.deepEqual(ones([2], { dtype: 'bool' }).tolist(), [true, true]);
  assert.deepEqual(ones(1, 2, 1).shape, [1, 2, 1]);
  assert.deepEqual(zeros([]).shape, []);
  assert.deepEqual(zeros([0, 4]).shape, [0, 4]);
  assert.deepEqual(full([2, 2], 7.5).tolist(), [[7.5, 7.5], [7.5, 7.5]]);
  assert.deepEqual(full([3], -2.5, { dtype: 'int32' }).tolist(), [-2, -2, -2]);
  assert.equal(full([1], 1).dtype, 'float32');
  const w = ones([2, 3], { dtype: 'float64', requiresGrad: true });
  assert.equal(w.requiresGrad, true);
  const i = tensor([[1, 2]], { dtype: 'int32' });
  assert.equal(zerosLike(i).dtype, 'int32');
  assert.deepEqual(zerosLike(i).tolist(), [[0, 0]]);
  assert.deepEqual(onesLike(i, { dtype: 'float64' }).tolist(), [[1, 1]]);
  assert.equal(onesLike(i, { dtype: 'float64' }).dtype, 'float64');
  assert.deepEqual(fullLike(i.transpose(0, 1), 4).tolist(), [[4], [4]]);
  assert.throws(() => zeros([-1, 2]), /zeros: shape \[-1, 2\] must be made of non-negative integers/);
  assert.throws(() => ones(2.5), /ones: shape \[2.5\] must be made of non-negative integers/);
  assert.throws(() => full([1, -3], 0), /full: shape \[1, -3\] must be made of non-negative integers/);
});

// ---- ranges and eye -----------------------------------------------------------------------------

test('arange: integer ranges are int32, fractional ones float32, negative steps, empty ranges', () => {
  const a = arange(5);
  assert.equal(a.dtype, 'int32');
  assert.deepEqual(a.tolist(), [0, 1, 2, 3, 4]);
  assert.deepEqual(arange(2, 6).tolist(), [2, 3, 4, 5]);
  assert.deepEqual(arange(1, 10, 3).tolist(), [1, 4, 7]);
  assert.deepEqual(arange(5, 0, -2).tolist(), [5, 3, 1]);
  assert.deepEqual(arange(-3, -1).tolist(), [-3, -2]);
  const f = arange(0, 1, 0.25);
  assert.equal(f.dtype, 'float32');
  assert.deepEqual(f.tolist(), [0, 0.25, 0.5, 0.75]);
  assert.equal(arange(0, 1, 0.1).size, 10);
  assert.equal(arange(0.5, 3).dtype, 'float32');
  assert.deepEqual(arange(0.5, 3).tolist(), [0.5, 1.5, 2.5]);
  assert.deepEqual(arange(3, { dtype: 'float64' }).tolist(), [0, 1, 2]);
  assert.equal(arange(3, { dtype: 'float64' }).dtype, 'float64');
  assert.equal(arange(1, 4, { dtype: 'float64', requiresGrad: true }).requiresGrad, true);
  assert.deepEqual(arange(0).shape, [0]);
  assert.deepEqual(arange(3, 1).shape, [0]);
  assert.deepEqual(arange(1, 3, -1).shape, [0]);
  assert.throws(() => arange(0, 5, 0), /arange: step must be nonzero/);
});

test('linspace: endpoints included exactly, even spacing, 0 and 1 steps', () => {
  assert.deepEqual(linspace(0, 1, 5).tolist(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(linspace(-1, 1, 3, { dtype: 'float64' }).tolist(), [-1, 0, 1]);
  const l = linspace(0, 0.3, 7, { dtype: 'float64' }).tolist() as number[];
  assert.equal(l[0], 0);
  assert.equal(l[6], 0.3);
  assertClose(l, [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3], { rtol: 1e-15, atol: 1e-17 });
  assert.deepEqual(linspace(10, 0, 3).tolist(), [10, 5, 0]);
  assert.deepEqual(linspace(2, 9, 1).tolist(), [2]);
  assert.deepEqual(linspace(2, 9, 0).shape, [0]);
  assert.equal(linspace(0, 1, 2).dtype, 'float32');
  assert.throws(() => linspace(0, 1, -1), /linspace: steps must be a non-negative integer, got -1/);
  assert.throws(() => linspace(0, 1, 2.5), /linspace: steps must be a non-negative integer, got 2.5/);
});

test('eye: square and rectangular identities', () => {
  assert.deepEqual(eye(3).tolist(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(eye(2, 3).tolist(), [[1, 0, 0], [0, 1, 0]]);
  assert.deepEqual(eye(3, 2).tolist(), [[1, 0], [0, 1], [0, 0]]);
  assert.equal(eye(2).dtype, 'float32');
  assert.equal(eye(2, 2, { dtype: 'int32' }).dtype, 'int32');
  assert.deepEqual(eye(0).shape, [0, 0]);
  assert.deepEqual(eye(2, 2, { dtype: 'bool' }).tolist(), [[true, false], [false, true]]);
});

// ---- random -------------------------------------------------------------------------------------

test('rand/randn/randint: reproducible with manualSeed and with a Generator', () => {
  manualSeed(1234);
  const a = randn([5]).tolist(), b = rand([2, 3]).tolist(), c = randint(0, 10, [4]).tolist();
  manualSeed(1234);
  assert.deepEqual(randn([5]).tolist(), a);
  assert.deepEqual(rand([2, 3]).tolist(), b);
  assert.deepEqual(randint(0, 10, [4]).tolist(), c);
  manualSeed(1235);
  assert.notDeepEqual(randn([5]).tolist(), a);
  // A private generator: same seed, same stream, whatever the default generator does in between.
  const g1 = new Generator(7), g2 = new Generator(7);
  const x = randn(3, 4, { dtype: 'float64', generator: g1 });
  randn([100]);
  const y = randn([3, 4], { dtype: 'float64', generator: g2 });
  assert.deepEqual(x.tolist(), y.tolist());
  assert.equal(x.dtype, 'float64');
  assert.deepEqual(rand(2, { generator: g1 }).tolist(), rand([2], { generator: g2 }).tolist());
  assert.notDeepEqual(randn([4], { generator: new Generator(8) }).tolist(), randn([4], { generator: new Generator(9) }).tolist());
  // Drawing from a private generator leaves the default stream alone.
  manualSeed(99);
  const d1 = randn([3]).tolist();
  manualSeed(99);
  randn([10], { generator: new Generator(1) });
  assert.deepEqual(randn([3]).tolist(), d1);
  assert.equal(manualSeed(5), defaultGenerator);
});

test('Generator state can be saved and restored mid-stream (odd normal counts included)', () => {
  const g = new Generator(3);
  randn([3], { generator: g });
  const state = g.getState();
  const next = randn([5], { dtype: 'float64', generator: g }).tolist();
  g.setState(state);
  assert.deepEqual(randn([5], { dtype: 'float64', generator: g }).tolist(), next);
  const h = new Generator(0).setState(state);
  assert.deepEqual(randn([5], { dtype: 'float64', generator: h }).tolist(), next);
});

test('rand/randn: plausible distributions; randint covers [low, high)', () => {
  const g = new Generator(2024);
  const n = 20000;
  const z = randn([n], { dtype: 'float64', generator: g });
  const m = z.mean().item(), s = z.std().item();
  assert.ok(Math.abs(m) < 0.03, `randn mean ${m}`);
  assert.ok(Math.abs(s - 1) < 0.03, `randn std ${s}`);
  const frac = z.abs().lt(1).double().mean().item();
  assert.ok(Math.abs(frac - 0.6827) < 0.02, `randn P(|z| < 1) = ${frac}`);
  const u = rand([n], { dtype: 'float64', generator: g });
  const um = u.mean().item(), uv = u.var().item();
  assert.ok(u.min().item() >= 0 && u.max().item() < 1, 'rand in [0, 1)');
  assert.ok(Math.abs(um - 0.5) < 0.02, `rand mean ${um}`);
  assert.ok(Math.abs(uv - 1 / 12) < 0.005, `rand var ${uv}`);
  const r = randint(-2, 3, [2000], { generator: g });
  assert.equal(r.dtype, 'int32');
  const vals = new Set(r.dataSync());
  assert.deepEqual([...vals].sort((a, b) => a - b), [-2, -1, 0, 1, 2]);
  assert.equal(rand([4]).dtype, 'float32');
  assert.equal(randn([4], { requiresGrad: true }).requiresGrad, true);
  const like = randnLike(zeros([2, 3], { dtype: 'float64' }), { generator: g });
  assert.deepEqual(like.shape, [2, 3]);
  assert.equal(like.dtype, 'float64');
  assert.equal(randLike(zeros([2])).dtype, 'float32');
});

test('random errors name the op', () => {
  assert.throws(() => randn([2], { dtype: 'int32' }), /randn: dtype must be float32 or float64, got int32/);
  assert.throws(() => rand([2], { dtype: 'bool' }), /rand: dtype must be float32 or float64, got bool/);
  assert.throws(() => randint(3, 3, [2]), /randint: high \(3\) must be greater than low \(3\)/);
  assert.throws(() => randn([-2]), /randn: shape \[-2\] must be made of non-negative integers/);
  assert.throws(() => manualSeed(NaN), /manualSeed: seed must be a finite number, got NaN/);
});
