/**
 * PyTorch parity: every case of test/fixtures/ops.json (written by test/fixtures/generate.py with
 * torch) is replayed with descent. Forward outputs and the gradients of Σᵢ (outᵢ · wᵢ).sum() with
 * respect to each input must agree to 1e-10 relative in float64 (float32 cases, computed by torch in
 * float32, to ~1e-6). Some cases also compare second derivatives (gradients of Σⱼ (gⱼ · vⱼ).sum()
 * over the first-order gradients gⱼ, recorded with createGraph), and some compare forward values only
 * (comparisons, argmax, NaN and infinities). The fixtures are plain JSON, so these tests need no
 * Python; regenerate them with `npm run fixtures`.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as d from '../../src/index.js';
import { type DType, type NestedArray, type Tensor, grad, noGrad, tensor } from '../../src/index.js';
import { type CloseOptions, type FixtureTensor, assertClose, numbers, readFixture } from '../helpers.js';

// ---- fixtures -----------------------------------------------------------------------------------

interface Case {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: FixtureTensor[];
  outputs: FixtureTensor[];
  gradOutputs: (FixtureTensor | null)[];
  grads: (FixtureTensor | null)[];
  /** For some cases: random v_j per grad input, and the gradients of Σⱼ (g_j · v_j).sum() over the first-order gradients g_j. */
  secondOrder?: { v: FixtureTensor[]; grads: FixtureTensor[] };
}

const fixtures = readFixture<{ cases: Case[] }>('ops.json');

const decode = (v: unknown): unknown => {
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (v === 'nan') return NaN;
  if (Array.isArray(v)) return v.map(decode);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  return v;
};

function nest(flat: number[], shape: readonly number[]): NestedArray {
  if (shape.length === 0) return flat[0]!;
  const [n, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n! }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), rest));
}

function build(spec: FixtureTensor, dtype = spec.dtype): Tensor {
  const t = tensor(nest(numbers(spec), spec.shape), { dtype: dtype! });
  assert.deepEqual([...t.shape], spec.shape, 'fixture tensor built with the wrong shape');
  if (spec.requiresGrad) t.requiresGrad = true;
  return t;
}

// ---- ops: each key matches one in generate.py ---------------------------------------------------

// The arguments are whatever generate.py wrote for the op: JSON, read without a schema.
type Args = Record<string, any>;
type Op = (x: Tensor[], a: Args) => Tensor | Tensor[];

const binary: Record<string, (a: d.TensorLike, b: d.TensorLike) => Tensor> = {
  add: d.add, sub: d.sub, mul: d.mul, div: d.div, pow: d.pow, maximum: d.maximum, minimum: d.minimum,
};

const unary: Record<string, (x: Tensor) => Tensor> = {
  neg: d.neg, abs: d.abs, sign: d.sign, floor: d.floor, exp: d.exp, log: d.log, sqrt: d.sqrt, rsqrt: d.rsqrt,
  reciprocal: d.reciprocal, sin: d.sin, cos: d.cos, tanh: d.tanh, sigmoid: d.sigmoid, relu: d.relu, silu: d.silu,
  erf: d.erf, square: (x) => x.square(),
};

const compare: Record<string, (a: d.TensorLike, b: d.TensorLike) => Tensor> = {
  eq: d.eq, ne: d.ne, lt: d.lt, le: d.le, gt: d.gt, ge: d.ge,
};

const workedLoss = ([w, b, x, y]: Tensor[]): Tensor => w!.mul(x!).add(b!).sub(y!).pow(2);

