/**
 * The wasm backend against the reference backend (the specification): every primitive on random
 * inputs, every dtype, contiguous, offset, transposed, strided and broadcast (stride-0) views, odd
 * and large sizes, one and two threads. Then gradients through the public API, and the allocator.
 */

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Backend, type BackendBuffer, type DType, type TypedArray, type View, binaryOps, reduceOps, typedArrayFor, unaryOps,
} from '../../src/backend/backend.js';
import { ReferenceBackend } from '../../src/backend/reference.js';
import { type WasmBackend, createWasmBackend } from '../../src/backend/wasm/wasm-backend.js';
import {
  F, Generator, type Tensor, collectGarbage, memoryStats, nn, optim, randint, randn, registerBackend, setBackend, tensor,
} from '../../src/index.js';
import { MIN_COLLECT_BYTES } from '../../src/tensor/storage.js';

const reference = new ReferenceBackend();
const single = createWasmBackend({ threads: 1 });
const dual = createWasmBackend({ threads: 2 });
const plain = createWasmBackend({ kernels: 'simd', threads: 2 });
const unshared = createWasmBackend({ kernels: 'simd-unshared' });

before(async () => {
  // Workers start asynchronously; until all are ready matmul runs on the caller alone.
  for (let i = 0; i < 500 && (dual.threads < 2 || plain.threads < 2); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(dual.threads, 2, 'the two-thread backend started its worker');
  assert.equal(plain.threads, 2, 'the plain-SIMD backend started its worker');
  assert.equal(unshared.threads, 1, 'without shared memory there is one thread');
});

after(() => {
  dual.dispose();
  plain.dispose();
});

// ---- random data and views on both backends -----------------------------------------------------

let seed = 12345;
/** xorshift in [0, 1): deterministic, and independent of the library's generator. */
function rand(): number {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}
const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

function randomData(dtype: DType, size: number, scale = 3): TypedArray {
  const data = typedArrayFor(dtype, size);
  for (let i = 0; i < size; i++) {
    data[i] = dtype === 'bool' ? +(rand() < 0.5) : dtype === 'int32' ? Math.floor(rand() * 21) - 10 : normal() * scale;
  }
  return data;
}

interface Pair {
  w: View;
  r: View;
}

const contiguousStrides = (shape: readonly number[]): number[] => {
  const s = shape.map(() => 1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1]! * shape[d + 1]!;
  return s;
};

function upload(be: Backend, dtype: DType, data: TypedArray): BackendBuffer {
  const b = be.alloc(dtype, data.length);
  be.write(b, data);
  return b;
}

type Kind = 'contiguous' | 'offset' | 'transposed' | 'strided' | 'broadcast';
const KINDS: Kind[] = ['contiguous', 'offset', 'transposed', 'strided', 'broadcast'];

/** The same random view on both backends: a window of `kind` onto a buffer holding more than it shows. */
function view(w: Backend, kind: Kind, dtype: DType, shape: number[], data?: TypedArray): Pair {
  const nd = shape.length;
  let strides: number[], offset = 0, size: number;
  const numel = shape.reduce((a, b) => a * b, 1);
  switch (kind) {
    case 'contiguous': strides = contiguousStrides(shape); size = numel; break;
    case 'offset': strides = contiguousStrides(shape); offset = 5; size = numel + 9; break;
    case 'transposed': {
      if (nd < 2) return view(w, 'contiguous', dtype, shape, data);
      // Stored with the last two dims swapped.
      const stored = [...shape.slice(0, nd - 2), shape[nd - 1]!, shape[nd - 2]!];
      const s = contiguousStrides(stored);
      strides = [...s.slice(0, nd - 2), s[nd - 1]!, s[nd - 2]!];
      size = numel;
      break;
    }
    case 'strided': {
      // Every other element of every dim, from a buffer twice as long in each.
      const outer = contiguousStrides(shape.map((n) => 2 * n));
      strides = outer.map((s) => 2 * s);
      offset = 1;
      size = shape.reduce((a, n) => a * 2 * n, 1) + 1;
      break;
    }
    case 'broadcast': {
      // Dim 0 (and dim nd-1 when there are two or more) expanded from size 1.
      const stored = shape.map((n, d) => (d === 0 || (d === nd - 1 && nd > 1) ? 1 : n));
      strides = contiguousStrides(stored).map((s, d) => (stored[d] === 1 && shape[d]! > 1 ? 0 : s));
      size = stored.reduce((a, b) => a * b, 1);
      break;
    }
  }
  const values = data && data.length === size ? data : randomData(dtype, size);
  return {
    w: { buffer: upload(w, dtype, values), shape, strides, offset },
    r: { buffer: upload(reference, dtype, values), shape, strides, offset },
  };
}

interface Tolerance {
  rtol?: number;
  atol?: number;
}

function assertSame(actual: TypedArray, expected: TypedArray, what: string, tol: Tolerance = {}): void {
  const { rtol = 0, atol = 0 } = tol;
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.equal(actual.constructor, expected.constructor, `${what}: array type`);
  for (let i = 0; i < actual.length; i++) {
    const x = actual[i]!, y = expected[i]!;
    if (Number.isNaN(y)) {
      assert.ok(Number.isNaN(x), `${what}[${i}]: got ${x}, expected NaN`);
    } else if (!Number.isFinite(y) || rtol === 0 && atol === 0) {
      assert.ok(x === y, `${what}[${i}]: got ${x}, expected ${y}`);
    } else {
      assert.ok(Math.abs(x - y) <= atol + rtol * Math.abs(y), `${what}[${i}]: got ${x}, expected ${y} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

const BACKENDS: [string, WasmBackend][] = [
  ['relaxed SIMD, 1 thread', single], ['relaxed SIMD, 2 threads', dual], ['plain SIMD, 2 threads', plain], ['unshared memory', unshared],
];
const SHAPES = [[1], [3], [17], [4, 63], [65, 3], [2, 3, 129]];
const TRANSCENDENTAL = new Set(['exp', 'log', 'rsqrt', 'tanh', 'sigmoid', 'gelu', 'geluTanh', 'geluGrad', 'geluTanhGrad', 'silu', 'erf', 'sin', 'cos', 'pow']);

/**
 * float32 precision. The GELUs get an absolute floor too: for x below about -5 the reference's
 * 1 + erf(x/√2) and 1 + tanh(u) cancel (its gelu(-7.5) is off by 3e-4 relative); the kernels use
 * erfc and x/(1 + e^(−2u)) instead, so the two differ there by the reference's own error, < 1e-14.
 */
const unaryTolerance = (op: string): Tolerance =>
  op.endsWith('Grad') ? { rtol: 1e-6, atol: 1e-7 } // Φ(x) + xφ(x) cancels near x ≈ −3: gradients, compared in absolute terms there
  // The tanh GELU runs in float32 lanes: e^(−2u) scales u's rounding by |2u|, so in the negative
  // tail the relative error grows (to ~1e-6 at x = −3) while the absolute error stays below 1e-9.
  : op === 'geluTanh' ? { rtol: 2e-6, atol: 1e-9 }
  : op.startsWith('gelu') ? { rtol: 1e-6, atol: 1e-14 } : { rtol: 1e-6, atol: 1e-37 };

// ---- storage ------------------------------------------------------------------------------------

test('wasm: Node 20 gets the relaxed-SIMD kernels', () => {
  const be = createWasmBackend();
  assert.equal(be.kernels, 'relaxed-simd');
  be.dispose();
});

test('wasm: write then read returns the data for every dtype, and read copies', async () => {
  for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
    const data = randomData(dtype, 37);
    const b = single.alloc(dtype, 37);
    single.write(b, data);
    const got = single.readSync(b);
    assertSame(got, data, dtype);
    got[0] = 99;
    assertSame(await single.read(b), data, `${dtype} after changing a read copy`);
    assert.ok(!(single.readSync(b).buffer instanceof SharedArrayBuffer), 'reads are not views of shared memory');
    single.free(b);
  }
});

test('wasm: a freed buffer cannot be used', () => {
  const b = single.alloc('float32', 4);
  single.free(b);
  single.free(b);
  assert.throws(() => single.readSync(b), /freed float32 buffer/);
});

// ---- elementwise --------------------------------------------------------------------------------

const SPECIALS = [0, -0, 1, -1, 0.5, -0.5, 1e-8, -1e-8, 1e-3, -1e-3, 0.3, 2, 7.5, -7.5, 20, -20, 30, -30, 88, 88.7, 89,
  -87, -103, -104, 200, -200, 1e-40, -1e-40, 1e30, -1e30, NaN, Infinity, -Infinity, 3.14159, 1e5, -1e5];

test('wasm: float32 unary ops match the reference on special values', () => {
  const data = Float32Array.from(SPECIALS);
  for (const op of unaryOps) {
    const x = view(single, 'contiguous', 'float32', [data.length], data);
    const ow = single.alloc('float32', data.length), or = reference.alloc('float32', data.length);
    single.unary(op, x.w, ow);
    reference.unary(op, x.r, or);
    // sin and cos of ±1e30 and exp near overflow: the reference is float64, rounded once; so are we.
    assertSame(single.readSync(ow), reference.readSync(or), op, TRANSCENDENTAL.has(op) ? unaryTolerance(op) : {});
  }
});

test('wasm: unary ops over every view kind and dtype', () => {
  for (const [name, be] of BACKENDS) {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
      const ops = dtype === 'bool' ? ['not' as const] : unaryOps.filter((op) => op !== 'not');
      for (const shape of SHAPES) {
        for (const kind of KINDS) {
          for (const op of ops) {
            const x = view(be, kind, dtype, shape);
            const n = shape.reduce((a, b) => a * b, 1);
            const ow = be.alloc(dtype, n), or = reference.alloc(dtype, n);
            be.unary(op, x.w, ow);
            reference.unary(op, x.r, or);
            const tol = dtype === 'float32' && TRANSCENDENTAL.has(op) ? unaryTolerance(op) : {};
            assertSame(be.readSync(ow), reference.readSync(or), `${name} ${op} ${dtype} ${kind} [${shape}]`, tol);
            be.free(ow);
            be.free(x.w.buffer);
          }
        }
      }
    }
  }
});

test('wasm: binary ops over every pair of view kinds and dtype', () => {
  for (const [name, be] of BACKENDS) {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
      for (const op of binaryOps) {
        const comparison = binaryOps.indexOf(op) >= binaryOps.indexOf('eq');
        if (dtype === 'bool' && !comparison) continue;
        const outDtype: DType = comparison ? 'bool' : dtype;
        for (const shape of SHAPES.slice(1)) {
          for (const [ka, kb] of [['contiguous', 'contiguous'], ['contiguous', 'broadcast'], ['broadcast', 'contiguous'],
            ['transposed', 'offset'], ['strided', 'contiguous'], ['broadcast', 'strided']] as [Kind, Kind][]) {
            const a = view(be, ka, dtype, shape), b = view(be, kb, dtype, shape);
            if (op === 'pow' && dtype !== 'bool') {
              // Small integer exponents keep int32 exact and give float bases of both signs a real power.
              const e = be.readSync(b.w.buffer).map(() => Math.floor(rand() * 5) - 1);
              be.write(b.w.buffer, e);
              reference.write(b.r.buffer, e);
            }
            const n = shape.reduce((x, y) => x * y, 1);
            const ow = be.alloc(outDtype, n), or = reference.alloc(outDtype, n);
            be.binary(op, a.w, b.w, ow);
            reference.binary(op, a.r, b.r, or);
            const tol = dtype === 'float32' && op === 'pow' ? { rtol: 1e-6 } : {};
            assertSame(be.readSync(ow), reference.readSync(or), `${name} ${op} ${dtype} ${ka}·${kb} [${shape}]`, tol);
            for (const buf of [ow, a.w.buffer, b.w.buffer]) be.free(buf);
          }
        }
      }
    }
  }
});

test('wasm: large elementwise ops split across threads match the reference', () => {
  const n = 150_001;
  for (const [name, be] of BACKENDS) {
    for (const op of ['exp', 'geluTanh', 'geluTanhGrad', 'neg'] as const) {
      const x = view(be, 'contiguous', 'float32', [n]);
      const ow = be.alloc('float32', n), or = reference.alloc('float32', n);
      be.unary(op, x.w, ow);
      reference.unary(op, x.r, or);
      assertSame(be.readSync(ow), reference.readSync(or), `${name} ${op} of ${n}`, unaryTolerance(op));
    }
    for (const op of ['add', 'mul', 'div', 'gt'] as const) {
      for (const [ka, kb] of [['contiguous', 'contiguous'], ['offset', 'contiguous']] as const) {
        const a = view(be, ka, 'float32', [3, n]), b = view(be, kb, 'float32', [3, n]);
        const dtype = op === 'gt' ? 'bool' : 'float32';
        const ow = be.alloc(dtype, 3 * n), or = reference.alloc(dtype, 3 * n);
        be.binary(op, a.w, b.w, ow);
        reference.binary(op, a.r, b.r, or);
        assertSame(be.readSync(ow), reference.readSync(or), `${name} ${op} ${ka}·${kb} [3, ${n}]`);
      }
      // One operand a scalar broadcast to every element (strides 0), the other of shape [1, n].
      const a = view(be, 'contiguous', 'float32', [1, n]);
      const s = randomData('float32', 1);
      const b = { w: { buffer: upload(be, 'float32', s), shape: [1, n], strides: [n, 0], offset: 0 },
        r: { buffer: upload(reference, 'float32', s), shape: [1, n], strides: [n, 0], offset: 0 } };
      const dtype = op === 'gt' ? 'bool' : 'float32';
      for (const [x, y] of [[a, b], [b, a]] as const) {
        const ow = be.alloc(dtype, n), or = reference.alloc(dtype, n);
        be.binary(op, x.w, y.w, ow);
        reference.binary(op, x.r, y.r, or);
        assertSame(be.readSync(ow), reference.readSync(or), `${name} ${op} with a broadcast scalar`);
      }
    }
  }
});

test('wasm: float32 binary ops with scalars, ties, NaN and infinities', () => {
  const values = Float32Array.from([0, -0, 1, -1, 2, 0.5, NaN, Infinity, -Infinity, 3, -3, 1e-40]);
  const n = values.length;
  // Every pair: a runs down, b across.
  const a = new Float32Array(n * n), b = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { a[i * n + j] = values[i]!; b[i * n + j] = values[j]!; }
  for (const op of binaryOps) {
    const comparison = binaryOps.indexOf(op) >= binaryOps.indexOf('eq');
    const out: DType = comparison ? 'bool' : 'float32';
    const x = view(single, 'contiguous', 'float32', [n * n], a), y = view(single, 'contiguous', 'float32', [n * n], b);
    const ow = single.alloc(out, n * n), or = reference.alloc(out, n * n);
    single.binary(op, x.w, y.w, ow);
    reference.binary(op, x.r, y.r, or);
    assertSame(single.readSync(ow), reference.readSync(or), `${op} on special values`, op === 'pow' ? { rtol: 1e-6 } : {});
  }
  // x ** 2 with a broadcast scalar exponent takes the squaring path, for any layout of x.
  for (const kind of KINDS) {
    const x = view(single, kind, 'float32', [3, n]);
    const two = view(single, 'contiguous', 'float32', [1], Float32Array.of(2));
    const b2w = { ...two.w, shape: [3, n], strides: [0, 0] }, b2r = { ...two.r, shape: [3, n], strides: [0, 0] };
    const ow = single.alloc('float32', 3 * n), or = reference.alloc('float32', 3 * n);
    single.binary('pow', x.w, b2w, ow);
    reference.binary('pow', x.r, b2r, or);
    assertSame(single.readSync(ow), reference.readSync(or), `x ** 2, x ${kind}`);
  }
});

test('wasm: where over every dtype and broadcast pattern', () => {
  for (const [name, be] of BACKENDS) {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
      for (const shape of SHAPES) {
        for (const [kc, ka, kb] of [['contiguous', 'contiguous', 'contiguous'], ['contiguous', 'broadcast', 'contiguous'],
          ['contiguous', 'contiguous', 'broadcast'], ['broadcast', 'offset', 'transposed'], ['strided', 'contiguous', 'strided']] as Kind[][]) {
          const c = view(be, kc!, 'bool', shape), a = view(be, ka!, dtype, shape), b = view(be, kb!, dtype, shape);
          const n = shape.reduce((x, y) => x * y, 1);
          const ow = be.alloc(dtype, n), or = reference.alloc(dtype, n);
          be.where(c.w, a.w, b.w, ow);
          reference.where(c.r, a.r, b.r, or);
          assertSame(be.readSync(ow), reference.readSync(or), `${name} where ${dtype} ${kc}/${ka}/${kb} [${shape}]`);
          for (const buf of [ow, a.w.buffer, b.w.buffer, c.w.buffer]) be.free(buf);
        }
      }
    }
  }
});

test('wasm: copy converts between every pair of dtypes over every view kind', () => {
  const tricky = Float64Array.from([0, -0, 1.5, -1.5, 2.5, -2.7, 3e9, -3e9, 5e9, 1e20, NaN, Infinity, -Infinity, 255, 256, 0.2]);
  for (const [name, be] of BACKENDS) {
    for (const from of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
      for (const to of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
        for (const shape of SHAPES) {
          for (const [kx, ko] of [['contiguous', 'contiguous'], ['transposed', 'contiguous'], ['broadcast', 'offset'],
            ['offset', 'strided'], ['strided', 'transposed']] as Kind[][]) {
            const x = view(be, kx!, from, shape);
            const o = view(be, ko!, to, shape);
            be.copy(x.w, o.w);
            reference.copy(x.r, o.r);
            assertSame(be.readSync(o.w.buffer), reference.readSync(o.r.buffer), `${name} copy ${from}→${to} ${kx}→${ko} [${shape}]`);
            be.free(x.w.buffer);
            be.free(o.w.buffer);
          }
        }
        const special = from === 'float64' ? tricky : from === 'float32' ? Float32Array.from(tricky) : undefined;
        const x = view(be, 'contiguous', from, [tricky.length], special);
        const o = view(be, 'contiguous', to, [tricky.length]);
        be.copy(x.w, o.w);
        reference.copy(x.r, o.r);
        assertSame(be.readSync(o.w.buffer), reference.readSync(o.r.buffer), `${name} copy ${from}→${to} of rounding, wrapping and special values`);
      }
    }
  }
});

test('wasm: head transposes [B, H, T, D] → [B, T, H, D] copy exactly, rows shorter and longer than 1 KiB', () => {
  // The copy takes its rows from the largest leading dim and moves short rows by vector loads.
  for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
    for (const [B, H, T, D] of [[2, 3, 5, 7], [3, 4, 9, 32], [2, 2, 3, 300], [1, 5, 17, 1]] as [number, number, number, number][]) {
      const data = randomData(dtype, B * H * T * D);
      const src = { shape: [B, T, H, D], strides: [H * T * D, D, T * D, 1], offset: 0 };
      const dst = { shape: [B, T, H, D], strides: [T * H * D, H * D, D, 1], offset: 0 };
      const or = reference.alloc(dtype, data.length);
      reference.copy({ ...src, buffer: upload(reference, dtype, data) }, { ...dst, buffer: or });
      for (const [name, be] of BACKENDS) {
        const xw = upload(be, dtype, data), ow = be.alloc(dtype, data.length);
        be.copy({ ...src, buffer: xw }, { ...dst, buffer: ow });
        assertSame(be.readSync(ow), reference.readSync(or), `${name} ${dtype} head transpose [${B}, ${H}, ${T}, ${D}]`);
        be.free(xw);
        be.free(ow);
      }
    }
  }
});

test('wasm: fill over every dtype and view kind', () => {
  for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
    for (const value of [0, 1.5, -2.7, 3e9, NaN, -Infinity]) {
      for (const shape of SHAPES) {
        for (const kind of ['contiguous', 'offset', 'strided', 'transposed'] as Kind[]) {
          const o = view(single, kind, dtype, shape);
          single.fill(o.w, value);
          reference.fill(o.r, value);
          assertSame(single.readSync(o.w.buffer), reference.readSync(o.r.buffer), `fill ${dtype} ${value} ${kind} [${shape}]`);
          single.free(o.w.buffer);
        }
      }
    }
  }
});

// ---- reductions ---------------------------------------------------------------------------------

test('wasm: reductions over trailing dims, rows and columns, every size', () => {
  const cases: [number[], number][] = [];
  for (const n of [1, 3, 17, 63, 65, 129]) cases.push([[n], 1], [[5, n], 1], [[n, 7], 1], [[3, 4, n], 2], [[2, n, 3], 3], [[n, 9], 2]);
  for (const [name, be] of BACKENDS) {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
      for (const op of reduceOps) {
        if (dtype === 'bool' && op !== 'sum') continue;
        const outDtype: DType = op === 'argmax' || op === 'argmin' ? 'int32' : dtype === 'bool' ? 'int32' : dtype === 'int32' && op === 'sum' ? 'int32' : dtype;
        for (const [shape, dims] of cases) {
          for (const kind of KINDS) {
            const x = view(be, kind, dtype, shape);
            // Reducing a transposed view reduces down columns.
            const n = shape.slice(0, shape.length - dims).reduce((a, b) => a * b, 1);
            const ow = be.alloc(outDtype, n), or = reference.alloc(outDtype, n);
            be.reduce(op, x.w, dims, ow);
            reference.reduce(op, x.r, dims, or);
            assertSame(be.readSync(ow), reference.readSync(or), `${name} ${op} ${dtype} ${kind} [${shape}] over ${dims}`,
              op === 'sum' && dtype === 'float32' ? { rtol: 1e-6, atol: 1e-6 } : {});
            be.free(ow);
            be.free(x.w.buffer);
          }
        }
      }
    }
  }
});

test('wasm: max, min, argmax and argmin keep the first extreme and propagate NaN', () => {
  const rows = [
    [1, 3, 3, 2], [NaN, 1, 2, 3], [1, NaN, 5, NaN], [-Infinity, -Infinity, -Infinity, -Infinity],
    [0, -0, 0, -0], [2, 2, 2, 2], [5, 1, 5, 1], [1, 2, 3, NaN],
  ];
  const data = Float32Array.from(rows.flat());
  for (const op of reduceOps) {
    for (const transpose of [false, true]) {
      const shape = transpose ? [4, rows.length] : [rows.length, 4];
      const x = view(single, 'contiguous', 'float32', [data.length], data);
      // The transposed form reads each row as a column: the column kernel.
      const strides = transpose ? [1, 4] : [4, 1];
      const w = { ...x.w, shape: [rows.length, 4], strides }, r = { ...x.r, shape: [rows.length, 4], strides };
      if (transpose) {
        const t = new Float32Array(data.length);
        for (let i = 0; i < rows.length; i++) for (let j = 0; j < 4; j++) t[j * rows.length + i] = data[i * 4 + j]!;
        single.write(x.w.buffer, t);
        reference.write(x.r.buffer, t);
        w.strides = [1, rows.length];
        r.strides = [1, rows.length];
      }
      const out: DType = op === 'argmax' || op === 'argmin' ? 'int32' : 'float32';
      const ow = single.alloc(out, rows.length), or = reference.alloc(out, rows.length);
      single.reduce(op, w, 1, ow);
      reference.reduce(op, r, 1, or);
      assertSame(single.readSync(ow), reference.readSync(or), `${op} ${transpose ? 'columns' : 'rows'} [${shape}]`);
    }
  }
});

test('wasm: a long float32 sum accumulates in float64', () => {
  const n = 1 << 20;
  const data = new Float32Array(n).fill(0.1);
  data[0] = 1e8;
  const x = view(single, 'contiguous', 'float32', [n], data);
  const ow = single.alloc('float32', 1), or = reference.alloc('float32', 1);
  single.reduce('sum', x.w, 1, ow);
  reference.reduce('sum', x.r, 1, or);
  assertSame(single.readSync(ow), reference.readSync(or), 'sum of 1e8 and a million 0.1s');
});

// ---- matmul -------------------------------------------------------------------------------------

/** a [..., M, K] · b [..., K, N] on each wasm backend against the reference, with A and/or B stored transposed. */
function checkMatmul(M: number, K: number, N: number, opts: { ta?: boolean; tb?: boolean; batch?: number[]; broadcastA?: boolean; dtype?: DType; offset?: boolean } = {}, backends = BACKENDS): void {
  const { ta = false, tb = false, batch = [], broadcastA = false, dtype = 'float32', offset = false } = opts;
  const nb = batch.reduce((a, b) => a * b, 1);
  const make = (rows: number, cols: number, transposed: boolean, broadcast: boolean): { data: TypedArray; view: Omit<View, 'buffer'> } => {
    const per = rows * cols, count = broadcast ? 1 : nb, off = offset ? 3 : 0;
    const inner = transposed ? [1, rows] : [cols, 1];
    const batchStrides = contiguousStrides(batch).map((s) => (broadcast ? 0 : s * per));
    return { data: randomData(dtype, count * per + off, 1), view: { shape: [...batch, rows, cols], strides: [...batchStrides, ...inner], offset: off } };
  };
  const a = make(M, K, ta, broadcastA), b = make(K, N, tb, false);
  const or = reference.alloc(dtype, nb * M * N);
  reference.matmul({ ...a.view, buffer: upload(reference, dtype, a.data) }, { ...b.view, buffer: upload(reference, dtype, b.data) }, or);
  const want = reference.readSync(or);
  // float32 accumulates in float32 (the reference in float64): allow K roundings of |a||b| ≈ 1.
  const tol = dtype === 'float32' ? { rtol: 1e-5, atol: 2e-7 * K + 1e-6 } : {};
  const what = `${M}x${K}·${K}x${N}${ta ? ' Aᵀ' : ''}${tb ? ' Bᵀ' : ''}${batch.length ? ` batch [${batch}]` : ''}${broadcastA ? ' (A broadcast)' : ''} ${dtype}`;
  for (const [name, be] of backends) {
    const aw = upload(be, dtype, a.data), bw = upload(be, dtype, b.data), ow = be.alloc(dtype, nb * M * N);
    be.matmul({ ...a.view, buffer: aw }, { ...b.view, buffer: bw }, ow);
    assertSame(be.readSync(ow), want, `${name}: ${what}`, tol);
    for (const buf of [ow, aw, bw]) be.free(buf);
  }
}

test('wasm: matmul in all four transpose forms at odd sizes', () => {
  const sizes = [1, 3, 17, 63, 65, 129];
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      for (const M of sizes) {
        for (const N of [1, 17, 65]) checkMatmul(M, M === 1 ? 3 : 2 * M - 1, N, { ta, tb });
        checkMatmul(M, 65, M, { ta, tb });
      }
      checkMatmul(63, 129, 17, { ta, tb, offset: true });
    }
  }
});

test('wasm: matmul of large operands, split across threads', () => {
  checkMatmul(512, 512, 512);
  checkMatmul(320, 384, 448, { ta: true, tb: true });
  // Deeper than one K block, wider than one column tile.
  checkMatmul(67, 600, 1100, { tb: true });
});

test('wasm: batched matmul, with a batch broadcast by stride 0', () => {
  checkMatmul(17, 9, 13, { batch: [3] });
  checkMatmul(17, 9, 13, { batch: [2, 3], broadcastA: true, tb: true });
  checkMatmul(64, 32, 64, { batch: [4, 2], ta: true });
  checkMatmul(5, 0, 4, { batch: [2] });
});

test('wasm: float64 and int32 matmul match the reference exactly', () => {
  for (const dtype of ['float64', 'int32'] as DType[]) {
    checkMatmul(17, 9, 13, { dtype, batch: [2], tb: true });
    checkMatmul(33, 65, 7, { dtype, ta: true });
  }
});

// ---- gather and scatterAdd ----------------------------------------------------------------------

test('wasm: gather and scatterAdd along each dim for every dtype', () => {
  const cases: [number[], number[]][] = [[[6, 5], [4, 3]], [[7], [9]], [[3, 4, 5], [2, 4, 3]], [[2, 65, 3], [2, 17, 3]]];
  for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
    for (const [shape, ishape] of cases) {
      for (let dim = 0; dim < shape.length; dim++) {
        const n = ishape.reduce((a, b) => a * b, 1);
        // Some indices negative: they count from the end.
        const index = Int32Array.from({ length: n }, () => Math.floor(rand() * shape[dim]!) - (rand() < 0.3 ? shape[dim]! : 0));
        const idx = view(dual, 'contiguous', 'int32', ishape, index);
        for (const kind of ['contiguous', 'transposed', 'strided'] as Kind[]) {
          const x = view(dual, kind, dtype, shape);
          const ow = dual.alloc(dtype, n), or = reference.alloc(dtype, n);
          dual.gather(x.w, idx.w, dim, ow);
          reference.gather(x.r, idx.r, dim, or);
          assertSame(dual.readSync(ow), reference.readSync(or), `gather ${dtype} ${kind} [${shape}] dim ${dim}`);
          if (dtype === 'bool') continue;
          const src = view(dual, kind === 'strided' ? 'offset' : kind, dtype, ishape);
          const into = view(dual, kind === 'transposed' ? 'contiguous' : kind, dtype, shape);
          dual.scatterAdd(into.w, idx.w, src.w, dim);
          reference.scatterAdd(into.r, idx.r, src.r, dim);
          assertSame(dual.readSync(into.w.buffer), reference.readSync(into.r.buffer), `scatterAdd ${dtype} ${kind} [${shape}] dim ${dim}`);
        }
      }
    }
  }
});

test('wasm: an embedding lookup (index broadcast along rows) and its gradient', () => {
  const rows = 50, C = 33, n = 40;
  const ids = Int32Array.from({ length: n }, () => Math.floor(rand() * rows));
  const idx = view(dual, 'contiguous', 'int32', [n, 1], ids);
  const ew = { ...idx.w, shape: [n, C], strides: [1, 0] }, er = { ...idx.r, shape: [n, C], strides: [1, 0] };
  const table = view(dual, 'contiguous', 'float32', [rows, C]);
  const ow = dual.alloc('float32', n * C), or = reference.alloc('float32', n * C);
  dual.gather(table.w, ew, 0, ow);
  reference.gather(table.r, er, 0, or);
  assertSame(dual.readSync(ow), reference.readSync(or), 'embedding rows');
  const grad = view(dual, 'contiguous', 'float32', [n, C]);
  const into = view(dual, 'contiguous', 'float32', [rows, C], new Float32Array(rows * C));
  dual.scatterAdd(into.w, ew, grad.w, 0);
  reference.scatterAdd(into.r, er, grad.r, 0);
  assertSame(dual.readSync(into.w.buffer), reference.readSync(into.r.buffer), 'embedding gradient');
});

test('wasm: gather and scatterAdd reject an index out of range as the reference does', () => {
  const x = view(single, 'contiguous', 'float32', [4, 3]);
  const idx = view(single, 'contiguous', 'int32', [2, 3], Int32Array.from([0, 1, 2, 3, 4, -5]));
  const out = single.alloc('float32', 6);
  assert.throws(() => single.gather(x.w, idx.w, 0, out), /gather: index 4 is out of range for a dimension of size 4/);
  assert.throws(() => single.scatterAdd(x.w, idx.w, view(single, 'contiguous', 'float32', [2, 3]).w, 0), /scatterAdd: index 4 is out of range/);
});

// ---- through the public API ---------------------------------------------------------------------

/** The gradients of a small MLP's loss (GELU, tanh, layer norm, softmax cross-entropy) on the current backend. */
function mlpGradients(): { loss: number; grads: Float32Array[] } {
  const g = new Generator(7);
  const x = randn([16, 12], { generator: g });
  const w1 = randn([32, 12], { generator: g }).mul(0.3).requiresGrad_();
  const b1 = randn([32], { generator: g }).mul(0.1).requiresGrad_();
  const w2 = randn([32, 5], { generator: g }).mul(0.3).requiresGrad_();
  const target = tensor([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0], { dtype: 'int32' });
  let h = F.linear(x, w1, b1).gelu();
  h = F.layerNorm(h, [32]).tanh();
  const logits = h.matmul(w2);
  const loss = F.crossEntropy(logits, target);
  loss.backward();
  return { loss: loss.item(), grads: [w1, b1, w2].map((p: Tensor) => p.grad!.dataSync() as Float32Array) };
}

// ---- fused row primitives and optimizer updates -------------------------------------------------

/** The same contiguous [rows, cols] data on both backends, at an offset of 3 elements. */
function rowsPair(be: Backend, dtype: DType, rows: number, cols: number, data?: TypedArray): Pair {
  const values = data ?? randomData(dtype, rows * cols + 3);
  return {
    w: { buffer: upload(be, dtype, values), shape: [rows, cols], strides: [cols, 1], offset: 3 },
    r: { buffer: upload(reference, dtype, values), shape: [rows, cols], strides: [cols, 1], offset: 3 },
  };
}

const ROW_SHAPES: [number, number][] = [[1, 1], [3, 5], [7, 64], [5, 65], [130, 3]];
const FLOAT32 = { rtol: 2e-5, atol: 2e-6 };

test('wasm: softmax and logSoftmax forward and backward, with scale and a causal mask', () => {
  for (const [name, be] of BACKENDS) {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      const tol = dtype === 'float32' ? FLOAT32 : { rtol: 1e-12, atol: 1e-14 };
      for (const [rows, cols] of [...ROW_SHAPES, [12, 12] as [number, number]]) {
        for (const log of [false, true]) {
          for (const causal of [undefined, { period: rows % 4 === 0 ? 4 : rows, shift: 0 }, { period: rows, shift: 2 }]) {
            const opts = { log, scale: 0.37, ...(causal ? { causal } : {}) };
            const what = `${name} ${dtype} [${rows}, ${cols}] ${log ? 'log' : ''}softmax ${causal ? `causal ${causal.period}+${causal.shift}` : ''}`;
            const x = rowsPair(be, dtype, rows, cols), g = rowsPair(be, dtype, rows, cols);
            const yw = be.alloc(dtype, rows * cols), yr = reference.alloc(dtype, rows * cols);
            be.softmax(x.w, yw, opts);
            reference.softmax(x.r, yr, opts);
            assertSame(be.readSync(yw), reference.readSync(yr), what, tol);
            const y = (buffer: BackendBuffer): View => ({ buffer, shape: [rows, cols], strides: [cols, 1], offset: 0 });
            const dw = be.alloc(dtype, rows * cols), dr = reference.alloc(dtype, rows * cols);
            be.softmaxBackward(y(yw), g.w, dw, opts);
            reference.softmaxBackward(y(yr), g.r, dr, opts);
            assertSame(be.readSync(dw), reference.readSync(dr), `${what} backward`, tol);
          }
        }
      }
    }
  }
});

test('wasm: softmax handles rows of -Infinity, +Infinity and NaN as the reference', () => {
  const data = Float32Array.from([0, 0, 0, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, 1, Infinity, 2, NaN, 3]);
  for (const log of [false, true]) {
    const x = rowsPair(single, 'float32', 3, 3, Float32Array.from([9, 9, 9, ...data.slice(3, 12)]));
    const yw = single.alloc('float32', 9), yr = reference.alloc('float32', 9);
    single.softmax(x.w, yw, { log, scale: 1 });
    reference.softmax(x.r, yr, { log, scale: 1 });
    assertSame(single.readSync(yw), reference.readSync(yr), `${log ? 'log' : ''}softmax of special rows`, FLOAT32);
  }
});

test('wasm: layerNorm forward and backward, with and without weight and bias', () => {
  for (const [name, be] of BACKENDS) {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      for (const [rows, cols] of ROW_SHAPES) {
        // A row of a few random values can have σ ≪ |μ|; float32's rounding of μ is then magnified
        // by 1/σ in x − μ and again in the gradient, as in any float32 layerNorm.
        const tol = dtype === 'float64' ? { rtol: 1e-11, atol: 1e-12 } : cols < 8 ? { rtol: 1e-4, atol: 2e-3 } : { rtol: 1e-4, atol: 1e-5 };
        for (const affine of [false, true]) {
          const what = `${name} ${dtype} [${rows}, ${cols}] layerNorm${affine ? ' affine' : ''}`;
          const x = rowsPair(be, dtype, rows, cols), g = rowsPair(be, dtype, rows, cols);
          const w = affine ? rowsPair(be, dtype, 1, cols) : null, b = affine ? rowsPair(be, dtype, 1, cols) : null;
          const out = [be.alloc(dtype, rows * cols), be.alloc(dtype, rows), be.alloc(dtype, rows)] as const;
          const ref = [reference.alloc(dtype, rows * cols), reference.alloc(dtype, rows), reference.alloc(dtype, rows)] as const;
          be.layerNorm(x.w, w && w.w, b && b.w, 1e-5, ...out);
          reference.layerNorm(x.r, w && w.r, b && b.r, 1e-5, ...ref);
          out.forEach((o, i) => assertSame(be.readSync(o), reference.readSync(ref[i]!), `${what} output ${i}`, tol));
          const vec = (buffer: BackendBuffer): View => ({ buffer, shape: [rows], strides: [1], offset: 0 });
          const grads = [be.alloc(dtype, rows * cols), affine ? be.alloc(dtype, cols) : null, affine ? be.alloc(dtype, cols) : null] as const;
          const refGrads = [reference.alloc(dtype, rows * cols), affine ? reference.alloc(dtype, cols) : null, affine ? reference.alloc(dtype, cols) : null] as const;
          be.layerNormBackward(g.w, x.w, w && w.w, vec(out[1]), vec(out[2]), ...grads);
          reference.layerNormBackward(g.r, x.r, w && w.r, vec(ref[1]), vec(ref[2]), ...refGrads);
          grads.forEach((o, i) => o && assertSame(be.readSync(o), reference.readSync(refGrads[i]!), `${what} gradient ${i}`, tol));
        }
      }
    }
  }
});

test('wasm: cross-entropy forward and backward, with ignored rows and a broadcast gradient', () => {
  for (const [name, be] of BACKENDS) {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      const tol = dtype === 'float32' ? FLOAT32 : { rtol: 1e-12, atol: 1e-14 };
      for (const [rows, cols] of ROW_SHAPES) {
        const what = `${name} ${dtype} [${rows}, ${cols}] crossEntropy`;
        const x = rowsPair(be, dtype, rows, cols);
        const targets = Int32Array.from({ length: rows }, (_, r) => (r % 3 === 2 ? -100 : (r * 7) % cols));
        const t = { w: { buffer: upload(be, 'int32', targets), shape: [rows], strides: [1], offset: 0 },
          r: { buffer: upload(reference, 'int32', targets), shape: [rows], strides: [1], offset: 0 } };
        const out = [be.alloc(dtype, rows), be.alloc(dtype, rows)] as const;
        const ref = [reference.alloc(dtype, rows), reference.alloc(dtype, rows)] as const;
        be.crossEntropy(x.w, t.w, -100, ...out);
        reference.crossEntropy(x.r, t.r, -100, ...ref);
        out.forEach((o, i) => assertSame(be.readSync(o), reference.readSync(ref[i]!), `${what} output ${i}`, tol));
        for (const broadcast of [false, true]) {
          const gData = randomData(dtype, rows);
          const gv = (b: Backend): View => ({ buffer: upload(b, dtype, gData), shape: [rows], strides: [broadcast ? 0 : 1], offset: 0 });
          const lse = (buffer: BackendBuffer): View => ({ buffer, shape: [rows], strides: [1], offset: 0 });
          const dw = be.alloc(dtype, rows * cols), dr = reference.alloc(dtype, rows * cols);
          be.crossEntropyBackward(x.w, t.w, lse(out[1]), gv(be), -100, dw);
          reference.crossEntropyBackward(x.r, t.r, lse(ref[1]), gv(reference), -100, dr);
          // g·(p_t − 1) cancels where p_t ≈ 1: float32 gradients agree to ~|g|·1e-6 in absolute terms there.
          assertSame(be.readSync(dw), reference.readSync(dr), `${what} backward${broadcast ? ', broadcast gradient' : ''}`,
            dtype === 'float32' ? { rtol: 2e-5, atol: 2e-5 } : tol);
        }
        const bad = { buffer: upload(be, 'int32', Int32Array.from({ length: rows }, (_, r) => (r === rows - 1 ? cols : 0))), shape: [rows], strides: [1], offset: 0 };
        assert.throws(() => be.crossEntropy(x.w, bad, -100, ...out), new RegExp(`target ${cols} is out of range for ${cols} classes`));
      }
    }
  }
});

test('wasm: fused Adam, AdamW, AMSGrad and SGD updates over several tensors match the reference', () => {
  // Small tensors, then large ones that Adam cuts into chunks shared across threads.
  for (const sizes of [[1, 7, 64, 130], [70_001, 5, 40_000]]) fusedOptimizerCase(sizes);
});

function fusedOptimizerCase(sizes: number[]): void {
  for (const [name, be] of BACKENDS) {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      const tol = dtype === 'float32' ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 1e-12, atol: 1e-14 };
      for (const amsgrad of [false, true]) {
        for (const [decay, l2] of [[1, 0], [0.999, 0], [1, 0.01]]) {
          const tensors = sizes.map((n) => {
            const v = (scale: number, positive = false): Pair => {
              const data = randomData(dtype, n, scale).map((x) => (positive ? Math.abs(x) : x)) as TypedArray;
              return view(be, 'contiguous', dtype, [n], data);
            };
            return { param: v(1), grad: v(1), expAvg: v(0.1), expAvgSq: v(0.01, true), max: amsgrad ? v(0.01, true) : null };
          });
          const scalars = { decay, l2, beta1: 0.9, beta2: 0.99, eps: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 3), biasCorrection2Sqrt: Math.sqrt(1 - 0.99 ** 3) };
          be.adamUpdate(tensors.map((t) => ({ param: t.param.w, grad: t.grad.w, expAvg: t.expAvg.w, expAvgSq: t.expAvgSq.w, maxExpAvgSq: t.max && t.max.w })), scalars);
          reference.adamUpdate(tensors.map((t) => ({ param: t.param.r, grad: t.grad.r, expAvg: t.expAvg.r, expAvgSq: t.expAvgSq.r, maxExpAvgSq: t.max && t.max.r })), scalars);
          for (const t of tensors) {
            for (const k of ['param', 'expAvg', 'expAvgSq', 'max'] as const) {
              const p = t[k];
              if (p) assertSame(be.readSync(p.w.buffer), reference.readSync(p.r.buffer), `${name} ${dtype} adam ${decay}/${l2}${amsgrad ? ' amsgrad' : ''} ${k}`, tol);
            }
          }
        }
      }
      for (const [momentum, dampening, nesterov, weightDecay] of [[0, 0, false, 0], [0.9, 0, false, 0.01], [0.9, 0.1, false, 0], [0.9, 0, true, 0]] as const) {
        for (const firstStep of [true, false]) {
          const tensors = sizes.map((n) => ({
            param: view(be, 'contiguous', dtype, [n]), grad: view(be, 'contiguous', dtype, [n]),
            buf: momentum ? view(be, 'contiguous', dtype, [n]) : null,
          }));
          const scalars = { lr: 0.1, momentum, dampening, weightDecay, nesterov };
          be.sgdUpdate(tensors.map((t) => ({ param: t.param.w, grad: t.grad.w, momentumBuffer: t.buf && t.buf.w, firstStep })), scalars);
          reference.sgdUpdate(tensors.map((t) => ({ param: t.param.r, grad: t.grad.r, momentumBuffer: t.buf && t.buf.r, firstStep })), scalars);
          for (const t of tensors) {
            assertSame(be.readSync(t.param.w.buffer), reference.readSync(t.param.r.buffer), `${name} ${dtype} sgd ${momentum}/${dampening}/${nesterov}/${weightDecay} param`, tol);
            if (t.buf) assertSame(be.readSync(t.buf.w.buffer), reference.readSync(t.buf.r.buffer), `${name} ${dtype} sgd buffer`, tol);
          }
        }
      }
    }
  }
}

test('wasm: a small MLP has the reference backend\'s gradients through setBackend', () => {
  try {
    setBackend('reference');
    const want = mlpGradients();
    assert.equal(setBackend('wasm').name, 'wasm');
    const got = mlpGradients();
    assert.ok(Math.abs(got.loss - want.loss) <= 1e-5 * Math.abs(want.loss), `loss ${got.loss} vs ${want.loss}`);
    got.grads.forEach((gr, i) => assertSame(gr, want.grads[i]!, `gradient ${i}`, { rtol: 1e-5, atol: 1e-5 }));
  } finally {
    setBackend('reference');
  }
});

// ---- memory -------------------------------------------------------------------------------------

test('wasm: 10,000 alloc/free cycles keep live bytes and the heap flat', () => {
  const be = createWasmBackend({ threads: 1 });
  const keep = [be.alloc('float32', 1000), be.alloc('int32', 3)];
  const before = be.memoryStats();
  for (let i = 0; i < 10000; i++) {
    const size = 1 + (i % 97) * 13;
    const a = be.alloc(i % 2 ? 'float32' : 'float64', size);
    const b = be.alloc('bool', size + 1);
    be.write(a, typedArrayFor(i % 2 ? 'float32' : 'float64', size));
    be.free(a);
    be.free(b);
  }
  const afterStats = be.memoryStats();
  assert.equal(afterStats.liveBytes, before.liveBytes);
  assert.equal(afterStats.liveBuffers, before.liveBuffers);
  assert.ok(afterStats.heapBytes <= before.heapBytes + 64 * 1024, `heap grew from ${before.heapBytes} to ${afterStats.heapBytes} bytes`);
  assert.equal(afterStats.memoryBytes, before.memoryBytes);
  for (const b of keep) be.free(b);
  assert.equal(be.memoryStats().liveBuffers, 0);
});

test('wasm: freed blocks are reused, and the memory grows for a large buffer', () => {
  const be = createWasmBackend({ threads: 1 });
  const a = be.alloc('float32', 100);
  be.alloc('float32', 1);
  const ptr = (a as unknown as { ptr: number }).ptr;
  be.free(a);
  const b = be.alloc('float32', 90);
  assert.equal((b as unknown as { ptr: number }).ptr, ptr, 'a block of the same size class is reused');
  assert.equal(ptr % 64, 0, 'blocks are 64-byte aligned');
  const start = be.memoryStats().memoryBytes;
  const big = be.alloc('float64', 8 << 20);
  be.fill({ buffer: big, shape: [8 << 20], strides: [1], offset: 0 }, 2.5);
  assert.ok(be.memoryStats().memoryBytes > start && be.memoryStats().memoryBytes >= 8 * (8 << 20));
  assert.equal(be.readSync(big)[(8 << 20) - 1], 2.5);
  be.free(big);
});

test('oversubscribed, 6 threads: a thousand back-to-back jobs of every kind give the one-thread results', async () => {
  // With more threads than cores the OS pauses workers all the time, so many arrive after their job
  // is over: the claim word (kernels/jobs.ts) must keep them from taking a task of a job that ended.
  const many = createWasmBackend({ threads: 6 });
  try {
    for (let i = 0; i < 500 && many.threads < 6; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(many.threads, 6);
    const shapes: [number, number, number][] = [[64, 96, 80], [5, 300, 7], [200, 64, 130], [96, 256, 96]];
    const inputs = shapes.map(([M, K, N]) => ({ M, K, N, a: randomData('float32', M * K, 1), b: randomData('float32', K * N, 1) }));
    const big = randomData('float32', 300_000, 3);
    const results = (be: WasmBackend): Float32Array[] => {
      const out: Float32Array[] = [];
      for (let round = 0; round < 250; round++) {
        const { M, K, N, a, b } = inputs[round % inputs.length]!;
        const aw = upload(be, 'float32', a), bw = upload(be, 'float32', b), cw = be.alloc('float32', M * N);
        be.matmul({ buffer: aw, shape: [M, K], strides: [K, 1], offset: 0 }, { buffer: bw, shape: [K, N], strides: [N, 1], offset: 0 }, cw);
        const xw = upload(be, 'float32', big), yw = be.alloc('float32', big.length);
        be.unary(round % 2 ? 'exp' : 'tanh', { buffer: xw, shape: [big.length], strides: [1], offset: 0 }, yw);
        be.binary('mul', { buffer: yw, shape: [big.length], strides: [1], offset: 0 }, { buffer: xw, shape: [big.length], strides: [1], offset: 0 }, yw);
        if (round % 25 === 0) out.push(be.readSync(cw) as Float32Array, (be.readSync(yw) as Float32Array).slice(0, 4096));
        for (const buf of [aw, bw, cw, xw, yw]) be.free(buf);
      }
      return out;
    };
    const want = results(single), got = results(many);
    got.forEach((g, i) => assert.deepEqual(g, want[i], `result ${i}`));
  } finally {
    many.dispose();
  }
});

test('wasm: 10,000 training steps of an MLP with AdamW and no dispose calls keep memory flat', () => {
  // A user's loop: modules, cross-entropy, zeroGrad/backward/step, nothing about memory. Its garbage
  // (~100 KB a step) passes the collection threshold several times; after the first time the wasm
  // memory stops growing, and what is live after a collection is the same at every checkpoint.
  registerBackend(dual);
  setBackend('wasm');
  try {
    const generator = new Generator(7);
    const model = new nn.Sequential(new nn.Linear(64, 128, { generator }), new nn.ReLU(), new nn.Linear(128, 10, { generator }));
    const opt = new optim.AdamW(model.parameters(), { lr: 1e-3 });
    const x = randn([32, 64], { generator });
    const y = randint(0, 10, [32], { generator });
    const step = (): number => {
      const loss = nn.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item();
    };
    const at = new Map<number, { live: number; memory: number; loss: number }>();
    for (let i = 1; i <= 10000; i++) {
      const loss = step();
      if (i === 1 || i % 2500 === 0) {
        collectGarbage();
        at.set(i, { live: memoryStats().liveBytes, memory: dual.memoryStats().memoryBytes, loss });
      }
    }
    const [s2500, s5000, s7500, s10000] = [2500, 5000, 7500, 10000].map((i) => at.get(i)!);
    for (const s of [s5000, s7500, s10000]) assert.equal(s.live, s2500!.live, `live bytes after a collection: ${[...at.values()].map((v) => v.live).join(', ')}`);
    assert.equal(s10000!.memory, s5000!.memory, `wasm memory bytes: ${[...at.values()].map((v) => v.memory).join(', ')}`);
    assert.ok(s10000!.memory < 2 * MIN_COLLECT_BYTES, `wasm memory ${s10000!.memory} bytes`);
    assert.ok(s10000!.loss < at.get(1)!.loss / 10, `loss ${at.get(1)!.loss} → ${s10000!.loss}`);
  } finally {
    setBackend('reference');
  }
});
