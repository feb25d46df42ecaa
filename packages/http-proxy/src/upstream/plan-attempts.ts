/**
 * The pure retry / failover planner. Given what has been tried so far it says what to do next:
 * retry the same target (with backoff or the upstream's Retry-After), fail over to the next
 * target of the model, fail over to the next model of the decision, or stop. No I/O, no clock,
 * no randomness of its own (all passed in), so every path is table-tested.
 *
 * Order: the targets of the selected model in the given order, each retried up to
 * `maxRetriesPerTarget` times on retryable failures, then the fallback models' targets likewise.
 * Ejected targets are skipped, except that when nothing has been tried and every target is
 * ejected the planner probes the ejected ones rather than failing without a single attempt.
 *
 * @module
 */

export interface PlannedTarget {
  readonly id: string;
}

/** One model the request may go to, with its targets in preference order. */
export interface AttemptCandidate<T extends PlannedTarget = PlannedTarget> {
  /** Logical model (providers.models[].name). */
  readonly model: string;
  /** The `model` value the upstream body carries for this candidate. */
  readonly bodyModel: string;
  readonly targets: readonly T[];
}

/** The result of one past attempt. */
export interface AttemptRecord {
  readonly targetId: string;
  readonly model: string;
  /** `retryable`: connect error, timeout, 5xx or 429. `failure`: must not be retried. */
  readonly result: 'success' | 'retryable' | 'failure';
  /** HTTP status when the upstream answered. */
  readonly statusCode?: number;
  /** Upstream's Retry-After, ms. */
  readonly retryAfterMs?: number;
}

export interface RetryPolicy {
  /** Retries of one target after its first attempt. Default 1. */
  readonly maxRetriesPerTarget: number;
  /** First backoff, ms (doubles per retry). Default 100. */
  readonly baseBackoffMs: number;
  /** Backoff cap, ms. Default 2,000. */
  readonly maxBackoffMs: number;
  /** Longest Retry-After honoured on the same target; longer ones fail over instead. Default 5,000. */
  readonly maxRetryAfterMs: number;
  /** Attempts in total across every target and model. Default 10. */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetriesPerTarget: 1,
  baseBackoffMs: 100,
  maxBackoffMs: 2_000,
  maxRetryAfterMs: 5_000,
  maxAttempts: 10,
};

export interface PlanAttemptsInput<T extends PlannedTarget> {
  /** Selected model first, then the decision's fallback models. */
  readonly candidates: readonly AttemptCandidate<T>[];
  readonly history: readonly AttemptRecord[];
  /** Current time and the request's deadline, absolute ms. */
  readonly now: number;
  readonly deadline: number;
  readonly policy: RetryPolicy;
  /** Passive health: false while a target is ejected. */
  readonly isAvailable: (targetId: string) => boolean;
  /** Jitter source in [0, 1). */
  readonly random: () => number;
}

export type AttemptPlan<T extends PlannedTarget> =
  | {
      readonly type: 'attempt';
      readonly candidateIndex: number;
      readonly model: string;
      readonly bodyModel: string;
      readonly target: T;
      /** Wait this long before sending, ms. */
      readonly delayMs: number;
      readonly reason: 'first' | 'retry' | 'failover-backend' | 'failover-model' | 'probe';
    }
  | {
      readonly type: 'stop';
      /**
       * `success`: the last attempt succeeded. `client-error`: the upstream answered a status that
       * must be relayed, not retried. `deadline`: no time left. `exhausted`: nothing left to try.
       * `max-attempts`: the attempt budget is spent.
       */
      readonly reason: 'success' | 'client-error' | 'deadline' | 'exhausted' | 'max-attempts';
    };

/** Backoff before retry number `retry` (1-based): exponential, capped, with equal jitter. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.baseBackoffMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Decides the next step. Pure. */
export function planNextAttempt<T extends PlannedTarget>(input: PlanAttemptsInput<T>): AttemptPlan<T> {
  const { candidates, history, policy, now, deadline } = input;
  const last = history.at(-1);
  if (last?.result === 'success') return { type: 'stop', reason: 'success' };
  if (last?.result === 'failure' && last.statusCode !== undefined)
    return { type: 'stop', reason: 'client-error' };
  if (history.length >= policy.maxAttempts) return { type: 'stop', reason: 'max-attempts' };
  if (deadline - now <= 0) return { type: 'stop', reason: 'deadline' };

  // 1. Retry the target that just failed, while its retry budget and the deadline allow.
  if (last?.result === 'retryable') {
    const attemptsOnTarget = history.filter((record) => record.targetId === last.targetId).length;
    const retryAfterOk = last.retryAfterMs === undefined || last.retryAfterMs <= policy.maxRetryAfterMs;
    // A target this failure just ejected is not retried; the others get the request.
    if (attemptsOnTarget <= policy.maxRetriesPerTarget && retryAfterOk && input.isAvailable(last.targetId)) {
      const delayMs = last.retryAfterMs ?? backoffDelay(attemptsOnTarget, policy, input.random);
      if (now + delayMs < deadline) {
        for (let index = 0; index < candidates.length; index++) {
          const candidate = candidates[index]!;
          const target =
            candidate.model === last.model
              ? candidate.targets.find((t) => t.id === last.targetId)
              : undefined;
          if (target) {
            return {
              type: 'attempt',
              candidateIndex: index,
              model: candidate.model,
              bodyModel: candidate.bodyModel,
              target,
              delayMs,
              reason: 'retry',
            };
          }
        }
      }
    }
  }

  // Fast path for the first attempt of a request (the common case): the first available target.
  if (history.length === 0) {
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      for (const target of candidate.targets) {
        if (input.isAvailable(target.id)) {
          return {
            type: 'attempt',
            candidateIndex: index,
            model: candidate.model,
            bodyModel: candidate.bodyModel,
            target,
            delayMs: 0,
            reason: 'first',
          };
        }
      }
    }
  }

  // 2. The next untried, available target: same model first, then the fallback models.
  const tried = new Set(history.map((record) => record.targetId));
  const pick = (allowEjected: boolean): AttemptPlan<T> | undefined => {
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      for (const target of candidate.targets) {
        if (tried.has(target.id)) continue;
        if (!allowEjected && !input.isAvailable(target.id)) continue;
        const reason = allowEjected
          ? 'probe'
          : last === undefined
            ? 'first'
            : last.model === candidate.model
              ? 'failover-backend'
              : 'failover-model';
        return {
          type: 'attempt',
          candidateIndex: index,
          model: candidate.model,
          bodyModel: candidate.bodyModel,
          target,
          delayMs: 0,
          reason,
        };
      }
    }
    return undefined;
  };
  const next = pick(false) ?? (history.length === 0 ? pick(true) : undefined);
  return next ?? { type: 'stop', reason: 'exhausted' };
}
