/**
 * `semroute start [--config examples/quickstart/config.yaml] [--sim-port 8000] [...serve flags]`:
 * the quickstart. Starts the simulated backend with the config's models and LoRA adapters, then
 * everything `semroute serve` starts, routes one sample request through the proxy, and prints
 * where each listener is plus a ready-to-paste curl.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseRouterConfig } from '@semroute/core';
import { type CliIo, CliUsageError } from '../cli-io.js';
import { type RunningStack, startStack } from '../stack/start-stack.js';
import type { CliCommand } from './command.js';
import {
  describeStack,
  LISTENER_FLAGS,
  listenerOptions,
  parsePort,
  runUntilSignal,
} from './serve-command.js';

export const DEFAULT_QUICKSTART_CONFIG = 'examples/quickstart/config.yaml';
export const SAMPLE_PROMPT = 'Compute the derivative of x^3 step by step';

export interface Quickstart {
  readonly stack: RunningStack;
  readonly simulatorUrl: string;
  close(graceMs?: number): Promise<void>;
}

/** Starts the simulator and the stack (exported for tests and examples). */
export async function startQuickstart(options: {
  readonly io: CliIo;
  readonly configPath?: string;
  readonly simPort?: number;
  readonly listeners?: Parameters<typeof listenerOptions>[0];
}): Promise<Quickstart> {
  const { io } = options;
  const configPath = options.configPath ?? DEFAULT_QUICKSTART_CONFIG;
  // Serve every model and adapter the config routes to, so nothing answers "model not found".
  const text = await readFile(resolve(io.cwd, configPath), 'utf8');
  const { config } = parseRouterConfig(text, { env: { ...io.env, SEMROUTE_SIM_PORT: '0' } });
  const models = config.providers.models.map((model) => model.provider_model_id ?? model.name);
  const loras = config.routing.modelCards.flatMap((card) => {
    const parent = config.providers.models.find((model) => model.name === card.name);
    return card.loras.map((lora) => ({ name: lora.name, parent: parent?.provider_model_id ?? card.name }));
  });
  const { serveSimulatedBackend } = await import('@semroute/http-proxy/node');
  const sim = await serveSimulatedBackend({
    port: options.simPort ?? 8000,
    models,
    loras,
  });
  try {
    const stack = await startStack({
      configPath,
      io: { ...io, env: { ...io.env, SEMROUTE_SIM_PORT: String(sim.port) } },
      ...listenerOptions(options.listeners ?? {}),
    });
    return {
      stack,
      simulatorUrl: sim.url,
      async close(graceMs = 5_000) {
        await stack.close(graceMs);
        await sim.close();
      },
    };
  } catch (error) {
    await sim.close();
    throw error;
  }
}

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'quickstart: simulated backend + every semroute listener, with a sample request and a curl',
  usage: `semroute start [--config ${DEFAULT_QUICKSTART_CONFIG}] [--sim-port 8000] [serve flags]`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c' }, 'sim-port': { type: 'string' }, ...LISTENER_FLAGS },
    });
    if (positionals.length > 0) throw new CliUsageError(`usage: ${this.usage}`);
    const started = performance.now();
    io.stderr(
      'semroute: starting the quickstart (the first start builds the default models, about 15-30 s)...\n',
    );
    const quickstart = await startQuickstart({
      io,
      ...(values.config ? { configPath: values.config } : {}),
      ...(values['sim-port'] !== undefined ? { simPort: parsePort(values['sim-port'], 'sim-port')! } : {}),
      listeners: values,
    });
    const { stack } = quickstart;
    const lines = [
      `\nsemroute is up (${((performance.now() - started) / 1000).toFixed(1)} s)`,
      describeStack(stack),
      `  ${'simulator'.padEnd(11)} ${quickstart.simulatorUrl.padEnd(30)} simulated vLLM backend (base model + LoRA adapters)`,
    ];
    if (stack.httpUrl) {
      const base = stack.httpUrl.replace(/\/$/, '');
      const body = { model: 'auto', messages: [{ role: 'user', content: SAMPLE_PROMPT }] };
      try {
        const response = await fetch(`${base}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const json = (await response.json()) as { model?: string };
        lines.push(
          '',
          `sample: "${SAMPLE_PROMPT}"`,
          `  → decision ${response.headers.get('x-vsr-selected-decision') ?? '(none)'}, model ${json.model ?? response.headers.get('x-vsr-selected-model')} (HTTP ${response.status})`,
        );
      } catch (error) {
        lines.push('', `sample request failed: ${(error as Error).message}`);
      }
      lines.push(
        '',
        'try it:',
        `  curl -s ${base}/v1/chat/completions -H 'content-type: application/json' -H 'x-vsr-debug: true' -D - \\`,
        `    -d '${JSON.stringify(body)}'`,
      );
    }
    lines.push('', 'Ctrl-C stops everything.');
    io.stderr(`${lines.join('\n')}\n`);
    const code = await runUntilSignal(stack, io, 5_000);
    await quickstart.close(0);
    return code;
  },
};
