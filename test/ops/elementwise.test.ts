/** Elementwise ops: forward values, dtype promotion, finite-difference gradients (first and second order), errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Tensor, Generator, add, clamp, div, gradcheck, maximum, minimum, mul, pow, rand, randn, sub, tensor, where,
} from '../../src/index.js';
import { assertClose, gradgradcheck } from '../helpers.js';

// ---- inputs -------------------------------------------------------------------------------------

type Domain = (g: Generator, shape: number[]) => Tensor;

const normal = (g: Generator, shape: number[]): Tensor => randn(shape, { dtype: 'float64', generator: g });
/** Anywhere on the real line. */
const anyReal: Domain = (g, s) => normal(g, s).requiresGrad_();
/** In [0.5, 1.5): inside the domain of log, sqrt, rsqrt and of pow's base. */
const positive: Domain = (g, s) => rand(s, { dtype: 'float64', generator: g }).add(0.5).requiresGrad_();
/** |x| ≥ 0.2: away from the kink of abs/relu, the jump of sign and the pole of reciprocal. */
const awayFromZero: Domain = (g, s) => {
  const u = normal(g, s);
  return u.sign().mul(u.abs().add(0.2)).requiresGrad_();
};
/** At least 0.2 away from every integer, where floor jumps. */
const awayFromIntegers: Domain = (g, s) =>
  normal(g, s).mul(3).floor().add(rand(s, { dtype: 'float64', generator: g }).mul(0.6).add(0.2)).requiresGrad_();

const SHAPES: number[][] = [[], [5], [2, 3], [2, 1, 3]];

// ---- unary --------------------------------------------------------------------------------------

interface UnaryCase {
  name: string;
  f: (x: Tensor) => Tensor;
  domain: Domain;
}

const unaryCases: UnaryCase[] = [
  { name: 'neg', f: (x) => x.neg(), domain: anyReal },
  { name: 'abs', f: (x) => x.abs(), domain: awayFromZero },
  { name: 'sign', f: (x) => x.sign(), domain: awayFromZero },
  { name: 'floor', f: (x) => x.floor(), domain: awayFromIntegers },
  { name: 'exp', f: (x) => x.exp(), domain: anyReal },
  { name: 'log', f: (x) => x.log(), domain: positive },
  { name: 'sqrt', f: (x) => x.sqrt(), domain: positive },
  { name: 'rsqrt', f: (x) => x.rsqrt(), domain: positive },
  { name: 'reciprocal', f: (x) => x.reciprocal(), domain: awayFromZero },
  { name: 'square', f: (x) => x.square(), domain: anyReal },
  { name: 'sin', f: (x) => x.sin(), domain: anyReal },
  { name: 'cos', f: (x) => x.cos(), domain: anyReal },
  { name: 'tanh', f: (x) => x.tanh(), domain: anyReal },
  { name: 'sigmoid', f: (x) => x.sigmoid(), domain: anyReal },
  { name: 'relu', f: (x) => x.relu(), domain: awayFromZero },
  { name: 'gelu', f: (x) => x.gelu(), domain: anyReal },
  { name: 'gelu tanh', f: (x) => x.gelu({ approximate: 'tanh' }), domain: anyReal },
  { name: 'silu', f: (x) => x.silu(), domain: anyReal },
  { name: 'erf', f: (x) => x.erf(), domain: anyReal },
];

for (const c of unaryCases) {
  test(`${c.name}: gradcheck on shapes ${SHAPES.map((s) => `[${s}]`).join(' ')}`, () => {
    const g = new Generator(101);
    for (const shape of SHAPES) gradcheck(c.f, [c.domain(g, shape)]);
  });

  test(`${c.name}: gradcheck through transposed, strided and expanded views`, () => {
    const g = new Generator(202);
    gradcheck((x) => c.f(x.transpose(0, 1)), [c.domain(g, [3, 4])]);
    gradcheck((x) => c.f(x.slice(-1, 1, undefined, 2)), [c.domain(g, [3, 5])]);
    gradcheck((x) => c.f(x.expand(2, 3, 4)), [c.domain(g, [3, 1])]);
    // The forward of a strided view equals the forward of its contiguous copy.
    const x = c.domain(g, [4, 6]);
    const v = x.transpose(0, 1).slice(0, 1, undefined, 2);
    assertClose(c.f(v), c.f(v.contiguous()), { rtol: 0, atol: 0 }, c.name);
  });
}

