/** toString the way PyTorch prints: aligned columns, 4 decimals or scientific, "..." past 1000 elements. */

import type { Tensor } from './tensor.js';

const EDGE = 3;
const THRESHOLD = 1000;

function formatter(values: number[], dtype: string): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (dtype === 'int32') return (v) => String(v);
  const finite = values.filter((v) => Number.isFinite(v));
  const special = (v: number): string | null => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : null);
  if (finite.every((v) => Number.isInteger(v))) {
    const big = finite.some((v) => Math.abs(v) >= 1e8);
    return (v) => special(v) ?? (big ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : `${v.toFixed(0)}.`);
  }
  const nonzero = finite.filter((v) => v !== 0).map(Math.abs);
  const max = Math.max(...nonzero), min = Math.min(...nonzero);
  const sci = nonzero.length > 0 && (max / min > 1000 || max >= 1e8 || min < 1e-4);
  return (v) => special(v) ?? (sci ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : v.toFixed(4));
}

export function formatTensor(t: Tensor): string {
  const data = Array.from(t.dataSync());
  const summarize = t.size > THRESHOLD;
  const shown = summarize ? collectEdges(data, t.shape) : data;
  const fmt = formatter(shown, t.dtype);
  const width = Math.max(0, ...shown.map((v) => fmt(v).length));
  const cell = (v: number): string => fmt(v).padStart(width);
  const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));

  const render = (d: number, base: number, indent: string): string => {
    if (d === t.ndim) return cell(data[base]!);
    const n = t.shape[d]!;
    const idx = summarize && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n);
    const parts = idx.map((i) => (i < 0 ? '...' : render(d + 1, base + i * strides[d]!, `${indent} `)));
    const sep = d === t.ndim - 1 ? ', ' : `,${'\n'.repeat(t.ndim - 1 - d)}${indent} `;
    return `[${parts.join(sep)}]`;
  };

  let body = t.ndim === 0 ? cell(data[0]!) : render(0, 0, ' '.repeat('tensor('.length));
  if (t.size === 0) body = `[], size=(${t.shape.join(', ')}${t.ndim === 1 ? ',' : ''})`;
  const extras: string[] = [];
  if (t.dtype !== 'float32' && t.dtype !== 'bool') extras.push(`dtype=${t.dtype}`);
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.name[0]!.toUpperCase()}${t.gradFn.name.slice(1)}Backward>`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${[body, ...extras].join(', ')})`;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

/** The values a summarised print shows, so the format is chosen from them alone. */
function collectEdges(data: number[], shape: readonly number[]): number[] {
  const out: number[] = [];
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const visit = (d: number, base: number): void => {
    if (d === shape.length) { out.push(data[base]!); return; }
    const n = shape[d]!;
    const idx = n > 2 * EDGE ? [...range(0, EDGE), ...range(n - EDGE, n)] : range(0, n);
    for (const i of idx) visit(d + 1, base + i * strides[d]!);
  };
  visit(0, 0);
  return out;
}
