/**
 * Training configuration: every knob of nanoGPT's train.py, with presets, as plain data. A run's
 * config is the preset, then a JSON config file, then flags, each overriding the last; every field
 * is checked, and an unknown field or preset is an error that lists the known ones.
 */

export interface TrainConfig {
  /** The corpus: a UTF-8 text file. */
  dataset: string;
  tokenizer: 'char' | 'gpt2';
  /** Where checkpoints, the token cache, the metrics log and the plot go. */
  outDir: string;

  nLayer: number;
  nHead: number;
  nEmbd: number;
  blockSize: number;
  dropout: number;
  bias: boolean;

  batchSize: number;
  /** Micro-batches per optimizer step: the global batch is batchSize × gradientAccumulationSteps. */
  gradientAccumulationSteps: number;
  maxIters: number;
  learningRate: number;
  minLr: number;
  warmupIters: number;
  lrDecayIters: number;
  decayLr: boolean;
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** Clip gradients at this global norm; 0 turns clipping off. */
  gradClip: number;

  evalInterval: number;
  /** Batches per split for the periodic estimate of train and val loss. */
  evalIters: number;
  /** Batches per split for the estimate at the end of the run. */
  finalEvalIters: number;
  logInterval: number;
  /** Save at every evaluation, not only when val loss improves. */
  alwaysSaveCheckpoint: boolean;
  /** 'scratch' starts a new run; 'resume' continues the checkpoint in outDir exactly. */
  initFrom: 'scratch' | 'resume';
  seed: number;
  /** The compute backend ('reference', or a faster one when registered). */
  backend: string;
}

const base: TrainConfig = {
  dataset: 'data/tinyshakespeare.txt',
  tokenizer: 'char',
  outDir: 'out-shakespeare-char',
  nLayer: 4,
  nHead: 4,
  nEmbd: 128,
  blockSize: 64,
  dropout: 0,
  bias: true,
  batchSize: 12,
  gradientAccumulationSteps: 1,
  maxIters: 2000,
  learningRate: 1e-3,
  minLr: 1e-4,
  warmupIters: 100,
  lrDecayIters: 2000,
  decayLr: true,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.99,
  gradClip: 1,
  evalInterval: 250,
  evalIters: 20,
  finalEvalIters: 200,
  logInterval: 10,
  alwaysSaveCheckpoint: false,
  initFrom: 'scratch',
  seed: 1337,
  backend: 'default',
};

/**
 * shakespeare-char: nanoGPT's CPU run of config/train_shakespeare_char.py (its README: 4 layers,
 * 4 heads, 128 wide, context 64, batch 12, 2000 iterations, lr 1e-3, no dropout), with one change:
 * biases in the Linear and LayerNorm layers (GPT-2 has them; nanoGPT's train.py turns them off). At
 * this size they lower the final val loss by about 0.015 in PyTorch and in descent alike, which is
 * what brings the 2000-iteration run under 1.90 when the loss is measured over 200 batches.
 * shakespeare-char-gpu: the full config as nanoGPT has it (6 layers, 6 heads, 384 wide, context 256, batch 64,
 * dropout 0.2, no biases).
 */
export const presets: Record<string, TrainConfig> = {
  'shakespeare-char': base,
  'shakespeare-char-gpu': {
    ...base,
    outDir: 'out-shakespeare-char-gpu',
    nLayer: 6,
    nHead: 6,
    nEmbd: 384,
    blockSize: 256,
    dropout: 0.2,
    bias: false,
    batchSize: 64,
    maxIters: 5000,
    lrDecayIters: 5000,
    evalIters: 200,
  },
};

export const defaultPreset = 'shakespeare-char';

export function presetConfig(name: string): TrainConfig {
  const p = presets[name];
  if (!p) throw new Error(`unknown preset '${name}'; known presets: ${Object.keys(presets).join(', ')}`);
  return { ...p };
}

