import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Context,
  type DiagLogger,
  DiagLogLevel,
  diag,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DecodedSpan,
  decodedSpans,
  decodeTraceRequest,
  readWireMessage,
} from '../../test/otlp-protobuf.js';
import { type DirectSpan, DirectTracer, OtlpSpanQueue, writeSpan } from './direct-tracer.js';
import { ExportRequestFrame, ProtobufBuffer } from './otlp-span-encoding.js';

/** Ids handed out in order, so two tracers running the same script produce the same ids. */
function sequentialIds() {
  let next = 1;
  const id = (digits: number) => (next++).toString(16).padStart(digits, '0');
  return { generateTraceId: () => `a1${id(30)}`, generateSpanId: () => `b2${id(14)}` };
}

/** Collects ended spans and frames them as one export request. */
function collectingSink() {
  const buffer = new ProtobufBuffer(256);
  const ended: DirectSpan[] = [];
  const frame = new ExportRequestFrame([['service.name', 'direct']], { name: 'semroute', version: '1.2.3' });
  return {
    ended,
    write(span: DirectSpan) {
      ended.push(span);
      writeSpan(buffer, span);
    },
    request: () => Buffer.concat([frame.prefix(buffer.position), buffer.view()]),
  };
}

const T0 = 1_763_800_000_123.5; // epoch ms with a fraction, exactly representable

/** One script of API calls covering what the encoder writes; run against any tracer. */
function script(tracer: Tracer): void {
  const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  const root = tracer.startSpan(
    'request',
    { kind: SpanKind.SERVER, startTime: T0, attributes: { 'request.id': 'r-1' } },
    remoteParent,
  );
  root.setAttribute('url.path', '/v1/chat/completions');
  root.setAttribute('count', 42);
  root.setAttribute('negative', -7);
  root.setAttribute('ratio', 0.125);
  root.setAttribute('flag', true);
  root.setAttribute('labels', ['math', 'physics']);
  root.setAttribute('latencies', [1.5, 2.25]);
  root.setAttribute('unicode', 'naïve café — 数学 ✓');
  // Longer than 127 bytes, so the span and this value need multi-byte lengths.
  root.setAttribute('long', 'x'.repeat(300));
  const parent: Context = trace.setSpan(ROOT_CONTEXT, root);
  const child = tracer.startSpan('child', { kind: SpanKind.CLIENT, startTime: T0 + 1.25 }, parent);
  child.addEvent('retry', { attempt: 2 }, T0 + 2);
  child.addLink({
    context: { traceId: '11111111111111111111111111111111', spanId: '2222222222222222', traceFlags: 1 },
    attributes: { reason: 'fan-in' },
  });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream answered 503' });
  child.end(T0 + 3.5);
  const hrTimed = tracer.startSpan('hr-timed', { startTime: [1_763_800_001, 250_000_000] }, parent);
  hrTimed.setStatus({ code: SpanStatusCode.OK });
  hrTimed.end(new Date(1_763_800_002_000));
  root.end(T0 + 10);
}

/** proto3 reads absent and default the same: compare what the two encoders mean, not their choices of optional fields. */
function meaning(span: DecodedSpan) {
  return { ...span, flags: span.flags & 0xff };
}

