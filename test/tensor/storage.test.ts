/**
 * Memory: memoryStats, dispose, `using`, and flat memory over a long training loop with no manual frees.
 *
 * memoryStats() counts the buffers of backends that manage their own memory (WASM, WebGPU); the
 * reference backend's typed arrays belong to the JS heap and are not counted. So these tests run
 * on "counted": the reference backend's kernels behind a backend that says its buffers are not
 * garbage-collected, which puts every buffer through Storage's FinalizationRegistry, and that
 * counts the frees it receives.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  type Backend, Generator, type Tensor, getBackend, memoryStats, noGrad, ones, randn, registerBackend, resetPeakMemory,
  setBackend, tensor, zeros,
} from '../../src/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const reference = getBackend();
let frees = 0;
const counted = new Proxy(reference, {
  get(target, prop) {
    if (prop === 'name') return 'counted';
    if (prop === 'garbageCollected') return false;
    if (prop === 'free') return () => { frees++; };
    const v = Reflect.get(target, prop) as unknown;
    return typeof v === 'function' ? v.bind(target) : v;
  },
}) as Backend;
registerBackend(counted);
setBackend('counted');

/** Collects garbage and lets the FinalizationRegistry callbacks (which run as later tasks) release buffers. */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

test('memoryStats counts bytes and buffers; dispose() gives them back at once', () => {
  const before = memoryStats();
  const t = zeros([1000]); // float32: 4000 bytes
  const d = tensor([1, 2, 3], { dtype: 'float64' }); // 24 bytes
  const mid = memoryStats();
  assert.equal(mid.liveBytes - before.liveBytes, 4000 + 24);
  assert.equal(mid.liveBuffers - before.liveBuffers, 2);
  const freed = frees;
  t.dispose();
  const after = memoryStats();
  assert.equal(frees - freed, 1, 'dispose hands the buffer back to the backend');
  assert.equal(mid.liveBytes - after.liveBytes, 4000);
  assert.equal(mid.liveBuffers - after.liveBuffers, 1);
  assert.equal(t.isDisposed, true);
  assert.equal(d.isDisposed, false);
  t.dispose(); // a second dispose is a no-op
  assert.equal(memoryStats().liveBytes, after.liveBytes);
  assert.equal(frees - freed, 1);
  d.dispose();
  assert.equal(memoryStats().liveBytes, before.liveBytes);
});

test('a view shares its base\'s storage: no new bytes, and disposing either releases both', () => {
  const t = zeros([10, 10]);
  const before = memoryStats();
  const v = t.transpose(0, 1).slice(0, 2, 5);
  assert.equal(memoryStats().liveBytes, before.liveBytes);
  v.dispose();
  assert.equal(before.liveBytes - memoryStats().liveBytes, 400);
  assert.equal(t.isDisposed, true);
});

test('peakBytes tracks the high-water mark and resetPeakMemory lowers it to the live bytes', () => {
  resetPeakMemory();
  const start = memoryStats();
  assert.equal(start.peakBytes, start.liveBytes);
  const big = zeros([25_000]); // 100 kB
  big.dispose();
  const s = memoryStats();
  assert.ok(s.peakBytes >= start.liveBytes + 100_000, `peak ${s.peakBytes} should include the 100 kB buffer`);
  resetPeakMemory();
  assert.equal(memoryStats().peakBytes, memoryStats().liveBytes);
});

test('using a tensor after dispose throws a clear error', () => {
  const t = ones([3]);
  const v = t.reshape(3, 1);
  t.dispose();
  const disposed = /disposed/;
  assert.throws(() => t.add(1), disposed);
  assert.throws(() => t.dataSync(), disposed);
  assert.throws(() => t.sum().item(), disposed);
  assert.throws(() => t.toString(), disposed);
  assert.throws(() => v.mul(2), disposed, 'views of a disposed tensor are disposed too');
  assert.throws(() => tensor([1, 2, 3]).add(t), disposed);
});

test('`using` disposes the tensor at the end of the block', () => {
  const before = memoryStats();
  let seen = null as Tensor | null;
  {
    using t = zeros([512]);
    seen = t;
    assert.equal(memoryStats().liveBytes - before.liveBytes, 2048);
    assert.equal(t.isDisposed, false);
  }
  assert.equal(seen!.isDisposed, true);
  assert.equal(memoryStats().liveBytes, before.liveBytes);
  // [Symbol.dispose]() directly, as the compiled `using` calls it.
  const u = zeros([8]);
  u[Symbol.dispose]();
  assert.equal(u.isDisposed, true);
});

