/**
 * `createRouterTelemetry()`: what hosts call around each request so that core stays
 * dependency-free. It turns a {@link RouteOutcome}'s explanation into Prometheus metrics and,
 * when given a tracer, into `semantic_router.*` spans created after routing from the
 * explanation's measured phases (the span model is documented in the package README), and
 * records upstream usage (tokens, cost, latency). Sampling is decided once per request, on the
 * `request.received` span: an unsampled request costs one non-recording span and nothing else.
 *
 * @module
 */
import {
  type Context,
  INVALID_TRACEID,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { CORE_SIGNAL_KINDS, type RouteOutcome, type RouterConfig } from '@semroute/core';
import { PROMETHEUS_CONTENT_TYPE } from './metrics-registry.js';
import { createRouterMetrics, type RouterMetrics } from './router-metrics.js';
import { extractTraceContext, injectTraceContext, writeTraceparent } from './trace-context.js';
import { WindowedLatency } from './windowed-latency.js';

/** Span name prefix of the reference router. */
export const SPAN_PREFIX = 'semantic_router.';

const REQUEST_SPAN = `${SPAN_PREFIX}request.received`;
const REQUEST_SPAN_OPTIONS = { kind: SpanKind.SERVER } as const;
const ROUTING_SPAN = `${SPAN_PREFIX}routing.decision`;
const SIGNAL_EVALUATION_SPAN = `${SPAN_PREFIX}signal.evaluation`;
const DECISION_SPAN = `${SPAN_PREFIX}decision.evaluation`;
const CACHE_SPAN = `${SPAN_PREFIX}cache.lookup`;
const PLUGIN_SPAN = `${SPAN_PREFIX}plugin.execution`;
const UPSTREAM_SPAN = `${SPAN_PREFIX}upstream.request`;

/**
 * Span names and `type:name` signal labels are built once and reused: a string built per request
 * is a rope that the span encoder must flatten (an allocation and a copy) before it can read it.
 * Both come from the config, so the caches stay small; they stop growing past a bound all the same.
 */
const SIGNAL_SPAN_NAMES = new Map<string, string>();
const SIGNAL_LABELS = new Map<string, Map<string, string>>();
let signalLabelCount = 0;

function signalLabel(type: string, name: string): string {
  let byName = SIGNAL_LABELS.get(type);
  let label = byName?.get(name);
  if (label === undefined) {
    label = `${type}:${name}`;
    if (signalLabelCount < 4096) {
      if (!byName) {
        byName = new Map();
        SIGNAL_LABELS.set(type, byName);
      }
      byName.set(name, label);
      signalLabelCount++;
    }
  }
  return label;
}

/**
 * Which signals get a span of their own (all signals are always on `signal.evaluation`'s
 * attributes): `learned` the model-backed families (the ones outside core's pure signals, whose
 * latency is worth a span), `all` every signal, `none` no per-signal spans.
 */
export type SignalSpans = 'all' | 'learned' | 'none';

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
  /** Per-signal spans (`observability.tracing.signal_spans`); default `learned`. */
  readonly signalSpans?: SignalSpans;
  /**
   * `llm_model_latency_p{50,95,99}_windowed_seconds` (`observability.metrics.windowed_metrics`):
   * percentiles of recent completion latencies per model and time window, computed at scrape.
   */
  readonly windowedMetrics?: {
    /** Default `['1m', '5m', '15m', '1h', '24h']`. */
    readonly timeWindows?: readonly string[];
    /** Default 100. */
    readonly maxModels?: number;
    /** Default 10,000. */
    readonly maxSamples?: number;
    /** Milliseconds clock for sample times (default `performance.now()`). */
    readonly now?: () => number;
  };
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
  /**
   * The W3C headers that continue this request's trace under `request.received` (the caller's
   * unchanged without a tracer), for hosts that call upstream without an `upstream.request` span.
   */
  traceHeaders?(): Record<string, string>;
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
  /** Whether a tracer was given (spans are recorded and trace headers are worth sending). */
  readonly tracing?: boolean;
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
  traceHeaders(): Record<string, string> {
    return injectTraceContext(this.context, {});
  }
  end() {}
}

const NO_UPSTREAM_SPAN = { end() {} };

/**
 * Request telemetry when the sampler said no: the span is the SDK's non-recording span (it
 * carries the trace id and the not-sampled flag), nothing is recorded, and only the
 * `traceparent` goes upstream so the rest of the trace keeps the decision.
 */
