/**
 * Learning-rate schedulers: every case of test/fixtures/sched.json (written by
 * test/fixtures/generate_sched.py from torch 1.13) to 1e-10 relative, resuming from a state dict,
 * the pure schedule functions, and argument errors. The fixtures are plain JSON: no Python needed.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros } from '../../src/index.js';
import { Adam } from '../../src/optim/adam.js';
import { SGD } from '../../src/optim/sgd.js';
import {
  type LRScheduler, type LrLambda, type SchedulableOptimizer, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR,
  MultiStepLR, StepLR, cosineAnnealingLr, exponentialLr, linearLr, multiStepLr, stepLr, warmupCosineLr,
} from '../../src/optim/lr-scheduler.js';
import { SequentialLR } from '../../src/optim/sequential-lr.js';
import { OneCycleLR, oneCycleLr, oneCycleMomentum } from '../../src/optim/one-cycle-lr.js';
import { ReduceLROnPlateau } from '../../src/optim/reduce-lr-on-plateau.js';
import { assertClose, readFixture } from '../helpers.js';

// ---- fixtures -----------------------------------------------------------------------------------

interface Spec {
  scheduler: string;
  options?: Record<string, unknown>;
}

interface Case extends Spec {
  name: string;
  options: Record<string, unknown>;
  optimizer: 'SGD' | 'Adam';
  groups: Array<{ lr: number; momentum?: number; betas?: [number, number] }>;
  steps: number;
  metrics?: number[];
  /** lrs[t][g]: group g's lr after construction (t = 0) and after step t. */
  lrs: number[][];
  momentum?: number[][];
  betas?: number[][][];
}

interface Fixtures {
  cases: Case[];
  nanogpt: Array<{ options: { maxLr: number; minLr: number; warmupSteps: number; decaySteps: number }; lrs: number[] }>;
}

const fixtures = readFixture<Fixtures>('sched.json');

/** The same names and bodies as LAMBDAS in generate_sched.py. */
const LAMBDAS: Record<string, LrLambda> = {
  pow095: (e) => 0.95 ** e,
  inverse: (e) => 1.0 / (e + 1),
  halveAt10: (e) => (e >= 10 ? 0.5 : 1.0),
  warmup5: (e) => Math.min(1.0, (e + 1) / 5),
};

const TOL = { rtol: 1e-10, atol: 1e-16 };

type AnyScheduler = LRScheduler | ReduceLROnPlateau;

function makeOptimizer(c: Case): SGD | Adam {
  const groups = c.groups.map((g) => ({ ...g, params: [zeros([1], { requiresGrad: true })] }));
  return c.optimizer === 'SGD' ? new SGD(groups, { lr: 0.1 }) : new Adam(groups, { lr: 0.1 });
}

function build(opt: SchedulableOptimizer, spec: Spec): AnyScheduler {
  const o = (spec.options ?? {}) as never;
  switch (spec.scheduler) {
    case 'StepLR': return new StepLR(opt, o);
    case 'MultiStepLR': return new MultiStepLR(opt, o);
    case 'ExponentialLR': return new ExponentialLR(opt, o);
    case 'CosineAnnealingLR': return new CosineAnnealingLR(opt, o);
    case 'LinearLR': return new LinearLR(opt, o);
    case 'OneCycleLR': return new OneCycleLR(opt, o);
    case 'ReduceLROnPlateau': return new ReduceLROnPlateau(opt, o);
    case 'LambdaLR': {
      const f = (spec.options as { lrLambda: string | string[] }).lrLambda;
      return new LambdaLR(opt, { lrLambda: Array.isArray(f) ? f.map((n) => LAMBDAS[n]!) : LAMBDAS[f]! });
    }
    case 'SequentialLR': {
      const { schedulers, milestones } = spec.options as { schedulers: Spec[]; milestones: number[] };
      return new SequentialLR(opt, { schedulers: schedulers.map((s) => build(opt, s) as LRScheduler), milestones });
    }
    default: throw new Error(`lr-scheduler test: no builder for ${spec.scheduler}`);
  }
}

function advance(s: AnyScheduler, c: Case, t: number): void {
  if (s instanceof ReduceLROnPlateau) s.step(c.metrics![t - 1]!);
  else s.step();
}

