/**
 * Serves a Fetch handler (`Request → Response`) on a Node `http` server: the management API on
 * 8080 and `/metrics` on 9190. `serveManagementApi()` refuses to bind beyond loopback without
 * bearer auth.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { DEFAULT_PORTS, SemrouteError } from '@semroute/core';
import type { RouterTelemetry } from '../telemetry/create-router-telemetry.js';

export type FetchHandler = (request: Request) => Promise<Response> | Response;

export interface ServeOptions {
  readonly port?: number;
  /** Interface to bind (default `127.0.0.1`). */
  readonly host?: string;
}

export interface RunningServer {
  /** `http://host:port` actually bound (port 0 picks a free one). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and closes idle keep-alive sockets. */
  close(): Promise<void>;
}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare) || bare === '::ffff:127.0.0.1'
  );
}

/** Adapts a Fetch handler to a Node request listener. */
export function toNodeListener(handler: FetchHandler) {
  return async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    try {
      const host = incoming.headers.host ?? 'localhost';
      const url = `http://${host}${incoming.url ?? '/'}`;
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const item of value) headers.append(name, item);
        else headers.set(name, value);
      }
      const hasBody = incoming.method !== 'GET' && incoming.method !== 'HEAD';
      const request = new Request(url, {
        method: incoming.method ?? 'GET',
        headers,
        ...(hasBody ? { body: Readable.toWeb(incoming) as ReadableStream, duplex: 'half' } : {}),
      } as RequestInit);
      const response = await handler(request);
      const responseHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        responseHeaders[name] = value;
      });
      const body =
        incoming.method === 'HEAD' || !response.body ? undefined : Buffer.from(await response.arrayBuffer());
      outgoing.writeHead(response.status, responseHeaders);
      outgoing.end(body);
    } catch {
      if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'application/json' });
      outgoing.end('{"error":{"code":"INTERNAL","message":"internal error"}}');
    }
  };
}

/** Serves any Fetch handler. */
export function serveFetchHandler(handler: FetchHandler, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer(toNodeListener(handler));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${shownHost}:${address.port}`,
        port: address.port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/**
 * Serves the management API (default `127.0.0.1:8080`). Binding beyond loopback needs
 * `authEnabled: true` (bearer tokens configured); otherwise it rejects before listening.
 */
export function serveManagementApi(
  api: { fetch: FetchHandler },
  options: ServeOptions & { readonly authEnabled: boolean },
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.authEnabled)
    return Promise.reject(
      new SemrouteError(
        `refusing to bind the management API to ${host} without bearer auth: set global.services.management_api.auth.mode: bearer with tokens, or bind to 127.0.0.1`,
        { code: 'invalid_config' },
      ),
    );
  return serveFetchHandler((request) => api.fetch(request), {
    host,
    port: options.port ?? DEFAULT_PORTS.api,
  });
}

/** A Fetch handler answering `GET /metrics` with the Prometheus text format. */
export function createMetricsHandler(telemetry: RouterTelemetry): FetchHandler {
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (path !== '/metrics') return new Response('not found\n', { status: 404 });
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
    return new Response(await telemetry.metrics(), {
      headers: { 'content-type': telemetry.metricsContentType },
    });
  };
}

/** Serves `/metrics` (default `0.0.0.0:9190`, so Prometheus can scrape the pod). */
export function serveMetrics(telemetry: RouterTelemetry, options: ServeOptions = {}): Promise<RunningServer> {
  return serveFetchHandler(createMetricsHandler(telemetry), {
    host: options.host ?? '0.0.0.0',
    port: options.port ?? DEFAULT_PORTS.metrics,
  });
}
