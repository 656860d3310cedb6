/** Sequential, ModuleList and ModuleDict; and an MLP built from them that SGD trains. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, linspace, noGrad, randn, type Tensor } from '../../src/index.js';
import { Linear, Module, ModuleDict, ModuleList, ReLU, Sequential, Tanh, mseLoss } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { assertClose } from '../helpers.js';

test('Sequential feeds the input through each module in turn', () => {
  const a = new Linear(3, 4), b = new Tanh(), c = new Linear(4, 2);
  const seq = new Sequential(a, b, c);
  const x = randn([5, 3]);
  assertClose(seq.forward(x), c.forward(b.forward(a.forward(x))), { rtol: 1e-6 });
  assert.equal(seq.length, 3);
  assert.equal(seq.at(0), a);
  assert.equal(seq.at(-1), c);
  assert.deepEqual([...seq], [a, b, c]);
  assert.equal(new Sequential().forward(x), x, 'an empty Sequential is the identity');
});

test('Sequential and ModuleList name parameters by index, nested ones too', () => {
  const seq = new Sequential(new Linear(2, 2), new ReLU(), new Sequential(new Linear(2, 1, { bias: false })));
  assert.deepEqual(seq.namedParameters().map(([k]) => k), ['0.weight', '0.bias', '2.0.weight']);
  assert.deepEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '2.0.weight']);
});

test('ModuleList: push, at, iteration, range errors, no forward', () => {
  const list = new ModuleList<Linear>();
  assert.equal(list.length, 0);
  const l0 = new Linear(1, 1), l1 = new Linear(1, 2);
  assert.equal(list.push(l0).push(l1), list);
  assert.equal(list.length, 2);
  assert.deepEqual([...list], [l0, l1]);
  assert.equal(list.at(-2), l0);
  assert.throws(() => list.at(2), /ModuleList: index 2 is out of range for 2 modules/);
  assert.throws(() => list.at(-3), /ModuleList: index -3 is out of range for 2 modules/);
  assert.throws(() => list.forward(), /ModuleList has no forward/);
  assert.deepEqual(list.namedParameters().map(([k]) => k), ['0.weight', '0.bias', '1.weight', '1.bias']);
});

test('ModuleDict: set, get, keys, dotted names, and clashes with its own fields', () => {
  const enc = new Linear(2, 3), dec = new Linear(3, 2);
  const dict = new ModuleDict<Module>({ enc, dec });
  assert.deepEqual(dict.keys(), ['enc', 'dec']);
  assert.equal(dict.get('dec'), dec);
  assert.throws(() => dict.get('nope'), /ModuleDict: no module named 'nope'/);
  dict.set('act', new ReLU());
  assert.deepEqual(dict.keys(), ['enc', 'dec', 'act']);
  assert.deepEqual(dict.namedParameters().map(([k]) => k), ['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
  // Replacing a module under an existing key is fine; shadowing a field or method is not.
  dict.set('enc', new Linear(2, 3));
  assert.notEqual(dict.get('enc'), enc);
  assert.throws(() => dict.set('training', new ReLU()), /ModuleDict: 'training' clashes with a field of ModuleDict/);
  assert.throws(() => dict.set('forward', new ReLU()), /'forward' clashes/);
  assert.throws(() => dict.forward(), /ModuleDict has no forward/);
});

test('containers print as trees', () => {
  class Model extends Module {
    blocks = new ModuleList([new Linear(1, 1)]);
    heads = new ModuleDict({ out: new ReLU() });
    forward(x: Tensor): Tensor { return x; }
  }
  assert.equal(new Model().toString(), [
    'Model(',
    '  (blocks): ModuleList(',
    '    (0): Linear(inFeatures=1, outFeatures=1, bias=true)',
    '  )',
    '  (heads): ModuleDict(',
    '    (out): ReLU()',
    '  )',
    ')',
  ].join('\n'));
});

test('end to end: Sequential(Linear, ReLU, Linear) trained with SGD fits sin(x)', () => {
  const g = new Generator(0);
  const mlp = new Sequential(new Linear(1, 32, { generator: g }), new ReLU(), new Linear(32, 1, { generator: g }));
  const x = linspace(-3, 3, 64).reshape(64, 1);
  const y = x.sin();
  const opt = new SGD(mlp.parameters(), { lr: 0.1, momentum: 0.9 });
  const lossAt = () => noGrad(() => mseLoss(mlp.forward(x), y).item());
  const initial = lossAt();
  for (let step = 0; step < 300; step++) {
    opt.zeroGrad();
    mseLoss(mlp.forward(x), y).backward();
    opt.step();
  }
  const final = lossAt();
  assert.ok(initial > 0.1, `initial loss ${initial}`);
  assert.ok(final < 0.01 && final < initial / 20, `loss after training ${final} (from ${initial})`);
});
