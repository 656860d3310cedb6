/**
 * Charts as standalone SVG files, drawn with Vega-Lite (no browser, no native code): loss curves and
 * optimizer trajectories over a loss surface. An SVG opens in any browser and renders on GitHub.
 */

import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Log scale on the y axis (losses spanning decades). */
  logY?: boolean;
  width?: number;
  height?: number;
}

/** Vega is loaded on first use: it is large, and most programs that import descent never plot. */
async function render(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** One line per series, sharing axes. */
export function lineChart(series: readonly Series[], opts: LineChartOptions = {}): Promise<string> {
  const values = series.flatMap((s) => s.x.map((x, i) => ({ series: s.name, x, y: s.y[i]! })))
    .filter((v) => Number.isFinite(v.y) && (!opts.logY || v.y > 0));
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: opts.width ?? 560,
    height: opts.height ?? 320,
    background: 'white',
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xLabel ?? 'step' },
      y: { field: 'y', type: 'quantitative', title: opts.yLabel ?? 'loss', scale: opts.logY ? { type: 'log' } : { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, sort: series.map((s) => s.name), legend: { labelLimit: 400 } },
    },
  });
}

export interface Surface {
  /** The function drawn as the background. */
  f: (x: number, y: number) => number;
  x: [number, number];
  y: [number, number];
  /** Cells per axis. */
  resolution?: number;
}

export interface Path {
  name: string;
  points: readonly (readonly [number, number])[];
}

/** Paths of 2-D parameters drawn over a heat map of log(1 + f) on the given window. */
export function trajectoryChart(surface: Surface, paths: readonly Path[], opts: { title?: string; size?: number } = {}): Promise<string> {
  const n = surface.resolution ?? 60;
  const [x0, x1] = surface.x, [y0, y1] = surface.y;
  const dx = (x1 - x0) / n, dy = (y1 - y0) / n;
  const cells = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const cx = x0 + (i + 0.5) * dx, cy = y0 + (j + 0.5) * dy;
      const v = surface.f(cx, cy);
      cells.push({ x: x0 + i * dx, x2: x0 + (i + 1) * dx, y: y0 + j * dy, y2: y0 + (j + 1) * dy, level: Math.sign(v) * Math.log1p(Math.abs(v)) });
    }
  }
  const inside = (p: readonly [number, number]) => p[0] >= x0 && p[0] <= x1 && p[1] >= y0 && p[1] <= y1;
  const points = paths.flatMap((p) => p.points.filter(inside).map(([x, y], order) => ({ name: p.name, x, y, order })));
  const size = opts.size ?? 480;
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: size,
    height: size,
    background: 'white',
    layer: [
      {
        data: { values: cells },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: { domain: [x0, x1], nice: false }, title: 'x' },
          x2: { field: 'x2' },
          y: { field: 'y', type: 'quantitative', scale: { domain: [y0, y1], nice: false }, title: 'y' },
          y2: { field: 'y2' },
          color: { field: 'level', type: 'quantitative', scale: { scheme: 'greys' }, legend: null },
        },
      },
      {
        data: { values: points },
        mark: { type: 'line', strokeWidth: 1.6, point: { size: 8 } },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          order: { field: 'order' },
          color: { field: 'name', type: 'nominal', title: null, sort: paths.map((p) => p.name), scale: { scheme: 'category10' }, legend: { labelLimit: 400 } },
        },
      },
    ],
  });
}

/** Writes an SVG chart to `path` atomically. */
export function savePlot(path: string, svg: string): void {
  writeFileAtomic(path, svg);
}
