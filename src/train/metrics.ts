/**
 * The metrics log: one JSON object a line (metrics.jsonl), appended as training runs, and the
 * loss-curve plot drawn from it, at the end of a run or on demand (`descent plot`).
 */

import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChart, savePlot } from '../plot/plot.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface IterRecord { type: 'iter'; iter: number; loss: number; lr: number; ms: number }
export interface EvalRecord { type: 'eval'; iter: number; train: number; val: number; final?: boolean }
export type MetricsRecord = IterRecord | EvalRecord;

export class MetricsLog {
  constructor(readonly path: string) {}

  reset(): void {
    writeFileSync(this.path, '');
  }

  write(record: MetricsRecord): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }

  /** Drops records from `iter` on, so a resumed run does not log those iterations twice. */
  truncate(iter: number): void {
    const kept = existsSync(this.path) ? readMetrics(this.path).filter((r) => r.iter < iter) : [];
    writeFileAtomic(this.path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
}

export function readMetrics(path: string): MetricsRecord[] {
  if (!existsSync(path)) throw new Error(`no metrics log at ${path}: train a model first (descent train)`);
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((line, i) => {
    try {
      return JSON.parse(line) as MetricsRecord;
    } catch {
      throw new Error(`${path}, line ${i + 1}: not valid JSON`);
    }
  });
}

/** Draws the train loss per logged iteration and the periodic train/val estimates into outDir/loss.svg. */
export async function plotMetrics(outDir: string, out = join(outDir, 'loss.svg')): Promise<string> {
  const records = readMetrics(join(outDir, 'metrics.jsonl'));
  const iters = records.filter((r): r is IterRecord => r.type === 'iter');
  const evals = records.filter((r): r is EvalRecord => r.type === 'eval');
  const svg = await lineChart([
    { name: 'train (batch)', x: iters.map((r) => r.iter), y: iters.map((r) => r.loss) },
    { name: 'train (estimate)', x: evals.map((r) => r.iter), y: evals.map((r) => r.train) },
    { name: 'val (estimate)', x: evals.map((r) => r.iter), y: evals.map((r) => r.val) },
  ], { title: 'GPT training', xLabel: 'iteration', yLabel: 'cross-entropy loss (nats)' });
  savePlot(out, svg);
  return out;
}
