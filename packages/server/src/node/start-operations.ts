/**
 * `startOperations()`: the operations half of `semroute serve` in one call. Loads the config
 * into a {@link ConfigManager} (hot reload on file change), builds telemetry, tracing and the
 * JSON logger from `global.services.observability`, and serves the management API
 * (`global.services.management_api`) and `/metrics`. Hosts (ExtProc, HTTP proxy) take
 * `operations.router` and call `operations.telemetry` / `operations.requestLog` per request.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  DEFAULT_PORTS,
  type Logger,
  type ParsedRouterConfig,
  parseRouterConfig,
  type Router,
  SemrouteError,
} from '@semroute/core';
import type { ApiAuthOptions } from '../api/auth.js';
import type { ClassificationServiceV1 } from '../api/classification-service.js';
import {
  createManagementApi,
  type ManagementApi,
  type ResponseCacheAdminV1,
} from '../api/create-management-api.js';
import { createJsonLogger, createRequestLogger, type RequestLogger } from '../logging/create-json-logger.js';
import { type ConfigManager, createConfigManager } from '../reload/config-manager.js';
import {
  createRouterTelemetry,
  type RouterTelemetry,
  routerTelemetryOptionsFromConfig,
} from '../telemetry/create-router-telemetry.js';
import { createTracing, type Tracing, tracingOptionsFromConfig } from '../telemetry/create-tracing.js';
import { instrumentRouter } from '../telemetry/instrument-router.js';
import {
  isLoopbackHost,
  type RunningServer,
  serveManagementApi,
  serveMetrics,
} from './serve-fetch-handler.js';

export interface StartOperationsOptions {
  /** Config file (read, watched, written by `PUT /config/router`). */
  readonly configPath: string;
  /** Builds a router for a validated config: wire signal providers and the response cache here. */
  readonly buildRouter: (
    parsed: ParsedRouterConfig,
    context: { readonly telemetry: RouterTelemetry; readonly logger: Logger },
  ) => Promise<Router>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly classification?: ClassificationServiceV1;
  /** The active router's response cache, for `/api/v1/response-cache/*` (called per request). */
  readonly responseCache?: () => ResponseCacheAdminV1 | undefined;
  /** Extra readiness condition for `/ready` (e.g. "the ExtProc server is listening"). */
  readonly ready?: () => boolean;
  /** Overrides of `management_api.bind_address` / `port` (CLI flags `--api-bind`, `--api-port`). */
  readonly api?: { readonly host?: string; readonly port?: number; readonly enabled?: boolean };
  /** Overrides of the metrics listener (CLI `--metrics-port`); `enabled: false` serves none. */
  readonly metrics?: { readonly host?: string; readonly port?: number; readonly enabled?: boolean };
  /**
   * Wrap `operations.router` with `instrumentRouter` so every `route()` is measured, traced (under
   * the caller's `traceparent`) and logged. Default false: the router is the plain reloadable one
   * and the host records (e.g. a `buildRouter` that wraps its routers). Do not do both.
   */
  readonly instrumentRouter?: boolean;
  /** Hot reload debounce, ms (default 500); `false` disables the file watch. */
  readonly watchDebounceMs?: number | false;
  /** Logger override (default: pino JSON to stdout at `observability.logging.level`). Hosts get it as `operations.logger`. */
  readonly logger?: Logger;
  readonly version?: string;
}

export interface Operations {
  /**
   * Give this to every host: the reloadable router (swaps on reload, never drops in-flight
   * requests), wrapped by `instrumentRouter` when `options.instrumentRouter` is set.
   */
  readonly router: Router;
  /** Config lifecycle; `config.router` is the uninstrumented reloadable router. */
  readonly config: ConfigManager;
  /** Call `recordResponse` (or pass `recordExchangeEnd` / `recordProxyEvent` to the hosts). */
  readonly telemetry: RouterTelemetry;
  readonly requestLog: RequestLogger;
  readonly logger: Logger;
  readonly tracing: Tracing;
  readonly api: ManagementApi;
  /** Bound listeners (absent when disabled). */
  readonly apiServer: RunningServer | undefined;
  readonly metricsServer: RunningServer | undefined;
  /** Stops watching and listening, flushes traces, closes the router (drains in-flight calls first). */
  close(): Promise<void>;
}

/** Auth options from `management_api.auth`, or undefined when disabled. */
export function apiAuthFromConfig(config: Router['config']): ApiAuthOptions | undefined {
  const auth = config.global.services.management_api?.auth;
  if (!auth || auth.mode !== 'bearer') return undefined;
  if (auth.tokens.length === 0)
    throw new SemrouteError('management_api.auth.mode is bearer but no tokens are configured', {
      code: 'invalid_config',
    });
  return {
    tokens: auth.tokens.map((token) => ({
      token: token.token,
      roles: token.roles,
      ...(token.name ? { name: token.name } : {}),
    })),
    ...(auth.roles ? { roles: auth.roles } : {}),
  };
}

