/**
 * Seeds 003 and 004: batch gradient descent, stochastic gradient descent and mini-batch SGD are one
 * loop with batch sizes N, 1 and m. On the same regression data and the same budget of samples
 * seen, it prints each one's loss and number of updates, and plots the loss against samples seen.
 * Batch GD takes few, exact steps; SGD many noisy ones; mini-batches sit between, and are what
 * hardware runs well.
 *
 *   npm run example descent-variants     (writes docs/images/descent-variants.svg)
 */

import { Generator, data, nn, noGrad, optim, plot, randn } from 'descent';

export async function main({ epochs = 10, out = 'docs/images/descent-variants.svg', log = console.log } = {}) {
  const generator = new Generator(4);
  const N = 512;
  const x = randn([N, 5], { generator });
  const trueW = randn([5, 1], { generator });
  const y = x.matmul(trueW).add(3).add(randn([N, 1], { generator }).mul(0.1));
  const dataset = new data.TensorDataset(x, y);

  const variants = [
    { name: 'batch GD (batch 512)', batchSize: N, lr: 0.1 },
    { name: 'mini-batch SGD (batch 32)', batchSize: 32, lr: 0.1 },
    { name: 'SGD (batch 1)', batchSize: 1, lr: 0.01 },
  ];
  const series: plot.Series[] = [];
  const results = [];
  for (const v of variants) {
    const model = new nn.Linear(5, 1, { generator: new Generator(0) });
    const optimizer = new optim.SGD(model.parameters(), { lr: v.lr });
    const loader = new data.DataLoader(dataset, { batchSize: v.batchSize, shuffle: true, generator: new Generator(1) });
    const fullLoss = () => noGrad(() => nn.mseLoss(model.forward(x), y).item());
    const seen = [0], losses = [fullLoss()];
    let updates = 0, samples = 0;
    const every = Math.max(1, Math.floor(N / v.batchSize / 16));
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (const [xb, yb] of loader) {
        optimizer.zeroGrad();
        nn.mseLoss(model.forward(xb!), yb!).backward();
        optimizer.step();
        updates++;
        samples += xb!.shape[0]!;
        if (updates % every === 0) { seen.push(samples); losses.push(fullLoss()); }
      }
    }
    const final = fullLoss();
    results.push({ name: v.name, updates, loss: final });
    log(`${v.name.padEnd(26)} lr ${String(v.lr).padEnd(5)} updates ${String(updates).padStart(5)}  final MSE ${final.toFixed(5)}`);
    series.push({ name: v.name, x: seen, y: losses });
  }
  if (out) {
    plot.savePlot(out, await plot.lineChart(series, { title: 'Same data, same samples seen', xLabel: 'samples seen', yLabel: 'MSE on all data', logY: true }));
    log(`plot: ${out}`);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
