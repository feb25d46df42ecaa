/**
 * The proxy as a Fetch API handler: `(Request) => Promise<Response>`. Runs wherever `Request`,
 * `Response`, `ReadableStream` and `fetch` exist (Node 20, Deno, Bun, edge workers); upstream
 * calls go through the injected transport (default: the global fetch).
 *
 * @module
 */
import { createProxyHandler, type ProxyHandlerOptions } from './create-proxy-handler.js';
import { toFetchHandler } from './http/fetch-adapter.js';

export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * Creates the proxy's Fetch handler: `POST /v1/chat/completions` (JSON and SSE),
 * `GET /v1/models`, `GET /health`; every error OpenAI-shaped.
 *
 * @example
 * ```ts
 * const handler = createFetchHandler({ router });
 * export default { fetch: handler }; // e.g. a worker
 * ```
 */
export function createFetchHandler(options: ProxyHandlerOptions): FetchHandler {
  return toFetchHandler(createProxyHandler(options).handle);
}