type Kind = 'string' | 'number' | 'integer' | 'boolean';
const kinds: Record<keyof TrainConfig, Kind | readonly string[]> = {
  dataset: 'string', tokenizer: ['char', 'gpt2'], outDir: 'string',
  nLayer: 'integer', nHead: 'integer', nEmbd: 'integer', blockSize: 'integer', dropout: 'number', bias: 'boolean',
  batchSize: 'integer', gradientAccumulationSteps: 'integer', maxIters: 'integer', learningRate: 'number', minLr: 'number',
  warmupIters: 'integer', lrDecayIters: 'integer', decayLr: 'boolean', weightDecay: 'number', beta1: 'number', beta2: 'number',
  gradClip: 'number', evalInterval: 'integer', evalIters: 'integer', finalEvalIters: 'integer', logInterval: 'integer',
  alwaysSaveCheckpoint: 'boolean', initFrom: ['scratch', 'resume'], seed: 'integer', backend: 'string',
};

export const configKeys = Object.keys(kinds) as (keyof TrainConfig)[];

/** Parses a flag's string value into the field's type. */
export function parseField(key: string, raw: string): unknown {
  const kind = kinds[key as keyof TrainConfig];
  if (kind === undefined) throw new Error(`unknown option '${key}'; known options: ${configKeys.join(', ')}`);
  if (kind === 'boolean') {
    if (raw === 'true' || raw === '') return true;
    if (raw === 'false') return false;
    throw new Error(`option '${key}' must be true or false, got '${raw}'`);
  }
  if (kind === 'number' || kind === 'integer') {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v)) throw new Error(`option '${key}' must be a number, got '${raw}'`);
    return v;
  }
  return raw;
}

/** Applies overrides to a config, checking every field's name, type and range. */
export function mergeConfig(config: TrainConfig, overrides: Record<string, unknown>, source = 'config'): TrainConfig {
  const out: Record<string, unknown> = { ...config };
  for (const [key, value] of Object.entries(overrides)) {
    const kind = kinds[key as keyof TrainConfig];
    if (kind === undefined) throw new Error(`${source}: unknown option '${key}'; known options: ${configKeys.join(', ')}`);
    const ok = Array.isArray(kind) ? kind.includes(value as string)
      : kind === 'integer' ? Number.isInteger(value)
      : typeof value === kind;
    if (!ok) {
      const want = Array.isArray(kind) ? `one of ${kind.join(', ')}` : `a${kind === 'integer' ? 'n' : ''} ${kind}`;
      throw new Error(`${source}: option '${key}' must be ${want}, got ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  return validate(out as unknown as TrainConfig, source);
}

function validate(c: TrainConfig, source: string): TrainConfig {
  const positive: (keyof TrainConfig)[] = ['nLayer', 'nHead', 'nEmbd', 'blockSize', 'batchSize', 'gradientAccumulationSteps', 'evalInterval', 'evalIters', 'finalEvalIters', 'logInterval'];
  for (const k of positive) if (!((c[k] as number) > 0)) throw new Error(`${source}: option '${k}' must be positive, got ${c[k]}`);
  if (c.maxIters < 0) throw new Error(`${source}: option 'maxIters' must be >= 0, got ${c.maxIters}`);
  if (c.nEmbd % c.nHead !== 0) throw new Error(`${source}: nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`${source}: option 'dropout' must be in [0, 1), got ${c.dropout}`);
  if (!(c.learningRate > 0) || !(c.minLr >= 0)) throw new Error(`${source}: learningRate must be > 0 and minLr >= 0`);
  for (const k of ['beta1', 'beta2'] as const) if (!(c[k] >= 0 && c[k] < 1)) throw new Error(`${source}: option '${k}' must be in [0, 1), got ${c[k]}`);
  if (c.gradClip < 0 || c.weightDecay < 0) throw new Error(`${source}: gradClip and weightDecay must be >= 0`);
  return c;
}
