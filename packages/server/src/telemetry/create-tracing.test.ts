import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DependencyNotInstalledError, parseRouterConfig } from '@semroute/core';
import { describe, expect, it } from 'vitest';
import { chat, configText, routerFor } from '../../test/fixtures.js';
import { decodedSpans, decodeTraceRequest } from '../../test/otlp-protobuf.js';
import { createRouterTelemetry } from './create-router-telemetry.js';
import { createTracing, TRACING_DEPENDENCIES, tracingOptionsFromConfig } from './create-tracing.js';

/** A local OTLP/HTTP collector stand-in: what it received (OTLP/JSON or protobuf), by path. */
async function collector() {
  const bodies: {
    path: string;
    contentType: string | undefined;
    spanNames: string[];
    serviceNames: (string | undefined)[];
  }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = request.headers['content-type'];
      if (contentType === 'application/x-protobuf') {
        const decoded = decodeTraceRequest(body);
        bodies.push({
          path: request.url ?? '',
          contentType,
          spanNames: decodedSpans(decoded).map((span) => span.name),
          serviceNames: decoded.resourceSpans.map((resource) => resource.resource['service.name'] as string),
        });
      } else {
        const json = JSON.parse(body.toString('utf8')) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: { name: string }[] }[];
          }[];
        };
        bodies.push({
          path: request.url ?? '',
          contentType,
          spanNames: json.resourceSpans.flatMap((resource) =>
            resource.scopeSpans.flatMap((scope) => scope.spans.map((span) => span.name)),
          ),
          serviceNames: json.resourceSpans.map(
            (resource) =>
              resource.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value
                .stringValue,
          ),
        });
      }
      response.writeHead(200, { 'content-type': contentType ?? 'application/json' });
      response.end(contentType === 'application/x-protobuf' ? '' : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const atPath = (path: string) => bodies.filter((entry) => entry.path === path);
  return {
    url,
    spanNames: (path: string) => atPath(path).flatMap((entry) => entry.spanNames),
    serviceNames: (path: string) => atPath(path).flatMap((entry) => entry.serviceNames),
    contentTypes: (path: string) => new Set(atPath(path).map((entry) => entry.contentType)),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

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

  it.each([
    ['builtin', 'application/x-protobuf'],
    ['sdk', 'application/json'],
  ] as const)('exports sampled requests over OTLP/HTTP and nothing for unsampled ones (%s pipeline)', async (pipeline, contentType) => {
    const sink = await collector();
    const router = await routerFor(configText());
    const always = await createTracing({
      otlpEndpoint: `${sink.url}/always/v1/traces`,
      serviceName: 'router-under-test',
      pipeline,
    });
    const never = await createTracing({
      otlpEndpoint: `${sink.url}/never/v1/traces`,
      sampling: { type: 'probabilistic', rate: 0 },
      pipeline,
    });
    for (const tracing of [always, never]) {
      const telemetry = createRouterTelemetry({ tracer: tracing.tracer!, metrics: false });
      for (let index = 0; index < 3; index++) {
        const request = telemetry.startRequest({});
        telemetry.recordRoute(await router.route(chat('an integral')), { request });
        request.startUpstream({ model: 'math-expert' }).end({ status: 200 });
        request.end({ status: 200 });
      }
      await tracing.forceFlush();
    }
    const names = sink.spanNames('/always/v1/traces');
    expect(names.filter((name) => name === 'semantic_router.request.received')).toHaveLength(3);
    expect(names.filter((name) => name === 'semantic_router.upstream.request')).toHaveLength(3);
    expect(names.filter((name) => name === 'semantic_router.signal.evaluation')).toHaveLength(3);
    expect(sink.spanNames('/never/v1/traces')).toEqual([]);
    expect(sink.contentTypes('/always/v1/traces')).toEqual(new Set([contentType]));
    // The configured service name is the resource's service.name, as trace backends index it.
    expect(new Set(sink.serviceNames('/always/v1/traces'))).toEqual(new Set(['router-under-test']));
    await always.shutdown();
    await never.shutdown();
    await router.close();
    await sink.close();
  });

  it('needs none of the lazily imported SDK packages for the builtin pipeline', async () => {
    const tried: string[] = [];
    const tracing = await createTracing({
      otlpEndpoint: 'http://127.0.0.1:9/v1/traces',
      importModule: async (name) => {
        tried.push(name);
        throw new Error(`Cannot find package '${name}'`);
      },
    });
    expect(tracing.tracer).toBeDefined();
    expect(tried).toEqual([]);
    await tracing.shutdown();
    await expect(
      createTracing({ otlpEndpoint: 'http://127.0.0.1:9/v1/traces', pipeline: 'grpc' as never }),
    ).rejects.toThrow(/builtin or sdk/);
  });

  it('throws an install hint when the SDK cannot be imported', async () => {
    const error = await createTracing({
      otlpEndpoint: 'http://127.0.0.1:1/v1/traces',
      pipeline: 'sdk',
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
      '@opentelemetry/resources',
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
      pipeline: 'builtin',
      sampling: { type: 'probabilistic', rate: 0.25 },
      serviceName: 'semroute',
    });
    const sdk = parseRouterConfig(
      configText({
        extra: `  services:
    observability:
      tracing:
        enabled: true
        pipeline: sdk
        exporter: {endpoint: "https://collector.example:4318/v1/traces"}
`,
      }),
    ).config;
    expect(tracingOptionsFromConfig(sdk)).toMatchObject({
      otlpEndpoint: 'https://collector.example:4318/v1/traces',
      pipeline: 'sdk',
    });
    expect(() =>
      parseRouterConfig(
        configText({
          extra: `  services:
    observability:
      tracing: {enabled: true, pipeline: zipkin}
`,
        }),
      ),
    ).toThrow(/global\.services\.observability\.tracing\.pipeline/);
  });
});
