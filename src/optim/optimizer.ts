/**
 * Optimizer: the shape every algorithm shares, after torch.optim. Hyperparameters live in parameter
 * groups (each group may override the defaults); per-parameter state (`step`, moment buffers) lives
 * in `state`, keyed by the parameter. `stateDict()` names parameters by their position across the
 * groups, so a run restored into a freshly built model continues exactly.
 */

import type { Backend } from '../backend/backend.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';

export type ParamState = Record<string, Tensor | number>;

/** A group's parameters with its hyperparameters. */
export type ParamGroup<O> = O & { params: Tensor[] };

/** Parameters, or groups of parameters each with its own options. */
export type Params<O> = Iterable<Tensor> | Array<Partial<O> & { params: Iterable<Tensor> }>;

/** A parameter with its gradient and state, as a step hands them to `updateGroup`. */
export interface ParamUpdate {
  param: Tensor;
  grad: Tensor;
  state: ParamState;
}

/**
 * Runs a fused multi-tensor update: items are batched by `key` (tensors of one dtype and backend,
 * and whatever else must agree), each batch handed to `run` with contiguous tensors. A parameter
 * that is not contiguous is updated through a contiguous copy written back; every tensor the
 * kernel wrote gets its version bumped, as an in-place op's would.
 */
export function fusedUpdate<T>(items: readonly ParamUpdate[], key: (u: ParamUpdate) => string,
  prepare: (u: ParamUpdate, param: Tensor, grad: Tensor) => { entry: T; written: Tensor[] },
  run: (backend: Backend, entries: T[]) => void): void {
  const batches = new Map<string, { backend: Backend; entries: T[]; written: Tensor[]; after: (() => void)[] }>();
  for (const u of items) {
    const k = `${u.param.dtype}|${key(u)}`;
    let batch = batches.get(k);
    if (!batch) batches.set(k, (batch = { backend: u.param.storage.backend, entries: [], written: [], after: [] }));
    if (batch.backend !== u.param.storage.backend) throw new Error('optimizer: parameters of one group live on different backends');
    const param = u.param.isContiguous() ? u.param : u.param.contiguous();
    if (param !== u.param) batch.after.push(() => u.param.copy_(param));
    const grad = u.grad.dtype === u.param.dtype ? u.grad.contiguous() : u.grad.to(u.param.dtype).contiguous();
    const { entry, written } = prepare(u, param, grad);
    batch.entries.push(entry);
    batch.written.push(param, ...written);
  }
  for (const b of batches.values()) {
    run(b.backend, b.entries);
    for (const t of b.written) t.storage.version++;
    for (const f of b.after) f();
  }
}

export interface OptimizerStateDict<O> {
  state: Record<number, Record<string, Tensor | number>>;
  paramGroups: Array<O & { params: number[] }>;
}

export abstract class Optimizer<O extends { lr: number }> {
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly state = new Map<Tensor, ParamState>();

  constructor(params: Params<O>, readonly defaults: O) {
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new Error(`${this.constructor.name}: got an empty parameter list`);
    const groups = (list[0] instanceof Tensor ? [{ params: list }] : list) as Array<Partial<O> & { params: Iterable<Tensor> }>;
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group; options it leaves out come from the defaults. Each is validated. */
  addParamGroup(group: Partial<O> & { params: Iterable<Tensor> }): void {
    const params = [...group.params];
    const name = this.constructor.name;
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${name}: parameter ${i} of group ${this.paramGroups.length} is not a Tensor`);
      if (!p.isLeaf) throw new Error(`${name}: parameter ${i} of group ${this.paramGroups.length} is not a leaf tensor; optimize leaves (parameters), not results of ops`);
    });
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => seen.has(p))) throw new Error(`${name}: a parameter appears in more than one group`);
    const full = { ...this.defaults, ...group, params } as ParamGroup<O>;
    this.validate(full);
    this.paramGroups.push(full);
  }

  /** Throws a clear error for an invalid hyperparameter. */
  protected abstract validate(options: O): void;

  /** Applies one update to one parameter. */
  abstract update(group: ParamGroup<O>, param: Tensor, grad: Tensor, state: ParamState): void;

  /**
   * Updates a group's parameters that have gradients. Optimizers with a fused multi-tensor kernel
   * (Adam, AdamW, SGD) override this to update them all in one backend call.
   */
  protected updateGroup(group: ParamGroup<O>, items: readonly ParamUpdate[]): void {
    for (const u of items) this.update(group, u.param, u.grad, u.state);
  }

  /** Runs one optimization step; `closure` (which recomputes the loss) is called first when given. */
  step(closure?: () => Tensor): Tensor | undefined {
    const loss = closure?.();
    noGrad(() => {
      for (const group of this.paramGroups) {
        const items: ParamUpdate[] = [];
        for (const param of group.params) {
          if (!param.grad) continue;
          let state = this.state.get(param);
          if (!state) this.state.set(param, (state = {}));
          items.push({ param, grad: param.grad, state });
        }
        if (items.length > 0) this.updateGroup(group, items);
      }
    });
    return loss;
  }

  /** Clears gradients: to null by default (saves memory), or to zeros with {setToNone: false}. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (opts.setToNone ?? true) p.grad = null;
        else if (p.grad) noGrad(() => p.grad!.zero_());
      }
    }
  }

  stateDict(): OptimizerStateDict<O> {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g;
      // Options are copied deeply, so a saved `betas` array is not shared with the live group.
      return { ...(structuredClone(options) as unknown as O), params: params.map((p) => { const i = index.size; index.set(p, i); return i; }) };
    });
    const state: OptimizerStateDict<O>['state'] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      state[i] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v instanceof Tensor ? noGrad(() => v.clone()) : v]));
    }
    return { state, paramGroups };
  }

  /** Restores hyperparameters and state saved by `stateDict()` from an optimizer over parameters of the same shapes. */
  loadStateDict(sd: OptimizerStateDict<O>): void {
    const name = this.constructor.name;
    if (!sd || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object') {
      throw new Error(`${name}.loadStateDict: expected {state, paramGroups}`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`${name}.loadStateDict: the state has ${sd.paramGroups.length} parameter groups, this optimizer ${this.paramGroups.length}`);
    }
    const params = this.paramGroups.flatMap((g) => g.params);
    sd.paramGroups.forEach((g, i) => {
      if (g.params.length !== this.paramGroups[i]!.params.length) {
        throw new Error(`${name}.loadStateDict: group ${i} has ${g.params.length} parameters in the state, ${this.paramGroups[i]!.params.length} here`);
      }
    });
    this.state.clear();
    for (const [key, s] of Object.entries(sd.state)) {
      const p = params[Number(key)];
      if (!p) throw new Error(`${name}.loadStateDict: state for parameter ${key}, but there are only ${params.length}`);
      const restored: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof Tensor && v.shape.join() !== p.shape.join() && v.size !== 1) {
          throw new Error(`${name}.loadStateDict: '${k}' of parameter ${key} has shape [${v.shape}], the parameter [${p.shape}]`);
        }
        restored[k] = v instanceof Tensor ? noGrad(() => v.to(p.dtype).clone()) : v;
      }
      this.state.set(p, restored);
    }
    sd.paramGroups.forEach((g, i) => {
      const { params: _ignored, ...options } = g;
      Object.assign(this.paramGroups[i]!, structuredClone(options));
    });
  }
}
