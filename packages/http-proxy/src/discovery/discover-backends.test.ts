import { createRouter, parseRouterConfig } from '@semroute/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHttpProxy } from '../node/serve.js';
import { type SimulatedBackendServer, serveSimulatedBackend } from '../simulator/serve-simulated-backend.js';
import { discoverBackends, formatBackendDiscovery, routedNames } from './discover-backends.js';

describe('discoverBackends', () => {
  let sim: SimulatedBackendServer;
  let deadPort: number;
  beforeAll(async () => {
    sim = await serveSimulatedBackend({ port: 0, models: ['base-model'], loras: ['math-expert'] });
    const dead = await serveSimulatedBackend({ port: 0 });
    deadPort = dead.port;
    await dead.close();
  });
  afterAll(async () => {
    await sim.close();
  });

  const config = () =>
    parseRouterConfig(`
version: v0.3
providers:
  models:
    - name: base-model
      backend_refs: [{name: sim, endpoint: "127.0.0.1:${sim.port}"}]
    - name: other
      provider_model_id: other-7b
      backend_refs: [{name: down, endpoint: "127.0.0.1:${deadPort}"}]
routing:
  modelCards: [{name: base-model, loras: [{name: math-expert}, {name: law-expert}]}]
  decisions:
    - name: math
      modelRefs: [{model: base-model, lora_name: math-expert}]
    - name: law
      modelRefs: [{model: base-model, lora_name: law-expert}, {model: other}]
`).config;

  it('lists what each model can be asked for', () => {
    expect(routedNames(config()).get('base-model')).toEqual([
      { name: 'base-model', kind: 'model', model: 'base-model', decisions: [] },
      { name: 'math-expert', kind: 'adapter', model: 'base-model', decisions: ['math'] },
      { name: 'law-expert', kind: 'adapter', model: 'base-model', decisions: ['law'] },
    ]);
  });

  it('reports routed adapters a backend does not serve and unreachable backends', async () => {
    const result = await discoverBackends({ config: config(), timeoutMs: 1_000 });
    expect(result.ok).toBe(false);
    expect(result.missing).toEqual([
      expect.objectContaining({ name: 'law-expert', kind: 'adapter', backend: 'sim', decisions: ['law'] }),
    ]);
    const down = result.backends.find((backend) => backend.backend === 'down')!;
    expect(down.reachable).toBe(false);
    const lines = formatBackendDiscovery(result);
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).toContain(
      'does not serve adapter "law-expert" of model base-model (routed by law); it lists: base-model, math-expert',
    );
  });

  it('is ok when every routed name is served', async () => {
    const ok = parseRouterConfig(`
version: v0.3
providers:
  models:
    - name: base-model
      backend_refs: [{name: sim, endpoint: "127.0.0.1:${sim.port}"}]
routing:
  modelCards: [{name: base-model, loras: [{name: math-expert}]}]
  decisions:
    - name: math
      modelRefs: [{model: base-model, lora_name: math-expert}]
`).config;
    const result = await discoverBackends({ config: ok });
    expect(result.ok).toBe(true);
    expect(result.backends[0]!.served).toEqual(['base-model', 'math-expert']);
  });

  it('serveHttpProxy({ checkBackends }) logs each problem as a warning at startup', async () => {
    const warnings: string[] = [];
    const noop = () => undefined;
    const router = await createRouter({ config: config() });
    const proxy = await serveHttpProxy({
      router,
      port: 0,
      checkBackends: true,
      logger: {
        debug: noop,
        info: noop,
        error: noop,
        warn: (_fields, message) => warnings.push(message ?? ''),
      },
    });
    try {
      const result = await proxy.backendCheck!;
      expect(result.ok).toBe(false);
      expect(warnings).toHaveLength(2);
      expect(warnings.join('\n')).toContain('law-expert');
    } finally {
      await proxy.close();
      await router.close();
    }
  });
});
