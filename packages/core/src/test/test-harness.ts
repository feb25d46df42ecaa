/**
 * The structural test-runner surface the conformance suites need. Core has no runtime
 * dependency on vitest: callers pass their runner's functions (`{ describe, it, beforeAll,
 * afterAll }` from vitest, or node:test's equivalents), and the suites assert with their own
 * small helpers that throw plain `Error`s, which every runner reports as a failure.
 *
 * @module
 */

export interface TestHarness {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void> | void, timeout?: number): void;
  beforeAll?(body: () => Promise<void> | void, timeout?: number): void;
  afterAll?(body: () => Promise<void> | void, timeout?: number): void;
}

/** Time source for expiry tests: real time by default, a fake clock when the store takes one. */
export interface ConformanceTime {
  now(): number;
  /** Lets `ms` pass (sleeps, or advances a fake clock). */
  advance(ms: number): Promise<void>;
}

export const realTime: ConformanceTime = {
  now: () => Date.now(),
  advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`conformance: ${message}`);
}

export function assertEqual<T>(actual: T, expected: T, message: string): void {
  if (!Object.is(actual, expected)) {
    throw new Error(`conformance: ${message}: expected ${String(expected)}, got ${String(actual)}`);
  }
}

export function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array, message: string): void {
  assert(actual instanceof Uint8Array, `${message}: expected a Uint8Array, got ${String(actual)}`);
  assertEqual(actual.length, expected.length, `${message} (length)`);
  for (let index = 0; index < expected.length; index++) {
    if (actual[index] !== expected[index]) throw new Error(`conformance: ${message}: byte ${index} differs`);
  }
}

export async function assertRejects(promise: Promise<unknown>, message: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`conformance: ${message}: expected a rejection`);
}

/** A skip map: test name → reason. Every skip needs a reason. */
export type ConformanceSkips = Readonly<Record<string, string>>;

export function conformanceCase(
  harness: TestHarness,
  skip: ConformanceSkips | undefined,
  name: string,
  body: () => Promise<void>,
): void {
  const reason = skip?.[name];
  if (reason !== undefined) {
    harness.it(`${name} (skipped: ${reason})`, () => undefined);
    return;
  }
  harness.it(name, body);
}

/** A manual clock for stores that take `clock: { now() }`: `advance` moves it instantly. */
export function createManualTime(start = 1_700_000_000_000): ConformanceTime {
  let current = start;
  return {
    now: () => current,
    advance: async (ms) => {
      current += ms;
    },
  };
}
