/**
 * The Fetch API surface with no sockets at all (as on an edge runtime): the openai client's
 * fetch calls the handler, whose transport's fetch calls the simulated backend's Fetch handler.
 */
import { createRouter, parseRouterConfig, type Router } from '@semroute/core';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchHandler } from './create-fetch-handler.js';
import { createSimulatedBackend } from './simulator/create-simulated-backend.js';
import { createFetchTransport } from './transport/fetch-transport.js';

const yaml = `
version: v0.3
providers:
  models:
    - name: base
      backend_refs: [{name: primary, endpoint: "primary.internal:8000"}, {name: secondary, endpoint: "secondary.internal:8000"}]
routing:
  modelCards: [{name: base, loras: [{name: math-expert}]}]
  signals:
    keywords: [{name: maths, keywords: [integral]}]
  decisions:
    - name: math
      rules: {operator: OR, conditions: [{type: keyword, name: maths}]}
      modelRefs: [{model: base, lora_name: math-expert}]
`;

describe('createFetchHandler (no sockets)', () => {
  const primary = createSimulatedBackend({ models: ['base'], loras: ['math-expert'], name: 'primary' });
  const secondary = createSimulatedBackend({ models: ['base'], loras: ['math-expert'], name: 'secondary' });
  let router: Router;
  let client: OpenAI;
  let handler: (request: Request) => Promise<Response>;

  beforeAll(async () => {
    router = await createRouter({ config: parseRouterConfig(yaml).config });
    const upstreamFetch = (async (url: string | URL | Request, init?: RequestInit) => {
      const request = new Request(url, init);
      const sim = new URL(request.url).hostname.startsWith('primary') ? primary : secondary;
      return sim.fetch(request);
    }) as typeof fetch;
    handler = createFetchHandler({
      router,
      transport: createFetchTransport({ fetch: upstreamFetch }),
      random: () => 0,
      sleep: async () => {},
    });
    client = new OpenAI({
      baseURL: 'http://proxy.local/v1',
      apiKey: 'x',
      maxRetries: 0,
      fetch: (async (url: string | URL | Request, init?: RequestInit) =>
        handler(new Request(url, init))) as typeof fetch,
    });
  });
  afterAll(async () => {
    await router.close();
  });

  it('routes JSON requests', async () => {
    const completion = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'an integral of x' }],
    });
    expect(completion.choices[0]!.message.content).toBe('[math-expert] an integral of x');
  });

  it('streams', async () => {
    const stream = await client.chat.completions.create({
      model: 'auto',
      stream: true,
      messages: [{ role: 'user', content: 'solve the integral' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('[math-expert] solve the integral');
  });

  it('fails over between targets', async () => {
    primary.setFaults({ errorRate: 1 });
    const { response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'integral' }] })
      .withResponse();
    expect(response.headers.get('x-sim-backend')).toBe('secondary');
    primary.setFaults({});
  });

  it('serves /v1/models and OpenAI-style errors', async () => {
    const list = await (await handler(new Request('http://proxy.local/v1/models'))).json();
    expect((list as { data: Array<{ id: string }> }).data.map((model) => model.id)).toContain('auto');
    const tooBig = await handler(
      new Request('http://proxy.local/v1/chat/completions', {
        method: 'POST',
        body: 'x'.repeat(11 * 1024 * 1024),
      }),
    );
    expect(tooBig.status).toBe(413);
  });
});
