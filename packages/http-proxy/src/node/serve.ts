/**
 * `serveHttpProxy`: the proxy on a Node HTTP server, with undici keep-alive pools upstream.
 * This is what `semroute serve` starts for the HTTP listener.
 *
 * @module
 */
import { createProxyHandler, type ProxyHandler, type ProxyHandlerOptions } from '../create-proxy-handler.js';
import {
  type BackendDiscoveryResult,
  discoverBackends,
  formatBackendDiscovery,
} from '../discovery/discover-backends.js';
import { listenWithHandler, type NodeServerHandle } from './node-http-adapter.js';
import { createUndiciTransport, type UndiciTransportOptions } from './undici-transport.js';

export interface ServeHttpProxyOptions extends ProxyHandlerOptions {
  /** Port; default 8801 (`DEFAULT_PORTS.http`); 0 picks a free one. */
  readonly port?: number;
  /** Interface; default `127.0.0.1`. */
  readonly host?: string;
  /** Options of the default undici transport (ignored when `transport` is given). */
  readonly upstream?: UndiciTransportOptions;
  /**
   * After listening, ask every backend for `/v1/models` and log (warn) each routed model or
   * adapter it does not serve, and each unreachable backend. Default false.
   */
  readonly checkBackends?: boolean;
}

export interface HttpProxyServer extends NodeServerHandle {
  readonly proxy: ProxyHandler;
  /** The startup backend check, when `checkBackends` is set (never rejects). */
  readonly backendCheck?: Promise<BackendDiscoveryResult>;
}

/**
 * Starts the proxy. `close()` drains in-flight requests (then cuts them after the grace
 * period) and closes the upstream pools; it does not close the router.
 *
 * @example
 * ```ts
 * const proxy = await serveHttpProxy({ router, port: 8801 });
 * process.on('SIGTERM', () => void proxy.close());
 * ```
 */
export async function serveHttpProxy(options: ServeHttpProxyOptions): Promise<HttpProxyServer> {
  const ownTransport = options.transport
    ? undefined
    : createUndiciTransport({ ...options.upstream, ...(options.clock ? { clock: options.clock } : {}) });
  const proxy = createProxyHandler({ ...options, ...(ownTransport ? { transport: ownTransport } : {}) });
  const handle = await listenWithHandler(proxy.handle, {
    port: options.port ?? 8801,
    ...(options.host !== undefined ? { host: options.host } : {}),
    onClose: () => ownTransport?.close(),
  });
  options.logger?.info({ url: handle.url }, 'http proxy listening');
  if (!options.checkBackends) return { ...handle, close: handle.close, proxy };
  const backendCheck = discoverBackends({
    config: options.router.config,
    ...(options.env ? { env: options.env } : {}),
  }).then((result) => {
    for (const line of formatBackendDiscovery(result)) options.logger?.warn({ check: 'backends' }, line);
    return result;
  });
  return { ...handle, close: handle.close, proxy, backendCheck };
}
