/**
 * One training step of a 784-256-256-10 ReLU MLP on a batch of 128: forward, cross-entropy,
 * backward and AdamW, in ms per step. The batch is fixed: data loading is not what is measured.
 */

import { Generator, nn, optim, randint, randn } from '../src/index.js';
import { type Engine, type MlpWorkload, type Runnable, type SuiteOptions, attemptAll, footnotes, longTable } from './harness.js';

export function descentMlp(w: MlpWorkload): Runnable {
  const generator = new Generator(0);
  const layers: (nn.Linear | nn.ReLU)[] = [];
  for (let i = 1; i < w.sizes.length; i++) {
    if (i > 1) layers.push(new nn.ReLU());
    layers.push(new nn.Linear(w.sizes[i - 1]!, w.sizes[i]!, { generator }));
  }
  const model = new nn.Sequential(...layers);
  const opt = new optim.AdamW(model.parameters(), { lr: w.lr, weightDecay: w.weightDecay });
  const x = randn([w.batch, w.sizes[0]!], { generator });
  const y = randint(0, w.sizes.at(-1)!, [w.batch], { generator });
  return {
    run() {
      const loss = nn.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
    },
  };
}

export async function runMlp(engines: Engine[], w: MlpWorkload, o: SuiteOptions): Promise<string> {
  const notes: string[] = [];
  const ms = (await attemptAll(engines, w, o, 'mlp step', notes)).map((m) => ('na' in m ? m : { value: m.seconds * 1e3 }));
  return [
    `## MLP training step, ms (lower is better)`,
    '',
    `${w.sizes.join('-')} ReLU MLP, batch ${w.batch}, cross-entropy, AdamW (lr ${w.lr}, weight decay ${w.weightDecay}); forward, backward and update.`,
    '',
    longTable(engines, [{ name: 'ms/step', higherIsBetter: false }], [ms]),
    ...footnotes(notes),
  ].join('\n');
}
