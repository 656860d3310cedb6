/**
 * Checkpoints: a run saved and restored into fresh objects continues bit for bit as if never
 * stopped; tied weights; a save interrupted at any file leaves the last checkpoint loadable;
 * corrupt, truncated and missing files, and a model of another architecture, are reported by name.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, type Tensor, nn, optim, randn } from '../../src/index.js';
import { readSafetensors } from '../../src/io/safetensors-file.js';
import { loadCheckpoint, restoreCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { writeFileAtomic } from '../../src/util/atomic-write.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'descent-ckpt-'));
}

function withDir(fn: (dir: string) => void): void {
  const dir = tempDir();
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CONFIG = { inFeatures: 4, hidden: 8, outFeatures: 3, dropout: 0.25, lr: 0.01, schedule: { stepSize: 2, gamma: 0.5 } };

/** A small run: an MLP with dropout, AdamW, StepLR, and generators for the data and the dropout masks. */
function makeRun(seed: number, hidden = CONFIG.hidden) {
  const init = new Generator(seed);
  const dropoutGen = new Generator(seed + 1);
  const dataGen = new Generator(seed + 2);
  const model = new nn.Sequential(
    new nn.Linear(CONFIG.inFeatures, hidden, { generator: init }),
    new nn.Tanh(),
    new nn.Dropout(CONFIG.dropout, dropoutGen),
    new nn.Linear(hidden, CONFIG.outFeatures, { generator: init }),
  );
  const optimizer = new optim.AdamW(model.parameters(), { lr: CONFIG.lr, weightDecay: 0.1 });
  const scheduler = new optim.lrScheduler.StepLR(optimizer, CONFIG.schedule);
  return { model, optimizer, scheduler, dropoutGen, dataGen };
}
type Run = ReturnType<typeof makeRun>;

function trainStep(run: Run): void {
  const x = randn([5, CONFIG.inFeatures], { generator: run.dataGen });
  const y = randn([5, CONFIG.outFeatures], { generator: run.dataGen });
  run.optimizer.zeroGrad();
  nn.mseLoss(run.model.forward(x) as Tensor, y).backward();
  run.optimizer.step();
  run.scheduler.step();
}

function snapshot(model: nn.Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, [...t.dataSync()]]));
}

function save(dir: string, run: Run, step: number, opts = {}): void {
  saveCheckpoint(dir, {
    model: run.model, optimizer: run.optimizer, scheduler: run.scheduler, config: CONFIG, step,
    rng: { data: run.dataGen.getState(), dropout: run.dropoutGen.getState() },
    tokenizer: { vocab: ['a', 'b'], merges: [] }, extra: { bestLoss: Infinity, note: 'x' },
  }, opts);
}

test('a run restored into fresh objects continues exactly like the uninterrupted run', () => {
  withDir((dir) => {
    const straight = makeRun(7);
    const trajectory: Record<string, number[]>[] = [];
    for (let i = 0; i < 7; i++) {
      trainStep(straight);
      trajectory.push(snapshot(straight.model));
    }

    const first = makeRun(7);
    for (let i = 0; i < 3; i++) trainStep(first);
    save(dir, first, 3);

    const resumed = makeRun(1234);
    const ckpt = restoreCheckpoint(dir, {
      model: resumed.model, optimizer: resumed.optimizer, scheduler: resumed.scheduler,
      generators: { data: resumed.dataGen, dropout: resumed.dropoutGen }, config: CONFIG,
    });
    assert.equal(ckpt.step, 3);
    assert.deepEqual(ckpt.tokenizer, { vocab: ['a', 'b'], merges: [] });
    assert.deepEqual(ckpt.extra, { bestLoss: Infinity, note: 'x' }, 'Infinity survives JSON');
    assert.deepEqual(snapshot(resumed.model), trajectory[2]);
    assert.deepEqual(resumed.scheduler.getLastLr(), first.scheduler.getLastLr());
    for (let i = 3; i < 7; i++) {
      trainStep(resumed);
      assert.deepEqual(snapshot(resumed.model), trajectory[i], `step ${i + 1}`);
    }
    assert.deepEqual(resumed.scheduler.getLastLr(), straight.scheduler.getLastLr());
    assert.deepEqual(resumed.optimizer.stateDict().paramGroups, straight.optimizer.stateDict().paramGroups);
  });
});

