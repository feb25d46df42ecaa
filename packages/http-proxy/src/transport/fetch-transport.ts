/**
 * A {@link TransportV1} over the global `fetch` (Node 20, Deno, Bun, edge workers). Sends one
 * attempt; the first-byte timeout and the deadline abort it; expected failures are results.
 *
 * @module
 */
import type { TransportResult, TransportV1, UpstreamRequest } from '@semroute/core';
import { type AbortCause, classifyUpstreamError, classifyUpstreamResponse } from './classify-upstream.js';

export interface FetchTransportOptions {
  /** Time to response headers, ms (covers connecting on fetch). Default 120,000. */
  readonly firstByteTimeoutMs?: number;
  /** The fetch to use. Default: the global one. */
  readonly fetch?: typeof fetch;
  readonly clock?: { now(): number };
}

export function createFetchTransport(options: FetchTransportOptions = {}): TransportV1 {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const firstByteTimeoutMs = options.firstByteTimeoutMs ?? 120_000;
  const clock = options.clock ?? { now: () => Date.now() };
  return {
    specificationVersion: 'v1',
    async send(request: UpstreamRequest, sendOptions): Promise<TransportResult> {
      const controller = new AbortController();
      let abortCause: AbortCause | undefined;
      const onAbort = () => {
        abortCause ??= 'client';
        controller.abort(sendOptions.signal.reason);
      };
      if (sendOptions.signal.aborted) onAbort();
      else sendOptions.signal.addEventListener('abort', onAbort, { once: true });
      const untilDeadline = sendOptions.deadline - clock.now();
      const timeoutMs = Math.max(0, Math.min(firstByteTimeoutMs, untilDeadline));
      const timer = setTimeout(() => {
        abortCause ??= timeoutMs === untilDeadline ? 'deadline' : 'first-byte-timeout';
        controller.abort();
      }, timeoutMs);
      try {
        const init: RequestInit = {
          method: request.method,
          headers: request.headers,
          signal: controller.signal,
        };
        if (request.body !== undefined) init.body = request.body as BodyInit;
        const response = await fetchImpl(request.url, init);
        clearTimeout(timer);
        return await classifyUpstreamResponse(response, request.target, clock.now());
      } catch (error) {
        clearTimeout(timer);
        sendOptions.signal.removeEventListener('abort', onAbort);
        return classifyUpstreamError(error, request.target, abortCause);
      }
    },
  };
}
