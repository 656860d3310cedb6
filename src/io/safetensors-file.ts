/**
 * Safetensors files on disk (Node only; safetensors.ts, which works on bytes, runs anywhere).
 * Writes go through a temporary file and a rename, so an interrupted write leaves the old file whole.
 */

import { readFileSync } from 'node:fs';
import type { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { type SafetensorsContents, loadSafetensors, saveSafetensors } from './safetensors.js';

export function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, saveSafetensors(tensors, metadata));
}

/** The tensors (new, on the current backend) and metadata of the file at `path`; errors name the file. */
export function readSafetensors(path: string): SafetensorsContents {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`readSafetensors: cannot read ${path} (${(e as Error).message})`);
  }
  return loadSafetensors(bytes, { source: path });
}
