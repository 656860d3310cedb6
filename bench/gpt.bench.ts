/**
 * One training step of nanoGPT's CPU model (4 layers, 4 heads, 128 wide, context 64, batch 12,
 * 65-token vocabulary, no dropout, no bias): forward with loss, backward, gradient clipping at 1
 * and AdamW, as nanoGPT's train.py does it. ms per step and tokens per second.
 */

import { GPT, Generator, nn, randint } from '../src/index.js';
import { type Engine, type GptWorkload, type Runnable, type SuiteOptions, attemptAll, footnotes, longTable } from './harness.js';

export function descentGpt(w: GptWorkload): Runnable {
  const generator = new Generator(0);
  const model = new GPT({
    blockSize: w.blockSize, vocabSize: w.vocabSize, nLayer: w.nLayer, nHead: w.nHead, nEmbd: w.nEmbd, dropout: 0, bias: false,
  }, { generator });
  const opt = model.configureOptimizers({ weightDecay: w.weightDecay, lr: w.lr, betas: w.betas });
  const x = randint(0, w.vocabSize, [w.batch, w.blockSize], { generator });
  const y = randint(0, w.vocabSize, [w.batch, w.blockSize], { generator });
  return {
    run() {
      const { loss } = model.forward(x, y);
      loss!.backward();
      nn.clipGradNorm_(model.parameters(), w.gradClip);
      opt.step();
      opt.zeroGrad();
    },
  };
}

export async function runGpt(engines: Engine[], w: GptWorkload, o: SuiteOptions): Promise<string> {
  const notes: string[] = [];
  const figures = await attemptAll(engines, w, o, 'gpt step', notes);
  const ms = figures.map((m) => ('na' in m ? m : { value: m.seconds * 1e3 }));
  const tokens = figures.map((m) => ('na' in m ? m : { value: (w.batch * w.blockSize) / m.seconds }));
  return [
    `## GPT training step (nanoGPT on a CPU), ms (lower is better)`,
    '',
    `${w.nLayer} layers, ${w.nHead} heads, ${w.nEmbd} wide, context ${w.blockSize}, batch ${w.batch}, vocabulary ${w.vocabSize}, ` +
      `no dropout, no bias, tied embeddings, tanh GELU; AdamW (lr ${w.lr}, betas ${w.betas.join(', ')}, weight decay ${w.weightDecay} on matrices), ` +
      `gradients clipped at ${w.gradClip}.`,
    '',
    longTable(engines, [{ name: 'ms/step', higherIsBetter: false }, { name: 'tokens/s', higherIsBetter: true }], [ms, tokens]),
    ...footnotes(notes),
  ].join('\n');
}
