/**
 * `serveExtProc()`: a ready-to-run grpc-js server with the ext_proc service and the standard
 * health service, plaintext or TLS, and a shutdown that drains open streams for a grace period
 * and then forces them closed (ext_proc streams are long-lived bidi streams that would keep a
 * plain graceful shutdown pending forever). The only module that imports `@grpc/grpc-js`.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_PORTS, type Router } from '@semroute/core';
import { createExtProcService, type ExtProcService } from '../create-ext-proc-service.js';
import { createHealthService, type HealthService } from '../create-health-service.js';
import type { ExtProcOptions } from '../ext-proc-options.js';

/** TLS material, PEM contents. */
export interface ExtProcTlsOptions {
  readonly cert: string | Uint8Array;
  readonly key: string | Uint8Array;
  /** CA bundle to verify client certificates (mTLS). */
  readonly ca?: string | Uint8Array;
  /** Require and verify a client certificate (needs `ca`). Default false. */
  readonly requireClientCert?: boolean;
}

export interface ServeExtProcOptions extends ExtProcOptions {
  readonly router: Router;
  /** Port; 0 picks a free one. Default 50051. */
  readonly port?: number;
  /** Bind address. Default `0.0.0.0`. */
  readonly host?: string;
  /** Serve TLS instead of plaintext. */
  readonly tls?: ExtProcTlsOptions;
  /** Largest gRPC message accepted, bytes. Default: the request body limit plus 1 MiB. */
  readonly maxReceiveMessageBytes?: number;
  /** Extra grpc-js server channel options. */
  readonly channelOptions?: Readonly<Record<string, string | number>>;
  /** Register `grpc.health.v1.Health`. Default true. */
  readonly health?: boolean;
}

export interface ExtProcServerHandle {
  /** The bound port (useful with `port: 0`). */
  readonly port: number;
  /** `host:port` the server listens on. */
  readonly address: string;
  readonly service: ExtProcService;
  readonly health: HealthService | undefined;
  /**
   * Stops accepting streams, reports NOT_SERVING, waits up to `graceMs` (default 10 000) for
   * open streams to finish, then force-closes the rest. Idempotent.
   */
  close(options?: { readonly graceMs?: number }): Promise<void>;
}

/**
 * Reads TLS material from a directory the way the reference router's `--secure --cert-path DIR`
 * does: `tls.crt` and `tls.key` (a Kubernetes TLS secret's keys), plus `ca.crt` when present (then
 * client certificates are verified but not required unless `requireClientCert`).
 */
export function loadTlsDirectory(
  directory: string,
  options: { readonly requireClientCert?: boolean } = {},
): ExtProcTlsOptions {
  const cert = join(directory, 'tls.crt');
  const key = join(directory, 'tls.key');
  if (!existsSync(cert) || !existsSync(key)) {
    throw new Error(`TLS directory ${directory} must contain tls.crt and tls.key`);
  }
  const ca = join(directory, 'ca.crt');
  return {
    cert: readFileSync(cert),
    key: readFileSync(key),
    ...(existsSync(ca) ? { ca: readFileSync(ca) } : {}),
    ...(options.requireClientCert ? { requireClientCert: true } : {}),
  };
}

const toBuffer = (value: string | Uint8Array): Buffer =>
  typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);

/** Starts the ext_proc gRPC server. Resolves once it is listening. */
export async function serveExtProc(options: ServeExtProcOptions): Promise<ExtProcServerHandle> {
  const { router, port = DEFAULT_PORTS.extproc, host = '0.0.0.0', tls } = options;
  const service = createExtProcService(router, options);
  const bodyLimit =
    options.maxRequestBodyBytes ?? router.config.global.router.streamed_body?.max_bytes ?? 10 * 1024 * 1024;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? bodyLimit + 1024 * 1024,
    'grpc.max_send_message_length': -1,
    'grpc.keepalive_permit_without_calls': 1,
    ...options.channelOptions,
  });
  service.addToServer(server);
  const health =
    options.health === false
      ? undefined
      : createHealthService({ '': 'SERVING', 'envoy.service.ext_proc.v3.ExternalProcessor': 'SERVING' });
  health?.addToServer(server);

  const credentials = tls
    ? grpc.ServerCredentials.createSsl(
        tls.ca ? toBuffer(tls.ca) : null,
        [{ cert_chain: toBuffer(tls.cert), private_key: toBuffer(tls.key) }],
        tls.requireClientCert === true,
      )
    : grpc.ServerCredentials.createInsecure();
  const bindHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const boundPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${bindHost}:${port}`, credentials, (error, actualPort) =>
      error ? reject(error) : resolve(actualPort),
    );
  });

  let closing: Promise<void> | undefined;
  return {
    port: boundPort,
    address: `${bindHost}:${boundPort}`,
    service,
    health,
    close({ graceMs = 10_000 } = {}) {
      closing ??= new Promise<void>((resolve) => {
        health?.setStatus('', 'NOT_SERVING');
        health?.setStatus('envoy.service.ext_proc.v3.ExternalProcessor', 'NOT_SERVING');
        health?.close();
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        timer.unref?.();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closing;
    },
  };
}
