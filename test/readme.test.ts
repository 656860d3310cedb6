/** The README's quick start runs as printed and recovers y = 2x + 1. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers.js';

test('README quick start prints w ≈ 2 and b ≈ 1', async () => {
  const root = repoRoot();
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  const js = code
    .replace(`from 'descent'`, `from '${pathToFileURL(join(root, 'dist/index.js')).href}'`)
    .replace(/!\./g, '.')
    .replace(/console\.log\(/g, 'globalThis.__readmeLog(');
  const printed: number[][] = [];
  (globalThis as Record<string, unknown>).__readmeLog = (...args: number[]) => printed.push(args);
  await import(`data:text/javascript,${encodeURIComponent(js)}`);
  const [w, b] = printed[0]!;
  assert.ok(Math.abs(w! - 2) < 0.02, `w = ${w}`);
  assert.ok(Math.abs(b! - 1) < 0.02, `b = ${b}`);
});
