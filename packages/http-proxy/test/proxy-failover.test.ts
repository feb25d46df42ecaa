/**
 * Every failover path of the proxy against simulated backends with fault injection: retry on
 * 5xx and 429 (with Retry-After), failover to the next backend on errors and refused
 * connections, fallback to the next modelRef, passive ejection and probe-back, the final error,
 * upstream 4xx relaying, streaming failover, mid-stream drops, client aborts and cache writes.
 */
import type { Router } from '@semroute/core';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyEvent } from '../src/create-proxy-handler.js';
import type { HttpProxyServer } from '../src/node/serve.js';
import type { SimulatedBackendServer } from '../src/simulator/serve-simulated-backend.js';
import { buildRouter, deadPort, recordingCache, startProxy, startSimulator, waitFor } from './helpers.js';

function configYaml(ports: { a1: number; a2: number; b1: number }): string {
  return `
version: v0.3
providers:
  defaults: {default_model: model-a}
  models:
    - name: model-a
      backend_refs:
        - {name: a1, endpoint: "127.0.0.1:${ports.a1}", api_key: sk-a, extra_headers: {x-backend-pool: a}}
        - {name: a2, endpoint: "127.0.0.1:${ports.a2}", api_key: sk-a}
    - name: model-b
      backend_refs:
        - {name: b1, endpoint: "127.0.0.1:${ports.b1}", auth_header: x-api-key, api_key: sk-b}
routing:
  decisions:
    - name: cached
      priority: 10
      rules: {operator: OR, conditions: [{type: keyword, name: cache_me}]}
      modelRefs: [{model: model-a}, {model: model-b}]
      plugins: [{type: response_cache, configuration: {enabled: true, mode: exact}}]
    - name: any
      rules: {operator: AND, conditions: []}
      modelRefs: [{model: model-a}, {model: model-b}]
  signals:
    keywords: [{name: cache_me, keywords: [cacheable]}]
`;
}

const ask = (content: string) => ({ model: 'auto', messages: [{ role: 'user' as const, content }] });

async function drain(
  stream: AsyncIterable<{ choices: Array<{ delta: { content?: string | null } }> }>,
): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  return text;
}