const ops: Record<string, Op> = {
  binary: ([a, b], { fn }) => binary[fn]!(a!, b!),
  binaryScalar: ([x], { fn, scalar, scalarFirst }) => (scalarFirst ? binary[fn]!(scalar, x!) : binary[fn]!(x!, scalar)),
  unary: ([x], { fn }) => unary[fn]!(x!),
  gelu: ([x], { approximate }) => d.gelu(x!, { approximate }),
  clamp: ([x], { min, max }) => d.clamp(x!, min, max),
  clampTensor: ([x, lo, hi]) => d.clamp(x!, lo, hi),
  where: ([c, a, b]) => d.where(c!, a!, b!),
  whereScalar: ([c, x], { scalar, scalarFirst }) => (scalarFirst ? d.where(c!, scalar, x!) : d.where(c!, x!, scalar)),
  tensorWhere: ([x, c, other]) => x!.where(c!, other!),
  maskedFill: ([x, mask], { value }) => x!.maskedFill(mask!, value),
  sum: ([x], { dim, keepdim }) => d.sum(x!, dim, { keepdim }),
  mean: ([x], { dim, keepdim }) => d.mean(x!, dim, { keepdim }),
  maxAll: ([x], { which }) => (which === 'max' ? x!.max() : x!.min()),
  maxDim: ([x], { which, dim, keepdim }) => {
    const r = which === 'max' ? x!.max(dim, { keepdim }) : x!.min(dim, { keepdim });
    return [r.values, r.indices];
  },
  argExtreme: ([x], { which, dim, keepdim }) => (which === 'argmax' ? x!.argmax(dim, { keepdim }) : x!.argmin(dim, { keepdim })),
  var: ([x], { dim, correction, keepdim }) => d.variance(x!, dim ?? undefined, { correction, keepdim }),
  std: ([x], { dim, correction, keepdim }) => d.std(x!, dim ?? undefined, { correction, keepdim }),
  logsumexp: ([x], { dim, keepdim }) => d.logsumexp(x!, dim, { keepdim }),
  softmax: ([x], { dim }) => d.softmax(x!, dim),
  logSoftmax: ([x], { dim }) => d.logSoftmax(x!, dim),
  matmul: ([a, b]) => d.matmul(a!, b!),
  reshape: ([x], { shape }) => x!.reshape(shape),
  view: ([x], { shape }) => x!.view(shape),
  transpose: ([x], { dim0, dim1 }) => x!.transpose(dim0, dim1),
  permute: ([x], { dims }) => x!.permute(dims),
  expand: ([x], { shape }) => x!.expand(shape),
  squeeze: ([x], { dim }) => x!.squeeze(dim),
  unsqueeze: ([x], { dim }) => x!.unsqueeze(dim),
  narrow: ([x], { dim, start, length }) => x!.narrow(dim, start, length),
  slice: ([x], { dim, start, end, step }) => x!.slice(dim, start, end, step),
  select: ([x], { dim, index }) => x!.select(dim, index),
  flatten: ([x], { startDim, endDim }) => x!.flatten(startDim, endDim),
  cat: (xs, { dim }) => d.cat(xs, dim),
  stack: (xs, { dim }) => d.stack(xs, dim),
  split: ([x], { splitSize, dim }) => d.split(x!, splitSize, dim),
  chunk: ([x], { chunks, dim }) => d.chunk(x!, chunks, dim),
  gather: ([x, index], { dim }) => d.gather(x!, dim, index!),
  scatterAdd: ([x, index, src], { dim }) => d.scatterAdd(x!, dim, index!, src!),
  indexSelect: ([x, index], { dim }) => d.indexSelect(x!, dim, index!),
  tril: ([x], { diagonal }) => d.tril(x!, diagonal),
  triu: ([x], { diagonal }) => d.triu(x!, diagonal),
  compare: ([a, b], { fn }) => compare[fn]!(a!, b!),
  compareScalar: ([x], { fn, scalar }) => compare[fn]!(x!, scalar),
  logical: ([a, b], { fn }) => (fn === 'and' ? d.logicalAnd(a!, b!) : fn === 'or' ? d.logicalOr(a!, b!) : d.logicalNot(a!)),
  linspace: (_, { start, end, steps, dtype }) => d.linspace(start, end, steps, { dtype }),
  workedExample: (xs) => workedLoss(xs),
  workedExampleStep: (xs, { lr }) => {
    const [w, b] = xs as [Tensor, Tensor];
    workedLoss(xs).backward();
    noGrad(() => {
      w.sub_(w.grad!.mul(lr));
      b.sub_(b.grad!.mul(lr));
    });
    return [w.detach(), b.detach()];
  },
  attention: ([q, k, v, mask]) =>
    q!.matmul(k!.mT).div(Math.sqrt(q!.shape[q!.ndim - 1]!)).maskedFill(mask!, -Infinity).softmax(-1).matmul(v!),
  crossEntropy: ([logits, targets]) => logits!.logSoftmax(-1).gather(-1, targets!.unsqueeze(-1)).mean().neg(),
  layerNorm: ([x, g, b], { eps }) =>
    x!.sub(x!.mean(-1, { keepdim: true })).mul(x!.var(-1, { correction: 0, keepdim: true }).add(eps).rsqrt()).mul(g!).add(b!),
  mlp: ([x, w1, b1, w2, b2]) => x!.matmul(w1!).add(b1!).gelu({ approximate: 'tanh' }).matmul(w2!).add(b2!),
  chain: ([x, y]) => x!.mT.exp().sum(0).mul(y!.sigmoid()).log().sum(),
  chain2: ([x]) => x!.slice(1, 1, 5, 2).square().sum(),
  chain3: ([x, index]) => x!.gather(1, index!).exp(),
};

