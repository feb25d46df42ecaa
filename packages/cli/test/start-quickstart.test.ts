/**
 * End to end: `semroute start`'s stack (simulated backend, HTTP proxy, ExtProc, management API,
 * metrics) from the real quickstart config with the default offline models, called with the
 * official `openai` client.
 */
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../src/cli-io.js';
import { type Quickstart, startQuickstart } from '../src/commands/start-command.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let quickstart: Quickstart;

beforeAll(async () => {
  const io: CliIo = {
    stdout: () => {},
    stderr: () => {},
    readStdin: async () => '',
    env: { ...process.env },
    cwd: root,
  };
  const [http, extproc, api, metrics, sim] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  quickstart = await startQuickstart({
    io,
    simPort: sim,
    listeners: {
      'http-port': String(http),
      'extproc-port': String(extproc),
      'api-port': String(api),
      'metrics-port': String(metrics),
      host: '127.0.0.1',
      'no-watch': true,
    },
  });
}, 180_000);

afterAll(async () => {
  await quickstart?.close(1000);
});

describe('semroute start', () => {
  it('routes through the proxy with learned signals, as seen by the openai client', async () => {
    const client = new OpenAI({
      baseURL: `${quickstart.stack.httpUrl!.replace(/\/$/, '')}/v1`,
      apiKey: 'unused',
    });
    const { data, response } = await client.chat.completions
      .create({
        model: 'auto',
        messages: [{ role: 'user', content: 'Find the eigenvalues of this 2x2 matrix' }],
      })
      .withResponse();
    expect(data.model).toBe('math-expert');
    expect(response.headers.get('x-vsr-selected-decision')).toBe('math');

    const legal = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'Is a verbal agreement legally binding in court?' }],
    });
    expect(legal.model).toBe('law-expert');

    const blocked = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'My card number is 4111 1111 1111 1111' }],
    });
    expect(blocked.model).toBe('router');
    expect(blocked.choices[0]!.message.content).toContain('remove personal data');
  });

  it('streams, and serves a repeated general question from the semantic cache', async () => {
    const client = new OpenAI({
      baseURL: `${quickstart.stack.httpUrl!.replace(/\/$/, '')}/v1`,
      apiKey: 'unused',
    });
    const question = 'Write a short poem about autumn leaves';
    const stream = await client.chat.completions.create({
      model: 'auto',
      stream: true,
      messages: [{ role: 'user', content: question }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    const first = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: question }] })
      .withResponse();
    expect(first.response.headers.get('x-vsr-selected-decision')).toBe('general');
    const again = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: question }] })
      .withResponse();
    expect(again.response.headers.get('x-vsr-cache-hit')).toBe('true');
    expect(again.data.choices[0]!.message.content).toBe(first.data.choices[0]!.message.content);

    // The management API reaches the running router's cache: stats count the hit, a flush makes
    // the same question miss again.
    const api = quickstart.stack.apiUrl!.replace(/\/$/, '');
    const stats = (await (await fetch(`${api}/api/v1/response-cache/stats`)).json()) as { hits: number };
    expect(stats.hits).toBeGreaterThanOrEqual(1);
    const flush = await fetch(`${api}/api/v1/response-cache/flush`, { method: 'POST' });
    expect(flush.status).toBe(200);
    const afterFlush = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: question }] })
      .withResponse();
    expect(afterFlush.response.headers.get('x-vsr-cache-hit')).toBeNull();
  });

  it('exposes health, models, metrics and the ExtProc port', async () => {
    const health = await fetch(`${quickstart.stack.apiUrl!.replace(/\/$/, '')}/health`);
    expect(health.status).toBe(200);
    const intent = await fetch(`${quickstart.stack.apiUrl!.replace(/\/$/, '')}/api/v1/classify/intent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Find the eigenvalues of this 2x2 matrix' }),
    });
    expect(intent.status).toBe(200);
    expect(((await intent.json()) as { classification: { category: string } }).classification.category).toBe(
      'math',
    );
    const models = (await (
      await fetch(`${quickstart.stack.httpUrl!.replace(/\/$/, '')}/v1/models`)
    ).json()) as { data: { id: string }[] };
    expect(models.data.map((model) => model.id)).toEqual(
      expect.arrayContaining(['auto', 'MoM', 'math-expert']),
    );
    const metrics = await (await fetch(`${quickstart.stack.metricsUrl!.replace(/\/$/, '')}/metrics`)).text();
    expect(metrics).toMatch(/llm_model_requests_total\{[^}]*model="[^"]+"[^}]*\} [1-9]/);
    expect(metrics).toContain('llm_decision_match_total');
    const [host, port] = quickstart.stack.extprocAddress!.split(/:(?=\d+$)/);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), host === '0.0.0.0' ? '127.0.0.1' : host!, () => {
        socket.end();
        resolve();
      });
      socket.once('error', reject);
    });
  });
});
