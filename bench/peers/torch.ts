/**
 * PyTorch as a peer, through Debian's python3-torch in a subprocess (bench/torch_bench.py), in two
 * set-ups: the way a user runs it well on this CPU (OpenBLAS with AVX-512 kernels: OpenBLAS does
 * the threading, torch keeps one thread so the two do not fight), and stock, on the reference BLAS
 * that Debian's package links by default. The subprocess stays up and times one workload per
 * request, so its figures interleave with the others' in the same run.
 */

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type Engine, reason, repoRoot, unavailable } from '../harness.js';
import { Subprocess } from './subprocess.js';

const LIB = '/usr/lib/x86_64-linux-gnu';

interface Variant {
  label: string;
  /** Why this variant cannot run here, if it cannot. */
  missing?: string;
  env: Record<string, string>;
  /** Threads it computes on, when torch's own count is not the one that matters. */
  threads?: number;
  describe: string;
}

function variants(): Variant[] {
  const cores = availableParallelism();
  const openblas = join(LIB, 'openblas-pthread');
  const reference = [join(LIB, 'blas'), join(LIB, 'lapack')];
  return [
    {
      label: `torch OpenBLAS ${cores}T`,
      ...(existsSync(openblas) ? {} : { missing: 'no OpenBLAS (apt-get install -y libopenblas0-pthread)' }),
      env: {
        LD_LIBRARY_PATH: openblas, OPENBLAS_CORETYPE: 'SkylakeX', OPENBLAS_NUM_THREADS: String(cores), DESCENT_BENCH_TORCH_THREADS: '1',
      },
      threads: cores,
      describe: `LD_LIBRARY_PATH=${openblas} OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=${cores}, torch.set_num_threads(1)`,
    },
    {
      label: 'torch stock',
      // Installing OpenBLAS makes it the system's libblas.so.3, so stock means pointing back at the reference BLAS.
      env: reference.every(existsSync) ? { LD_LIBRARY_PATH: reference.join(':') } : {},
      describe: 'default threads, Debian\'s reference BLAS',
    },
  ];
}

const script = (): string => join(repoRoot(), 'bench', 'torch_bench.py');

async function torchEngine(python: string, v: Variant): Promise<Engine> {
  if (v.missing) return unavailable(v.label, v.missing);
  const worker = new Subprocess(python, [script()], v.env);
  try {
    const hello = JSON.parse(await worker.next(120)) as { ready: boolean; error?: string; torch: string; threads: number; blas: string };
    if (!hello.ready) throw new Error(hello.error ?? 'torch did not start');
    const threads = v.threads ?? hello.threads;
    return {
      label: v.threads ? v.label : `${v.label} ${threads}T`, descent: false, threads,
      detail: `${v.label}: torch ${hello.torch} (${v.describe}; torch threads ${hello.threads}); BLAS in use: ${hello.blas}`,
      measure: (w, timing) => worker.measure(w, timing),
      close: () => worker.close(),
    };
  } catch (e) {
    worker.close();
    const why = reason(e);
    return unavailable(v.label, /No module named 'torch'/.test(why) ? 'python3-torch not installed' : why);
  }
}

/** Both set-ups, or engines that say why not (no Python, no torch, no OpenBLAS). */
export async function torchEngines(): Promise<Engine[]> {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const engines = [];
  for (const v of variants()) engines.push(await torchEngine(python, v));
  return engines;
}
