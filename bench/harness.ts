/**
 * What every benchmark shares: the workloads, the engines that run them (descent on a backend, or
 * a peer), the timing loop, and the Markdown tables. Figures are medians of repeated calls after a
 * warm-up; ratios are speed ratios descent ÷ peer (above 1: descent is faster), each peer compared
 * with descent's fastest configuration that uses no more threads than the peer does.
 */

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this (compiled) file that holds bench/torch_bench.py. */
export function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'bench', 'torch_bench.py')) && existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error('bench: the repository root (with bench/torch_bench.py) is not above the compiled bench');
}

export type Form = 'A·B' | 'A·Bᵀ' | 'Aᵀ·B';

/** C = op(A)·op(B) for square n×n operands; the transposed forms are the ones backward needs. */
export interface MatmulWorkload {
  kind: 'matmul';
  n: number;
  form: Form;
}

/** One training step of a ReLU MLP: forward, cross-entropy, backward, AdamW. */
export interface MlpWorkload {
  kind: 'mlp';
  batch: number;
  /** Layer widths, input first: 784-256-256-10. */
  sizes: number[];
  lr: number;
  weightDecay: number;
}

/** One nanoGPT training step: forward with loss, backward, clip, AdamW (its CPU configuration). */
export interface GptWorkload {
  kind: 'gpt';
  batch: number;
  blockSize: number;
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  lr: number;
  betas: [number, number];
  weightDecay: number;
  gradClip: number;
}

export type Workload = MatmulWorkload | MlpWorkload | GptWorkload;

export const mlpWorkload: MlpWorkload = { kind: 'mlp', batch: 128, sizes: [784, 256, 256, 10], lr: 1e-3, weightDecay: 0.01 };

/** nanoGPT's README command for a CPU: --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128 --dropout=0.0, shakespeare_char's optimizer. */
export const gptWorkload: GptWorkload = {
  kind: 'gpt', batch: 12, blockSize: 64, vocabSize: 65, nLayer: 4, nHead: 4, nEmbd: 128,
  lr: 1e-3, betas: [0.9, 0.99], weightDecay: 0.1, gradClip: 1,
};

export interface TimingOptions {
  /** Seconds of timed calls per figure, after the warm-up. */
  seconds: number;
  /** A call slower than this is timed once after one warm-up call, not repeatedly. */
  maxCallSeconds: number;
  /** Turns the engines take at each figure, `seconds / rounds` each (attemptAll). */
  rounds?: number;
  /** Warm-up of a workload just set up, at least; see time(). */
  warmSeconds: number;
}

export interface Measurement {
  /** Median seconds per call. */
  seconds: number;
  /** Timed samples the median is taken over. */
  samples: number;
  /** Each sample's seconds per call. */
  times: number[];
  /** Something a reader of the figure should know, printed under the table. */
  note?: string;
}

/** Something to call repeatedly, and what to free afterwards. */
export interface Runnable {
  run(): unknown;
  dispose?(): void;
}

/** descent on one backend configuration, or a peer library. */
export interface Engine {
  label: string;
  descent: boolean;
  /** Threads it computes on: ratios compare a peer with descent at no more threads. */
  threads: number;
  /** One line for the machine description: versions, build, settings. */
  detail?: string;
  /** Times one workload; throws (with a short reason) when the engine cannot run it. */
  measure(w: Workload, timing: TimingOptions): Promise<Measurement>;
  close?(): void | Promise<void>;
}

/**
 * An engine that cannot run anything, for a peer that failed to load: its figures read
 * "n/a (not available)" and the machine description gives the reason once.
 */
export function unavailable(label: string, reason: string, descent = false): Engine {
  return {
    label, descent, threads: 1, detail: `${label}: not available (${reason})`,
    measure: () => Promise.reject(new Error('not available')),
  };
}

/**
 * An engine measured in this process: `setup` builds the inputs, the timing loop calls `run`. The
 * workload stays set up across the turns of its figure (model, optimizer state, compiled code
 * warm), and is disposed when the next workload comes or the engine closes; `enter` runs before
 * each later turn (descent makes its backend current again).
 */