const lrsOf = (opt: SchedulableOptimizer): number[] => opt.paramGroups.map((g) => g.lr);
const momentaOf = (opt: SchedulableOptimizer): number[] => opt.paramGroups.map((g) => (g as unknown as { momentum: number }).momentum);
const betasOf = (opt: SchedulableOptimizer): number[][] => opt.paramGroups.map((g) => [...(g as unknown as { betas: number[] }).betas]);

/**
 * The expected lrs and momenta at step t. Deviation from torch, on purpose: at the final step
 * t = totalSteps (one past the cycle's last phase) torch extrapolates the annealing, descent holds
 * the final values (lr = maxLr/(divFactor·finalDivFactor), momentum = maxMomentum).
 */
function expected(c: Case, t: number): { lrs: number[]; momentum?: number[]; betas?: number[][] } {
  const out = { lrs: c.lrs[t]!, momentum: c.momentum?.[t], betas: c.betas?.[t] };
  if (c.scheduler !== 'OneCycleLR') return out;
  const o = c.options as {
    maxLr: number | number[]; totalSteps?: number; epochs?: number; stepsPerEpoch?: number;
    divFactor?: number; finalDivFactor?: number; maxMomentum?: number;
  };
  if (t !== (o.totalSteps ?? o.epochs! * o.stepsPerEpoch!)) return out;
  const maxLrs = Array.isArray(o.maxLr) ? o.maxLr : c.groups.map(() => o.maxLr as number);
  const mMax = o.maxMomentum ?? 0.95;
  return {
    lrs: maxLrs.map((m) => m / (o.divFactor ?? 25) / (o.finalDivFactor ?? 1e4)),
    momentum: out.momentum?.map(() => mMax),
    betas: out.betas?.map(([, b2]) => [mMax, b2!]),
  };
}

function checkStep(c: Case, opt: SchedulableOptimizer, s: AnyScheduler, t: number): void {
  const e = expected(c, t);
  assertClose(lrsOf(opt), e.lrs, TOL, `${c.name}: lrs at step ${t}`);
  assert.deepEqual(s.getLastLr(), lrsOf(opt), `${c.name}: getLastLr at step ${t}`);
  if (!(s instanceof ReduceLROnPlateau)) assert.equal(s.lastEpoch, t, `${c.name}: lastEpoch`);
  if (c.scheduler === 'OneCycleLR' && (c.options.cycleMomentum ?? true)) {
    if (e.momentum) assertClose(momentaOf(opt), e.momentum, TOL, `${c.name}: momentum at step ${t}`);
    if (e.betas) assertClose(betasOf(opt), e.betas, TOL, `${c.name}: betas at step ${t}`);
  } else if (c.momentum) {
    assert.deepEqual(momentaOf(opt), c.groups.map((g) => g.momentum ?? 0), `${c.name}: momentum left alone`);
  }
}

test('sched fixtures are present and cover every scheduler', () => {
  const kinds = new Set(fixtures.cases.map((c) => c.scheduler));
  for (const k of ['StepLR', 'MultiStepLR', 'ExponentialLR', 'CosineAnnealingLR', 'LinearLR', 'LambdaLR', 'SequentialLR', 'OneCycleLR', 'ReduceLROnPlateau']) {
    assert.ok(kinds.has(k), `no ${k} case in test/fixtures/sched.json; run test/fixtures/generate_sched.py`);
  }
});

for (const c of fixtures.cases) {
  test(`matches torch: ${c.name}`, () => {
    const opt = makeOptimizer(c);
    const s = build(opt, c);
    checkStep(c, opt, s, 0);
    for (let t = 1; t <= c.steps; t++) {
      advance(s, c, t);
      checkStep(c, opt, s, t);
    }
  });
}

// ---- resume ------------------------------------------------------------------------------------

for (const c of fixtures.cases) for (const schedulerFirst of [false, true]) {
  test(`resumes from a state dict, ${schedulerFirst ? 'scheduler' : 'optimizer'} loaded first: ${c.name}`, () => {
    const k = 13;
    const opt = makeOptimizer(c);
    const s = build(opt, c);
    for (let t = 1; t <= k; t++) advance(s, c, t);
    // Through JSON, as a checkpoint file would be (ReduceLROnPlateau's best = Infinity becomes null).
    const saved = JSON.parse(JSON.stringify({ opt: opt.stateDict(), sched: s.stateDict() }));
    const uninterrupted: number[][] = [];
    for (let t = k + 1; t <= c.steps; t++) { advance(s, c, t); uninterrupted.push(lrsOf(opt)); }

    const opt2 = makeOptimizer(c);
    const s2 = build(opt2, c);
    // Either order works: the scheduler's load also sets the lrs for its step.
    if (schedulerFirst) s2.loadStateDict(saved.sched);
    opt2.loadStateDict(saved.opt);
    if (!schedulerFirst) s2.loadStateDict(saved.sched);
    checkStep(c, opt2, s2, k);
    const resumed: number[][] = [];
    for (let t = k + 1; t <= c.steps; t++) { advance(s2, c, t); checkStep(c, opt2, s2, t); resumed.push(lrsOf(opt2)); }
    assert.deepEqual(resumed, uninterrupted);
  });
}

