/**
 * `createTracing()`: a tracer for {@link createRouterTelemetry}. Two pipelines:
 *
 * - `builtin` (the default with an OTLP endpoint): semroute's own span pipeline
 *   ({@link DirectTracer}), which encodes each span into OTLP protobuf when it ends and posts
 *   batches to an OTLP/HTTP collector. It needs no extra package and costs a fraction of the SDK
 *   per span (BENCHMARKS.md).
 * - `sdk` (the default when a span `exporter` instance is passed): `@opentelemetry/sdk-trace-base`
 *   with a batch or simple span processor and, for OTLP, `@opentelemetry/exporter-trace-otlp-http`
 *   (OTLP/HTTP JSON). Both are imported lazily (install them in the host:
 *   `pnpm add @opentelemetry/sdk-trace-base @opentelemetry/exporter-trace-otlp-http @opentelemetry/resources`).
 *
 * Nothing is registered globally. Without an exporter it resolves no tracer, so tracing costs
 * nothing.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Tracer } from '@opentelemetry/api';
import { DependencyNotInstalledError, type RouterConfig } from '@semroute/core';
import { DirectTracer, defaultResourceAttributes, OtlpSpanQueue } from './direct-tracer.js';
import { ParentOrRatioSampler, PooledIdGenerator } from './fast-sampling.js';

/** Lazily imported packages and the ranges this package is tested with. */
export const TRACING_DEPENDENCIES = {
  '@opentelemetry/sdk-trace-base': '^2.12.1',
  '@opentelemetry/exporter-trace-otlp-http': '^0.223.1',
  '@opentelemetry/resources': '^2.12.1',
} as const;