// ---- the tests ----------------------------------------------------------------------------------

const F64_TOL: CloseOptions = { rtol: 1e-10, atol: 1e-12 };
const F32_TOL: CloseOptions = { rtol: 1e-6, atol: 5e-7 };

function check(got: Tensor, want: FixtureTensor, dtype: DType, tol: CloseOptions, what: string): void {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  assert.equal(got.dtype, dtype, `${what}: dtype`);
  assertClose(got, numbers(want), tol, what);
}

test('parity fixtures are present and cover every op', () => {
  assert.ok(fixtures.cases.length > 0, 'no cases in test/fixtures/ops.json; run `npm run fixtures`');
  const used = new Set(fixtures.cases.map((c) => c.op));
  for (const op of Object.keys(ops)) assert.ok(used.has(op), `no fixture exercises op ${op}`);
});

for (const c of fixtures.cases) {
  test(`parity: ${c.name}`, () => {
    const op = ops[c.op];
    assert.ok(op, `unknown op ${c.op}`);
    const inputs = c.inputs.map((spec) => build(spec));
    const args = decode(c.args) as Args;
    const operands = [...inputs];
    for (const i of (args.mT ?? []) as number[]) operands[i] = operands[i]!.mT;
    const result = op(operands, args);
    const outputs = Array.isArray(result) ? result : [result];
    const f32 = [...c.inputs, ...c.outputs].some((s) => s.dtype === 'float32');
    const tol = f32 ? F32_TOL : F64_TOL;

    assert.equal(outputs.length, c.outputs.length, 'number of outputs');
    outputs.forEach((o, i) => check(o, c.outputs[i]!, c.outputs[i]!.dtype!, tol, `output ${i}`));

    const used = c.gradOutputs.flatMap((g, i) => (g ? [i] : []));
    const wrt = inputs.filter((_, i) => c.inputs[i]!.requiresGrad);
    if (used.length === 0 || wrt.length === 0) return;
    const second = c.secondOrder;
    const gs = grad(used.map((i) => outputs[i]!), wrt, {
      gradOutputs: used.map((i) => build(c.gradOutputs[i]!, c.outputs[i]!.dtype)),
      allowUnused: true,
      createGraph: second !== undefined,
    });
    let k = 0;
    c.inputs.forEach((spec, i) => {
      if (!spec.requiresGrad) return;
      const want = c.grads[i];
      assert.ok(want, `fixture has no gradient for input ${i}`);
      check(gs[k++]!, want, spec.dtype!, tol, `grad of input ${i}`);
    });
    if (!second) return;
    // Gradients that do not depend on the inputs contribute nothing to the second derivative.
    const terms = gs.flatMap((g, j) => (g.requiresGrad ? [g.mul(build(second.v[j]!, wrt[j]!.dtype)).sum()] : []));
    assert.ok(terms.length > 0, 'no first-order gradient depends on the inputs');
    const hs = grad(terms.reduce((a, b) => a.add(b)), wrt, { allowUnused: true });
    hs.forEach((h, j) => check(h, second.grads[j]!, wrt[j]!.dtype, tol, `second-order grad of grad input ${j}`));
  });
}