test('a scheduler state alone restores the lrs (and momentum) without the optimizer state', () => {
  const c = fixtures.cases.find((x) => x.name === 'OneCycleLR SGD momentum')!;
  const opt = makeOptimizer(c);
  const s = build(opt, c) as OneCycleLR;
  for (let t = 1; t <= 7; t++) s.step();
  const opt2 = makeOptimizer(c);
  const s2 = build(opt2, c) as OneCycleLR;
  s2.loadStateDict(s.stateDict());
  assert.deepEqual(lrsOf(opt2), lrsOf(opt));
  assert.deepEqual(momentaOf(opt2), momentaOf(opt));
});

test('loadStateDict rejects a state from another scheduler or another optimizer', () => {
  const p = () => [zeros([1], { requiresGrad: true })];
  const opt = new SGD([{ params: p() }, { params: p(), lr: 0.5 }], { lr: 0.1 });
  const step = new StepLR(opt, { stepSize: 2 });
  const cos = new CosineAnnealingLR(opt, { tMax: 5 });
  assert.throws(() => step.loadStateDict(cos.stateDict()), /StepLR\.loadStateDict: the state is from a "CosineAnnealingLR", not a StepLR/);
  const one = new StepLR(new SGD(p(), { lr: 0.1 }), { stepSize: 2 });
  assert.throws(() => step.loadStateDict(one.stateDict()), /has 1 baseLrs, the optimizer 2 parameter groups/);
  const seq = new SequentialLR(opt, { schedulers: [new LinearLR(opt), new ExponentialLR(opt, { gamma: 0.9 })], milestones: [3] });
  assert.throws(() => seq.loadStateDict({ ...seq.stateDict(), schedulers: [] }), /expected the states of 2 schedulers, got 0/);
  const plateau = new ReduceLROnPlateau(opt);
  assert.throws(() => plateau.loadStateDict(step.stateDict() as never), /the state is from a "StepLR", not a ReduceLROnPlateau/);
});

// ---- behaviour beyond the fixtures ---------------------------------------------------------------

test('initialLr is recorded on each group and reused by a later scheduler', () => {
  const opt = new SGD([{ params: [zeros([1], { requiresGrad: true })] }, { params: [zeros([1], { requiresGrad: true })], lr: 0.02 }], { lr: 0.1 });
  const s = new ExponentialLR(opt, { gamma: 0.5 });
  s.step();
  s.step();
  assert.deepEqual(opt.paramGroups.map((g) => (g as unknown as { initialLr: number }).initialLr), [0.1, 0.02]);
  // The groups now hold 0.025 and 0.005, but a new scheduler starts from initialLr, as PyTorch's does.
  const s2 = new StepLR(opt, { stepSize: 10 });
  assert.deepEqual(s2.baseLrs, [0.1, 0.02]);
  assert.deepEqual(lrsOf(opt), [0.1, 0.02]);
});

