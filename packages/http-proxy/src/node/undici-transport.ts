/**
 * A {@link TransportV1} on undici with keep-alive connection pools per upstream origin (Node
 * only). Connect and first-byte timeouts are undici's; the deadline and client aborts come in
 * through the signal. The response body is streamed, never buffered here. `sendUpstream` skips
 * the WHATWG `Response` the proxy does not need; `send` wraps the same result in one.
 *
 * @module
 */
import type { Readable } from 'node:stream';
import type { TransportResult, UpstreamRequest } from '@semroute/core';
import { Agent } from 'undici';
import { readableStreamFrom } from '../http/readable-stream-from.js';
import {
  type AbortCause,
  classifyUpstreamError,
  classifyUpstreamStatus,
} from '../transport/classify-upstream.js';
import type { ProxyTransport, UpstreamResponse, UpstreamResult } from '../transport/upstream-response.js';

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

export interface UndiciTransport extends ProxyTransport {
  sendUpstream(
    request: UpstreamRequest,
    options: { readonly signal: AbortSignal; readonly deadline: number },
  ): Promise<UpstreamResult>;
  close(): Promise<void>;
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in raw) {
    const value = raw[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function readText(body: Readable & { text(): Promise<string> }): Promise<string> {
  return body.text();
}

async function* iterateBody(body: Readable): AsyncGenerator<Uint8Array> {
  let finished = false;
  try {
    for await (const chunk of body) yield chunk as Uint8Array;
    finished = true;
  } finally {
    if (!finished) body.destroy();
  }
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
  const origins = new Map<string, { origin: string; path: string }>();
  let closed = false;

  async function sendUpstream(
    request: UpstreamRequest,
    sendOptions: { readonly signal: AbortSignal; readonly deadline: number },
  ): Promise<UpstreamResult> {
    let parts = origins.get(request.url);
    if (!parts) {
      const url = new URL(request.url);
      parts = { origin: url.origin, path: url.pathname + url.search };
      if (origins.size < 1024) origins.set(request.url, parts);
    }
    const untilDeadline = sendOptions.deadline - clock.now();
    const headersTimeout = Math.max(1, Math.min(firstByteTimeoutMs, untilDeadline));
    try {
      const result = await agent.request({
        origin: parts.origin,
        path: parts.path,
        method: request.method as 'POST',
        headers: request.headers,
        body: request.body ?? null,
        signal: sendOptions.signal,
        headersTimeout,
      });
      const body = result.body;
      const headers = flattenHeaders(result.headers);
      const failed = await classifyUpstreamStatus(
        result.statusCode,
        headers['retry-after'],
        () => readText(body),
        request.target,
        clock.now(),
      );
      if (failed) return failed;
      const response: UpstreamResponse = {
        status: result.statusCode,
        headers,
        text: () => readText(body),
        chunks: () => iterateBody(body),
      };
      return { status: 'success', response };
    } catch (error) {
      let abortCause: AbortCause | undefined;
      if (sendOptions.signal.aborted)
        abortCause = clock.now() >= sendOptions.deadline ? 'deadline' : 'client';
      return classifyUpstreamError(error, request.target, abortCause);
    }
  }

  return {
    specificationVersion: 'v1',
    sendUpstream,
    async send(request, sendOptions): Promise<TransportResult> {
      const result = await sendUpstream(request, sendOptions);
      if (result.status !== 'success') return result;
      const { response } = result;
      const iterator = response.chunks()[Symbol.asyncIterator]();
      const stream = readableStreamFrom(iterator);
      const nullBody = response.status === 204 || response.status === 304;
      if (nullBody) await iterator.return?.();
      return {
        status: 'success',
        response: new Response(nullBody ? null : stream, {
          status: response.status,
          headers: response.headers,
        }),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await agent.close();
    },
  };
}
