/**
 * Module: parameters found by walking fields (dotted names in definition order, tied weights once),
 * buffers, train/eval, freezing, apply, zeroGrad, stateDict/loadStateDict and toString.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, manualSeed, ones, randn, tensor, zeros } from '../../src/index.js';
import { Dropout, Embedding, LayerNorm, Linear, Module, ModuleList, Parameter, ReLU, Sequential } from '../../src/nn/index.js';

class Block extends Module {
  attn = new Linear(4, 4);
  ln = new LayerNorm(4);
  drop = new Dropout(0.5);
  forward(x: Tensor): Tensor {
    return this.drop.forward(this.ln.forward(this.attn.forward(x)));
  }
}

class Net extends Module {
  wte = new Embedding(10, 4);
  layers = new ModuleList([new Block(), new Block()]);
  scale = new Parameter(ones([4]));
  head = new Linear(4, 10, { bias: false });
  notAParameter = zeros([3]);
  forward(idx: Tensor): Tensor {
    let x = this.wte.forward(idx);
    for (const b of this.layers) x = (b as Block).forward(x);
    return this.head.forward(x.mul(this.scale));
  }
}

const blockNames = (i: number) => [`layers.${i}.attn.weight`, `layers.${i}.attn.bias`, `layers.${i}.ln.weight`, `layers.${i}.ln.bias`];

test('namedParameters: dotted names in definition order, own parameters first, ModuleList indices', () => {
  const net = new Net();
  assert.deepEqual(net.namedParameters().map(([k]) => k), ['scale', 'wte.weight', ...blockNames(0), ...blockNames(1), 'head.weight']);
  assert.equal(net.parameters().length, 11);
  assert.ok(net.parameters().every((p) => p instanceof Parameter && p.requiresGrad));
  assert.deepEqual(net.namedChildren().map(([k]) => k), ['wte', 'layers', 'head']);
  assert.deepEqual(net.namedModules().map(([k]) => k), [
    '', 'wte', 'layers', 'layers.0', 'layers.0.attn', 'layers.0.ln', 'layers.0.drop',
    'layers.1', 'layers.1.attn', 'layers.1.ln', 'layers.1.drop', 'head',
  ]);
  assert.ok(!net.stateDict().notAParameter, 'a plain tensor field is not state');
});

test('tied weights appear once in parameters() and under both keys in stateDict()', () => {
  const net = new Net();
  net.head.weight = net.wte.weight;
  const names = net.namedParameters().map(([k]) => k);
  assert.ok(names.includes('wte.weight') && !names.includes('head.weight'));
  assert.equal(net.parameters().length, 10);
  const sd = net.stateDict();
  assert.ok('wte.weight' in sd && 'head.weight' in sd);
  assert.equal(sd['wte.weight']!.storage, sd['head.weight']!.storage);
  // Loading writes the one shared tensor.
  const other = new Net();
  other.head.weight = other.wte.weight;
  other.loadStateDict(sd);
  assert.deepEqual(other.head.weight.dataSync(), net.wte.weight.dataSync());
});

test('a module shared under two fields: its parameters once, its state under both names (as PyTorch)', () => {
  class Shared extends Module {
    a = new Linear(2, 2);
    b = this.a;
    forward(x: Tensor): Tensor { return this.b.forward(this.a.forward(x)); }
  }
  const m = new Shared();
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['a.weight', 'a.bias']);
  assert.deepEqual(Object.keys(m.stateDict()), ['a.weight', 'a.bias', 'b.weight', 'b.bias']);
  const other = new Shared();
  assert.deepEqual(other.loadStateDict(m.stateDict()), { missingKeys: [], unexpectedKeys: [] });
  assert.deepEqual(other.b.weight.dataSync(), m.a.weight.dataSync());
});

test('buffers: persistent ones are state, non-persistent ones are not; parameters are not buffers', () => {
  class WithBuffers extends Module {
    lin = new Linear(2, 2);
    constructor() {
      super();
      this.registerBuffer('runningMean', zeros([2]));
      this.registerBuffer('cache', ones([3]), { persistent: false });
    }
    forward(x: Tensor): Tensor { return x; }
  }
  class Outer extends Module {
    inner = new WithBuffers();
    forward(x: Tensor): Tensor { return x; }
  }
  const m = new Outer();
  assert.deepEqual(m.namedBuffers().map(([k]) => k), ['inner.runningMean', 'inner.cache']);
  assert.equal(m.buffers().length, 2);
  // As PyTorch's state_dict: a module's own entries, then its children's.
  assert.deepEqual(Object.keys(m.stateDict()), ['inner.runningMean', 'inner.lin.weight', 'inner.lin.bias']);
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['inner.lin.weight', 'inner.lin.bias']);
  // A buffer loads like a parameter.
  const sd = m.stateDict();
  sd['inner.runningMean'] = tensor([3, 4]);
  m.loadStateDict(sd);
  assert.deepEqual([...m.inner.buffers()[0]!.dataSync()], [3, 4]);
});

test('train() and eval() reach every submodule and switch Dropout', () => {
  const net = new Net();
  assert.ok(net.modules().every((m) => m.training));
  const x = randn([64, 4]);
  const drop = net.layers.at(1) as Block;
  const zerosIn = (t: Tensor) => [...t.dataSync()].filter((v) => v === 0).length;
  assert.ok(zerosIn(drop.drop.forward(x)) > 0, 'dropout in train mode zeros some elements');
  assert.equal(net.eval(), net);
  assert.ok(net.modules().every((m) => !m.training));
  assert.equal(drop.drop.forward(x), x, 'dropout in eval mode is the identity');
  const idx = tensor([[1, 2, 3]], { dtype: 'int32' });
  assert.deepEqual(net.forward(idx).dataSync(), net.forward(idx).dataSync(), 'eval is deterministic');
  net.train();
  assert.ok(net.modules().every((m) => m.training));
  net.train(false);
  assert.ok(!drop.drop.training);
});

test('requiresGrad_(false) freezes every parameter; requiresGrad_() thaws them', () => {
  const net = new Net().eval();
  net.requiresGrad_(false);
  assert.ok(net.parameters().every((p) => !p.requiresGrad));
  const out = net.forward(tensor([[0, 1]], { dtype: 'int32' }));
  assert.equal(out.requiresGrad, false);
  net.layers.requiresGrad_();
  assert.deepEqual(net.namedParameters().filter(([, p]) => p.requiresGrad).map(([k]) => k), [...blockNames(0), ...blockNames(1)]);
  net.forward(tensor([[0, 1]], { dtype: 'int32' })).sum().backward();
  assert.equal(net.head.weight.grad, null);
  assert.ok(net.layers.parameters().every((p) => p.grad !== null));
});

test('apply visits children first, each subtree in field order (as PyTorch), and returns the module', () => {
  const a = new Linear(1, 1), b = new ReLU(), c = new Linear(1, 1);
  const inner = new Sequential(a, b);
  const outer = new Sequential(inner, c);
  const seen: Module[] = [];
  assert.equal(outer.apply((m) => seen.push(m)), outer);
  assert.deepEqual(seen, [a, b, inner, c, outer]);
  // The usual use: re-initialise every Linear.
  outer.apply((m) => { if (m instanceof Linear) m.weight.detach().fill_(0.5); });
  assert.deepEqual([...a.weight.dataSync(), ...c.weight.dataSync()], [0.5, 0.5]);
});

test('zeroGrad clears gradients to null, or to zeros with setToNone: false', () => {
  const lin = new Linear(3, 2);
  lin.forward(randn([4, 3])).sum().backward();
  assert.ok(lin.weight.grad && lin.bias!.grad);
  lin.zeroGrad({ setToNone: false });
  assert.deepEqual([...lin.weight.grad!.dataSync()], new Array(6).fill(0));
  lin.zeroGrad();
  assert.equal(lin.weight.grad, null);
  assert.equal(lin.bias!.grad, null);
});

test('stateDict and loadStateDict round-trip exactly, keeping the parameters themselves', () => {
  manualSeed(1);
  const a = new Net().eval();
  manualSeed(2);
  const b = new Net().eval();
  const idx = tensor([[1, 5, 9]], { dtype: 'int32' });
  assert.notDeepEqual(a.forward(idx).dataSync(), b.forward(idx).dataSync());
  const before = b.parameters();
  const sd = a.stateDict();
  assert.deepEqual(Object.keys(sd), ['scale', 'wte.weight', ...blockNames(0), ...blockNames(1), 'head.weight']);
  assert.ok(Object.values(sd).every((t) => !t.requiresGrad), 'stateDict tensors are detached');
  assert.deepEqual(b.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
  for (const [k, t] of Object.entries(b.stateDict())) assert.deepEqual(t.dataSync(), sd[k]!.dataSync(), k);
  assert.deepEqual(b.forward(idx).dataSync(), a.forward(idx).dataSync());
  assert.ok(b.parameters().every((p, i) => p === before[i] && p.requiresGrad), 'same Parameter objects, still trainable');
  // The loaded values are copies: changing the source afterwards leaves b alone.
  a.head.weight.detach().fill_(7);
  assert.notEqual(b.head.weight.dataSync()[0], 7);
});

test('loadStateDict: strict errors list missing and unexpected keys; non-strict returns them', () => {
  const net = new Net();
  const sd = net.stateDict();
  delete sd['layers.1.ln.bias'];
  delete sd['scale'];
  sd['layers.2.attn.weight'] = zeros([4, 4]);
  assert.throws(
    () => new Net().loadStateDict(sd),
    /loadStateDict: the state does not match the module \(missing keys: scale, layers\.1\.ln\.bias; unexpected keys: layers\.2\.attn\.weight\)/,
  );
  const other = new Net();
  const result = other.loadStateDict(sd, { strict: false });
  assert.deepEqual(result, { missingKeys: ['scale', 'layers.1.ln.bias'], unexpectedKeys: ['layers.2.attn.weight'] });
  assert.deepEqual(other.wte.weight.dataSync(), net.wte.weight.dataSync(), 'the keys present were loaded');
});

test('loadStateDict: a shape mismatch names the key and both shapes, and loads nothing', () => {
  const net = new Net();
  const sd = net.stateDict();
  sd['layers.0.attn.weight'] = zeros([4, 5]);
  const other = new Net();
  const wte = Float32Array.from(other.wte.weight.dataSync());
  assert.throws(() => other.loadStateDict(sd), /loadStateDict: 'layers\.0\.attn\.weight' has shape \[4, 5\] in the state but \[4, 4\] in the module/);
  assert.throws(() => other.loadStateDict(sd, { strict: false }), /'layers\.0\.attn\.weight' has shape \[4, 5\]/);
  assert.deepEqual(other.wte.weight.dataSync(), wte);
});

test('Parameter detaches its data and requires grad unless told otherwise', () => {
  const x = randn([2], { requiresGrad: true });
  const p = new Parameter(x.mul(2));
  assert.ok(p.isLeaf && p.requiresGrad);
  assert.equal(new Parameter(zeros([1]), false).requiresGrad, false);
  assert.throws(() => new Parameter(tensor([1], { dtype: 'int32' })), /only floating-point tensors can require gradients/);
});

test('toString prints the module tree with hyperparameters', () => {
  const net = new Sequential(new Linear(2, 3), new ReLU(), new Sequential(new LayerNorm(3), new Dropout(0.1)), new Linear(3, 1, { bias: false }));
  assert.equal(net.toString(), [
    'Sequential(',
    '  (0): Linear(inFeatures=2, outFeatures=3, bias=true)',
    '  (1): ReLU()',
    '  (2): Sequential(',
    '    (0): LayerNorm([3], eps=0.00001, elementwiseAffine=true)',
    '    (1): Dropout(p=0.1)',
    '  )',
    '  (3): Linear(inFeatures=3, outFeatures=1, bias=false)',
    ')',
  ].join('\n'));
});
