/** The descent command line: help, errors that name the problem, and a short run end to end. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers.js';

const descent = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(repoRoot(), 'bin', 'descent.js'), ...args], { encoding: 'utf8', cwd: repoRoot() });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('--help for the program and for each command', () => {
  const top = descent('--help');
  assert.equal(top.code, 0);
  for (const cmd of ['train', 'sample', 'eval', 'plot']) {
    assert.match(top.out, new RegExp(`\\b${cmd}\\b`));
    const sub = descent(cmd, '--help');
    assert.equal(sub.code, 0, cmd);
    assert.match(sub.out, new RegExp(`Usage: descent ${cmd}`));
  }
  assert.match(descent('train', '--help').out, /--n-layer <value>/);
});

test('errors: unknown preset, unknown flag, bad value, missing corpus, missing checkpoint', () => {
  assert.match(descent('train', '--preset', 'nope').err, /unknown preset 'nope'; known presets: shakespeare-char, shakespeare-char-gpu/);
  assert.match(descent('train', '--bogus', '1').err, /unknown option '--bogus'/);
  assert.match(descent('train', '--n-layer', 'four').err, /option 'nLayer' must be a number, got 'four'/);
  const r = descent('train', '--dataset', '/nonexistent/corpus.txt', '--out-dir', mkdtempSync(join(tmpdir(), 'descent-')));
  assert.equal(r.code, 1);
  assert.match(r.err, /\/nonexistent\/corpus\.txt does not exist/);
  assert.match(descent('sample', '--checkpoint', '/nonexistent').err, /nonexistent/);
});

test('train, sample, eval and plot on a small corpus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'descent-cli-'));
  const corpus = join(dir, 'corpus.txt');
  writeFileSync(corpus, readFileSync(join(repoRoot(), 'data', 'tinyshakespeare.txt'), 'utf8').slice(0, 10000));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 16, batchSize: 4, maxIters: 12, evalInterval: 6, evalIters: 2, finalEvalIters: 2, logInterval: 4 }));
  const out = join(dir, 'out');
  const t = descent('train', '--config', config, '--dataset', corpus, '--out-dir', out, '--quiet');
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /done: 12 iterations/);
  assert.match(t.out, /val loss \d\.\d{4}/);
  const s = descent('sample', '--checkpoint', join(out, 'ckpt'), '--prompt', 'ROMEO:', '--max-new-tokens', '20', '--seed', '3');
  assert.equal(s.code, 0, s.err);
  assert.ok(s.out.startsWith('ROMEO:') && s.out.length >= 26);
  assert.equal(descent('sample', '--checkpoint', join(out, 'ckpt'), '--prompt', 'ROMEO:', '--max-new-tokens', '20', '--seed', '3').out, s.out);
  const e = descent('eval', '--checkpoint', join(out, 'ckpt'), '--iters', '2');
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /train loss \d\.\d{4}, val loss \d\.\d{4}/);
  const p = descent('plot', '--out-dir', out);
  assert.equal(p.code, 0, p.err);
  assert.match(readFileSync(join(out, 'loss.svg'), 'utf8'), /^<svg/);
});