test('`using` disposes even when the block throws', () => {
  let seen = null as Tensor | null;
  assert.throws(() => {
    using t = zeros([4]);
    seen = t;
    throw new Error('inside');
  }, /inside/);
  assert.equal(seen!.isDisposed, true);
});

test('unreachable tensors are freed by the garbage collector', async () => {
  await collect();
  const before = memoryStats();
  (() => {
    for (let i = 0; i < 50; i++) zeros([1000]).add(1);
  })();
  assert.ok(memoryStats().liveBytes > before.liveBytes, 'the buffers exist until collected');
  const freed = frees;
  await collect();
  const after = memoryStats();
  assert.equal(after.liveBuffers, before.liveBuffers);
  assert.equal(after.liveBytes, before.liveBytes);
  assert.ok(frees - freed >= 100, `the backend got ${frees - freed} frees for 100 unreachable buffers`);
});

test('the reference backend\'s buffers live on the JS heap and are not counted', () => {
  setBackend('reference');
  try {
    const before = memoryStats();
    const t = zeros([1000]);
    assert.equal(t.backend, 'reference');
    assert.deepEqual(memoryStats(), before);
    t.dispose();
    assert.equal(t.isDisposed, true);
    assert.throws(() => t.add(1), /disposed/);
    assert.deepEqual(memoryStats(), before);
  } finally {
    setBackend('counted');
  }
});

test('a graph is freed after backward, and with it the tensors it saved', async () => {
  await collect();
  const w = randn([64, 64], { requiresGrad: true, generator: new Generator(3) });
  const base = memoryStats();
  let x: Tensor | null = randn([64, 64], { generator: new Generator(4) });
  let loss: Tensor | null = x.matmul(w).tanh().matmul(w).sum();
  loss.backward();
  x = null;
  loss = null;
  await collect();
  const after = memoryStats();
  // What is left is w.grad alone.
  assert.equal(after.liveBuffers - base.liveBuffers, 1);
  assert.equal(after.liveBytes - base.liveBytes, 64 * 64 * 4);
});

test('a detached result does not keep the graph that produced it alive', async () => {
  const W = randn([64, 64], { requiresGrad: true, generator: new Generator(5) });
  await collect();
  const base = memoryStats();
  const kept: Tensor[] = [];
  // An evaluation loop that forgot noGrad, keeping detached outputs: only the outputs may stay.
  for (let i = 0; i < 20; i++) kept.push(randn([64, 64]).matmul(W).tanh().sum().detach());
  await collect();
  const after = memoryStats();
  assert.equal(after.liveBuffers - base.liveBuffers, kept.length);
  assert.equal(after.liveBytes - base.liveBytes, 4 * kept.length);
});

interface Snapshot {
  mem: ReturnType<typeof memoryStats>;
  /** JS heap plus typed-array memory, which the reference backend's buffers use. */
  heap: number;
}

/**
 * Trains an 8-16-1 tanh MLP (batch 16) for 5,000 plain SGD steps, written with raw tensors and noGrad
 * updates and not a single dispose(), on the current backend; measures memory after steps 500 and 5,000.
 */
