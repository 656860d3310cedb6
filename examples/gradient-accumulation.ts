/**
 * Large global batches on small memory (seed 004's LLM practice): gradients add up across backward
 * calls, so k micro-batches of m samples, each loss divided by k, give exactly the gradient of one
 * batch of k·m. The example checks that equality, then trains with it the way LLMs are trained:
 * AdamW, gradient clipping at a global norm, linear warmup then cosine decay.
 *
 *   npm run example gradient-accumulation
 */

import { Generator, data, nn, noGrad, optim, randn } from 'descent';

export function main({ log = console.log } = {}): { maxGradDiff: number; finalLoss: number } {
  const generator = new Generator(5);
  const x = randn([512, 8], { generator, dtype: 'float64' });
  const y = x.matmul(randn([8, 1], { generator, dtype: 'float64' })).tanh();
  const model = new nn.Sequential(new nn.Linear(8, 32, { generator, dtype: 'float64' }), new nn.GELU(), new nn.Linear(32, 1, { generator, dtype: 'float64' }));

  // One batch of 32 versus 4 accumulated micro-batches of 8.
  const xb = x.narrow(0, 0, 32), yb = y.narrow(0, 0, 32);
  model.zeroGrad();
  nn.mseLoss(model.forward(xb), yb).backward();
  const whole = model.parameters().map((p) => p.grad!.clone());
  model.zeroGrad();
  const k = 4;
  const xs = xb.chunk(k), ys = yb.chunk(k);
  for (let i = 0; i < k; i++) nn.mseLoss(model.forward(xs[i]!), ys[i]!).div(k).backward();   // .grad accumulates
  const maxGradDiff = Math.max(...model.parameters().map((p, i) => p.grad!.sub(whole[i]!).abs().max().item()));
  log(`gradient of one batch of 32 vs 4 accumulated micro-batches of 8: largest difference ${maxGradDiff.toExponential(2)}`);

  // Training: global batch 64 = 4 micro-batches of 16, AdamW, clipping at norm 1, warmup then cosine.
  const steps = 150, warmup = 15, accumulation = 4;
  const optimizer = new optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.01 });
  const scheduler = new optim.lrScheduler.SequentialLR(optimizer, {
    schedulers: [
      new optim.lrScheduler.LinearLR(optimizer, { startFactor: 0.01, endFactor: 1, totalIters: warmup }),
      new optim.lrScheduler.CosineAnnealingLR(optimizer, { tMax: steps - warmup, etaMin: 1e-4 }),
    ],
    milestones: [warmup],
  });
  const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 16, shuffle: true, generator });
  let batches = loader[Symbol.iterator]();
  const next = () => {
    let r = batches.next();
    if (r.done) { batches = loader[Symbol.iterator](); r = batches.next(); }
    return r.value!;
  };
  let finalLoss = NaN;
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    for (let micro = 0; micro < accumulation; micro++) {
      const [xm, ym] = next();
      nn.mseLoss(model.forward(xm), ym).div(accumulation).backward();
    }
    const norm = nn.clipGradNorm_(model.parameters(), 1.0).item();
    optimizer.step();
    scheduler.step();
    if (step % 30 === 0 || step === steps - 1) {
      finalLoss = noGrad(() => nn.mseLoss(model.forward(x), y).item());
      log(`step ${String(step).padStart(3)}  lr ${scheduler.getLastLr()[0]!.toExponential(2)}  grad norm ${norm.toFixed(3)}  loss ${finalLoss.toExponential(3)}`);
    }
  }
  return { maxGradDiff, finalLoss };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
