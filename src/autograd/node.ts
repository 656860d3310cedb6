/**
 * A node of the backward graph: one recorded op, its backward closure and the edges to the nodes of
 * its inputs. Every op's forward calls `record` with its backward right beside it (micrograd's shape),
 * and the closure is written in differentiable tensor ops, so running it with the graph on gives
 * higher-order gradients for free.
 */

import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';

/** Returns one gradient per input (null where there is none); `needs[i]` says whether input i wants one. */
export type BackwardFn = (grad: Tensor, needs: readonly boolean[]) => readonly (Tensor | null | undefined)[];

interface Saved {
  tensor: Tensor;
  version: number;
}

export class Node {
  backwardFn: BackwardFn | null;
  saved: Saved[] | null;
  /** A tensor that asked for its gradient with retainGrad(). */
  retain: Tensor | null = null;
  released = false;
  /** A built-in op's backward keeps none of the tensors it makes, so backward may free them; a custom one may keep some. */
  builtin = true;

  constructor(
    readonly name: string,
    /** The node of each input, or null where that input needs no gradient. */
    readonly next: readonly (Node | null)[],
    backwardFn: BackwardFn | null,
    saved: readonly Tensor[],
    /** Set on the accumulator node of a leaf tensor, whose gradient lands in `leaf.grad`. */
    readonly leaf: Tensor | null = null,
  ) {
    this.backwardFn = backwardFn;
    this.saved = saved.map((tensor) => ({ tensor, version: tensor.version }));
  }

  /** Frees the closure and the tensors it holds: the graph is single-use unless retained. */
  release(): void {
    this.backwardFn = null;
    this.saved = null;
    this.released = true;
  }

  checkSaved(): void {
    for (const s of this.saved ?? []) {
      if (s.tensor.version !== s.version) {
        throw new Error(
          `backward: a tensor that '${this.name}' saved for its gradient was modified in place afterwards ` +
          `(version ${s.version} when saved, ${s.tensor.version} now). Mutate a clone() instead, or do the in-place op before using the tensor.`,
        );
      }
    }
  }
}

/**
 * Attaches a backward node to `out` when grad mode is on and some input requires grad.
 * `saved` lists the tensors the closure reads, so in-place changes to them are caught.
 */
export function record(name: string, inputs: readonly Tensor[], out: Tensor, backward: BackwardFn, saved: readonly Tensor[] = []): Tensor {
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) return out;
  const next = inputs.map((t) => (t.requiresGrad ? t.gradFn ?? t.accumulator() : null));
  out.attachGradFn(new Node(name, next, backward, saved));
  return out;
}
