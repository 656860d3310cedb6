/**
 * Seed 002's network: 10 inputs, 5 ReLU hidden units, 1 output, MSE loss, SGD with lr 0.01, trained
 * in mini-batches from a DataLoader, as in the notes' PyTorch loop. The data come from a fixed
 * random "teacher" network plus noise, so the best achievable loss is the noise variance (0.01).
 *
 *   npm run example relu-network
 */

import { Generator, data, nn, noGrad, optim, randn } from 'descent';

export function main({ epochs = 100, log = console.log } = {}): { trainLoss: number; testLoss: number } {
  const generator = new Generator(2);
  const teacher = new nn.Sequential(new nn.Linear(10, 5, { generator }), new nn.ReLU(), new nn.Linear(5, 1, { generator }));
  const makeSet = (n: number) => {
    const x = randn([n, 10], { generator });
    const y = noGrad(() => teacher.forward(x).add(randn([n, 1], { generator }).mul(0.1)));
    return new data.TensorDataset(x, y);
  };
  const train = makeSet(1000), test = makeSet(200);

  const model = new nn.Sequential(new nn.Linear(10, 5, { generator }), new nn.ReLU(), new nn.Linear(5, 1, { generator }));
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
  const loader = new data.DataLoader(train, { batchSize: 16, shuffle: true, generator });
  const evaluate = (set: data.TensorDataset) => noGrad(() => nn.mseLoss(model.forward(set.tensors[0]!), set.tensors[1]!).item());

  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const [inputs, labels] of loader) {
      optimizer.zeroGrad();                                   // gradients to zero
      const loss = nn.mseLoss(model.forward(inputs!), labels!); // forward pass and loss
      loss.backward();                                        // backward pass
      optimizer.step();                                       // update
    }
    if (epoch % 20 === 0 || epoch === epochs - 1) log(`epoch ${String(epoch).padStart(3)}  train MSE ${evaluate(train).toFixed(4)}  test MSE ${evaluate(test).toFixed(4)}`);
  }
  return { trainLoss: evaluate(train), testLoss: evaluate(test) };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
