/**
 * Seed 001's network: 2 inputs, 3 sigmoid hidden units, 1 sigmoid output, trained with the MSE loss,
 * here on XOR, the smallest problem a network without a hidden layer cannot solve. It also prints
 * the gradient of the loss for W₁ that autograd computes next to the chain rule written out by hand
 * (∂L/∂W₁ = [(2(y − t)/N · σ'(z₂)) W₂ ⊙ σ'(z₁)]ᵀ x), which is the backpropagation demo the notes ask for.
 *
 *   npm run example sigmoid-network
 */

import { Generator, nn, optim, tensor } from 'descent';

class Net extends nn.Module {
  fc1: nn.Linear;
  fc2: nn.Linear;
  constructor(generator: Generator) {
    super();
    this.fc1 = new nn.Linear(2, 3, { generator });
    this.fc2 = new nn.Linear(3, 1, { generator });
  }
  forward(x: ReturnType<typeof tensor>) {
    return this.fc2.forward(this.fc1.forward(x).sigmoid()).sigmoid();
  }
}

export function main({ steps = 4000, log = console.log } = {}): { loss: number; predictions: number[]; gradGap: number } {
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const t = tensor([[0], [1], [1], [0]]);
  const model = new Net(new Generator(3));

  // Backpropagation by hand for W₁, compared with autograd, before training.
  const z1 = model.fc1.forward(x), h = z1.sigmoid(), z2 = model.fc2.forward(h), y = z2.sigmoid();
  nn.mseLoss(y, t).backward();
  const dz2 = y.sub(t).mul(2 / 4).mul(y.mul(y.neg().add(1)));                 // ∂L/∂z₂
  const dz1 = dz2.matmul(model.fc2.weight).mul(h.mul(h.neg().add(1)));        // ∂L/∂z₁
  const byHand = dz1.mT.matmul(x);                                             // ∂L/∂W₁
  const gradGap = byHand.sub(model.fc1.weight.grad!).abs().max().item();
  log(`∂L/∂W₁ by the chain rule vs autograd: largest difference ${gradGap.toExponential(2)}`);

  const optimizer = new optim.SGD(model.parameters(), { lr: 2 });
  let loss = NaN;
  for (let step = 0; step < steps; step++) {
    const l = nn.mseLoss(model.forward(x), t);
    optimizer.zeroGrad();
    l.backward();
    optimizer.step();
    loss = l.item();
    if (step % 1000 === 0) log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}`);
  }
  const predictions = Array.from(model.forward(x).dataSync());
  log(`XOR after ${steps} steps: ${predictions.map((p) => p.toFixed(3)).join(', ')} (targets 0, 1, 1, 0; loss ${loss.toFixed(4)})`);
  return { loss, predictions, gradGap };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
