/**
 * @semroute/http-proxy: the standalone OpenAI-compatible semroute proxy as a Fetch API handler
 * (Node, Deno, Bun, edge workers), its runtime-neutral pieces, the pure retry/failover planner,
 * and backend discovery. The Node server lives in `@semroute/http-proxy/node`, the simulated
 * backend in `@semroute/http-proxy/simulator`.
 *
 * @module
 */
export { createFetchHandler, type FetchHandler } from './create-fetch-handler.js';
export {
  createProxyHandler,
  type ProxyEvent,
  type ProxyHandler,
  type ProxyHandlerOptions,
  type ProxyTimeouts,
} from './create-proxy-handler.js';
export {
  type BackendDiscoveryResult,
  type DiscoverBackendsOptions,
  type DiscoveredBackend,
  discoverBackends,
  formatBackendDiscovery,
  type MissingModel,
  type RoutedName,
  routedNames,
} from './discovery/discover-backends.js';
export { httpInputFromRequest, responseFromHttpResult, toFetchHandler } from './http/fetch-adapter.js';
export {
  BodyTooLargeError,
  type HttpHandler,
  type HttpInput,
  type HttpResult,
  type HttpResultBody,
} from './http/http-exchange.js';
export { DEFAULT_REQUEST_LIMITS, jsonNestingDepth, type RequestLimits } from './http/request-limits.js';
export { isRetryableStatus, parseRetryAfter } from './transport/classify-upstream.js';
export { createFetchTransport, type FetchTransportOptions } from './transport/fetch-transport.js';
export {
  type BackendHealth,
  type BackendHealthOptions,
  type BackendHealthState,
  createBackendHealth,
  type EjectionPolicy,
} from './upstream/backend-health.js';
export {
  type BackendTarget,
  orderTargetsByWeight,
  resolveBackendTarget,
  resolveBackendTargets,
} from './upstream/backend-targets.js';
export { parseDurationMs } from './upstream/parse-duration.js';
export {
  type AttemptCandidate,
  type AttemptPlan,
  type AttemptRecord,
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type PlanAttemptsInput,
  type PlannedTarget,
  planNextAttempt,
  type RetryPolicy,
} from './upstream/plan-attempts.js';