export async function startOperations(options: StartOperationsOptions): Promise<Operations> {
  // Observability settings come from the file as it is at start; the manager owns it afterwards.
  const text = await readFile(options.configPath, 'utf8');
  const bootstrap = parseRouterConfig(text, {
    source: basename(options.configPath),
    env: options.env ?? {},
  }).config;
  const observability = bootstrap.global.services.observability;
  const logPrompts = observability?.logging?.log_prompts ?? false;
  const logger =
    options.logger ??
    createJsonLogger({
      level: observability?.logging?.level ?? 'info',
      base: { service: 'semroute' },
      logPrompts,
    });
  const tracing = await createTracing(tracingOptionsFromConfig(bootstrap));
  let config: ConfigManager | undefined;
  const telemetry = createRouterTelemetry({
    ...routerTelemetryOptionsFromConfig(bootstrap),
    config: () => config?.router.config ?? bootstrap,
    ...(tracing.tracer ? { tracer: tracing.tracer } : {}),
  });
  try {
    config = await createConfigManager({
      path: options.configPath,
      text,
      ...(options.env ? { env: options.env } : {}),
      logger,
      buildRouter: (parsed) => options.buildRouter(parsed, { telemetry, logger }),
      onReload: (event) =>
        telemetry.recordReload({
          result: event.result,
          source: event.source,
          generation: config?.router.generation,
        }),
    });
  } catch (error) {
    await tracing.shutdown();
    throw error;
  }
  const manager = config;
  telemetry.recordReload({ result: 'applied', source: 'initial', generation: manager.router.generation });
  const requestLog = createRequestLogger(logger, { logPrompts });
  const routerConfig = manager.router.config;

  const management = routerConfig.global.services.management_api;
  const auth = apiAuthFromConfig(routerConfig);
  const api = createManagementApi({
    config: manager,
    ...(options.classification ? { classification: options.classification } : {}),
    ...(options.responseCache ? { responseCache: options.responseCache } : {}),
    ...(options.ready ? { ready: options.ready } : {}),
    ...(auth ? { auth } : {}),
    telemetry,
    logger,
    ...(options.version ? { version: options.version } : {}),
  });
  const stopWatch =
    options.watchDebounceMs === false
      ? () => {}
      : manager.watch({ debounceMs: options.watchDebounceMs ?? 500 });

  let apiServer: RunningServer | undefined;
  let metricsServer: RunningServer | undefined;
  try {
    if ((options.api?.enabled ?? management?.enabled ?? true) !== false) {
      const host = options.api?.host ?? management?.bind_address ?? '127.0.0.1';
      if (
        !isLoopbackHost(host) &&
        auth &&
        management?.remote_exposure === false &&
        options.api?.host === undefined
      )
        throw new SemrouteError(
          `management_api.bind_address ${host} is not loopback: set management_api.remote_exposure: true (bearer auth is configured)`,
          { code: 'invalid_config' },
        );
      apiServer = await serveManagementApi(api, {
        host,
        port: options.api?.port ?? management?.port ?? DEFAULT_PORTS.api,
        authEnabled: Boolean(auth),
      });
    }
    if ((options.metrics?.enabled ?? observability?.metrics?.enabled ?? true) !== false)
      metricsServer = await serveMetrics(telemetry, {
        ...(options.metrics?.host ? { host: options.metrics.host } : {}),
        port: options.metrics?.port ?? observability?.metrics?.port ?? DEFAULT_PORTS.metrics,
      });
  } catch (error) {
    stopWatch();
    await apiServer?.close();
    await manager.close();
    await tracing.shutdown();
    throw error;
  }
  logger.info(
    {
      api: apiServer?.url,
      metrics: metricsServer?.url,
      tracing: Boolean(tracing.tracer),
      version: manager.current().id,
    },
    'operations started',
  );

  let closed = false;
  return {
    router: options.instrumentRouter
      ? instrumentRouter({ router: manager.router, telemetry, requestLog })
      : manager.router,
    config: manager,
    telemetry,
    requestLog,
    logger,
    tracing,
    api,
    apiServer,
    metricsServer,
    async close() {
      if (closed) return;
      closed = true;
      stopWatch();
      await Promise.all([apiServer?.close(), metricsServer?.close()]);
      await manager.close();
      await tracing.shutdown();
    },
  };
}