test('unary forward values against Math and known constants (float64)', () => {
  const vals = [-2.5, -1, -0.3, 0.7, 1.5, 3];
  const x = tensor(vals, { dtype: 'float64' });
  const viaMath: [string, (t: Tensor) => Tensor, (v: number) => number][] = [
    ['neg', (t) => t.neg(), (v) => -v],
    ['abs', (t) => t.abs(), Math.abs],
    ['sign', (t) => t.sign(), Math.sign],
    ['floor', (t) => t.floor(), Math.floor],
    ['exp', (t) => t.exp(), Math.exp],
    ['sin', (t) => t.sin(), Math.sin],
    ['cos', (t) => t.cos(), Math.cos],
    ['tanh', (t) => t.tanh(), Math.tanh],
    ['relu', (t) => t.relu(), (v) => Math.max(v, 0)],
    ['reciprocal', (t) => t.reciprocal(), (v) => 1 / v],
    ['square', (t) => t.square(), (v) => v * v],
  ];
  for (const [name, f, ref] of viaMath) assertClose(f(x), vals.map(ref), { rtol: 1e-15, atol: 0 }, name);
  const p = tensor([0.25, 1, 4, 9], { dtype: 'float64' });
  assertClose(p.log(), [Math.log(0.25), 0, Math.log(4), Math.log(9)], { rtol: 1e-15, atol: 0 }, 'log');
  assertClose(p.sqrt(), [0.5, 1, 2, 3], { rtol: 0, atol: 0 }, 'sqrt');
  assertClose(p.rsqrt(), [2, 1, 0.5, 1 / 3], { rtol: 1e-15, atol: 0 }, 'rsqrt');
  // Reference values from Python's math module (math.erf, and the formulas written out).
  const known: [string, (t: Tensor) => Tensor, number[]][] = [
    ['erf', (t) => t.erf(), [-0.999593047982555, -0.8427007929497149, -0.3286267594591274, 0.6778011938374184, 0.9661051464753108, 0.9999779095030014]],
    ['gelu', (t) => t.gelu(), [-0.015524163314440398, -0.15865525393145707, -0.1146265733433142, 0.5306254434438489, 1.399789198096713, 2.99595030590511]],
    ['gelu tanh', (t) => t.gelu({ approximate: 'tanh' }), [-0.015084266089998577, -0.15880800939172324, -0.11462907645724074, 0.5305701347051167, 1.3995715769802328, 2.996362607918227]],
    ['silu', (t) => t.silu(), [-0.18964545005310887, -0.2689414213699951, -0.1276672449565023, 0.46773144051771626, 1.2263617142904655, 2.8577223804672998]],
    ['sigmoid', (t) => t.sigmoid(), [0.07585818002124355, 0.2689414213699951, 0.425557483188341, 0.6681877721681662, 0.8175744761936437, 0.9525741268224334]],
  ];
  for (const [name, f, want] of known) assertClose(f(x), want, { rtol: 1e-13, atol: 1e-16 }, name);
});

test('unary forward edge values: sigmoid saturates without NaN, sign(0) = 0, relu/abs keep int32', () => {
  assertClose(tensor([-800, 0, 800], { dtype: 'float64' }).sigmoid(), [0, 0.5, 1], { rtol: 0, atol: 0 });
  assertClose(tensor([-800, 800], { dtype: 'float64' }).tanh(), [-1, 1], { rtol: 0, atol: 0 });
  assertClose(tensor([-3, 0, 2]).sign(), [-1, 0, 1]);
  assertClose(tensor([-1e-300, 1e-300], { dtype: 'float64' }).relu(), [0, 1e-300], { rtol: 0, atol: 0 });
  const i = tensor([-3, 0, 2], { dtype: 'int32' });
  for (const [name, y, want] of [['neg', i.neg(), [3, 0, -2]], ['abs', i.abs(), [3, 0, 2]], ['relu', i.relu(), [0, 0, 2]]] as const) {
    assert.equal(y.dtype, 'int32', name);
    assert.deepEqual(y.tolist(), want, name);
  }
  const f = tensor([0.1, 2.5, -1.25]).exp();
  assert.equal(f.dtype, 'float32');
  assertClose(f, [0.1, 2.5, -1.25].map((v) => Math.fround(Math.exp(Math.fround(v)))), { rtol: 1e-7, atol: 0 });
});

