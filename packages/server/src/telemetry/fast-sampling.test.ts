import { ROOT_CONTEXT, SamplingDecision, TraceFlags, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ParentOrRatioSampler, PooledIdGenerator } from './fast-sampling.js';

const sampled = (result: { decision: SamplingDecision }) =>
  result.decision === SamplingDecision.RECORD_AND_SAMPLED;

describe('PooledIdGenerator', () => {
  it('draws well-formed, distinct ids across pool refills', () => {
    const ids = new PooledIdGenerator();
    const spans = new Set<string>();
    for (let index = 0; index < 5000; index++) {
      const spanId = ids.generateSpanId();
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
      spans.add(spanId);
    }
    expect(spans.size).toBe(5000); // 40 KB drawn: several refills of the 8 KiB pool
    const traceId = ids.generateTraceId();
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toMatch(/^0+$/);
  });
});

describe('ParentOrRatioSampler', () => {
  it('samples new traces at the configured rate, the same way for the same trace id', () => {
    const ids = new PooledIdGenerator();
    const sampler = new ParentOrRatioSampler(0.25);
    let kept = 0;
    const total = 40_000;
    for (let index = 0; index < total; index++) {
      const traceId = ids.generateTraceId();
      const decision = sampled(sampler.shouldSample(ROOT_CONTEXT, traceId));
      if (decision) kept++;
      if (index < 100)
        expect(sampled(new ParentOrRatioSampler(0.25).shouldSample(ROOT_CONTEXT, traceId))).toBe(decision);
    }
    expect(kept / total).toBeGreaterThan(0.23);
    expect(kept / total).toBeLessThan(0.27);
    // The decision reads the rightmost 56 bits: low values are kept, high ones are not.
    expect(sampled(sampler.shouldSample(ROOT_CONTEXT, `${'f'.repeat(18)}00000000000001`))).toBe(true);
    expect(sampled(sampler.shouldSample(ROOT_CONTEXT, `${'0'.repeat(18)}ffffffffffffff`))).toBe(false);
    expect(sampled(new ParentOrRatioSampler(1).shouldSample(ROOT_CONTEXT, ids.generateTraceId()))).toBe(true);
    expect(sampled(new ParentOrRatioSampler(0).shouldSample(ROOT_CONTEXT, ids.generateTraceId()))).toBe(
      false,
    );
    expect(() => new ParentOrRatioSampler(1.5)).toThrow(/within \[0, 1\]/);
  });

  it("follows a valid parent's sampled flag whatever the rate", () => {
    const parent = (flags: number) =>
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: flags,
        isRemote: true,
      });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    expect(sampled(new ParentOrRatioSampler(0).shouldSample(parent(TraceFlags.SAMPLED), traceId))).toBe(true);
    expect(sampled(new ParentOrRatioSampler(1).shouldSample(parent(TraceFlags.NONE), traceId))).toBe(false);
    // An invalid parent does not count: the ratio decides.
    const invalid = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0'.repeat(32),
      spanId: '0'.repeat(16),
      traceFlags: TraceFlags.SAMPLED,
    });
    expect(sampled(new ParentOrRatioSampler(0).shouldSample(invalid, traceId))).toBe(false);
  });
});
