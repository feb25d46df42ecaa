import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { extractTraceContext, injectTraceContext } from './trace-context.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace context', () => {
  it('extracts a remote parent from a header record or Headers, and injects it back', () => {
    for (const headers of [
      { Traceparent: TRACEPARENT, tracestate: 'vendor=abc,other=1' },
      new Headers({ traceparent: TRACEPARENT, tracestate: 'vendor=abc,other=1' }),
    ]) {
      const context = extractTraceContext(headers);
      const spanContext = trace.getSpanContext(context);
      expect(spanContext).toMatchObject({
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      });
      expect(injectTraceContext(context, {})).toEqual({
        traceparent: TRACEPARENT,
        tracestate: 'vendor=abc,other=1',
      });
    }
  });

  it('ignores missing, malformed, all-zero and version-ff headers', () => {
    for (const traceparent of [
      undefined,
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      `${TRACEPARENT}-extra`,
    ]) {
      const context = extractTraceContext(traceparent ? { traceparent } : {});
      expect(context).toBe(ROOT_CONTEXT);
      expect(injectTraceContext(context, { keep: 'me' })).toEqual({ keep: 'me' });
    }
  });

  it('accepts future versions with extra fields', () => {
    const context = extractTraceContext({
      traceparent: `01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-future`,
    });
    expect(trace.getSpanContext(context)?.traceFlags).toBe(TraceFlags.NONE);
  });
});
