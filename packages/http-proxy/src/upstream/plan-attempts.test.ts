import { describe, expect, it } from 'vitest';
import {
  type AttemptCandidate,
  type AttemptRecord,
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  planNextAttempt,
  type RetryPolicy,
} from './plan-attempts.js';

const candidates: AttemptCandidate[] = [
  { model: 'a', bodyModel: 'a-lora', targets: [{ id: 'a/1' }, { id: 'a/2' }] },
  { model: 'b', bodyModel: 'b', targets: [{ id: 'b/1' }] },
];
const policy: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  maxRetriesPerTarget: 1,
  baseBackoffMs: 100,
  maxBackoffMs: 1000,
};
const fail = (targetId: string, model: string, extra: Partial<AttemptRecord> = {}): AttemptRecord => ({
  targetId,
  model,
  result: 'retryable',
  ...extra,
});

interface Row {
  name: string;
  history: AttemptRecord[];
  ejected?: string[];
  now?: number;
  deadline?: number;
  policy?: Partial<RetryPolicy>;
  expected:
    | { type: 'stop'; reason: string }
    | { type: 'attempt'; target: string; reason: string; delayMs?: number; bodyModel?: string };
}

const rows: Row[] = [
  {
    name: 'first attempt goes to the first target',
    history: [],
    expected: { type: 'attempt', target: 'a/1', reason: 'first', delayMs: 0, bodyModel: 'a-lora' },
  },
  {
    name: 'a retryable failure is retried on the same target with backoff',
    history: [fail('a/1', 'a')],
    expected: { type: 'attempt', target: 'a/1', reason: 'retry', delayMs: 75 },
  },
  {
    name: 'Retry-After replaces the backoff',
    history: [fail('a/1', 'a', { statusCode: 429, retryAfterMs: 2000 })],
    expected: { type: 'attempt', target: 'a/1', reason: 'retry', delayMs: 2000 },
  },
  {
    name: 'a Retry-After beyond the cap fails over instead of waiting',
    history: [fail('a/1', 'a', { statusCode: 429, retryAfterMs: 60_000 })],
    expected: { type: 'attempt', target: 'a/2', reason: 'failover-backend', delayMs: 0 },
  },
  {
    name: 'a retry that would pass the deadline fails over instead',
    history: [fail('a/1', 'a')],
    now: 1000,
    deadline: 1050,
    expected: { type: 'attempt', target: 'a/2', reason: 'failover-backend', delayMs: 0 },
  },
  {
    name: 'a target the failure just ejected is not retried',
    history: [fail('a/1', 'a')],
    ejected: ['a/1'],
    expected: { type: 'attempt', target: 'a/2', reason: 'failover-backend' },
  },
  {
    name: 'after the retry budget the next backend of the model is tried',
    history: [fail('a/1', 'a'), fail('a/1', 'a')],
    expected: { type: 'attempt', target: 'a/2', reason: 'failover-backend' },
  },
  {
    name: 'when every backend of the model failed the next modelRef is tried',
    history: [fail('a/1', 'a'), fail('a/1', 'a'), fail('a/2', 'a'), fail('a/2', 'a')],
    expected: { type: 'attempt', target: 'b/1', reason: 'failover-model', bodyModel: 'b' },
  },
  {
    name: 'with no retries configured failover is immediate',
    history: [fail('a/1', 'a')],
    policy: { maxRetriesPerTarget: 0 },
    expected: { type: 'attempt', target: 'a/2', reason: 'failover-backend' },
  },
  {
    name: 'a non-retryable failure without a status (bad target) moves on without retrying',
    history: [{ targetId: 'a/1', model: 'a', result: 'failure' }],
    expected: { type: 'attempt', target: 'a/2', reason: 'failover-backend' },
  },
  {
    name: 'an upstream 4xx is relayed, never retried',
    history: [{ targetId: 'a/1', model: 'a', result: 'failure', statusCode: 400 }],
    expected: { type: 'stop', reason: 'client-error' },
  },
  {
    name: 'success stops',
    history: [{ targetId: 'a/1', model: 'a', result: 'success' }],
    expected: { type: 'stop', reason: 'success' },
  },
  {
    name: 'everything tried: exhausted',
    history: [
      fail('a/1', 'a'),
      fail('a/1', 'a'),
      fail('a/2', 'a'),
      fail('a/2', 'a'),
      fail('b/1', 'b'),
      fail('b/1', 'b'),
    ],
    expected: { type: 'stop', reason: 'exhausted' },
  },
  {
    name: 'the attempt budget stops early',
    history: [fail('a/1', 'a'), fail('a/1', 'a')],
    policy: { maxAttempts: 2 },
    expected: { type: 'stop', reason: 'max-attempts' },
  },
  {
    name: 'no time left: deadline',
    history: [fail('a/1', 'a')],
    now: 2000,
    deadline: 2000,
    expected: { type: 'stop', reason: 'deadline' },
  },
  {
    name: 'ejected targets are skipped',
    history: [],
    ejected: ['a/1'],
    expected: { type: 'attempt', target: 'a/2', reason: 'first' },
  },
  {
    name: 'a model whose backends are all ejected is skipped for the fallback model',
    history: [],
    ejected: ['a/1', 'a/2'],
    expected: { type: 'attempt', target: 'b/1', reason: 'first', bodyModel: 'b' },
  },
  {
    name: 'when every target is ejected and nothing was tried, the first is probed',
    history: [],
    ejected: ['a/1', 'a/2', 'b/1'],
    expected: { type: 'attempt', target: 'a/1', reason: 'probe' },
  },
  {
    name: 'ejected targets are not probed after real attempts failed',
    history: [fail('b/1', 'b'), fail('b/1', 'b')],
    ejected: ['a/1', 'a/2'],
    expected: { type: 'stop', reason: 'exhausted' },
  },
];

