/**
 * Checkpoints: everything a run needs to continue exactly, in one directory.
 *
 *   model-<hash>.safetensors      the model's stateDict(), readable by any safetensors tool
 *   optimizer-<hash>.safetensors  the optimizer's state tensors, keyed `state.<param index>.<name>`
 *   checkpoint.json               config, tokenizer, step, rng states, optimizer groups and scalar
 *                                 state, scheduler state, a format version, and the name, size and
 *                                 SHA-256 of each safetensors file
 *
 * Saving never destroys the last good checkpoint. The weights go to new files named by a prefix of
 * their SHA-256, each written to a temporary file and renamed; only then is checkpoint.json replaced,
 * the same way, and that rename is the commit: before it the directory holds the old checkpoint,
 * after it the new one, and a crash in between leaves only unreferenced files, which the next save
 * removes. Loading checks each file's size and SHA-256 against checkpoint.json, so a truncated,
 * corrupt or swapped file is reported by name rather than loaded. One writer per directory.
 *
 * Tied weights (one Parameter under two names) are stored once, as safetensors forbids aliasing;
 * the file's metadata maps each extra name to the stored one (`descent.aliases`), and loading gives
 * both names the same tensor.
 */

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Module } from '../nn/module.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import type { Generator, GeneratorState } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import type { Storage } from '../tensor/storage.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** Bumped when checkpoint.json changes incompatibly; a newer file is refused by an older reader. */
export const CHECKPOINT_VERSION = 1;
const FORMAT = 'descent.checkpoint';
const MANIFEST = 'checkpoint.json';
const ALIASES_KEY = 'descent.aliases';
/** Files this module writes (and may delete), temporaries of interrupted writes included. */
const OWN_FILE = /^(?:(?:model|optimizer)-[0-9a-f]{16}\.safetensors|checkpoint\.json)(?:\.tmp-.*)?$/;

type AnyOptimizer = Optimizer<{ lr: number }>;
/** An object with plain-data state: an LR scheduler, ReduceLROnPlateau, a data loader's position. */
export interface Stateful {
  stateDict(): unknown;
  loadStateDict(state: never): void;
}
export type RngState = GeneratorState | Record<string, GeneratorState>;

export interface CheckpointState {
  model: Module;
  optimizer?: AnyOptimizer;
  scheduler?: Stateful;
  /** The run's configuration (model size, hyperparameters): plain data, compared on restore. */
  config: Record<string, unknown>;
  /** The tokenizer as plain data (its vocabulary and merges). */
  tokenizer?: unknown;
  /** Steps taken so far. */
  step: number;
  /** `generator.getState()`, or several by name. */
  rng?: RngState;
  /** Anything else the run wants back: plain data. */
  extra?: Record<string, unknown>;
}

export interface SaveCheckpointOptions {
  /** Writes one file; defaults to writeFileAtomic. A seam for tests that interrupt a save. */
  writeFile?: (path: string, contents: Uint8Array | string) => void;
}

/** A checkpoint read back: the plain parts as saved, and new tensors on the current backend. */
export interface LoadedCheckpoint {
  version: number;
  step: number;
  config: Record<string, unknown>;
  tokenizer?: unknown;
  rng?: RngState;
  extra?: Record<string, unknown>;
  /** Every stateDict key of the saved model; tied names share one tensor. */
  model: Record<string, Tensor>;
  optimizer?: { type: string; stateDict: OptimizerStateDict<{ lr: number }> };
  scheduler?: { type: string; stateDict: unknown };
}

export interface RestoreTargets {
  model: Module;
  optimizer?: AnyOptimizer;
  scheduler?: Stateful;
  /** Generators to set from the saved rng state: one, or several under the names they were saved with. */
  generators?: Generator | Record<string, Generator>;
  /** When given, must equal the saved config; the first difference is named. */
  config?: Record<string, unknown>;
}

interface FileEntry {
  file: string;
  bytes: number;
  sha256: string;
}

