/**
 * The benchmark harness works: a quick matmul run on the reference backend, without peers (so no
 * Python, no network), gives the Markdown table it promises.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { matmulWorkloads } from '../bench/matmul.bench.js';
import { parseBenchArgs, runBench } from '../bench/run.js';
import { type Engine, attemptAll } from '../bench/harness.js';
import { hostedEngine } from '../bench/peers/subprocess.js';

test('bench: --quick --only matmul --no-peers on the reference backend prints a full matmul table', async () => {
  const opts = parseBenchArgs(['--quick', '--only', 'matmul', '--no-peers', '--backends', 'reference']);
  assert.deepEqual(opts.only, ['matmul']);
  assert.equal(opts.out, null, 'a quick run writes no file');
  const lines: string[] = [];
  const markdown = await runBench({ ...opts, log: (line) => lines.push(line) });

  assert.match(markdown, /^# descent benchmarks\n/);
  assert.match(markdown, /^- Machine: .+, \d+ cores, .+; Node v\d+/m);
  assert.match(markdown, /^## fp32 matmul, GFLOP\/s/m);
  const table = markdown.split('\n').filter((l) => l.startsWith('|'));
  const cells = (l: string): string[] => l.slice(2, -2).split(' | ');
  assert.deepEqual(cells(table[0]!), ['n', 'form', 'descent reference'], 'no peers: no peer columns, no ratios');
  assert.deepEqual(cells(table[1]!), ['---', '---', '---:']);
  const workloads = matmulWorkloads(true);
  assert.equal(table.length, 2 + workloads.length);
  workloads.forEach((w, i) => {
    const [n, form, gflops] = cells(table[2 + i]!);
    assert.equal(n, String(w.n));
    assert.equal(form, w.form);
    assert.ok(Number(gflops) > 0, `${w.n} ${w.form}: ${gflops} GFLOP/s`);
  });
  assert.equal(lines.filter((l) => l.includes('descent reference')).length, workloads.length, 'one progress line per figure');
});

test('bench: engines take turns at a figure, and each figure is the median of its samples from every turn', async () => {
  const order: string[] = [];
  const fake = (label: string, times: number[][]): Engine => {
    let turn = 0;
    return {
      label, descent: false, threads: 1,
      measure: async (_w, timing) => {
        order.push(`${label}@${timing.seconds}`);
        const t = times[turn++];
        if (!t) throw new Error(`${label} broke`);
        return { seconds: t[0]!, samples: t.length, times: t };
      },
    };
  };
  const engines = [
    fake('a', [[1, 2, 3], [10, 11, 12], [4, 5, 6]]),
    fake('slow', [[100]]),
    fake('flaky', [[7, 8, 9]]),
    fake('broken', []),
    fake('skipped', [[1, 1, 1]]),
  ];
  const lines: string[] = [];
  const figures = await attemptAll(engines, matmulWorkloads(true)[0]!, { timing: { seconds: 3, maxCallSeconds: 1, rounds: 3, warmSeconds: 0 }, log: (l) => lines.push(l) },
    'what', [], (i) => (i === 4 ? 'not this one' : null));
  assert.deepEqual(order, ['a@1', 'slow@1', 'flaky@1', 'broken@1', 'a@1', 'flaky@1', 'a@1'],
    'round-robin; one timed once, or failing in a later turn (its samples kept), takes no further turns; a skipped one none');
  assert.deepEqual(figures.map((m) => ('na' in m ? m.na : [m.seconds, m.samples])),
    [[5, 9], [100, 1], [8, 3], 'broken broke', 'not this one']);
  assert.deepEqual(lines.map((l) => l.trim().split(':')[0]), ['what · flaky', ...engines.map((e) => `what · ${e.label}`)],
    'a line for the later turn that failed, then one per engine');
  assert.match(lines[0]!, /turn 2 failed \(flaky broke\); the figure is of the turns before it/);
});

test('bench: a JavaScript peer runs in a process of its own and answers measurements over its pipe', async () => {
  const jax = await hostedEngine('jax');
  try {
    assert.equal(jax.label, 'jax-js wasm 1T');
    assert.match(jax.detail ?? '', /^jax-js wasm: @jax-js\/jax \d+\.\d+\.\d+/);
    const w = matmulWorkloads(true)[0]!;
    const timing = { seconds: 0.05, maxCallSeconds: 1, warmSeconds: 0.01 };
    const m = await jax.measure(w, timing);
    assert.ok(m.seconds > 0 && m.times.length === m.samples && m.samples >= 3, JSON.stringify(m));
    const again = await jax.measure(w, timing);
    assert.ok(again.samples >= 3, 'a second turn at the same workload is answered too');
  } finally {
    await jax.close?.();
  }
  const host = fileURLToPath(new URL('../bench/peers/host.js', import.meta.url));
  const r = spawnSync(process.execPath, [host, 'nope'], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(r.stdout), { ready: false, error: "host.js: unknown peer 'nope' (choose from tfjs, jax)" });
});