export function localEngine(opts: {
  label: string;
  descent: boolean;
  threads: number;
  detail?: string;
  setup(w: Workload): Runnable | Promise<Runnable>;
  enter?(): void;
  close?(): void | Promise<void>;
}): Engine {
  let open: { key: string; runnable: Runnable } | null = null;
  const drop = (): void => {
    open?.runnable.dispose?.();
    open = null;
  };
  return {
    label: opts.label, descent: opts.descent, threads: opts.threads, detail: opts.detail,
    async measure(w, timing) {
      await settle();
      const key = JSON.stringify(w);
      const fresh = open?.key !== key;
      try {
        if (fresh) {
          drop();
          open = { key, runnable: await opts.setup(w) };
        } else {
          opts.enter?.();
        }
        const r = open!.runnable;
        return await time(() => r.run(), timing, fresh);
      } catch (e) {
        drop();
        throw e;
      }
    },
    async close() {
      drop();
      await opts.close?.();
    },
  };
}

/**
 * Collects garbage and lets finalizers run, where node runs with --expose-gc (npm run bench does),
 * so that what one figure left behind (wasm buffers wait for a collection) does not weigh on the next.
 */
export async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

async function once(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  const r = fn();
  if (r instanceof Promise) await r;
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Warm-up, then samples until `seconds` have passed and at least three were taken. A workload just
 * set up (`fresh`) warms up for two calls and at least `warmSeconds`, which is what it takes a
 * training step to reach its steady pace (code compiled, memory grown); a later turn at it, for one
 * call. A sample groups enough calls to last about 1 ms, so fast calls are not lost in timer noise,
 * while a call of a millisecond or more is a sample of its own: the median then steps past the
 * multi-millisecond stalls these shared machines inflict on a thread now and then, for every engine
 * alike. torch_bench.py times the same way.
 */
export async function time(fn: () => unknown, opts: TimingOptions, fresh = true): Promise<Measurement> {
  let last = await once(fn);
  if (last > opts.maxCallSeconds) {
    const t = await once(fn);
    return { seconds: t, samples: 1, times: [t] };
  }
  let warm = last;
  for (let i = 1; fresh && (i < 2 || warm < opts.warmSeconds); i++) warm += last = await once(fn);
  const batch = Math.max(1, Math.ceil(0.001 / Math.max(last, 1e-7)));
  const samples: number[] = [];
  for (let total = 0; total < opts.seconds || samples.length < 3;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) {
      const r = fn();
      if (r instanceof Promise) await r;
    }
    const dt = (performance.now() - t0) / 1000;
    samples.push(dt / batch);
    total += dt;
  }
  return { seconds: median(samples), samples: samples.length, times: samples };
}

// ---- tables ---------------------------------------------------------------------------------------

export type Cell = { value: number } | { na: string };

export interface Metric {
  name: string;
  higherIsBetter: boolean;
}

/** Three significant digits, or all the integer ones. */
const fmt = (c: Cell | undefined): string =>
  !c ? '–' : 'na' in c ? `n/a (${c.na})` : c.value.toFixed(c.value >= 100 ? 0 : c.value >= 10 ? 1 : c.value >= 1 ? 2 : 3);

/** Speed ratio descent ÷ peer for one figure, from descent's best engine with no more threads than the peer. */
export function ratio(engines: Engine[], cells: (Cell | undefined)[], peer: number, m: Metric): { value: number; by: Engine } | null {
  const p = cells[peer];
  if (!p || 'na' in p) return null;
  let best: { value: number; by: Engine } | null = null;
  engines.forEach((e, i) => {
    const c = cells[i];
    if (!e.descent || e.threads > engines[peer]!.threads || !c || 'na' in c) return;
    const r = m.higherIsBetter ? c.value / p.value : p.value / c.value;
    if (!best || r > best.value) best = { value: r, by: e };
  });
  return best;
}

/** Notes under a table, one line each. */
export const footnotes = (notes: string[]): string[] => (notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []);

