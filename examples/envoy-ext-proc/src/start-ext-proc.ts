/**
 * Your own grpc-js server with semroute's ext_proc service mounted on it (next to the standard
 * health service, and whatever other services you run). Envoy or agentgateway connect here.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { createRouter, parseRouterConfig } from '@semroute/core';
import { createExtProcService, createHealthService } from '@semroute/extproc';

const CONFIG = new URL('../config.yaml', import.meta.url);

export interface RunningExtProc {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startExtProc(options: { port?: number; host?: string } = {}): Promise<RunningExtProc> {
  const { config } = parseRouterConfig(readFileSync(CONFIG, 'utf8'), { env: process.env });
  const router = await createRouter({ config });

  const server = new grpc.Server();
  const extProc = createExtProcService(router);
  extProc.addToServer(server); // envoy.service.ext_proc.v3.ExternalProcessor/Process
  const health = createHealthService();
  health.addToServer(server); // grpc.health.v1.Health, for Envoy/Kubernetes health checks

  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((bound, failed) =>
    server.bindAsync(
      `${host}:${options.port ?? 50051}`,
      grpc.ServerCredentials.createInsecure(),
      (error, port) => (error ? failed(error) : bound(port)),
    ),
  );
  return {
    address: `${host}:${port}`,
    port,
    async close() {
      // ext_proc streams are long-lived bidi streams: give them a moment, then force-close.
      await new Promise<void>((closed) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          closed();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          closed();
        });
      });
      await router.close();
    },
  };
}