test('the directory holds model and optimizer safetensors and checkpoint.json; the model file is standard safetensors', () => {
  withDir((dir) => {
    const run = makeRun(1);
    trainStep(run);
    save(dir, run, 1);
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 3, files.join());
    assert.equal(files[0], 'checkpoint.json');
    assert.match(files[1]!, /^model-[0-9a-f]{16}\.safetensors$/);
    assert.match(files[2]!, /^optimizer-[0-9a-f]{16}\.safetensors$/);
    const manifest = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
    assert.equal(manifest.version, 1);
    assert.equal(manifest.model.file, files[1]);
    assert.match(manifest.model.sha256, /^[0-9a-f]{64}$/);
    assert.equal(manifest.optimizer.type, 'AdamW');
    assert.deepEqual(manifest.optimizer.state['0'], { step: 1 });
    assert.equal(manifest.scheduler.type, 'StepLR');
    assert.deepEqual(manifest.extra.bestLoss, { $float: 'Infinity' });

    const model = readSafetensors(join(dir, files[1]!));
    assert.deepEqual(Object.keys(model.tensors).sort(), ['0.bias', '0.weight', '3.bias', '3.weight']);
    assert.deepEqual(model.metadata, { format: 'pt' });
    const opt = readSafetensors(join(dir, files[2]!));
    assert.deepEqual(Object.keys(opt.tensors).sort(), [0, 1, 2, 3].flatMap((i) => [`state.${i}.expAvg`, `state.${i}.expAvgSq`]).sort());
    assert.deepEqual(opt.tensors['state.0.expAvg']!.shape, [8, 4]);
  });
});

class Tied extends nn.Module {
  wte: nn.Embedding;
  head: nn.Linear;
  constructor(seed: number) {
    super();
    const g = new Generator(seed);
    this.wte = new nn.Embedding(5, 3, { generator: g });
    this.head = new nn.Linear(3, 5, { bias: false, generator: g });
    this.head.weight = this.wte.weight;
  }
  forward(x: Tensor): Tensor {
    return this.head.forward(this.wte.forward(x));
  }
}

test('tied weights are stored once and restored under both names, still tied', () => {
  withDir((dir) => {
    const model = new Tied(1);
    saveCheckpoint(dir, { model, config: {}, step: 0 });
    const file = readdirSync(dir).find((f) => f.startsWith('model-'))!;
    const raw = readSafetensors(join(dir, file));
    assert.deepEqual(Object.keys(raw.tensors), ['wte.weight']);
    assert.deepEqual(JSON.parse(raw.metadata['descent.aliases']!), { 'head.weight': 'wte.weight' });

    const loaded = loadCheckpoint(dir);
    assert.equal(loaded.model['head.weight'], loaded.model['wte.weight']);
    const fresh = new Tied(2);
    restoreCheckpoint(dir, { model: fresh });
    assert.equal(fresh.head.weight, fresh.wte.weight, 'still one Parameter');
    assert.deepEqual(snapshot(fresh), snapshot(model));
  });
});

test('a save interrupted before checkpoint.json is replaced leaves the last checkpoint loadable', () => {
  withDir((dir) => {
    const run = makeRun(3);
    trainStep(run);
    save(dir, run, 1);
    const good = snapshot(run.model);
    trainStep(run);

    // Fails at the commit, after the new weights are written.
    const failAtManifest = (path: string, contents: Uint8Array | string): void => {
      if (path.endsWith('checkpoint.json')) throw new Error('disk full');
      writeFileAtomic(path, contents);
    };
    assert.throws(() => save(dir, run, 2, { writeFile: failAtManifest }), /disk full/);
    // A crash halfway through writing a weights file, without the temporary-file rename.
    let calls = 0;
    const crashMidFile = (path: string, contents: Uint8Array | string): void => {
      if (++calls === 2) {
        writeFileSync(path, (contents as Uint8Array).subarray(0, 100));
        throw new Error('killed');
      }
      writeFileAtomic(path, contents);
    };
    assert.throws(() => save(dir, run, 2, { writeFile: crashMidFile }), /killed/);
    // A process killed mid-write leaves a temporary file behind.
    writeFileSync(join(dir, 'model-0123456789abcdef.safetensors.tmp-1-2'), 'partial');

    const loaded = loadCheckpoint(dir);
    assert.equal(loaded.step, 1);
    const fresh = makeRun(99);
    restoreCheckpoint(dir, { model: fresh.model, optimizer: fresh.optimizer, scheduler: fresh.scheduler });
    assert.deepEqual(snapshot(fresh.model), good);

    // The next good save removes what the interrupted ones left.
    save(dir, run, 2);
    assert.equal(loadCheckpoint(dir).step, 2);
    assert.equal(readdirSync(dir).length, 3, readdirSync(dir).join());
  });
});