const row = (cells: string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;

/** Rows are workloads, columns the engines' figures and then one ratio column per peer. */
export function wideTable(engines: Engine[], rows: { label: string[]; cells: (Cell | undefined)[] }[], labelHeader: string[], m: Metric): string {
  const peers = engines.map((e, i) => (e.descent ? -1 : i)).filter((i) => i >= 0);
  const lines = [
    row([...labelHeader, ...engines.map((e) => e.label), ...peers.map((i) => `descent ÷ ${engines[i]!.label}`)]),
    row([...labelHeader, ...engines, ...peers].map((_, i) => (i < labelHeader.length ? '---' : '---:'))),
  ];
  for (const r of rows) {
    const ratios = peers.map((i) => {
      const q = ratio(engines, r.cells, i, m);
      return q ? `${q.value.toFixed(2)}× (${q.by.label.replace(/^descent /, '')})` : '–';
    });
    lines.push(row([...r.label, ...r.cells.map(fmt), ...ratios]));
  }
  return lines.join('\n');
}

/** Rows are engines: their figures for each metric, then the ratio for the first metric. */
export function longTable(engines: Engine[], metrics: Metric[], cells: (Cell | undefined)[][]): string {
  const m = metrics[0]!;
  const lines = [
    row(['engine', 'threads', ...metrics.map((x) => x.name), `descent ÷ engine (${m.name})`]),
    row(['---', '---:', ...metrics.map(() => '---:'), '---:']),
  ];
  engines.forEach((e, i) => {
    const q = e.descent ? null : ratio(engines, cells[0]!, i, m);
    const r = e.descent ? '' : q ? `${q.value.toFixed(2)}× (${q.by.label.replace(/^descent /, '')})` : '–';
    lines.push(row([e.label, String(e.threads), ...metrics.map((_, k) => fmt(cells[k]![i])), r]));
  });
  return lines.join('\n');
}

/** The first line of an error, short enough for a table cell. */
export function reason(e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
  return msg.length > 80 ? `${msg.slice(0, 77)}...` : msg;
}

/** How a suite runs: the timing of each figure, and where progress lines go. */
export interface SuiteOptions {
  timing: TimingOptions;
  log(line: string): void;
}

/**
 * Times `w` on every engine, the engines taking turns: `rounds` rounds of `seconds / rounds` each,
 * one engine after another within a round. The speed of these shared machines drifts by tens of
 * percent over seconds; in turns, a slow stretch falls on every engine alike instead of on whichever
 * was measured then, and the ratios between engines hold. Each figure is the median of the engine's
 * samples from all rounds. An engine timed once (its calls are too slow to repeat) or that failed
 * takes no further turns. `skip` gives a reason not to measure an engine at all, for an n/a cell.
 * Progress is logged per figure; a note goes to `notes`.
 */
export async function attemptAll(engines: Engine[], w: Workload, o: SuiteOptions, what: string, notes: string[],
  skip: (i: number) => string | null = () => null): Promise<(Measurement | { na: string })[]> {
  const rounds = Math.max(1, o.timing.rounds ?? 1);
  const turn: TimingOptions = { ...o.timing, seconds: o.timing.seconds / rounds };
  const results: (Measurement | { na: string })[] = engines.map((_, i) => {
    const why = skip(i);
    return why ? { na: why } : { seconds: 0, samples: 0, times: [] };
  });
  const done = results.map((m) => 'na' in m);
  for (let r = 0; r < rounds; r++) {
    for (const [i, e] of engines.entries()) {
      const sofar = results[i]!;
      if (done[i] || 'na' in sofar) continue;
      try {
        const m = await e.measure(w, turn);
        sofar.times.push(...m.times);
        sofar.samples = sofar.times.length;
        sofar.seconds = median(sofar.times);
        if (m.note) sofar.note = m.note;
        done[i] = m.samples < 2;
      } catch (err) {
        // A failure in a later turn keeps the samples of the earlier ones, and says so.
        if (r === 0) results[i] = { na: reason(err) };
        else o.log(`  ${what} · ${e.label}: turn ${r + 1} failed (${reason(err)}); the figure is of the turns before it`);
        done[i] = true;
      }
    }
  }
  for (const [i, e] of engines.entries()) {
    const m = results[i]!;
    if ('na' in m) {
      o.log(`  ${what} · ${e.label}: n/a (${m.na})`);
      continue;
    }
    const ms = m.seconds * 1e3;
    o.log(`  ${what} · ${e.label}: ${ms < 1 ? ms.toFixed(3) : ms.toFixed(1)} ms (median of ${m.times.length})${m.note ? `; ${m.note}` : ''}`);
    if (m.note) notes.push(`${e.label}, ${what}: ${m.note}.`);
  }
  return results;
}
