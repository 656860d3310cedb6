/** Argument checks shared by the learning-rate schedulers and their pure functions; `who` is what the error blames. */

export const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `[${v.map(show)}]` : String(v));

/** Throws unless `v` is a finite number in [min, max], or in (min, max] when `minOpen`. */
export function checkNumber(who: string, name: string, v: unknown, min = -Infinity, max = Infinity, minOpen = false): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (minOpen ? v > min : v >= min) && v <= max;
  if (!ok) {
    const range = max === Infinity ? `${minOpen ? '>' : '>='} ${min}` : `in ${minOpen ? '(' : '['}${min}, ${max}]`;
    throw new Error(`${who}: ${name} must be a finite number ${range}, got ${show(v)}`);
  }
  return v as number;
}

/** Throws unless `v` is an integer ≥ min. */
export function checkInteger(who: string, name: string, v: unknown, min: number): number {
  if (!Number.isInteger(v) || (v as number) < min) throw new Error(`${who}: ${name} must be an integer >= ${min}, got ${show(v)}`);
  return v as number;
}

/** A step index for a schedule: an integer ≥ 0. */
export const checkStep = (who: string, step: unknown): number => checkInteger(who, 'step', step, 0);

/** One value for every group, from a single value or a list with one per group. */
export function perGroup<T>(who: string, name: string, v: T | T[], groups: number): T[] {
  if (!Array.isArray(v)) return new Array<T>(groups).fill(v);
  if (v.length !== groups) throw new Error(`${who}: ${name} has ${v.length} values but the optimizer has ${groups} parameter groups`);
  return [...v];
}

export function checkOptions(who: string, opts: unknown): void {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new Error(`${who}: expected an options object, got ${show(opts)}`);
  }
}

/** Index of the first entry of sorted `xs` greater than x (Python's bisect_right). */
export function bisectRight(xs: readonly number[], x: number): number {
  let i = 0;
  while (i < xs.length && xs[i]! <= x) i++;
  return i;
}

export function checkMilestones(who: string, v: unknown, min: number): number[] {
  if (!Array.isArray(v)) throw new Error(`${who}: milestones must be an array of step indices, got ${show(v)}`);
  v.forEach((m, i) => {
    checkInteger(who, `milestones[${i}]`, m, min);
    if (i > 0 && m <= v[i - 1]) throw new Error(`${who}: milestones must be strictly increasing, got ${show(v)}`);
  });
  return [...v] as number[];
}
