/**
 * A {@link TransportV1} on undici with keep-alive connection pools per upstream origin (Node
 * only). Connect and first-byte timeouts are undici's; the deadline and client aborts come in
 * through the signal. The response body is streamed, never buffered here.
 *
 * @module
 */
import type { TransportResult, TransportV1, UpstreamRequest } from '@semroute/core';
import { Agent } from 'undici';
import {
  type AbortCause,
  classifyUpstreamError,
  classifyUpstreamResponse,
} from '../transport/classify-upstream.js';

export interface UndiciTransportOptions {
  /** TCP (and TLS) connect timeout, ms. Default 5,000. */
  readonly connectTimeoutMs?: number;
  /** Time to response headers, ms. Default 120,000 (non-streaming completions send headers last). */
  readonly firstByteTimeoutMs?: number;
  /** Longest silence between body chunks, ms; 0 disables. Default 300,000. */
  readonly idleTimeoutMs?: number;
  /** Idle keep-alive socket lifetime, ms. Default 30,000. */
  readonly keepAliveTimeoutMs?: number;
  /** Connections per origin. Default 256. */
  readonly connections?: number;
  /** Pipelining depth per connection. Default 1. */
  readonly pipelining?: number;
  readonly clock?: { now(): number };
}

export interface UndiciTransport extends TransportV1 {
  close(): Promise<void>;
}

export function createUndiciTransport(options: UndiciTransportOptions = {}): UndiciTransport {
  const clock = options.clock ?? { now: () => Date.now() };
  const firstByteTimeoutMs = options.firstByteTimeoutMs ?? 120_000;
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs ?? 5_000 },
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    connections: options.connections ?? 256,
    pipelining: options.pipelining ?? 1,
    bodyTimeout: options.idleTimeoutMs ?? 300_000,
  });
  let closed = false;

  return {
    specificationVersion: 'v1',
    async send(request: UpstreamRequest, sendOptions): Promise<TransportResult> {
      const url = new URL(request.url);
      const untilDeadline = sendOptions.deadline - clock.now();
      const headersTimeout = Math.max(1, Math.min(firstByteTimeoutMs, untilDeadline));
      let abortCause: AbortCause | undefined;
      try {
        const result = await agent.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: request.method as 'POST',
          headers: request.headers,
          body: request.body ?? null,
          signal: sendOptions.signal,
          headersTimeout,
        });
        const body = result.body;
        const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
        const stream = new ReadableStream<Uint8Array>({
          async pull(controller) {
            try {
              const next = await iterator.next();
              if (next.done) controller.close();
              else
                controller.enqueue(
                  new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength),
                );
            } catch (error) {
              controller.error(error);
            }
          },
          cancel() {
            body.destroy();
          },
        });
        const headers = new Headers();
        for (const [name, value] of Object.entries(result.headers)) {
          if (value === undefined) continue;
          if (Array.isArray(value)) for (const item of value) headers.append(name, item);
          else headers.set(name, value);
        }
        const response = new Response(
          result.statusCode === 204 || result.statusCode === 304 ? null : stream,
          {
            status: result.statusCode,
            headers,
          },
        );
        return await classifyUpstreamResponse(response, request.target, clock.now());
      } catch (error) {
        if (sendOptions.signal.aborted)
          abortCause = clock.now() >= sendOptions.deadline ? 'deadline' : 'client';
        return classifyUpstreamError(error, request.target, abortCause);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await agent.close();
    },
  };
}
