/**
 * The benchmark harness works: a quick matmul run on the reference backend, without peers (so no
 * Python, no network), gives the Markdown table it promises.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmulWorkloads } from '../bench/matmul.bench.js';
import { parseBenchArgs, runBench } from '../bench/run.js';

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
