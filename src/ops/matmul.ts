/**
 * matmul with PyTorch's semantics: 1-D operands gain a dim that is removed again, batch dims
 * broadcast. The kernel sees [...batch, M, K]·[...batch, K, N] with the batch already expanded
 * (stride 0, no copy); its gradients are matmuls against transposed views, and expand's backward
 * sums them over broadcast batch dims.
 */

import { record } from '../autograd/node.js';
import { type Tensor, checkSameBackend, empty } from '../tensor/tensor.js';
import { broadcastShapes, sameShape, shapeStr } from '../tensor/shape.js';

/** True when the last two dims are stored transposed: the matrix's columns are contiguous. */
function columnMajor(t: Tensor): boolean {
  const nd = t.ndim;
  return t.strides[nd - 2] === 1 && t.strides[nd - 1] !== 1 && t.shape[nd - 2]! > 1;
}

function batchedMatmul(a: Tensor, b: Tensor): Tensor {
  const nd = a.ndim;
  const out = empty([...a.shape.slice(0, nd - 1), b.shape[nd - 1]!], a.dtype, a);
  a.storage.backend.matmul(a.backendView(), b.backendView(), out.storage.buffer);
  // An operand that is a transposed view (x·Wᵀ's Wᵀ) gets its gradient computed transposed, so
  // the transpose's own backward hands the parameter a contiguous gradient with no copy.
  return record('matmul', [a, b], out, (g, needs) => [
    needs[0] ? (columnMajor(a) ? batchedMatmul(b, g.mT).mT : batchedMatmul(g, b.mT)) : null,
    needs[1] ? (columnMajor(b) ? batchedMatmul(g.mT, a).mT : batchedMatmul(a.mT, g)) : null,
  ], [a, b]);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(`matmul: both operands need at least one dim, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  if (a.dtype !== b.dtype) throw new TypeError(`matmul: operands must have the same dtype, got ${a.dtype} and ${b.dtype}`);
  if (a.dtype === 'bool') throw new TypeError('matmul: bool tensors cannot be multiplied; convert them with .float()');
  checkSameBackend('matmul', a, b);
  let A = a.ndim === 1 ? a.unsqueeze(0) : a;
  let B = b.ndim === 1 ? b.unsqueeze(1) : b;
  const M = A.shape[A.ndim - 2]!, K = A.shape[A.ndim - 1]!, K2 = B.shape[B.ndim - 2]!, N = B.shape[B.ndim - 1]!;
  if (K !== K2) {
    throw new Error(`matmul: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be multiplied (${K} columns vs ${K2} rows)`);
  }
  if (B.ndim === 2 && A.ndim > 2) {
    // [...batch, M, K]·[K, N] is one [batch·M, K]·[K, N] product, as PyTorch folds it: B is packed
    // once instead of once per batch, and B's gradient is one matmul instead of a batch of them
    // summed afterwards.
    const lead = A.shape.slice(0, -1);
    const out = batchedMatmul(A.reshape(lead.reduce((p, s) => p * s, 1), K), B).view(...lead, N);
    return b.ndim === 1 ? out.squeeze(-1) : out;
  }
  const batch = broadcastShapes('matmul', A.shape.slice(0, -2), B.shape.slice(0, -2));
  const fullA = [...batch, M, K], fullB = [...batch, K, N];
  if (!sameShape(A.shape, fullA)) A = A.expand(fullA);
  if (!sameShape(B.shape, fullB)) B = B.expand(fullB);
  let out = batchedMatmul(A, B);
  if (a.ndim === 1) out = out.squeeze(-2);
  if (b.ndim === 1) out = out.squeeze(-1);
  return out;
}