/** Writes a checkpoint of `state` into `dir` (created if needed), replacing the one there only once it is complete. */
export function saveCheckpoint(dir: string, state: CheckpointState, opts: SaveCheckpointOptions = {}): void {
  const write = opts.writeFile ?? writeFileAtomic;
  if (!Number.isSafeInteger(state.step) || state.step < 0) throw new Error(`saveCheckpoint: step must be a non-negative integer, got ${state.step}`);
  if (!isPlainObject(state.config)) throw new TypeError('saveCheckpoint: config must be a plain object');
  // Everything that can fail is computed before the first byte is written.
  const manifest: Record<string, unknown> = {
    format: FORMAT,
    version: CHECKPOINT_VERSION,
    step: state.step,
    config: toJson(state.config, 'config'),
  };
  if (state.tokenizer !== undefined) manifest.tokenizer = toJson(state.tokenizer, 'tokenizer');
  if (state.rng !== undefined) manifest.rng = toJson(state.rng, 'rng');
  if (state.extra !== undefined) manifest.extra = toJson(state.extra, 'extra');

  const files: [string, Uint8Array][] = [];
  const add = (prefix: string, bytes: Uint8Array): FileEntry => {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const entry = { file: `${prefix}-${sha256.slice(0, 16)}.safetensors`, bytes: bytes.length, sha256 };
    files.push([entry.file, bytes]);
    return entry;
  };
  manifest.model = add('model', modelBytes(state.model));
  if (state.optimizer) {
    const { tensors, scalars, paramGroups } = splitOptimizerState(state.optimizer.stateDict());
    manifest.optimizer = {
      type: state.optimizer.constructor.name,
      ...add('optimizer', saveSafetensors(tensors)),
      paramGroups: toJson(paramGroups, 'optimizer.paramGroups'),
      state: toJson(scalars, 'optimizer.state'),
    };
  }
  if (state.scheduler) {
    manifest.scheduler = { type: state.scheduler.constructor.name, state: toJson(state.scheduler.stateDict(), 'scheduler.stateDict()') };
  }
  const json = `${JSON.stringify(manifest, null, 2)}\n`;

  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) write(join(dir, name), bytes);
  write(join(dir, MANIFEST), json);
  // Committed. What is left of earlier checkpoints and interrupted saves is unreferenced now.
  const keep = new Set([MANIFEST, ...files.map(([name]) => name)]);
  for (const name of readdirSync(dir)) {
    if (OWN_FILE.test(name) && !keep.has(name)) rmSync(join(dir, name), { force: true });
  }
}

