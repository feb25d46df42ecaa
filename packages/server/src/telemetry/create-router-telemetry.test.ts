import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  type ChatCompletion,
  createRouter,
  parseRouterConfig,
  type ResponseCacheV1,
  type Router,
  type SignalProviderV1,
} from '@semroute/core';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { chat, configText } from '../../test/fixtures.js';
import { serveMetrics } from '../node/serve-fetch-handler.js';
import { createRouterTelemetry } from './create-router-telemetry.js';
import { createTracing } from './create-tracing.js';
import { instrumentResponseCache } from './instrument-response-cache.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The fixture config plus a PII signal (served by a fake provider) and a cached decision. */
const TELEMETRY_CONFIG = configText()
  .replace(
    '  decisions:\n',
    `    pii:
      - {name: contact_info, threshold: 0.5}
  decisions:
    - name: cached
      priority: 60
      rules: {operator: OR, conditions: [{type: keyword, name: cache_me}]}
      modelRefs: [{model: base-model, lora_name: general-expert}]
      plugins:
        - {type: response_cache, configuration: {enabled: true, mode: exact}}
    - name: pii_guard
      priority: 70
      rules: {operator: OR, conditions: [{type: pii, name: contact_info}]}
      modelRefs: [{model: base-model, lora_name: general-expert}]
`,
  )
  .replace(
    '      - {name: jailbreak_phrases',
    '      - {name: cache_me, operator: OR, keywords: [cacheable]}\n      - {name: jailbreak_phrases',
  );

const piiProvider: SignalProviderV1 = {
  specificationVersion: 'v1',
  name: 'fake-pii',
  kinds: ['pii'],
  createExtractor: ({ definition }) => ({
    specificationVersion: 'v1',
    kind: 'pii',
    name: definition.name,
    extract: (input) =>
      input.text.includes('@')
        ? { status: 'matched', confidence: 0.99, labels: ['EMAIL_ADDRESS'] }
        : { status: 'unmatched', confidence: 0.01 },
  }),
};

function completion(content: string): ChatCompletion {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'general-expert',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  } as ChatCompletion;
}

async function telemetryRouter(telemetry: ReturnType<typeof createRouterTelemetry>): Promise<Router> {
  const cache: ResponseCacheV1 = {
    specificationVersion: 'v1',
    lookup: async (context) => {
      const text = JSON.stringify(context.request.messages);
      return text.includes('hit')
        ? { completion: completion('cached'), kind: 'exact', similarity: 1 }
        : undefined;
    },
    store: async () => {},
  };
  const router = await createRouter({
    config: parseRouterConfig(TELEMETRY_CONFIG).config,
    signalProviders: [piiProvider],
    responseCache: instrumentResponseCache(cache, { telemetry, backend: 'memory' }),
  });
  cleanups.push(() => router.close());
  return router;
}

type Families = ReturnType<typeof parsePrometheusTextFormat>;

/**
 * Parses an exposition with parse-prometheus-text-format. The library folds labelled histograms
 * into one sample, so series are read from a second parse without the histogram TYPE lines, where
 * `_bucket`, `_sum` and `_count` are families of their own with every label kept.
 */
function scrape(text: string): { families: Families; series: Families } {
  const families = parsePrometheusTextFormat(text);
  const series = parsePrometheusTextFormat(
    text
      .split('\n')
      .filter((line) => !/^# TYPE \S+ histogram$/.test(line))
      .join('\n'),
  );
  return { families, series };
}

function sample(families: Families, name: string, labels: Record<string, string> = {}) {
  // A family name can repeat (one group of lines per label set when histogram TYPE lines are dropped).
  const matching = families.filter((candidate) => candidate.name === name);
  if (matching.length === 0) throw new Error(`metric ${name} missing`);
  return matching
    .flatMap((family) => family.metrics)
    .find((metric) => Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value));
}

