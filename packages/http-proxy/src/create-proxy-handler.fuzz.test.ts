/**
 * Nothing a client sends crashes the proxy: arbitrary bodies, JSON values and chat-shaped
 * requests always resolve to an HTTP result (4xx for the client's mistakes), never a throw.
 */
import { createRouter, parseRouterConfig } from '@semroute/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createProxyHandler } from './create-proxy-handler.js';
import type { HttpInput } from './http/http-exchange.js';
import type { ProxyTransport } from './transport/upstream-response.js';

const { config } = parseRouterConfig(`
version: v0.3
providers:
  models:
    - name: base
      backend_refs: [{endpoint: "127.0.0.1:9"}]
routing:
  signals:
    keywords: [{name: maths, keywords: [integral]}]
    context: [{name: long, min_tokens: 100}]
  decisions:
    - {name: math, rules: {operator: OR, conditions: [{type: keyword, name: maths}]}, modelRefs: [{model: base}]}
`);

const transport: ProxyTransport = {
  specificationVersion: 'v1',
  send: async () => {
    throw new Error('unused');
  },
  sendUpstream: async () => ({
    status: 'success',
    response: {
      status: 200,
      headers: { 'content-type': 'application/json' },
      text: async () => '{"id":"x","object":"chat.completion","created":1,"model":"base","choices":[]}',
      chunks: async function* () {},
    },
  }),
};

const input = (body: string, headers: Record<string, string> = {}): HttpInput => ({
  method: 'POST',
  path: '/v1/chat/completions',
  headers,
  readBody: async () => body,
  signal: new AbortController().signal,
});

describe('proxy handler robustness', () => {
  it('answers every input without throwing', async () => {
    const router = await createRouter({ config });
    const proxy = createProxyHandler({ router, transport, limits: { maxMessages: 20 } });
    const message = fc.record({
      role: fc.oneof(fc.constantFrom('user', 'system', 'assistant', 'tool'), fc.string()),
      content: fc.oneof(
        fc.string(),
        fc.constant(null),
        fc.array(fc.record({ type: fc.constantFrom('text', 'image_url'), text: fc.string() })),
        fc.jsonValue(),
      ),
    });
    const chat = fc.record({
      model: fc.oneof(fc.constantFrom('auto', 'MoM', 'base', 'nope'), fc.jsonValue()),
      messages: fc.oneof(fc.array(message, { maxLength: 25 }), fc.jsonValue()),
      stream: fc.oneof(fc.boolean(), fc.jsonValue()),
    });
    const body = fc.oneof(
      fc.string(),
      fc.jsonValue().map((value) => JSON.stringify(value) ?? ''),
      chat.map((value) => JSON.stringify(value)),
    );
    const headers = fc.dictionary(
      fc.constantFrom(
        'x-vsr-debug',
        'x-vsr-cache-control',
        'x-authz-user-id',
        'authorization',
        'content-type',
      ),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(body, headers, async (text, extra) => {
        const result = await proxy.handle(input(text, extra));
        expect(result.status).toBeGreaterThanOrEqual(200);
        expect(result.status === 500).toBe(false);
        if (result.status >= 400) expect(() => JSON.parse(result.body as string)).not.toThrow();
      }),
      { numRuns: 300 },
    );
    await router.close();
  });
});