/** Reads the checkpoint in `dir`, checking every file against checkpoint.json. */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const path = join(dir, MANIFEST);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`loadCheckpoint: no checkpoint in ${dir}: cannot read ${MANIFEST} (${(e as Error).message})`);
  }
  const fail = (problem: string): never => {
    throw new Error(`loadCheckpoint: ${path}: ${problem}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`not valid JSON, so the file is corrupt (${(e as Error).message})`);
  }
  if (!isPlainObject(raw) || raw.format !== FORMAT) fail(`not a descent checkpoint (expected "format": "${FORMAT}")`);
  const m = fromJson(raw) as Record<string, unknown>;
  if (typeof m.version !== 'number' || m.version > CHECKPOINT_VERSION) {
    fail(`format version ${String(m.version)}; this descent reads version ${CHECKPOINT_VERSION} and older`);
  }
  if (!Number.isSafeInteger(m.step)) fail(`"step" is ${JSON.stringify(m.step)}, not an integer`);
  if (!isPlainObject(m.config)) fail('"config" is missing or not an object');

  const model = readChecked(dir, m.model, 'model', fail);
  const out: LoadedCheckpoint = {
    version: m.version as number,
    step: m.step as number,
    config: m.config as Record<string, unknown>,
    model: withAliases(model.tensors, model.metadata[ALIASES_KEY], join(dir, (m.model as FileEntry).file)),
  };
  if ('tokenizer' in m) out.tokenizer = m.tokenizer;
  if ('rng' in m) out.rng = m.rng as RngState;
  if ('extra' in m) out.extra = m.extra as Record<string, unknown>;

  if (m.optimizer !== undefined) {
    const o = m.optimizer as Record<string, unknown>;
    if (typeof o.type !== 'string' || !Array.isArray(o.paramGroups) || !isPlainObject(o.state)) {
      fail('"optimizer" needs "type", "paramGroups" and "state"');
    }
    const { tensors } = readChecked(dir, o, 'optimizer', fail);
    const scalars = o.state as Record<string, Record<string, number>>;
    const paramGroups = o.paramGroups as OptimizerStateDict<{ lr: number }>['paramGroups'];
    out.optimizer = { type: o.type as string, stateDict: joinOptimizerState(tensors, scalars, paramGroups, join(dir, o.file as string)) };
  }
  if (m.scheduler !== undefined) {
    const s = m.scheduler as Record<string, unknown>;
    if (typeof s.type !== 'string' || !('state' in s)) fail('"scheduler" needs "type" and "state"');
    out.scheduler = { type: s.type as string, stateDict: s.state };
  }
  return out;
}

/**
 * Loads the checkpoint in `dir` into live objects and returns it. Everything is checked before
 * anything changes: the config (when given), the model's keys and shapes, the optimizer's and
 * scheduler's classes and the generators' names.
 */
export function restoreCheckpoint(dir: string, targets: RestoreTargets): LoadedCheckpoint {
  const ckpt = loadCheckpoint(dir);
  const where = `restoreCheckpoint: ${dir}`;
  if (targets.config) {
    const diff = firstDifference(ckpt.config, fromJson(toJson(targets.config, 'config', 'restoreCheckpoint')), 'config');
    if (diff) throw new Error(`${where}: the checkpoint was saved with another config: ${diff}`);
  }

  const own = targets.model.stateDict();
  const problems: string[] = [];
  for (const [k, t] of Object.entries(own)) {
    const saved = ckpt.model[k];
    if (saved && saved.shape.join() !== t.shape.join()) {
      problems.push(`'${k}' has shape ${shapeStr(saved.shape)} in the checkpoint but ${shapeStr(t.shape)} in the model`);
    }
  }
  const missing = Object.keys(own).filter((k) => !(k in ckpt.model));
  const unexpected = Object.keys(ckpt.model).filter((k) => !(k in own));
  if (missing.length) problems.push(`the checkpoint lacks ${missing.map((k) => `'${k}'`).join(', ')}`);
  if (unexpected.length) problems.push(`the model has no ${unexpected.map((k) => `'${k}'`).join(', ')}`);
  if (problems.length) throw new Error(`${where}: the model does not match the checkpoint's architecture: ${problems.join('; ')}`);

  const { optimizer, scheduler, generators } = targets;
  if (optimizer) {
    if (!ckpt.optimizer) throw new Error(`${where}: the checkpoint holds no optimizer state`);
    if (ckpt.optimizer.type !== optimizer.constructor.name) {
      throw new Error(`${where}: the checkpoint holds ${ckpt.optimizer.type} state, but the optimizer is a ${optimizer.constructor.name}`);
    }
  }
  if (scheduler) {
    if (!ckpt.scheduler) throw new Error(`${where}: the checkpoint holds no scheduler state`);
    if (ckpt.scheduler.type !== scheduler.constructor.name) {
      throw new Error(`${where}: the checkpoint holds ${ckpt.scheduler.type} state, but the scheduler is a ${scheduler.constructor.name}`);
    }
  }
  const rngPairs = generators ? pairGenerators(generators, ckpt.rng, where) : [];

  targets.model.loadStateDict(ckpt.model);
  if (optimizer) optimizer.loadStateDict(ckpt.optimizer!.stateDict);
  if (scheduler) scheduler.loadStateDict(ckpt.scheduler!.stateDict as never);
  for (const [g, s] of rngPairs) g.setState(s);
  return ckpt;
}

// ---- the model file -----------------------------------------------------------------------------

/** The model's stateDict as safetensors bytes; a tensor under several names is stored under the first. */
function modelBytes(model: Module): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  const aliases: Record<string, string> = {};
  const seen = new Map<Storage, [string, Tensor][]>();
  for (const [name, t] of Object.entries(model.stateDict())) {
    const same = seen.get(t.storage) ?? [];
    const twin = same.find(([, u]) => u.offset === t.offset && u.dtype === t.dtype && u.shape.join() === t.shape.join() && u.strides.join() === t.strides.join());
    if (twin) {
      aliases[name] = twin[0];
      continue;
    }
    same.push([name, t]);
    seen.set(t.storage, same);
    tensors[name] = t;
  }
  // "format": "pt" is what transformers' loaders require of a safetensors file's metadata.
  const metadata: Record<string, string> = { format: 'pt' };
  if (Object.keys(aliases).length) metadata[ALIASES_KEY] = JSON.stringify(aliases);
  return saveSafetensors(tensors, metadata);
}

