/**
 * micrograd's demo with tensors: a two-layer MLP learns to separate two interleaved half-moons,
 * trained with plain full-batch gradient descent. Everything is explicit: the forward pass, the
 * loss, zeroing the gradients, backward, and the update w ← w − lr·∂L/∂w.
 *
 *   npm run example mlp
 */

import { Generator, type Tensor, noGrad, randn, tensor } from 'descent';

/** Two interleaved half circles with a little noise (scikit-learn's make_moons). */
export function makeMoons(n: number, noise: number, generator: Generator): { x: Tensor; y: Tensor } {
  const points: number[][] = [], labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const upper = i % 2 === 0;
    const t = Math.PI * generator.random();
    const px = upper ? Math.cos(t) : 1 - Math.cos(t);
    const py = upper ? Math.sin(t) : 0.5 - Math.sin(t);
    points.push([px + noise * generator.normal(), py + noise * generator.normal()]);
    labels.push(upper ? 1 : 0);
  }
  return { x: tensor(points), y: tensor(labels).reshape(-1, 1) };
}

export function main({ steps = 500, lr = 1, log = console.log } = {}): { loss: number; accuracy: number } {
  const generator = new Generator(1337);
  const { x, y } = makeMoons(200, 0.1, generator);

  // 2 → 16 → 1 with tanh; weights scaled by 1/√fan_in so tanh starts in its linear range.
  const w1 = randn([2, 16], { generator }).mul(1 / Math.sqrt(2)).requiresGrad_();
  const b1 = randn([16], { generator }).mul(0.1).requiresGrad_();
  const w2 = randn([16, 1], { generator }).mul(1 / 4).requiresGrad_();
  const b2 = randn([1], { generator }).mul(0.1).requiresGrad_();
  const params = [w1, b1, w2, b2];

  let loss = Infinity, accuracy = 0;
  for (let step = 0; step < steps; step++) {
    // Forward: logits, then binary cross-entropy computed stably as softplus(z) − y·z.
    const z = x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
    const bce = z.relu().add(z.abs().neg().exp().add(1).log()).sub(y.mul(z)).mean();

    for (const p of params) p.grad = null;
    bce.backward();
    noGrad(() => {
      for (const p of params) p.sub_(p.grad!.mul(lr));
    });

    loss = bce.item();
    accuracy = z.gt(0).eq(y.bool()).float().mean().item();
    if (step % 50 === 0 || step === steps - 1) log(`step ${String(step).padStart(3)}  loss ${loss.toFixed(4)}  accuracy ${(accuracy * 100).toFixed(1)}%`);
  }
  return { loss, accuracy };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
