/**
 * Injected time and randomness (conventions §4 rule 21): engine code never calls `Date.now()` or
 * `Math.random()` directly, so tests can use fakes.
 *
 * @module
 */

export interface Clock {
  /** Monotonic-enough milliseconds for measuring latency (`performance.now()` by default). */
  now(): number;
  /** Wall-clock Unix ms, for `created` timestamps and ids. */
  wallNow(): number;
}

export const systemClock: Clock = {
  now: () => globalThis.performance.now(),
  wallNow: () => Date.now(),
};

/** A seeded PRNG (mulberry32) returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
