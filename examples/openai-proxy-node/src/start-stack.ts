/**
 * Starts the quickstart stack in-process: the simulated backend (base model + three LoRA
 * adapters) and the semroute proxy routing with examples/quickstart/keywords.yaml.
 */
import { readFileSync } from 'node:fs';
import { createRouter, parseRouterConfig } from '@semroute/core';
import { serveHttpProxy, serveSimulatedBackend } from '@semroute/http-proxy/node';

const CONFIG = new URL('../../quickstart/keywords.yaml', import.meta.url);

export interface Stack {
  readonly proxyUrl: string;
  readonly simulatorUrl: string;
  close(): Promise<void>;
}

export async function startStack(
  options: { proxyPort?: number; simulatorPort?: number } = {},
): Promise<Stack> {
  const sim = await serveSimulatedBackend({
    port: options.simulatorPort ?? 8000,
    models: ['base-model'],
    loras: ['math-expert', 'law-expert', 'general-expert'],
  });
  const { config } = parseRouterConfig(readFileSync(CONFIG, 'utf8'), {
    env: { ...process.env, SEMROUTE_SIM_PORT: String(sim.port) },
  });
  const router = await createRouter({ config });
  const proxy = await serveHttpProxy({ router, port: options.proxyPort ?? 8801 });
  return {
    proxyUrl: proxy.url,
    simulatorUrl: sim.url,
    async close() {
      await proxy.close();
      await router.close();
      await sim.close();
    },
  };
}
