/**
 * Cross-entropy of logits [N, C] against int32 class indices [N], per row, as one backend
 * primitive: loss_r = logsumexp(x_r) − x_r[t_r], 0 where t_r is ignoreIndex. The forward keeps
 * each row's log-sum-exp, so the backward, dx_r = g_r·(softmax(x_r) − onehot(t_r)), is one pass and
 * no [N, C] log-probabilities are ever stored. With createGraph the same formula runs as tensor
 * ops, so second derivatives work.
 */

import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { type Tensor, checkSameBackend, empty } from '../tensor/tensor.js';
import { arange } from './creation.js';
import { softmax } from './softmax.js';

export function crossEntropyRows(logits: Tensor, target: Tensor, ignoreIndex: number): Tensor {
  const [N, C] = logits.shape as [number, number];
  checkSameBackend('crossEntropy', logits, target);
  const backend = logits.storage.backend;
  const [xc, tc, loss, lse] = noGrad(() => {
    const xc = logits.contiguous(), tc = target.contiguous();
    const loss = empty([N], logits.dtype, logits), lse = empty([N], logits.dtype, logits);
    backend.crossEntropy(xc.backendView(), tc.backendView(), ignoreIndex, loss.storage.buffer, lse.storage.buffer);
    return [xc, tc, loss, lse];
  });
  return record('crossEntropy', [logits], loss, (g) => {
    if (!isGradEnabled()) {
      const dx = empty([N, C], logits.dtype, logits);
      backend.crossEntropyBackward(xc.backendView(), tc.backendView(), lse.backendView(), g.backendView(), ignoreIndex, dx.storage.buffer);
      return [dx];
    }
    const onehot = arange(C, { dtype: 'int32' }).eq(tc.unsqueeze(1)).to(logits.dtype);
    return [softmax(logits, 1).sub(onehot).mul(g.unsqueeze(1)).where(tc.ne(ignoreIndex).unsqueeze(1), 0)];
  }, [xc]);
}
