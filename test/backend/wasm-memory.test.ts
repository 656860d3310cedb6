/**
 * 10,000 training steps on the wasm backend with no dispose(): buffers of unreachable tensors are
 * reclaimed (synchronously, when live bytes pass the collection threshold), so nothing leaks and the
 * peak stays bounded.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, collectGarbage, memoryStats, nn, optim, randn, setBackend } from '../../src/index.js';

test('10,000 MLP training steps on wasm keep memory flat', () => {
  setBackend('wasm');
  const generator = new Generator(0);
  const x = randn([32, 16], { generator }), y = randn([32, 1], { generator });
  const model = new nn.Sequential(new nn.Linear(16, 32, { generator }), new nn.Tanh(), new nn.Linear(32, 1, { generator }));
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-3 });
  const step = () => {
    opt.zeroGrad();
    const loss = nn.mseLoss(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
  let first = NaN, last = NaN, afterWarmup = 0;
  for (let i = 0; i < 10_000; i++) {
    const loss = step();
    if (i === 0) first = loss.item();
    if (i === 999) {
      assert.ok(collectGarbage(), 'Node can collect synchronously');
      afterWarmup = memoryStats().liveBytes;
    }
    if (i === 9_999) last = loss.item();
  }
  collectGarbage();
  const end = memoryStats();
  assert.equal(end.liveBytes, afterWarmup, `live bytes after 1,000 steps ${afterWarmup}, after 10,000 ${end.liveBytes}`);
  assert.ok(end.peakBytes < 300 * 2 ** 20, `peak ${end.peakBytes} bytes`);
  assert.ok(last < first, `loss ${first} → ${last}`);
});
