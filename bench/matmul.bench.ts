/**
 * float32 matmul throughput, GFLOP/s (2·n³ per call): square A·B from 128 to 2048, and the A·Bᵀ and
 * Aᵀ·B forms that backward runs (dX = dY·Wᵀ, dW = Xᵀ·dY) at 512 and 1024. Transposed operands are
 * views, as autograd hands them over, not copies.
 */

import { type Tensor, matmul, randn } from '../src/index.js';
import { type Engine, type Form, type MatmulWorkload, type Runnable, type SuiteOptions, attemptAll, footnotes, wideTable } from './harness.js';

export function matmulWorkloads(quick: boolean): MatmulWorkload[] {
  const square = quick ? [128, 256] : [128, 256, 512, 1024, 2048];
  const transposed = quick ? [256] : [512, 1024];
  const forms: Form[] = ['A·Bᵀ', 'Aᵀ·B'];
  return [
    ...square.map((n) => ({ kind: 'matmul' as const, n, form: 'A·B' as const })),
    ...transposed.flatMap((n) => forms.map((form) => ({ kind: 'matmul' as const, n, form }))),
  ];
}

/** Operands as a user holds them: op(A)·op(B) with op a transposed view where the form says so. */
export function descentMatmul(w: MatmulWorkload): Runnable {
  const a = randn([w.n, w.n]), b = randn([w.n, w.n]);
  const lhs: Tensor = w.form === 'Aᵀ·B' ? a.mT : a, rhs: Tensor = w.form === 'A·Bᵀ' ? b.mT : b;
  return {
    run: () => matmul(lhs, rhs).dispose(),
    dispose: () => { a.dispose(); b.dispose(); },
  };
}

const gflops = (n: number, seconds: number): number => (2 * n ** 3) / seconds / 1e9;

/** Measures every workload on every engine, engines interleaved per row so drifting load hits all alike. */
export async function runMatmul(engines: Engine[], workloads: MatmulWorkload[], o: SuiteOptions): Promise<string> {
  // The square figure per engine and size, to skip sizes that would take too long (the reference backend at 2048).
  const secondsAt = engines.map(() => new Map<number, number>());
  const rows = [], notes: string[] = [];
  for (const w of workloads) {
    const what = `matmul ${w.n} ${w.form}`;
    const tooSlow = (i: number): string | null => {
      const known = [...secondsAt[i]!].filter(([n]) => n <= w.n).sort((x, y) => y[0] - x[0])[0];
      const estimate = known ? known[1] * (w.n / known[0]) ** 3 : 0;
      return estimate > 2 * o.timing.maxCallSeconds ? `skipped: ~${estimate.toFixed(0)} s per call` : null;
    };
    const cells = (await attemptAll(engines, w, o, what, notes, tooSlow)).map((m, i) => {
      if ('na' in m) return m;
      secondsAt[i]!.set(w.n, m.seconds);
      return { value: gflops(w.n, m.seconds) };
    });
    rows.push({ label: [String(w.n), w.form], cells });
  }
  return [
    '## fp32 matmul, GFLOP/s (higher is better)',
    '',
    'n×n operands; Aᵀ and Bᵀ are transposed views (strided), as backward passes them.',
    '',
    wideTable(engines, rows, ['n', 'form'], { name: 'GFLOP/s', higherIsBetter: true }),
    ...footnotes(notes),
  ].join('\n');
}
