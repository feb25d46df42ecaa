/**
 * End to end: startOperations() + the real HTTP proxy host + a simulated upstream, driven by the
 * official `openai` client while configs are swapped through the management API. No request may
 * fail during a reload, and the proxy's upstream events must reach the metrics.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRouter } from '@semroute/core';
import { serveHttpProxy, serveSimulatedBackend } from '@semroute/http-proxy/node';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../src/logging/create-json-logger.js';
import { startOperations } from '../src/node/start-operations.js';
import { recordProxyEvent } from '../src/telemetry/instrument-router.js';
import { configText } from './fixtures.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('semroute serve composition (operations + http-proxy)', () => {
  it('keeps serving through config swaps under load and records upstream metrics', async () => {
    const sim = await serveSimulatedBackend({
      port: 0,
      models: ['base-model'],
      loras: ['math-expert', 'math-expert-v2', 'general-expert'],
      ttftMs: 15,
    });
    cleanups.push(() => sim.close());
    const directory = await mkdtemp(join(tmpdir(), 'semroute-serve-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const config = (mathAdapter: string) =>
      configText({
        mathAdapter,
        extra: `  services:\n    management_api: {port: 0}\n    observability: {metrics: {port: 0}}\n`,
      }).replace('127.0.0.1:8000', `127.0.0.1:${sim.port}`);
    const configPath = join(directory, 'config.yaml');
    await writeFile(configPath, config('math-expert'), 'utf8');

    const operations = await startOperations({
      configPath,
      logger: createJsonLogger({ level: 'silent' }),
      metrics: { host: '127.0.0.1' },
      instrumentRouter: true,
      buildRouter: async ({ config: routerConfig }) => createRouter({ config: routerConfig }),
    });
    cleanups.push(() => operations.close());
    const proxy = await serveHttpProxy({
      router: operations.router,
      port: 0,
      onEvent: recordProxyEvent(operations.telemetry),
    });
    cleanups.push(() => proxy.close());

    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    let stop = false;
    const failures: string[] = [];
    const models = new Set<string>();
    let completed = 0;
    const clients = Array.from({ length: 6 }, async () => {
      while (!stop) {
        try {
          const completion = await client.chat.completions.create({
            model: 'auto',
            messages: [{ role: 'user', content: 'solve this equation' }],
          });
          models.add(completion.model);
          completed++;
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    });
    const adapters = ['math-expert-v2', 'general-expert', 'math-expert'];
    for (let index = 0; index < 6; index++) {
      const response = await fetch(`${operations.apiServer!.url}/config/router`, {
        method: 'PUT',
        body: config(adapters[index % 3]!),
      });
      expect(response.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    stop = true;
    await Promise.all(clients);

    expect(failures).toEqual([]);
    expect(completed).toBeGreaterThan(10);
    expect(models.size).toBeGreaterThan(1);
    const metrics = await (await fetch(`${operations.metricsServer!.url}/metrics`)).text();
    expect(metrics).toContain('semroute_config_reloads_total{result="applied",source="api"} 6');
    expect(metrics).toContain('semroute_config_generation 7');
    const routed = Number(
      /llm_decision_match_total\{decision="math",recipe="default"\} (\d+)/.exec(metrics)?.[1],
    );
    expect(routed).toBe(completed);
    const upstream = Number(
      /llm_model_completion_latency_seconds_count\{model="[^"]+"\} (\d+)/.exec(metrics)?.[1],
    );
    expect(upstream).toBeGreaterThan(0);
    // Token usage from the proxy's upstream-end events: 3 prompt tokens per request plus the
    // 3 of the system prompt the decision injects ("Show each step.").
    const promptTokens = [...metrics.matchAll(/^llm_model_prompt_tokens_total\{[^}]*\} (\d+)/gm)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
    expect(promptTokens).toBe(completed * 6);
  });
});
