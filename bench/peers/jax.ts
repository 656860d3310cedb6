/**
 * jax-js on its wasm device. Under Node it has no Worker global, so it runs on one thread (its
 * worker pool needs SharedArrayBuffer and Worker). Arrays are lazy: a figure includes
 * blockUntilReady, and every call consumes its arguments, hence the `.ref`s.
 *
 * The MLP step is jit(valueAndGrad(loss)) and a jit-compiled AdamW over the parameter tree. There
 * is no jax-js GPT here: that would be a third transformer to keep equal to nanoGPT's.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as JAX from '@jax-js/jax';
import { type Engine, type MatmulWorkload, type MlpWorkload, type Runnable, localEngine, reason, unavailable } from '../harness.js';

type Jax = typeof JAX;
type Arr = JAX.Array;

const label = 'jax-js wasm';

export async function jaxEngine(): Promise<Engine> {
  try {
    const jax: Jax = await import('@jax-js/jax');
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) throw new Error(`init('wasm') gave only ${devices.join(', ') || 'no devices'}`);
    jax.defaultDevice('wasm');
    // Its exports map hides package.json; it sits one folder above the entry point.
    const entry = createRequire(import.meta.url).resolve('@jax-js/jax');
    const version = (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
    return localEngine({
      label: `${label} 1T`, descent: false, threads: 1,
      detail: `${label}: @jax-js/jax ${version}, wasm device, 1 thread (no Worker global in Node)`,
      setup(w) {
        if (w.kind === 'matmul') return jaxMatmul(jax, w);
        if (w.kind === 'mlp') return jaxMlp(jax, w);
        throw new Error('no jax-js GPT in this harness');
      },
    });
  } catch (e) {
    return unavailable(label, reason(e));
  }
}

const gaussian = (jax: Jax, shape: number[], std = 1): Arr => {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = std * Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
  return jax.numpy.array(data, { shape });
};

function jaxMatmul(jax: Jax, w: MatmulWorkload): Runnable {
  const np = jax.numpy;
  const a = gaussian(jax, [w.n, w.n]), b = gaussian(jax, [w.n, w.n]);
  return {
    async run() {
      const c = np.matmul(w.form === 'Aᵀ·B' ? a.ref.transpose() : a.ref, w.form === 'A·Bᵀ' ? b.ref.transpose() : b.ref);
      await c.blockUntilReady();
      c.dispose();
    },
    dispose: () => { a.dispose(); b.dispose(); },
  };
}

function jaxMlp(jax: Jax, w: MlpWorkload): Runnable {
  const np = jax.numpy;
  const nLayers = w.sizes.length - 1;
  type Tree = Record<string, Arr>;
  let params: Tree = {};
  for (let i = 0; i < nLayers; i++) {
    params[`w${i}`] = gaussian(jax, [w.sizes[i]!, w.sizes[i + 1]!], 1 / Math.sqrt(w.sizes[i]!));
    params[`b${i}`] = np.zeros([w.sizes[i + 1]!]);
  }
  let m: Tree = jax.tree.map((p: Arr) => np.zerosLike(p), jax.tree.ref(params));
  let v: Tree = jax.tree.map((p: Arr) => np.zerosLike(p), jax.tree.ref(params));
  const x = gaussian(jax, [w.batch, w.sizes[0]!]);
  const classes = w.sizes.at(-1)!;
  const labels = np.array(Int32Array.from({ length: w.batch }, () => Math.floor(Math.random() * classes)), { shape: [w.batch] });
  const y = jax.nn.oneHot(labels, classes);

  const loss = (p: Tree, x: Arr, y: Arr): Arr => {
    let h = x;
    for (let i = 0; i < nLayers; i++) {
      h = np.matmul(h, p[`w${i}`]!).add(p[`b${i}`]!);
      if (i < nLayers - 1) h = jax.nn.relu(h);
    }
    return np.mean(np.sum(jax.nn.logSoftmax(h, -1).mul(y), -1)).mul(-1);
  };
  const valueAndGrad = jax.jit(jax.valueAndGrad(loss));
  const [b1, b2] = [0.9, 0.999], eps = 1e-8;
  // AdamW as torch.optim.AdamW: stepSize = lr / (1 − β1ᵗ), c = 1 / √(1 − β2ᵗ) come in as arrays so one compile serves every step.
  const update = jax.jit((p: Tree, g: Tree, m: Tree, v: Tree, stepSize: Arr, c: Arr): [Tree, Tree, Tree] => {
    const P: Tree = {}, M: Tree = {}, V: Tree = {};
    const keys = Object.keys(p);
    keys.forEach((k, i) => {
      const last = i === keys.length - 1;
      const s = last ? stepSize : stepSize.ref, ck = last ? c : c.ref;
      const gk = g[k]!;
      const mk = m[k]!.mul(b1).add(gk.ref.mul(1 - b1));
      const vk = v[k]!.mul(b2).add(gk.ref.mul(gk).mul(1 - b2));
      P[k] = p[k]!.mul(1 - w.lr * w.weightDecay).sub(mk.ref.mul(s).div(np.sqrt(vk.ref).mul(ck).add(eps)));
      M[k] = mk;
      V[k] = vk;
    });
    return [P, M, V];
  });
  let t = 0;
  return {
    async run() {
      t++;
      const [value, grads] = valueAndGrad(jax.tree.ref(params), x.ref, y.ref);
      [params, m, v] = update(params, grads, m, v, np.array(w.lr / (1 - b1 ** t)), np.array(1 / Math.sqrt(1 - b2 ** t)));
      await jax.blockUntilReady([params, m, v]);
      value.dispose();
    },
    dispose() {
      jax.tree.dispose([params, m, v, x, y]);
      valueAndGrad.dispose();
      update.dispose();
    },
  };
}
