/**
 * The whole job: `npx descent train`'s shakespeare-char preset (2,000 iterations) against the same
 * run in PyTorch with OpenBLAS (bench/torch_train.py: the same model, data split, schedule and
 * evaluation), on the same machine in the same run. Wall time and the final losses over 200
 * batches. About 15 minutes, so only with `npm run bench -- --only train`.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetConfig, train } from '../src/index.js';
import { repoRoot } from './harness.js';

interface TrainFigure {
  engine: string;
  seconds: number;
  train: number;
  val: number;
}

async function descentRun(backend: string, maxIters: number | undefined): Promise<TrainFigure> {
  const outDir = mkdtempSync(join(tmpdir(), 'descent-bench-train-'));
  try {
    const config = { ...presetConfig('shakespeare-char'), outDir, backend, dataset: join(repoRoot(), 'data', 'tinyshakespeare.txt') };
    if (maxIters !== undefined) Object.assign(config, { maxIters, lrDecayIters: maxIters, evalInterval: maxIters, finalEvalIters: 2 });
    const r = await train(config);
    return { engine: `descent ${backend}`, seconds: r.seconds, train: r.finalTrain, val: r.finalVal };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function torchRun(maxIters: number | undefined): TrainFigure | string {
  const openblas = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
  if (spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) return 'n/a (python3-torch not installed)';
  const overrides = maxIters !== undefined ? JSON.stringify({ max_iters: maxIters, decay_iters: maxIters, eval_interval: maxIters, final_eval_iters: 2 }) : '{}';
  const cores = String(availableParallelism());
  const r = spawnSync('/usr/bin/python3', ['-c',
    'import sys, runpy, torch; torch.set_num_threads(1); sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")',
    join(repoRoot(), 'bench', 'torch_train.py'), join(repoRoot(), 'data', 'tinyshakespeare.txt'), overrides], {
    encoding: 'utf8',
    env: {
      ...process.env,
      ...(existsSync(openblas) ? { LD_LIBRARY_PATH: openblas, OPENBLAS_CORETYPE: 'SkylakeX', OPENBLAS_NUM_THREADS: cores } : {}),
    },
  });
  if (r.status !== 0) return `n/a (${(r.stderr || 'torch_train.py failed').trim().split('\n').pop()})`;
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; train: number; val: number };
  return { engine: `torch ${existsSync(openblas) ? 'OpenBLAS' : 'stock'}`, ...out };
}

export async function runTrain(backends: string[], opts: { quick: boolean; peers: boolean; log: (line: string) => void }): Promise<string> {
  const maxIters = opts.quick ? 20 : undefined;
  const rows: TrainFigure[] = [];
  for (const b of backends.filter((name) => name !== 'reference')) {
    opts.log(`train: descent ${b}`);
    rows.push(await descentRun(b, maxIters));
  }
  let torch: TrainFigure | string = 'n/a (peers off)';
  if (opts.peers) {
    opts.log('train: torch');
    torch = torchRun(maxIters);
  }
  const peer = typeof torch === 'string' ? null : torch;
  const line = (r: TrainFigure): string =>
    `| ${r.engine} | ${r.seconds.toFixed(1)} | ${r.train.toFixed(4)} | ${r.val.toFixed(4)} | ${peer && r !== peer ? `${(peer.seconds / r.seconds).toFixed(2)}×` : ''} |`;
  return [
    `## Training shakespeare-char end to end${opts.quick ? ' (quick: 20 iterations)' : ''}, seconds (lower is better)`,
    '',
    '`npx descent train` (4 layers, 4 heads, 128 wide, context 64, batch 12, 2,000 iterations, evaluation every 250) ' +
      'and the same run in PyTorch; losses over 200 batches of train and val at the end.',
    '',
    '| engine | seconds | train loss | val loss | speed vs torch |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(line),
    ...(peer ? [line(peer)] : [`| torch | ${torch as string} | | | |`]),
  ].join('\n');
}
