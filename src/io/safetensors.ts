/**
 * The safetensors format (huggingface/safetensors), read and written byte for byte as the reference
 * implementation does, so that PyTorch, JAX and the Hub's tools read what we write and we read theirs:
 *
 *   [N: u64 little-endian] [N bytes: JSON header, padded with spaces to a multiple of 8] [data]
 *   header = {"__metadata__": {string: string}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}
 *
 * Offsets count from the start of the data. Each tensor is stored contiguous, row-major, little-endian.
 * The reference orders tensors by descending dtype (its enum order, roughly by alignment) and then by
 * name, compared as UTF-8 bytes, lays their data out in that order with no gaps, and writes header
 * entries in that order after `__metadata__`. A reader must find the tensors' byte ranges tiling
 * the data exactly: no gap, no overlap (the format forbids aliasing), nothing past the end or after
 * the last tensor. Everything here is bytes in memory; safetensors-file.ts reads and writes files.
 */

import { type DType, type TypedArray, bytesPerElement } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { type Tensor, fromBuffer } from '../tensor/tensor.js';
import { allocate } from '../tensor/storage.js';
import { numel, shapeStr } from '../tensor/shape.js';

export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  /** The header's `__metadata__`: free-form string pairs ({} when the file has none). */
  metadata: Record<string, string>;
}

export interface LoadSafetensorsOptions {
  /** Names the bytes in error messages, usually the file path. */
  source?: string;
}

