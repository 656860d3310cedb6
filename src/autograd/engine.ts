/**
 * Reverse-mode differentiation. The graph is walked with explicit stacks, never recursion, so a graph
 * of any depth (a 100,000-op chain) backpropagates. Nodes run in topological order (Kahn's
 * algorithm): a node fires once every consumer has sent its gradient, so each gradient is summed once.
 */

import type { Tensor } from '../tensor/tensor.js';
import { shapeStr, sameShape } from '../tensor/shape.js';
import { enableGrad, noGrad } from './grad-mode.js';
import type { Node } from './node.js';
import { type Storage, track } from '../tensor/storage.js';

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again. */
  retainGraph?: boolean;
  /** Record the backward computation itself, for higher-order gradients. */
  createGraph?: boolean;
}

interface RunOptions extends BackwardOptions {
  /** When given, gradients for these nodes are returned and no leaf `.grad` is touched. */
  capture?: readonly Node[];
}

export function runBackward(roots: readonly Node[], rootGrads: readonly Tensor[], opts: RunOptions): Map<Node, Tensor> {
  const createGraph = opts.createGraph ?? false;
  const retainGraph = opts.retainGraph ?? createGraph;
  const capture = opts.capture ? new Set(opts.capture) : null;
  const captured = new Map<Node, Tensor>();
  const mode = createGraph ? enableGrad : noGrad;

  // Count, for every reachable node, how many edges lead into it.
  const deps = new Map<Node, number>();
  const seen = new Set<Node>(roots);
  const stack = [...seen];
  while (stack.length) {
    const node = stack.pop()!;
    for (const child of node.next) {
      if (!child) continue;
      deps.set(child, (deps.get(child) ?? 0) + 1);
      if (!seen.has(child)) {
        seen.add(child);
        stack.push(child);
      }
    }
  }

  const pending = new Map<Node, Tensor>();
  // Gradients between nodes are backward's own: no one else can see them, so it frees each as soon
  // as its last consumer has run (none when the backward is itself recorded).
  const temps = createGraph ? null : new Temporaries();
  const accumulate = (node: Node, g: Tensor): void => {
    temps?.hold(g);
    const prev = pending.get(node);
    if (!prev) {
      pending.set(node, g);
      return;
    }
    const { result: sum, made } = track(() => mode(() => prev.add(g)));
    temps?.adopt(made, [sum]);
    temps?.hold(sum);
    temps?.drop(prev);
    temps?.drop(g);
    pending.set(node, sum);
  };
  roots.forEach((r, i) => accumulate(r, rootGrads[i]!));

  const ready = roots.filter((r, i) => !deps.has(r) && roots.indexOf(r) === i);
  while (ready.length) {
    const node = ready.pop()!;
    const g = pending.get(node);
    pending.delete(node);
    if (g && capture?.has(node)) {
      captured.set(node, g);
      temps?.escape(g);
    }
    if (node.leaf) {
      if (g && !capture) accumulateLeaf(node.leaf, g, createGraph, temps);
      else if (g) temps?.drop(g);
      continue;
    }
    let grads: readonly (Tensor | null | undefined)[] = [];
    if (g) {
      if (node.retain) accumulateLeaf(node.retain, g, createGraph, null);
      if (!node.backwardFn) {
        throw new Error(
          node.released
            ? `backward: trying to backward through the graph a second time (through '${node.name}'): its saved tensors were freed after the first backward. Pass {retainGraph: true} to the first backward call if you need to go through it twice.`
            : `backward: node '${node.name}' has no backward function`,
        );
      }
      node.checkSaved();
      const fn = node.backwardFn;
      const needs = node.next.map((n) => n !== null);
      const run = track(() => mode(() => fn(g, needs)));
      grads = run.result;
      // A built-in op's backward keeps nothing it makes; a custom one might, so its tensors are left to the collector.
      if (node.builtin) temps?.adopt(run.made, grads);
      if (!retainGraph) node.release();
    }
    node.next.forEach((child, i) => {
      if (!child) return;
      const gi = grads[i];
      if (gi) {
        const expected = child.leaf?.shape;
        if (expected && !sameShape(expected, gi.shape)) {
          throw new Error(`backward: '${node.name}' returned a gradient of shape ${shapeStr(gi.shape)} for an input of shape ${shapeStr(expected)}`);
        }
        accumulate(child, gi);
      }
      const left = deps.get(child)! - 1;
      deps.set(child, left);
      if (left === 0) ready.push(child);
    });
    for (const gi of grads) if (gi) temps?.settle(gi);
    // A custom backward may have kept the gradient it was given.
    if (g && node.builtin) temps?.drop(g);
    else if (g) temps?.escape(g);
  }
  return captured;
}

/**
 * Adds a gradient into `t.grad`: in place when no graph is wanted, so a parameter keeps one buffer.
 * A first gradient that backward alone holds, contiguous and of the right dtype, becomes `.grad`
 * itself rather than a copy.
 */
function accumulateLeaf(t: Tensor, g: Tensor, createGraph: boolean, temps: Temporaries | null): void {
  if (t.grad === null && temps?.sole(g) && g.dtype === t.dtype && g.offset === 0 && g.isContiguous() && g.size === g.storage.size) {
    temps.escape(g);
    t.grad = g;
    return;
  }
  const given = g;
  if (g.dtype !== t.dtype) g = noGrad(() => g.to(t.dtype));
  if (t.grad === null) {
    t.grad = createGraph ? g.clone() : noGrad(() => g.clone());
  } else if (!createGraph && !t.grad.requiresGrad) {
    noGrad(() => t.grad!.add_(g));
  } else {
    t.grad = enableGrad(() => t.grad!.add(g));
  }
  temps?.drop(given);
}

/**
 * The storages a backward pass made and still holds, each with the number of pending gradients
 * over it (views share a storage). A storage is freed when that number falls to zero, unless it
 * escaped to the caller (a leaf's `.grad`, a captured gradient).
 */
class Temporaries {
  readonly #holders = new Map<Storage, number>();

  /** Takes ownership of what a closure made, freeing at once all but the storages of `kept`. */
  adopt(made: readonly Storage[], kept: readonly (Tensor | null | undefined)[]): void {
    for (const s of made) {
      if (kept.some((t) => t?.storage === s)) this.#holders.set(s, 0);
      else s.dispose();
    }
  }

  hold(t: Tensor): void {
    const n = this.#holders.get(t.storage);
    if (n !== undefined) this.#holders.set(t.storage, n + 1);
  }

  drop(t: Tensor): void {
    const n = this.#holders.get(t.storage);
    if (n === undefined) return;
    if (n > 1) this.#holders.set(t.storage, n - 1);
    else this.#free(t.storage);
  }

  /** Frees a gradient a closure returned that no input took. */
  settle(t: Tensor): void {
    if (this.#holders.get(t.storage) === 0) this.#free(t.storage);
  }

  /** Whether `t` is backward's own and held by one pending gradient only. */
  sole(t: Tensor): boolean {
    return this.#holders.get(t.storage) === 1;
  }

  escape(t: Tensor): void {
    this.#holders.delete(t.storage);
  }

  #free(s: Storage): void {
    this.#holders.delete(s);
    s.dispose();
  }
}
