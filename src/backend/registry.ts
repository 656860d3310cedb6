/** Which backend new tensors live on. Backends register by name; the reference backend is always there. */

import type { Backend } from './backend.js';
import { ReferenceBackend } from './reference.js';

const backends = new Map<string, Backend>([['reference', new ReferenceBackend()]]);
let current: Backend = backends.get('reference')!;

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

export function setBackend(name: string): Backend {
  const b = backends.get(name);
  if (!b) throw new Error(`setBackend: unknown backend '${name}' (available: ${[...backends.keys()].join(', ')})`);
  current = b;
  return b;
}

export function getBackend(): Backend {
  return current;
}

export function listBackends(): string[] {
  return [...backends.keys()];
}
