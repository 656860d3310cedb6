/**
 * gradcheck: compares the gradients autograd computes against central finite differences, element
 * by element of the full Jacobian. Use float64 inputs: float32 has too few digits for differences.
 */

import { type Tensor, fromBuffer } from '../tensor/tensor.js';
import { allocate } from '../tensor/storage.js';
import { shapeStr } from '../tensor/shape.js';
import { grad } from './grad.js';

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw with the first mismatch (default) rather than return false. */
  raiseException?: boolean;
}

function withValues(t: Tensor, values: Float64Array): Tensor {
  const backend = t.storage.backend;
  const buffer = allocate(backend, t.dtype, values.length);
  backend.write(buffer, values);
  return fromBuffer(buffer, t.shape, t);
}

export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raiseException = true } = opts;
  const wanted = inputs.map((t, i) => {
    if (t.requiresGrad && t.dtype !== 'float64') {
      throw new TypeError(`gradcheck: input ${i} is ${t.dtype}; finite differences need float64 inputs`);
    }
    return t.requiresGrad;
  });
  if (!wanted.some(Boolean)) throw new Error('gradcheck: no input requires grad');
  const out = fn(...inputs);
  const nOut = out.size;
  const base = inputs.map((t) => Float64Array.from(t.dataSync()));

  // Numerical Jacobian, one input element at a time: J[k][j] = (f(x + εeⱼ)_k − f(x − εeⱼ)_k) / 2ε.
  // Grad mode stays on, and the perturbed copy requires grad like the input it replaces, so that fn
  // may itself differentiate (a first gradient built with createGraph: a second-order check).
  const evalAt = (i: number, values: Float64Array): Float64Array => {
    const args = inputs.map((t, k) => (k === i ? withValues(t, values).requiresGrad_(t.requiresGrad) : t));
    return Float64Array.from(fn(...args).dataSync());
  };
  const numerical = inputs.map((_, i) => {
    if (!wanted[i]) return [];
    return Array.from(base[i]!, (_, j) => {
      const plus = base[i]!.slice(), minus = base[i]!.slice();
      plus[j]! += eps;
      minus[j]! -= eps;
      const fp = evalAt(i, plus), fm = evalAt(i, minus);
      return fp.map((v, k) => (v - fm[k]!) / (2 * eps));
    });
  });

  // Analytical Jacobian, one output element at a time, by backward with a one-hot gradient.
  const active = inputs.filter((_, i) => wanted[i]);
  for (let k = 0; k < nOut; k++) {
    const onehot = new Float64Array(nOut);
    onehot[k] = 1;
    const rows = grad(out, active, {
      gradOutputs: [withValues(out, onehot).to(out.dtype)], retainGraph: true, allowUnused: true,
    }).map((g) => g.dataSync());
    let a = 0;
    for (let i = 0; i < inputs.length; i++) {
      if (!wanted[i]) continue;
      const row = rows[a++]!;
      for (let j = 0; j < row.length; j++) {
        const numeric = numerical[i]![j]![k]!, got = row[j]!;
        if (!(Math.abs(got - numeric) <= atol + rtol * Math.abs(numeric))) {
          if (!raiseException) return false;
          throw new Error(
            `gradcheck: Jacobian mismatch for output ${k} with respect to input ${i} ${shapeStr(inputs[i]!.shape)} element ${j}: ` +
            `numerical ${numeric}, analytical ${got}`,
          );
        }
      }
    }
  }
  return true;
}
