/**
 * W3C Trace Context (`traceparent` / `tracestate`) extraction and injection for hosts, over
 * `@opentelemetry/api` only: no propagator registration, no global state. Hosts extract from the
 * incoming request, pass the context to telemetry, and inject into the upstream request.
 *
 * @module
 */
import {
  type Context,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  type SpanContext,
  trace,
} from '@opentelemetry/api';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

type HeaderBag = Headers | Readonly<Record<string, string | readonly string[] | undefined>> | undefined;

function header(headers: HeaderBag, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  let value = record[name];
  if (value === undefined) {
    // Case-insensitive fallback; the length test skips lower-casing nearly every other header.
    for (const key in record)
      if (key.length === name.length && key.toLowerCase() === name) {
        value = record[key];
        break;
      }
  }
  return typeof value === 'string' ? value : value?.[0];
}

/**
 * Returns `context` (default: the root context) carrying the remote parent from the request's
 * `traceparent`/`tracestate` headers; unchanged when absent or malformed.
 */
export function extractTraceContext(headers: HeaderBag, context: Context = ROOT_CONTEXT): Context {
  const traceparent = header(headers, 'traceparent')?.trim().toLowerCase();
  if (!traceparent) return context;
  const match = TRACEPARENT.exec(traceparent);
  if (!match || match[1] === 'ff') return context;
  // Version 00 has exactly four fields.
  if (match[1] === '00' && traceparent.length !== 55) return context;
  const tracestate = header(headers, 'tracestate');
  const spanContext = {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: Number.parseInt(match[4]!, 16) & 0xff,
    isRemote: true,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  };
  if (!isSpanContextValid(spanContext)) return context;
  return trace.setSpanContext(context, spanContext);
}

/**
 * Writes `traceparent` (and `tracestate`) for the span in `context` into `headers` (a plain
 * record, mutated and returned). Nothing is written without a valid span context.
 */
export function injectTraceContext<T extends Record<string, string>>(context: Context, headers: T): T {
  return injectSpanContext(trace.getSpanContext(context), headers);
}

/**
 * {@link injectTraceContext} for a span context at hand (no `Context` needed): what the request
 * telemetry uses on the hot path. Nothing is written without a valid span context.
 */
export function injectSpanContext<T extends Record<string, string>>(
  spanContext: SpanContext | undefined,
  headers: T,
): T {
  if (!spanContext || !isSpanContextValid(spanContext)) return headers;
  return writeTraceparent(spanContext, headers);
}

/**
 * Writes the headers for a span context known to be valid (one the SDK just created), skipping
 * the id checks of {@link injectSpanContext}.
 */
export function writeTraceparent<T extends Record<string, string>>(spanContext: SpanContext, headers: T): T {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  (headers as Record<string, string>).traceparent =
    `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
  const state = spanContext.traceState?.serialize();
  if (state) (headers as Record<string, string>).tracestate = state;
  return headers;
}
