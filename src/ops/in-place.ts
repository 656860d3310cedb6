/**
 * In-place ops: compute out of place, write the result into the tensor's own memory, bump the
 * storage version. Any graph node that saved the old value then refuses to run backward, so a
 * mutation never yields a silently wrong gradient.
 */

import { isFloat } from '../backend/backend.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { type Tensor, checkSameBackend } from '../tensor/tensor.js';
import { broadcastShapes, sameShape, shapeStr } from '../tensor/shape.js';
import { broadcastView } from './elementwise.js';
import { sumTo } from './reduce.js';

export function inPlace<T extends Tensor>(t: T, op: string, compute: (t: Tensor) => Tensor): T {
  const tracking = isGradEnabled();
  if (tracking && t.requiresGrad && t.isLeaf) {
    throw new Error(`${op}: a leaf tensor that requires grad cannot be modified in place while the graph is recorded; do it inside noGrad() (as optimizers do), or on a detach()ed copy`);
  }
  let r = compute(t);
  checkSameBackend(op, t, r);
  if (!sameShape(r.shape, t.shape)) {
    const ok = broadcastShapes(op, r.shape, t.shape).join() === t.shape.join();
    if (!ok) throw new Error(`${op}: the result has shape ${shapeStr(r.shape)}, which cannot be written into a tensor of shape ${shapeStr(t.shape)}`);
  }
  if (r.dtype !== t.dtype) {
    if (isFloat(r.dtype) && !isFloat(t.dtype)) {
      throw new TypeError(`${op}: the result is ${r.dtype}, which cannot be written into a ${t.dtype} tensor in place`);
    }
    r = r.to(t.dtype);
  }
  const graph = tracking && r.requiresGrad;
  if (graph && t.base !== null) {
    throw new Error(`${op}: in-place ops on a view are not recorded by autograd; use the out-of-place form (${op.slice(0, -1)})`);
  }
  t.storage.backend.copy(broadcastView(r, t.shape), t.backendView());
  t.storage.version++;
  if (graph) {
    const rShape = r.shape;
    t.rebase(null, false);
    record(op, [r], t, (g) => [sumTo(g, rShape)]);
  } else if (tracking && t.requiresGrad) {
    // Overwritten by a value outside the graph: its history no longer matters.
    t.rebase(null, false);
  }
  return t;
}
