/**
 * The Optimizer base class, through every algorithm: parameter groups, zeroGrad, stateDict round
 * trips that continue a run exactly, loadStateDict's errors, and hyperparameter validation.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, type Tensor, randn, tensor } from '../../src/index.js';
import { Linear } from '../../src/nn/linear.js';
import type { StateDict } from '../../src/nn/module.js';
import { Adagrad } from '../../src/optim/adagrad.js';
import { Adam } from '../../src/optim/adam.js';
import { AdamW } from '../../src/optim/adamw.js';
import { Lion } from '../../src/optim/lion.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { RMSprop } from '../../src/optim/rmsprop.js';
import { SGD } from '../../src/optim/sgd.js';
import { assertClose } from '../helpers.js';

const leaf = (values: number[]) => tensor(values, { dtype: 'float64', requiresGrad: true });

// ---- parameter groups ----------------------------------------------------------------------------

test('each group takes its own options and the defaults for the rest', () => {
  const a = leaf([1]), b = leaf([2]);
  const opt = new Adam([{ params: [a] }, { params: [b], lr: 0.5, betas: [0.5, 0.9] }], { lr: 0.1, eps: 1e-6 });
  assert.equal(opt.paramGroups.length, 2);
  assert.deepEqual({ ...opt.paramGroups[0], params: null }, { lr: 0.1, betas: [0.9, 0.999], eps: 1e-6, weightDecay: 0, amsgrad: false, params: null });
  assert.deepEqual({ ...opt.paramGroups[1], params: null }, { lr: 0.5, betas: [0.5, 0.9], eps: 1e-6, weightDecay: 0, amsgrad: false, params: null });
  assert.equal(opt.paramGroups[1]!.params[0], b);
});

test('a group added later is stepped with its own lr', () => {
  const a = leaf([1]), b = leaf([1]);
  const opt = new SGD([a], { lr: 0.1 });
  opt.addParamGroup({ params: [b], lr: 1 });
  a.grad = tensor([1], { dtype: 'float64' });
  b.grad = tensor([1], { dtype: 'float64' });
  opt.step();
  assertClose(a, [0.9], { rtol: 1e-15 });
  assertClose(b, [0], { rtol: 0, atol: 0 });
});

test('parameter lists are checked: empty, shared between groups, non-leaf, not a tensor', () => {
  const a = leaf([1]);
  assert.throws(() => new SGD([]), /SGD: got an empty parameter list/);
  assert.throws(() => new Adam([{ params: [a] }, { params: [a] }]), /Adam: a parameter appears in more than one group/);
  assert.throws(() => new Adam([a.mul(2)]), /Adam: parameter 0 of group 0 is not a leaf tensor/);
  assert.throws(() => new Adam([a, 3 as unknown as Tensor]), /Adam: parameter 1 of group 0 is not a Tensor/);
  const opt = new RMSprop([a]);
  assert.throws(() => opt.addParamGroup({ params: [leaf([2])], alpha: -1 }), /RMSprop: invalid alpha -1/);
  assert.equal(opt.paramGroups.length, 1);
});

// ---- zeroGrad and step -----------------------------------------------------------------------------

test('zeroGrad sets gradients to null by default, or zeroes them in place with {setToNone: false}', () => {
  const a = leaf([1, 2]), b = leaf([3]);
  const opt = new SGD([a, b], { lr: 0.1 });
  a.mul(b).sum().backward();
  const g = a.grad!;
  opt.zeroGrad({ setToNone: false });
  assert.equal(a.grad, g);
  assertClose(a.grad, [0, 0], { rtol: 0, atol: 0 });
  assertClose(b.grad!, [0], { rtol: 0, atol: 0 });
  opt.zeroGrad();
  assert.equal(a.grad, null);
  assert.equal(b.grad, null);
  opt.zeroGrad({ setToNone: false });
  assert.equal(a.grad, null);
});

test('step calls the closure first and returns its loss', () => {
  const a = leaf([3]);
  const opt = new SGD([a], { lr: 0.25 });
  const loss = opt.step(() => {
    opt.zeroGrad();
    const l = a.square().sum();
    l.backward();
    return l;
  });
  assertClose(loss!, 9, { rtol: 0, atol: 0 });
  assertClose(a, [3 - 0.25 * 6], { rtol: 0, atol: 0 });
  assert.equal(opt.step(), undefined);
});

// ---- stateDict and loadStateDict ---------------------------------------------------------------------

interface Run {
  model: Linear;
  opt: Optimizer<{ lr: number }>;
}

type Build = (weights: Tensor[], biases: Tensor[]) => Optimizer<{ lr: number }>;

/** Each optimizer in a configuration that fills every state buffer it has, over two groups. */
const builds: Record<string, Build> = {
  SGD: (w, b) => new SGD([{ params: w }, { params: b, lr: 0.05 }], { lr: 0.1, momentum: 0.9, nesterov: true }),
  Adagrad: (w, b) => new Adagrad([{ params: w }, { params: b, lrDecay: 0.1 }], { lr: 0.1, initialAccumulatorValue: 0.1 }),
  RMSprop: (w, b) => new RMSprop([{ params: w }, { params: b, momentum: 0 }], { centered: true, momentum: 0.5 }),
  Adam: (w, b) => new Adam([{ params: w }, { params: b, weightDecay: 0.1 }], { lr: 0.05, amsgrad: true, betas: [0.8, 0.6] }),
  AdamW: (w, b) => new AdamW([{ params: w }, { params: b, weightDecay: 0 }], { lr: 0.05, amsgrad: true }),
  Lion: (w, b) => new Lion([{ params: w }, { params: b, betas: [0.5, 0.9] }], { lr: 0.01, weightDecay: 0.1 }),
};

