/**
 * The layering of src/: each top-level directory belongs to a layer, and a file may import only from
 * lower layers (or its own directory; within a layer marked `mutual`, from its siblings too).
 * src/backend is the bottom and imports nothing else from src/ (packages and Node built-ins are
 * outside the layering). Files directly in src/ (index.ts)
 * sit on top and may import anything. The check reads the sources, so it needs no build of src/.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { repoRoot } from './helpers.js';

/** Bottom to top. A new top-level directory under src/ must be added here. */
const LAYERS: readonly { dirs: readonly string[]; mutual: boolean }[] = [
  // util: self-contained helpers (atomic file writes) that import nothing from src/.
  { dirs: ['backend', 'util'], mutual: false },
  { dirs: ['tensor', 'autograd', 'ops'], mutual: true },
  // plot writes charts through util; nothing below it draws.
  { dirs: ['nn', 'optim', 'data', 'plot', 'io'], mutual: false },
  { dirs: ['models'], mutual: false },
  { dirs: ['train'], mutual: false },
  { dirs: ['cli', 'demo'], mutual: false },
];

/** Where a top-level directory sits: its layer index, or undefined if the table lacks it. */
function layerOf(dir: string): number | undefined {
  const i = LAYERS.findIndex((l) => l.dirs.includes(dir));
  return i < 0 ? undefined : i;
}

/** The directory (first path segment under src/) of a file, or '' for a file directly in src/. */
const topDir = (relPath: string): string => (relPath.includes('/') ? relPath.split('/')[0]! : '');

/** Why `from` (a path relative to src/) may not import `to` (relative to src/, or null outside src/); null when it may. */
export function violation(from: string, to: string | null, specifier: string): string | null {
  const a = topDir(from);
  // Packages and Node built-ins (a WASM backend's worker_threads) are not part of src/'s layering.
  if (a === 'backend' && to !== null && topDir(to) !== 'backend') {
    return `src/${from} imports '${specifier}': files in src/backend may import nothing outside src/backend`;
  }
  if (to === null) return specifier.startsWith('.') ? `src/${from} imports '${specifier}', outside src/` : null;
  const b = topDir(to);
  if (a === '') return null; // the entry point may import anything
  if (b === '') return `src/${from} imports src/${to}: only the entry point may be imported from outside, never by src/ itself`;
  if (a === b) return null;
  const la = layerOf(a), lb = layerOf(b);
  if (la === undefined || lb === undefined) return null; // reported by the table test
  if (lb < la) return null;
  if (lb === la && LAYERS[la]!.mutual) return null;
  const name = (l: number): string => LAYERS[l]!.dirs.join(', ');
  return lb === la
    ? `src/${from} imports src/${to}: ${a} and ${b} share a layer (${name(la)}) whose directories may not import each other`
    : `src/${from} imports src/${to}: ${a} (layer ${la}: ${name(la)}) may not import the higher layer ${b} (layer ${lb}: ${name(lb)})`;
}

/** The module specifiers of every import, re-export and dynamic import in a TypeScript source. */
export function importsOf(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, '') // block comments
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1'); // line comments (not '://' inside strings)
  const specs: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g, // import x from '…', export { y } from '…'
    /\bimport\s*['"]([^'"]+)['"]/g, // import '…' (side effects)
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // import('…')
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) specs.push(m[1]!);
  return specs;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|tsx)$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

const src = join(repoRoot(), 'src');
const toPosix = (p: string): string => p.split(sep).join('/');

/** Every import of every file: [importer, imported (relative to src/, or null outside it), specifier]. */
function allImports(): [string, string | null, string][] {
  const out: [string, string | null, string][] = [];
  for (const file of sourceFiles(src)) {
    const from = toPosix(relative(src, file));
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        out.push([from, null, spec]);
        continue;
      }
      const target = toPosix(relative(src, resolve(dirname(file), spec)));
      out.push([from, target.startsWith('..') ? null : target, spec]);
    }
  }
  return out;
}

test('the source tree is found and parsed', () => {
  const files = sourceFiles(src);
  assert.ok(files.length > 20, `only ${files.length} files under ${src}`);
  const imports = allImports();
  assert.ok(imports.some(([from, to]) => from === 'tensor/tensor.ts' && to === 'backend/registry.js'), 'tensor.ts imports the registry');
  assert.ok(imports.some(([from, to]) => from === 'browser.ts' && to === 'tensor/tensor.js'), 'browser.ts (re-exported by index.ts) exports Tensor');
});

