/**
 * A peer measured in a process of its own, over one line of JSON per message: the process first
 * says hello ({ready, ...} or {ready: false, error}), then answers each request
 * {workload, timing} with {ok, seconds, samples, times, note?} or {ok: false, error}. PyTorch runs
 * this way (bench/torch_bench.py), and so do the JavaScript peers (host.ts): each library then has
 * a process and a heap to itself, as a user runs it, and none pays for another's garbage.
 */

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Engine, type Measurement, type TimingOptions, type Workload, reason, unavailable } from '../harness.js';

export class Subprocess {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #waiting: { resolve(line: string): void; reject(e: Error): void }[] = [];
  #stderr = '';
  #exited: Error | null = null;

  constructor(command: string, args: string[], env: Record<string, string> = {}) {
    this.#proc = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#proc.stderr.on('data', (d: Buffer) => { this.#stderr = (this.#stderr + d.toString()).slice(-2000); });
    createInterface({ input: this.#proc.stdout }).on('line', (line) => this.#waiting.shift()?.resolve(line));
    const fail = (why: string): void => {
      const last = this.#stderr.trim().split('\n').at(-1);
      this.#exited = new Error(last ? `${why}: ${last}` : why);
      for (const w of this.#waiting.splice(0)) w.reject(this.#exited);
    };
    this.#proc.on('error', (e) => fail(`${command}: ${e.message}`));
    this.#proc.on('exit', (code, signal) => fail(`${command} exited (${signal ?? code})`));
  }

  /** The next line, or an error after `seconds`. */
  next(seconds: number): Promise<string> {
    if (this.#exited) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close();
        reject(new Error(`no answer in ${seconds} s`));
      }, seconds * 1000);
      this.#waiting.push({
        resolve: (line) => { clearTimeout(timer); resolve(line); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
    });
  }

  /** Sends a request and returns the measurement it answers with. */
  async measure(workload: Workload, timing: TimingOptions): Promise<Measurement> {
    this.#proc.stdin.write(`${JSON.stringify({ workload, timing })}\n`);
    const answer = JSON.parse(await this.next(60 + 20 * (timing.seconds + timing.maxCallSeconds))) as
      { ok: boolean; error?: string } & Measurement;
    if (!answer.ok) throw new Error(answer.error);
    return { seconds: answer.seconds, samples: answer.samples, times: answer.times, ...(answer.note ? { note: answer.note } : {}) };
  }

  close(): void {
    this.#proc.stdin.end();
    this.#proc.kill();
  }
}

/**
 * A JavaScript peer (tfjs, jax) measured in its own Node process (host.ts), with the collector
 * exposed as in `npm run bench`, so that its figures can settle garbage between them.
 */
export async function hostedEngine(peer: 'tfjs' | 'jax'): Promise<Engine> {
  const label = { tfjs: 'tfjs-wasm', jax: 'jax-js wasm' }[peer];
  const host = new Subprocess(process.execPath, ['--expose-gc', fileURLToPath(new URL('./host.js', import.meta.url)), peer]);
  try {
    const hello = JSON.parse(await host.next(120)) as { ready: boolean; error?: string; label: string; threads: number; detail?: string };
    if (!hello.ready) throw new Error(hello.error ?? `${peer} did not start`);
    return {
      label: hello.label, descent: false, threads: hello.threads, ...(hello.detail ? { detail: hello.detail } : {}),
      measure: (w, timing) => host.measure(w, timing),
      close: () => host.close(),
    };
  } catch (e) {
    host.close();
    return unavailable(label, reason(e));
  }
}
