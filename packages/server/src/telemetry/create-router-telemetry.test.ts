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
    // Decision evaluation is timed for the six routed requests (not for the unparseable body).
    expect(typed.find((family) => family.name === 'llm_decision_evaluation_latency_seconds')?.type).toBe(
      'HISTOGRAM',
    );
    expect(sample(families, 'llm_decision_evaluation_latency_seconds_count')?.value).toBe('6');
    expect(sample(families, 'llm_decision_evaluation_latency_seconds_bucket', { le: '+Inf' })?.value).toBe(
      '6',
    );
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

  it('exposes windowed latency percentiles per model and window, computed at scrape', async () => {
    let time = 0;
    const telemetry = createRouterTelemetry({
      windowedMetrics: { timeWindows: ['1m', '5m'], maxModels: 2, maxSamples: 1000, now: () => time },
    });
    // base-model: latencies 1..100 ms at t = 0; then 1000 ms, 2000 ms two minutes later.
    for (let latency = 1; latency <= 100; latency++)
      telemetry.recordResponse({ model: 'base-model', status: 200, latencyMs: latency });
    time = 120_000;
    telemetry.recordResponse({ model: 'base-model', status: 200, latencyMs: 1000 });
    telemetry.recordResponse({ model: 'base-model', status: 200, latencyMs: 2000 });
    telemetry.recordResponse({ model: 'other-model', status: 200, latencyMs: 40 });
    // A third model is beyond maxModels: not tracked, no unbounded series.
    telemetry.recordResponse({ model: 'third-model', status: 200, latencyMs: 40 });

    const server = await serveMetrics(telemetry, { host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.close());
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const { families: typed, series: families } = scrape(text);
    for (const quantile of ['p50', 'p95', 'p99'])
      expect(
        typed.find((family) => family.name === `llm_model_latency_${quantile}_windowed_seconds`)?.type,
      ).toBe('GAUGE');
    const value = (name: string, model: string, window: string) =>
      Number(sample(families, name, { model, time_window: window })?.value);
    // The last minute holds only the two recent samples: linear interpolation between them.
    expect(value('llm_model_latency_p50_windowed_seconds', 'base-model', '1m')).toBeCloseTo(1.5, 9);
    expect(value('llm_model_latency_p99_windowed_seconds', 'base-model', '1m')).toBeCloseTo(1.99, 9);
    expect(value('llm_model_requests_windowed_total', 'base-model', '1m')).toBe(2);
    // Five minutes hold all 102: the median is between the 51st and 52nd smallest (51 and 52 ms).
    expect(value('llm_model_latency_p50_windowed_seconds', 'base-model', '5m')).toBeCloseTo(0.0515, 9);
    expect(value('llm_model_latency_p95_windowed_seconds', 'base-model', '5m')).toBeCloseTo(0.09695, 9); // rank 95.95
    expect(value('llm_model_requests_windowed_total', 'base-model', '5m')).toBe(102);
    expect(value('llm_model_latency_p95_windowed_seconds', 'other-model', '1m')).toBeCloseTo(0.04, 9);
    expect(text).not.toMatch(/windowed_\w+\{model="third-model"/);

    // Ten minutes later every window is empty: the series disappear instead of going stale.
    time = 720_000;
    expect(await telemetry.metrics()).not.toMatch(/llm_model_latency_p50_windowed_seconds\{/);

    // Off by default: no windowed families at all.
    expect(createRouterTelemetry().metricNames()).not.toContain('llm_model_latency_p50_windowed_seconds');
    expect(() => createRouterTelemetry({ windowedMetrics: { timeWindows: ['5 minutes'] } })).toThrow(
      /invalid duration "5 minutes"/,
    );
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
  async function traced(options: { signalSpans?: 'all' | 'learned' | 'none' } = {}) {
    const exporter = new InMemorySpanExporter();
    const tracing = await createTracing({ exporter });
    cleanups.push(() => tracing.shutdown());
    const telemetry = createRouterTelemetry({ tracer: tracing.tracer!, metrics: false, ...options });
    return { exporter, telemetry };
  }
  const byName = (spans: ReadableSpan[], name: string) =>
    spans.filter((span) => span.name === `semantic_router.${name}`);
  const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  const millis = (time: readonly [number, number]) => time[0] * 1e3 + time[1] / 1e6;

  it('continues the caller trace: routing, signal evaluation, decision, plugins and upstream spans', async () => {
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
    expect(routing!.attributes).toMatchObject({
      'decision.name': 'math',
      'routing.model': 'math-expert',
      'routing.plugins': ['system_prompt'],
    });
    // Every signal is on signal.evaluation; only the learned one (PII) has a span of its own.
    const [evaluation] = byName(spans, 'signal.evaluation');
    expect(parentId(evaluation!)).toBe(routing!.spanContext().spanId);
    const names = evaluation!.attributes['signal.names'] as string[];
    expect([...names].sort()).toEqual([
      'keyword:cache_me',
      'keyword:jailbreak_phrases',
      'keyword:math_vocab',
      'pii:contact_info',
    ]);
    expect(evaluation!.attributes['signal.count']).toBe(4);
    expect(evaluation!.attributes['signal.matched']).toEqual(['keyword:math_vocab']);
    const statuses = evaluation!.attributes['signal.statuses'] as string[];
    expect(statuses[names.indexOf('keyword:math_vocab')]).toBe('matched');
    expect(statuses[names.indexOf('pii:contact_info')]).toBe('unmatched');
    const latencies = evaluation!.attributes['signal.latencies_ms'] as number[];
    expect(latencies).toEqual(outcome.explanation.signals.map((signal) => signal.latencyMs));
    expect(byName(spans, 'signal.keyword')).toEqual([]);
    const [pii] = byName(spans, 'security.pii_detection');
    expect(parentId(pii!)).toBe(evaluation!.spanContext().spanId);
    expect(pii!.attributes).toMatchObject({ 'signal.name': 'contact_info', 'signal.status': 'unmatched' });

    const [decision] = byName(spans, 'decision.evaluation');
    expect(parentId(decision!)).toBe(routing!.spanContext().spanId);
    expect(decision!.attributes).toMatchObject({
      'decision.name': 'math',
      'decision.matched_count': outcome.explanation.matchedDecisions.length,
    });
    const [plugins] = byName(spans, 'plugin.execution');
    expect(plugins!.attributes['plugin.types']).toEqual(['system_prompt']);
    const [upstreamSpan] = byName(spans, 'upstream.request');
    expect(parentId(upstreamSpan!)).toBe(root!.spanContext().spanId);
    expect(upstream.headers.traceparent).toContain(upstreamSpan!.spanContext().spanId);
    expect(spans).toHaveLength(7);

    // Span times come from the explanation's measured phases, in order, inside routing.decision.
    const phases = outcome.explanation.phases!;
    expect(millis(routing!.duration)).toBeCloseTo(outcome.explanation.latencyMs, 1);
    expect(millis(evaluation!.duration)).toBeCloseTo(phases.signalsMs, 1);
    expect(millis(decision!.duration)).toBeCloseTo(phases.decisionMs, 1);
    const offset = (span: ReadableSpan) => millis(span.startTime) - millis(routing!.startTime);
    expect(offset(evaluation!)).toBeCloseTo(phases.signalsStartMs, 1);
    expect(offset(decision!)).toBeCloseTo(phases.signalsStartMs + phases.signalsMs, 1);
    expect(millis(plugins!.endTime)).toBeCloseTo(millis(routing!.endTime), 1);
  });

  it('gives every signal a span with signalSpans all, and none with signalSpans none', async () => {
    const all = await traced({ signalSpans: 'all' });
    const router = await telemetryRouter(all.telemetry);
    const request = all.telemetry.startRequest({});
    all.telemetry.recordRoute(await router.route(chat('an integral')), { request });
    request.end({ status: 200 });
    const allSpans = all.exporter.getFinishedSpans();
    expect(
      byName(allSpans, 'signal.keyword')
        .map((span) => span.attributes['signal.name'])
        .sort(),
    ).toEqual(['cache_me', 'jailbreak_phrases', 'math_vocab']);
    expect(byName(allSpans, 'security.pii_detection')).toHaveLength(1);

    const none = await traced({ signalSpans: 'none' });
    const noneRouter = await telemetryRouter(none.telemetry);
    const noneRequest = none.telemetry.startRequest({});
    none.telemetry.recordRoute(await noneRouter.route(chat('an integral')), { request: noneRequest });
    noneRequest.end({ status: 200 });
    expect(
      none.exporter
        .getFinishedSpans()
        .map((span) => span.name)
        .sort(),
    ).toEqual([
      'semantic_router.decision.evaluation',
      'semantic_router.plugin.execution',
      'semantic_router.request.received',
      'semantic_router.routing.decision',
      'semantic_router.signal.evaluation',
    ]);
    expect(() => createRouterTelemetry({ signalSpans: 'some' as never })).toThrow(/all, learned or none/);
  });

  it('records a cache lookup span with cache.hit, timed by the lookup', async () => {
    const { exporter, telemetry } = await traced();
    const router = await telemetryRouter(telemetry);
    const request = telemetry.startRequest({});
    const outcome = await router.route(chat('cacheable hit'));
    telemetry.recordRoute(outcome, { request });
    request.end({ status: 200 });
    const spans = exporter.getFinishedSpans();
    const [lookup] = byName(spans, 'cache.lookup');
    expect(lookup!.attributes['cache.hit']).toBe(true);
    expect(millis(lookup!.duration)).toBeCloseTo(outcome.explanation.phases!.cacheLookupMs!, 1);
    expect(byName(spans, 'routing.decision')[0]!.attributes).toMatchObject({
      'cache.hit': true,
      'routing.response_path': 'cache',
    });
    // The cache is the only plugin that ran: no plugin.execution span.
    expect(byName(spans, 'plugin.execution')).toEqual([]);
  });

  it('records nothing for unsampled requests but still propagates the not-sampled trace upstream', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await createTracing({ exporter, sampling: { type: 'always_off' } });
    cleanups.push(() => tracing.shutdown());
    const telemetry = createRouterTelemetry({ tracer: tracing.tracer!, metrics: false });
    const router = await telemetryRouter(telemetry);
    const request = telemetry.startRequest({});
    telemetry.recordRoute(await router.route(chat('an integral')), { request });
    const upstream = request.startUpstream({ model: 'math-expert' });
    expect(upstream.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    upstream.end({ status: 200 });
    request.end();
    // A caller's unsampled trace keeps its trace id and its decision.
    const unsampledCaller = telemetry.startRequest({
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' },
    });
    expect(unsampledCaller.startUpstream({ model: 'm' }).headers.traceparent).toMatch(
      /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/,
    );
    telemetry.recordRoute(await router.route(chat('an integral')), { request: unsampledCaller });
    expect(exporter.getFinishedSpans()).toEqual([]);

    const untraced = createRouterTelemetry({ metrics: false });
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const passthrough = untraced.startRequest({ headers: new Headers({ traceparent: incoming }) });
    expect(passthrough.startUpstream({ model: 'm' }).headers.traceparent).toBe(incoming);
  });
});
