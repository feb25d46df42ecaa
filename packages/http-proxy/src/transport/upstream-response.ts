/**
 * The proxy's view of an upstream response: status, lower-case headers and the body as text or
 * chunks. A Fetch `Response` adapts to it for free; the undici transport produces it natively,
 * which keeps WHATWG streams off the Node hot path.
 *
 * @module
 */
import type { TransportResult, TransportV1, UpstreamError, UpstreamRequest } from '@semroute/core';

export interface UpstreamResponse {
  readonly status: number;
  /** Response headers, lower-case names (repeated headers joined with `, `). */
  readonly headers: Readonly<Record<string, string>>;
  /** Reads the whole body as UTF-8. */
  text(): Promise<string>;
  /** The body chunk by chunk, once; stopping early (return/throw) cancels the body. */
  chunks(): AsyncIterable<Uint8Array>;
}

/** A {@link TransportResult} carrying an {@link UpstreamResponse}. */
export type UpstreamResult =
  | { readonly status: 'success'; readonly response: UpstreamResponse }
  | { readonly status: 'retryable'; readonly error: UpstreamError; readonly retryAfterMs?: number }
  | { readonly status: 'failure'; readonly error: UpstreamError };

/**
 * A transport the proxy can call without building a Fetch `Response`. `sendUpstream` must
 * behave exactly like `send` apart from the response shape.
 */
export interface ProxyTransport extends TransportV1 {
  sendUpstream?(
    request: UpstreamRequest,
    options: { readonly signal: AbortSignal; readonly deadline: number },
  ): Promise<UpstreamResult>;
}

/** Adapts a Fetch `Response`. */
export function upstreamResponseFromFetch(response: Response): UpstreamResponse {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return {
    status: response.status,
    headers,
    text: () => response.text(),
    chunks: () => iterateStream(response.body),
  };
}

async function* iterateStream(body: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield value;
    }
    finished = true;
  } finally {
    if (!finished) reader.cancel().catch(() => undefined);
  }
}

/** Sends through `sendUpstream` when the transport has it, else through `send`. */
export async function sendThrough(
  transport: ProxyTransport,
  request: UpstreamRequest,
  options: { readonly signal: AbortSignal; readonly deadline: number },
): Promise<UpstreamResult> {
  if (transport.sendUpstream) return transport.sendUpstream(request, options);
  const result: TransportResult = await transport.send(request, options);
  return result.status === 'success'
    ? { status: 'success', response: upstreamResponseFromFetch(result.response) }
    : result;
}
