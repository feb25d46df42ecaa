import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, createRouter, parseRouterConfig, type UpstreamOutcome } from '@semroute/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClassifierSignalProvider } from './create-classifier-signal-provider.js';
import {
  buildLlmClassifierPrompt,
  createLlmClassifierExtractor,
  parseLlmClassifierAnswer,
} from './llm-classifier-signal.js';

interface Received {
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: {
    model: string;
    temperature: number;
    messages: { role: string; content: string }[];
  };
}

/** An OpenAI-compatible chat server whose "model" answers from a script keyed by the user text. */
async function startJudge(
  answer: (text: string) => { status?: number; content?: string; delayMs?: number },
): Promise<{ server: Server; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'];
    received.push({ url: request.url ?? '', authorization: request.headers.authorization, body });
    const user = body.messages.find((message) => message.role === 'user')?.content ?? '';
    const scripted = answer(user);
    if (scripted.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
    if (response.destroyed) return;
    response.writeHead(scripted.status ?? 200, { 'content-type': 'application/json' });
    response.end(
      scripted.status && scripted.status >= 400
        ? JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } })
        : JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            created: 0,
            model: body.model,
            choices: [
              { index: 0, message: { role: 'assistant', content: scripted.content }, finish_reason: 'stop' },
            ],
          }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, received };
}

function script(text: string): { status?: number; content?: string; delayMs?: number } {
  if (/money back/.test(text)) return { content: '```json\n{"label": "Refund", "confidence": 0.92}\n```' };
  if (/invoice/.test(text)) return { content: 'billing' };
  if (/unsure/.test(text)) return { content: '{"label": "refund", "confidence": 0.3}' };
  if (/banana/.test(text)) return { content: 'I think it is a banana.' };
  if (/slow/.test(text)) return { content: '{"label": "refund"}', delayMs: 400 };
  return { content: '{"label": "other", "confidence": 0.8}' };
}

const chat = (content: string) => ({ body: { model: 'auto', messages: [{ role: 'user', content }] } });