test('a save whose second file cannot be written fails and leaves the last checkpoint', () => {
  withDir((dir) => {
    const run = makeRun(3);
    save(dir, run, 1);
    trainStep(run);
    let calls = 0;
    // A directory where the second file should land: rename fails with EISDIR, a real error of the
    // file system that root cannot override (a read-only directory would not stop it).
    const blockedSecond = (path: string, contents: Uint8Array | string): void => {
      if (++calls === 2) mkdirSync(path);
      writeFileAtomic(path, contents);
    };
    assert.throws(() => save(dir, run, 2, { writeFile: blockedSecond }), /EISDIR|is a directory/i);
    assert.equal(calls, 2, 'the save stopped at the file it could not write');
    assert.equal(loadCheckpoint(dir).step, 1);
  });
});

test('a flipped byte, a truncated file or a missing file is reported as such, naming the file', () => {
  withDir((dir) => {
    const run = makeRun(4);
    save(dir, run, 0);
    const model = join(dir, readdirSync(dir).find((f) => f.startsWith('model-'))!);
    const bytes = readFileSync(model);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 5]! ^= 0x10;
    writeFileSync(model, flipped);
    assert.throws(() => loadCheckpoint(dir), /loadCheckpoint: .*model-[0-9a-f]{16}\.safetensors is corrupt: its SHA-256 is [0-9a-f]{64} but checkpoint\.json records/);
    assert.throws(() => restoreCheckpoint(dir, { model: makeRun(5).model }), /is corrupt/);

    writeFileSync(model, bytes.subarray(0, bytes.length - 4));
    assert.throws(() => loadCheckpoint(dir), new RegExp(`model-[0-9a-f]{16}\\.safetensors is corrupt: it is ${bytes.length - 4} bytes but checkpoint\\.json records ${bytes.length}`));

    rmSync(model);
    assert.throws(() => loadCheckpoint(dir), /checkpoint\.json: it names model-[0-9a-f]{16}\.safetensors for the model, which cannot be read/);

    writeFileSync(join(dir, 'checkpoint.json'), '{"format": "descent.checkpoint", "ver');
    assert.throws(() => loadCheckpoint(dir), /checkpoint\.json: not valid JSON, so the file is corrupt/);
    rmSync(join(dir, 'checkpoint.json'));
    assert.throws(() => loadCheckpoint(dir), /loadCheckpoint: no checkpoint in .*: cannot read checkpoint\.json/);
  });
});

