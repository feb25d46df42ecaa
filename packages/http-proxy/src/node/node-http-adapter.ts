/**
 * Runs an {@link HttpHandler} on `node:http`: builds the runtime-neutral input straight from the
 * `IncomingMessage` (no WHATWG `Request` on the hot path), writes results with back-pressure,
 * turns a client disconnect into an abort, and closes with a drain deadline.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BodyTooLargeError,
  type HttpHandler,
  type HttpInput,
  type HttpResult,
} from '../http/http-exchange.js';

function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    request.resume();
    return Promise.reject(new BodyTooLargeError(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        cleanup();
        request.resume();
        reject(new BodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onAborted = () => {
      cleanup();
      reject(new Error('client aborted the request body'));
    };
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('aborted', onAborted);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('aborted', onAborted);
  });
}

/** Builds the runtime-neutral input of one Node request. */
export function httpInputFromNode(request: IncomingMessage, response: ServerResponse): HttpInput {
  // The AbortController is created only when someone reads `signal` (Node's AbortSignal is
  // costly to create); `onClientClose` covers the proxy's hot path without one.
  let controller: AbortController | undefined;
  let closedEarly = false;
  response.once('close', () => {
    if (response.writableFinished) return;
    closedEarly = true;
    controller?.abort(new Error('client closed the connection'));
  });
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  // Node joins repeated request headers except set-cookie; copy only when that one is present.
  let headers = request.headers as Record<string, string | undefined>;
  if (request.headers['set-cookie'] !== undefined) {
    headers = {};
    const raw = request.headers;
    for (const name in raw) {
      const value = raw[name];
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return {
    method: request.method ?? 'GET',
    path: query >= 0 ? url.slice(0, query) : url,
    headers,
    readBody: (maxBytes) => readBody(request, maxBytes),
    get signal() {
      if (!controller) {
        controller = new AbortController();
        if (closedEarly) controller.abort(new Error('client closed the connection'));
      }
      return controller.signal;
    },
    onClientClose(listener) {
      if (closedEarly) {
        listener();
        return () => undefined;
      }
      const onClose = () => {
        if (!response.writableFinished) listener();
      };
      response.once('close', onClose);
      return () => response.off('close', onClose);
    },
  };
}

function waitForDrain(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

/** Writes a result; iterable bodies are written chunk by chunk as they arrive. */
export async function writeHttpResult(response: ServerResponse, result: HttpResult): Promise<void> {
  const { body } = result;
  if (body === null || typeof body === 'string') {
    response.writeHead(result.status, result.headers);
    response.end(body ?? undefined);
    return;
  }
  response.writeHead(result.status, {
    ...result.headers,
    'cache-control': result.headers['cache-control'] ?? 'no-cache',
  });
  response.flushHeaders();
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      if (response.destroyed) {
        await iterator.return?.();
        return;
      }
      if (!response.write(next.value)) await waitForDrain(response);
    }
    response.end();
  } catch {
    // The upstream failed mid-stream: cut the client's connection so it sees an incomplete body.
    response.destroy();
  }
}

/** A `node:http` request listener for a handler. Never throws; unexpected errors become 500s. */
export function createNodeListener(
  handler: HttpHandler,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    let input: HttpInput;
    try {
      input = httpInputFromNode(request, response);
    } catch {
      response.writeHead(400).end();
      return;
    }
    handler(input)
      .then((result) => writeHttpResult(response, result))
      .catch(() => {
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(
            '{"error":{"message":"internal error","type":"server_error","code":"internal","param":null}}',
          );
        } else response.destroy();
      });
  };
}

export interface NodeServerHandle {
  /** `http://host:port` the server listens on. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly server: Server;
  /**
   * Stops accepting connections, waits for in-flight requests up to `graceMs` (default
   * 10,000), then closes whatever is left. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

export interface ListenOptions {
  /** Port; 0 picks a free one. */
  readonly port: number;
  /** Interface; default `127.0.0.1`. */
  readonly host?: string;
  /** Keep-alive timeout for client connections, ms. Default 65,000. */
  readonly keepAliveTimeoutMs?: number;
  /** Runs after the server closed, e.g. to release pools. */
  readonly onClose?: () => Promise<void> | void;
}

/** Listens with a handler and resolves once the port is bound. */
export function listenWithHandler(handler: HttpHandler, options: ListenOptions): Promise<NodeServerHandle> {
  const server = createServer(
    { keepAliveTimeout: options.keepAliveTimeoutMs ?? 65_000 },
    createNodeListener(handler),
  );
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://${urlHost}:${address.port}`,
        port: address.port,
        host: address.address,
        server,
        close(graceMs = 10_000) {
          closing ??= new Promise<void>((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), graceMs);
            timer.unref?.();
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            server.closeIdleConnections();
          }).then(async () => {
            await options.onClose?.();
          });
          return closing;
        },
      });
    });
  });
}
