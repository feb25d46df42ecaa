/**
 * Options of the ext_proc service and the per-exchange summary it reports.
 *
 * @module
 */
import { type Logger, silentLogger } from '@semroute/core';
import type { BodySendMode } from './ext-proc-messages.js';

/** Time source and timers; inject a fake one in tests. `now()` is in milliseconds. */
export interface ExtProcClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Structured logger (core's `Logger`: fields first, then the message); the default drops everything. */
export type ExtProcLogger = Logger;

/** Token usage as the upstream reported it. */
export interface ExchangeUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

/** What happened on one ext_proc stream, reported once when it ends. */
export interface ExchangeSummary {
  /** The request's `x-request-id`, when the gateway sent one. */
  readonly requestId?: string;
  /** `upstream` (routed and forwarded), `immediate` (answered by the router), or `passthrough` (not routed). */
  readonly kind: 'upstream' | 'immediate' | 'passthrough';
  /** Why an immediate response was sent (`fast_response`, `cache`, `error`, `models`, `payload_too_large`). */
  readonly reason?: string;
  readonly decision: string | null;
  /** Logical model chosen (providers.models[].name). */
  readonly selectedModel: string | null;
  /** HTTP status the client got (upstream's, or ours for immediate responses); 0 when unknown. */
  readonly status: number;
  readonly stream: boolean;
  readonly usage?: ExchangeUsage;
  /** Cost from the model's `pricing` (prompt_per_1m / completion_per_1m), in its currency. */
  readonly cost?: { readonly amount: number; readonly currency: string };
  /** Time spent in `router.route()`, ms. */
  readonly routeLatencyMs?: number;
  /** From our request reply to the first content-bearing response chunk, ms (SSE only). */
  readonly ttftMs?: number;
  /** True when the response ended completely (SSE `[DONE]` or a parseable JSON body). */
  readonly complete: boolean;
  /** True when the stream ended early (cancel, reset, half-close before the response ended). */
  readonly aborted: boolean;
  /** True when the response was handed to `router.storeResponse()`. */
  readonly cacheWritten: boolean;
}

export interface ExtProcOptions {
  /**
   * Largest request body accumulated for routing, bytes; above it the client gets a 413.
   * Default: `global.router.streamed_body.max_bytes` (10 MiB).
   */
  readonly maxRequestBodyBytes?: number;
  /** Largest response body kept for usage accounting and caching, bytes (default 8 MiB). Larger responses pass through uncached. */
  readonly maxResponseBodyBytes?: number;
  /** Request body mode assumed when the gateway sends no `protocol_config` (older Envoys). Default `BUFFERED`. */
  readonly assumedRequestBodyMode?: BodySendMode;
  /** Reply `mode_override { response_body_mode: STREAMED }` to `text/event-stream` response headers (needs `allow_mode_override`). Default true. */
  readonly responseModeOverride?: boolean;
  /** In STREAMED request mode, ask for a BUFFERED body on routable requests via `mode_override`. Default true. */
  readonly requestModeOverride?: boolean;
  /** Overrides the router's `clear_route_cache` decision. Default: the outcome's value (config `global.router.clear_route_cache`). */
  readonly clearRouteCache?: boolean;
  /** Set `accept-encoding: identity` on routed requests so response bodies arrive uncompressed. Default true. */
  readonly forceIdentityEncoding?: boolean;
  /**
   * When routing takes longer than `afterMs`, send one `override_message_timeout` of
   * `timeoutMs` (Envoy honours it only with `max_message_timeout` ≥ timeoutMs).
   */
  readonly overrideMessageTimeout?: { readonly afterMs: number; readonly timeoutMs: number };
  /** Which requests are routed. Default: POST (or unknown method) to a path ending in `/chat/completions`. */
  readonly isRoutable?: (request: {
    readonly method: string | undefined;
    readonly path: string | undefined;
  }) => boolean;
  readonly clock?: ExtProcClock;
  readonly logger?: ExtProcLogger;
  /** Called once per stream when its exchange ends (usage, cost, latency, cache write). Must not throw. */
  readonly onExchangeEnd?: (summary: ExchangeSummary) => void;
}

export const NOOP_LOGGER: ExtProcLogger = silentLogger;

export const SYSTEM_CLOCK: ExtProcClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Default routable-request predicate. */
export function defaultIsRoutable(request: {
  readonly method: string | undefined;
  readonly path: string | undefined;
}): boolean {
  if (request.method !== undefined && request.method !== 'POST') return false;
  if (request.path === undefined) return true;
  const query = request.path.indexOf('?');
  const pathname = query === -1 ? request.path : request.path.slice(0, query);
  return pathname.endsWith('/chat/completions');
}