describe('planNextAttempt', () => {
  it.each(rows)('$name', (row) => {
    const plan = planNextAttempt({
      candidates,
      history: row.history,
      now: row.now ?? 0,
      deadline: row.deadline ?? 60_000,
      policy: { ...policy, ...row.policy },
      isAvailable: (id) => !(row.ejected ?? []).includes(id),
      random: () => 0.5,
    });
    if (row.expected.type === 'stop') {
      expect(plan).toEqual({ type: 'stop', reason: row.expected.reason });
      return;
    }
    expect(plan.type).toBe('attempt');
    if (plan.type !== 'attempt') return;
    expect(plan.target.id).toBe(row.expected.target);
    expect(plan.reason).toBe(row.expected.reason);
    if (row.expected.delayMs !== undefined) expect(plan.delayMs).toBe(row.expected.delayMs);
    if (row.expected.bodyModel !== undefined) expect(plan.bodyModel).toBe(row.expected.bodyModel);
  });

  it('walks the whole order for a request whose every attempt fails', () => {
    const history: AttemptRecord[] = [];
    const order: string[] = [];
    for (;;) {
      const plan = planNextAttempt({
        candidates,
        history,
        now: 0,
        deadline: 60_000,
        policy,
        isAvailable: () => true,
        random: () => 0,
      });
      if (plan.type === 'stop') {
        expect(plan.reason).toBe('exhausted');
        break;
      }
      order.push(`${plan.target.id}:${plan.reason}`);
      history.push(fail(plan.target.id, plan.model));
    }
    expect(order).toEqual([
      'a/1:first',
      'a/1:retry',
      'a/2:failover-backend',
      'a/2:retry',
      'b/1:failover-model',
      'b/1:retry',
    ]);
  });
});

describe('backoffDelay', () => {
  it('doubles per retry, caps, and jitters within [ceiling/2, ceiling]', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 0.999999)).toBe(100);
    expect(backoffDelay(3, policy, () => 0)).toBe(200);
    expect(backoffDelay(10, policy, () => 0.999999)).toBe(1000);
  });
});