const data = new Generator(7);
const X = randn([8, 3], { dtype: 'float64', generator: data });
const Y = randn([8, 2], { dtype: 'float64', generator: data });

function start(build: Build, seed: number): Run {
  const model = new Linear(3, 2, { dtype: 'float64', generator: new Generator(seed) });
  return { model, opt: build([model.weight], [model.bias!]) };
}

function train({ model, opt }: Run, steps: number): void {
  for (let k = 0; k < steps; k++) {
    opt.zeroGrad();
    model.forward(X).sub(Y).square().mean().backward();
    opt.step();
  }
}

const snapshot = (sd: StateDict): StateDict => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.clone()]));

for (const [name, build] of Object.entries(builds)) {
  test(`${name}: a run saved after 3 steps and restored into a fresh model continues exactly`, () => {
    const whole = start(build, 1);
    train(whole, 3);
    const weights = snapshot(whole.model.stateDict());
    const saved = whole.opt.stateDict();
    train(whole, 4);

    const resumed = start(build, 2);
    resumed.model.loadStateDict(weights);
    resumed.opt.loadStateDict(saved);
    train(resumed, 4);

    for (const [k, v] of Object.entries(whole.model.stateDict())) {
      assert.deepEqual(resumed.model.stateDict()[k]!.dataSync(), v.dataSync(), `${name}: ${k} differs after resuming`);
    }
    const keys = (o: Optimizer<{ lr: number }>) => [...o.state.values()].map((s) => Object.keys(s).sort());
    assert.deepEqual(keys(resumed.opt), keys(whole.opt));
  });
}

test('stateDict is a snapshot: training on does not change what was saved', () => {
  const run = start(builds.Adam!, 1);
  train(run, 2);
  const saved = run.opt.stateDict();
  const expAvg = (saved.state[0]!.expAvg as Tensor).dataSync().slice();
  train(run, 2);
  assert.equal(saved.state[0]!.step, 2);
  assert.deepEqual((saved.state[0]!.expAvg as Tensor).dataSync(), expAvg);
});

