/**
 * descent in a real browser: headless Chromium (Debian's, driven by playwright-core) loads
 * dist/browser.js in a cross-origin-isolated page, where the wasm backend gets shared memory,
 * relaxed SIMD and a Web Worker, and trains there. Results are compared with the reference
 * backend in the same page.
 */

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { repoRoot } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

let server: Server;
let browser: Browser;
let origin: string;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (the README's setup does)`);
  const root = repoRoot();
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    readFile(join(root, path)).then((body) => {
      // Cross-origin isolation: without these two headers a page gets no SharedArrayBuffer.
      res.writeHead(200, {
        'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
      res.end(body);
    }, () => {
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('browser: the wasm backend runs threaded with relaxed SIMD in a cross-origin-isolated page and trains like the reference', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${origin}/test/browser/page.html`);
  await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true, undefined, { timeout: 30_000 });
  const r = await page.evaluate(() => (globalThis as unknown as { run: () => Promise<Record<string, unknown>> }).run()) as {
    crossOriginIsolated: boolean; backend: string; kernels: string; threads: number; matmulMaxDiff: number;
    mlpLosses: number[]; mlpReferenceLosses: number[]; mlpGradMaxDiff: number; gptLoss: number; gptGradFinite: boolean;
  };
  assert.deepEqual(errors, [], 'no page errors');
  assert.equal(r.crossOriginIsolated, true);
  assert.equal(r.backend, 'wasm');
  assert.equal(r.kernels, 'relaxed-simd', 'Chromium runs the relaxed-SIMD kernels');
  assert.equal(r.threads, 2, 'a Web Worker joined the calling thread');
  assert.ok(r.matmulMaxDiff < 1e-3, `a 300x200x250 matmul on two threads matches the reference (max difference ${r.matmulMaxDiff})`);
  assert.ok(r.mlpGradMaxDiff < 1e-5, `first-step gradients match the reference (max difference ${r.mlpGradMaxDiff})`);
  r.mlpLosses.forEach((l, i) => assert.ok(Math.abs(l - r.mlpReferenceLosses[i]!) < 1e-3, `MLP loss at step ${i}: ${l} vs ${r.mlpReferenceLosses[i]}`));
  assert.ok(r.mlpLosses.at(-1)! < 0.5 * r.mlpLosses[0]!, `the MLP learns: loss ${r.mlpLosses[0]} → ${r.mlpLosses.at(-1)}`);
  assert.ok(Math.abs(r.gptLoss - Math.log(11)) < 0.3, `a fresh GPT's loss is near ln 11 (got ${r.gptLoss})`);
  assert.ok(r.gptGradFinite, 'the GPT backward gives finite gradients');
  await page.close();
});