test('lrAt is the schedule without side effects, and the pure functions agree with the schedulers', () => {
  const opt = new SGD([zeros([1], { requiresGrad: true })], { lr: 0.3 });
  const cases: Array<[LRScheduler, (t: number) => number]> = [
    [new StepLR(opt, { stepSize: 4, gamma: 0.5 }), (t) => stepLr(t, { baseLr: 0.3, stepSize: 4, gamma: 0.5 })],
    [new MultiStepLR(opt, { milestones: [3, 8] }), (t) => multiStepLr(t, { baseLr: 0.3, milestones: [3, 8] })],
    [new ExponentialLR(opt, { gamma: 0.9 }), (t) => exponentialLr(t, { baseLr: 0.3, gamma: 0.9 })],
    [new CosineAnnealingLR(opt, { tMax: 7, etaMin: 0.01 }), (t) => cosineAnnealingLr(t, { baseLr: 0.3, tMax: 7, etaMin: 0.01 })],
    [new LinearLR(opt, { startFactor: 0.2, totalIters: 6 }), (t) => linearLr(t, { baseLr: 0.3, startFactor: 0.2, totalIters: 6 })],
    [new OneCycleLR(opt, { maxLr: 0.3, totalSteps: 20, cycleMomentum: false }), (t) => oneCycleLr(t, { maxLr: 0.3, totalSteps: 20 })],
  ];
  for (const [s, f] of cases) {
    const before = lrsOf(opt);
    for (let t = 0; t <= 20; t++) assert.equal(s.lrAt(t)[0], f(t), `${s.constructor.name} at step ${t}`);
    assert.deepEqual(lrsOf(opt), before, `${s.constructor.name}.lrAt changed the optimizer`);
    assert.equal(s.lastEpoch, 0);
  }
});

