/**
 * A runtime-neutral view of one HTTP exchange. The proxy and the simulated backend are written
 * against these two plain shapes; `toFetchHandler` adapts them to the Fetch API (edge runtimes)
 * and `node/write-http-result.ts` writes them straight to a Node `ServerResponse`, which avoids
 * building WHATWG `Request` objects on the Node hot path.
 *
 * @module
 */

/** One incoming request. Header names are lower-case. */
export interface HttpInput {
  readonly method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * Reads the whole body as text. Rejects with `BodyTooLargeError` past `maxBytes`
   * (checked while reading, so a huge body is never buffered).
   */
  readBody(maxBytes: number): Promise<string>;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /**
   * Optional, cheaper alternative to `signal`: registers a listener called once if the client
   * goes away before the response finished; returns a function that unregisters it. Hosts that
   * can (the Node adapter) implement it so the hot path creates no extra `AbortSignal`.
   */
  onClientClose?(listener: () => void): () => void;
}

/** The body of a result: complete text, or chunks to pass through as they arrive. */
export type HttpResultBody = string | AsyncIterable<Uint8Array> | null;

/** One response. Header names are lower-case. */
export interface HttpResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: HttpResultBody;
}

/** Thrown by `HttpInput.readBody` when the body exceeds the limit. */
export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
    this.limit = limit;
  }
}

/** A handler over the runtime-neutral exchange. */
export type HttpHandler = (input: HttpInput) => Promise<HttpResult>;
