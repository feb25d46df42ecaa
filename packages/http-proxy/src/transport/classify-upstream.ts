/**
 * Classifies what an upstream did into a {@link TransportResult}: 2xx is success; 408, 429 and
 * 5xx are retryable (with Retry-After honoured); other statuses are failures the client gets
 * relayed; network errors are retryable; a client abort is a failure. Shared by every transport.
 *
 * @module
 */
import { type TransportResult, UpstreamError } from '@semroute/core';

/** Statuses worth another attempt (here or on another target). */
export function isRetryableStatus(status: number): boolean {
  return (
    status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505)
  );
}

/** Parses Retry-After (delta seconds or an HTTP date) into ms, relative to `now`. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Largest upstream error body kept for messages and relaying. */
export const MAX_ERROR_BODY_CHARS = 64 * 1024;

/**
 * Classifies a received status: `undefined` for 2xx (success), else the retryable or failure
 * result, reading the (bounded) error body through `readText`.
 */
export async function classifyUpstreamStatus(
  status: number,
  retryAfter: string | null | undefined,
  readText: () => Promise<string>,
  target: string,
  now: number,
): Promise<Exclude<TransportResult, { status: 'success' }> | undefined> {
  if (status >= 200 && status < 300) return undefined;
  let responseBody = '';
  try {
    responseBody = (await readText()).slice(0, MAX_ERROR_BODY_CHARS);
  } catch {
    // The body failed mid-way; the status alone classifies the attempt.
  }
  const error = new UpstreamError({
    message: `upstream ${target} answered ${status}`,
    code:
      status === 429
        ? 'rate_limited'
        : status === 408 || status === 504
          ? 'upstream_timeout'
          : 'upstream_failed',
    target,
    statusCode: status,
    responseBody,
  });
  if (!isRetryableStatus(status)) return { status: 'failure', error };
  const retryAfterMs = parseRetryAfter(retryAfter, now);
  return retryAfterMs === undefined
    ? { status: 'retryable', error }
    : { status: 'retryable', error, retryAfterMs };
}

/** Turns a received Fetch response into a result; non-2xx bodies are read (bounded) for the error. */
export async function classifyUpstreamResponse(
  response: Response,
  target: string,
  now: number,
): Promise<TransportResult> {
  const failed = await classifyUpstreamStatus(
    response.status,
    response.headers.get('retry-after'),
    () => response.text(),
    target,
    now,
  );
  return failed ?? { status: 'success', response };
}

/** Why an attempt was abandoned by our own controller. */
export type AbortCause = 'client' | 'first-byte-timeout' | 'deadline';

/** Classifies a thrown network error (or our own abort). */
export function classifyUpstreamError(
  cause: unknown,
  target: string,
  abortCause: AbortCause | undefined,
): Exclude<TransportResult, { status: 'success' }> {
  if (abortCause === 'client') {
    return {
      status: 'failure',
      error: new UpstreamError({
        message: `request to ${target} aborted by the client`,
        code: 'aborted',
        target,
        cause,
      }),
    };
  }
  if (abortCause === 'first-byte-timeout' || abortCause === 'deadline' || isTimeoutError(cause)) {
    const what = abortCause === 'deadline' ? 'request deadline passed' : 'no response headers in time';
    return {
      status: 'retryable',
      error: new UpstreamError({
        message: `upstream ${target} timed out (${what})`,
        code: 'upstream_timeout',
        target,
        cause,
      }),
    };
  }
  const detail = describeNetworkError(cause);
  return {
    status: 'retryable',
    error: new UpstreamError({
      message: `upstream ${target} failed: ${detail}`,
      code: 'upstream_failed',
      target,
      cause,
    }),
  };
}

function isTimeoutError(cause: unknown): boolean {
  const code = errorCode(cause);
  return code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'ETIMEDOUT';
}

function errorCode(cause: unknown): string | undefined {
  let current: unknown = cause;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `ECONNREFUSED 127.0.0.1:9` style text from an error and its causes. */
export function describeNetworkError(cause: unknown): string {
  const code = errorCode(cause);
  const message = cause instanceof Error ? cause.message : String(cause);
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : undefined;
  const text = inner && inner !== message ? `${message} (${inner})` : message;
  return code && !text.includes(code) ? `${code}: ${text}` : text;
}