/** Descent's dtypes under their safetensors names, in the reference's enum order (lowest first). */
const DTYPES: readonly [string, DType][] = [['BOOL', 'bool'], ['I32', 'int32'], ['F32', 'float32'], ['F64', 'float64']];
const TO_FORMAT = new Map(DTYPES.map(([f, d]) => [d, f]));
const FROM_FORMAT = new Map(DTYPES);
const RANK = new Map(DTYPES.map(([, d], i) => [d, i]));
/** Dtypes the format defines that descent has no counterpart for: named as unsupported, not unknown. */
const OTHER_DTYPES = new Set([
  'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'I16', 'U16', 'F16', 'BF16', 'U32', 'I64', 'U64', 'C64',
]);
/** The reference refuses larger headers, so a larger length means this is not a safetensors file. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The file's bytes for `tensors` (non-contiguous views are written as contiguous copies) and `metadata`. */
export function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  if (METADATA_KEY in tensors) throw new Error(`saveSafetensors: '${METADATA_KEY}' is reserved for the metadata and cannot name a tensor`);
  const meta = metadata ?? {};
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v !== 'string') throw new TypeError(`saveSafetensors: metadata '${k}' is a ${typeof v}; safetensors metadata values must be strings`);
  }
  const names = Object.keys(tensors).sort((a, b) => RANK.get(tensors[b]!.dtype)! - RANK.get(tensors[a]!.dtype)! || compareUtf8(a, b));
  // serde_json writes a map with the optional __metadata__ first and the tensors in data order.
  const header: Record<string, unknown> = {};
  if (metadata) header[METADATA_KEY] = Object.fromEntries(Object.keys(meta).sort(compareUtf8).map((k) => [k, meta[k]]));
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const bytes = toLittleEndianBytes(t.dataSync(), t.dtype);
    header[name] = { dtype: TO_FORMAT.get(t.dtype), shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Parses a safetensors file's bytes into new tensors on the current backend. Every rule of the format
 * is checked, and a violation throws an error naming `source` and the problem.
 */
export function loadSafetensors(bytes: Uint8Array, opts: LoadSafetensorsOptions = {}): SafetensorsContents {
  const src = opts.source ?? 'safetensors data';
  const fail = (problem: string): never => {
    throw new Error(`loadSafetensors: ${src}: ${problem}`);
  };
  if (bytes.length < 8) fail(`the file is ${bytes.length} bytes, too short for the 8-byte header length: truncated, or not a safetensors file`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`the header length is ${n} bytes, more than the format's limit of ${MAX_HEADER_BYTES}: not a safetensors file`);
  const headerEnd = 8 + Number(n);
  if (headerEnd > bytes.length) fail(`the header length is ${n} bytes but only ${bytes.length - 8} follow it: the file is truncated`);

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd));
  } catch {
    fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(header)) fail(`the header is JSON ${Array.isArray(header) ? 'array' : String(header)}, not an object`);
  const entries = header as Record<string, unknown>;

  const metadata: Record<string, string> = {};
  const rawMeta = entries[METADATA_KEY];
  if (rawMeta !== undefined && rawMeta !== null) {
    if (!isRecord(rawMeta)) fail(`'${METADATA_KEY}' must be an object of strings`);
    for (const [k, v] of Object.entries(rawMeta as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`metadata '${k}' is ${JSON.stringify(v)}, not a string`);
      metadata[k] = v as string;
    }
  }

  interface Entry { name: string; dtype: DType; shape: number[]; begin: number; end: number }
  const list: Entry[] = [];
  for (const [name, info] of Object.entries(entries)) {
    if (name === METADATA_KEY) continue;
    const what = `tensor '${name}'`;
    if (!isRecord(info)) fail(`${what}: expected {dtype, shape, data_offsets}, got ${JSON.stringify(info)}`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string') fail(`${what}: dtype is ${JSON.stringify(dtype)}, not a string`);
    const ours = FROM_FORMAT.get(dtype as string);
    if (!ours) {
      const known = [...FROM_FORMAT.keys()].join(', ');
      fail(OTHER_DTYPES.has(dtype as string)
        ? `${what} has dtype ${dtype as string}, which descent does not support (it reads ${known})`
        : `${what} has unknown dtype '${dtype as string}' (descent reads ${known})`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(`${what}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      fail(`${what}: data_offsets ${JSON.stringify(offsets)} is not a pair [begin, end] of integers with begin ≤ end`);
    }
    const [begin, end] = offsets as [number, number];
    const need = numel(shape as number[]) * bytesPerElement(ours!);
    if (end - begin !== need) {
      fail(`${what}: shape ${shapeStr(shape as number[])} of ${dtype as string} needs ${need} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    list.push({ name, dtype: ours!, shape: shape as number[], begin, end });
  }

  // The byte ranges must tile the data exactly: sorted by offset, each starts where the last ended.
  const dataLength = bytes.length - headerEnd;
  list.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last: Entry | null = null;
  for (const e of list) {
    if (e.begin > covered) fail(`bytes [${covered}, ${e.begin}) of the data belong to no tensor (a gap before '${e.name}')`);
    if (e.begin < covered) {
      fail(`tensors '${last!.name}' [${last!.begin}, ${last!.end}) and '${e.name}' [${e.begin}, ${e.end}) overlap; the format forbids aliasing`);
    }
    covered = e.end;
    last = e;
  }
  if (covered > dataLength) {
    fail(`tensor '${last!.name}' ends at byte ${covered} of the data but the file holds only ${dataLength} bytes of data: the file is truncated`);
  }
  if (covered < dataLength) fail(`${dataLength - covered} bytes follow the last tensor's data; the tensors must cover the data exactly`);

  const tensors: Record<string, Tensor> = {};
  const backend = getBackend();
  for (const e of list) {
    const data = fromLittleEndianBytes(bytes.subarray(headerEnd + e.begin, headerEnd + e.end), e.dtype);
    if (e.dtype === 'bool') {
      const bad = data.findIndex((v) => v > 1);
      if (bad >= 0) fail(`BOOL tensor '${e.name}' holds the byte ${data[bad]} at element ${bad}; booleans must be 0 or 1`);
    }
    const buffer = allocate(backend, e.dtype, data.length);
    backend.write(buffer, data);
    tensors[e.name] = fromBuffer(buffer, e.shape);
  }
  return { tensors, metadata };
}

/** Orders strings as their UTF-8 bytes (Rust's String order), which is code point order, not UTF-16 order. */
function compareUtf8(a: string, b: string): number {
  const x = [...a], y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function toLittleEndianBytes(data: TypedArray, dtype: DType): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return LITTLE_ENDIAN ? bytes : swapBytes(new Uint8Array(bytes), bytesPerElement(dtype));
}

function fromLittleEndianBytes(bytes: Uint8Array, dtype: DType): TypedArray {
  // A copy (new Uint8Array copies; a Node Buffer's slice would not): the data's offset in the file
  // need not be aligned for the typed array.
  const copy = new Uint8Array(bytes);
  if (!LITTLE_ENDIAN) swapBytes(copy, bytesPerElement(dtype));
  switch (dtype) {
    case 'float32': return new Float32Array(copy.buffer);
    case 'float64': return new Float64Array(copy.buffer);
    case 'int32': return new Int32Array(copy.buffer);
    case 'bool': return copy;
  }
}

function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
  return bytes;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isCount(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}