test('every top-level directory of src/ is in the layer table', () => {
  const dirs = readdirSync(src).filter((d) => statSync(join(src, d)).isDirectory());
  const unknown = dirs.filter((d) => layerOf(d) === undefined);
  assert.deepEqual(unknown, [],
    `src/ has directories the layer table of test/layers.test.ts does not know: ${unknown.join(', ')}. ` +
    'Add each to LAYERS at its place (above everything it imports, below everything that imports it).');
});

test('src/backend imports nothing outside src/backend', () => {
  const bad = allImports().flatMap(([from, to, spec]) => {
    if (topDir(from) !== 'backend') return [];
    const v = violation(from, to, spec);
    return v ? [v] : [];
  });
  assert.deepEqual(bad, []);
});

test('every import goes to the same directory, a lower layer, or a sibling in a mutual layer', () => {
  const bad = allImports().flatMap(([from, to, spec]) => {
    const v = violation(from, to, spec);
    return v ? [v] : [];
  });
  assert.deepEqual(bad, []);
});

// ---- the checker itself ------------------------------------------------------------------------

test('importsOf finds every form of import and skips comments', () => {
  const source = [
    "import { a } from './a.js';",
    "import type { B } from '../b/b.js';",
    'import {',
    '  c,',
    '  d,',
    "} from '../c/c.js';",
    "import * as e from \"./e.js\";",
    "export { f } from './f.js';",
    "export * from '../g/g.js';",
    "import './side-effect.js';",
    "const h = await import('../h/h.js');",
    "import fs from 'node:fs';",
    "// import { no } from '../commented/out.js';",
    "/* import { no2 } from '../block/comment.js'; */",
    "const url = 'https://example.com'; // a comment",
    "/** Doc: call `from '../doc/comment.js'` */",
  ].join('\n');
  assert.deepEqual(importsOf(source).sort(), [
    '../b/b.js', '../c/c.js', '../g/g.js', '../h/h.js', './a.js', './e.js', './f.js', './side-effect.js', 'node:fs',
  ]);
});

test('violation() accepts downward and same-directory imports and rejects the rest', () => {
  // Allowed.
  assert.equal(violation('ops/add.ts', 'ops/util.js', './util.js'), null);
  assert.equal(violation('ops/add.ts', 'backend/backend.js', '../backend/backend.js'), null);
  assert.equal(violation('ops/add.ts', 'tensor/tensor.js', '../tensor/tensor.js'), null, 'mutual layer');
  assert.equal(violation('tensor/tensor.ts', 'autograd/engine.js', '../autograd/engine.js'), null, 'mutual layer');
  assert.equal(violation('nn/linear.ts', 'ops/matmul.js', '../ops/matmul.js'), null);
  assert.equal(violation('train/loop.ts', 'models/gpt.js', '../models/gpt.js'), null);
  assert.equal(violation('cli/main.ts', 'train/loop.js', '../train/loop.js'), null);
  assert.equal(violation('index.ts', 'nn/index.js', './nn/index.js'), null);
  assert.equal(violation('nn/linear.ts', null, 'node:fs'), null);
  // Upward.
  assert.match(violation('ops/add.ts', 'nn/linear.js', '../nn/linear.js')!, /may not import the higher layer nn/);
  assert.match(violation('tensor/tensor.ts', 'optim/sgd.js', '../optim/sgd.js')!, /higher layer/);
  assert.match(violation('models/gpt.ts', 'train/loop.js', '../train/loop.js')!, /higher layer/);
  // Sideways in a layer that is not mutual.
  assert.match(violation('optim/sgd.ts', 'nn/module.js', '../nn/module.js')!, /share a layer/);
  assert.match(violation('cli/main.ts', 'demo/demo.js', '../demo/demo.js')!, /share a layer/);
  // The backend stays self-contained.
  assert.match(violation('backend/reference.ts', 'tensor/shape.js', '../tensor/shape.js')!, /nothing outside src\/backend/);
  assert.match(violation('backend/reference.ts', 'index.js', '../index.js')!, /nothing outside src\/backend/);
  assert.match(violation('backend/reference.ts', null, '../../test/helpers.js')!, /outside src/);
  assert.equal(violation('backend/wasm/module.ts', 'backend/backend.js', '../backend.js'), null);
  assert.equal(violation('backend/wasm/module.ts', null, 'node:worker_threads'), null, 'built-ins are not layers');
  // Nothing inside src/ imports the entry point, and nothing leaves src/.
  assert.match(violation('nn/linear.ts', 'index.js', '../index.js')!, /entry point/);
  assert.match(violation('ops/add.ts', null, '../../test/helpers.js')!, /outside src/);
});
