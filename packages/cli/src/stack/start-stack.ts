/**
 * Starts every listener a config asks for, around one hot-reloadable router:
 * the HTTP proxy (8801), the Envoy ExtProc server (50051), the management API (8080) and
 * Prometheus metrics (9190). A port of 0 turns a listener off. This is `semroute serve`;
 * `semroute start` adds the simulated backend in front of it.
 *
 * @module
 */
import { resolve } from 'node:path';
import {
  createRouter,
  DEFAULT_PORTS,
  type Logger,
  type ParsedRouterConfig,
  type ResponseCacheV1,
  type RouteOutcome,
  type Router,
} from '@semroute/core';
import type { CliIo } from '../cli-io.js';
import { loadConfigFile } from '../load-config.js';
import { loadSignalProviders } from '../signal-providers.js';

export interface StackOptions {
  readonly configPath: string;
  readonly io: CliIo;
  /** HTTP proxy port (default 8801; 0 = off). */
  readonly httpPort?: number;
  /** ExtProc gRPC port (default 50051; 0 = off). */
  readonly extprocPort?: number;
  /** Management API port (default from config or 8080; 0 = off). */
  readonly apiPort?: number;
  /** Metrics port (default from config or 9190; 0 = off). */
  readonly metricsPort?: number;
  /** Interface for the HTTP proxy and ExtProc listeners (default 0.0.0.0 for ExtProc, 127.0.0.1 for HTTP). */
  readonly host?: string;
  /** Watch the config file and hot-reload it (default true). */
  readonly watch?: boolean;
  /** Logger override (default: JSON logs from the config's observability settings). */
  readonly logger?: Logger;
}

export interface RunningStack {
  readonly httpUrl: string | undefined;
  readonly extprocAddress: string | undefined;
  readonly apiUrl: string | undefined;
  readonly metricsUrl: string | undefined;
  readonly router: Router;
  /** Drains every listener (up to `graceMs`), then closes the router and telemetry. */
  close(graceMs?: number): Promise<void>;
}

/** Resolves a port flag: undefined → default, 0 → off. */
function portOf(value: number | undefined, fallback: number): number | undefined {
  const port = value ?? fallback;
  return port === 0 ? undefined : port;
}

async function buildResponseCache(
  parsed: ParsedRouterConfig,
  io: CliIo,
): Promise<ResponseCacheV1 | undefined> {
  const store = parsed.config.global.stores.response_cache;
  const routing = [parsed.config.routing, ...parsed.config.recipes.map((recipe) => recipe.routing)];
  const plugins = routing
    .flatMap((block) => block.decisions.flatMap((decision) => decision.plugins))
    .filter((plugin) => plugin.type === 'response_cache');
  if (!store?.enabled || plugins.length === 0) return undefined;
  const cache = await import('@semroute/cache');
  const semantic = plugins.some(
    (plugin) => plugin.type === 'response_cache' && plugin.configuration.mode !== 'exact',
  );
  let embedder: import('@semroute/core').EmbeddingBackendV1 | undefined;
  if (semantic) {
    const classifiers = await import('@semroute/classifiers');
    const catalog = parsed.config.global.model_catalog;
    const modelsDir = resolve(io.cwd, catalog.models_dir ?? io.env.SEMROUTE_MODELS_DIR ?? 'models');
    const loader = classifiers.createModelLoader({
      modelsDir,
      backend: catalog.backend === 'wasm' ? 'wasm' : 'onnx',
    });
    embedder = (
      await loader.loadEmbedder({ model: store.embedding_model ?? classifiers.DEFAULT_MODEL_IDS.embedding })
    ).backend;
  }
  return cache.createResponseCacheFromConfig({ config: store, ...(embedder ? { embedder } : {}) });
}

