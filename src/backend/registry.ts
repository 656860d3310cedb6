/**
 * Which backend new tensors live on. Backends register by name; the reference backend is always
 * there, and the wasm backend is made on first use (it compiles its kernels and starts threads).
 * The default is wasm wherever it loads, the reference backend elsewhere; the environment
 * variable DESCENT_BACKEND (in Node) names another, which is how the tests run on each backend.
 */

import type { Backend } from './backend.js';
import { ReferenceBackend } from './reference.js';
import { createWasmBackend } from './wasm/wasm-backend.js';

const backends = new Map<string, Backend>([['reference', new ReferenceBackend()]]);
const factories = new Map<string, () => Backend>([['wasm', () => createWasmBackend()]]);
let current: Backend | null = null;

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

export function setBackend(name: string): Backend {
  let b = backends.get(name);
  const make = factories.get(name);
  if (!b && make) backends.set(name, (b = make()));
  if (!b) throw new Error(`setBackend: unknown backend '${name}' (available: ${listBackends().join(', ')})`);
  current = b;
  return b;
}

function defaultBackend(): Backend {
  const requested = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.DESCENT_BACKEND;
  if (requested) return setBackend(requested);
  try {
    return setBackend('wasm');
  } catch {
    // No WebAssembly SIMD here: the reference backend computes the same results, slower.
    return setBackend('reference');
  }
}

export function getBackend(): Backend {
  return current ?? defaultBackend();
}

export function listBackends(): string[] {
  return [...new Set([...backends.keys(), ...factories.keys()])];
}
