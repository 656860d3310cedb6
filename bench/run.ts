/**
 * `npm run bench`: descent on each backend against TensorFlow.js (wasm), jax-js (wasm) and PyTorch
 * (OpenBLAS and stock), all measured in this run, as Markdown tables of figures and speed ratios.
 * Progress goes to stderr; the tables go to stdout and to bench/results.md.
 *
 *   npm run bench                        everything, ~1.5 s of timed calls per figure, in three turns
 *   npm run bench -- --quick             a smoke run: small sizes, ~0.1 s per figure, nothing written
 *   npm run bench -- --only matmul,mlp   some workloads (matmul, mlp, gpt; and train, the 15-minute
 *                                        end-to-end shakespeare-char run, only when named)
 *   npm run bench -- --no-peers          descent only
 *   npm run bench -- --backends wasm     these descent backends only
 *   npm run bench -- --seconds 2 --out bench/results.md
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, arch, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { descentEngines } from './descent.js';
import { runGpt } from './gpt.bench.js';
import { type Engine, type TimingOptions, gptWorkload, mlpWorkload, repoRoot } from './harness.js';
import { matmulWorkloads, runMatmul } from './matmul.bench.js';
import { runMlp } from './mlp.bench.js';
import { runTrain } from './train.bench.js';
import { listBackends } from '../src/index.js';
import { hostedEngine } from './peers/subprocess.js';
import { torchEngines } from './peers/torch.js';

const suites = ['matmul', 'mlp', 'gpt'] as const;
/** Workloads run only when named with --only: the whole training run takes about 15 minutes. */
const optIn = ['train'] as const;
type Suite = (typeof suites)[number] | (typeof optIn)[number];

export interface BenchOptions {
  quick?: boolean;
  only?: Suite[];
  peers?: boolean;
  /** descent backends to measure; default every one listBackends() gives. */
  backends?: string[];
  /** Seconds of timed calls per figure. */
  seconds?: number;
  /** Where to write the Markdown as well; null for nowhere. */
  out?: string | null;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
}

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim();
    const flags = /^flags\s*:\s*(.+)$/m.exec(info)?.[1]?.split(' ') ?? [];
    const simd = ['avx2', 'avx512f', 'avx512_bf16', 'avx512_vnni'].filter((f) => flags.includes(f));
    return `${model ?? 'unknown'}${simd.length ? ` (${simd.join(', ')})` : ''}`;
  } catch {
    return `unknown (${arch()})`;
  }
}

function header(engines: Engine[], o: { quick: boolean; timing: TimingOptions }): string {
  const load = loadavg().map((x) => x.toFixed(2)).join(', ');
  return [
    '# descent benchmarks',
    '',
    `- Machine: ${cpuModel()}, ${availableParallelism()} cores, ${arch()}; Node ${process.version}; load average at start ${load}`,
    `- Run: ${new Date().toISOString()}, \`npm run bench${o.quick ? ' -- --quick' : ''}\`, ~${o.timing.seconds} s of timed calls per figure and engine`,
    `- Method: the engines take turns at each figure, ${o.timing.rounds ?? 1} round${(o.timing.rounds ?? 1) > 1 ? 's' : ''} of ` +
      `~${+(o.timing.seconds / (o.timing.rounds ?? 1)).toFixed(2)} s each, so that the machine's drift in speed falls on all alike; ` +
      `a workload stays set up across its turns; it warms up for ${o.timing.warmSeconds} s (and two calls) when set up, for one call in a later turn; ` +
      'then samples (each ~1 ms of calls, or one call if longer), at least three a turn; ' +
      `the figure is the median of the engine's samples from all rounds. A call slower than ${o.timing.maxCallSeconds} s is timed once after one warm-up.` +
      ('gc' in globalThis ? ' Garbage is collected before each turn (node --expose-gc).' : ''),
    '- Ratios are speed ratios descent ÷ peer (above 1: descent is faster), each against descent\'s fastest ' +
      'configuration that uses no more threads than the peer; the configuration is named in brackets.',
    ...engines.map((e) => `- ${e.detail ?? e.label}`),
  ].join('\n');
}

/** Runs the benchmarks and returns the Markdown (also printed, and written to `out`). */
export async function runBench(opts: BenchOptions = {}): Promise<string> {
  const quick = opts.quick ?? false;
  const timing: TimingOptions = {
    seconds: opts.seconds ?? (quick ? 0.1 : 1.5), maxCallSeconds: quick ? 1 : 5, rounds: quick ? 1 : 3, warmSeconds: quick ? 0.02 : 1,
  };
  const o = { timing, log: opts.log ?? ((line: string) => process.stderr.write(`${line}\n`)) };
  const engines = await descentEngines(opts.backends);
  if (opts.peers ?? true) engines.push(await hostedEngine('tfjs'), await hostedEngine('jax'), ...(await torchEngines()));
  const sections = [header(engines, { quick, timing })];
  try {
    for (const suite of opts.only ?? suites) {
      o.log(suite);
      if (suite === 'matmul') sections.push(await runMatmul(engines, matmulWorkloads(quick), o));
      if (suite === 'mlp') sections.push(await runMlp(engines, mlpWorkload, o));
      if (suite === 'gpt') sections.push(await runGpt(engines, gptWorkload, o));
      if (suite === 'train') sections.push(await runTrain(opts.backends ?? listBackends(), { quick, peers: opts.peers ?? true, log: o.log }));
    }
  } finally {
    for (const e of engines) await e.close?.();
  }
  const markdown = `${sections.join('\n\n')}\n`;
  if (opts.out) writeFileSync(opts.out, markdown);
  return markdown;
}

/** The command line's options: --quick, --only, --no-peers, --backends, --seconds, --out. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'no-peers': { type: 'boolean', default: false },
      backends: { type: 'string' },
      seconds: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const list = (s: string | undefined): string[] | undefined => s?.split(',').map((x) => x.trim()).filter(Boolean);
  const only = list(values.only);
  for (const s of only ?? []) {
    if (![...suites, ...optIn].includes(s as Suite)) throw new Error(`--only: unknown workload '${s}' (choose from ${[...suites, ...optIn].join(', ')})`);
  }
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (seconds !== undefined && !(seconds > 0)) throw new Error(`--seconds: expected a positive number, got '${values.seconds}'`);
  // A full run records its tables in bench/results.md; a quick one writes only where --out says.
  const out = values.out ?? (values.quick ? null : join(repoRoot(), 'bench', 'results.md'));
  return {
    quick: values.quick, peers: !values['no-peers'], out,
    ...(only ? { only: only as Suite[] } : {}),
    ...(values.backends ? { backends: list(values.backends)! } : {}),
    ...(seconds ? { seconds } : {}),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const markdown = await runBench(parseBenchArgs(process.argv.slice(2)));
  process.stdout.write(markdown);
}
