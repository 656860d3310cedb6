/**
 * Safetensors: the reference implementation's own byte-level test vectors, byte equality with
 * test/fixtures/sample.safetensors (written by test/fixtures/generate_safetensors.py), round trips
 * of every dtype, and one clear error for each way a file can be broken.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor, arange, getBackend, setBackend, tensor, zeros } from '../../src/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors-file.js';
import { fixturePath } from '../helpers.js';

/** A file from a header object and a data section, with the header padded as the format requires. */
function build(header: unknown, data: Uint8Array | number = 0, pad = true): Uint8Array {
  let json = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  if (pad) json = Uint8Array.from([...json, ...new Array((8 - (json.length % 8)) % 8).fill(0x20)]);
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

const f32 = (...xs: number[]): Uint8Array => new Uint8Array(new Float32Array(xs).buffer);

function expectError(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => loadSafetensors(bytes, { source: 'x.safetensors' }), (e: Error) => {
    assert.match(e.message, /^loadSafetensors: x\.safetensors: /);
    assert.match(e.message, pattern);
    return true;
  });
}

function sameTensor(actual: Tensor | undefined, expected: Tensor, what: string): void {
  assert.ok(actual, `${what} is missing`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.deepEqual([...actual.dataSync()], [...expected.dataSync()], `${what}: values`);
}

// ---- the reference's bytes ----------------------------------------------------------------------

// These arrays are the expected outputs of test_serialization, test_empty and
// test_serialization_forced_alignement in huggingface/safetensors' safetensors/src/tensor.rs.
test('saveSafetensors writes the bytes the reference implementation writes', () => {
  const t = arange(6, { dtype: 'float32' }).reshape(1, 2, 3);
  assert.deepEqual([...saveSafetensors({ 'attn.0': t })], [
    64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
    116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
    58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
    101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
    0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
  ]);
  assert.deepEqual([...saveSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual([...saveSafetensors({}, { framework: 'pt' })], [
    40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
    95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
    116, 34, 125, 125, 32, 32, 32, 32, 32,
  ]);
  assert.deepEqual([...saveSafetensors({ attn0: arange(6, { dtype: 'float32' }).reshape(1, 1, 2, 3) })], [
    72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
    121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
    91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
    115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
    32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
    160, 64,
  ]);
});

// ---- the Python-written fixture -----------------------------------------------------------------

/** The tensors of test/fixtures/generate_safetensors.py's sample(), built the same way. */
function sample(): Record<string, Tensor> {
  const weight = arange(6, { dtype: 'float32' }).mul(0.5).sub(1).reshape(2, 3);
  return {
    weight,
    transposed: weight.transpose(0, 1),
    bias: tensor([1 / 3, -2.5, 1e-300], { dtype: 'float64' }),
    scalar: tensor(3.25),
    empty: zeros(0, 4),
    index: tensor([-1, 0, 7, 2 ** 31 - 1], { dtype: 'int32' }),
    mask: tensor([[true, false], [false, true]]),
    Zeta: tensor([-0]),
    'ünïcode': tensor([1e-45, 3.4e38]),
  };
}
const SAMPLE_METADATA = { format: 'pt', source: 'test/fixtures/generate_safetensors.py' };

test('saveSafetensors writes the same bytes as the Python writer (dtype order, UTF-8 name order, padding)', () => {
  const python = readFileSync(fixturePath('sample.safetensors'));
  const ours = saveSafetensors(sample(), SAMPLE_METADATA);
  assert.equal(ours.length, python.length);
  assert.ok(Buffer.from(ours).equals(python), 'bytes differ from test/fixtures/sample.safetensors');
});

test('loadSafetensors reads the Python-written fixture', () => {
  const { tensors, metadata } = loadSafetensors(readFileSync(fixturePath('sample.safetensors')));
  assert.deepEqual(metadata, SAMPLE_METADATA);
  const expected = sample();
  assert.deepEqual(Object.keys(tensors).sort(), Object.keys(expected).sort());
  for (const [k, t] of Object.entries(expected)) sameTensor(tensors[k], t, k);
  assert.ok(Object.is(tensors.Zeta!.item(), -0), 'the sign of -0 survives');
  assert.deepEqual(tensors.transposed!.tolist(), [[-1, 0.5], [-0.5, 1], [0, 1.5]]);
});

// ---- round trips --------------------------------------------------------------------------------

test('round trip: every dtype, 0-d and empty tensors, a transposed and a sliced view', () => {
  const base = arange(12, { dtype: 'float64' }).reshape(3, 4);
  const tensors: Record<string, Tensor> = {
    f32: tensor([[1.5, -2], [Math.fround(Math.PI), Infinity]]),
    f64: tensor([Math.PI, -0, NaN, 1e308], { dtype: 'float64' }),
    i32: tensor([[-(2 ** 31), 2 ** 31 - 1, 0]], { dtype: 'int32' }),
    bool: tensor([true, false, true]),
    scalarF64: tensor(2.5, { dtype: 'float64' }),
    scalarBool: tensor(true),
    emptyI32: zeros([2, 0, 3], { dtype: 'int32' }),
    emptyBool: zeros([0], { dtype: 'bool' }),
    transposed: base.transpose(0, 1),
    sliced: base.slice(1, 1, 4, 2),
  };
  const { tensors: back, metadata } = loadSafetensors(saveSafetensors(tensors, { a: '1', b: 'two' }));
  assert.deepEqual(metadata, { a: '1', b: 'two' });
  assert.deepEqual(Object.keys(back).sort(), Object.keys(tensors).sort());
  for (const [k, t] of Object.entries(tensors)) sameTensor(back[k], t, k);
  assert.deepEqual(back.transposed!.tolist(), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
  assert.deepEqual(back.sliced!.tolist(), [[1, 3], [5, 7], [9, 11]]);
  assert.ok(back.transposed!.isContiguous());
  assert.notEqual(back.f32!.storage, tensors.f32!.storage, 'tensors read back are new');
});

test('a file without metadata reads back with empty metadata; tensors land on the current backend', () => {
  const before = getBackend().name;
  try {
    setBackend('wasm');
    const { tensors, metadata } = loadSafetensors(saveSafetensors({ x: tensor([1, 2, 3]) }));
    assert.deepEqual(metadata, {});
    assert.equal(tensors.x!.backend, 'wasm');
    assert.deepEqual(tensors.x!.tolist(), [1, 2, 3]);
  } finally {
    setBackend(before);
  }
});

test('writeSafetensors and readSafetensors go through a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'descent-st-'));
  try {
    const path = join(dir, 'sub', 'w.safetensors');
    writeSafetensors(path, { w: tensor([[1, 2], [3, 4]]) }, { format: 'pt' });
    const { tensors, metadata } = readSafetensors(path);
    assert.deepEqual(tensors.w!.tolist(), [[1, 2], [3, 4]]);
    assert.deepEqual(metadata, { format: 'pt' });
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 3));
    assert.throws(() => readSafetensors(path), new RegExp(`${path.replace(/[.\\]/g, '\\$&')}: .*the file is truncated`));
    assert.throws(() => readSafetensors(join(dir, 'missing.safetensors')), /readSafetensors: cannot read .*missing\.safetensors/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saveSafetensors refuses a tensor named __metadata__ and metadata that is not strings', () => {
  assert.throws(() => saveSafetensors({ __metadata__: tensor([1]) }), /'__metadata__' is reserved/);
  assert.throws(() => saveSafetensors({}, { n: 3 as unknown as string }), /metadata 'n' is a number; .* must be strings/);
});

// ---- broken files -------------------------------------------------------------------------------

const good = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };

test('a file too short to hold the header length', () => {
  expectError(new Uint8Array(0), /is 0 bytes, too short for the 8-byte header length/);
  expectError(new Uint8Array([8, 0, 0]), /is 3 bytes, too short/);
});

test('a header length past the end of the file, or past the format limit', () => {
  const bytes = build(good, 12);
  const n = bytes.length - 8 - 12;
  expectError(bytes.subarray(0, 8 + n - 1), new RegExp(`header length is ${n} bytes but only ${n - 1} follow it: the file is truncated`));
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
  expectError(huge, /header length is 9223372036854775808 bytes, more than the format's limit/);
});

test('a header that is not UTF-8, not JSON, or not an object', () => {
  expectError(build(Uint8Array.from([0x7b, 0xff, 0x7d, 32, 32, 32, 32, 32])), /not valid UTF-8/);
  expectError(build('{"a": {"dtype": "F32",'), /not valid JSON/);
  expectError(build('[1, 2]'), /is JSON array, not an object/);
  expectError(build('null'), /is JSON null, not an object/);
});

test('bad metadata and bad tensor entries name the tensor', () => {
  expectError(build({ __metadata__: { n: 1 } }), /metadata 'n' is 1, not a string/);
  expectError(build({ __metadata__: [] }), /'__metadata__' must be an object of strings/);
  expectError(build({ a: [0, 4] }, 4), /tensor 'a': expected \{dtype, shape, data_offsets\}/);
  expectError(build({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4), /tensor 'a': shape \[-1\] is not a list of non-negative integers/);
  expectError(build({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, 4), /tensor 'a': data_offsets \[4,0\] is not a pair/);
  expectError(build({ a: { dtype: 'F32', shape: [1] } }, 4), /tensor 'a': data_offsets undefined is not a pair/);
});

test('an unknown dtype, and a format dtype descent does not support', () => {
  expectError(build({ a: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, 4), /tensor 'a' has unknown dtype 'F33' \(descent reads BOOL, I32, F32, F64\)/);
  expectError(build({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4), /tensor 'a' has dtype F16, which descent does not support/);
  expectError(build({ a: { dtype: 3, shape: [1], data_offsets: [0, 4] } }, 4), /tensor 'a': dtype is 3, not a string/);
});

test('a shape that does not match the size of its byte range', () => {
  expectError(build({ a: { dtype: 'F64', shape: [2, 2], data_offsets: [0, 16] } }, 16),
    /tensor 'a': shape \[2, 2\] of F64 needs 32 bytes but data_offsets \[0, 16\] hold 16/);
});

test('byte ranges that overlap (aliasing), leave a gap, overrun the data, or leave bytes over', () => {
  expectError(build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8),
    /tensors 'a' \[0, 8\) and 'b' \[4, 8\) overlap; the format forbids aliasing/);
  expectError(build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 4),
    /tensors 'a' \[0, 4\) and 'b' \[0, 4\) overlap/);
  expectError(build({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /bytes \[0, 4\) of the data belong to no tensor \(a gap before 'a'\)/);
  expectError(build(good, 10), /tensor 'b' ends at byte 12 of the data but the file holds only 10 bytes of data: the file is truncated/);
  expectError(build(good, 16), /4 bytes follow the last tensor's data/);
});

test('a truncated file, cut anywhere, is reported and never half-read', () => {
  const bytes = saveSafetensors({ w: tensor([[1, 2], [3, 4]]), b: tensor([1], { dtype: 'float64' }) });
  for (let n = 0; n < bytes.length; n++) {
    assert.throws(() => loadSafetensors(bytes.subarray(0, n), { source: 'cut.safetensors' }),
      /loadSafetensors: cut\.safetensors: .*(too short|truncated|not valid JSON)/, `cut at ${n} of ${bytes.length}`);
  }
});

test('a BOOL tensor holding a byte other than 0 or 1', () => {
  expectError(build({ m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, Uint8Array.from([1, 7])), /BOOL tensor 'm' holds the byte 7 at element 1/);
});

test('valid files from other writers: unpadded headers, extra fields, any entry order', () => {
  const bytes = build({ b: { dtype: 'F32', shape: [1], data_offsets: [8, 12], extra: 1 }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } },
    f32(1, 2, 3), false);
  const { tensors } = loadSafetensors(bytes);
  assert.deepEqual(tensors.a!.tolist(), [1, 2]);
  assert.deepEqual(tensors.b!.tolist(), [3]);
});
