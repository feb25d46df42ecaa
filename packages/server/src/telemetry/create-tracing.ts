/**
 * `createTracing()`: a tracer for {@link createRouterTelemetry}, built on
 * `@opentelemetry/sdk-trace-base` and, when an OTLP endpoint is configured,
 * `@opentelemetry/exporter-trace-otlp-http`. Both are imported lazily (install them in the host:
 * `pnpm add @opentelemetry/sdk-trace-base @opentelemetry/exporter-trace-otlp-http`); nothing is
 * registered globally. Without an exporter it resolves no tracer, so tracing costs nothing.
 *
 * @module
 */
import type { Tracer } from '@opentelemetry/api';
import { DependencyNotInstalledError, type RouterConfig } from '@semroute/core';
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
  /** A span exporter instance instead of OTLP (tests pass an `InMemorySpanExporter`). */
  readonly exporter?: SpanExporterLike;
  /** `batch` (default with OTLP) or `simple` (default with `exporter`). */
  readonly processor?: 'batch' | 'simple';
  /**
   * `always_on` (default), `always_off`, or `probabilistic` with `rate` (default 0.1) for new
   * traces; a request with a parent always follows the parent's decision.
   */
  readonly sampling?: { readonly type: 'always_on' | 'always_off' | 'probabilistic'; readonly rate?: number };
  readonly serviceName?: string;
  /**
   * Batch span processor limits. The SDK's defaults (queue 2048, batches of 512 every 5 s, one
   * export at a time) drop most spans at router rates (thousands of requests per second, several
   * spans each), so the defaults here are a 16,384-span queue exported in batches of 2,048 every
   * 500 ms. Dropped spans are reported through the OpenTelemetry `diag` logger.
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

export async function createTracing(options: CreateTracingOptions = {}): Promise<Tracing> {
  if (!options.exporter && !options.otlpEndpoint) return OFF;
  const load = options.importModule ?? defaultImport;
  const sdk = await importLib<SdkModule>('@opentelemetry/sdk-trace-base', load);
  let exporter = options.exporter;
  if (!exporter) {
    const otlp = await importLib<typeof import('@opentelemetry/exporter-trace-otlp-http')>(
      '@opentelemetry/exporter-trace-otlp-http',
      load,
    );
    exporter = new otlp.OTLPTraceExporter({ url: options.otlpEndpoint! }) as unknown as SpanExporterLike;
  }
  const sampling = options.sampling ?? { type: 'always_on' };
  const rate =
    sampling.type === 'always_off' ? 0 : sampling.type === 'probabilistic' ? (sampling.rate ?? 0.1) : 1;
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
