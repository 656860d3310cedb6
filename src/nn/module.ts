/**
 * Module: the unit models are built from. Parameters, buffers and submodules are found by walking a
 * module's own fields (in assignment order), so a model is plain TypeScript: assign a Parameter or a
 * Module to a field and it is registered. Dotted paths (`h.0.attn.c_attn.weight`) name parameters in
 * `namedParameters()` and are the keys of `stateDict()`, as in PyTorch.
 */

import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';

/** A tensor that a Module owns and an optimizer updates; it requires grad unless told otherwise. */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    const d = data.detach();
    super(d.storage, d.shape, d.strides, d.offset, d.dtype);
    this.requiresGrad = requiresGrad;
  }
}

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export type StateDict = Record<string, Tensor>;

export abstract class Module {
  /** Train mode (dropout active) or eval mode; set with train()/eval(). */
  training = true;
  #buffers = new Map<string, boolean>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract forward(...args: any[]): any;

  /** Registers a tensor that is state but not a parameter (running statistics, masks). */
  registerBuffer(name: string, tensor: Tensor | null, opts: { persistent?: boolean } = {}): void {
    (this as unknown as Record<string, unknown>)[name] = tensor;
    this.#buffers.set(name, opts.persistent ?? true);
  }

  /** Direct submodules with their field names. */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every module below it, depth first, each once. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const stack: [string, Module][] = [[prefix, this]];
    while (stack.length) {
      const [name, m] = stack.pop()!;
      if (seen.has(m)) continue;
      seen.add(m);
      out.push([name, m]);
      const kids = m.namedChildren().map(([k, c]): [string, Module] => [name ? `${name}.${k}` : k, c]);
      stack.push(...kids.reverse());
    }
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter with its dotted name; a parameter shared by two modules (tied weights) appears once. */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, v] of Object.entries(m)) {
        if (v instanceof Parameter && !seen.has(v)) {
          seen.add(v);
          out.push([prefix ? `${prefix}.${k}` : k, v]);
        }
      }
    }
    return out;
  }
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [k] of m.#buffers) {
        const v = (m as unknown as Record<string, unknown>)[k];
        if (v instanceof Tensor) out.push([prefix ? `${prefix}.${k}` : k, v]);
      }
    }
    return out;
  }
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /**
   * Parameters and persistent buffers by dotted name; tied parameters, and modules shared under two
   * fields, appear under each name (as in PyTorch, whose checkpoints hold every such key).
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    const walk = (m: Module, prefix: string): void => {
      for (const [k, v] of Object.entries(m)) {
        const persistent = m.#buffers.get(k);
        if (v instanceof Parameter || (persistent === true && v instanceof Tensor)) out[prefix + k] = (v as Tensor).detach();
      }
      for (const [k, c] of m.namedChildren()) walk(c, `${prefix}${k}.`);
    };
    walk(this, '');
    return out;
  }

  /**
   * Copies values from `state` into this module's parameters and buffers. With `strict` (the default)
   * a missing or unexpected key is an error; a shape mismatch always is.
   */
  loadStateDict(state: StateDict, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !(k in own));
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      const parts = [];
      if (missingKeys.length) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      throw new Error(`loadStateDict: the state does not match the module (${parts.join('; ')})`);
    }
    for (const [k, target] of Object.entries(own)) {
      const src = state[k];
      if (!src) continue;
      if (src.shape.join() !== target.shape.join()) {
        throw new Error(`loadStateDict: '${k}' has shape ${shapeStr(src.shape)} in the state but ${shapeStr(target.shape)} in the module`);
      }
    }
    noGrad(() => {
      for (const [k, target] of Object.entries(own)) if (state[k]) target.copy_(state[k]!);
    });
    return { missingKeys, unexpectedKeys };
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Freezes (false) or unfreezes every parameter. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (opts.setToNone ?? true) p.grad = null;
      else if (p.grad) noGrad(() => p.grad!.zero_());
    }
  }

  /** Calls fn on every submodule and then on this one: children first, each subtree in field order, as PyTorch. */
  apply(fn: (m: Module) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  /** Hyperparameters shown by toString, e.g. "inFeatures=2, outFeatures=3". */
  extraRepr(): string {
    return '';
  }

  toString(): string {
    const kids = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (!kids.length) return `${head})`;
    const body = kids.map(([k, m]) => `  (${k}): ${m.toString().replace(/\n/g, '\n  ')}`).join('\n');
    return `${head}\n${body}\n)`;
  }
}