test('stateDict names parameters by position across groups and loadStateDict restores hyperparameters', () => {
  const run = start(builds.SGD!, 1);
  train(run, 1);
  run.opt.paramGroups[1]!.lr = 0.001;
  const saved = run.opt.stateDict();
  assert.deepEqual(saved.paramGroups.map((g) => g.params), [[0], [1]]);
  assert.deepEqual(Object.keys(saved.state), ['0', '1']);
  const fresh = start(builds.SGD!, 2);
  fresh.opt.loadStateDict(saved);
  assert.equal(fresh.opt.paramGroups[1]!.lr, 0.001);
  assert.equal(fresh.opt.paramGroups[1]!.params[0], fresh.model.bias);
});

test('loadStateDict rejects state from a differently shaped optimizer', () => {
  const run = start(builds.Adam!, 1);
  train(run, 1);
  const saved = (run.opt as Adam).stateDict();
  const model = new Linear(3, 2, { dtype: 'float64' });
  const oneGroup = new Adam(model.parameters());
  assert.throws(() => oneGroup.loadStateDict(saved), /Adam\.loadStateDict: the state has 2 parameter groups, this optimizer 1/);
  const other = new Linear(3, 2, { dtype: 'float64' });
  const bigger = new Adam([{ params: [model.weight] }, { params: [model.bias!, other.bias!] }]);
  assert.throws(() => bigger.loadStateDict(saved), /Adam\.loadStateDict: group 1 has 1 parameters in the state, 2 here/);
  const wide = new Linear(4, 2, { dtype: 'float64' });
  const misfit = new Adam([{ params: [wide.weight] }, { params: [wide.bias!] }]);
  assert.throws(() => misfit.loadStateDict(saved), /Adam\.loadStateDict: 'expAvg' of parameter 0 has shape \[2,3\], the parameter \[2,4\]/);
  assert.throws(() => oneGroup.loadStateDict({} as never), /Adam\.loadStateDict: expected \{state, paramGroups\}/);
});

// ---- hyperparameter validation ---------------------------------------------------------------------

const p = () => [leaf([1])];

const invalid: Array<[string, () => unknown, RegExp]> = [
  ['SGD lr', () => new SGD(p(), { lr: -0.1 }), /SGD: invalid learning rate -0\.1/],
  ['SGD lr NaN', () => new SGD(p(), { lr: NaN }), /SGD: invalid learning rate NaN/],
  ['SGD momentum', () => new SGD(p(), { momentum: -0.5 }), /SGD: invalid momentum -0\.5/],
  ['SGD weightDecay', () => new SGD(p(), { weightDecay: -1 }), /SGD: invalid weightDecay -1/],
  ['SGD nesterov without momentum', () => new SGD(p(), { nesterov: true }), /SGD: nesterov momentum requires momentum > 0/],
  ['SGD nesterov with dampening', () => new SGD(p(), { nesterov: true, momentum: 0.9, dampening: 0.1 }), /SGD: nesterov momentum requires .*dampening = 0/],
  ['Adagrad lr', () => new Adagrad(p(), { lr: -1 }), /Adagrad: invalid learning rate -1/],
  ['Adagrad lrDecay', () => new Adagrad(p(), { lrDecay: -1 }), /Adagrad: invalid lrDecay -1/],
  ['Adagrad weightDecay', () => new Adagrad(p(), { weightDecay: -1 }), /Adagrad: invalid weightDecay -1/],
  ['Adagrad initialAccumulatorValue', () => new Adagrad(p(), { initialAccumulatorValue: -1 }), /Adagrad: invalid initialAccumulatorValue -1/],
  ['Adagrad eps', () => new Adagrad(p(), { eps: -1e-10 }), /Adagrad: invalid eps -1e-10/],
  ['RMSprop lr', () => new RMSprop(p(), { lr: -1 }), /RMSprop: invalid learning rate -1/],
  ['RMSprop alpha < 0', () => new RMSprop(p(), { alpha: -0.1 }), /RMSprop: invalid alpha -0\.1/],
  ['RMSprop alpha > 1', () => new RMSprop(p(), { alpha: 1.5 }), /RMSprop: invalid alpha 1\.5 \(must be in \[0, 1\]\)/],
  ['RMSprop eps', () => new RMSprop(p(), { eps: -1 }), /RMSprop: invalid eps -1/],
  ['RMSprop momentum', () => new RMSprop(p(), { momentum: -1 }), /RMSprop: invalid momentum -1/],
  ['RMSprop weightDecay', () => new RMSprop(p(), { weightDecay: -1 }), /RMSprop: invalid weightDecay -1/],
  ['Adam lr', () => new Adam(p(), { lr: -1 }), /Adam: invalid learning rate -1/],
  ['Adam eps', () => new Adam(p(), { eps: -1 }), /Adam: invalid eps -1/],
  ['Adam beta1 = 1', () => new Adam(p(), { betas: [1, 0.999] }), /Adam: invalid beta1 1 \(must be in \[0, 1\)\)/],
  ['Adam beta2 < 0', () => new Adam(p(), { betas: [0.9, -0.1] }), /Adam: invalid beta2 -0\.1/],
  ['Adam betas not a pair', () => new Adam(p(), { betas: [0.9] as never }), /Adam: betas must be a pair \[beta1, beta2\], got \[0\.9\]/],
  ['Adam weightDecay', () => new Adam(p(), { weightDecay: -1 }), /Adam: invalid weightDecay -1/],
  ['AdamW beta2 = 1', () => new AdamW(p(), { betas: [0.9, 1] }), /AdamW: invalid beta2 1/],
  ['AdamW weightDecay', () => new AdamW(p(), { weightDecay: -0.01 }), /AdamW: invalid weightDecay -0\.01/],
  ['Lion lr', () => new Lion(p(), { lr: -1 }), /Lion: invalid learning rate -1/],
  ['Lion beta1', () => new Lion(p(), { betas: [1.2, 0.99] }), /Lion: invalid beta1 1\.2/],
  ['Lion weightDecay', () => new Lion(p(), { weightDecay: -1 }), /Lion: invalid weightDecay -1/],
];