test('relu and abs have gradient 0 at 0 (PyTorch convention)', () => {
  const x = tensor([-1, 0, 2], { dtype: 'float64', requiresGrad: true });
  x.relu().sum().backward();
  assert.deepEqual(x.grad!.tolist(), [0, 0, 1]);
  const z = tensor([-1, 0, 2], { dtype: 'float64', requiresGrad: true });
  z.abs().sum().backward();
  assert.deepEqual(z.grad!.tolist(), [-1, 0, 1]);
});

// ---- binary -------------------------------------------------------------------------------------

interface BinaryCase {
  name: string;
  f: (a: Tensor | number, b: Tensor | number) => Tensor;
  a: Domain;
  b: Domain;
  /** A scalar each side may take without leaving the domain. */
  scalarA: number;
  scalarB: number;
}

const binaryCases: BinaryCase[] = [
  { name: 'add', f: add, a: anyReal, b: anyReal, scalarA: -1.5, scalarB: 2.25 },
  { name: 'sub', f: sub, a: anyReal, b: anyReal, scalarA: -1.5, scalarB: 2.25 },
  { name: 'mul', f: mul, a: anyReal, b: anyReal, scalarA: -1.5, scalarB: 2.25 },
  { name: 'div', f: div, a: anyReal, b: awayFromZero, scalarA: -1.5, scalarB: 2.25 },
  { name: 'pow', f: pow, a: positive, b: anyReal, scalarA: 1.7, scalarB: 2.5 },
  { name: 'maximum', f: maximum, a: anyReal, b: anyReal, scalarA: 0.3, scalarB: -0.4 },
  { name: 'minimum', f: minimum, a: anyReal, b: anyReal, scalarA: 0.3, scalarB: -0.4 },
];

const BROADCAST_PAIRS: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[3, 1, 4], [2, 1]],
  [[], [2, 3]],
  [[2, 3], []],
  [[4], [3, 1]],
  [[], []],
];

for (const c of binaryCases) {
  test(`${c.name}: gradcheck with broadcasting ${BROADCAST_PAIRS.map(([a, b]) => `[${a}]·[${b}]`).join(' ')}`, () => {
    const g = new Generator(303);
    for (const [sa, sb] of BROADCAST_PAIRS) gradcheck((a, b) => c.f(a!, b!), [c.a(g, sa), c.b(g, sb)]);
  });

  test(`${c.name}: gradcheck with a JS number on either side`, () => {
    const g = new Generator(404);
    gradcheck((a) => c.f(a!, c.scalarB), [c.a(g, [2, 3])]);
    gradcheck((b) => c.f(c.scalarA, b!), [c.b(g, [2, 3])]);
    gradcheck((a) => c.f(a!, c.scalarB), [c.a(g, [])]);
  });

  test(`${c.name}: gradcheck on transposed, strided and expanded operands`, () => {
    const g = new Generator(505);
    gradcheck((a, b) => c.f(a!.transpose(0, 1), b!.slice(1, 0, undefined, 2)), [c.a(g, [4, 3]), c.b(g, [3, 8])]);
    gradcheck((a, b) => c.f(a!.mT, b!.expand(3, 4)), [c.a(g, [4, 3]), c.b(g, [4])]);
    gradcheck((a, b) => c.f(a!.expand(2, -1, 4), b!.permute(-1, 0)), [c.a(g, [3, 1]), c.b(g, [4, 3])]);
    // The same expression on contiguous copies gives identical values.
    const a = c.a(g, [4, 3]), b = c.b(g, [3, 8]);
    const av = a.transpose(0, 1), bv = b.slice(1, 0, undefined, 2);
    assertClose(c.f(av, bv), c.f(av.contiguous(), bv.contiguous()), { rtol: 0, atol: 0 }, c.name);
  });
}