/** The structural surface of an OpenTelemetry `SpanExporter` (e.g. `InMemorySpanExporter`). */
export interface SpanExporterLike {
  export(spans: unknown[], resultCallback: (result: { code: number; error?: Error }) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export interface CreateTracingOptions {
  /** OTLP/HTTP traces endpoint, e.g. `http://jaeger:4318/v1/traces`. */
  readonly otlpEndpoint?: string;
  /**
   * `builtin` (default for `otlpEndpoint`): semroute's span pipeline, OTLP/HTTP protobuf, no extra
   * packages. `sdk`: the OpenTelemetry SDK and its OTLP/HTTP JSON exporter (lazily imported), for
   * hosts that rely on SDK behaviour. Passing `exporter` always uses the SDK.
   */
  readonly pipeline?: 'builtin' | 'sdk';
  /** Extra headers on every OTLP request (e.g. `authorization` for a hosted collector). */
  readonly headers?: Readonly<Record<string, string>>;
  /** A span exporter instance instead of OTLP (tests pass an `InMemorySpanExporter`); uses the SDK. */
  readonly exporter?: SpanExporterLike;
  /** SDK pipeline only: `batch` (default with OTLP) or `simple` (default with `exporter`). */
  readonly processor?: 'batch' | 'simple';
  /**
   * `always_on` (default), `always_off`, or `probabilistic` with `rate` (default 0.1) for new
   * traces; a request with a parent always follows the parent's decision.
   */
  readonly sampling?: { readonly type: 'always_on' | 'always_off' | 'probabilistic'; readonly rate?: number };
  readonly serviceName?: string;
  /**
   * Export batching, both pipelines. The SDK's defaults (queue 2048, batches of 512 every 5 s, one
   * export at a time) drop most spans at router rates (thousands of requests per second, several
   * spans each), so the defaults here are a 16,384-span queue exported in batches of 2,048 every
   * 500 ms. Dropped spans are reported through the OpenTelemetry `diag` logger
   * (`Dropped N spans ...`).
   */
  readonly batch?: {
    readonly maxQueueSize?: number;
    readonly maxExportBatchSize?: number;
    readonly scheduledDelayMillis?: number;
  };
  /** Loads a lazily imported package by name (default: dynamic `import()`); for bundlers and tests. */
  readonly importModule?: (name: keyof typeof TRACING_DEPENDENCIES) => Promise<unknown>;
}

export interface Tracing {
  /** Undefined when tracing is off. */
  readonly tracer: Tracer | undefined;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

type SdkModule = typeof import('@opentelemetry/sdk-trace-base');

function defaultImport(name: keyof typeof TRACING_DEPENDENCIES): Promise<unknown> {
  // Literal specifiers so bundlers can see them.
  if (name === '@opentelemetry/sdk-trace-base') return import('@opentelemetry/sdk-trace-base');
  if (name === '@opentelemetry/resources') return import('@opentelemetry/resources');
  return import('@opentelemetry/exporter-trace-otlp-http');
}

async function importLib<T>(
  name: keyof typeof TRACING_DEPENDENCIES,
  load: (name: keyof typeof TRACING_DEPENDENCIES) => Promise<unknown>,
): Promise<T> {
  try {
    return (await load(name)) as T;
  } catch (error) {
    throw new DependencyNotInstalledError({
      message: `tracing needs ${name}: pnpm add ${name}@${TRACING_DEPENDENCIES[name]}`,
      packageName: name,
      cause: error,
    });
  }
}

/** Batch span processor defaults sized for router throughput (see {@link CreateTracingOptions.batch}). */
export const BATCH_DEFAULTS = {
  maxQueueSize: 16_384,
  maxExportBatchSize: 2048,
  scheduledDelayMillis: 500,
} as const;

const OFF: Tracing = { tracer: undefined, forceFlush: async () => {}, shutdown: async () => {} };

/** Tracing options from `global.services.observability.tracing`. */
export function tracingOptionsFromConfig(config: RouterConfig): CreateTracingOptions | undefined {
  const tracing = config.global.services.observability?.tracing;
  if (!tracing?.enabled || !tracing.exporter?.endpoint) return undefined;
  let endpoint = tracing.exporter.endpoint;
  if (!/^https?:\/\//.test(endpoint))
    endpoint = `${tracing.exporter.insecure === false ? 'https' : 'http'}://${endpoint}`;
  return {
    otlpEndpoint: endpoint,
    pipeline: tracing.pipeline,
    ...(tracing.sampling
      ? {
          sampling: {
            type: tracing.sampling.type,
            ...(tracing.sampling.rate !== undefined ? { rate: tracing.sampling.rate } : {}),
          },
        }
      : {}),
    serviceName: tracing.service_name ?? 'semroute',
  };
}

/** This package's version, for the `telemetry.sdk.version` resource attribute. */
function packageVersion(): string {
  // From src/telemetry/ or dist/: the first package.json upwards is this package's.
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === '@semroute/server' && manifest.version) return manifest.version;
    } catch {
      // Not there from this layout: try the next.
    }
  }
  return 'unknown';
}

function samplingRate(options: CreateTracingOptions): number {
  const sampling = options.sampling ?? { type: 'always_on' };
  return sampling.type === 'always_off' ? 0 : sampling.type === 'probabilistic' ? (sampling.rate ?? 0.1) : 1;
}

function createBuiltinTracing(options: CreateTracingOptions & { readonly otlpEndpoint: string }): Tracing {
  const version = packageVersion();
  const queue = new OtlpSpanQueue({
    endpoint: options.otlpEndpoint,
    ...(options.headers ? { headers: options.headers } : {}),
    resource: defaultResourceAttributes(options.serviceName ?? 'semroute', version),
    scope: { name: 'semroute', version },
    maxQueueSize: options.batch?.maxQueueSize ?? BATCH_DEFAULTS.maxQueueSize,
    maxExportBatchSize: options.batch?.maxExportBatchSize ?? BATCH_DEFAULTS.maxExportBatchSize,
    scheduledDelayMillis: options.batch?.scheduledDelayMillis ?? BATCH_DEFAULTS.scheduledDelayMillis,
  });
  const tracer = new DirectTracer({ sink: queue, samplingRate: samplingRate(options) });
  return { tracer, forceFlush: () => queue.forceFlush(), shutdown: () => queue.shutdown() };
}

export async function createTracing(options: CreateTracingOptions = {}): Promise<Tracing> {
  if (!options.exporter && !options.otlpEndpoint) return OFF;
  if (options.pipeline !== undefined && options.pipeline !== 'builtin' && options.pipeline !== 'sdk')
    throw new TypeError(`tracing pipeline must be builtin or sdk, got ${String(options.pipeline)}`);
  if (!options.exporter && options.pipeline !== 'sdk')
    return createBuiltinTracing({ ...options, otlpEndpoint: options.otlpEndpoint! });
  const load = options.importModule ?? defaultImport;
  const sdk = await importLib<SdkModule>('@opentelemetry/sdk-trace-base', load);
  let exporter = options.exporter;
  if (!exporter) {
    const otlp = await importLib<typeof import('@opentelemetry/exporter-trace-otlp-http')>(
      '@opentelemetry/exporter-trace-otlp-http',
      load,
    );
    exporter = new otlp.OTLPTraceExporter({
      url: options.otlpEndpoint!,
      ...(options.headers ? { headers: { ...options.headers } } : {}),
    }) as unknown as SpanExporterLike;
  }
  const rate = samplingRate(options);
  const processorKind = options.processor ?? (options.exporter ? 'simple' : 'batch');
  const spanExporter = exporter as unknown as ConstructorParameters<SdkModule['SimpleSpanProcessor']>[0];
  const processor =
    processorKind === 'simple'
      ? new sdk.SimpleSpanProcessor(spanExporter)
      : new sdk.BatchSpanProcessor(spanExporter, {
          maxQueueSize: options.batch?.maxQueueSize ?? BATCH_DEFAULTS.maxQueueSize,
          maxExportBatchSize: options.batch?.maxExportBatchSize ?? BATCH_DEFAULTS.maxExportBatchSize,
          scheduledDelayMillis: options.batch?.scheduledDelayMillis ?? BATCH_DEFAULTS.scheduledDelayMillis,
        });
  const resources = await importLib<typeof import('@opentelemetry/resources')>(
    '@opentelemetry/resources',
    load,
  );
  const serviceName = options.serviceName ?? 'semroute';
  const provider = new sdk.BasicTracerProvider({
    // service.name identifies the router in every trace backend; without it spans arrive as
    // unknown_service.
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes({ 'service.name': serviceName })),
    sampler: new ParentOrRatioSampler(rate),
    idGenerator: new PooledIdGenerator(),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('semroute');
  return {
    tracer,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
