/** Shared set-up for the proxy integration tests: real simulators, a real router, the openai client. */
import { createRouter, parseRouterConfig, type ResponseCacheV1, type Router } from '@semroute/core';
import OpenAI from 'openai';
import { type HttpProxyServer, type ServeHttpProxyOptions, serveHttpProxy } from '../src/node/serve.js';
import {
  type ServeSimulatedBackendOptions,
  type SimulatedBackendServer,
  serveSimulatedBackend,
} from '../src/simulator/serve-simulated-backend.js';

export async function startSimulator(
  options: ServeSimulatedBackendOptions = {},
): Promise<SimulatedBackendServer> {
  return serveSimulatedBackend({ port: 0, ...options });
}

/** A port nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const sim = await serveSimulatedBackend({ port: 0 });
  const port = sim.port;
  await sim.close();
  return port;
}

export async function buildRouter(
  yaml: string,
  options: { responseCache?: ResponseCacheV1 } = {},
): Promise<Router> {
  const { config } = parseRouterConfig(yaml);
  return createRouter({ config, ...options });
}

export async function startProxy(
  router: Router,
  options: Omit<ServeHttpProxyOptions, 'router'> = {},
): Promise<{ proxy: HttpProxyServer; client: OpenAI }> {
  const proxy = await serveHttpProxy({ router, port: 0, ...options });
  const client = new OpenAI({
    baseURL: `${proxy.url}/v1`,
    apiKey: 'sk-client',
    maxRetries: 0,
    timeout: 20_000,
  });
  return { proxy, client };
}

/** A response cache that records what the proxy stores. */
export function recordingCache(): ResponseCacheV1 & { stored: Array<{ model: string; content: unknown }> } {
  const stored: Array<{ model: string; content: unknown }> = [];
  return {
    specificationVersion: 'v1',
    stored,
    async lookup() {
      return undefined;
    },
    async store(context, completion) {
      stored.push({ model: context.selectedModel, content: completion.choices[0]?.message.content });
    },
  };
}

export async function waitFor(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