test('pow: negative base with integer exponents, and scalar exponents', () => {
  const g = new Generator(606);
  gradcheck((x) => x!.pow(3), [anyReal(g, [2, 3])]);
  gradcheck((x) => x!.pow(2), [anyReal(g, [4])]);
  gradcheck((x) => x!.pow(-2), [awayFromZero(g, [4])]);
  gradcheck((x) => x!.pow(0.5), [positive(g, [4])]);
  assertClose(tensor([-2, 3, 4], { dtype: 'float64' }).pow(tensor([3, 2, 0.5], { dtype: 'float64' })), [-8, 9, 2], { rtol: 0, atol: 0 });
  assertClose(pow(2, tensor([0, 1, 10], { dtype: 'float64' })), [1, 2, 1024], { rtol: 0, atol: 0 });
  // d(aᵇ)/db at a = 0 is 0 for b ≥ 0, not 0·log 0 = NaN.
  const a = tensor([0, 2], { dtype: 'float64' }), b = tensor([2, 3], { dtype: 'float64', requiresGrad: true });
  a.pow(b).sum().backward();
  assertClose(b.grad!, [0, 8 * Math.log(2)], { rtol: 1e-15, atol: 0 });
});

test('binary forward values with broadcasting', () => {
  const a = tensor([[1], [2], [3]], { dtype: 'float64' }); // [3, 1]
  const b = tensor([10, 20], { dtype: 'float64' }); // [2]
  const cases: [Tensor, number[][]][] = [
    [a.add(b), [[11, 21], [12, 22], [13, 23]]],
    [a.sub(b), [[-9, -19], [-8, -18], [-7, -17]]],
    [a.mul(b), [[10, 20], [20, 40], [30, 60]]],
    [b.div(a), [[10, 20], [5, 10], [10 / 3, 20 / 3]]],
    [a.pow(tensor([1, 2], { dtype: 'float64' })), [[1, 1], [2, 4], [3, 9]]],
    [a.maximum(tensor([1.5, 2.5], { dtype: 'float64' })), [[1.5, 2.5], [2, 2.5], [3, 3]]],
    [a.minimum(tensor([1.5, 2.5], { dtype: 'float64' })), [[1, 1], [1.5, 2], [1.5, 2.5]]],
  ];
  for (const [got, want] of cases) {
    assert.deepEqual(got.shape, [3, 2]);
    assertClose(got, want, { rtol: 1e-15, atol: 0 });
  }
  assertClose(sub(1, tensor([1, 2, 3])), [0, -1, -2]);
  assertClose(div(1, tensor([2, 4])), [0.5, 0.25]);
  // 0-d tensors broadcast against anything.
  const s = tensor(2, { dtype: 'float64' });
  assert.deepEqual(s.mul(tensor([[1, 2]], { dtype: 'float64' })).tolist(), [[2, 4]]);
  assert.deepEqual(s.add(s).shape, []);
  // maximum/minimum propagate NaN.
  assertClose(maximum(tensor([NaN, 1]), tensor([0, NaN])), [NaN, NaN]);
});

test('maximum/minimum split the gradient evenly at ties', () => {
  const a = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
  const b = tensor([1, 5, 0], { dtype: 'float64', requiresGrad: true });
  maximum(a, b).sum().backward();
  assert.deepEqual(a.grad!.tolist(), [0.5, 0, 1]);
  assert.deepEqual(b.grad!.tolist(), [0.5, 1, 0]);
  const c = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
  const d = tensor([1, 5, 0], { dtype: 'float64', requiresGrad: true });
  minimum(c, d).sum().backward();
  assert.deepEqual(c.grad!.tolist(), [0.5, 1, 0]);
  assert.deepEqual(d.grad!.tolist(), [0.5, 0, 1]);
});

