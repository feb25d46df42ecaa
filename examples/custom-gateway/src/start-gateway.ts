/**
 * Starts the example: the simulated backend (base model + LoRA adapters), the default models
 * (built once into ./models, ≈15 s, skipped when up to date), the router with the classifier
 * signal provider, and the Hono gateway on Node's HTTP server.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import {
  buildDefaultModels,
  createClassifierSignalProvider,
  defaultModelsUpToDate,
} from '@semroute/classifiers';
import { createRouter, parseRouterConfig } from '@semroute/core';
import { serveSimulatedBackend } from '@semroute/http-proxy/node';
import { createGateway } from './create-gateway.js';

const CONFIG = new URL('../config.yaml', import.meta.url);
const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface RunningGateway {
  readonly gatewayUrl: string;
  readonly simulatorUrl: string;
  close(): Promise<void>;
}

export async function startGateway(
  options: { gatewayPort?: number; simulatorPort?: number; onProgress?: (message: string) => void } = {},
): Promise<RunningGateway> {
  const modelsDir = resolve(REPOSITORY_ROOT, process.env.SEMROUTE_MODELS_DIR ?? 'models');
  // buildDefaultModels takes a lock: concurrent starts (or test workers) build once.
  if (!(await defaultModelsUpToDate(modelsDir))) {
    await buildDefaultModels({
      modelsDir,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }

  const sim = await serveSimulatedBackend({
    port: options.simulatorPort ?? 8000,
    models: ['base-model'],
    loras: ['math-expert', 'law-expert', 'general-expert'],
  });
  const { config } = parseRouterConfig(readFileSync(CONFIG, 'utf8'), {
    env: { ...process.env, SEMROUTE_SIM_PORT: String(sim.port), SEMROUTE_MODELS_DIR: modelsDir },
  });
  const router = await createRouter({
    config,
    signalProviders: [createClassifierSignalProvider({ modelsDir })],
  });

  const app = createGateway({ router });
  const server = await new Promise<ReturnType<typeof serve>>((listening) => {
    const created = serve(
      { fetch: app.fetch, port: options.gatewayPort ?? 8080, hostname: '127.0.0.1' },
      () => listening(created),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    gatewayUrl: `http://127.0.0.1:${port}`,
    simulatorUrl: sim.url,
    async close() {
      await new Promise<void>((closed) => server.close(() => closed()));
      await router.close();
      await sim.close();
    },
  };
}
