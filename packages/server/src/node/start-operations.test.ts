import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, createRouter } from '@semroute/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chat, configText } from '../../test/fixtures.js';
import { createJsonLogger } from '../logging/create-json-logger.js';
import { startOperations } from './start-operations.js';

let directory: string;
const lines: Record<string, unknown>[] = [];
const logger = createJsonLogger({ destination: { write: (line: string) => lines.push(JSON.parse(line)) } });
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'semroute-ops-'));
  lines.length = 0;
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(directory, { recursive: true, force: true });
});

async function write(extra: string): Promise<string> {
  const path = join(directory, 'config.yaml');
  await writeFile(path, configText({ extra }), 'utf8');
  return path;
}

const PORTS = `  services:
    management_api: {port: 0}
    observability: {metrics: {port: 0}}
`;

describe('startOperations', () => {
  it('serves the API and metrics, records routing, and counts reloads', async () => {
    const configPath = await write(PORTS);
    const operations = await startOperations({
      configPath,
      logger,
      metrics: { host: '127.0.0.1' },
      instrumentRouter: true,
      buildRouter: async ({ config }) => createRouter({ config }),
      version: '9.9.9',
    });
    cleanups.push(() => operations.close());
    expect(operations.apiServer?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${operations.apiServer!.url}/health`)).json()).toMatchObject({
      version: '9.9.9',
    });

    // operations.router is instrumented: routing is measured and logged without host code.
    await operations.router.route({ ...chat('an integral'), headers: { 'x-request-id': 'r-1' } });
    expect(lines.find((line) => line.msg === 'request routed')).toMatchObject({
      request_id: 'r-1',
      decision: 'math',
    });

    const put = await fetch(`${operations.apiServer!.url}/config/router`, {
      method: 'PUT',
      body: configText({ mathAdapter: 'math-expert-v2', extra: PORTS }),
    });
    expect(put.status).toBe(200);
    const routed = await operations.router.route(chat('an integral'));
    expect(routed.type === 'upstream' && routed.body.model).toBe('math-expert-v2');

    const metrics = await (await fetch(`${operations.metricsServer!.url}/metrics`)).text();
    expect(metrics).toContain('llm_model_requests_total{model="base-model"} 2');
    expect(metrics).toContain('semroute_config_reloads_total{result="applied",source="api"} 1');
    expect(metrics).toContain('semroute_config_generation 2');
  });

  it('refuses a non-loopback API without bearer auth, and serves it with tokens and remote_exposure', async () => {
    const open = await write(`  services:
    management_api: {bind_address: 0.0.0.0, port: 0}
    observability: {metrics: {enabled: false}}
`);
    await expect(
      startOperations({
        configPath: open,
        logger,
        buildRouter: async ({ config }) => createRouter({ config }),
      }),
    ).rejects.toThrow(/without bearer auth/);

    const notExposed = await write(`  services:
    management_api:
      bind_address: 0.0.0.0
      port: 0
      auth: {mode: bearer, tokens: [{token: secret-token, roles: [admin]}]}
    observability: {metrics: {enabled: false}}
`);
    await expect(
      startOperations({
        configPath: notExposed,
        logger,
        buildRouter: async ({ config }) => createRouter({ config }),
      }),
    ).rejects.toThrow(/remote_exposure/);

    const exposed = await write(`  services:
    management_api:
      bind_address: 0.0.0.0
      port: 0
      remote_exposure: true
      auth: {mode: bearer, tokens: [{token: secret-token, roles: [read]}]}
    observability: {metrics: {enabled: false}}
`);
    const operations = await startOperations({
      configPath: exposed,
      logger,
      buildRouter: async ({ config }) => createRouter({ config }),
    });
    cleanups.push(() => operations.close());
    expect(operations.metricsServer).toBeUndefined();
    const url = `http://127.0.0.1:${operations.apiServer!.port}`;
    expect((await fetch(`${url}/v1/models`)).status).toBe(401);
    expect(
      (await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer secret-token' } })).status,
    ).toBe(200);
  });

  it('hands hosts the plain reloadable router unless instrumentRouter is set', async () => {
    const operations = await startOperations({
      configPath: await write(PORTS),
      logger,
      metrics: { enabled: false },
      api: { enabled: false },
      buildRouter: async ({ config }) => createRouter({ config }),
    });
    cleanups.push(() => operations.close());
    expect(operations.router).toBe(operations.config.router);
    await operations.router.route(chat('an integral'));
    expect(await operations.telemetry.metrics()).not.toContain('llm_model_requests_total{');
  });

  it('rejects an invalid config file with a ConfigError and starts nothing', async () => {
    const path = join(directory, 'config.yaml');
    await writeFile(path, 'version: v0.3\nrouting: 5\n', 'utf8');
    const error = await startOperations({
      configPath: path,
      logger,
      buildRouter: async ({ config }) => createRouter({ config }),
    }).catch((caught: unknown) => caught);
    expect(ConfigError.isInstance(error)).toBe(true);
  });
});