test('dtype promotion: int32 with numbers and tensors, bool arithmetic, float widths', () => {
  const i = tensor([1, 2, 3], { dtype: 'int32' });
  const r1 = i.add(0.5);
  assert.equal(r1.dtype, 'float32');
  assertClose(r1, [1.5, 2.5, 3.5]);
  assert.equal(i.add(2).dtype, 'int32');
  assert.equal(i.mul(i).dtype, 'int32');
  assert.deepEqual(i.mul(i).tolist(), [1, 4, 9]);
  assert.equal(i.add(tensor([0.5, 0.5, 0.5])).dtype, 'float32');
  assert.equal(i.add(tensor([0.5, 0.5, 0.5], { dtype: 'float64' })).dtype, 'float64');
  const f32 = tensor([1, 2], { dtype: 'float32' }), f64 = tensor([0.25, 0.5], { dtype: 'float64' });
  assert.equal(f32.add(f64).dtype, 'float64');
  assert.equal(f64.mul(f32).dtype, 'float64');
  assertClose(f32.add(f64), [1.25, 2.5], { rtol: 0, atol: 0 });
  assert.equal(f32.add(1).dtype, 'float32');
  assert.equal(f64.add(1.5).dtype, 'float64');
  // Bool arithmetic counts in int32; a fractional number lifts it to float32.
  const t = tensor([true, false, true]);
  assert.equal(t.dtype, 'bool');
  const tt = t.add(t);
  assert.equal(tt.dtype, 'int32');
  assert.deepEqual(tt.tolist(), [2, 0, 2]);
  assert.equal(t.add(3).dtype, 'int32');
  assert.deepEqual(t.add(3).tolist(), [4, 3, 4]);
  assert.equal(t.mul(0.5).dtype, 'float32');
  assert.equal(t.add(i).dtype, 'int32');
});

test('division: int32 / int32 and int32 / number give float32 (true division)', () => {
  const a = tensor([7, -7, 1], { dtype: 'int32' }), b = tensor([2, 2, 3], { dtype: 'int32' });
  const q = a.div(b);
  assert.equal(q.dtype, 'float32');
  assertClose(q, [3.5, -3.5, 1 / 3]);
  const h = a.div(2);
  assert.equal(h.dtype, 'float32');
  assertClose(h, [3.5, -3.5, 0.5]);
  assert.equal(div(1, a).dtype, 'float32');
  assert.equal(tensor([true, false]).div(tensor([true, true])).dtype, 'float32');
});

test('comparisons and logical ops return bool with broadcasting', () => {
  const a = tensor([[1], [2], [3]]), b = tensor([2, 3]);
  const cases: [Tensor, boolean[][]][] = [
    [a.eq(b), [[false, false], [true, false], [false, true]]],
    [a.ne(b), [[true, true], [false, true], [true, false]]],
    [a.lt(b), [[true, true], [false, true], [false, false]]],
    [a.le(b), [[true, true], [true, true], [false, true]]],
    [a.gt(b), [[false, false], [false, false], [true, false]]],
    [a.ge(b), [[false, false], [true, false], [true, true]]],
  ];
  for (const [got, want] of cases) {
    assert.equal(got.dtype, 'bool');
    assert.equal(got.requiresGrad, false);
    assert.deepEqual(got.tolist(), want);
  }
  assert.deepEqual(tensor([1, 2, 3], { dtype: 'int32' }).gt(1.5).tolist(), [false, true, true]);
  const p = tensor([true, true, false, false]), q = tensor([true, false, true, false]);
  assert.deepEqual(p.logicalAnd(q).tolist(), [true, false, false, false]);
  assert.deepEqual(p.logicalOr(q).tolist(), [true, true, true, false]);
  assert.deepEqual(p.logicalNot().tolist(), [false, false, true, true]);
  // Comparisons of tensors that require grad are outside the graph.
  assert.equal(randn([3], { dtype: 'float64', requiresGrad: true }).gt(0).requiresGrad, false);
});

// ---- where and clamp ----------------------------------------------------------------------------