class UnsampledRequest implements RequestTelemetry {
  #context: Context | undefined;
  constructor(
    private readonly parent: Context,
    private readonly span: Span,
    readonly requestId: string | undefined,
  ) {}
  get context(): Context {
    this.#context ??= trace.setSpan(this.parent, this.span);
    return this.#context;
  }
  startUpstream() {
    return { headers: this.traceHeaders(), end: NO_UPSTREAM_SPAN.end };
  }
  traceHeaders(): Record<string, string> {
    const spanContext = this.span.spanContext();
    // A foreign no-op tracer may hand back the invalid (all-zero) context: send nothing then.
    return spanContext.traceId === INVALID_TRACEID ? {} : writeTraceparent(spanContext, {});
  }
  end() {}
}

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

/** Request telemetry under a recording `request.received` span. */
class TracedRequest implements RequestTelemetry {
  #context: Context | undefined;
  #ended = false;
  constructor(
    private readonly tracer: Tracer,
    private readonly parent: Context,
    /** The recording `request.received` span. */
    readonly span: Span,
    readonly requestId: string | undefined,
  ) {}
  get context(): Context {
    this.#context ??= trace.setSpan(this.parent, this.span);
    return this.#context;
  }
  startUpstream(upstream: { readonly model: string; readonly url?: string }) {
    const span = this.tracer.startSpan(UPSTREAM_SPAN, { kind: SpanKind.CLIENT }, this.context);
    span.setAttribute('routing.selected_model', upstream.model);
    if (upstream.url) span.setAttribute('url.full', upstream.url);
    return {
      headers: writeTraceparent(span.spanContext(), {}),
      end: (result: { readonly status?: number; readonly error?: string }) => endSpan(span, result),
    };
  }
  traceHeaders(): Record<string, string> {
    return writeTraceparent(this.span.spanContext(), {});
  }
  end(result?: { readonly status?: number; readonly error?: string }) {
    if (this.#ended) return;
    this.#ended = true;
    endSpan(this.span, result);
  }
}

/** Span name of one signal's own span (the reference router's names for the security checks). */
function signalSpanName(type: string): string {
  let name = SIGNAL_SPAN_NAMES.get(type);
  if (name === undefined) {
    if (type === 'pii') name = `${SPAN_PREFIX}security.pii_detection`;
    else if (type === 'jailbreak') name = `${SPAN_PREFIX}security.jailbreak_detection`;
    else name = `${SPAN_PREFIX}signal.${type}`;
    if (SIGNAL_SPAN_NAMES.size < 1024) SIGNAL_SPAN_NAMES.set(type, name);
  }
  return name;
}

/**
 * Telemetry options from `global.services.observability`: `metrics.enabled`,
 * `metrics.windowed_metrics` and `tracing.signal_spans` (the tracer comes from `createTracing`).
 */
export function routerTelemetryOptionsFromConfig(
  config: RouterConfig,
): Pick<CreateRouterTelemetryOptions, 'metrics' | 'signalSpans' | 'windowedMetrics'> {
  const observability = config.global.services.observability;
  const windowed = observability?.metrics?.windowed_metrics;
  return {
    metrics: observability?.metrics?.enabled ?? true,
    signalSpans: observability?.tracing?.signal_spans ?? 'learned',
    ...(windowed?.enabled
      ? {
          windowedMetrics: {
            timeWindows: windowed.time_windows,
            maxModels: windowed.max_models,
            maxSamples: windowed.max_samples,
          },
        }
      : {}),
  };
}

export function createRouterTelemetry(options: CreateRouterTelemetryOptions = {}): RouterTelemetry {
  const metrics: RouterMetrics | undefined =
    options.metrics === false
      ? undefined
      : createRouterMetrics({
          ...(options.defaultLabels ? { prefixLabels: options.defaultLabels } : {}),
          windowed: options.windowedMetrics !== undefined,
        });
  const windowed =
    metrics && options.windowedMetrics
      ? new WindowedLatency({
          timeWindows: options.windowedMetrics.timeWindows ?? ['1m', '5m', '15m', '1h', '24h'],
          maxModels: options.windowedMetrics.maxModels ?? 100,
          maxSamples: options.windowedMetrics.maxSamples ?? 10_000,
          ...(options.windowedMetrics.now ? { now: options.windowedMetrics.now } : {}),
        })
      : undefined;
  const tracer = options.tracer;
  const signalSpans = options.signalSpans ?? 'learned';
  if (signalSpans !== 'all' && signalSpans !== 'learned' && signalSpans !== 'none')
    throw new TypeError(`signalSpans must be all, learned or none, got ${String(signalSpans)}`);
  const wantsOwnSpan = (type: string): boolean =>
    signalSpans === 'all' || (signalSpans === 'learned' && !CORE_SIGNAL_KINDS.has(type as never));
  const now = options.now ?? defaultNow;
  const config = options.config;

  function startRequest(input: Parameters<RouterTelemetry['startRequest']>[0] = {}): RequestTelemetry {
    // No tracer: still pass the caller's trace on upstream unchanged, parsed only when needed.
    if (!tracer) return new PassThroughRequest(input.headers, input.requestId);
    const parent = extractTraceContext(input.headers);
    // The sampler decides here, once per request; everything below follows this span.
    const span = tracer.startSpan(REQUEST_SPAN, REQUEST_SPAN_OPTIONS, parent);
    if (!span.isRecording()) return new UnsampledRequest(parent, span, input.requestId);
    if (input.requestId) span.setAttribute('request.id', input.requestId);
    if (input.path) span.setAttribute('url.path', input.path);
    return new TracedRequest(tracer, parent, span, input.requestId);
  }

  function recordMetrics(outcome: RouteOutcome, m: RouterMetrics): void {
    const explanation = outcome.explanation;
    const model = explanation.selectedModel ?? explanation.model ?? 'unknown';
    m.requests.inc([model]);
    m.routingLatency.observe(NO_LABELS, explanation.latencyMs / 1000);
    if (explanation.phases) m.decisionLatency.observe(NO_LABELS, explanation.phases.decisionMs / 1000);
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

  /**
   * The routing spans of one request, created after the fact from the explanation's measured
   * timings (no context switching while routing): `routing.decision` covering `route()`, with
   * `signal.evaluation`, `decision.evaluation`, `cache.lookup` and `plugin.execution` under it.
   * Every signal's name, status and latency are attributes of `signal.evaluation`; signals of
   * the kinds chosen by `signalSpans` also get a span of their own under it.
   */
  function recordSpans(outcome: RouteOutcome, parent: Context, t: Tracer): void {
    const explanation = outcome.explanation;
    const end = now();
    const start = end - explanation.latencyMs;
    const routing = t.startSpan(ROUTING_SPAN, { startTime: start }, parent);
    if (!routing.isRecording()) return;
    const cacheRan = explanation.plugins.includes('response_cache');
    const cacheHit = outcome.type === 'immediate' && outcome.reason === 'cache';
    routing.setAttribute('decision.name', explanation.decision ?? '');
    routing.setAttribute('decision.confidence', explanation.confidence);
    routing.setAttribute('routing.selected_model', explanation.selectedModel ?? '');
    routing.setAttribute('routing.model', explanation.model ?? '');
    routing.setAttribute('routing.recipe', explanation.recipe ?? '');
    routing.setAttribute('routing.passthrough', explanation.passthrough);
    routing.setAttribute('routing.response_path', outcome.type === 'upstream' ? 'upstream' : outcome.reason);
    if (explanation.plugins.length > 0)
      // The explanation is immutable once returned, so its arrays can be shared with the span.
      routing.setAttribute('routing.plugins', explanation.plugins as string[]);
    if (cacheRan) routing.setAttribute('cache.hit', cacheHit);
    if (outcome.type === 'immediate' && outcome.reason === 'error')
      routing.setStatus({ code: SpanStatusCode.ERROR, message: `router answered ${outcome.status}` });

    const phases = explanation.phases;
    if (phases) {
      const routingContext = trace.setSpan(parent, routing);
      const signalsStart = start + phases.signalsStartMs;
      const signalsEnd = signalsStart + phases.signalsMs;
      const signals = explanation.signals;
      if (signals.length > 0) recordSignalSpans(t, routingContext, signals, signalsStart, signalsEnd);
      const decision = t.startSpan(DECISION_SPAN, { startTime: signalsEnd }, routingContext);
      decision.setAttribute('decision.name', explanation.decision ?? '');
      decision.setAttribute('decision.matched_count', explanation.matchedDecisions.length);
      decision.setAttribute('decision.used_default_model', explanation.usedDefaultModel);
      const decisionEnd = signalsEnd + phases.decisionMs;
      decision.end(decisionEnd);
      let pluginsStart = decisionEnd;
      if (phases.cacheLookupStartMs !== undefined && phases.cacheLookupMs !== undefined) {
        const lookupStart = start + phases.cacheLookupStartMs;
        const lookup = t.startSpan(CACHE_SPAN, { startTime: lookupStart }, routingContext);
        lookup.setAttribute('cache.hit', cacheHit);
        pluginsStart = lookupStart + phases.cacheLookupMs;
        lookup.end(pluginsStart);
      }
      // The other plugins run between the decision (or cache lookup) and the end of routing.
      const otherPlugins = cacheRan
        ? explanation.plugins.filter((plugin) => plugin !== 'response_cache')
        : explanation.plugins;
      if (otherPlugins.length > 0) {
        const plugins = t.startSpan(PLUGIN_SPAN, { startTime: pluginsStart }, routingContext);
        plugins.setAttribute('plugin.types', otherPlugins as string[]);
        plugins.end(end);
      }
    }
    routing.end(end);
  }

  function recordSignalSpans(
    t: Tracer,
    routingContext: Context,
    signals: RouteOutcome['explanation']['signals'],
    signalsStart: number,
    signalsEnd: number,
  ): void {
    const evaluation = t.startSpan(SIGNAL_EVALUATION_SPAN, { startTime: signalsStart }, routingContext);
    const count = signals.length;
    const names = new Array<string>(count);
    const statuses = new Array<string>(count);
    const latencies = new Array<number>(count);
    const matched: string[] = [];
    let failed: string | undefined;
    let ownSpans = 0;
    for (let index = 0; index < count; index++) {
      const signal = signals[index]!;
      const name = signalLabel(signal.type, signal.name);
      names[index] = name;
      statuses[index] = signal.status;
      latencies[index] = signal.latencyMs;
      if (signal.status === 'matched') matched.push(name);
      else if (signal.status !== 'unmatched') failed ??= `${name} ${signal.error ?? signal.status}`;
      if (wantsOwnSpan(signal.type)) ownSpans++;
    }
    evaluation.setAttribute('signal.count', count);
    evaluation.setAttribute('signal.names', names);
    evaluation.setAttribute('signal.statuses', statuses);
    evaluation.setAttribute('signal.latencies_ms', latencies);
    evaluation.setAttribute('signal.matched', matched);
    if (failed) evaluation.setStatus({ code: SpanStatusCode.ERROR, message: failed });
    if (ownSpans > 0) {
      const evaluationContext = trace.setSpan(routingContext, evaluation);
      for (const signal of signals) {
        if (!wantsOwnSpan(signal.type)) continue;
        // Signals run concurrently from the start of extraction; each lasts its measured latency.
        const span = t.startSpan(signalSpanName(signal.type), { startTime: signalsStart }, evaluationContext);
        span.setAttribute('signal.type', signal.type);
        span.setAttribute('signal.name', signal.name);
        span.setAttribute('signal.status', signal.status);
        span.setAttribute('signal.confidence', signal.confidence);
        if (signal.labels?.length) span.setAttribute('signal.labels', signal.labels as string[]);
        if (signal.status === 'error' || signal.status === 'timeout')
          span.setStatus({ code: SpanStatusCode.ERROR, message: signal.error ?? signal.status });
        span.end(signalsStart + signal.latencyMs);
      }
    }
    evaluation.end(signalsEnd);
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
      if (!tracer) return;
      const request = recordOptions?.request;
      if (request instanceof TracedRequest) recordSpans(outcome, request.context, tracer);
      else if (request instanceof UnsampledRequest || request instanceof PassThroughRequest) return;
      // Without a request handle (or with a foreign one) the sampler decides on `routing.decision`.
      else recordSpans(outcome, request?.context ?? ROOT_CONTEXT, tracer);
    },
    recordResponse(input) {
      if (!metrics) return;
      const model = input.model;
      if (input.latencyMs !== undefined) {
        metrics.completionLatency.observe([model], input.latencyMs / 1000);
        windowed?.record(model, input.latencyMs / 1000);
      }
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
    tracing: tracer !== undefined,
    trackInFlight(delta) {
      metrics?.inFlight.add(NO_LABELS, delta);
    },
    metrics: async () => {
      if (!metrics) return '';
      if (windowed && metrics.windowed) {
        const gauges = metrics.windowed;
        gauges.p50.clear();
        gauges.p95.clear();
        gauges.p99.clear();
        gauges.requests.clear();
        for (const entry of windowed.snapshot()) {
          const labels = [entry.model, entry.timeWindow];
          gauges.p50.set(labels, entry.p50);
          gauges.p95.set(labels, entry.p95);
          gauges.p99.set(labels, entry.p99);
          gauges.requests.set(labels, entry.count);
        }
      }
      return metrics.registry.render();
    },
    metricsContentType: PROMETHEUS_CONTENT_TYPE,
    metricNames: () => describeMetrics().map((metric) => metric.name),
    describeMetrics,
  };
}