describe('classifier signals with type llm', () => {
  let judge: Awaited<ReturnType<typeof startJudge>>;
  let broken: Awaited<ReturnType<typeof startJudge>>;

  beforeAll(async () => {
    judge = await startJudge(script);
    broken = await startJudge(() => ({ status: 503 }));
  });
  afterAll(() => {
    judge.server.close();
    broken.server.close();
  });

  function configText(endpoints: string): string {
    return `version: v0.3
providers:
  defaults: {default_model: small}
  models:
    - name: judge
      provider_model_id: qwen-judge
      backend_refs: ${endpoints}
    - {name: small, backend_refs: [{endpoint: "127.0.0.1:1"}]}
    - {name: support, backend_refs: [{endpoint: "127.0.0.1:1"}]}
    - {name: finance, backend_refs: [{endpoint: "127.0.0.1:1"}]}
routing:
  signals:
    classifiers:
      - name: intent
        type: llm
        model: judge
        labels: [refund, billing, other]
        instructions: Customer-support intents of an online shop.
        threshold: 0.6
  decisions:
    - {name: refunds, priority: 2, rules: {operator: AND, conditions: [{type: classifier, name: intent, label: refund}]}, modelRefs: [{model: support}]}
    - {name: invoices, priority: 1, rules: {operator: AND, conditions: [{type: classifier, name: intent, label: billing}]}, modelRefs: [{model: finance}]}
global:
  router: {signal_timeout_ms: 250}
`;
  }

  async function routerFor(endpoints: string) {
    const provider = createClassifierSignalProvider({ env: { JUDGE_KEY: 'secret' } });
    const router = await createRouter({
      config: parseRouterConfig(configText(endpoints)).config,
      signalProviders: [provider],
    });
    return {
      route: async (text: string) => (await router.route(chat(text))) as UpstreamOutcome,
      close: () => provider.close?.(),
    };
  }

  it('routes by the label the model names, with the configured model id, auth and prompt', async () => {
    const router = await routerFor(`[{endpoint: "127.0.0.1:${judge.port}", api_key_env: JUDGE_KEY}]`);
    const refund = await router.route('I want my money back for order 42');
    expect(refund.selectedModel).toBe('support');
    const signal = refund.explanation.signals.find((entry) => entry.type === 'classifier');
    expect(signal).toMatchObject({ status: 'matched', confidence: 0.92, labels: ['refund'] });

    const call = judge.received.at(-1)!;
    expect(call.url).toBe('/v1/chat/completions');
    expect(call.authorization).toBe('Bearer secret');
    expect(call.body.model).toBe('qwen-judge');
    expect(call.body.temperature).toBe(0);
    expect(call.body.messages[0]!.content).toContain('"refund", "billing", "other"');
    expect(call.body.messages[0]!.content).toContain('Customer-support intents of an online shop.');
    expect(call.body.messages[1]).toEqual({ role: 'user', content: 'I want my money back for order 42' });

    // A bare label is accepted; a confidence under the threshold is not a match.
    expect((await router.route('where is my invoice')).selectedModel).toBe('finance');
    const unsure = await router.route('unsure what I want');
    expect(unsure.selectedModel).toBe('small');
    expect(unsure.explanation.signals[0]).toMatchObject({ status: 'unmatched', confidence: 0.3 });
    // An answer that names no label is reported, not guessed.
    const banana = await router.route('banana');
    expect(banana.selectedModel).toBe('small');
    expect(banana.explanation.signals[0]?.evidence?.[0]).toMatch(/banana.*names no configured label/);
    await router.close();
  });

  it('asks once per distinct text', async () => {
    const router = await routerFor(`[{endpoint: "127.0.0.1:${judge.port}"}]`);
    const before = judge.received.length;
    await router.route('a question about an invoice, asked twice');
    await router.route('a question about an invoice, asked twice');
    await router.route('another question about an invoice');
    expect(judge.received.length - before).toBe(2);
    // Very long texts are not remembered (the memo's memory stays bounded): asked every time.
    const long = `an invoice question ${'word '.repeat(1000)}`;
    await router.route(long);
    await router.route(long);
    expect(judge.received.length - before).toBe(4);
    await router.close();
  });

  it('moves to the next backend on a 5xx, and a timeout degrades to the default model', async () => {
    const router = await routerFor(
      `[{endpoint: "127.0.0.1:${broken.port}", weight: 1000000}, {endpoint: "127.0.0.1:${judge.port}", weight: 0}]`,
    );
    const brokenBefore = broken.received.length;
    expect((await router.route('I want my money back, again')).selectedModel).toBe('support');
    expect(broken.received.length - brokenBefore).toBe(1);

    const started = Date.now();
    const slow = await router.route('a slow one');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(slow.selectedModel).toBe('small');
    expect(slow.explanation.signals[0]).toMatchObject({ status: 'timeout' });
    await router.close();
  });

  it('refuses calls beyond maxInFlight at once, with an overloaded signal error', async () => {
    const config = parseRouterConfig(configText(`[{endpoint: "127.0.0.1:${judge.port}"}]`)).config;
    const extractor = createLlmClassifierExtractor({
      definition: config.routing.signals.classifiers[0]!,
      path: 'routing.signals.classifiers[0]',
      config,
      maxInFlight: 2,
    });
    const input = (text: string) => ({ text }) as Parameters<typeof extractor.extract>[0];
    const started = Date.now();
    const results = await Promise.all(
      ['slow one', 'slow two', 'slow three'].map((text) => extractor.extract(input(text), {})),
    );
    expect(results.map((result) => result.status)).toEqual(['matched', 'matched', 'error']);
    const refused = results[2]!;
    expect(refused.status === 'error' && refused.error.code).toBe('overloaded');
    expect(refused.status === 'error' && refused.error.message).toMatch(/maxInFlight 2/);
    expect(Date.now() - started).toBeLessThan(2000);
    // Slots free up once calls finish.
    expect((await extractor.extract(input('slow four'), {})).status).toBe('matched');
  });

  it('fails at load when the model cannot be asked, and config checks name the path', async () => {
    const bad = configText(`[{endpoint: "127.0.0.1:${judge.port}"}]`).replace('model: judge', 'model: judg');
    expect(() => parseRouterConfig(bad)).toThrow(ConfigError);
    try {
      parseRouterConfig(bad);
    } catch (error) {
      expect((error as ConfigError).message).toMatch(
        /routing\.signals\.classifiers\[0\]\.model.*unknown model "judg" \(did you mean "judge"\?\)/,
      );
    }
    const noLabels = configText(`[{endpoint: "127.0.0.1:${judge.port}"}]`).replace(
      'labels: [refund, billing, other]',
      'labels: []',
    );
    expect(() => parseRouterConfig(noLabels)).toThrow(/classifiers\[0\]\.labels.*at least one label/);
  });
});

describe('parseLlmClassifierAnswer', () => {
  const labels = ['code_review', 'bug fix', 'other'];

  it('reads JSON objects, fenced or with prose, and maps labels back to their configured spelling', () => {
    expect(parseLlmClassifierAnswer('{"label": "Code-Review", "confidence": 0.7}', labels)).toEqual({
      labels: ['code_review'],
      confidence: 0.7,
    });
    expect(parseLlmClassifierAnswer('Sure!\n```json\n{"labels": ["bug_fix", "other"]}\n```', labels)).toEqual(
      {
        labels: ['bug fix', 'other'],
        confidence: 1,
      },
    );
    expect(parseLlmClassifierAnswer('{"label": "other", "confidence": 7}', labels)).toEqual({
      labels: ['other'],
      confidence: 1,
    });
  });

  it('accepts exactly one bare label and reports anything else', () => {
    expect(parseLlmClassifierAnswer('Other.', labels)).toEqual({ labels: ['other'], confidence: 1 });
    expect(parseLlmClassifierAnswer('bug fix or other', labels)).toEqual({ unknown: 'bug fix or other' });
    expect(parseLlmClassifierAnswer('{"label": "poem"}', labels)).toEqual({ unknown: 'poem' });
    expect(parseLlmClassifierAnswer('{not json', labels)).toEqual({ unknown: '{not json' });
    expect(parseLlmClassifierAnswer('others', labels)).toEqual({ unknown: 'others' });
  });

  it('asks for one label, or for every label with multi_label', () => {
    const base = { name: 'x', type: 'llm' as const, labels: ['a', 'b'], multi_label: false };
    expect(buildLlmClassifierPrompt(base)).toContain('{"label": <the one label that fits best>');
    expect(buildLlmClassifierPrompt({ ...base, multi_label: true })).toContain('{"labels": [<every label');
  });
});