test('a newer format version, or a file that is not a checkpoint, is refused', () => {
  withDir((dir) => {
    save(dir, makeRun(1), 0);
    const path = join(dir, 'checkpoint.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...manifest, version: 2 }));
    assert.throws(() => loadCheckpoint(dir), /format version 2; this descent reads version 1 and older/);
    writeFileSync(path, JSON.stringify({ ...manifest, model: { ...manifest.model, file: '../elsewhere.safetensors' } }));
    assert.throws(() => loadCheckpoint(dir), /"model" needs "file" \(a name in the directory\)/);
    writeFileSync(path, '{"step": 3}');
    assert.throws(() => loadCheckpoint(dir), /not a descent checkpoint/);
  });
});

test('restoring into another architecture names the key and shapes, and changes nothing', () => {
  withDir((dir) => {
    save(dir, makeRun(1), 0);
    const other = makeRun(2, 9);
    const before = snapshot(other.model);
    assert.throws(() => restoreCheckpoint(dir, { model: other.model, optimizer: other.optimizer }),
      /restoreCheckpoint: .*the model does not match the checkpoint's architecture: '0\.weight' has shape \[8, 4\] in the checkpoint but \[9, 4\] in the model; '0\.bias' has shape \[8\] in the checkpoint but \[9\] in the model; '3\.weight' has shape \[3, 8\] in the checkpoint but \[3, 9\] in the model/);
    assert.deepEqual(snapshot(other.model), before);

    const fewer = new nn.Sequential(new nn.Linear(4, 8));
    assert.throws(() => restoreCheckpoint(dir, { model: fewer }), /the model has no '3\.bias', '3\.weight'/);
    assert.throws(() => restoreCheckpoint(dir, { model: new Tied(0) }), /the checkpoint lacks 'wte\.weight', 'head\.weight'/);
  });
});

test('restore checks the config, the optimizer and scheduler classes and the generators before changing anything', () => {
  withDir((dir) => {
    save(dir, makeRun(1), 0);
    const run = makeRun(2);
    const before = snapshot(run.model);
    assert.throws(() => restoreCheckpoint(dir, { model: run.model, config: { ...CONFIG, schedule: { stepSize: 3, gamma: 0.5 } } }),
      /saved with another config: config\.schedule\.stepSize is 2 in the checkpoint, 3 here/);
    assert.throws(() => restoreCheckpoint(dir, { model: run.model, config: { ...CONFIG, extraField: 1 } }),
      /config\.extraField is absent in the checkpoint, 1 here/);
    const sgd = new optim.SGD(run.model.parameters(), { lr: 0.1 });
    assert.throws(() => restoreCheckpoint(dir, { model: run.model, optimizer: sgd }), /holds AdamW state, but the optimizer is a SGD/);
    const plateau = new optim.lrScheduler.ReduceLROnPlateau(run.optimizer);
    assert.throws(() => restoreCheckpoint(dir, { model: run.model, scheduler: plateau }), /holds StepLR state, but the scheduler is a ReduceLROnPlateau/);
    assert.throws(() => restoreCheckpoint(dir, { model: run.model, generators: { init: new Generator(0) } }), /no rng state 'init' \(it has data, dropout\)/);
    assert.throws(() => restoreCheckpoint(dir, { model: run.model, generators: new Generator(0) }), /named rng states \(data, dropout\); pass the generators by name/);
    assert.deepEqual(snapshot(run.model), before);

    withDir((bare) => {
      saveCheckpoint(bare, { model: run.model, config: {}, step: 0 });
      assert.throws(() => restoreCheckpoint(bare, { model: run.model, optimizer: run.optimizer }), /holds no optimizer state/);
      assert.throws(() => restoreCheckpoint(bare, { model: run.model, generators: new Generator(0) }), /holds no rng state/);
    });
  });
});

test('a single generator state round trips, and a scheduler state with Infinity survives', () => {
  withDir((dir) => {
    const run = makeRun(1);
    const plateau = new optim.lrScheduler.ReduceLROnPlateau(run.optimizer);
    const g = new Generator(42);
    g.normal();
    saveCheckpoint(dir, { model: run.model, optimizer: run.optimizer, scheduler: plateau, config: {}, step: 5, rng: g.getState() });
    const h = new Generator(0);
    const fresh = makeRun(2);
    const plateau2 = new optim.lrScheduler.ReduceLROnPlateau(fresh.optimizer);
    restoreCheckpoint(dir, { model: fresh.model, optimizer: fresh.optimizer, scheduler: plateau2, generators: h });
    assert.deepEqual(h.getState(), g.getState());
    assert.equal(h.normal(), g.normal());
    assert.deepEqual(plateau2.stateDict(), plateau.stateDict());
  });
});

test('saveCheckpoint refuses what checkpoint.json cannot hold, before writing anything', () => {
  withDir((dir) => {
    const run = makeRun(1);
    const target = join(dir, 'ckpt');
    assert.throws(() => saveCheckpoint(target, { model: run.model, config: { size: new Map() } as never, step: 0 }),
      /saveCheckpoint: config\.size is a Map \(pass its fields as a plain object\); checkpoint\.json holds plain data only/);
    assert.throws(() => saveCheckpoint(target, { model: run.model, config: {}, step: 0, extra: { f: [1, () => 0] } }), /extra\.f\[1\] is a function/);
    assert.throws(() => saveCheckpoint(target, { model: run.model, config: {}, step: 1.5 }), /step must be a non-negative integer, got 1\.5/);
    assert.equal(existsSync(target), false);
  });
});
