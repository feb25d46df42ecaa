import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatedBackendServer, serveSimulatedBackend } from '../simulator/serve-simulated-backend.js';
import { createUndiciTransport } from './undici-transport.js';

describe('createUndiciTransport as a TransportV1', () => {
  let sim: SimulatedBackendServer;
  const transport = createUndiciTransport({ connectTimeoutMs: 500 });
  beforeAll(async () => {
    sim = await serveSimulatedBackend({ port: 0 });
  });
  afterAll(async () => {
    await transport.close();
    await transport.close(); // idempotent
    await sim.close();
  });
  const request = (url: string, model = 'base-model') => ({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], stream: true }),
    target: 'sim',
  });
  const options = () => ({ signal: new AbortController().signal, deadline: Date.now() + 5_000 });

  it('returns a streaming Fetch Response on success', async () => {
    const result = await transport.send(request(`${sim.url}/v1/chat/completions`), options());
    expect(result.status).toBe('success');
    if (result.status !== 'success') return;
    expect(result.response.headers.get('content-type')).toBe('text/event-stream');
    expect(await result.response.text()).toContain('data: [DONE]');
  });

  it('classifies 5xx with Retry-After as retryable, 404 as failure, refused connections as retryable', async () => {
    sim.backend.setFaults({ failNext: 1, errorStatus: 503, retryAfterSeconds: 1 });
    expect(await transport.send(request(`${sim.url}/v1/chat/completions`), options())).toMatchObject({
      status: 'retryable',
      retryAfterMs: 1000,
      error: { statusCode: 503, target: 'sim' },
    });
    expect(await transport.send(request(`${sim.url}/v1/chat/completions`, 'nope'), options())).toMatchObject({
      status: 'failure',
      error: { statusCode: 404 },
    });
    const refused = await transport.send(request('http://127.0.0.1:1/v1/chat/completions'), options());
    expect(refused.status).toBe('retryable');
    if (refused.status === 'retryable') expect(refused.error.message).toMatch(/ECONNREFUSED/);
  });

  it('reports a client abort as a failure', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await transport.send(request(`${sim.url}/v1/chat/completions`), {
      signal: controller.signal,
      deadline: Date.now() + 5_000,
    });
    expect(result).toMatchObject({ status: 'failure', error: { code: 'aborted' } });
  });
});
