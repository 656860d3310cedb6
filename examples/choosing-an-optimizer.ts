/**
 * The notes' open TODO, "how to choose an optimizer", answered by measurement. Eight optimizers
 * (SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam, AdamW, Lion) each get the best learning rate of
 * one grid on three problems:
 *   - a ravine: Rosenbrock's function (1 − x)² + 100(y − x²)², from (−1.2, 1);
 *   - a saddle: x² + y⁴/4 − y²/2, starting just off the saddle point at the origin;
 *   - a small real task: the two-moons classifier of examples/mlp.ts (2-16-1 tanh, cross-entropy).
 * For each it reports the steps needed to reach a tolerance and the final loss, and it draws the
 * trajectories over the loss surfaces.
 *
 *   npm run example choosing-an-optimizer     (writes docs/images/optimizers-*.svg)
 */

import { Generator, type Tensor, nn, optim, plot, tensor } from 'descent';
import { makeMoons } from './mlp.js';

type Make = (params: Tensor[], lr: number) => optim.Optimizer<{ lr: number }>;

const optimizers: [string, Make][] = [
  ['SGD', (p, lr) => new optim.SGD(p, { lr })],
  ['Momentum', (p, lr) => new optim.SGD(p, { lr, momentum: 0.9 })],
  ['Nesterov', (p, lr) => new optim.SGD(p, { lr, momentum: 0.9, nesterov: true })],
  ['AdaGrad', (p, lr) => new optim.Adagrad(p, { lr })],
  ['RMSProp', (p, lr) => new optim.RMSprop(p, { lr })],
  ['Adam', (p, lr) => new optim.Adam(p, { lr })],
  ['AdamW', (p, lr) => new optim.AdamW(p, { lr, weightDecay: 0.01 })],
  ['Lion', (p, lr) => new optim.Lion(p, { lr })],
];

interface Problem {
  name: string;
  slug: string;
  /** Fresh parameters and a loss over them. */
  setup: () => { params: Tensor[]; loss: () => Tensor };
  /** Reached when loss − optimum ≤ tol. */
  optimum: number;
  tol: number;
  steps: number;
  surface?: plot.Surface;
}

const point = (x: number, y: number) => tensor([x, y], { dtype: 'float64', requiresGrad: true });

const problems: Problem[] = [
  {
    name: 'Rosenbrock ravine',
    slug: 'rosenbrock',
    setup: () => {
      const p = point(-1.2, 1);
      return { params: [p], loss: () => { const [x, y] = [p.select(0, 0), p.select(0, 1)]; return x.neg().add(1).square().add(y.sub(x.square()).square().mul(100)); } };
    },
    optimum: 0, tol: 1e-3, steps: 3000,
    surface: { f: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2, x: [-2, 2], y: [-1, 3] },
  },
  {
    name: 'saddle',
    slug: 'saddle',
    setup: () => {
      const p = point(1, 1e-3);
      return { params: [p], loss: () => { const [x, y] = [p.select(0, 0), p.select(0, 1)]; return x.square().add(y.pow(4).div(4)).sub(y.square().div(2)); } };
    },
    optimum: -0.25, tol: 1e-3, steps: 1000,
    surface: { f: (x, y) => x * x + y ** 4 / 4 - (y * y) / 2 + 0.25, x: [-1.2, 1.2], y: [-0.4, 1.6] },
  },
  {
    name: 'two moons MLP',
    slug: 'moons',
    setup: () => {
      const generator = new Generator(1337);
      const { x, y } = makeMoons(200, 0.1, generator);
      const model = new nn.Sequential(new nn.Linear(2, 16, { generator }), new nn.Tanh(), new nn.Linear(16, 1, { generator }));
      return { params: model.parameters(), loss: () => nn.binaryCrossEntropyWithLogits(model.forward(x), y) };
    },
    optimum: 0, tol: 0.05, steps: 500,
  },
];

export interface Outcome {
  optimizer: string;
  lr: number;
  /** Steps until the loss came within the tolerance for good (null if it ended outside it). */
  stepsToTol: number | null;
  finalLoss: number;
  path: [number, number][];
  curve: number[];
}

function run(problem: Problem, make: Make, lr: number, steps: number): Omit<Outcome, 'optimizer'> {
  const { params, loss } = problem.setup();
  const opt = make(params, lr);
  const path: [number, number][] = [];
  const record = () => { if (params.length === 1) { const [x, y] = params[0]!.dataSync(); path.push([x!, y!]); } };
  record();
  // The first step after which the loss stays within tolerance: touching it once while oscillating does not count.
  let lastOutside = -1;
  const result = optim.minimize(loss, opt, {
    maxSteps: steps,
    onStep: ({ step, loss: l }) => {
      record();
      if (!(l - problem.optimum <= problem.tol)) lastOutside = step;
    },
  });
  const settled = result.loss - problem.optimum <= problem.tol && lastOutside < result.steps - 1;
  return { lr, stepsToTol: settled ? lastOutside + 1 : null, finalLoss: result.loss, path, curve: result.history.loss };
}

/** The outcome with the fewest steps to tolerance; if none reached it, the lowest final loss. */
function best(outcomes: Omit<Outcome, 'optimizer'>[]): Omit<Outcome, 'optimizer'> {
  const score = (o: Omit<Outcome, 'optimizer'>) => (o.stepsToTol ?? Infinity);
  return outcomes.reduce((a, b) => {
    if (score(a) !== score(b)) return score(a) < score(b) ? a : b;
    const fa = Number.isFinite(a.finalLoss) ? a.finalLoss : Infinity, fb = Number.isFinite(b.finalLoss) ? b.finalLoss : Infinity;
    return fa <= fb ? a : b;
  });
}

export async function main({
  lrs = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1],
  budget = 1,
  out = 'docs/images',
  log = console.log,
} = {}): Promise<Record<string, Outcome[]>> {
  const results: Record<string, Outcome[]> = {};
  for (const problem of problems) {
    const steps = Math.max(1, Math.round(problem.steps * budget));
    log(`\n${problem.name}: steps to loss within ${problem.tol} of the optimum (budget ${steps}), best lr of ${lrs.length}`);
    log(`${'optimizer'.padEnd(10)} ${'best lr'.padStart(8)} ${'steps'.padStart(6)} ${'final loss'.padStart(12)}`);
    results[problem.name] = optimizers.map(([name, make]) => {
      const b = best(lrs.map((lr) => run(problem, make, lr, steps)));
      log(`${name.padEnd(10)} ${String(b.lr).padStart(8)} ${(b.stepsToTol === null ? '—' : String(b.stepsToTol)).padStart(6)} ${b.finalLoss.toExponential(3).padStart(12)}`);
      return { optimizer: name, ...b };
    });
    if (!out) continue;
    const slug = problem.slug;
    const outcomes = results[problem.name]!;
    const svg = problem.surface
      ? await plot.trajectoryChart(problem.surface, outcomes.map((o) => ({ name: `${o.optimizer} (lr ${o.lr})`, points: o.path })), { title: problem.name })
      : await plot.lineChart(outcomes.map((o) => ({ name: `${o.optimizer} (lr ${o.lr})`, x: o.curve.map((_, i) => i), y: o.curve })), { title: problem.name, logY: true });
    plot.savePlot(`${out}/optimizers-${slug}.svg`, svg);
    log(`plot: ${out}/optimizers-${slug}.svg`);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
