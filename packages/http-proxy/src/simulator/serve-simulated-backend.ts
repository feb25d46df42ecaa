/**
 * `serveSimulatedBackend`: the simulated OpenAI-compatible backend on a Node HTTP server. What
 * `semroute sim` and `pnpm start` run.
 *
 * @module
 */
import { listenWithHandler, type NodeServerHandle } from '../node/node-http-adapter.js';
import {
  createSimulatedBackend,
  type SimulatedBackend,
  type SimulatedBackendOptions,
} from './create-simulated-backend.js';

export interface ServeSimulatedBackendOptions extends SimulatedBackendOptions {
  /** Port; default 8000; 0 picks a free one. */
  readonly port?: number;
  /** Interface; default `127.0.0.1`. */
  readonly host?: string;
}

export interface SimulatedBackendServer extends NodeServerHandle {
  readonly backend: SimulatedBackend;
}

/**
 * @example
 * ```ts
 * const sim = await serveSimulatedBackend({ port: 8000, models: ['base-model'], loras: ['math-expert'] });
 * // ... later
 * await sim.close();
 * ```
 */
export async function serveSimulatedBackend(
  options: ServeSimulatedBackendOptions = {},
): Promise<SimulatedBackendServer> {
  const backend = createSimulatedBackend(options);
  const handle = await listenWithHandler(backend.handle, {
    port: options.port ?? 8000,
    ...(options.host !== undefined ? { host: options.host } : {}),
  });
  return { ...handle, close: handle.close, backend };
}
