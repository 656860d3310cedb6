/**
 * Backward frees what it alone can see (gradients between ops, each op's scratch tensors) as soon as
 * their last consumer has run, and hands a leaf its first gradient without a copy. These tests hold it
 * to never freeing anything a caller can reach: shared gradients, retained and captured gradients,
 * custom ops that keep what they are given, and graphs run twice.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, type Tensor, collectGarbage, customOp, grad, memoryStats, nn, randn, setBackend, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('a gradient shared by two leaves is copied for each, so accumulating into one leaves the other alone', () => {
  const a = tensor([1, 2, 3], { requiresGrad: true });
  const b = tensor([4, 5, 6], { requiresGrad: true });
  a.add(b).sum().backward(); // add's backward hands the same gradient to both inputs
  assert.notEqual(a.grad!.storage, b.grad!.storage);
  a.mul(2).sum().backward();
  assertClose(a.grad!, [3, 3, 3]);
  assertClose(b.grad!, [1, 1, 1]);
});

test('a first gradient held by backward alone becomes .grad, and later ones accumulate into it in place', () => {
  const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const x = tensor([[1, 0], [0, 2]]);
  x.matmul(w).sum().backward();
  assertClose(w.grad!, [[1, 1], [2, 2]]);
  const first = w.grad!;
  x.matmul(w).sum().backward();
  assert.equal(w.grad, first);
  assertClose(w.grad!, [[2, 2], [4, 4]]);
});

test('a leaf used through a view gets a gradient of its own shape and storage', () => {
  const w = tensor([1, 2, 3, 4, 5, 6], { requiresGrad: true });
  const v = w.reshape([2, 3]);
  v.mul(v).sum().backward();
  assertClose(w.grad!, [2, 4, 6, 8, 10, 12]);
  assert.deepEqual(w.grad!.shape, [6]);
});

test('retained and captured gradients stay readable after backward', () => {
  const x = tensor([1, -2, 3], { requiresGrad: true });
  const h = x.mul(x).retainGrad();
  const y = h.mul(3).sum();
  y.backward();
  assertClose(h.grad!, [3, 3, 3]);
  assertClose(x.grad!, [6, -12, 18]);

  const z = tensor([2, 3], { requiresGrad: true });
  const mid = z.exp();
  const [gz, gmid] = grad(mid.mul(mid).sum(), [z, mid]);
  assertClose(gmid!, mid.mul(2));
  assertClose(gz!, mid.mul(mid).mul(2));
});

test('a custom op that keeps the gradient it is given, and the tensors it makes, finds them intact', () => {
  const kept: Tensor[] = [];
  const twice = customOp({
    name: 'twice',
    forward: (_ctx, a: Tensor) => a.mul(2),
    backward: (_ctx, g) => {
      const out = g.mul(2);
      kept.push(g, out);
      return [out];
    },
  });
  const x = tensor([1, 2, 3], { requiresGrad: true });
  twice(x.exp()).mul(x).sum().backward();
  assertClose(kept[0]!, [1, 2, 3]);
  assertClose(kept[1]!, [2, 4, 6]);
});

test('a graph kept with retainGraph backpropagates twice to the same result', () => {
  const x = tensor([0.5, -1, 2], { requiresGrad: true });
  const y = x.tanh().mul(x).sum();
  y.backward(undefined, { retainGraph: true });
  const first = x.grad!.tolist() as number[];
  x.grad = null;
  y.backward();
  assertClose(x.grad!, first);
});

test('wasm: an MLP backward leaves behind only the parameter gradients', () => {
  setBackend('wasm');
  try {
    const generator = new Generator(0);
    const model = new nn.Sequential(new nn.Linear(64, 128, { generator }), new nn.ReLU(), new nn.Linear(128, 10, { generator }));
    const x = randn([32, 64], { generator });
    const y = randn([32, 10], { generator });
    collectGarbage();
    const loss = nn.mseLoss(model.forward(x), y);
    const before = memoryStats().liveBytes;
    loss.backward();
    const grown = memoryStats().liveBytes - before;
    const gradBytes = model.parameters().reduce((s, p) => s + p.size * 4, 0);
    // Before backward freed its own temporaries this was several times the gradients' size.
    assert.ok(grown <= gradBytes + 1024, `backward left ${grown} bytes, the gradients take ${gradBytes}`);
    for (const p of model.parameters()) assert.equal(p.grad!.storage.disposed, false);
  } finally {
    setBackend(process.env.DESCENT_BACKEND ?? 'wasm');
  }
});
