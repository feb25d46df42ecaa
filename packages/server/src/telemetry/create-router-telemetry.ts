/**
 * `createRouterTelemetry()`: what hosts call around each request so that core stays
 * dependency-free. It turns a {@link RouteOutcome}'s explanation into Prometheus metrics and,
 * when given a tracer, into `semantic_router.*` spans (one per evaluated signal, timed from the
 * explanation's latencies), and records upstream usage (tokens, cost, latency).
 *
 * @module
 */
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { RouteOutcome, RouterConfig } from '@semroute/core';
import { PROMETHEUS_CONTENT_TYPE } from './metrics-registry.js';
import { createRouterMetrics, type RouterMetrics } from './router-metrics.js';
import { extractTraceContext, injectTraceContext } from './trace-context.js';

/** Span name prefix of the reference router. */
export const SPAN_PREFIX = 'semantic_router.';

/** Token usage as OpenAI reports it. */
export interface TokenUsage {
  readonly prompt_tokens?: number;
  readonly completion_tokens?: number;
  readonly total_tokens?: number;
}

export interface CreateRouterTelemetryOptions {
  /** Record Prometheus metrics (default true). */
  readonly metrics?: boolean;
  /** Tracer from `@opentelemetry/api` (e.g. from `createTracing()`); no spans without one. */
  readonly tracer?: Tracer;
  /** Current config, for model pricing (cost counters). Pass `() => router.config` for reloadable routers. */
  readonly config?: () => RouterConfig | undefined;
  /** Labels added to every series (e.g. `{ instance: 'router-0' }`). */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  /** Wall clock in epoch ms with sub-ms precision, for span times. Default `performance.timeOrigin + performance.now()`. */
  readonly now?: () => number;
}

/** Per-request telemetry handle: the trace context of one request. */
export interface RequestTelemetry {
  /** Context carrying the `request.received` span (or the extracted remote parent). */
  readonly context: Context;
  readonly requestId: string | undefined;
  /**
   * Starts the `upstream.request` span; returns the W3C headers to send upstream (always the
   * current trace, so upstreams join it) and a function that ends the span.
   */
  startUpstream(attributes: { readonly model: string; readonly url?: string }): {
    readonly headers: Record<string, string>;
    end(result: { readonly status?: number; readonly error?: string }): void;
  };
  /** Ends the `request.received` span. Idempotent. */
  end(result?: { readonly status?: number; readonly error?: string }): void;
}

export interface RecordResponseInput {
  /** Logical or body model that served the request. */
  readonly model: string;
  /** HTTP status from upstream (or the router's own answer). */
  readonly status?: number;
  /** Whole upstream call, ms. */
  readonly latencyMs?: number;
  /** Time to first token (streams), ms. */
  readonly ttftMs?: number;
  readonly usage?: TokenUsage;
  /** Error reason label when the request failed (e.g. `upstream_5xx`, `timeout`). */
  readonly errorReason?: string;
}

export interface RouterTelemetry {
  /** Extracts the W3C context from request headers and starts `semantic_router.request.received`. */
  startRequest(input?: {
    readonly headers?: Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
    readonly requestId?: string;
    readonly path?: string;
  }): RequestTelemetry;
  /** Records one routed request: metrics, and spans under `request` when tracing. */
  recordRoute(outcome: RouteOutcome, options?: { readonly request?: RequestTelemetry }): void;
  /** Records the upstream result: latency, TTFT/TPOT, tokens, cost and errors. */
  recordResponse(input: RecordResponseInput): void;
  /** Records one cache operation (used by `instrumentResponseCache`). */
  recordCacheOperation(input: {
    readonly backend: string;
    readonly operation: 'lookup' | 'store';
    readonly status: 'ok' | 'error';
    readonly latencyMs: number;
  }): void;
  /** Records one batch classification call. */
  recordBatch(input: { readonly task: string; readonly size: number; readonly latencyMs: number }): void;
  /** Records a config activation or rejection and the active generation. */
  recordReload(input: {
    readonly result: 'applied' | 'rejected';
    readonly source: string;
    readonly generation?: number | undefined;
  }): void;
  /** Tracks requests being routed now (call with +1 / -1). */
  trackInFlight(delta: number): void;
  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string>;
  /** `Content-Type` of {@link RouterTelemetry.metrics}. */
  readonly metricsContentType: string;
  /** Names of the registered metric families. */
  metricNames(): readonly string[];
  /** Every registered metric family with its type and label names (for docs and dashboard checks). */
  describeMetrics(): readonly MetricDescription[];
}