function withAliases(tensors: Record<string, Tensor>, aliasJson: string | undefined, source: string): Record<string, Tensor> {
  if (aliasJson === undefined) return tensors;
  let aliases: unknown;
  try {
    aliases = JSON.parse(aliasJson);
  } catch {
    aliases = null;
  }
  if (!isPlainObject(aliases)) throw new Error(`loadCheckpoint: ${source}: metadata '${ALIASES_KEY}' is not a JSON object of names`);
  const out = { ...tensors };
  for (const [alias, target] of Object.entries(aliases)) {
    if (typeof target !== 'string' || !(target in tensors) || alias in tensors) {
      throw new Error(`loadCheckpoint: ${source}: metadata '${ALIASES_KEY}' maps '${alias}' to ${JSON.stringify(target)}, which is not a stored tensor`);
    }
    out[alias] = tensors[target]!;
  }
  return out;
}

// ---- the optimizer file -------------------------------------------------------------------------

function splitOptimizerState(sd: OptimizerStateDict<{ lr: number }>): {
  tensors: Record<string, Tensor>; scalars: Record<string, Record<string, number>>; paramGroups: unknown[];
} {
  const tensors: Record<string, Tensor> = {};
  const scalars: Record<string, Record<string, number>> = {};
  for (const [i, s] of Object.entries(sd.state)) {
    for (const [k, v] of Object.entries(s)) {
      if (v instanceof Tensor) tensors[`state.${i}.${k}`] = v;
      else if (typeof v === 'number') (scalars[i] ??= {})[k] = v;
      else throw new TypeError(`saveCheckpoint: optimizer state '${k}' of parameter ${i} is a ${typeof v}; expected a Tensor or a number`);
    }
  }
  return { tensors, scalars, paramGroups: sd.paramGroups };
}

function joinOptimizerState(
  tensors: Record<string, Tensor>, scalars: Record<string, Record<string, number>>,
  paramGroups: OptimizerStateDict<{ lr: number }>['paramGroups'], source: string,
): OptimizerStateDict<{ lr: number }> {
  const state: Record<number, Record<string, Tensor | number>> = {};
  for (const [i, s] of Object.entries(scalars)) state[Number(i)] = { ...s };
  for (const [key, t] of Object.entries(tensors)) {
    const match = /^state\.(\d+)\.(.+)$/.exec(key);
    if (!match) throw new Error(`loadCheckpoint: ${source}: tensor '${key}' is not named state.<parameter index>.<name>`);
    (state[Number(match[1])] ??= {})[match[2]!] = t;
  }
  return { state, paramGroups };
}

// ---- files and checksums ------------------------------------------------------------------------

