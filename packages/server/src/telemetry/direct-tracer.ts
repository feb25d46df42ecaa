/**
 * The built-in span pipeline: an `@opentelemetry/api` {@link Tracer} whose spans are encoded
 * into OTLP protobuf the moment they end and posted to an OTLP/HTTP collector in batches.
 *
 * Why not the OpenTelemetry SDK: on the router's hot path a traced request makes 6–11 spans,
 * and the SDK plus its OTLP exporter spend about 14 µs of CPU per span (creating the span with its
 * resource, limits and processor hooks, building and serialising the export request, the HTTP
 * client). Here a span is a small record with its attributes in two arrays, and ending it writes
 * its protobuf bytes straight into the current batch buffer, which is sent as is. BENCHMARKS.md
 * has the measured cost of both pipelines. The SDK pipeline stays available
 * (`createTracing({ pipeline: 'sdk' })`) for hosts that need SDK span processors or exporters.
 *
 * Behaviour follows the SDK where the API leaves it open: numeric times below half of
 * `performance.timeOrigin` are read as `performance.now()` values, larger ones as epoch ms, a span ends once (a second
 * `end()` is reported through `diag` and ignored), at most 128 attributes per span (the rest are
 * counted as dropped), invalid attribute values are ignored, an end before the start is clamped
 * to the start.
 *
 * @module
 */

import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { hostname } from 'node:os';
import {
  type Attributes,
  type AttributeValue,
  type Context,
  context as contextApi,
  diag,
  type Exception,
  isSpanContextValid,
  type Link,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
  TraceFlags,
  type Tracer,
  type TraceState,
  trace,
} from '@opentelemetry/api';
import { isTraceIdSampled, PooledIdGenerator, traceIdRatioThreshold } from './fast-sampling.js';
import {
  type AttributeEntries,
  ExportRequestFrame,
  ProtobufBuffer,
  type SpanIdWords,
} from './otlp-span-encoding.js';

/** Most attributes kept per span, event or link (the SDK's default limit). */
const ATTRIBUTE_LIMIT = 128;
/** Most events and links kept per span (the SDK's defaults). */
const EVENT_LIMIT = 128;
const LINK_LIMIT = 128;

/** OTLP span flags: bit 8 says whether bit 9 (parent is remote) is known. */
const FLAG_HAS_IS_REMOTE = 0x100;
const FLAG_IS_REMOTE = 0x200;

function nowEpochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A span time as epoch milliseconds (with fraction), read the way the SDK reads `TimeInput`. */
export function toEpochMs(time: TimeInput | undefined): number {
  if (time === undefined) return nowEpochMs();
  // A performance.now() reading is bounded by uptime; an epoch time may sit just below
  // timeOrigin (the monotonic origin can run ahead of the wall clock). Half the origin splits them.
  if (typeof time === 'number')
    return time < performance.timeOrigin / 2 ? performance.timeOrigin + time : time;
  if (time instanceof Date) return time.getTime();
  return time[0] * 1000 + time[1] / 1e6;
}

function isValidAttributeValue(value: unknown): value is AttributeValue {
  if (value === null || value === undefined) return false;
  const type = typeof value;
  if (type === 'string' || type === 'boolean') return true;
  if (type === 'number') return true;
  if (!Array.isArray(value)) return false;
  // Homogeneous arrays of primitives (nulls allowed), as the API specifies.
  let elementType: string | undefined;
  for (const element of value) {
    if (element === null || element === undefined) continue;
    const current = typeof element;
    if (current !== 'string' && current !== 'number' && current !== 'boolean') return false;
    if (elementType === undefined) elementType = current;
    else if (current !== elementType) return false;
  }
  return true;
}

interface EventRecord {
  readonly name: string;
  readonly timeMs: number;
  readonly attributes: Attributes | undefined;
}