describe('built-in span pipeline encoding', () => {
  it('writes the same OTLP protobuf spans as the OpenTelemetry SDK serialiser for the same API calls', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      idGenerator: sequentialIds(),
      resource: resourceFromAttributes({ 'service.name': 'sdk' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    script(provider.getTracer('semroute', '1.2.3'));
    const sdkRequest = decodeTraceRequest(
      Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!),
    );

    const sink = collectingSink();
    script(new DirectTracer({ sink, idGenerator: sequentialIds() }));
    const ours = decodeTraceRequest(sink.request());

    const sdkSpans = decodedSpans(sdkRequest);
    const ourSpans = decodedSpans(ours);
    expect(sdkSpans.map((span) => span.name)).toEqual(['child', 'hr-timed', 'request']);
    expect(ourSpans.map(meaning)).toEqual(sdkSpans.map(meaning));
    // Spot checks that the comparison is about real content.
    const request = ourSpans[2]!;
    expect(request.parentSpanId).toBe('b7ad6b7169203331');
    expect(request.kind).toBe(2); // SERVER
    expect(request.startTimeUnixNano).toBe('1763800000123500000');
    expect(request.attributes).toMatchObject({ count: 42, negative: -7, ratio: 0.125, flag: true });
    expect(request.attributes.unicode).toBe('naïve café — 数学 ✓');
    expect(ourSpans[0]!.status).toEqual({ code: 2, message: 'upstream answered 503' });
    expect(ourSpans[0]!.events).toEqual([
      { timeUnixNano: '1763800000125500000', name: 'retry', attributes: { attempt: 2 } },
    ]);
    expect(ourSpans[1]!.startTimeUnixNano).toBe('1763800001250000000');
    // The parent was remote: OTLP flags say so (bit 8: known, bit 9: remote).
    expect(request.flags).toBe(0x301);
    expect(ourSpans[0]!.flags).toBe(0x101);
    expect(ours.resourceSpans[0]!.resource).toEqual({ 'service.name': 'direct' });
    expect(ours.resourceSpans[0]!.scopeSpans[0]!.scope).toEqual({ name: 'semroute', version: '1.2.3' });
  });

  it('writes exact 64-bit nanosecond times for any epoch-millisecond time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: 0, max: 999_999 }),
        (wholeMs, fractionNs) => {
          const epochMs = wholeMs + fractionNs / 1e6;
          const buffer = new ProtobufBuffer(16);
          buffer.unixNanos(epochMs);
          const seconds = Math.floor(epochMs / 1000);
          const nanos = Math.round((epochMs - seconds * 1000) * 1e6);
          expect(buffer.view().readBigUInt64LE(0)).toBe(BigInt(seconds) * 1_000_000_000n + BigInt(nanos));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('encodes any attribute strings and nesting into messages an independent reader decodes back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 400 })), {
          maxLength: 20,
        }),
        fc.string({ maxLength: 200 }),
        (pairs, name) => {
          const sink = collectingSink();
          const span = new DirectTracer({ sink }).startSpan(name, {}, ROOT_CONTEXT);
          const expected: Record<string, string> = {};
          for (const [key, value] of pairs) {
            span.setAttribute(key, value);
            expected[key] = value;
          }
          span.end();
          const [decoded] = decodedSpans(decodeTraceRequest(sink.request()));
          // Lone surrogates become U+FFFD in UTF-8, as in every encoder.
          const utf8 = (text: string) => Buffer.from(text, 'utf8').toString('utf8');
          expect(decoded!.name).toBe(utf8(name));
          expect(decoded!.attributes).toEqual(
            Object.fromEntries(Object.entries(expected).map(([key, value]) => [utf8(key), utf8(value)])),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('DirectTracer', () => {
  it('follows the parent sampling decision and samples new traces by ratio', () => {
    const sink = collectingSink();
    const never = new DirectTracer({ sink, samplingRate: 0 });
    const unsampledRoot = never.startSpan('root', {}, ROOT_CONTEXT);
    expect(unsampledRoot.isRecording()).toBe(false);
    expect(unsampledRoot.spanContext().traceFlags).toBe(TraceFlags.NONE);
    expect(unsampledRoot.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    // A sampled remote parent wins over a zero rate; an unsampled one over rate 1.
    const sampledParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const followed = never.startSpan('child', {}, sampledParent);
    expect(followed.isRecording()).toBe(true);
    expect(followed.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    const always = new DirectTracer({ sink, samplingRate: 1 });
    const unsampledParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    const notFollowed = always.startSpan('child', {}, unsampledParent);
    expect(notFollowed.isRecording()).toBe(false);
    // root: true ignores the parent.
    const fresh = always.startSpan('root', { root: true }, unsampledParent);
    expect(fresh.isRecording()).toBe(true);
    expect(fresh.spanContext().traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    // A ratio keeps about that share of new traces.
    const tenth = new DirectTracer({ sink, samplingRate: 0.1 });
    let sampled = 0;
    for (let index = 0; index < 20_000; index++)
      if (tenth.startSpan('r', {}, ROOT_CONTEXT).isRecording()) sampled++;
    expect(sampled / 20_000).toBeGreaterThan(0.09);
    expect(sampled / 20_000).toBeLessThan(0.11);
    followed.end();
    fresh.end();
    expect(sink.ended).toHaveLength(2);
  });

  it('keeps the span rules: one end, nothing after it, valid values only, limits and status precedence', () => {
    const logged: string[] = [];
    const logger: DiagLogger = {
      error: (message) => logged.push(message),
      warn: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(logger, DiagLogLevel.ERROR);
    try {
      const sink = collectingSink();
      const tracer = new DirectTracer({ sink });
      const span = tracer.startSpan('rules', { startTime: T0 }, ROOT_CONTEXT);
      span.setAttribute('kept', 'yes');
      span.setAttribute('kept', 'replaced');
      span.setAttribute('nothing', undefined as never);
      span.setAttribute('mixed', ['a', 1] as never);
      span.setAttribute('object', { a: 1 } as never);
      for (let index = 0; index < 130; index++) span.setAttribute(`extra.${index}`, index);
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'first' });
      span.setStatus({ code: SpanStatusCode.UNSET });
      span.setStatus({ code: SpanStatusCode.OK });
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'after ok' });
      span.updateName('renamed');
      span.end(T0 - 5); // before the start: clamped
      span.end();
      span.setAttribute('late', true);
      expect(span.isRecording()).toBe(false);
      expect(logged.some((line) => line.includes('end() called more than once'))).toBe(true);
      const [decoded] = decodedSpans(decodeTraceRequest(sink.request()));
      expect(sink.ended).toHaveLength(1);
      expect(decoded!.name).toBe('renamed');
      expect(decoded!.attributes.kept).toBe('replaced');
      expect(decoded!.attributes).not.toHaveProperty('nothing');
      expect(decoded!.attributes).not.toHaveProperty('mixed');
      expect(decoded!.attributes).not.toHaveProperty('object');
      expect(decoded!.attributes).not.toHaveProperty('late');
      expect(Object.keys(decoded!.attributes)).toHaveLength(128);
      expect(decoded!.droppedAttributesCount).toBe(3);
      expect(decoded!.status).toEqual({ code: SpanStatusCode.OK, message: undefined });
      expect(decoded!.endTimeUnixNano).toBe(decoded!.startTimeUnixNano);
    } finally {
      diag.disable();
    }
  });

  it('records exceptions as exception events and passes the span to startActiveSpan callbacks', () => {
    const sink = collectingSink();
    const tracer = new DirectTracer({ sink });
    const result = tracer.startActiveSpan('active', { startTime: T0 }, (span: Span) => {
      span.recordException(new TypeError('bad input'), T0 + 1);
      span.end(T0 + 2);
      return 'returned';
    });
    expect(result).toBe('returned');
    const [decoded] = decodedSpans(decodeTraceRequest(sink.request()));
    expect(decoded!.events[0]!.name).toBe('exception');
    expect(decoded!.events[0]!.attributes['exception.type']).toBe('TypeError');
    expect(decoded!.events[0]!.attributes['exception.message']).toBe('bad input');
    expect(String(decoded!.events[0]!.attributes['exception.stacktrace'])).toContain('TypeError: bad input');
  });
});

/** An OTLP/HTTP collector stand-in that answers with the given statuses in turn (then 200). */
async function protobufCollector(statuses: number[] = []) {
  const received: {
    headers: IncomingHttpHeaders;
    spans: DecodedSpan[];
    resource: Record<string, unknown>;
  }[] = [];
  let answered = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = statuses[answered++] ?? 200;
      if (status === 200) {
        const decoded = decodeTraceRequest(Buffer.concat(chunks));
        received.push({
          headers: request.headers,
          spans: decodedSpans(decoded),
          resource: decoded.resourceSpans[0]!.resource,
        });
      }
      response.writeHead(status, { 'content-type': 'application/x-protobuf' });
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    received,
    requests: () => answered,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function endSpans(tracer: DirectTracer, count: number, prefix = 'span'): void {
  for (let index = 0; index < count; index++) tracer.startSpan(`${prefix}-${index}`, {}, ROOT_CONTEXT).end();
}

describe('OtlpSpanQueue', () => {
  const queues: OtlpSpanQueue[] = [];
  const queue = (options: Partial<ConstructorParameters<typeof OtlpSpanQueue>[0]> & { endpoint: string }) => {
    const created = new OtlpSpanQueue({
      resource: [['service.name', 'queue-test']],
      scope: { name: 'semroute' },
      ...options,
    });
    queues.push(created);
    return created;
  };
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((created) => created.shutdown()));
    diag.disable();
  });

  it('posts protobuf batches of at most maxExportBatchSize spans with the configured headers', async () => {
    const collector = await protobufCollector();
    const spans = queue({
      endpoint: collector.url,
      headers: { authorization: 'Bearer secret' },
      maxExportBatchSize: 3,
      maxQueueSize: 100,
    });
    endSpans(new DirectTracer({ sink: spans }), 7);
    await spans.forceFlush();
    expect(collector.received.map((entry) => entry.spans.length)).toEqual([3, 3, 1]);
    expect(collector.received.flatMap((entry) => entry.spans.map((span) => span.name))).toEqual(
      Array.from({ length: 7 }, (_, index) => `span-${index}`),
    );
    expect(collector.received[0]!.headers['content-type']).toBe('application/x-protobuf');
    expect(collector.received[0]!.headers.authorization).toBe('Bearer secret');
    expect(collector.received[0]!.resource).toEqual({ 'service.name': 'queue-test' });
    expect(spans.stats).toEqual({ exportedSpans: 7, droppedSpans: 0, failedRequests: 0 });
    await collector.close();
  });

  it('sends a partial batch on its own after scheduledDelayMillis', async () => {
    const collector = await protobufCollector();
    const spans = queue({ endpoint: collector.url, scheduledDelayMillis: 20 });
    endSpans(new DirectTracer({ sink: spans }), 2);
    await expect.poll(() => collector.received.length, { timeout: 2000 }).toBe(1);
    expect(collector.received[0]!.spans).toHaveLength(2);
    await collector.close();
  });

  it('retries transient failures with backoff and drops, counts and reports refused batches', async () => {
    const warnings: string[] = [];
    diag.setLogger(
      {
        error: () => {},
        warn: (message) => warnings.push(message),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.WARN,
    );
    const collector = await protobufCollector([503, 429, 200, 400]);
    const spans = queue({ endpoint: collector.url, maxExportBatchSize: 2, retryDelayMillis: 5 });
    const tracer = new DirectTracer({ sink: spans });
    endSpans(tracer, 2, 'retried');
    await spans.forceFlush();
    expect(collector.received.map((entry) => entry.spans.map((span) => span.name))).toEqual([
      ['retried-0', 'retried-1'],
    ]);
    endSpans(tracer, 2, 'refused'); // the collector answers 400: not retried
    await spans.forceFlush();
    expect(collector.requests()).toBe(4);
    expect(spans.stats).toEqual({ exportedSpans: 2, droppedSpans: 2, failedRequests: 3 });
    await spans.shutdown();
    expect(warnings.some((message) => /^Dropped 2 spans/.test(message))).toBe(true);
    await collector.close();
  });

  it('drops spans beyond maxQueueSize instead of growing without bound', async () => {
    // Nothing listens on port 9: every export fails fast, and no retry is left to wait on.
    const spans = queue({
      endpoint: 'http://127.0.0.1:9/v1/traces',
      maxQueueSize: 10,
      maxExportBatchSize: 5,
      maxRetries: 0,
    });
    endSpans(new DirectTracer({ sink: spans }), 25);
    expect(spans.stats.droppedSpans).toBeGreaterThanOrEqual(15);
    await spans.shutdown();
    expect(spans.stats.exportedSpans).toBe(0);
    expect(spans.stats.droppedSpans).toBe(25);
  });

  it('shuts down promptly when the collector is unreachable, without retry waits', async () => {
    const spans = queue({ endpoint: 'http://127.0.0.1:9/v1/traces', retryDelayMillis: 60_000 });
    endSpans(new DirectTracer({ sink: spans }), 3);
    const started = Date.now();
    await spans.shutdown();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(spans.stats.droppedSpans).toBe(3);
    // Spans ended after shutdown are dropped, not queued.
    endSpans(new DirectTracer({ sink: spans }), 1);
    expect(spans.stats.droppedSpans).toBe(4);
  });

  it('rejects endpoints that are not http(s) URLs and inconsistent limits', () => {
    expect(() => queue({ endpoint: 'grpc://collector:4317' })).toThrow(/http:\/\/ or https:\/\//);
    expect(() => queue({ endpoint: 'http://127.0.0.1:4318/v1/traces', maxExportBatchSize: 0 })).toThrow(
      RangeError,
    );
  });

  it('frames requests that decode as one resource and one scope holding every span', () => {
    const frame = new ExportRequestFrame([['service.name', 'x']], { name: 'semroute' });
    const buffer = new ProtobufBuffer(8);
    const tracer = new DirectTracer({ sink: { write: (span) => writeSpan(buffer, span) } });
    endSpans(tracer, 50);
    const request = Buffer.concat([frame.prefix(buffer.position), buffer.view()]);
    expect(readWireMessage(request).get(1)).toHaveLength(1);
    expect(decodedSpans(decodeTraceRequest(request))).toHaveLength(50);
  });
});