async function trainMLP(): Promise<{ base: Snapshot; at500: Snapshot; at5000: Snapshot; losses: number[]; seconds: number; backend: string }> {
  const snapshot = async (): Promise<Snapshot> => {
    await collect();
    const m = process.memoryUsage();
    return { mem: memoryStats(), heap: m.heapUsed + m.arrayBuffers };
  };
  const base = await snapshot();
  const g = new Generator(2024);
  // A fixed smooth target for 16 points.
  const X = randn([16, 8], { generator: g });
  const target = noGrad(() => X.sum(1, { keepdim: true }).mul(0.3).sin());
  const W1 = noGrad(() => randn([8, 16], { generator: g }).mul(1 / Math.sqrt(8))).requiresGrad_();
  const b1 = zeros([16], { requiresGrad: true });
  const W2 = noGrad(() => randn([16, 1], { generator: g }).mul(1 / Math.sqrt(16))).requiresGrad_();
  const b2 = zeros([1], { requiresGrad: true });
  const params = [W1, b1, W2, b2];
  const lr = 0.05;

  // One step in its own function, so that nothing from it stays reachable afterwards.
  const step = (): number => {
    const h = X.matmul(W1).add(b1).tanh();
    const pred = h.matmul(W2).add(b2);
    const diff = pred.sub(target);
    const loss = diff.mul(diff).mean();
    loss.backward();
    noGrad(() => {
      for (const p of params) {
        p.sub_(p.grad!.mul(lr));
        p.grad!.zero_();
      }
    });
    return loss.item();
  };

  const t0 = performance.now();
  const losses: number[] = [];
  for (let i = 0; i < 500; i++) losses.push(step());
  const at500 = await snapshot();
  for (let i = 500; i < 5000; i++) losses.push(step());
  const at5000 = await snapshot();
  return { base, at500, at5000, losses, seconds: (performance.now() - t0) / 1000, backend: W1.backend };
}

function checkTraining(r: Awaited<ReturnType<typeof trainMLP>>): void {
  // JS heap: 4,500 more steps allocate millions of objects; none may stay.
  const growth = r.at5000.heap - r.at500.heap;
  assert.ok(growth < 2 * 1024 * 1024, `heap grew by ${(growth / 1048576).toFixed(2)} MiB between step 500 and step 5000`);
  const first = r.losses[0]!, last = r.losses.at(-1)!;
  assert.ok(Number.isFinite(last), `final loss ${last}`);
  assert.ok(last < first * 0.01, `loss should fall far below its start: ${first} → ${last}`);
  assert.ok(r.losses[4999]! < r.losses[499]!, `loss at step 5000 (${r.losses[4999]}) should be below loss at step 500 (${r.losses[499]})`);
  assert.ok(r.seconds < 60, `5,000 steps took ${r.seconds.toFixed(1)} s`);
}

test('5,000 MLP training steps with no dispose calls keep memory flat, and the loss goes down', async () => {
  const r = await trainMLP();
  assert.equal(r.backend, 'counted');
  // Buffers: exactly the data (2), the parameters (4) and their gradients (4), at both points.
  const expectedBytes = 4 * (16 * 8 + 16 + 2 * (8 * 16 + 16 + 16 * 1 + 1));
  assert.equal(r.at500.mem.liveBuffers - r.base.mem.liveBuffers, 10, 'live buffers after step 500');
  assert.equal(r.at500.mem.liveBytes - r.base.mem.liveBytes, expectedBytes, 'live bytes after step 500');
  assert.equal(r.at5000.mem.liveBuffers, r.at500.mem.liveBuffers, `live buffers went from ${r.at500.mem.liveBuffers} to ${r.at5000.mem.liveBuffers}`);
  assert.equal(r.at5000.mem.liveBytes, r.at500.mem.liveBytes, `live bytes went from ${r.at500.mem.liveBytes} to ${r.at5000.mem.liveBytes}`);
  checkTraining(r);
});

test('the same 5,000 steps on the reference backend keep the JS heap flat', async () => {
  setBackend('reference');
  try {
    const r = await trainMLP();
    assert.equal(r.backend, 'reference');
    assert.deepEqual(r.at5000.mem, r.base.mem, 'nothing counted on the reference backend');
    checkTraining(r);
  } finally {
    setBackend('counted');
  }
});

test('a process that collects garbage as it exits, with tensors awaiting their finalizers, exits cleanly', () => {
  // Node aborts the process when a FinalizationRegistry of a vm context has finalizers due while it
  // tears down; Storage's registry must be the main context's.
  const index = pathToFileURL(fileURLToPath(new URL('../../src/index.js', import.meta.url))).href;
  const child = `
    import { zeros, setBackend } from ${JSON.stringify(index)};
    import v8 from 'node:v8';
    import vm from 'node:vm';
    setBackend('wasm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const make = () => { for (let i = 0; i < 200; i++) zeros([100]).add(1); };
    make();
    process.on('exit', () => { make(); gc(); });
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
  assert.equal(r.signal, null, `the child died of ${r.signal}: ${r.stderr.slice(0, 300)}`);
  assert.equal(r.status, 0, r.stderr);
});
