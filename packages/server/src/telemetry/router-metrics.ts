/**
 * The router's Prometheus instruments, with the reference router's metric names so existing
 * dashboards work. Backed by {@link MetricsRegistry} (one per telemetry instance, never global):
 * recording is several times cheaper than prom-client or @opentelemetry/sdk-metrics, which is
 * what keeps telemetry inside the routing overhead budget (see BENCHMARKS.md).
 *
 * @module
 */
import { MetricsRegistry } from './metrics-registry.js';

/** Latency buckets for in-router work (routing, signals, cache), seconds. */
export const ROUTER_LATENCY_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];
/** Latency buckets for upstream model calls, seconds. */
export const MODEL_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createRouterMetrics(
  options: { readonly prefixLabels?: Readonly<Record<string, string>>; readonly windowed?: boolean } = {},
) {
  const registry = new MetricsRegistry(options.prefixLabels ? { defaultLabels: options.prefixLabels } : {});
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    registry.counter(name, help, labelNames);
  const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
    registry.histogram(name, help, labelNames, buckets);

  return {
    registry,
    requests: counter('llm_model_requests_total', 'Requests routed, by selected model', ['model']),
    requestErrors: counter('llm_request_errors_total', 'Failed requests, by model and reason', [
      'model',
      'reason',
    ]),
    routingModifications: counter(
      'llm_model_routing_modifications_total',
      'Requests whose model was changed by routing',
      ['source_model', 'target_model'],
    ),
    promptTokens: counter('llm_model_prompt_tokens_total', 'Prompt tokens reported by upstream', ['model']),
    completionTokens: counter('llm_model_completion_tokens_total', 'Completion tokens reported by upstream', [
      'model',
    ]),
    tokens: counter('llm_model_tokens_total', 'Total tokens reported by upstream', ['model']),
    cost: counter('llm_model_cost_total', 'Cost from configured pricing', ['model', 'currency']),
    completionLatency: histogram(
      'llm_model_completion_latency_seconds',
      'Upstream completion latency',
      ['model'],
      MODEL_LATENCY_BUCKETS,
    ),
    ttft: histogram('llm_model_ttft_seconds', 'Time to first token', ['model'], MODEL_LATENCY_BUCKETS),
    tpot: histogram(
      'llm_model_tpot_seconds',
      'Time per output token',
      ['model'],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    ),
    routingLatency: histogram(
      'llm_model_routing_latency_seconds',
      'Time spent routing one request',
      [],
      ROUTER_LATENCY_BUCKETS,
    ),
    signalLatency: histogram(
      'llm_signal_extraction_latency_seconds',
      'Signal extraction latency',
      ['signal_type'],
      ROUTER_LATENCY_BUCKETS,
    ),
    decisionLatency: histogram(
      'llm_decision_evaluation_latency_seconds',
      'Decision rule evaluation latency (after signals)',
      [],
      ROUTER_LATENCY_BUCKETS,
    ),
    signalMatches: counter('llm_signal_match_total', 'Signals that matched', ['signal_type', 'signal_name']),
    signalErrors: counter('llm_signal_errors_total', 'Signals that failed or timed out', [
      'signal_type',
      'status',
    ]),
    decisionMatches: counter('llm_decision_match_total', 'Requests by matched decision', [
      'decision',
      'recipe',
    ]),
    classificationConfidence: histogram(
      'llm_classification_confidence',
      'Confidence of the matched decision',
      ['decision'],
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1],
    ),
    pluginExecutions: counter('llm_plugin_execution_total', 'Request plugins applied', ['plugin_type']),
    pluginErrors: counter('llm_plugin_execution_errors_total', 'Request plugins that failed', [
      'plugin_type',
    ]),
    piiViolations: counter('llm_pii_violations_total', 'Requests with detected PII', ['model', 'pii_type']),
    jailbreaks: counter('llm_jailbreak_detections_total', 'Requests flagged as jailbreak attempts', [
      'decision',
    ]),
    reasoningDecisions: counter('llm_reasoning_decisions_total', 'Routing decisions by reasoning mode', [
      'model',
      'enabled',
      'effort',
    ]),
    responsePaths: counter('llm_router_responses_total', 'Routed requests by response path', ['path']),
    contextTokens: histogram(
      'llm_context_token_count',
      'Estimated prompt tokens per request',
      [],
      [64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072],
    ),
    cacheHits: counter('llm_cache_hits_total', 'Response cache hits', ['kind']),
    cacheMisses: counter('llm_cache_misses_total', 'Response cache misses'),
    cacheOperations: counter(
      'llm_cache_operations_total',
      'Cache operations by backend, operation and status',
      ['backend', 'operation', 'status'],
    ),
    cacheOperationLatency: histogram(
      'llm_cache_operation_duration_seconds',
      'Cache operation latency',
      ['backend', 'operation'],
      ROUTER_LATENCY_BUCKETS,
    ),
    batchRequests: counter('batch_classification_requests_total', 'Batch classification requests', ['task']),
    batchTexts: counter('batch_classification_texts_total', 'Texts classified through the batch API', [
      'task',
    ]),
    batchLatency: histogram(
      'batch_classification_duration_seconds',
      'Batch classification latency',
      ['task'],
      MODEL_LATENCY_BUCKETS,
    ),
    configReloads: counter('semroute_config_reloads_total', 'Config activations and rejections', [
      'result',
      'source',
    ]),
    configGeneration: registry.gauge('semroute_config_generation', 'Generation of the active router'),
    inFlight: registry.gauge('semroute_requests_in_flight', 'Requests being routed now'),
    /** Registered only with `windowed: true` (`observability.metrics.windowed_metrics.enabled`). */
    windowed: options.windowed
      ? {
          p50: registry.gauge(
            'llm_model_latency_p50_windowed_seconds',
            'P50 upstream completion latency by model and time window',
            ['model', 'time_window'],
          ),
          p95: registry.gauge(
            'llm_model_latency_p95_windowed_seconds',
            'P95 upstream completion latency by model and time window',
            ['model', 'time_window'],
          ),
          p99: registry.gauge(
            'llm_model_latency_p99_windowed_seconds',
            'P99 upstream completion latency by model and time window',
            ['model', 'time_window'],
          ),
          requests: registry.gauge(
            'llm_model_requests_windowed_total',
            'Completions retained in the bounded window, by model and time window (gauge)',
            ['model', 'time_window'],
          ),
        }
      : undefined,
  };
}

export type RouterMetrics = ReturnType<typeof createRouterMetrics>;
