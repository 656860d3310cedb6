/**
 * A JavaScript peer in a process of its own (subprocess.ts): `node host.js tfjs|jax`. It loads the
 * peer, says hello with the engine's label, threads and detail, and times each requested workload.
 */

import { createInterface } from 'node:readline';
import type { Engine, TimingOptions, Workload } from '../harness.js';
import { jaxEngine } from './jax.js';
import { tfjsEngine } from './tfjs.js';

const makers: Record<string, () => Promise<Engine>> = { tfjs: tfjsEngine, jax: jaxEngine };

const say = (message: unknown): void => { process.stdout.write(`${JSON.stringify(message)}\n`); };

const make = makers[process.argv[2] ?? ''];
if (!make) {
  say({ ready: false, error: `host.js: unknown peer '${process.argv[2]}' (choose from ${Object.keys(makers).join(', ')})` });
} else {
  const engine = await make();
  say({ ready: true, label: engine.label, threads: engine.threads, detail: engine.detail });
  for await (const line of createInterface({ input: process.stdin })) {
    const { workload, timing } = JSON.parse(line) as { workload: Workload; timing: TimingOptions };
    try {
      say({ ok: true, ...(await engine.measure(workload, timing)) });
    } catch (e) {
      say({ ok: false, error: e instanceof Error ? e.message.split('\n')[0] : String(e) });
    }
  }
  await engine.close?.();
}
