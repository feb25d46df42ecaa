/**
 * Compares Prometheus backends for the router's metrics: prom-client (own Registry),
 * @opentelemetry/sdk-metrics with the Prometheus exporter's serializer, and this package's
 * MetricsRegistry (bound label sets). Records the same set of
 * instruments per routed request (1 counter + 1 histogram + 4 signal histograms + 1 decision
 * counter) and measures record throughput and scrape (serialise) time.
 *
 * Prints one JSON line per scenario: name, p50 (µs), p99 (µs), throughput (ops/s).
 */
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Counter, Histogram, Registry } from 'prom-client';
import { MetricsRegistry } from '../src/telemetry/metrics-registry.js';

const SIGNALS = ['keyword', 'context', 'domain', 'embedding'];
const MODELS = ['math-expert', 'law-expert', 'general-expert'];
const DECISIONS = ['math', 'law', 'general'];
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Backend {
  record(index: number): void;
  scrape(): Promise<string>;
}

function promClientBackend(): Backend {
  const registry = new Registry();
  const requests = new Counter({
    name: 'llm_model_requests_total',
    help: 'h',
    labelNames: ['model'],
    registers: [registry],
  });
  const routing = new Histogram({
    name: 'llm_model_routing_latency_seconds',
    help: 'h',
    buckets: BUCKETS,
    registers: [registry],
  });
  const signal = new Histogram({
    name: 'llm_signal_extraction_latency_seconds',
    help: 'h',
    labelNames: ['signal_type'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const decision = new Counter({
    name: 'llm_decision_match_total',
    help: 'h',
    labelNames: ['decision'],
    registers: [registry],
  });
  return {
    record(index) {
      requests.inc({ model: MODELS[index % 3]! });
      routing.observe(0.00002 * (index % 50));
      for (const type of SIGNALS) signal.observe({ signal_type: type }, 0.00001 * (index % 7));
      decision.inc({ decision: DECISIONS[index % 3]! });
    },
    scrape: () => registry.metrics(),
  };
}

class PullReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush() {}
  protected override async onShutdown() {}
}

function otelBackend(): Backend {
  const reader = new PullReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('semroute');
  const requests = meter.createCounter('llm_model_requests_total');
  const routing = meter.createHistogram('llm_model_routing_latency_seconds', {
    advice: { explicitBucketBoundaries: BUCKETS },
  });
  const signal = meter.createHistogram('llm_signal_extraction_latency_seconds', {
    advice: { explicitBucketBoundaries: BUCKETS },
  });
  const decision = meter.createCounter('llm_decision_match_total');
  const serializer = new PrometheusSerializer();
  return {
    record(index) {
      requests.add(1, { model: MODELS[index % 3]! });
      routing.record(0.00002 * (index % 50));
      for (const type of SIGNALS) signal.record(0.00001 * (index % 7), { signal_type: type });
      decision.add(1, { decision: DECISIONS[index % 3]! });
    },
    async scrape() {
      const { resourceMetrics } = await reader.collect();
      return serializer.serialize(resourceMetrics);
    },
  };
}

function semrouteBackend(): Backend {
  const registry = new MetricsRegistry();
  const requests = registry.counter('llm_model_requests_total', 'h', ['model']);
  const routing = registry.histogram('llm_model_routing_latency_seconds', 'h', [], BUCKETS);
  const signal = registry.histogram('llm_signal_extraction_latency_seconds', 'h', ['signal_type'], BUCKETS);
  const decision = registry.counter('llm_decision_match_total', 'h', ['decision']);
  const none: string[] = [];
  return {
    record(index) {
      requests.inc([MODELS[index % 3]!]);
      routing.observe(none, 0.00002 * (index % 50));
      for (const type of SIGNALS) signal.observe([type], 0.00001 * (index % 7));
      decision.inc([DECISIONS[index % 3]!]);
    },
    scrape: async () => registry.render(),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(name: string, backend: Backend) {
  const batches = 200;
  const perBatch = 500;
  for (let index = 0; index < 20_000; index++) backend.record(index); // warm-up
  const samples: number[] = [];
  const started = performance.now();
  for (let batch = 0; batch < batches; batch++) {
    const t0 = performance.now();
    for (let index = 0; index < perBatch; index++) backend.record(index);
    samples.push(((performance.now() - t0) * 1000) / perBatch);
  }
  const elapsed = performance.now() - started;
  samples.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      name: `${name}: record one routed request (7 instruments)`,
      p50: +percentile(samples, 50).toFixed(3),
      p99: +percentile(samples, 99).toFixed(3),
      throughput: Math.round((batches * perBatch) / (elapsed / 1000)),
    }),
  );
  const scrapes: number[] = [];
  await backend.scrape();
  const scrapeStart = performance.now();
  for (let index = 0; index < 200; index++) {
    const t0 = performance.now();
    await backend.scrape();
    scrapes.push((performance.now() - t0) * 1000);
  }
  const scrapeElapsed = performance.now() - scrapeStart;
  scrapes.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      name: `${name}: scrape /metrics text`,
      p50: +percentile(scrapes, 50).toFixed(1),
      p99: +percentile(scrapes, 99).toFixed(1),
      throughput: Math.round(200 / (scrapeElapsed / 1000)),
    }),
  );
}

await run('prom-client', promClientBackend());
await run('otel-sdk-metrics+prometheus-serializer', otelBackend());
await run('semroute MetricsRegistry', semrouteBackend());
