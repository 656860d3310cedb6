/**
 * Containers: Sequential chains modules, ModuleList and ModuleDict hold them. Items live in fields
 * named by index or key, so their parameters get the dotted names PyTorch gives (`0.weight`, `h.3.mlp`).
 */

import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** A module that maps a tensor to a tensor: what Sequential chains. */
type TensorModule = Module & { forward(x: Tensor): Tensor };

export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.push(m);
  }

  get length(): number {
    return this.namedChildren().length;
  }

  push(module: M): this {
    (this as unknown as Record<string, Module>)[String(this.length)] = module;
    return this;
  }

  at(index: number): M {
    const i = index < 0 ? index + this.length : index;
    const m = (this as unknown as Record<string, M>)[String(i)];
    if (!m) throw new RangeError(`ModuleList: index ${index} is out of range for ${this.length} modules`);
    return m;
  }

  *[Symbol.iterator](): Iterator<M> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  forward(..._args: unknown[]): unknown {
    throw new Error('ModuleList has no forward: iterate over it and call its modules');
  }
}

/** Feeds the input through each module in turn. */
export class Sequential extends ModuleList<TensorModule> {
  constructor(...modules: TensorModule[]) {
    super(modules);
  }

  override forward(x: Tensor): Tensor {
    for (const m of this) x = m.forward(x);
    return x;
  }
}

export class ModuleDict<M extends Module = Module> extends Module {
  constructor(modules: Record<string, M> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }

  set(key: string, module: M): this {
    if (key in this && !((this as unknown as Record<string, unknown>)[key] instanceof Module)) {
      throw new Error(`ModuleDict: '${key}' clashes with a field of ModuleDict`);
    }
    (this as unknown as Record<string, Module>)[key] = module;
    return this;
  }

  get(key: string): M {
    const m = (this as unknown as Record<string, unknown>)[key];
    if (!(m instanceof Module)) throw new Error(`ModuleDict: no module named '${key}'`);
    return m as M;
  }

  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }

  forward(): never {
    throw new Error('ModuleDict has no forward: get() its modules and call them');
  }
}
