import { describe, expect, it } from 'vitest';
import { createBackendHealth } from './backend-health.js';

function fakeClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('createBackendHealth', () => {
  it('ejects after consecutive failures, lets a probe in after the ejection, and restores on success', () => {
    const clock = fakeClock();
    const health = createBackendHealth({ consecutiveFailures: 2, baseEjectionMs: 1_000, clock });
    expect(health.recordFailure('a')).toBe(false);
    expect(health.isAvailable('a')).toBe(true);
    expect(health.recordFailure('a')).toBe(true);
    expect(health.isAvailable('a')).toBe(false);
    expect(health.ejected()).toEqual(['a']);
    clock.advance(999);
    expect(health.isAvailable('a')).toBe(false);
    clock.advance(1);
    expect(health.isAvailable('a')).toBe(true);
    health.recordSuccess('a');
    expect(health.state('a')).toEqual({ consecutiveFailures: 0, ejectedUntil: 0, ejections: 0 });
  });

  it('a success resets the failure count', () => {
    const health = createBackendHealth({ consecutiveFailures: 2, clock: fakeClock() });
    health.recordFailure('a');
    health.recordSuccess('a');
    expect(health.recordFailure('a')).toBe(false);
    expect(health.isAvailable('a')).toBe(true);
  });

  it('a failed probe ejects again at once, for twice as long, capped', () => {
    const clock = fakeClock();
    const health = createBackendHealth({
      consecutiveFailures: 3,
      baseEjectionMs: 1_000,
      maxEjectionMs: 3_000,
      clock,
    });
    for (let index = 0; index < 3; index++) health.recordFailure('a');
    clock.advance(1_000);
    expect(health.isAvailable('a')).toBe(true);
    expect(health.recordFailure('a')).toBe(true);
    expect(health.state('a').ejectedUntil).toBe(clock.now() + 2_000);
    clock.advance(2_000);
    health.recordFailure('a');
    expect(health.state('a').ejectedUntil).toBe(clock.now() + 3_000);
  });

  it('takes per-target thresholds', () => {
    const clock = fakeClock();
    const health = createBackendHealth({ consecutiveFailures: 5, baseEjectionMs: 1_000, clock });
    expect(health.recordFailure('a', { consecutiveFailures: 1, baseEjectionMs: 30_000 })).toBe(true);
    expect(health.state('a').ejectedUntil).toBe(clock.now() + 30_000);
  });

  it('tracks targets independently', () => {
    const health = createBackendHealth({ consecutiveFailures: 1, clock: fakeClock() });
    health.recordFailure('a');
    expect(health.isAvailable('a')).toBe(false);
    expect(health.isAvailable('b')).toBe(true);
  });
});
