/** toString the way PyTorch prints: aligned columns, 4 decimals or scientific, "..." past 1000 elements. */

import type { Tensor } from './tensor.js';

const EDGE = 3;
const THRESHOLD = 1000;
const LINEWIDTH = 80;

function formatter(values: number[], dtype: string): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (dtype === 'int32') return (v) => String(v);
  const finite = values.filter((v) => Number.isFinite(v));
  const special = (v: number): string | null => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : null);
  const nonzero = finite.filter((v) => v !== 0).map(Math.abs);
  const max = nonzero.reduce((a, b) => Math.max(a, b), 0), min = nonzero.reduce((a, b) => Math.min(a, b), Infinity);
  if (finite.every((v) => Number.isInteger(v))) {
    // As PyTorch: integer values switch to scientific when their range is wide too.
    const big = nonzero.length > 0 && (max / min > 1000 || max > 1e8);
    return (v) => special(v) ?? (big ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : `${v.toFixed(0)}.`);
  }
  const sci = nonzero.length > 0 && (max / min > 1000 || max > 1e8 || min < 1e-4);
  return (v) => special(v) ?? (sci ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : v.toFixed(4));
}

export function formatTensor(t: Tensor): string {
  const data = Array.from(t.dataSync());
  const summarize = t.size > THRESHOLD;
  const shown = summarize ? collectEdges(data, t.shape) : data;
  const fmt = formatter(shown, t.dtype);
  // PyTorch sizes float columns by the finite values alone: nan and inf do not widen them.
  const sized = t.dtype === 'float32' || t.dtype === 'float64' ? shown.filter((v) => Number.isFinite(v)) : shown;
  const width = sized.reduce((w, v) => Math.max(w, fmt(v).length), 1);
  const cell = (v: number): string => fmt(v).padStart(width);
  const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));

  const render = (d: number, base: number, indent: string): string => {
    if (d === t.ndim) return cell(data[base]!);
    const n = t.shape[d]!;
    const idx = summarize && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n);
    if (d === t.ndim - 1) {
      // A row wraps at 80 columns, and its "..." gets a leading space, both as in PyTorch.
      const cells = idx.map((i) => (i < 0 ? ' ...' : cell(data[base + i * strides[d]!]!)));
      const perLine = Math.max(1, Math.floor((LINEWIDTH - indent.length) / (width + 2)));
      const lines: string[] = [];
      for (let k = 0; k < cells.length; k += perLine) lines.push(cells.slice(k, k + perLine).join(', '));
      return `[${lines.join(`,\n${indent} `)}]`;
    }
    const parts = idx.map((i) => (i < 0 ? '...' : render(d + 1, base + i * strides[d]!, `${indent} `)));
    return `[${parts.join(`,${'\n'.repeat(t.ndim - 1 - d)}${indent} `)}]`;
  };

  let body = t.ndim === 0 ? cell(data[0]!) : render(0, 0, ' '.repeat('tensor('.length));
  // An empty tensor shows its size unless it is 1-D, and its dtype whenever not float32 (PyTorch).
  if (t.size === 0) body = t.ndim === 1 ? '[]' : `[], size=(${t.shape.join(', ')})`;
  const extras: string[] = [];
  if (t.dtype !== 'float32' && (t.dtype !== 'bool' || t.size === 0)) extras.push(`dtype=${t.dtype}`);
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.name[0]!.toUpperCase()}${t.gradFn.name.slice(1)}Backward>`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  // Suffixes that would run past 80 columns go on a line of their own, as in PyTorch's _add_suffixes.
  let out = `tensor(${body}`;
  let lastLine = out.length - out.lastIndexOf('\n') + 1;
  for (const extra of extras) {
    if (lastLine + extra.length + 2 > LINEWIDTH) {
      out += `,\n${' '.repeat('tensor('.length)}${extra}`;
      lastLine = 'tensor('.length + extra.length;
    } else {
      out += `, ${extra}`;
      lastLine += extra.length + 2;
    }
  }
  return `${out})`;
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