describe('proxy failover', () => {
  let a1: SimulatedBackendServer;
  let a2: SimulatedBackendServer;
  let b1: SimulatedBackendServer;
  let router: Router;
  let cache: ReturnType<typeof recordingCache>;
  let proxy: HttpProxyServer;
  let client: OpenAI;
  const sleeps: number[] = [];
  const events: ProxyEvent[] = [];

  beforeAll(async () => {
    a1 = await startSimulator({ models: ['model-a'], name: 'a1' });
    a2 = await startSimulator({ models: ['model-a'], name: 'a2' });
    b1 = await startSimulator({ models: ['model-b'], name: 'b1' });
    cache = recordingCache();
    router = await buildRouter(configYaml({ a1: a1.port, a2: a2.port, b1: b1.port }), {
      responseCache: cache,
    });
    ({ proxy, client } = await startProxy(router, {
      random: () => 0, // a1 before a2
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      // Ejection has its own test (own proxy); here failures must not carry over between tests.
      health: { consecutiveFailures: 1_000 },
      retry: { maxRetriesPerTarget: 1 },
      onEvent: (event) => events.push(event),
    }));
  });
  afterEach(() => {
    for (const sim of [a1, a2, b1]) {
      sim.backend.setFaults({});
      sim.backend.reset();
    }
    sleeps.length = 0;
    events.length = 0;
    cache.stored.length = 0;
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([a1.close(), a2.close(), b1.close()]);
    await router.close();
  });

  it('sends backend auth and extra headers, replacing the client key', async () => {
    await client.chat.completions.create(ask('hello'));
    const headers = a1.backend.requests.at(-1)!.headers;
    expect(headers.authorization).toBe('Bearer sk-a');
    expect(headers['x-backend-pool']).toBe('a');
  });

  it('retries a 500 once on the same backend with backoff, then succeeds', async () => {
    a1.backend.setFaults({ failNext: 1, errorStatus: 500 });
    const { data, response } = await client.chat.completions.create(ask('hello')).withResponse();
    expect(data.choices[0]!.message.content).toBe('[model-a] hello');
    expect(response.headers.get('x-sim-backend')).toBe('a1');
    expect(a1.backend.requestCount).toBe(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(events.filter((event) => event.type === 'upstream-retry')).toHaveLength(1);
  });

  it('honours Retry-After on a 429', async () => {
    a1.backend.setFaults({ failNext: 1, errorStatus: 429, retryAfterSeconds: 2 });
    const completion = await client.chat.completions.create(ask('hello'));
    expect(completion.choices[0]!.message.content).toBe('[model-a] hello');
    expect(sleeps).toEqual([2000]);
  });

  it('fails over to the next backend when one keeps failing', async () => {
    a1.backend.setFaults({ errorRate: 1, errorStatus: 503 });
    const { response } = await client.chat.completions.create(ask('hello')).withResponse();
    expect(response.headers.get('x-sim-backend')).toBe('a2');
    expect(a1.backend.requestCount).toBe(2);
    expect(a2.backend.requestCount).toBe(1);
  });

  it('fails over when a backend refuses connections', async () => {
    const port = await deadPort();
    const yaml = configYaml({ a1: port, a2: a2.port, b1: b1.port });
    const local = await buildRouter(yaml);
    const { proxy: localProxy, client: localClient } = await startProxy(local, {
      random: () => 0,
      sleep: async () => {},
    });
    try {
      const { response } = await localClient.chat.completions.create(ask('hello')).withResponse();
      expect(response.headers.get('x-sim-backend')).toBe('a2');
    } finally {
      await localProxy.close();
      await local.close();
    }
  });

  it('falls back to the next modelRef when every backend of the model fails', async () => {
    a1.backend.setFaults({ errorRate: 1 });
    a2.backend.setFaults({ errorRate: 1 });
    const { data, response } = await client.chat.completions.create(ask('hello')).withResponse();
    expect(data.choices[0]!.message.content).toBe('[model-b] hello');
    expect(response.headers.get('x-vsr-selected-model')).toBe('model-b');
    const headers = b1.backend.requests.at(-1)!.headers;
    expect(headers['x-api-key']).toBe('sk-b');
    expect(headers['x-selected-model']).toBe('model-b');
  });

  it('ends with an OpenAI-style error naming everything it tried', async () => {
    for (const sim of [a1, a2, b1]) sim.backend.setFaults({ errorRate: 1, errorStatus: 502 });
    const error = (await client.chat.completions
      .create(ask('hello'))
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(502);
    expect(error.message).toContain('all upstreams failed for model-a -> model-b');
    for (const name of ['model-a@a1 (502)', 'model-a@a2 (502)', 'model-b@b1 (502)'])
      expect(error.message).toContain(name);
    expect((error.error as { attempts: unknown[] }).attempts).toHaveLength(6);
    // Decision headers go on 2xx answers only.
    expect(error.headers!.get('x-vsr-response-path')).toBe('error');
    expect(error.headers!.get('x-vsr-selected-decision')).toBeNull();
  });

  it('answers 429 rate_limit_error when every attempt was rate limited', async () => {
    for (const sim of [a1, a2, b1])
      sim.backend.setFaults({ errorRate: 1, errorStatus: 429, retryAfterSeconds: 60 });
    const error = (await client.chat.completions
      .create(ask('hello'))
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(429);
    // Retry-After beyond the cap: no waiting, straight failover.
    expect(sleeps).toEqual([]);
  });

  it('ejects a backend after consecutive failures, skips it, and probes it back', async () => {
    let clock = 5_000;
    const ejected: string[] = [];
    const { proxy: local, client: localClient } = await startProxy(router, {
      random: () => 0,
      clock: { now: () => clock },
      sleep: async () => {},
      health: { consecutiveFailures: 3, baseEjectionMs: 10_000 },
      retry: { maxRetriesPerTarget: 1 },
      onEvent: (event) => {
        if (event.type === 'backend-ejected') ejected.push(event.target);
      },
    });
    try {
      a1.backend.setFaults({ errorRate: 1 });
      // Request 1: a1 fails twice (attempt + retry), a2 answers. Request 2: a1 fails a third time: ejected, no retry.
      await localClient.chat.completions.create(ask('one'));
      await localClient.chat.completions.create(ask('two'));
      expect(a1.backend.requestCount).toBe(3);
      expect(ejected).toEqual(['model-a/a1']);
      // While ejected, a1 is not tried at all.
      await localClient.chat.completions.create(ask('three'));
      expect(a1.backend.requestCount).toBe(3);
      expect(local.proxy.health.isAvailable('model-a/a1')).toBe(false);
      // After the ejection time a1 (healed) gets the next request and is healthy again.
      a1.backend.setFaults({});
      clock += 10_001;
      const { response } = await localClient.chat.completions.create(ask('four')).withResponse();
      expect(response.headers.get('x-sim-backend')).toBe('a1');
      expect(local.proxy.health.state('model-a/a1').ejections).toBe(0);
    } finally {
      await local.close();
    }
  });

  it("takes retry and ejection thresholds from the model's reliability block", async () => {
    const yaml = configYaml({ a1: a1.port, a2: a2.port, b1: b1.port }).replace(
      '    - name: model-a\n',
      '    - name: model-a\n      reliability: {retry_count: 0, consecutive_5xx: 1, base_ejection_time: 1m}\n',
    );
    const local = await buildRouter(yaml);
    const { proxy: localProxy, client: localClient } = await startProxy(local, {
      random: () => 0,
      sleep: async () => {},
    });
    try {
      a1.backend.setFaults({ errorRate: 1 });
      await localClient.chat.completions.create(ask('one'));
      expect(a1.backend.requestCount).toBe(1); // no retry, ejected after one failure
      expect(localProxy.proxy.health.state('model-a/a1').ejectedUntil - Date.now()).toBeGreaterThan(55_000);
      await localClient.chat.completions.create(ask('two'));
      expect(a1.backend.requestCount).toBe(1);
    } finally {
      await localProxy.close();
      await local.close();
    }
  });

  it('relays an upstream 4xx (model not served) without failing over', async () => {
    const other = await startSimulator({ models: ['something-else'] });
    const local = await buildRouter(configYaml({ a1: other.port, a2: other.port, b1: b1.port }));
    const { proxy: localProxy, client: localClient } = await startProxy(local, { sleep: async () => {} });
    try {
      const error = (await localClient.chat.completions
        .create(ask('hello'))
        .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
      expect(error.status).toBe(404);
      expect(error.message).toContain('model-a');
      expect(other.backend.requestCount).toBe(1);
      expect(b1.backend.requestCount).toBe(0);
    } finally {
      await localProxy.close();
      await local.close();
      await other.close();
    }
  });

  it('fails over before a stream starts', async () => {
    a1.backend.setFaults({ errorRate: 1 });
    const stream = await client.chat.completions.create({ ...ask('stream me'), stream: true });
    expect(await drain(stream)).toBe('[model-a] stream me');
    expect(a2.backend.requestCount).toBe(1);
  });

  it('writes the cache for complete responses (JSON and streams) only', async () => {
    await client.chat.completions.create(ask('cacheable json'));
    await drain(await client.chat.completions.create({ ...ask('cacheable stream'), stream: true }));
    await waitFor(() => cache.stored.length === 2);
    expect(cache.stored).toEqual([
      { model: 'model-a', content: '[model-a] cacheable json' },
      { model: 'model-a', content: '[model-a] cacheable stream' },
    ]);
    // Not cached: a stream cut midway (the client sees the failure), and a non-cache decision.
    a1.backend.setFaults({ dropMidStream: true });
    const dropped = await client.chat.completions.create({
      ...ask('cacheable but dropped stream'),
      stream: true,
    });
    await expect(drain(dropped)).rejects.toThrow();
    await client.chat.completions.create(ask('plain'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cache.stored).toHaveLength(2);
    const end = events.filter((event) => event.type === 'upstream-end');
    expect(end.at(-2)).toMatchObject({ complete: false });
  });

  it('reports token usage and the time to the first content in upstream-end (JSON and streams)', async () => {
    const json = await client.chat.completions.create(ask('count my tokens'));
    await drain(
      await client.chat.completions.create({
        ...ask('count my streamed tokens'),
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    await drain(await client.chat.completions.create({ ...ask('no usage asked'), stream: true }));
    const [jsonEnd, streamEnd, bareEnd] = events.filter((event) => event.type === 'upstream-end').slice(-3);
    expect(jsonEnd).toMatchObject({ complete: true, usage: json.usage });
    expect(jsonEnd).not.toHaveProperty('firstContentMs');
    expect(streamEnd).toMatchObject({
      complete: true,
      usage: { prompt_tokens: 4, total_tokens: expect.any(Number) },
    });
    const stream = streamEnd as Extract<ProxyEvent, { type: 'upstream-end' }>;
    expect(stream.firstContentMs).toBeGreaterThanOrEqual(stream.firstByteMs);
    expect(stream.firstContentMs).toBeLessThanOrEqual(stream.totalMs);
    expect(bareEnd).not.toHaveProperty('usage');
    expect(bareEnd).toHaveProperty('firstContentMs');

    // A cached decision parses JSON answers once, for the cache and the usage alike ...
    const cachedJson = await client.chat.completions.create(ask('cacheable json usage'));
    expect(events.filter((event) => event.type === 'upstream-end').at(-1)).toMatchObject({
      complete: true,
      usage: cachedJson.usage,
    });
    // ... and rebuilds streams with core's collector, which reports the same.
    await drain(
      await client.chat.completions.create({
        ...ask('cacheable streamed usage'),
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const cachedEnd = events.filter((event) => event.type === 'upstream-end').at(-1) as Extract<
      ProxyEvent,
      { type: 'upstream-end' }
    >;
    expect(cachedEnd).toMatchObject({ complete: true, usage: { prompt_tokens: 3 } });
    expect(cachedEnd.firstContentMs).toBeGreaterThanOrEqual(cachedEnd.firstByteMs);
    expect(cachedEnd.firstContentMs).toBeLessThanOrEqual(cachedEnd.totalMs);
  });

  it('propagates a client abort upstream', async () => {
    const slow = await startSimulator({
      models: ['model-a'],
      tokensPerSecond: 20,
      responseText: 'word '.repeat(200),
    });
    const local = await buildRouter(configYaml({ a1: slow.port, a2: slow.port, b1: b1.port }));
    const { proxy: localProxy } = await startProxy(local);
    try {
      const controller = new AbortController();
      const response = await fetch(`${localProxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...ask('go'), stream: true }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await waitFor(() => slow.backend.streamsCancelled === 1);
    } finally {
      await localProxy.close();
      await local.close();
      await slow.close();
    }
  });

  it('times out a backend that sends no headers in time and fails over', async () => {
    const stuck = await startSimulator({ models: ['model-a'], latencyMs: 2_000 });
    const local = await buildRouter(configYaml({ a1: stuck.port, a2: a2.port, b1: b1.port }));
    const { proxy: localProxy, client: localClient } = await startProxy(local, {
      random: () => 0,
      retry: { maxRetriesPerTarget: 0 },
      upstream: { firstByteTimeoutMs: 200 },
    });
    try {
      const started = Date.now();
      const { response } = await localClient.chat.completions.create(ask('hello')).withResponse();
      expect(response.headers.get('x-sim-backend')).toBe('a2');
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await localProxy.close(0);
      await local.close();
      await stuck.close(0);
    }
  });
});