/** Where finished spans go; {@link OtlpSpanQueue} in production, anything that encodes in tests. */
export interface FinishedSpanSink {
  /** Encodes the ended span; called once per span, synchronously from `end()`. */
  write(span: DirectSpan): void;
}

/** A recording span of the built-in pipeline. Not constructed directly: see {@link DirectTracer}. */
export class DirectSpan implements Span {
  name: string;
  readonly kind: SpanKind;
  readonly startMs: number;
  endMs = 0;
  readonly attributeKeys: string[] = [];
  readonly attributeValues: AttributeValue[] = [];
  droppedAttributes = 0;
  events: EventRecord[] | undefined;
  droppedEvents = 0;
  links: Link[] | undefined;
  droppedLinks = 0;
  statusCode: SpanStatusCode = SpanStatusCode.UNSET;
  statusMessage: string | undefined;
  #ended = false;

  constructor(
    private readonly sink: FinishedSpanSink,
    readonly context: SpanContext,
    /** The parent's span context, when the span has a valid parent. */
    readonly parentContext: SpanContext | undefined,
    readonly parentIsRemote: boolean,
    name: string,
    options: SpanOptions,
  ) {
    this.name = name;
    this.kind = options.kind ?? SpanKind.INTERNAL;
    this.startMs = toEpochMs(options.startTime);
    if (options.attributes) this.setAttributes(options.attributes);
    if (options.links?.length) this.addLinks(options.links);
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (this.#ended || !key || !isValidAttributeValue(value)) return this;
    const keys = this.attributeKeys;
    const existing = keys.indexOf(key);
    if (existing !== -1) this.attributeValues[existing] = value;
    else if (keys.length >= ATTRIBUTE_LIMIT) this.droppedAttributes++;
    else {
      keys.push(key);
      this.attributeValues.push(value);
    }
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.#ended) return this;
    this.events ??= [];
    const events = this.events;
    if (events.length >= EVENT_LIMIT) {
      this.droppedEvents++;
      return this;
    }
    const attributesGiven =
      attributesOrTime !== undefined &&
      typeof attributesOrTime === 'object' &&
      !Array.isArray(attributesOrTime) &&
      !(attributesOrTime instanceof Date);
    events.push({
      name,
      timeMs: toEpochMs(attributesGiven ? time : (attributesOrTime as TimeInput | undefined)),
      attributes: attributesGiven ? (attributesOrTime as Attributes) : undefined,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.#ended) return this;
    this.links ??= [];
    const links = this.links;
    if (links.length >= LINK_LIMIT) this.droppedLinks++;
    else links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.#ended) return this;
    // OK is final and UNSET never overrides (the API's rules for status).
    if (this.statusCode === SpanStatusCode.OK || status.code === SpanStatusCode.UNSET) return this;
    this.statusCode = status.code;
    this.statusMessage = status.code === SpanStatusCode.ERROR ? status.message : undefined;
    return this;
  }

  updateName(name: string): this {
    if (!this.#ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.#ended) {
      diag.error(`${this.name} ${this.context.traceId}-${this.context.spanId}: end() called more than once`);
      return;
    }
    this.#ended = true;
    const endMs = toEpochMs(endTime);
    this.endMs = endMs < this.startMs ? this.startMs : endMs;
    this.sink.write(this);
  }

  isRecording(): boolean {
    return !this.#ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      const error = exception as { name?: string; code?: string | number; message?: string; stack?: string };
      const type = error.name ?? (error.code !== undefined ? String(error.code) : undefined);
      if (type) attributes['exception.type'] = type;
      if (error.message) attributes['exception.message'] = error.message;
      if (error.stack) attributes['exception.stacktrace'] = error.stack;
    }
    this.addEvent('exception', attributes, time);
  }
}

/** Encodes an ended span as a `ScopeSpans.spans` entry (field 2) of the OTLP `Span` message. */
export function writeSpan(buffer: ProtobufBuffer, span: DirectSpan): void {
  const spanAt = buffer.beginMessage(2);
  const context = span.context;
  buffer.idField(1, context.traceId);
  if (context instanceof DirectSpanContext) buffer.spanIdField(2, context.spanId, context);
  else buffer.idField(2, context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) buffer.stringField(3, traceState);
  const parent = span.parentContext;
  if (parent instanceof DirectSpanContext) buffer.spanIdField(4, parent.spanId, parent);
  else if (parent) buffer.idField(4, parent.spanId);
  buffer.stringField(5, span.name);
  // OTLP's SpanKind counts from SPAN_KIND_UNSPECIFIED = 0; the API's from INTERNAL = 0.
  buffer.varintField(6, span.kind + 1);
  buffer.fixed64TimeField(7, span.startMs);
  buffer.fixed64TimeField(8, span.endMs);
  const keys = span.attributeKeys;
  const values = span.attributeValues;
  for (let index = 0; index < keys.length; index++) buffer.keyValue(9, keys[index]!, values[index]!);
  if (span.droppedAttributes) buffer.varintField(10, span.droppedAttributes);
  if (span.events) {
    for (const event of span.events) {
      const eventAt = buffer.beginMessage(11);
      buffer.fixed64TimeField(1, event.timeMs);
      buffer.stringField(2, event.name);
      writeAttributes(buffer, 3, event.attributes);
      buffer.endMessage(eventAt);
    }
  }
  if (span.droppedEvents) buffer.varintField(12, span.droppedEvents);
  if (span.links) {
    for (const link of span.links) {
      const linkAt = buffer.beginMessage(13);
      buffer.idField(1, link.context.traceId);
      buffer.idField(2, link.context.spanId);
      const linkState = link.context.traceState?.serialize();
      if (linkState) buffer.stringField(3, linkState);
      writeAttributes(buffer, 4, link.attributes);
      buffer.fixed32Field(
        6,
        (link.context.traceFlags & 0xff) | FLAG_HAS_IS_REMOTE | (link.context.isRemote ? FLAG_IS_REMOTE : 0),
      );
      buffer.endMessage(linkAt);
    }
  }
  if (span.droppedLinks) buffer.varintField(14, span.droppedLinks);
  if (span.statusCode !== SpanStatusCode.UNSET) {
    const statusAt = buffer.beginMessage(15);
    if (span.statusMessage) buffer.stringField(2, span.statusMessage);
    buffer.varintField(3, span.statusCode);
    buffer.endMessage(statusAt);
  }
  buffer.fixed32Field(
    16,
    (context.traceFlags & 0xff) | FLAG_HAS_IS_REMOTE | (span.parentIsRemote ? FLAG_IS_REMOTE : 0),
  );
  buffer.endMessage(spanAt);
}

function writeAttributes(buffer: ProtobufBuffer, field: number, attributes: Attributes | undefined): void {
  if (!attributes) return;
  let count = 0;
  for (const key in attributes) {
    const value = attributes[key];
    if (!isValidAttributeValue(value) || count++ >= ATTRIBUTE_LIMIT) continue;
    buffer.keyValue(field, key, value);
  }
}

/** The span context of a span this tracer started (ids from its generator, so always valid). */
class DirectSpanContext implements SpanContext, SpanIdWords {
  readonly isRemote = false;
  readonly traceState?: TraceState;
  /** The span id's bytes once the encoder has parsed them (see ProtobufBuffer.spanIdField). */
  idHigh = -1;
  idLow = 0;
  constructor(
    readonly traceId: string,
    readonly spanId: string,
    readonly traceFlags: number,
    traceState: TraceState | undefined,
  ) {
    if (traceState) this.traceState = traceState;
  }
}

/** Options of {@link DirectTracer}. */
export interface DirectTracerOptions {
  /** Where ended spans are encoded. */
  readonly sink: FinishedSpanSink;
  /** Share of new traces sampled, 0–1 (default 1); a request with a parent follows the parent. */
  readonly samplingRate?: number;
  /** Id source (default: a pooled cryptographic generator). */
  readonly idGenerator?: { generateTraceId(): string; generateSpanId(): string };
}

/**
 * A parent-based ratio-sampled tracer whose recording spans are {@link DirectSpan}s. An
 * unsampled span is the API's non-recording span with fresh ids and the not-sampled flag, so the
 * decision still travels downstream in `traceparent`.
 */
export class DirectTracer implements Tracer {
  readonly #sink: FinishedSpanSink;
  readonly #threshold: number;
  readonly #ids: { generateTraceId(): string; generateSpanId(): string };

  constructor(options: DirectTracerOptions) {
    this.#sink = options.sink;
    this.#threshold = traceIdRatioThreshold(options.samplingRate ?? 1);
    this.#ids = options.idGenerator ?? new PooledIdGenerator();
  }

  startSpan(name: string, options: SpanOptions = {}, context: Context = contextApi.active()): Span {
    const parent = options.root ? undefined : trace.getSpanContext(context);
    let traceId: string;
    let sampled: boolean;
    let parentContext: SpanContext | undefined;
    let parentIsRemote = false;
    // Contexts this tracer made are valid by construction: only foreign ones (a remote parent,
    // another tracer's span) go through the API's hex validation.
    if (parent && (parent instanceof DirectSpanContext || isSpanContextValid(parent))) {
      traceId = parent.traceId;
      sampled = (parent.traceFlags & TraceFlags.SAMPLED) !== 0;
      parentContext = parent;
      parentIsRemote = parent.isRemote === true;
    } else {
      traceId = this.#ids.generateTraceId();
      sampled = isTraceIdSampled(traceId, this.#threshold);
    }
    const spanContext = new DirectSpanContext(
      traceId,
      this.#ids.generateSpanId(),
      sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
      parent?.traceState,
    );
    if (!sampled) return trace.wrapSpanContext(spanContext);
    return new DirectSpan(this.#sink, spanContext, parentContext, parentIsRemote, name, options);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    second: SpanOptions | F,
    third?: Context | F,
    fourth?: F,
  ): ReturnType<F> {
    const fn = (fourth ?? third ?? second) as F;
    const options = typeof second === 'function' ? {} : second;
    const parent = third !== undefined && typeof third !== 'function' ? third : contextApi.active();
    const span = this.startSpan(name, options, parent);
    return contextApi.with(trace.setSpan(parent, span), () => fn(span)) as ReturnType<F>;
  }
}

/** Options of {@link OtlpSpanQueue}. */
export interface OtlpSpanQueueOptions {
  /** OTLP/HTTP traces endpoint (`http://` or `https://`), e.g. `http://otel-collector:4318/v1/traces`. */
  readonly endpoint: string;
  /** Extra request headers (e.g. an `authorization` header for a hosted collector). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Resource attributes sent with every batch (`service.name` and friends). */
  readonly resource: AttributeEntries;
  /** The instrumentation scope of every span. */
  readonly scope: { readonly name: string; readonly version?: string };
  /** Spans held at most, encoded and waiting, before new ones are dropped (default 16,384). */
  readonly maxQueueSize?: number;
  /** Spans per export request at most (default 2,048). */
  readonly maxExportBatchSize?: number;
  /** A partial batch is sent at least this often, in ms (default 500). */
  readonly scheduledDelayMillis?: number;
  /** Per-request timeout in ms (default 10,000). */
  readonly timeoutMillis?: number;
  /** Retries of a batch after a network error or HTTP 429/502/503/504, with backoff (default 3). */
  readonly maxRetries?: number;
  /** First retry delay in ms, doubled each retry (default 1,000). */
  readonly retryDelayMillis?: number;
}

interface SealedBatch {
  readonly buffer: ProtobufBuffer;
  readonly spans: number;
}

/**
 * Batch buffers kept for reuse once exported. A fresh megabyte is mapped page by page as the
 * encoder first writes it, and those page faults cost as much as a good part of the encoding.
 */
const SPARE_BUFFERS = 4;

/** Batch bytes allocated up front: 2,048 spans of a few hundred bytes fit without growing. */
const BATCH_BYTES = 1024 * 1024;

/**
 * Encoded spans waiting for export, and the exporter: batches are sealed at
 * `maxExportBatchSize` spans or every `scheduledDelayMillis`, posted one at a time with
 * `content-type: application/x-protobuf`, retried on transient failures, and dropped (counted,
 * reported through `diag.warn` as `Dropped N spans`) when the collector cannot keep up or
 * refuses them. Never blocks or throws on the request path.
 */
export class OtlpSpanQueue implements FinishedSpanSink {
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #frame: ExportRequestFrame;
  readonly #maxQueueSize: number;
  readonly #maxBatch: number;
  readonly #timeoutMillis: number;
  readonly #maxRetries: number;
  readonly #retryDelayMillis: number;
  readonly #agent: HttpAgent;
  readonly #timer: NodeJS.Timeout;
  #current: ProtobufBuffer = new ProtobufBuffer(BATCH_BYTES);
  #currentSpans = 0;
  readonly #sealed: SealedBatch[] = [];
  readonly #spare: ProtobufBuffer[] = [];
  #queuedSpans = 0;
  #exporting: Promise<void> | undefined;
  #shutDown = false;
  /** Set by shutdown(): the last flush makes one attempt per batch instead of retrying. */
  #closing = false;
  /** Spans dropped since the last warning (reported at most once per scheduled flush). */
  #droppedSinceWarning = 0;
  /** Totals since creation, for tests and diagnostics. */
  readonly stats = { exportedSpans: 0, droppedSpans: 0, failedRequests: 0 };

  constructor(options: OtlpSpanQueueOptions) {
    this.#url = new URL(options.endpoint);
    if (this.#url.protocol !== 'http:' && this.#url.protocol !== 'https:')
      throw new TypeError(`OTLP endpoint must be an http:// or https:// URL, got ${options.endpoint}`);
    this.#headers = { ...options.headers, 'content-type': 'application/x-protobuf' };
    this.#frame = new ExportRequestFrame(options.resource, options.scope);
    this.#maxQueueSize = options.maxQueueSize ?? 16_384;
    this.#maxBatch = options.maxExportBatchSize ?? 2048;
    this.#timeoutMillis = options.timeoutMillis ?? 10_000;
    this.#maxRetries = options.maxRetries ?? 3;
    this.#retryDelayMillis = options.retryDelayMillis ?? 1000;
    if (!(this.#maxBatch > 0 && this.#maxQueueSize >= this.#maxBatch))
      throw new RangeError('maxExportBatchSize must be positive and at most maxQueueSize');
    this.#agent =
      this.#url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 1 })
        : new HttpAgent({ keepAlive: true, maxSockets: 1 });
    this.#timer = setInterval(() => this.#tick(), options.scheduledDelayMillis ?? 500);
    // A tracer must never keep the process alive on its own.
    this.#timer.unref();
  }

  write(span: DirectSpan): void {
    if (this.#shutDown || this.#queuedSpans + this.#currentSpans >= this.#maxQueueSize) {
      this.#drop(1);
      return;
    }
    writeSpan(this.#current, span);
    if (++this.#currentSpans >= this.#maxBatch) this.#seal();
  }

  /** Sends everything ended so far; resolves once it was exported or dropped. */
  async forceFlush(): Promise<void> {
    this.#seal();
    while (this.#exporting) await this.#exporting;
  }

  /** Flushes, then stops the timer and closes the connection; later spans are dropped. */
  async shutdown(): Promise<void> {
    if (this.#shutDown) return;
    this.#closing = true;
    await this.forceFlush();
    this.#shutDown = true;
    clearInterval(this.#timer);
    this.#reportDrops();
    this.#agent.destroy();
  }

  #tick(): void {
    this.#seal();
    this.#reportDrops();
  }

  #seal(): void {
    if (this.#currentSpans > 0) {
      this.#sealed.push({ buffer: this.#current, spans: this.#currentSpans });
      this.#queuedSpans += this.#currentSpans;
      this.#current = this.#spare.pop() ?? new ProtobufBuffer(BATCH_BYTES);
      this.#currentSpans = 0;
    }
    if (!this.#exporting && this.#sealed.length > 0) {
      this.#exporting = this.#pump().finally(() => {
        this.#exporting = undefined;
        // Batches sealed while the last export ran go now rather than at the next tick.
        if (this.#sealed.length > 0) this.#seal();
      });
    }
  }

  async #pump(): Promise<void> {
    for (let batch = this.#sealed[0]; batch; batch = this.#sealed[0]) {
      let attempt = 0;
      for (;;) {
        const outcome = await this.#post(batch.buffer.view());
        if (outcome === 'ok') {
          this.stats.exportedSpans += batch.spans;
          break;
        }
        this.stats.failedRequests++;
        if (outcome === 'retry' && attempt < this.#maxRetries && !this.#closing) {
          await new Promise((resolve) => setTimeout(resolve, this.#retryDelayMillis * 2 ** attempt).unref());
          attempt++;
          continue;
        }
        this.#drop(batch.spans);
        break;
      }
      this.#sealed.shift();
      if (this.#spare.length < SPARE_BUFFERS) {
        batch.buffer.reset();
        this.#spare.push(batch.buffer);
      }
      this.#queuedSpans -= batch.spans;
    }
  }

  #post(spans: Buffer): Promise<'ok' | 'retry' | 'fail'> {
    const prefix = this.#frame.prefix(spans.length);
    const send = this.#url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: 'ok' | 'retry' | 'fail', problem?: string) => {
        if (settled) return;
        settled = true;
        if (problem) diag.error(`OTLP trace export to ${this.#url.href} failed: ${problem}`);
        resolve(outcome);
      };
      const request = send(
        this.#url,
        {
          method: 'POST',
          agent: this.#agent,
          headers: { ...this.#headers, 'content-length': String(prefix.length + spans.length) },
          timeout: this.#timeoutMillis,
        },
        (response) => {
          const status = response.statusCode ?? 0;
          // The body (an ExportTraceServiceResponse, maybe with partial_success) is not needed.
          response.resume();
          response.on('end', () => {
            if (status >= 200 && status < 300) settle('ok');
            else
              settle(
                status === 429 || status === 502 || status === 503 || status === 504 ? 'retry' : 'fail',
                `HTTP ${status}`,
              );
          });
          response.on('error', (error) => settle('retry', error.message));
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.#timeoutMillis} ms`)));
      request.on('error', (error) => settle('retry', error.message));
      request.write(prefix);
      request.end(spans);
    });
  }

  #drop(spans: number): void {
    this.stats.droppedSpans += spans;
    this.#droppedSinceWarning += spans;
  }

  #reportDrops(): void {
    if (this.#droppedSinceWarning === 0) return;
    diag.warn(
      `Dropped ${this.#droppedSinceWarning} spans: the OTLP export queue was full or the collector refused them`,
    );
    this.#droppedSinceWarning = 0;
  }
}

/** The resource attributes every batch carries: the service, this process and the tracer. */
export function defaultResourceAttributes(serviceName: string, sdkVersion: string): AttributeEntries {
  return [
    ['service.name', serviceName],
    ['telemetry.sdk.name', 'semroute'],
    ['telemetry.sdk.language', 'nodejs'],
    ['telemetry.sdk.version', sdkVersion],
    ['host.name', hostname()],
    ['process.pid', process.pid],
    ['process.runtime.name', 'nodejs'],
    ['process.runtime.version', process.versions.node],
  ];
}