test('where: gradcheck with broadcasting condition, operands and 0-d tensors', () => {
  const g = new Generator(707);
  const cond = (shape: number[]): Tensor => rand(shape, { generator: g }).gt(0.5);
  const c0 = cond([3, 4]);
  gradcheck((a, b) => where(c0, a!, b!), [anyReal(g, [3, 4]), anyReal(g, [3, 4])]);
  const c1 = cond([3, 1]);
  gradcheck((a, b) => where(c1, a!, b!), [anyReal(g, [1, 4]), anyReal(g, [])]);
  const c2 = cond([2, 1, 4]);
  gradcheck((a, b) => where(c2, a!, b!), [anyReal(g, [3, 1]), anyReal(g, [4])]);
  gradcheck((a) => where(c1, a!, 0.5), [anyReal(g, [3, 4])]);
  gradcheck((b) => where(c1, -2, b!), [anyReal(g, [2, 3, 1])]);
  // Non-contiguous operands, and the method forms.
  const c3 = cond([3, 4]);
  gradcheck((a, b) => a!.transpose(0, 1).where(c3, b!.slice(0, 0, undefined, 2)), [anyReal(g, [4, 3]), anyReal(g, [6, 4])]);
  gradcheck((a) => a!.maskedFill(c3, -1), [anyReal(g, [3, 4])]);
});

test('where and maskedFill forward values', () => {
  const c = tensor([[true], [false]]);
  assert.deepEqual(where(c, tensor([1, 2, 3]), tensor(0)).tolist(), [[1, 2, 3], [0, 0, 0]]);
  assert.deepEqual(tensor([1, 2, 3]).maskedFill(tensor([false, true, false]), -9).tolist(), [1, -9, 3]);
  const w = where(tensor([true, false]), tensor([1, 2], { dtype: 'int32' }), 0.5);
  assert.equal(w.dtype, 'float32');
  assert.deepEqual(w.tolist(), [1, 0.5]);
});

/** Values 0.2k + 0.1 (± 0.03): never within 0.07 of a bound that is a multiple of 0.2. */
function offGrid(g: Generator, shape: number[]): Tensor {
  const k = randn(shape, { dtype: 'float64', generator: g }).mul(4).floor();
  return k.mul(0.2).add(0.1).add(rand(shape, { dtype: 'float64', generator: g }).sub(0.5).mul(0.06)).requiresGrad_();
}
const onGrid = (g: Generator, shape: number[], lo: number): Tensor =>
  rand(shape, { dtype: 'float64', generator: g }).mul(4).floor().add(lo).mul(0.2).requiresGrad_();

test('clamp: gradcheck against x and tensor bounds, with broadcasting, away from the bounds', () => {
  const g = new Generator(808);
  gradcheck((x) => x!.clamp(-0.4, 0.6), [offGrid(g, [2, 3, 4])]);
  gradcheck((x) => x!.clamp(-0.2), [offGrid(g, [5])]);
  gradcheck((x) => x!.clamp(null, 0.2), [offGrid(g, [5])]);
  gradcheck((x) => clamp(x!, -0.4, 0.4), [offGrid(g, [])]);
  // Tensor bounds: min below max everywhere (min ∈ {-1.2..-0.6}, max ∈ {0.2..0.8}).
  gradcheck((x, lo, hi) => x!.clamp(lo, hi), [offGrid(g, [3, 1, 4]), onGrid(g, [2, 1], -6), onGrid(g, [4], 1)]);
  gradcheck((x, lo) => x!.transpose(0, 1).clamp(lo, 0.4), [offGrid(g, [4, 3]), onGrid(g, [], -3)]);
});

test('clamp forward values and gradient mask', () => {
  const x = tensor([-2, -0.5, 0, 0.5, 2], { dtype: 'float64', requiresGrad: true });
  const y = x.clamp(-1, 1);
  assert.deepEqual(y.tolist(), [-1, -0.5, 0, 0.5, 1]);
  y.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [0, 1, 1, 1, 0]);
  assert.deepEqual(tensor([1, 5, 9], { dtype: 'int32' }).clamp(2, 6).tolist(), [2, 5, 6]);
  assert.deepEqual(tensor([1, 5, 9]).clamp(null, 4).tolist(), [1, 4, 4]);
  const lo = tensor([[0], [6]]);
  assert.deepEqual(tensor([1, 5, 9]).clamp(lo).tolist(), [[1, 5, 9], [6, 6, 9]]);
});

