import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { chat, configText, routerFor } from '../../test/fixtures.js';
import { createJsonLogger, createRequestLogger } from '../logging/create-json-logger.js';
import { createRouterTelemetry } from './create-router-telemetry.js';
import { createTracing } from './create-tracing.js';
import { instrumentRouter, recordExchangeEnd, recordProxyEvent } from './instrument-router.js';

describe('instrumentRouter', () => {
  it('records metrics, spans under the caller trace and a log line for every route() call', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await createTracing({ exporter });
    const telemetry = createRouterTelemetry({ tracer: tracing.tracer! });
    const lines: Record<string, unknown>[] = [];
    const requestLog = createRequestLogger(
      createJsonLogger({ destination: { write: (line: string) => lines.push(JSON.parse(line)) } }),
    );
    const inner = await routerFor(configText());
    const router = instrumentRouter({ router: inner, telemetry, requestLog });
    expect(router.config).toBe(inner.config);
    expect(router.listModels()).toEqual(inner.listModels());

    const outcome = await router.route({
      ...chat('an integral'),
      path: '/v1/chat/completions',
      headers: {
        'X-Request-Id': 'req-9',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
    });
    expect(outcome.explanation.decision).toBe('math');
    const metrics = await telemetry.metrics();
    expect(metrics).toContain('llm_decision_match_total{decision="math",recipe="default"} 1');
    expect(metrics).toContain('semroute_requests_in_flight 0');
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name).sort()).toEqual([
      'semantic_router.decision.evaluation',
      'semantic_router.plugin.execution',
      'semantic_router.request.received',
      'semantic_router.routing.decision',
      'semantic_router.signal.evaluation',
    ]);
    expect(new Set(spans.map((span) => span.spanContext().traceId))).toEqual(
      new Set(['0af7651916cd43dd8448eb211c80319c']),
    );
    const root = spans.find((span) => span.name === 'semantic_router.request.received')!;
    expect(root.attributes).toMatchObject({ 'request.id': 'req-9', 'url.path': '/v1/chat/completions' });
    // The upstream request continues the trace under request.received.
    if (outcome.type !== 'upstream') throw new Error('expected an upstream outcome');
    expect(outcome.requestHeaders.set.traceparent).toBe(
      `00-0af7651916cd43dd8448eb211c80319c-${root.spanContext().spanId}-01`,
    );
    expect(outcome.requestHeaders.set['x-selected-model']).toBe('math-expert');
    expect(lines).toEqual([
      expect.objectContaining({ request_id: 'req-9', decision: 'math', path: '/v1/chat/completions' }),
    ]);
    await router.close();
    await tracing.shutdown();
  });

  it('maps ExtProc exchange summaries and HTTP proxy events to response metrics', async () => {
    const telemetry = createRouterTelemetry();
    const onExchangeEnd = recordExchangeEnd(telemetry);
    onExchangeEnd({
      kind: 'upstream',
      selectedModel: 'base-model',
      status: 200,
      ttftMs: 120,
      usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
    });
    onExchangeEnd({ kind: 'immediate', selectedModel: null, status: 200 }); // not an upstream call
    onExchangeEnd({ kind: 'upstream', selectedModel: 'base-model', status: 200, aborted: true });
    const onEvent = recordProxyEvent(telemetry);
    onEvent({
      type: 'upstream-end',
      model: 'other-model',
      status: 502,
      firstByteMs: 30,
      totalMs: 40,
      complete: true,
    });
    onEvent({ type: 'upstream-retry', model: 'other-model' });
    const metrics = await telemetry.metrics();
    expect(metrics).toContain('llm_model_prompt_tokens_total{model="base-model"} 10');
    expect(metrics).toContain('llm_model_tokens_total{model="base-model"} 15');
    expect(metrics).toContain('llm_model_ttft_seconds_count{model="base-model"} 1');
    expect(metrics).toContain('llm_request_errors_total{model="base-model",reason="aborted"} 1');
    expect(metrics).toContain('llm_request_errors_total{model="other-model",reason="upstream_5xx"} 1');
    expect(metrics).toContain('llm_model_completion_latency_seconds_count{model="other-model"} 1');
  });
});
