import { DependencyNotInstalledError, parseRouterConfig } from '@semroute/core';
import { describe, expect, it } from 'vitest';
import { configText } from '../../test/fixtures.js';
import { createTracing, TRACING_DEPENDENCIES, tracingOptionsFromConfig } from './create-tracing.js';

describe('createTracing', () => {
  it('is off (no tracer, nothing imported) without an exporter or endpoint', async () => {
    const tracing = await createTracing();
    expect(tracing.tracer).toBeUndefined();
    await tracing.shutdown();
  });

  it('builds an OTLP tracer lazily without contacting the endpoint until spans exist', async () => {
    const tracing = await createTracing({
      otlpEndpoint: 'http://127.0.0.1:1/v1/traces',
      serviceName: 'test',
    });
    expect(tracing.tracer).toBeDefined();
    await tracing.shutdown();
  });

  it('throws an install hint when the SDK cannot be imported', async () => {
    const error = await createTracing({
      otlpEndpoint: 'http://127.0.0.1:1/v1/traces',
      importModule: async (name) => {
        if (name === '@opentelemetry/exporter-trace-otlp-http')
          throw new Error(`Cannot find package '${name}'`);
        return import('@opentelemetry/sdk-trace-base');
      },
    }).catch((caught: unknown) => caught);
    expect(DependencyNotInstalledError.isInstance(error)).toBe(true);
    expect((error as DependencyNotInstalledError).packageName).toBe(
      '@opentelemetry/exporter-trace-otlp-http',
    );
    expect((error as Error).message).toContain('pnpm add @opentelemetry/exporter-trace-otlp-http@');
    expect(Object.keys(TRACING_DEPENDENCIES)).toEqual([
      '@opentelemetry/sdk-trace-base',
      '@opentelemetry/exporter-trace-otlp-http',
    ]);
  });

  it('reads global.services.observability.tracing', () => {
    const off = parseRouterConfig(configText()).config;
    expect(tracingOptionsFromConfig(off)).toBeUndefined();
    const on = parseRouterConfig(
      configText({
        extra: `  services:
    observability:
      tracing:
        enabled: true
        exporter: {type: otlp, endpoint: "jaeger:4318/v1/traces"}
        sampling: {type: probabilistic, rate: 0.25}
`,
      }),
    ).config;
    expect(tracingOptionsFromConfig(on)).toEqual({
      otlpEndpoint: 'http://jaeger:4318/v1/traces',
      sampling: { type: 'probabilistic', rate: 0.25 },
      serviceName: 'semroute',
    });
  });
});
