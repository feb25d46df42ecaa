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
  type EmbeddingBackendV1,
  type Logger,
  type ParsedRouterConfig,
  type ResponseCacheV1,
  type Router,
  type RouterConfig,
  type SignalProviderV1,
} from '@semroute/core';
import type { ResponseCacheAdminV1 } from '@semroute/server';
import type { CliIo } from '../cli-io.js';
import { loadSignalProviders, resolveModelsDir } from '../signal-providers.js';

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

/** The classifier signal provider's model loader, when the router has one (`loaderFor`). */
interface LoaderSharingProvider {
  loaderFor(config: RouterConfig): {
    loadEmbedder(reference: { readonly model: string }): Promise<{ readonly backend: EmbeddingBackendV1 }>;
  };
}
const sharesLoader = (provider: SignalProviderV1): provider is SignalProviderV1 & LoaderSharingProvider =>
  typeof (provider as Partial<LoaderSharingProvider>).loaderFor === 'function';

async function buildResponseCache(
  parsed: ParsedRouterConfig,
  io: CliIo,
  signalProviders: readonly SignalProviderV1[],
): Promise<{ readonly cache: ResponseCacheV1; readonly admin: ResponseCacheAdminV1 } | undefined> {
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
  if (!semantic) {
    const exactOnly = cache.createResponseCacheFromConfig({ config: store });
    return { cache: exactOnly, admin: exactOnly };
  }
  const classifiers = await import('@semroute/classifiers');
  const embeddingModel = store.embedding_model ?? classifiers.DEFAULT_MODEL_IDS.embedding;
  // With learned signals, the classifier provider's loader already holds (or will hold) the
  // embedding model: share that instance instead of loading a second copy. The router closes
  // its providers and its cache together, so the shared model lives exactly as long as the cache.
  const provider = signalProviders.find(sharesLoader);
  if (provider) {
    const embedder = (await provider.loaderFor(parsed.config).loadEmbedder({ model: embeddingModel }))
      .backend;
    const shared = cache.createResponseCacheFromConfig({ config: store, embedder });
    return { cache: shared, admin: shared };
  }
  const catalog = parsed.config.global.model_catalog;
  const loader = classifiers.createModelLoader({
    modelsDir: resolveModelsDir(parsed.config, io),
    backend: catalog.backend === 'wasm' ? 'wasm' : 'onnx',
  });
  const embedder = (await loader.loadEmbedder({ model: embeddingModel })).backend;
  const responseCache = cache.createResponseCacheFromConfig({ config: store, embedder });
  // The embedder's loader belongs to this cache: a reload builds a new one, so close both together.
  return {
    cache: {
      specificationVersion: 'v1',
      lookup: (context, callOptions) => responseCache.lookup(context, callOptions),
      store: (context, completion, callOptions) => responseCache.store(context, completion, callOptions),
      close: async () => {
        await responseCache.close?.();
        await loader.close();
      },
    },
    admin: responseCache,
  };
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const { io } = options;
  const configPath = resolve(io.cwd, options.configPath);
  const server = await import('@semroute/server');
  const env = { ...io.env };

  // Models load on the first classification call, from the config the router runs then.
  const { createStackClassificationService } = await import('./classification-service.js');
  const classification = createStackClassificationService(() => {
    const catalog = operations.router.config.global.model_catalog;
    return {
      modelsDir: resolveModelsDir(operations.router.config, io),
      ...(catalog.backend ? { backend: catalog.backend } : {}),
    };
  });
  let listenersUp = false;
  // Each router's response cache, for the management API's /api/v1/response-cache/* (the
  // active router changes on reload; a WeakMap lets retired routers and their caches go).
  const cacheAdmins = new WeakMap<Router, ResponseCacheAdminV1>();
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
    // One place records every route (metrics, spans under the caller's trace, one log line).
    instrumentRouter: true,
    ready: () => listenersUp,
    buildRouter: async (parsed, { telemetry, logger }) => {
      const signalProviders = await loadSignalProviders(parsed.config, io);
      const responseCache = await buildResponseCache(parsed, io, signalProviders);
      const router = await createRouter({
        config: parsed.config,
        signalProviders,
        ...(responseCache
          ? {
              responseCache: server.instrumentResponseCache(responseCache.cache, {
                telemetry,
                backend: parsed.config.global.stores.response_cache?.backend_type ?? 'memory',
              }),
            }
          : {}),
        logger,
      });
      if (responseCache) cacheAdmins.set(router, responseCache.admin);
      return router;
    },
    responseCache: () => cacheAdmins.get(operations.config.router.current()),
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
        onExchangeEnd: server.recordExchangeEnd(operations.telemetry),
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
        onEvent: server.recordProxyEvent(operations.telemetry),
      });
      httpUrl = http.url;
      closers.push((graceMs) => http.close(graceMs));
    }
    listenersUp = true;
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
        listenersUp = false;
        await Promise.allSettled(closers.reverse().map((close) => close(graceMs)));
        await operations.close();
      })();
      return closing;
    },
  };
}
