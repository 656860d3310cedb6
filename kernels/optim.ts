/**
 * Optimizer updates over many float32 tensors in one call. The host writes a table of records,
 * one per parameter tensor (byte addresses, 0 for a buffer that is absent, and the element count),
 * and the kernel walks it, so a step over a model is one call rather than a dozen ops a parameter.
 * The arithmetic is torch.optim's single-tensor path, in its order (see src/optim/adam.ts, sgd.ts).
 */

/**
 * Adam and AdamW. Record: [param, grad, expAvg, expAvgSq, maxExpAvgSq or 0, count].
 * decay multiplies θ first (AdamW's 1 − ηλ, else 1); l2 adds l2·θ to the gradient (Adam's λ).
 */
export function adamF32(table: usize, tensors: i32, decay: f32, l2: f32, beta1: f32, beta2: f32, eps: f32, stepSize: f32, bc2Sqrt: f32): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(1 - beta1), b2 = f32x4.splat(beta2), c2 = f32x4.splat(1 - beta2);
  const dec = f32x4.splat(decay), l2v = f32x4.splat(l2), e = f32x4.splat(eps), step = f32x4.splat(stepSize), bc = f32x4.splat(bc2Sqrt);
  for (let t = 0; t < tensors; t++, table += 24) {
    let p = <usize>load<i32>(table), g = <usize>load<i32>(table, 4), m = <usize>load<i32>(table, 8);
    let v = <usize>load<i32>(table, 12), vmax = <usize>load<i32>(table, 16);
    const n = load<i32>(table, 20);
    let i = 0;
    for (; i + 4 <= n; i += 4, p += 16, g += 16, m += 16, v += 16, vmax += vmax ? 16 : 0) {
      let th = v128.load(p);
      if (decay != 1) th = f32x4.mul(th, dec);
      let gr = v128.load(g);
      if (l2 != 0) gr = f32x4.add(gr, f32x4.mul(th, l2v));
      const mi = f32x4.add(f32x4.mul(v128.load(m), b1), f32x4.mul(gr, c1));
      const vi = f32x4.add(f32x4.mul(v128.load(v), b2), f32x4.mul(f32x4.mul(gr, gr), c2));
      v128.store(m, mi);
      v128.store(v, vi);
      let second = vi;
      if (vmax) {
        second = f32x4.max(v128.load(vmax), vi);
        v128.store(vmax, second);
      }
      const denom = f32x4.add(f32x4.div(f32x4.sqrt(second), bc), e);
      v128.store(p, f32x4.sub(th, f32x4.mul(step, f32x4.div(mi, denom))));
    }
    for (; i < n; i++, p += 4, g += 4, m += 4, v += 4, vmax += vmax ? 4 : 0) {
      let th = load<f32>(p);
      if (decay != 1) th *= decay;
      let gr = load<f32>(g);
      if (l2 != 0) gr += th * l2;
      const mi = load<f32>(m) * beta1 + gr * (1 - beta1);
      const vi = load<f32>(v) * beta2 + gr * gr * (1 - beta2);
      store<f32>(m, mi);
      store<f32>(v, vi);
      let second = vi;
      if (vmax) {
        second = max(load<f32>(vmax), vi);
        store<f32>(vmax, second);
      }
      store<f32>(p, th - stepSize * (mi / (sqrt<f32>(second) / bc2Sqrt + eps)));
    }
  }
}

/**
 * SGD with momentum. Record: [param, grad, momentumBuffer or 0, count, first step (1) or not (0)];
 * on the first step the buffer takes the gradient, as torch.optim.SGD's clone.
 */
export function sgdF32(table: usize, tensors: i32, lr: f32, momentum: f32, dampening: f32, weightDecay: f32, nesterov: bool): void {
  for (let t = 0; t < tensors; t++, table += 20) {
    const p = <usize>load<i32>(table), g = <usize>load<i32>(table, 4), buf = <usize>load<i32>(table, 8);
    const n = load<i32>(table, 12), first = load<i32>(table, 16) != 0;
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 2;
      const th = load<f32>(p + o);
      let d = load<f32>(g + o);
      if (weightDecay != 0) d += th * weightDecay;
      if (buf) {
        const b = first ? d : load<f32>(buf + o) * momentum + d * (1 - dampening);
        store<f32>(buf + o, b);
        d = nesterov ? d + b * momentum : b;
      }
      store<f32>(p + o, th - lr * d);
    }
  }
}
