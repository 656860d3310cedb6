/**
 * Seed 000's worked example: fit y = 2x + 1 from noisy samples with one nn.Linear(1, 1), the MSE loss
 * and SGD. The noise is why the fit recovers w ≈ 2 and b ≈ 1 rather than exactly: the model finds the
 * pattern under the noise. The loop is the one every example here uses: forward, loss, zeroGrad,
 * backward, step.
 *
 *   npm run example linear-regression
 */

import { Generator, nn, optim, rand, randn } from 'descent';

export function main({ steps = 2000, log = console.log } = {}): { w: number; b: number; loss: number } {
  const generator = new Generator(0);
  const x = rand([100, 1], { generator }).mul(10);                   // x in [0, 10)
  const y = x.mul(2).add(1).add(randn([100, 1], { generator }));      // y = 2x + 1 + N(0, 1) noise

  const model = new nn.Linear(1, 1, { generator });
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
  let loss = NaN;
  for (let step = 0; step < steps; step++) {
    const l = nn.mseLoss(model.forward(x), y);   // forward pass and loss
    optimizer.zeroGrad();                        // clear the old gradients
    l.backward();                                // dL/dw and dL/db
    optimizer.step();                            // w ← w − lr·dL/dw
    loss = l.item();
    if (step % 400 === 0) log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}`);
  }
  const w = model.weight.item(), b = model.bias!.item();
  log(`fit: y = ${w.toFixed(3)}x + ${b.toFixed(3)}   (true line: y = 2x + 1; final MSE ${loss.toFixed(3)}, the noise variance is 1)`);
  return { w, b, loss };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