// ---- second order -------------------------------------------------------------------------------

test('second order: gradcheck of createGraph gradients of unary ops', () => {
  const g = new Generator(909);
  const cases: [string, (x: Tensor) => Tensor, Domain][] = [
    ['tanh', (x) => x.tanh(), anyReal],
    ['sigmoid', (x) => x.sigmoid(), anyReal],
    ['exp', (x) => x.exp(), anyReal],
    ['log', (x) => x.log(), positive],
    ['sqrt', (x) => x.sqrt(), positive],
    ['rsqrt', (x) => x.rsqrt(), positive],
    ['reciprocal', (x) => x.reciprocal(), awayFromZero],
    ['sin', (x) => x.sin(), anyReal],
    ['cos', (x) => x.cos(), anyReal],
    ['erf', (x) => x.erf(), anyReal],
    ['gelu', (x) => x.gelu(), anyReal],
    ['gelu tanh', (x) => x.gelu({ approximate: 'tanh' }), anyReal],
    ['silu', (x) => x.silu(), anyReal],
    ['relu', (x) => x.relu().square(), awayFromZero],
    ['abs', (x) => x.abs().pow(3), awayFromZero],
  ];
  for (const [name, f, domain] of cases) {
    try {
      gradgradcheck(f, [domain(g, [2, 3])], g);
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}`);
    }
  }
});

test('second order: gradcheck of createGraph gradients of binary ops, where and clamp', () => {
  const g = new Generator(1010);
  gradgradcheck((a, b) => a!.mul(b!), [anyReal(g, [2, 3]), anyReal(g, [3])], g);
  gradgradcheck((a, b) => a!.div(b!), [anyReal(g, [2, 3]), awayFromZero(g, [2, 1])], g);
  gradgradcheck((a, b) => a!.pow(b!), [positive(g, [2, 3]), anyReal(g, [2, 3])], g);
  gradgradcheck((a) => a!.pow(3), [anyReal(g, [4])], g);
  gradgradcheck((a, b) => a!.add(b!).mul(a!.sub(b!)), [anyReal(g, [3]), anyReal(g, [])], g);
  gradgradcheck((a, b) => maximum(a!, b!).square(), [anyReal(g, [4]), anyReal(g, [4])], g);
  const c = rand([2, 3], { generator: g }).gt(0.5);
  gradgradcheck((a, b) => where(c, a!, b!).square(), [anyReal(g, [2, 3]), anyReal(g, [3])], g);
  gradgradcheck((x) => x!.clamp(-0.4, 0.6).pow(3), [offGrid(g, [2, 3])], g);
});

// ---- errors -------------------------------------------------------------------------------------

test('errors name the op and the shapes or dtype', () => {
  assert.throws(() => tensor([[1, 2, 3], [4, 5, 6]]).add(tensor([1, 2, 3, 4])), /add: shapes \[2, 3\] and \[4\] cannot be broadcast together/);
  assert.throws(() => mul(randn([3, 1, 4]), randn([2, 3])), /mul: shapes \[3, 1, 4\] and \[2, 3\] cannot be broadcast together/);
  assert.throws(() => where(tensor([true, false, true]), randn([2]), 0), /where: shapes \[3\] and \[2\] and \[\] cannot be broadcast together/);
  const i = tensor([1, 2], { dtype: 'int32' });
  assert.throws(() => i.exp(), (e: Error) => e instanceof TypeError && /exp: expected a floating-point tensor, got int32/.test(e.message));
  assert.throws(() => i.log(), /log: expected a floating-point tensor, got int32/);
  assert.throws(() => tensor([true]).sigmoid(), /sigmoid: expected a floating-point tensor, got bool/);
  assert.throws(() => tensor([1, 2]).logicalNot(), /logicalNot: expected a bool tensor, got float32/);
  assert.throws(() => where(tensor([1, 0]), tensor([1, 2]), 0), /where: condition must be a bool tensor, got float32/);
  assert.throws(() => tensor([1, 2]).clamp(), /clamp: at least one of min and max must be given/);
  assert.throws(() => add(1 as unknown as Tensor, 2), /add: at least one operand must be a tensor/);
});