/** Wraps a router so every outcome is recorded by telemetry (metrics and spans). */
function recordingRouter(
  router: Router,
  record: (outcome: RouteOutcome, requestId: string | undefined) => void,
): Router {
  return {
    get config() {
      return router.config;
    },
    async route(request, options) {
      const outcome = await router.route(request, options);
      const requestId = request.headers?.['x-request-id'] ?? request.headers?.['X-Request-Id'];
      record(outcome, typeof requestId === 'string' ? requestId : undefined);
      return outcome;
    },
    listModels: () => router.listModels(),
    storeResponse: (context, completion) => router.storeResponse(context, completion),
    close: () => router.close(),
  };
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const { io } = options;
  const configPath = resolve(io.cwd, options.configPath);
  const server = await import('@semroute/server');
  const env = { ...io.env };

  // The classification service (management API) uses the models folder of the config at start.
  const initial = await loadConfigFile(options.configPath, io, { quietWarnings: true });
  const catalog = initial.config.global.model_catalog;
  const { createStackClassificationService } = await import('./classification-service.js');
  const classification = createStackClassificationService({
    modelsDir: resolve(io.cwd, catalog.models_dir ?? io.env.SEMROUTE_MODELS_DIR ?? 'models'),
    ...(catalog.backend ? { backend: catalog.backend } : {}),
  });
  const operations = await server.startOperations({
    configPath,
    env,
    ...(options.logger ? { logger: options.logger } : {}),
    watchDebounceMs: options.watch === false ? false : 500,
    api:
      options.apiPort === 0
        ? { enabled: false }
        : { ...(options.apiPort !== undefined ? { port: options.apiPort } : {}) },
    metrics:
      options.metricsPort === 0
        ? { enabled: false }
        : { ...(options.metricsPort !== undefined ? { port: options.metricsPort } : {}) },
    buildRouter: async (parsed, { telemetry, logger }) => {
      const signalProviders = await loadSignalProviders(parsed.config, io);
      const responseCache = await buildResponseCache(parsed, io);
      const router = await createRouter({
        config: parsed.config,
        signalProviders,
        ...(responseCache
          ? {
              responseCache: server.instrumentResponseCache(responseCache, {
                telemetry,
                backend: parsed.config.global.stores.response_cache?.backend_type ?? 'memory',
              }),
            }
          : {}),
        logger,
      });
      const requestLog = server.createRequestLogger(logger, {
        logPrompts: parsed.config.global.services.observability?.logging?.log_prompts ?? false,
      });
      return recordingRouter(router, (outcome, requestId) => {
        telemetry.recordRoute(outcome);
        requestLog.logRoute(outcome, {
          ...(requestId ? { requestId } : {}),
          status: outcome.type === 'immediate' ? outcome.status : 200,
          latencyMs: outcome.explanation.latencyMs,
        });
      });
    },
    classification,
  });

  const closers: ((graceMs: number) => Promise<void>)[] = [() => classification.close()];
  let httpUrl: string | undefined;
  let extprocAddress: string | undefined;
  try {
    const extprocPort = portOf(options.extprocPort, DEFAULT_PORTS.extproc);
    if (extprocPort !== undefined) {
      const { serveExtProc } = await import('@semroute/extproc/node');
      const extproc = await serveExtProc({
        router: operations.router,
        port: extprocPort,
        host: options.host ?? '0.0.0.0',
        logger: operations.logger,
        onExchangeEnd: (summary) =>
          operations.telemetry.recordResponse({
            model: summary.selectedModel ?? 'unknown',
            status: summary.status,
            ...(summary.ttftMs !== undefined ? { ttftMs: summary.ttftMs } : {}),
            ...(summary.usage
              ? {
                  usage: {
                    prompt_tokens: summary.usage.promptTokens,
                    completion_tokens: summary.usage.completionTokens,
                    total_tokens: summary.usage.totalTokens,
                  },
                }
              : {}),
          }),
      });
      extprocAddress = extproc.address;
      closers.push((graceMs) => extproc.close({ graceMs }));
    }
    const httpPort = portOf(options.httpPort, DEFAULT_PORTS.http);
    if (httpPort !== undefined) {
      const { serveHttpProxy } = await import('@semroute/http-proxy/node');
      const http = await serveHttpProxy({
        router: operations.router,
        port: httpPort,
        host: options.host ?? '127.0.0.1',
        logger: operations.logger,
        env,
        checkBackends: true,
        onEvent: (event) => {
          if (event.type === 'upstream-end')
            operations.telemetry.recordResponse({
              model: event.model,
              status: event.status,
              latencyMs: event.totalMs,
            });
        },
      });
      httpUrl = http.url;
      closers.push((graceMs) => http.close(graceMs));
    }
  } catch (error) {
    for (const close of closers.reverse()) await close(0).catch(() => undefined);
    await operations.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    httpUrl,
    extprocAddress,
    apiUrl: operations.apiServer?.url,
    metricsUrl: operations.metricsServer?.url,
    router: operations.router,
    close(graceMs = 10_000) {
      closing ??= (async () => {
        await Promise.allSettled(closers.reverse().map((close) => close(graceMs)));
        await operations.close();
      })();
      return closing;
    },
  };
}
