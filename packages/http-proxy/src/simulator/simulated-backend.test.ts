import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatedBackendServer, serveSimulatedBackend } from './serve-simulated-backend.js';

describe('simulated backend (openai client)', () => {
  let sim: SimulatedBackendServer;
  let client: OpenAI;
  beforeAll(async () => {
    sim = await serveSimulatedBackend({
      port: 0,
      models: ['base-model'],
      loras: ['math-expert', { name: 'law-expert', parent: 'base-model' }],
      name: 'sim-1',
    });
    client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'x', maxRetries: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('lists base models and adapters with their parent', async () => {
    const list = await client.models.list();
    const byId = Object.fromEntries(
      list.data.map((model) => [model.id, model as unknown as { parent: string | null }]),
    );
    expect(Object.keys(byId)).toEqual(['base-model', 'math-expert', 'law-expert']);
    expect(byId['math-expert']!.parent).toBe('base-model');
    expect(byId['base-model']!.parent).toBeNull();
  });

  it('answers JSON with usage, echoing the last user message', async () => {
    const completion = await client.chat.completions.create({
      model: 'math-expert',
      messages: [{ role: 'user', content: 'two plus two' }],
    });
    expect(completion.choices[0]!.message.content).toBe('[math-expert] two plus two');
    expect(completion.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it('streams SSE chunks with a usage chunk when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'base-model',
      messages: [{ role: 'user', content: 'hello there' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('[base-model] hello there');
    expect(usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
  });

  it('honours max_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'base-model',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'a b c d' }],
    });
    expect(completion.choices[0]!.message.content).toBe('[base-model] a');
    expect(completion.choices[0]!.finish_reason).toBe('length');
  });

  it('answers 404 for a model it does not serve', async () => {
    await expect(
      client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('injects errors with Retry-After, and drops streams midway', async () => {
    sim.backend.setFaults({ errorRate: 1, errorStatus: 429, retryAfterSeconds: 3 });
    const response = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'base-model', messages: [] }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.get('x-sim-backend')).toBe('sim-1');

    sim.backend.setFaults({ dropMidStream: true });
    const stream = await client.chat.completions.create({
      model: 'base-model',
      messages: [{ role: 'user', content: 'one two three four' }],
      stream: true,
    });
    await expect(
      (async () => {
        for await (const _ of stream) {
          // drain
        }
      })(),
    ).rejects.toThrow();
    sim.backend.setFaults({});
    expect(sim.backend.requests.at(-1)!.result).toBe('dropped');
  });

  it('paces tokens at tokensPerSecond after the time to first token', async () => {
    const slow = await serveSimulatedBackend({
      port: 0,
      tokensPerSecond: 50,
      ttftMs: 100,
      responseText: 'a b c d e f',
    });
    try {
      const started = Date.now();
      const response = await fetch(`${slow.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({
          model: 'base-model',
          stream: true,
          messages: [{ role: 'user', content: 'x' }],
        }),
      });
      await response.text();
      // 100 ms TTFT + 5 gaps of 20 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await slow.close();
    }
  });

  it('answers /health', async () => {
    const response = await fetch(`${sim.url}/health`);
    expect(response.status).toBe(200);
  });
});
