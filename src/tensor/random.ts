/**
 * Seeded random numbers: xoshiro128** (Blackman and Vigna), seeded through splitmix32. Its state is
 * four 32-bit words, so it is cheap to save and restore, which exact resume needs.
 */

export interface GeneratorState {
  s: [number, number, number, number];
  /** The second Box-Muller normal, kept so that a restored generator continues the same stream. */
  spare: number | null;
}

export class Generator {
  #s = new Uint32Array(4);
  #spare: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  manualSeed(seed: number): this {
    if (!Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${seed}`);
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    this.#spare = null;
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2] ^= s[0]!;
    s[3] ^= s[1]!;
    s[1] ^= s[2]!;
    s[0] ^= s[3]!;
    s[2] ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal sample (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#spare !== null) {
      const v = this.#spare;
      this.#spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [low, high). */
  randint(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low));
  }

  getState(): GeneratorState {
    return { s: [this.#s[0]!, this.#s[1]!, this.#s[2]!, this.#s[3]!], spare: this.#spare };
  }

  setState(state: GeneratorState): this {
    if (!Array.isArray(state?.s) || state.s.length !== 4) throw new Error('Generator.setState: expected {s: [4 words], spare}');
    this.#s.set(state.s);
    this.#spare = state.spare ?? null;
    return this;
  }
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** The generator used when none is passed. */
export const defaultGenerator = new Generator(0x5eed);

/** Seeds the default generator so that a run can be reproduced. */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
