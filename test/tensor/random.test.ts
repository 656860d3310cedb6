/** Generator: xoshiro128**, reproducibility, exact save/restore (with the Box-Muller spare), and manualSeed. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, defaultGenerator, manualSeed, rand, randint, randn } from '../../src/index.js';

const draws = (n: number, f: () => number): number[] => Array.from({ length: n }, f);

test('xoshiro128** matches the reference output for state [1, 2, 3, 4]', () => {
  const g = new Generator().setState({ s: [1, 2, 3, 4], spare: null });
  assert.deepEqual(draws(6, () => g.nextUint32()), [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
});

test('the same seed gives the same stream; different seeds differ', () => {
  const a = new Generator(123), b = new Generator(123), c = new Generator(124);
  const sa = draws(20, () => a.random()), sb = draws(20, () => b.random()), sc = draws(20, () => c.random());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  assert.deepEqual(draws(10, () => a.normal()), draws(10, () => b.normal()));
  // Re-seeding starts the stream over.
  a.manualSeed(123);
  assert.deepEqual(draws(20, () => a.random()), sa);
});

test('random() is uniform in [0, 1) and nextUint32() is a 32-bit unsigned integer', () => {
  const g = new Generator(7);
  const xs = draws(20_000, () => g.random());
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 0.005, `variance ${variance}`);
  for (const u of draws(1000, () => g.nextUint32())) assert.ok(Number.isInteger(u) && u >= 0 && u < 2 ** 32);
});

test('normal() has mean 0 and variance 1', () => {
  const g = new Generator(11);
  const xs = draws(40_000, () => g.normal());
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.03, `variance ${variance}`);
  const within1 = xs.filter((x) => Math.abs(x) < 1).length / xs.length;
  assert.ok(Math.abs(within1 - 0.6827) < 0.01, `P(|x| < 1) = ${within1}`);
});

test('randint stays in [low, high) and hits every value', () => {
  const g = new Generator(5);
  const seen = new Set(draws(2000, () => g.randint(-3, 4)));
  assert.deepEqual([...seen].sort((a, b) => a - b), [-3, -2, -1, 0, 1, 2, 3]);
});

test('getState/setState resumes the same stream, including the Box-Muller spare', () => {
  const g = new Generator(99);
  g.normal(); // draws a pair and keeps the second value
  const state = g.getState();
  assert.notEqual(state.spare, null, 'after one normal() the spare is pending');
  const expected = [...draws(5, () => g.normal()), ...draws(5, () => g.random())];

  // Restoring into the same generator, after it moved on.
  g.setState(state);
  assert.deepEqual([...draws(5, () => g.normal()), ...draws(5, () => g.random())], expected);

  // Restoring into another generator, through JSON (as a checkpoint would).
  const h = new Generator(0).setState(JSON.parse(JSON.stringify(state)));
  assert.deepEqual([...draws(5, () => h.normal()), ...draws(5, () => h.random())], expected);
});

test('a state without a pending spare restores without one', () => {
  const g = new Generator(3);
  g.normal();
  g.normal(); // the spare is used up
  const state = g.getState();
  assert.equal(state.spare, null);
  const next = draws(4, () => g.normal());
  g.setState(state);
  assert.deepEqual(draws(4, () => g.normal()), next);
});

test('getState returns a snapshot that later draws do not change', () => {
  const g = new Generator(1);
  const state = g.getState();
  const copy = structuredClone(state);
  g.random();
  g.normal();
  assert.deepEqual(state, copy);
});

test('manualSeed clears the pending spare', () => {
  const g = new Generator(8);
  g.normal();
  g.manualSeed(8);
  const ref = new Generator(8);
  assert.deepEqual(draws(3, () => g.normal()), draws(3, () => ref.normal()));
});

test('setState and manualSeed reject bad input', () => {
  const g = new Generator();
  assert.throws(() => g.setState({ s: [1, 2, 3] } as never), /setState/);
  assert.throws(() => g.manualSeed(NaN), /finite/);
  assert.throws(() => g.manualSeed(Infinity), /finite/);
});

test('manualSeed seeds the default generator, which randn, rand and randint use', () => {
  const saved = defaultGenerator.getState();
  try {
    assert.equal(manualSeed(42), defaultGenerator);
    const a = randn([5]).tolist();
    const u = rand([3]).tolist();
    const i = randint(0, 100, [4]).tolist();
    manualSeed(42);
    assert.deepEqual(randn([5]).tolist(), a);
    assert.deepEqual(rand([3]).tolist(), u);
    assert.deepEqual(randint(0, 100, [4]).tolist(), i);
    manualSeed(43);
    assert.notDeepEqual(randn([5]).tolist(), a);
    // The tensor holds the generator's own normals, rounded to float32.
    manualSeed(42);
    const ref = new Generator(42);
    assert.deepEqual(randn([5]).tolist(), draws(5, () => Math.fround(ref.normal())));
    // float64 keeps them exactly.
    const ref64 = new Generator(42);
    assert.deepEqual(randn([3], { dtype: 'float64', generator: new Generator(42) }).tolist(), draws(3, () => ref64.normal()));
  } finally {
    defaultGenerator.setState(saved);
  }
});

test('an explicit generator leaves the default stream alone', () => {
  const saved = defaultGenerator.getState();
  try {
    manualSeed(5);
    const first = randn([4]).tolist();
    manualSeed(5);
    randn([100], { generator: new Generator(1) });
    rand([100], { generator: new Generator(2) });
    assert.deepEqual(randn([4]).tolist(), first);
  } finally {
    defaultGenerator.setState(saved);
  }
});

test('an odd number of normals carries the spare into the next tensor, so split draws equal one draw', () => {
  const g1 = new Generator(77), g2 = new Generator(77);
  const whole = randn([7], { dtype: 'float64', generator: g1 }).tolist() as number[];
  const parts = [
    ...(randn([3], { dtype: 'float64', generator: g2 }).tolist() as number[]),
    ...(randn([4], { dtype: 'float64', generator: g2 }).tolist() as number[]),
  ];
  assert.deepEqual(parts, whole);
});
