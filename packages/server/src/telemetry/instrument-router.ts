/**
 * `instrumentRouter()`: a {@link Router} decorator that records every `route()` call (metrics,
 * `semantic_router.*` spans under the caller's W3C trace from the request headers, one JSON log
 * line) so hosts that take a `Router` (ExtProc, HTTP proxy) get routing telemetry without code
 * changes. With tracing on, upstream outcomes carry the request span's `traceparent` (and
 * `tracestate`) in `requestHeaders.set`, which both hosts apply to the upstream request, so the
 * model server's spans join the trace. Upstream results come from the hosts' own hooks through {@link recordExchangeEnd} and
 * {@link recordProxyEvent}.
 *
 * @module
 */
import type { Router, UpstreamOutcome } from '@semroute/core';
import type { RequestLogger } from '../logging/create-json-logger.js';
import type { RouterTelemetry } from './create-router-telemetry.js';

export interface InstrumentRouterOptions {
  readonly router: Router;
  readonly telemetry: RouterTelemetry;
  /** One line per routed request; omit for none. */
  readonly requestLog?: RequestLogger;
  /** Header carrying the request id (default `x-request-id`). */
  readonly requestIdHeader?: string;
}

function headerValue(
  headers: Readonly<Record<string, string | readonly string[] | undefined>> | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  let value = headers[name];
  if (value === undefined)
    for (const key in headers)
      if (key.length === name.length && key.toLowerCase() === name) {
        value = headers[key];
        break;
      }
  return typeof value === 'string' ? value : value?.[0];
}

function withTraceHeaders(outcome: UpstreamOutcome, traceHeaders: Record<string, string>): UpstreamOutcome {
  if (!traceHeaders.traceparent) return outcome;
  return {
    ...outcome,
    requestHeaders: {
      set: { ...outcome.requestHeaders.set, ...traceHeaders },
      remove: outcome.requestHeaders.remove,
    },
  };
}

export function instrumentRouter(options: InstrumentRouterOptions): Router {
  const { router, telemetry, requestLog } = options;
  const requestIdHeader = (options.requestIdHeader ?? 'x-request-id').toLowerCase();
  return {
    get config() {
      return router.config;
    },
    async route(request, callOptions) {
      const requestId = headerValue(request.headers, requestIdHeader);
      const requestTelemetry = telemetry.startRequest({
        ...(request.headers ? { headers: request.headers } : {}),
        ...(requestId ? { requestId } : {}),
        ...(request.path ? { path: request.path } : {}),
      });
      telemetry.trackInFlight(1);
      try {
        let outcome = await router.route(request, callOptions);
        telemetry.recordRoute(outcome, { request: requestTelemetry });
        // The upstream call continues this request's trace: hosts apply requestHeaders.set.
        if (outcome.type === 'upstream' && telemetry.tracing && requestTelemetry.traceHeaders)
          outcome = withTraceHeaders(outcome, requestTelemetry.traceHeaders());
        requestTelemetry.end({ status: outcome.type === 'upstream' ? 200 : outcome.status });
        requestLog?.logRoute(outcome, {
          ...(requestId ? { requestId } : {}),
          ...(request.path ? { path: request.path } : {}),
        });
        return outcome;
      } catch (error) {
        requestTelemetry.end({ error: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        telemetry.trackInFlight(-1);
      }
    },
    listModels: () => router.listModels(),
    storeResponse: (context, completion) => router.storeResponse(context, completion),
    close: () => router.close(),
  };
}

/** Token usage as hosts report it. */
interface UsageLike {
  readonly prompt_tokens?: number;
  readonly completion_tokens?: number;
  readonly total_tokens?: number;
}

/**
 * An `onExchangeEnd` handler for `@semroute/extproc` (structural: any summary with these
 * fields): upstream status, TTFT, tokens and cost per exchange.
 */
export function recordExchangeEnd(telemetry: RouterTelemetry) {
  return (summary: {
    readonly kind: string;
    readonly selectedModel: string | null;
    readonly status: number;
    /** `@semroute/extproc` reports camelCase usage. */
    readonly usage?: {
      readonly promptTokens: number;
      readonly completionTokens: number;
      readonly totalTokens: number;
    };
    readonly ttftMs?: number;
    readonly aborted?: boolean;
  }): void => {
    if (summary.kind !== 'upstream' || !summary.selectedModel) return;
    telemetry.recordResponse({
      model: summary.selectedModel,
      ...(summary.status ? { status: summary.status } : {}),
      ...(summary.ttftMs !== undefined ? { ttftMs: summary.ttftMs } : {}),
      ...(summary.usage
        ? {
            usage: {
              prompt_tokens: summary.usage.promptTokens,
              completion_tokens: summary.usage.completionTokens,
              total_tokens: summary.usage.totalTokens,
            },
          }
        : {}),
      ...(summary.aborted ? { errorReason: 'aborted' } : {}),
    });
  };
}

/**
 * An `onEvent` handler for `@semroute/http-proxy` (structural): `upstream-end` becomes a
 * response record (status, TTFT from the first content chunk of a stream or else the first
 * byte, total latency, token usage); other events are ignored.
 */
export function recordProxyEvent(telemetry: RouterTelemetry) {
  return (event: {
    readonly type: string;
    readonly model?: string;
    readonly status?: number;
    readonly firstByteMs?: number;
    /** Streams: first content chunk, the TTFT a user sees (falls back to first byte). */
    readonly firstContentMs?: number;
    readonly totalMs?: number;
    readonly complete?: boolean;
    readonly usage?: UsageLike;
  }): void => {
    if (event.type !== 'upstream-end' || !event.model) return;
    telemetry.recordResponse({
      model: event.model,
      ...(event.status !== undefined ? { status: event.status } : {}),
      ...(event.totalMs !== undefined ? { latencyMs: event.totalMs } : {}),
      ...((event.firstContentMs ?? event.firstByteMs) !== undefined
        ? { ttftMs: (event.firstContentMs ?? event.firstByteMs)! }
        : {}),
      ...(event.usage ? { usage: event.usage } : {}),
      ...(event.complete === false ? { errorReason: 'incomplete' } : {}),
    });
  };
}
