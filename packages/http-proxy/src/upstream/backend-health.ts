/**
 * Passive health of upstream targets, in the spirit of Envoy's outlier detection: a target is
 * ejected after `consecutiveFailures` retryable failures in a row, stays out for
 * `baseEjectionMs × 2^(ejections-1)` (capped), and is then let back in half-open: the next
 * request may probe it; a success restores it, a failure ejects it again for longer. Time comes
 * from the injected clock; nothing here touches the network.
 *
 * @module
 */

export interface BackendHealthOptions {
  /** Retryable failures in a row that eject a target. Default 3. */
  readonly consecutiveFailures?: number;
  /** First ejection, ms. Default 10,000. */
  readonly baseEjectionMs?: number;
  /** Longest ejection, ms. Default 300,000. */
  readonly maxEjectionMs?: number;
  readonly clock?: { now(): number };
}

export interface BackendHealthState {
  readonly consecutiveFailures: number;
  /** Absolute ms until which the target is ejected; 0 when it is in. */
  readonly ejectedUntil: number;
  /** How many times it was ejected since it last succeeded. */
  readonly ejections: number;
}

/** Per-target overrides of the thresholds (e.g. from a model's `reliability` block). */
export interface EjectionPolicy {
  readonly consecutiveFailures?: number;
  readonly baseEjectionMs?: number;
}

export interface BackendHealth {
  /** Whether a request may go to the target now (healthy, or ejection over: half-open probe). */
  isAvailable(targetId: string): boolean;
  recordSuccess(targetId: string): void;
  /** Records a retryable failure; returns true when this failure ejected the target. */
  recordFailure(targetId: string, policy?: EjectionPolicy): boolean;
  state(targetId: string): BackendHealthState;
  /** Ids of targets ejected right now. */
  ejected(): string[];
}

const HEALTHY: BackendHealthState = { consecutiveFailures: 0, ejectedUntil: 0, ejections: 0 };

export function createBackendHealth(options: BackendHealthOptions = {}): BackendHealth {
  const threshold = options.consecutiveFailures ?? 3;
  const baseEjectionMs = options.baseEjectionMs ?? 10_000;
  const maxEjectionMs = options.maxEjectionMs ?? 300_000;
  const clock = options.clock ?? { now: () => Date.now() };
  const states = new Map<string, BackendHealthState>();

  return {
    isAvailable(targetId) {
      const state = states.get(targetId);
      return state === undefined || state.ejectedUntil <= clock.now();
    },
    recordSuccess(targetId) {
      if (states.has(targetId)) states.delete(targetId);
    },
    recordFailure(targetId, policy) {
      const state = states.get(targetId) ?? HEALTHY;
      const now = clock.now();
      const failures = state.consecutiveFailures + 1;
      // A half-open probe that fails (ejected before, ejection over) goes straight back out.
      const probing = state.ejections > 0 && state.ejectedUntil <= now;
      if (failures >= (policy?.consecutiveFailures ?? threshold) || probing) {
        const ejections = state.ejections + 1;
        const duration = Math.min(
          maxEjectionMs,
          (policy?.baseEjectionMs ?? baseEjectionMs) * 2 ** (ejections - 1),
        );
        states.set(targetId, { consecutiveFailures: 0, ejectedUntil: now + duration, ejections });
        return true;
      }
      states.set(targetId, { ...state, consecutiveFailures: failures });
      return false;
    },
    state(targetId) {
      return states.get(targetId) ?? HEALTHY;
    },
    ejected() {
      const now = clock.now();
      return [...states.entries()].filter(([, state]) => state.ejectedUntil > now).map(([id]) => id);
    },
  };
}
