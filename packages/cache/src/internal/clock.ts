/** Injected time source: TTL logic never calls `Date.now()` directly. */
export interface Clock {
  /** Absolute Unix time in ms. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