test('oneCycleMomentum matches OneCycleLR momentum', () => {
  const opt = new SGD([zeros([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
  const s = new OneCycleLR(opt, { maxLr: 1, totalSteps: 12, threePhase: true, annealStrategy: 'linear', baseMomentum: 0.7 });
  for (let t = 0; t <= 12; t++) {
    const m = oneCycleMomentum(t, { totalSteps: 12, threePhase: true, annealStrategy: 'linear', baseMomentum: 0.7 });
    assert.equal(momentaOf(opt)[0], m, `step ${t}`);
    if (t < 12) s.step();
  }
  assert.throws(() => s.step(), /OneCycleLR: step 13 is past the end of the cycle \(totalSteps 12\)/);
  assert.equal(s.lastEpoch, 12, 'a failed step changes nothing');
});

test('OneCycleLR leaves the shared default betas array alone', () => {
  const opt = new Adam([{ params: [zeros([1], { requiresGrad: true })] }, { params: [zeros([1], { requiresGrad: true })] }], { lr: 0.1 });
  const shared = opt.defaults.betas;
  const s = new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10 });
  s.step();
  assert.deepEqual(shared, [0.9, 0.999]);
  assert.notEqual(opt.paramGroups[0]!.betas, opt.paramGroups[1]!.betas);
});

test('OneCycleLR: a zero-length phase counts as done instead of dividing by zero', () => {
  // pctStart·totalSteps = 1: PyTorch computes 0/0 at step 0.
  assert.equal(oneCycleLr(0, { maxLr: 0.5, totalSteps: 10, pctStart: 0.1 }), 0.5);
  assert.equal(oneCycleLr(10, { maxLr: 0.5, totalSteps: 10, pctStart: 1, divFactor: 5, finalDivFactor: 2 }), 0.05);
});

test('LinearLR warms up from startFactor 0, which PyTorch cannot (its chainable form divides by it)', () => {
  const opt = new SGD([zeros([1], { requiresGrad: true })], { lr: 0.4 });
  const s = new LinearLR(opt, { startFactor: 0, totalIters: 4 });
  const seen = [opt.paramGroups[0]!.lr];
  for (let t = 0; t < 6; t++) { s.step(); seen.push(opt.paramGroups[0]!.lr); }
  assertClose(seen, [0, 0.1, 0.2, 0.3, 0.4, 0.4, 0.4], { rtol: 1e-15, atol: 0 });
});

test('SequentialLR: warmup then cosine, and each scheduler counts its own steps', () => {
  const opt = new SGD([zeros([1], { requiresGrad: true })], { lr: 1 });
  const warmup = new LinearLR(opt, { startFactor: 0.25, totalIters: 4 });
  const cos = new CosineAnnealingLR(opt, { tMax: 10 });
  const s = new SequentialLR(opt, { schedulers: [warmup, cos], milestones: [4] });
  const seen = [opt.paramGroups[0]!.lr];
  for (let t = 0; t < 14; t++) { s.step(); seen.push(opt.paramGroups[0]!.lr); }
  const want = [0.25, 0.4375, 0.625, 0.8125, ...Array.from({ length: 11 }, (_, t) => cosineAnnealingLr(t, { baseLr: 1, tMax: 10 }))];
  assertClose(seen, want, { rtol: 1e-15, atol: 1e-16 });
  assert.equal(warmup.lastEpoch, 3);
  assert.equal(cos.lastEpoch, 10);
  assert.equal(s.stateDict().schedulers!.length, 2);
});

test('ReduceLROnPlateau takes a one-element tensor as the metric', () => {
  const opt = new SGD([zeros([1], { requiresGrad: true })], { lr: 1 });
  const s = new ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
  s.step(tensor(2));
  s.step(tensor([3]));
  assert.deepEqual(s.getLastLr(), [0.5]);
  assert.equal(s.best, 2);
  assert.throws(() => s.step(tensor([1, 2])), /item: only a tensor with one element/);
});

// ---- nanoGPT's schedule --------------------------------------------------------------------------

test('warmupCosineLr matches nanoGPT get_lr', () => {
  for (const { options, lrs } of fixtures.nanogpt) {
    assertClose(lrs.map((_, t) => warmupCosineLr(t, options)), lrs, { rtol: 1e-14, atol: 0 }, JSON.stringify(options));
  }
  const o = { maxLr: 6e-4, minLr: 6e-5, warmupSteps: 100, decaySteps: 1000 };
  assert.equal(warmupCosineLr(0, o), 6e-4 / 101);
  assert.equal(warmupCosineLr(100, o), 6e-4);
  assert.equal(warmupCosineLr(1000, o), 6e-5);
  assert.equal(warmupCosineLr(5000, o), 6e-5);
});

// ---- errors --------------------------------------------------------------------------------------

test('invalid arguments are rejected with errors that name them', () => {
  const p = () => [zeros([1], { requiresGrad: true })];
  const opt = new SGD([{ params: p() }, { params: p() }], { lr: 0.1 });
  const cases: Array<[() => unknown, RegExp]> = [
    [() => new StepLR({} as never, { stepSize: 1 }), /StepLR: expected an Optimizer, got "Object"/],
    [() => new StepLR(opt, { stepSize: 0 }), /StepLR: stepSize must be an integer >= 1, got 0/],
    [() => new StepLR(opt, { stepSize: 2.5 }), /StepLR: stepSize must be an integer >= 1, got 2.5/],
    [() => new StepLR(opt, undefined as never), /StepLR: expected an options object, got undefined/],
    [() => new StepLR(opt, { stepSize: 2, gamma: -1 }), /StepLR: gamma must be a finite number >= 0, got -1/],
    [() => new MultiStepLR(opt, { milestones: [5, 3] }), /MultiStepLR: milestones must be strictly increasing, got \[5,3\]/],
    [() => new MultiStepLR(opt, { milestones: 5 as never }), /MultiStepLR: milestones must be an array/],
    [() => new ExponentialLR(opt, { gamma: NaN }), /ExponentialLR: gamma must be a finite number >= 0, got NaN/],
    [() => new CosineAnnealingLR(opt, { tMax: 0 }), /CosineAnnealingLR: tMax must be a finite number > 0, got 0/],
    [() => new CosineAnnealingLR(opt, { tMax: 5, etaMin: -1 }), /etaMin must be a finite number >= 0/],
    [() => new LinearLR(opt, { startFactor: 1.5 }), /LinearLR: startFactor must be a finite number in \[0, 1\], got 1.5/],
    [() => new LinearLR(opt, { totalIters: 0 }), /LinearLR: totalIters must be an integer >= 1/],
    [() => new LambdaLR(opt, { lrLambda: [() => 1] }), /LambdaLR: lrLambda has 1 values but the optimizer has 2 parameter groups/],
    [() => new LambdaLR(opt, { lrLambda: 3 as never }), /LambdaLR: lrLambda for group 0 is not a function/],
    [() => new LambdaLR(opt, { lrLambda: () => NaN }), /LambdaLR: lrLambda for group 0 returned NaN at step 0/],
    [() => new SequentialLR(opt, { schedulers: [new LinearLR(opt)], milestones: [3] }), /SequentialLR: expected 0 milestones for 1 schedulers, got 1/],
    [() => new SequentialLR(opt, { schedulers: [], milestones: [] }), /SequentialLR: schedulers must be a non-empty array/],
    [() => new SequentialLR(opt, { schedulers: [new LinearLR(new SGD(p())), new LinearLR(opt)], milestones: [2] }), /schedulers\[0\] belongs to a different optimizer/],
    [() => new SequentialLR(opt, { schedulers: [new ReduceLROnPlateau(opt) as never], milestones: [] }), /schedulers\[0\] is not an LRScheduler/],
    [() => new SequentialLR(opt, { schedulers: [new LinearLR(opt), new LinearLR(opt)], milestones: [0] }), /milestones\[0\] must be an integer >= 1, got 0/],
    [() => new OneCycleLR(opt, { maxLr: 0.1 }), /OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/],
    [() => new OneCycleLR(opt, { maxLr: 0.1, epochs: 2, stepsPerEpoch: 0 }), /OneCycleLR: stepsPerEpoch must be an integer >= 1, got 0/],
    [() => new OneCycleLR(opt, { maxLr: [0.1], totalSteps: 10 }), /OneCycleLR: maxLr has 1 values but the optimizer has 2 parameter groups/],
    [() => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, pctStart: 1.2 }), /pctStart must be a finite number in \[0, 1\], got 1.2/],
    [() => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, annealStrategy: 'exp' as never }), /annealStrategy must be 'cos' or 'linear', got "exp"/],
    [() => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, threePhase: true, pctStart: 0.6 }), /threePhase needs pctStart <= 0.5/],
    [() => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, divFactor: 0 }), /divFactor must be a finite number > 0/],
    [() => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, maxMomentum: 1.5 }), /maxMomentum for group 0 must be a finite number in \[0, 1\]/],
    [() => new ReduceLROnPlateau(opt, { mode: 'least' as never }), /ReduceLROnPlateau: mode must be 'min' or 'max', got "least"/],
    [() => new ReduceLROnPlateau(opt, { factor: 1 }), /ReduceLROnPlateau: factor must be < 1/],
    [() => new ReduceLROnPlateau(opt, { patience: -1 }), /patience must be an integer >= 0, got -1/],
    [() => new ReduceLROnPlateau(opt, { thresholdMode: 'pct' as never }), /thresholdMode must be 'rel' or 'abs'/],
    [() => new ReduceLROnPlateau(opt, { minLr: [0, 0, 0] }), /minLr has 3 values but the optimizer has 2 parameter groups/],
    [() => new ReduceLROnPlateau(opt).step('0.5' as never), /the metric must be a number or a one-element Tensor, got 0.5/],
    [() => new StepLR(opt, { stepSize: 1 }).lrAt(-1), /StepLR\.lrAt: step must be an integer >= 0, got -1/],
    [() => stepLr(1.5, { baseLr: 1, stepSize: 1 }), /stepLr: step must be an integer >= 0, got 1.5/],
    [() => cosineAnnealingLr(0, { baseLr: -1, tMax: 3 }), /cosineAnnealingLr: baseLr must be a finite number >= 0, got -1/],
    [() => warmupCosineLr(0, { maxLr: 1, minLr: 0.1, warmupSteps: 10, decaySteps: 10 }), /warmupCosineLr: decaySteps \(10\) must be greater than warmupSteps \(10\)/],
    [() => warmupCosineLr(0, { maxLr: 1, minLr: 0.1, warmupSteps: -1, decaySteps: 10 }), /warmupSteps must be an integer >= 0, got -1/],
    [() => oneCycleLr(11, { maxLr: 1, totalSteps: 10 }), /oneCycleLr: step 11 is past the end of the cycle \(totalSteps 10\)/],
  ];
  for (const [f, re] of cases) assert.throws(f, re);

  const late = new StepLR(opt, { stepSize: 1 });
  const plateau = new ReduceLROnPlateau(opt, { patience: 0 });
  opt.addParamGroup({ params: p() });
  assert.throws(() => late.step(), /StepLR: the optimizer has 3 parameter groups but the scheduler was built for 2/);
  assert.throws(() => plateau.step(1), /ReduceLROnPlateau: the optimizer has 3 parameter groups but the scheduler was built for 2/);

  class Plain extends SGD {}
  const noMomentum = Object.assign(new Plain([zeros([1], { requiresGrad: true })]), {});
  delete (noMomentum.defaults as Partial<{ momentum: number }>).momentum;
  assert.throws(() => new OneCycleLR(noMomentum, { maxLr: 0.1, totalSteps: 10 }),
    /OneCycleLR: cycleMomentum needs an optimizer with 'momentum' \(SGD-like\) or 'betas' \(Adam-like\), and Plain has neither/);
  assert.doesNotThrow(() => new OneCycleLR(noMomentum, { maxLr: 0.1, totalSteps: 10, cycleMomentum: false }));
});
