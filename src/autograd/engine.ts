/**
 * Reverse-mode differentiation. The graph is walked with explicit stacks, never recursion, so a graph
 * of any depth (a 100,000-op chain) backpropagates. Nodes run in topological order (Kahn's
 * algorithm): a node fires once every consumer has sent its gradient, so each gradient is summed once.
 */

import type { Tensor } from '../tensor/tensor.js';
import { shapeStr, sameShape } from '../tensor/shape.js';
import { enableGrad, noGrad } from './grad-mode.js';
import type { Node } from './node.js';

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
  const accumulate = (node: Node, g: Tensor): void => {
    const prev = pending.get(node);
    pending.set(node, prev ? mode(() => prev.add(g)) : g);
  };
  roots.forEach((r, i) => accumulate(r, rootGrads[i]!));

  const ready = roots.filter((r, i) => !deps.has(r) && roots.indexOf(r) === i);
  while (ready.length) {
    const node = ready.pop()!;
    const g = pending.get(node);
    pending.delete(node);
    if (g && capture?.has(node)) captured.set(node, g);
    if (node.leaf) {
      if (g && !capture) accumulateLeaf(node.leaf, g, createGraph);
      continue;
    }
    let grads: readonly (Tensor | null | undefined)[] = [];
    if (g) {
      if (node.retain) accumulateLeaf(node.retain, g, createGraph);
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
      grads = mode(() => fn(g, needs));
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
  }
  return captured;
}

/** Adds a gradient into `t.grad`: in place when no graph is wanted, so a parameter keeps one buffer. */
function accumulateLeaf(t: Tensor, g: Tensor, createGraph: boolean): void {
  if (g.dtype !== t.dtype) g = noGrad(() => g.to(t.dtype));
  if (t.grad === null) {
    t.grad = createGraph ? g.clone() : noGrad(() => g.clone());
  } else if (!createGraph && !t.grad.requiresGrad) {
    noGrad(() => t.grad!.add_(g));
  } else {
    t.grad = enableGrad(() => t.grad!.add(g));
  }
}
