/**
 * Adapts an {@link HttpHandler} to the Fetch API: `(Request) => Promise<Response>`. Runs on any
 * runtime with WHATWG `Request`, `Response` and `ReadableStream` (Node 20, Deno, Bun, workers).
 *
 * @module
 */
import { BodyTooLargeError, type HttpHandler, type HttpInput, type HttpResult } from './http-exchange.js';
import { readableStreamFrom } from './readable-stream-from.js';

/** Reads a WHATWG body stream as UTF-8 text, failing past `maxBytes`. */
async function readLimited(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let received = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** Builds an {@link HttpInput} from a Fetch `Request`. */
export function httpInputFromRequest(request: Request): HttpInput {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return {
    method: request.method,
    path: url.pathname,
    headers,
    readBody: (maxBytes) => readLimited(request, maxBytes),
    signal: request.signal,
  };
}

/** Turns an {@link HttpResult} into a Fetch `Response`, streaming iterable bodies chunk by chunk. */
export function responseFromHttpResult(result: HttpResult): Response {
  const { body } = result;
  const init = { status: result.status, headers: result.headers };
  if (body === null || typeof body === 'string') return new Response(body, init);
  const iterator = body[Symbol.asyncIterator]();
  const stream = readableStreamFrom(iterator);
  return new Response(stream, init);
}

/** Wraps a runtime-neutral handler as a Fetch handler. */
export function toFetchHandler(handler: HttpHandler): (request: Request) => Promise<Response> {
  return async (request) => responseFromHttpResult(await handler(httpInputFromRequest(request)));
}