for (const [what, build, message] of invalid) {
  test(`rejects an invalid hyperparameter: ${what}`, () => assert.throws(build, message));
}

// ---- the fused multi-tensor updates ---------------------------------------------------------------

test('fused updates handle non-contiguous parameters and gradients, parameters at different steps, and bump versions', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const build of [
      (ps: Tensor[]) => new Adam(ps, { lr: 0.1, weightDecay: 0.01, amsgrad: true }),
      (ps: Tensor[]) => new AdamW(ps, { lr: 0.1, weightDecay: 0.1 }),
      (ps: Tensor[]) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
    ]) {
      const g = new Generator(7);
      const base = randn([3, 4], { dtype, generator: g });
      // A transposed leaf (a view with column-major strides) and the same values stored contiguously.
      const strided = base.mT.detach().requiresGrad_(), plain = base.mT.contiguous().detach().requiresGrad_();
      const other = randn([5], { dtype, generator: g }).requiresGrad_(), otherPlain = other.detach().clone().requiresGrad_();
      const optA = build([strided, other]) as Optimizer<{ lr: number }>, optB = build([plain, otherPlain]) as Optimizer<{ lr: number }>;
      for (let step = 0; step < 3; step++) {
        const gradValues = randn([3, 4], { dtype, generator: g });
        strided.grad = gradValues.mT; // non-contiguous gradient too
        plain.grad = gradValues.mT.contiguous();
        // `other` gets a gradient only from the second step on: its step count lags by one.
        const og = randn([5], { dtype, generator: g });
        other.grad = step > 0 ? og : null;
        otherPlain.grad = step > 0 ? og.clone() : null;
        const before = strided.version;
        optA.step();
        optB.step();
        assert.ok(strided.version > before, 'the update bumps the parameter version');
      }
      const tol = dtype === 'float32' ? { rtol: 1e-6, atol: 1e-7 } : { rtol: 1e-14, atol: 1e-15 };
      assertClose(strided, plain.dataSync(), tol);
      assertClose(other, otherPlain.dataSync(), tol);
      assert.deepEqual(strided.strides, [1, 4], 'the parameter keeps its own layout');
    }
  }
});