describe('metrics', () => {
  it('records routing, signals, decisions, cache, PII, tokens and cost; scraped and parsed over HTTP', async () => {
    const telemetry = createRouterTelemetry({ config: () => router.config });
    const router = await telemetryRouter(telemetry);
    for (const prompt of [
      'an integral',
      'the derivative',
      'hello there',
      'cacheable hit',
      'cacheable miss',
      'mail a@b.io',
    ])
      telemetry.recordRoute(await router.route(chat(prompt)));
    telemetry.recordRoute(await router.route({ body: '{not json' }));
    telemetry.recordResponse({
      model: 'base-model',
      status: 200,
      latencyMs: 1200,
      ttftMs: 200,
      usage: { prompt_tokens: 1000, completion_tokens: 501 },
    });
    telemetry.recordResponse({ model: 'base-model', status: 503, latencyMs: 30 });

    const server = await serveMetrics(telemetry, { host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.close());
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const { families: typed, series: families } = scrape(await response.text());
    expect(typed.find((family) => family.name === 'llm_signal_extraction_latency_seconds')?.type).toBe(
      'HISTOGRAM',
    );
    expect(typed.find((family) => family.name === 'llm_model_requests_total')?.type).toBe('COUNTER');

    expect(sample(families, 'llm_model_requests_total', { model: 'base-model' })?.value).toBe('6');
    expect(sample(families, 'llm_decision_match_total', { decision: 'math' })?.value).toBe('2');
    expect(sample(families, 'llm_decision_match_total', { decision: 'cached' })?.value).toBe('2');
    const keywordLatency = sample(families, 'llm_signal_extraction_latency_seconds_count', {
      signal_type: 'keyword',
    });
    expect(Number(keywordLatency?.value)).toBe(6 * 3); // three keyword signals per routed request
    expect(
      sample(families, 'llm_signal_extraction_latency_seconds_bucket', { signal_type: 'keyword', le: '+Inf' })
        ?.value,
    ).toBe('18');
    expect(
      sample(families, 'llm_signal_extraction_latency_seconds_count', { signal_type: 'pii' })?.value,
    ).toBe('6');
    expect(sample(families, 'llm_model_routing_latency_seconds_count')?.value).toBe('7');
    expect(sample(families, 'llm_signal_match_total', { signal_name: 'math_vocab' })?.value).toBe('2');
    expect(sample(families, 'llm_pii_violations_total', { pii_type: 'EMAIL_ADDRESS' })?.value).toBe('1');
    expect(sample(families, 'llm_plugin_execution_total', { plugin_type: 'system_prompt' })?.value).toBe('2');
    expect(sample(families, 'llm_cache_hits_total')?.value).toBe('1');
    expect(sample(families, 'llm_cache_misses_total')?.value).toBe('1');
    expect(
      sample(families, 'llm_cache_operations_total', { backend: 'memory', operation: 'lookup' })?.value,
    ).toBe('2');
    expect(
      sample(families, 'llm_cache_operation_duration_seconds_count', { operation: 'lookup' })?.value,
    ).toBe('2');
    expect(sample(families, 'llm_router_responses_total', { path: 'cache' })?.value).toBe('1');
    expect(sample(families, 'llm_request_errors_total', { reason: 'router_400' })?.value).toBe('1');
    expect(sample(families, 'llm_request_errors_total', { reason: 'upstream_5xx' })?.value).toBe('1');
    expect(sample(families, 'llm_model_routing_modifications_total', { source_model: 'auto' })).toBeDefined();
    expect(sample(families, 'llm_model_prompt_tokens_total', { model: 'base-model' })?.value).toBe('1000');
    expect(sample(families, 'llm_model_completion_tokens_total')?.value).toBe('501');
    expect(sample(families, 'llm_model_tokens_total')?.value).toBe('1501');
    // pricing: 1 USD per 1M prompt tokens, 2 USD per 1M completion tokens
    expect(Number(sample(families, 'llm_model_cost_total', { currency: 'USD' })?.value)).toBeCloseTo(
      0.002002,
      9,
    );
    expect(sample(families, 'llm_model_completion_latency_seconds_count')?.value).toBe('2');
    expect(sample(families, 'llm_model_ttft_seconds_count')?.value).toBe('1');
    expect(Number(sample(families, 'llm_model_tpot_seconds_sum')?.value)).toBeCloseTo(1 / 500, 9);

    expect((await fetch(`${server.url}/other`)).status).toBe(404);
  });

  it('records batch and reload metrics, and nothing when disabled', async () => {
    const telemetry = createRouterTelemetry({ defaultLabels: { instance: 'router-0' } });
    telemetry.recordBatch({ task: 'intent', size: 7, latencyMs: 12 });
    telemetry.recordReload({ result: 'applied', source: 'api', generation: 3 });
    telemetry.recordReload({ result: 'rejected', source: 'file' });
    const { series: families } = scrape(await telemetry.metrics());
    expect(sample(families, 'batch_classification_texts_total', { task: 'intent' })?.value).toBe('7');
    expect(sample(families, 'semroute_config_generation')?.value).toBe('3');
    expect(sample(families, 'semroute_config_reloads_total', { result: 'rejected' })?.labels?.instance).toBe(
      'router-0',
    );

    const off = createRouterTelemetry({ metrics: false });
    off.recordBatch({ task: 'intent', size: 1, latencyMs: 1 });
    expect(await off.metrics()).toBe('');
    expect(off.metricNames()).toEqual([]);
  });

  it('keeps registries separate per telemetry instance (no global registry)', async () => {
    const first = createRouterTelemetry();
    const second = createRouterTelemetry();
    first.recordBatch({ task: 'pii', size: 2, latencyMs: 1 });
    expect(await second.metrics()).not.toContain('task="pii"');
    expect(first.metricNames()).toContain('llm_model_requests_total');
  });
});

describe('tracing', () => {
  async function traced() {
    const exporter = new InMemorySpanExporter();
    const tracing = await createTracing({ exporter });
    cleanups.push(() => tracing.shutdown());
    const telemetry = createRouterTelemetry({ tracer: tracing.tracer!, metrics: false });
    return { exporter, telemetry };
  }
  const byName = (spans: ReadableSpan[], name: string) =>
    spans.filter((span) => span.name === `semantic_router.${name}`);
  const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('continues the caller trace: one span per signal, decision, plugins, cache and upstream', async () => {
    const { exporter, telemetry } = await traced();
    const router = await telemetryRouter(telemetry);
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const request = telemetry.startRequest({
      headers: { traceparent: incoming },
      requestId: 'req-1',
      path: '/v1/chat/completions',
    });
    const outcome = await router.route(chat('an integral'));
    telemetry.recordRoute(outcome, { request });
    const upstream = request.startUpstream({
      model: 'math-expert',
      url: 'http://127.0.0.1:8000/v1/chat/completions',
    });
    expect(upstream.headers.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    upstream.end({ status: 200 });
    request.end({ status: 200 });
    request.end(); // idempotent

    const spans = exporter.getFinishedSpans();
    expect(new Set(spans.map((span) => span.spanContext().traceId))).toEqual(
      new Set(['0af7651916cd43dd8448eb211c80319c']),
    );
    const [root] = byName(spans, 'request.received');
    expect(parentId(root!)).toBe('b7ad6b7169203331');
    expect(root!.attributes).toMatchObject({ 'request.id': 'req-1', 'http.response.status_code': 200 });
    const [routing] = byName(spans, 'routing.decision');
    expect(parentId(routing!)).toBe(root!.spanContext().spanId);
    expect(routing!.attributes).toMatchObject({ 'decision.name': 'math', 'routing.model': 'math-expert' });
    const [evaluation] = byName(spans, 'signal.evaluation');
    const signalSpans = byName(spans, 'signal.keyword');
    expect(signalSpans).toHaveLength(3);
    expect(byName(spans, 'signal.pii')).toHaveLength(1);
    for (const span of [...signalSpans, ...byName(spans, 'signal.pii')])
      expect(parentId(span)).toBe(evaluation!.spanContext().spanId);
    expect(signalSpans.map((span) => span.attributes['signal.name']).sort()).toEqual([
      'cache_me',
      'jailbreak_phrases',
      'math_vocab',
    ]);
    expect(byName(spans, 'decision.evaluation')[0]!.attributes['decision.name']).toBe('math');
    expect(byName(spans, 'plugin.execution').map((span) => span.attributes['plugin.type'])).toEqual([
      'system_prompt',
    ]);
    const [upstreamSpan] = byName(spans, 'upstream.request');
    expect(upstream.headers.traceparent).toContain(upstreamSpan!.spanContext().spanId);
    // Span times come from the explanation: the routing span lasts route()'s measured latency.
    const durationMs = (routing!.duration[0] * 1e9 + routing!.duration[1]) / 1e6;
    expect(durationMs).toBeCloseTo(outcome.explanation.latencyMs, 1);
  });

  it('records a cache lookup span with cache.hit', async () => {
    const { exporter, telemetry } = await traced();
    const router = await telemetryRouter(telemetry);
    const request = telemetry.startRequest({});
    telemetry.recordRoute(await router.route(chat('cacheable hit')), { request });
    request.end({ status: 200 });
    const [lookup] = byName(exporter.getFinishedSpans(), 'cache.lookup');
    expect(lookup!.attributes['cache.hit']).toBe(true);
  });

  it('records nothing for unsampled requests and passes the caller trace on without a tracer', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await createTracing({ exporter, sampling: { type: 'always_off' } });
    cleanups.push(() => tracing.shutdown());
    const telemetry = createRouterTelemetry({ tracer: tracing.tracer!, metrics: false });
    const router = await telemetryRouter(telemetry);
    const request = telemetry.startRequest({});
    telemetry.recordRoute(await router.route(chat('an integral')), { request });
    request.end();
    expect(exporter.getFinishedSpans()).toEqual([]);

    const untraced = createRouterTelemetry({ metrics: false });
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const passthrough = untraced.startRequest({ headers: new Headers({ traceparent: incoming }) });
    expect(passthrough.startUpstream({ model: 'm' }).headers.traceparent).toBe(incoming);
  });
});