export interface MetricDescription {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
  readonly labelNames: readonly string[];
}

const NO_LABELS: readonly string[] = [];
const RESPONSE_KIND: readonly string[] = ['response'];

function defaultNow(): number {
  return performance.timeOrigin + performance.now();
}

type HeaderInput = Headers | Readonly<Record<string, string | readonly string[] | undefined>> | undefined;

/** Request telemetry without a tracer: no spans; the caller's trace context goes upstream as is. */
class PassThroughRequest implements RequestTelemetry {
  #context: Context | undefined;
  constructor(
    private readonly headers: HeaderInput,
    readonly requestId: string | undefined,
  ) {}
  get context(): Context {
    this.#context ??= extractTraceContext(this.headers);
    return this.#context;
  }
  startUpstream() {
    return { headers: injectTraceContext(this.context, {}), end() {} };
  }
  end() {}
}

export function createRouterTelemetry(options: CreateRouterTelemetryOptions = {}): RouterTelemetry {
  const metrics: RouterMetrics | undefined =
    options.metrics === false
      ? undefined
      : createRouterMetrics(options.defaultLabels ? { prefixLabels: options.defaultLabels } : {});
  const tracer = options.tracer;
  const now = options.now ?? defaultNow;
  const config = options.config;

  function endSpan(
    span: Span,
    result: { readonly status?: number; readonly error?: string } | undefined,
  ): void {
    if (result?.status !== undefined) span.setAttribute('http.response.status_code', result.status);
    if (result?.error) span.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
    else if (result?.status !== undefined && result.status >= 500)
      span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }

  function startRequest(input: Parameters<RouterTelemetry['startRequest']>[0] = {}): RequestTelemetry {
    // No tracer: still pass the caller's trace on upstream unchanged, parsed only when needed.
    if (!tracer) return new PassThroughRequest(input.headers, input.requestId);
    const parent = extractTraceContext(input.headers);
    const attributes: Attributes = {};
    if (input.requestId) attributes['request.id'] = input.requestId;
    if (input.path) attributes['url.path'] = input.path;
    const span = tracer.startSpan(
      `${SPAN_PREFIX}request.received`,
      { kind: SpanKind.SERVER, attributes },
      parent,
    );
    const context = trace.setSpan(parent, span);
    let ended = false;
    return {
      context,
      requestId: input.requestId,
      startUpstream(upstream) {
        const upstreamSpan = tracer.startSpan(
          `${SPAN_PREFIX}upstream.request`,
          {
            kind: SpanKind.CLIENT,
            attributes: {
              'routing.selected_model': upstream.model,
              ...(upstream.url ? { 'url.full': upstream.url } : {}),
            },
          },
          context,
        );
        return {
          headers: injectTraceContext(trace.setSpan(context, upstreamSpan), {}),
          end: (result) => endSpan(upstreamSpan, result),
        };
      },
      end(result) {
        if (ended) return;
        ended = true;
        endSpan(span, result);
      },
    };
  }

  function recordMetrics(outcome: RouteOutcome, m: RouterMetrics): void {
    const explanation = outcome.explanation;
    const model = explanation.selectedModel ?? explanation.model ?? 'unknown';
    m.requests.inc([model]);
    m.routingLatency.observe(NO_LABELS, explanation.latencyMs / 1000);
    if (explanation.tokenCount > 0) m.contextTokens.observe(NO_LABELS, explanation.tokenCount);
    if (
      explanation.requestedModel !== null &&
      explanation.model !== null &&
      explanation.requestedModel !== explanation.model
    )
      m.routingModifications.inc([explanation.requestedModel, explanation.model]);
    for (const signal of explanation.signals) {
      m.signalLatency.observe([signal.type], signal.latencyMs / 1000);
      if (signal.status === 'matched') {
        m.signalMatches.inc([signal.type, signal.name]);
        if (signal.type === 'pii')
          for (const label of signal.labels?.length ? signal.labels : [signal.name])
            m.piiViolations.inc([model, label]);
        else if (signal.type === 'jailbreak') m.jailbreaks.inc([explanation.decision ?? 'none']);
      } else if (signal.status !== 'unmatched') {
        m.signalErrors.inc([signal.type, signal.status]);
      }
    }
    if (explanation.decision !== null) {
      m.decisionMatches.inc([explanation.decision, explanation.recipe ?? 'default']);
      m.classificationConfidence.observe([explanation.decision], explanation.confidence);
    }
    for (const plugin of explanation.plugins) m.pluginExecutions.inc([plugin]);
    if (explanation.reasoning)
      m.reasoningDecisions.inc([
        model,
        explanation.reasoning.enabled ? 'true' : 'false',
        explanation.reasoning.effort ?? 'none',
      ]);
    let path: string;
    if (outcome.type === 'upstream') path = 'upstream';
    else if (outcome.reason === 'error') {
      path = outcome.status === 403 ? 'blocked' : 'error';
      m.requestErrors.inc([model, `router_${outcome.status}`]);
    } else path = outcome.reason;
    m.responsePaths.inc([path]);
    if (explanation.plugins.includes('response_cache')) {
      if (outcome.type === 'immediate' && outcome.reason === 'cache') m.cacheHits.inc(RESPONSE_KIND);
      else m.cacheMisses.inc(NO_LABELS);
    }
  }

  function recordSpans(outcome: RouteOutcome, parent: Context, t: Tracer): void {
    const explanation = outcome.explanation;
    const end = now();
    const start = end - explanation.latencyMs;
    const decisionAttributes: Attributes = {
      'decision.name': explanation.decision ?? '',
      'decision.confidence': explanation.confidence,
      'routing.selected_model': explanation.selectedModel ?? '',
      'routing.model': explanation.model ?? '',
      'routing.recipe': explanation.recipe ?? '',
      'routing.passthrough': explanation.passthrough,
      'routing.response_path': outcome.type === 'upstream' ? 'upstream' : outcome.reason,
    };
    const routing = t.startSpan(
      `${SPAN_PREFIX}routing.decision`,
      { startTime: start, attributes: decisionAttributes },
      parent,
    );
    const routingContext = trace.setSpan(parent, routing);
    let signalsEnd = start;
    if (explanation.signals.length > 0) {
      // Signals run concurrently from the start of routing; each span lasts its measured latency.
      for (const signal of explanation.signals) signalsEnd = Math.max(signalsEnd, start + signal.latencyMs);
      const evaluation = t.startSpan(
        `${SPAN_PREFIX}signal.evaluation`,
        { startTime: start, attributes: { 'signal.count': explanation.signals.length } },
        routingContext,
      );
      const evaluationContext = trace.setSpan(routingContext, evaluation);
      for (const signal of explanation.signals) {
        const attributes: Attributes = {
          'signal.type': signal.type,
          'signal.name': signal.name,
          'signal.status': signal.status,
          'signal.confidence': signal.confidence,
        };
        const span = t.startSpan(
          `${SPAN_PREFIX}signal.${signal.type}`,
          { startTime: start, attributes },
          evaluationContext,
        );
        if (signal.status === 'error' || signal.status === 'timeout')
          span.setStatus({ code: SpanStatusCode.ERROR, message: signal.error ?? signal.status });
        span.end(start + signal.latencyMs);
      }
      evaluation.end(signalsEnd);
    }
    const decision = t.startSpan(
      `${SPAN_PREFIX}decision.evaluation`,
      {
        startTime: signalsEnd,
        attributes: {
          'decision.name': explanation.decision ?? '',
          'decision.matched_count': explanation.matchedDecisions.length,
          'decision.used_default_model': explanation.usedDefaultModel,
        },
      },
      routingContext,
    );
    decision.end(end);
    for (const plugin of explanation.plugins) {
      if (plugin === 'response_cache') {
        const hit = outcome.type === 'immediate' && outcome.reason === 'cache';
        t.startSpan(
          `${SPAN_PREFIX}cache.lookup`,
          { startTime: signalsEnd, attributes: { 'cache.hit': hit } },
          routingContext,
        ).end(end);
      } else {
        t.startSpan(
          `${SPAN_PREFIX}plugin.execution`,
          { startTime: signalsEnd, attributes: { 'plugin.type': plugin } },
          routingContext,
        ).end(end);
      }
    }
    if (outcome.type === 'immediate' && outcome.reason === 'error')
      routing.setStatus({ code: SpanStatusCode.ERROR, message: `router answered ${outcome.status}` });
    routing.end(end);
  }

  function describeMetrics(): MetricDescription[] {
    if (!metrics) return [];
    return metrics.registry.describe();
  }

  function pricingFor(model: string) {
    const models = config?.()?.providers.models;
    if (!models) return undefined;
    return models.find((entry) => entry.name === model || entry.provider_model_id === model)?.pricing;
  }

  return {
    startRequest,
    recordRoute(outcome, recordOptions) {
      if (metrics) recordMetrics(outcome, metrics);
      if (tracer) {
        const parent = recordOptions?.request?.context ?? ROOT_CONTEXT;
        // Unsampled parents: skip building child spans altogether.
        const parentSpan = trace.getSpan(parent);
        if (parentSpan && !parentSpan.isRecording() && !parentSpan.spanContext().isRemote) return;
        recordSpans(outcome, parent, tracer);
      }
    },
    recordResponse(input) {
      if (!metrics) return;
      const model = input.model;
      if (input.latencyMs !== undefined) metrics.completionLatency.observe([model], input.latencyMs / 1000);
      if (input.ttftMs !== undefined) metrics.ttft.observe([model], input.ttftMs / 1000);
      const usage = input.usage;
      if (usage) {
        const prompt = usage.prompt_tokens ?? 0;
        const completion = usage.completion_tokens ?? 0;
        const total = usage.total_tokens ?? prompt + completion;
        if (prompt > 0) metrics.promptTokens.inc([model], prompt);
        if (completion > 0) metrics.completionTokens.inc([model], completion);
        if (total > 0) metrics.tokens.inc([model], total);
        if (completion > 0 && input.latencyMs !== undefined && input.ttftMs !== undefined && completion > 1)
          metrics.tpot.observe([model], (input.latencyMs - input.ttftMs) / 1000 / (completion - 1));
        const pricing = pricingFor(model);
        if (pricing) {
          const cost =
            (prompt * (pricing.prompt_per_1m ?? 0) + completion * (pricing.completion_per_1m ?? 0)) /
            1_000_000;
          if (cost > 0) metrics.cost.inc([model, pricing.currency], cost);
        }
      }
      const status = input.status;
      if (input.errorReason) metrics.requestErrors.inc([model, input.errorReason]);
      else if (status !== undefined && status >= 400)
        metrics.requestErrors.inc([model, `upstream_${status >= 500 ? '5xx' : '4xx'}`]);
    },
    recordCacheOperation(input) {
      if (!metrics) return;
      metrics.cacheOperations.inc([input.backend, input.operation, input.status]);
      metrics.cacheOperationLatency.observe([input.backend, input.operation], input.latencyMs / 1000);
    },
    recordBatch(input) {
      if (!metrics) return;
      metrics.batchRequests.inc([input.task]);
      metrics.batchTexts.inc([input.task], input.size);
      metrics.batchLatency.observe([input.task], input.latencyMs / 1000);
    },
    recordReload(input) {
      if (!metrics) return;
      metrics.configReloads.inc([input.result, input.source]);
      if (input.generation !== undefined) metrics.configGeneration.set(NO_LABELS, input.generation);
    },
    trackInFlight(delta) {
      metrics?.inFlight.add(NO_LABELS, delta);
    },
    metrics: async () => (metrics ? metrics.registry.render() : ''),
    metricsContentType: PROMETHEUS_CONTENT_TYPE,
    metricNames: () => describeMetrics().map((metric) => metric.name),
    describeMetrics,
  };
}
