/**
 * TensorFlow.js with its WASM backend (XNNPACK kernels), as a Node user gets it: tfjs-backend-wasm
 * turns threads off under Node (WASM_HAS_MULTITHREAD_SUPPORT is false there, tensorflow/tfjs#3830),
 * so it runs the single-threaded SIMD build. Its .wasm files are found with setWasmPaths. The ops
 * come from the @tensorflow/tfjs bundle: tfjs-core's own Node build registers no gradients.
 *
 * The training steps are written the way tfjs wants them: variables, variableGrads inside tidy,
 * and AdamW by hand (tf.train has Adam but not decoupled weight decay).
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';
import { type Engine, type MatmulWorkload, type MlpWorkload, type Runnable, localEngine, reason, unavailable } from '../harness.js';
import { tfjsGpt } from './tfjs-gpt.js';

export type Tf = typeof TF;

const label = 'tfjs-wasm';

export async function tfjsEngine(): Promise<Engine> {
  try {
    const tf: Tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    wasm.setWasmPaths(`${join(dirname(pkg), 'dist')}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
    await tf.ready();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = wasm.getThreadsCount();
    const version = (require('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version;
    return localEngine({
      label: `${label} ${threads}T`, descent: false, threads,
      detail: `${label}: @tensorflow/tfjs-backend-wasm ${version}, ${simd ? 'SIMD' : 'no SIMD'} build, ${threads} thread${threads > 1 ? 's' : ''}`,
      setup(w) {
        if (w.kind === 'matmul') return tfjsMatmul(tf, w);
        if (w.kind === 'mlp') return tfjsMlp(tf, w);
        return tfjsGpt(tf, w);
      },
    });
  } catch (e) {
    return unavailable(label, reason(e));
  }
}

function tfjsMatmul(tf: Tf, w: MatmulWorkload): Runnable {
  const a = tf.randomNormal([w.n, w.n]), b = tf.randomNormal([w.n, w.n]);
  return {
    run: () => tf.matMul(a, b, w.form === 'Aᵀ·B', w.form === 'A·Bᵀ').dispose(),
    dispose: () => { a.dispose(); b.dispose(); },
  };
}

/** torch.optim.AdamW's update on tfjs variables; `decay` per variable, as parameter groups give it. */
export class AdamW {
  readonly #tf: Tf;
  readonly #state: { p: TF.Variable; decay: number; m: TF.Variable; v: TF.Variable }[];
  #t = 0;

  constructor(tf: Tf, params: { p: TF.Variable; decay: number }[], readonly lr: number, readonly betas: [number, number], readonly eps = 1e-8) {
    this.#tf = tf;
    this.#state = params.map(({ p, decay }) => ({ p, decay, m: tf.variable(tf.zerosLike(p), false), v: tf.variable(tf.zerosLike(p), false) }));
  }

  /** One step from gradients keyed by variable name; call inside tf.tidy. */
  step(grads: TF.NamedTensorMap): void {
    const tf = this.#tf, [b1, b2] = this.betas;
    this.#t++;
    const stepSize = this.lr / (1 - b1 ** this.#t), bc2 = Math.sqrt(1 - b2 ** this.#t);
    for (const { p, decay, m, v } of this.#state) {
      const g = grads[p.name];
      if (!g) continue;
      m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
      v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
      const decayed = decay ? tf.mul(p, 1 - this.lr * decay) : p;
      p.assign(tf.sub(decayed, tf.div(tf.mul(m, stepSize), tf.add(tf.div(tf.sqrt(v), bc2), this.eps))));
    }
  }

  dispose(): void {
    for (const s of this.#state) { s.m.dispose(); s.v.dispose(); }
  }
}

/** Kaiming-uniform weights (in, out) and uniform biases, as torch.nn.Linear initialises them. */
export function linearParams(tf: Tf, nIn: number, nOut: number, name: string): { w: TF.Variable; b: TF.Variable } {
  const bound = 1 / Math.sqrt(nIn);
  return {
    w: tf.variable(tf.randomUniform([nIn, nOut], -bound, bound), true, `${name}.weight`),
    b: tf.variable(tf.randomUniform([nOut], -bound, bound), true, `${name}.bias`),
  };
}

/** Mean cross-entropy of logits (N, C) against one-hot targets (N, C). */
export function crossEntropy(tf: Tf, logits: TF.Tensor, oneHot: TF.Tensor): TF.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), -1))) as TF.Scalar;
}

let instance = 0;

function tfjsMlp(tf: Tf, w: MlpWorkload): Runnable {
  const id = `mlp${instance++}`;
  const layers = w.sizes.slice(1).map((n, i) => linearParams(tf, w.sizes[i]!, n, `${id}.${i}`));
  const vars = layers.flatMap((l) => [l.w, l.b]);
  const opt = new AdamW(tf, vars.map((p) => ({ p, decay: w.weightDecay })), w.lr, [0.9, 0.999]);
  const x = tf.randomNormal([w.batch, w.sizes[0]!]);
  const labels = tf.tensor1d(Array.from({ length: w.batch }, () => Math.floor(Math.random() * w.sizes.at(-1)!)), 'int32');
  const y = tf.oneHot(labels, w.sizes.at(-1)!);
  const forward = (): TF.Scalar => {
    let h: TF.Tensor = x;
    layers.forEach((l, i) => {
      h = tf.add(tf.matMul(h, l.w), l.b);
      if (i < layers.length - 1) h = tf.relu(h);
    });
    return crossEntropy(tf, h, y);
  };
  return {
    run: () => tf.tidy(() => opt.step(tf.variableGrads(forward, vars).grads)),
    dispose: () => { opt.dispose(); tf.dispose([...vars, x, labels, y]); },
  };
}
