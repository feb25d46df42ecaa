/**
 * Helpers shared by the learned-signal extractors: per-request memoisation on the
 * `SignalInput` identity, error results, cosine similarity.
 *
 * @module
 */
import type { SignalInput, SignalKind, SignalResult } from '@semroute/core';
import { SignalError, toSemrouteError } from '@semroute/core';

/**
 * Memoises one expensive step per request: every extractor of a family calls `get(input, key,
 * compute)`; the first call computes, the others share the promise. Entries die with the input.
 */
export function createRequestMemo<T>() {
  const memo = new WeakMap<SignalInput, Map<string, Promise<T>>>();
  return {
    get(input: SignalInput, key: string, compute: () => Promise<T>): Promise<T> {
      let entries = memo.get(input);
      if (!entries) {
        entries = new Map();
        memo.set(input, entries);
      }
      let entry = entries.get(key);
      if (!entry) {
        entry = compute();
        entries.set(key, entry);
      }
      return entry;
    },
  };
}

/** Wraps anything thrown into a `{status: 'error'}` result naming the signal. */
export function errorResult(kind: SignalKind, name: string, error: unknown): SignalResult {
  const cause = toSemrouteError(error, 'signal_failed');
  return {
    status: 'error',
    error: new SignalError({
      message: `${kind} signal "${name}": ${cause.message}`,
      code: cause.code === 'aborted' ? 'aborted' : 'signal_failed',
      signalType: kind,
      signalName: name,
      cause,
    }),
  };
}

/** Dot product of two unit vectors (= cosine similarity). */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) sum += a[index]! * b[index]!;
  return sum;
}

export const clamp01 = (value: number) => (value < 0 ? 0 : value > 1 ? 1 : value);

/** Texts a signal classifies: the last user message, or every user message with include_history. */
export function signalTexts(input: SignalInput, includeHistory: boolean): readonly string[] {
  if (!includeHistory) return [input.text];
  const texts = input.userTexts.filter((text) => text.trim() !== '');
  return texts.length > 0 ? texts : [input.text];
}

/** Normalises a label for comparison: lower case, runs of non-alphanumerics become `_`. */
export function normalizeLabel(label: string): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}
