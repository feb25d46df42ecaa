/**
 * @semroute/server: the operations host. A hot-reloadable router, the management and
 * classification API, Prometheus metrics, OpenTelemetry tracing and structured JSON logs.
 *
 * @module
 */
export { type ApiAuthOptions, type ApiPermission, BUILT_IN_ROLES } from './api/auth.js';
export type {
  ClassificationCallOptions,
  ClassificationServiceV1,
  ClassifierModelInfo,
  IntentClassification,
  JailbreakDetection,
  PiiEntity,
} from './api/classification-service.js';
export {
  type ApiRoute,
  type CreateManagementApiOptions,
  createManagementApi,
  type ManagementApi,
  type ResponseCacheAdminV1,
  type ResponseCacheInvalidation,
} from './api/create-management-api.js';
export {
  type CreateJsonLoggerOptions,
  createJsonLogger,
  createRequestLogger,
  type JsonLogger,
  type RequestLogger,
  type RequestLogInput,
} from './logging/create-json-logger.js';
export {
  createMetricsHandler,
  type FetchHandler,
  isLoopbackHost,
  type RunningServer,
  type ServeOptions,
  serveFetchHandler,
  serveManagementApi,
  serveMetrics,
  toNodeListener,
} from './node/serve-fetch-handler.js';
export {
  apiAuthFromConfig,
  type Operations,
  type StartOperationsOptions,
  startOperations,
} from './node/start-operations.js';
export {
  type ConfigChangeResult,
  type ConfigManager,
  type ConfigValidation,
  type ConfigVersion,
  type ConfigVersionInfo,
  type ConfigVersionSource,
  type CreateConfigManagerOptions,
  configEtag,
  createConfigManager,
} from './reload/config-manager.js';
export {
  type CreateReloadableRouterOptions,
  createReloadableRouter,
  type ReloadableRouter,
  type RouterLease,
} from './reload/reloadable-router.js';
export {
  type CreateRouterTelemetryOptions,
  createRouterTelemetry,
  type MetricDescription,
  type RecordResponseInput,
  type RequestTelemetry,
  type RouterTelemetry,
  routerTelemetryOptionsFromConfig,
  type SignalSpans,
  SPAN_PREFIX,
  type TokenUsage,
} from './telemetry/create-router-telemetry.js';
export {
  BATCH_DEFAULTS,
  type CreateTracingOptions,
  createTracing,
  type SpanExporterLike,
  TRACING_DEPENDENCIES,
  type Tracing,
  tracingOptionsFromConfig,
} from './telemetry/create-tracing.js';
export { instrumentResponseCache } from './telemetry/instrument-response-cache.js';
export {
  type InstrumentRouterOptions,
  instrumentRouter,
  recordExchangeEnd,
  recordProxyEvent,
} from './telemetry/instrument-router.js';
export { extractTraceContext, injectTraceContext } from './telemetry/trace-context.js';