function readChecked(dir: string, entry: unknown, what: string, fail: (problem: string) => never): ReturnType<typeof loadSafetensors> {
  const e = entry as Partial<FileEntry> | undefined;
  // A plain name: checkpoint.json must not point outside its directory.
  if (!e || typeof e.file !== 'string' || !/^[\w-][\w.-]*$/.test(e.file) || typeof e.bytes !== 'number' || typeof e.sha256 !== 'string') {
    return fail(`"${what}" needs "file" (a name in the directory), "bytes" and "sha256"`);
  }
  const path = join(dir, e.file);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return fail(`it names ${e.file} for the ${what}, which cannot be read (${(err as Error).message})`);
  }
  if (bytes.length !== e.bytes) {
    throw new Error(`loadCheckpoint: ${path} is corrupt: it is ${bytes.length} bytes but ${MANIFEST} records ${e.bytes} (truncated or replaced)`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== e.sha256) {
    throw new Error(`loadCheckpoint: ${path} is corrupt: its SHA-256 is ${sha256} but ${MANIFEST} records ${e.sha256}`);
  }
  return loadSafetensors(bytes, { source: path });
}

function pairGenerators(generators: Generator | Record<string, Generator>, rng: RngState | undefined, where: string): [Generator, GeneratorState][] {
  if (!rng) throw new Error(`${where}: the checkpoint holds no rng state to restore the generators from`);
  const single = Array.isArray((rng as GeneratorState).s);
  if (typeof (generators as Generator).getState === 'function') {
    if (!single) throw new Error(`${where}: the checkpoint holds named rng states (${Object.keys(rng).join(', ')}); pass the generators by name`);
    return [[generators as Generator, rng as GeneratorState]];
  }
  if (single) throw new Error(`${where}: the checkpoint holds one rng state; pass one generator, not a record`);
  const states = rng as Record<string, GeneratorState>;
  return Object.entries(generators as Record<string, Generator>).map(([name, g]): [Generator, GeneratorState] => {
    if (!states[name]) throw new Error(`${where}: the checkpoint holds no rng state '${name}' (it has ${Object.keys(states).join(', ') || 'none'})`);
    return [g, states[name]];
  });
}

// ---- plain data as JSON -------------------------------------------------------------------------

// JSON has no Infinity or NaN (JSON.stringify writes null), yet states hold them (the best metric
// so far starts at Infinity), so non-finite numbers are written as {"$float": "Infinity"}.
const FLOAT_TAG = '$float';

/** A JSON-safe copy of plain data; anything else (a class instance, a function, a Tensor) is an error naming its path. */
function toJson(value: unknown, path: string, op = 'saveCheckpoint'): unknown {
  const bad = (what: string): never => {
    throw new TypeError(`${op}: ${path} is ${what}; checkpoint.json holds plain data only (objects, arrays, strings, numbers, booleans, null)`);
  };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : { [FLOAT_TAG]: String(value) };
  if (Array.isArray(value)) return value.map((v, i) => toJson(v, `${path}[${i}]`, op));
  if (isPlainObject(value)) {
    if (FLOAT_TAG in value) bad(`an object with the key '${FLOAT_TAG}', which checkpoint.json reserves`);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v, `${path}.${k}`, op);
    return out;
  }
  if (typeof value === 'object') return bad(`a ${value.constructor?.name ?? 'object'} (pass its fields as a plain object)`);
  return bad(`a ${typeof value}`);
}

function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === FLOAT_TAG) return Number(value[FLOAT_TAG]);
    return Object.fromEntries(keys.map((k) => [k, fromJson(value[k])]));
  }
  return value;
}

/** Where two JSON values first differ, e.g. "config.nLayer is 4 in the checkpoint, 6 here", or null. */
function firstDifference(saved: unknown, live: unknown, path: string): string | null {
  if (isPlainObject(saved) && isPlainObject(live)) {
    for (const k of new Set([...Object.keys(saved), ...Object.keys(live)])) {
      const d = firstDifference(saved[k], live[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  if (Array.isArray(saved) && Array.isArray(live) && saved.length === live.length) {
    for (let i = 0; i < saved.length; i++) {
      const d = firstDifference(saved[i], live[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (Object.is(saved, live) || (saved === 0 && live === 0)) return null;
  return `${path} is ${JSON.stringify(saved) ?? 'absent'} in the checkpoint, ${JSON.stringify(live) ?? 'absent'} here`;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}
