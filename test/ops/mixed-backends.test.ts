/**
 * Operands of different backends are refused with a message that says so, by every op that reads
 * several tensors: a kernel reads its operands from its own memory, and another backend's buffer
 * would be read as garbage (two wasm backends, of one and two threads, once did exactly that).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, cat, getBackend, nn, registerBackend, setBackend, tensor } from '../../src/index.js';
import { createWasmBackend } from '../../src/backend/wasm/wasm-backend.js';

/** Tensors made with `backend` current; the previous backend is current again afterwards. */
function on<T>(backend: ReturnType<typeof getBackend>, make: () => T): T {
  const before = getBackend();
  registerBackend(backend);
  setBackend(backend.name);
  try {
    return make();
  } finally {
    registerBackend(before);
    setBackend(before.name);
  }
}

const first = createWasmBackend({ threads: 1 });
const second = createWasmBackend({ threads: 1 });

const make = (): { x: Tensor; w: Tensor; idx: Tensor; mask: Tensor; target: Tensor } => ({
  x: tensor([[1, 2, 3], [4, 5, 6]]),
  w: tensor([[1, 0], [0, 1], [1, 1]]),
  idx: tensor(Int32Array.from([0, 2])),
  mask: tensor([[1, 0, 1], [0, 1, 0]]).gt(0),
  target: tensor(Int32Array.from([0, 2])),
});

test('ops refuse operands of two backends of one name, and of two names, naming the op', () => {
  const a = on(first, make);
  const b = on(second, make);
  const cases: [string, () => unknown][] = [
    ['add', () => a.x.add(b.x)],
    ['matmul', () => a.x.matmul(b.w)],
    ['where', () => a.x.maskedFill(b.mask, 0)],
    ['gather', () => a.x.gather(1, b.idx.reshape(1, 2).expand(2, 2))],
    ['indexSelect', () => a.x.indexSelect(1, b.idx)],
    ['scatterAdd', () => a.x.scatterAdd(1, a.idx.reshape(1, 2).expand(2, 2), b.x)],
    ['crossEntropy', () => nn.crossEntropy(a.x, b.target)],
    ['layerNorm \\(weight\\)', () => nn.functional.layerNorm(a.x, [3], b.x.select(0, 0))],
    ['cat \\(tensor 1\\)', () => cat([a.x, b.x])],
    ['copy_', () => a.x.clone().copy_(b.x)],
  ];
  for (const [op, run] of cases) {
    assert.throws(run, new RegExp(`^Error: ${op}: operands live on different backends \\(two backends both named 'wasm'\\); create them with the same backend current$`), op);
  }
  const w = on(first, () => tensor([1, 2, 3]));
  const before = getBackend().name;
  setBackend('reference');
  try {
    assert.throws(() => tensor([1, 2, 3]).mul(w), /^Error: mul: operands live on different backends \(reference and wasm\)/);
  } finally {
    setBackend(before);
  }
});

test('an Embedding on one backend refuses indices made on another', () => {
  const emb = on(first, () => new nn.Embedding(4, 2));
  const idx = on(second, () => tensor(Int32Array.from([0, 3])));
  assert.throws(() => emb.forward(idx), /operands live on different backends/);
  // On the same backend it works.
  assert.equal(on(first, () => emb.forward(tensor(Int32Array.from([0, 3])))).shape.join(), '2,2');
});
