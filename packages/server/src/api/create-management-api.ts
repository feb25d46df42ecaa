/**
 * The management and classification API as a Fetch handler (`Request → Response`), with the
 * reference router's paths and payload shapes: health and readiness, model info, classification
 * (`/api/v1/classify/*`), `/api/v1/eval` (the router's explanation for one request), embeddings
 * and similarity, and the config lifecycle (`/config/router` with ETag / If-Match, validate,
 * rollback, versions). Optional bearer auth with roles. Serve it with `serveFetchHandler()`.
 *
 * @module
 */
import {
  type ConfigIssue,
  type Logger,
  type RouteOutcome,
  type Router,
  type SignalExplanation,
  silentLogger,
  toSemrouteError,
} from '@semroute/core';
import type { ConfigChangeResult, ConfigManager } from '../reload/config-manager.js';
import type { RouterTelemetry } from '../telemetry/create-router-telemetry.js';
import { type ApiAuthOptions, type ApiPermission, createApiAuth } from './auth.js';
import type { ClassificationServiceV1, JailbreakDetection, PiiEntity } from './classification-service.js';
import { mapBounded } from './map-bounded.js';
import { buildOpenApiDocument } from './openapi-document.js';

/** Target of `POST /api/v1/response-cache/invalidate` (the shape `@semroute/cache` accepts). */
export type ResponseCacheInvalidation =
  | { readonly key: string }
  | { readonly decision: string }
  | { readonly scope: { readonly kind: 'user' | 'team' | 'tenant' | 'global'; readonly id?: string } };

/** The response-cache operations the API exposes (satisfied by `@semroute/cache`'s `ResponseCache`). */
export interface ResponseCacheAdminV1 {
  stats(): object;
  invalidate(target: ResponseCacheInvalidation): Promise<void>;
  flush(): Promise<void>;
}

export interface CreateManagementApiOptions {
  /** The router `/api/v1/eval`, `/v1/models` and `/info/models` use (a reloadable router in `serve`). */
  readonly router?: Router;
  /** Config lifecycle; without it `/config/*` answers 404. Its router is used when `router` is absent. */
  readonly config?: ConfigManager;
  /**
   * The active router's response cache (called per request: a reload swaps the cache); without
   * one, `/api/v1/response-cache/*` answers 503.
   */
  readonly responseCache?: () => ResponseCacheAdminV1 | undefined;
  /** Classifiers; without one the classify endpoints answer 503. */
  readonly classification?: ClassificationServiceV1;
  /** Extra readiness check (e.g. "models loaded"); `/ready` is 503 until it and the classifiers are ready. */
  readonly ready?: () => boolean;
  /** Bearer auth; when absent every endpoint is open (bind to loopback only). */
  readonly auth?: ApiAuthOptions;
  /** Batch limits (defaults from `global.services.api.batch_classification`: 100 texts, 8 in flight). */
  readonly batch?: { readonly maxBatchSize?: number; readonly maxConcurrency?: number };
  /** Largest request body, bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Records batch metrics. */
  readonly telemetry?: RouterTelemetry;
  readonly logger?: Logger;
  /** Reported by `/health` and `/openapi.json`. */
  readonly version?: string;
  /** Monotonic ms for `processing_time_ms` (default `performance.now`). */
  readonly now?: () => number;
}

export interface ManagementApi {
  fetch(request: Request): Promise<Response>;
  /** The OpenAPI 3.1 document served at `/openapi.json`. */
  readonly openapi: Record<string, unknown>;
}

/** An API failure with the reference's error body `{"error": {"code", "message", "timestamp"}}`. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

interface RouteContext {
  readonly request: Request;
  readonly url: URL;
  json(): Promise<Record<string, unknown>>;
  text(): Promise<string>;
}

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly path: string;
  /** Undefined: public (health probes). */
  readonly permission: ApiPermission | undefined;
  readonly summary: string;
  readonly tag: string;
}

type Handler = (context: RouteContext) => Promise<Response> | Response;

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function errorResponse(error: ApiError): Response {
  return json(
    {
      error: {
        code: error.code,
        message: error.message,
        timestamp: new Date().toISOString(),
        ...(error.details !== undefined ? { details: error.details } : {}),
      },
    },
    error.status,
    error.status === 401 ? { 'www-authenticate': 'Bearer realm="semroute"' } : {},
  );
}

function requireText(body: Record<string, unknown>, field = 'text'): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '')
    throw new ApiError(400, 'INVALID_INPUT', `${field} must be a non-empty string`);
  return value;
}

function optionsOf(body: Record<string, unknown>): Record<string, unknown> {
  const options = body.options;
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options))
    throw new ApiError(400, 'INVALID_INPUT', 'options must be an object');
  return options as Record<string, unknown>;
}

/** UTF-16 offset → code-point offset (clients index by code point, as in the reference). */
function codePointOffset(text: string, offset: number): number {
  let count = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < offset) index++;
    count++;
  }
  return count;
}

function round(value: number, digits = 3): number {
  return Number(value.toFixed(digits));
}

function issuesBody(issues: readonly ConfigIssue[]) {
  return issues.map((issue) => ({
    path: issue.path,
    message: issue.message,
    ...(issue.line !== undefined ? { line: issue.line } : {}),
    ...(issue.column !== undefined ? { column: issue.column } : {}),
  }));
}

export function createManagementApi(options: CreateManagementApiOptions): ManagementApi {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => performance.now());
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const classification = options.classification;
  const configManager = options.config;
  const auth = options.auth ? createApiAuth(options.auth) : undefined;
  const routerOf = (): Router => {
    const router = options.router ?? configManager?.router;
    if (!router) throw new ApiError(503, 'ROUTER_UNAVAILABLE', 'no router is configured');
    return router;
  };
  const batchLimits = () => {
    const configured = routerOf().config.global.services.api?.batch_classification;
    return {
      maxBatchSize: options.batch?.maxBatchSize ?? configured?.max_batch_size ?? 100,
      maxConcurrency: options.batch?.maxConcurrency ?? configured?.max_concurrency ?? 8,
    };
  };

  function service<K extends keyof ClassificationServiceV1>(
    method: K,
  ): NonNullable<ClassificationServiceV1[K]> {
    const implementation = classification?.[method];
    if (!classification || typeof implementation !== 'function')
      throw new ApiError(503, 'CLASSIFIER_UNAVAILABLE', `no classifier provides ${String(method)}`);
    return (implementation as (...args: never[]) => unknown).bind(classification) as NonNullable<
      ClassificationServiceV1[K]
    >;
  }

  function requireResponseCache(): ResponseCacheAdminV1 {
    const cache = options.responseCache?.();
    if (!cache)
      throw new ApiError(503, 'RESPONSE_CACHE_UNAVAILABLE', 'the active config has no response cache');
    return cache;
  }

  function invalidationOf(body: Record<string, unknown>): ResponseCacheInvalidation {
    const given = ['key', 'decision', 'scope'].filter((field) => body[field] !== undefined);
    if (given.length !== 1)
      throw new ApiError(400, 'INVALID_INPUT', 'give exactly one of key, decision or scope');
    if (body.key !== undefined) return { key: requireText(body, 'key') };
    if (body.decision !== undefined) return { decision: requireText(body, 'decision') };
    const scope = body.scope as Record<string, unknown> | null;
    if (typeof scope !== 'object' || scope === null || Array.isArray(scope))
      throw new ApiError(400, 'INVALID_INPUT', 'scope must be an object { kind, id }');
    const kind = scope.kind;
    if (kind !== 'user' && kind !== 'team' && kind !== 'tenant' && kind !== 'global')
      throw new ApiError(400, 'INVALID_INPUT', 'scope.kind must be user, team, tenant or global');
    if (kind === 'global') return { scope: { kind } };
    // An omitted id targets the shared `anonymous` namespace of requests without the identity header.
    if (scope.id === undefined) return { scope: { kind } };
    return { scope: { kind, id: requireText(scope, 'id') } };
  }

  function isReady(): boolean {
    if (options.ready && !options.ready()) return false;
    if (classification?.ready && !classification.ready()) return false;
    return Boolean(options.router ?? configManager);
  }

  // ---- classification -------------------------------------------------------------------

  async function routeText(text: string): Promise<RouteOutcome> {
    return routerOf().route({ body: { model: 'auto', messages: [{ role: 'user', content: text }] } });
  }

  async function intentResult(text: string, requestOptions: Record<string, unknown>, withRouting: boolean) {
    const started = now();
    const result = await service('classifyIntent')(text);
    const threshold =
      typeof requestOptions.confidence_threshold === 'number' ? requestOptions.confidence_threshold : 0;
    const body: Record<string, unknown> = {
      classification: {
        category: result.confidence >= threshold ? result.category : 'unknown',
        confidence: round(result.confidence, 6),
        processing_time_ms: round(now() - started),
      },
    };
    if (requestOptions.return_probabilities && result.probabilities)
      body.probabilities = result.probabilities;
    if (withRouting && (options.router ?? configManager)) {
      const outcome = await routeText(text);
      if (outcome.explanation.model) body.recommended_model = outcome.explanation.model;
      if (outcome.explanation.decision) body.routing_decision = outcome.explanation.decision;
    }
    return body;
  }

  async function piiResult(text: string, requestOptions: Record<string, unknown>) {
    const started = now();
    const { entities } = await service('detectPii')(text);
    const threshold =
      typeof requestOptions.confidence_threshold === 'number' ? requestOptions.confidence_threshold : 0;
    const types = Array.isArray(requestOptions.entity_types)
      ? new Set((requestOptions.entity_types as unknown[]).map((type) => String(type).toUpperCase()))
      : undefined;
    const kept = entities.filter(
      (entity) => entity.confidence >= threshold && (!types || types.has(entity.type.toUpperCase())),
    );
    const mask = requestOptions.mask_entities === true;
    const positions = requestOptions.return_positions === true;
    const reveal = requestOptions.reveal_entity_text === true;
    const placeholders = new Map<string, string>();
    const counters = new Map<string, number>();
    const placeholderFor = (entity: PiiEntity) => {
      const key = `${entity.type}\u0000${text.slice(entity.start, entity.end)}`;
      let placeholder = placeholders.get(key);
      if (!placeholder) {
        const index = counters.get(entity.type) ?? 0;
        counters.set(entity.type, index + 1);
        placeholder = `[${entity.type}_${index}]`;
        placeholders.set(key, placeholder);
      }
      return placeholder;
    };
    const body: Record<string, unknown> = {
      has_pii: kept.length > 0,
      entities: kept.map((entity) => ({
        type: entity.type,
        value: reveal ? text.slice(entity.start, entity.end) : '[DETECTED]',
        confidence: round(entity.confidence, 6),
        ...(positions
          ? {
              start_position: codePointOffset(text, entity.start),
              end_position: codePointOffset(text, entity.end),
            }
          : {}),
        ...(mask ? { masked_value: placeholderFor(entity) } : {}),
      })),
      security_recommendation: kept.length > 0 ? 'block' : 'allow',
      processing_time_ms: 0,
    };
    if (mask && kept.length > 0) {
      let masked = text;
      for (const entity of [...kept].sort((left, right) => right.start - left.start))
        masked = masked.slice(0, entity.start) + placeholderFor(entity) + masked.slice(entity.end);
      body.masked_text = masked;
    }
    body.processing_time_ms = round(now() - started);
    return body;
  }

  async function securityResult(text: string, requestOptions: Record<string, unknown>) {
    const started = now();
    const detection: JailbreakDetection = await service('detectJailbreak')(text);
    const threshold =
      typeof requestOptions.confidence_threshold === 'number'
        ? requestOptions.confidence_threshold
        : undefined;
    const isJailbreak = threshold === undefined ? detection.isJailbreak : detection.riskScore >= threshold;
    return {
      is_jailbreak: isJailbreak,
      risk_score: round(detection.riskScore, 6),
      detection_types: isJailbreak ? [...(detection.detectionTypes ?? ['jailbreak'])] : [],
      confidence: round(detection.confidence, 6),
      recommendation: isJailbreak ? 'block' : 'allow',
      processing_time_ms: round(now() - started),
    };
  }

  // ---- eval -------------------------------------------------------------------------------

  function signalsByFamily(signals: readonly SignalExplanation[]): Record<string, string[]> {
    const families: Record<string, string[]> = {};
    for (const signal of signals) {
      const names = families[signal.type] ?? [];
      names.push(signal.name);
      families[signal.type] = names;
    }
    return families;
  }

  async function evaluate(body: Record<string, unknown>): Promise<Response> {
    let routeBody: Record<string, unknown>;
    let originalText: string;
    if (Array.isArray(body.messages)) {
      routeBody = { model: 'auto', ...body };
      delete routeBody.headers;
      delete routeBody.options;
      const lastUser = [...(body.messages as { role?: string; content?: unknown }[])]
        .reverse()
        .find((message) => message?.role === 'user');
      originalText = typeof lastUser?.content === 'string' ? lastUser.content : '';
    } else {
      originalText = requireText(body);
      routeBody = {
        model: typeof body.model === 'string' ? body.model : 'auto',
        messages: [{ role: 'user', content: originalText }],
      };
    }
    const headers =
      body.headers && typeof body.headers === 'object' && !Array.isArray(body.headers)
        ? Object.fromEntries(
            Object.entries(body.headers as Record<string, unknown>).map(([k, v]) => [
              k.toLowerCase(),
              String(v),
            ]),
          )
        : {};
    const outcome = await routerOf().route({ body: routeBody, headers });
    const explanation = outcome.explanation;
    const matched = explanation.signals.filter((signal) => signal.status === 'matched');
    const unmatched = explanation.signals.filter((signal) => signal.status !== 'matched');
    const decisionConfig = routerOf().config.routing.decisions.find(
      (decision) => decision.name === explanation.decision,
    );
    const response: Record<string, unknown> = {
      original_text: originalText,
      requested_model: explanation.requestedModel ?? undefined,
      recipe: explanation.recipe ?? undefined,
      decision_result: explanation.decision
        ? {
            decision_name: explanation.decision,
            confidence: explanation.confidence,
            algorithm: explanation.algorithm ?? 'static',
            plugins: explanation.plugins,
            matched_signals: signalsByFamily(matched),
            unmatched_signals: signalsByFamily(unmatched),
          }
        : undefined,
      recommended_models: decisionConfig?.modelRefs?.map((ref) => ref.model) ?? [],
      selected_model: explanation.model ?? undefined,
      routing_decision: explanation.decision ?? undefined,
      metrics: Object.fromEntries(
        explanation.signals.map((signal) => [
          `${signal.type}:${signal.name}`,
          {
            execution_time_ms: round(signal.latencyMs),
            confidence: signal.confidence,
            status: signal.status,
          },
        ]),
      ),
      signal_confidences: Object.fromEntries(
        matched.map((signal) => [`${signal.type}:${signal.name}`, signal.confidence]),
      ),
      signal_errors: Object.fromEntries(
        explanation.signals
          .filter((signal) => signal.error !== undefined)
          .map((signal) => [`${signal.type}:${signal.name}`, signal.error!]),
      ),
      response:
        outcome.type === 'upstream'
          ? { type: 'upstream', status: 200 }
          : { type: 'immediate', status: outcome.status, reason: outcome.reason },
      explanation,
    };
    return json(response);
  }

  // ---- config -----------------------------------------------------------------------------

  function requireConfig(): ConfigManager {
    if (!configManager) throw new ApiError(404, 'NOT_FOUND', 'config management is not enabled');
    return configManager;
  }

  function changeResponse(result: ConfigChangeResult): Response {
    switch (result.status) {
      case 'applied':
      case 'unchanged':
        return json(
          {
            status: result.status,
            version: result.version.id,
            etag: result.version.etag,
            warnings: issuesBody(result.version.warnings),
          },
          200,
          { etag: result.version.etag },
        );
      case 'invalid':
        return json(
          {
            error: {
              code: 'INVALID_CONFIG',
              message: 'config rejected; the running config is unchanged',
              timestamp: new Date().toISOString(),
            },
            errors: issuesBody(result.errors),
          },
          422,
        );
      case 'conflict':
        return json(
          {
            error: {
              code: 'PRECONDITION_FAILED',
              message: 'If-Match does not match the active config',
              timestamp: new Date().toISOString(),
            },
          },
          412,
          { etag: result.etag },
        );
      case 'not_found':
        throw new ApiError(404, 'VERSION_NOT_FOUND', 'no such config version to roll back to');
    }
  }

  // ---- route table -------------------------------------------------------------------------

  const routes: (ApiRoute & { readonly handler: Handler })[] = [
    {
      method: 'GET',
      path: '/health',
      permission: undefined,
      summary: 'Liveness',
      tag: 'health',
      handler: () =>
        json({
          status: 'healthy',
          service: 'semroute',
          ...(options.version ? { version: options.version } : {}),
        }),
    },
    {
      method: 'GET',
      path: '/ready',
      permission: undefined,
      summary: 'Readiness: 503 until the router and classifiers are loaded',
      tag: 'health',
      handler: () => (isReady() ? json({ status: 'ready' }) : json({ status: 'not_ready' }, 503)),
    },
    {
      method: 'GET',
      path: '/openapi.json',
      permission: undefined,
      summary: 'This OpenAPI document',
      tag: 'health',
      handler: () => json(openapi),
    },
    {
      method: 'GET',
      path: '/startup-status',
      permission: undefined,
      summary: 'Startup progress: router, classifiers and the active config version',
      tag: 'health',
      handler: () => {
        const models = classification?.describe?.() ?? [];
        return json({
          ready: isReady(),
          router: Boolean(options.router ?? configManager),
          classifiers: {
            ready: classification?.ready?.() ?? true,
            models: models.length,
            loaded: models.filter((model) => model.loaded).length,
          },
          ...(configManager
            ? { config: { version: configManager.current().id, etag: configManager.current().etag } }
            : {}),
        });
      },
    },
    {
      method: 'GET',
      path: '/api/v1',
      permission: undefined,
      summary: 'Index of the API endpoints',
      tag: 'health',
      handler: () =>
        json({
          service: 'semroute',
          ...(options.version ? { version: options.version } : {}),
          endpoints: routes.map((route) => ({
            method: route.method,
            path: route.path,
            description: route.summary,
          })),
          openapi: '/openapi.json',
        }),
    },
    {
      method: 'GET',
      path: '/config/hash',
      permission: 'read',
      summary: 'ETag of the active config',
      tag: 'config',
      handler: () => {
        const version = requireConfig().current();
        return json({ hash: version.etag.replaceAll('"', ''), etag: version.etag, version: version.id });
      },
    },
    {
      method: 'GET',
      path: '/v1/models',
      permission: 'read',
      summary: 'OpenAI-compatible model list',
      tag: 'models',
      handler: () => json(routerOf().listModels()),
    },
    {
      method: 'GET',
      path: '/info/models',
      permission: 'read',
      summary: 'Configured models and loaded classifier models',
      tag: 'models',
      handler: () => {
        const config = routerOf().config;
        return json({
          models: config.providers.models.map((model) => ({
            name: model.name,
            provider_model_id: model.provider_model_id ?? model.name,
            reasoning_family: model.reasoning_family,
            api_format: model.api_format,
            ...(model.pricing ? { pricing: model.pricing } : {}),
          })),
          classifiers: classification?.describe?.() ?? [],
          default_model: config.providers.defaults?.default_model,
        });
      },
    },
    {
      method: 'GET',
      path: '/info/classifier',
      permission: 'read',
      summary: 'Classifier models, configured signals and decisions',
      tag: 'models',
      handler: () => {
        const config = routerOf().config;
        const signals: Record<string, string[]> = {};
        for (const [family, entries] of Object.entries(config.routing.signals))
          if (Array.isArray(entries) && entries.length)
            signals[family] = entries.map((entry) => (entry as { name: string }).name);
        return json({
          status: isReady() ? 'ready' : 'loading',
          models: classification?.describe?.() ?? [],
          signals,
          decisions: config.routing.decisions.map((decision) => ({
            name: decision.name,
            priority: decision.priority,
          })),
        });
      },
    },
    // The single-text endpoints differ only in the task they run.
    ...(
      [
        [
          'intent',
          'Intent (domain) classification of one text',
          (text: string, options: ReturnType<typeof optionsOf>) => intentResult(text, options, true),
        ],
        ['pii', 'PII detection in one text', piiResult],
        ['security', 'Jailbreak / prompt-injection detection in one text', securityResult],
      ] as const
    ).map(([task, summary, run]): ApiRoute & { readonly handler: Handler } => ({
      method: 'POST',
      path: `/api/v1/classify/${task}`,
      permission: 'classify',
      summary,
      tag: 'classification',
      handler: async (context) => {
        const body = await context.json();
        return json(await run(requireText(body), optionsOf(body)));
      },
    })),
    {
      method: 'POST',
      path: '/api/v1/classify/combined',
      permission: 'classify',
      summary: 'Intent, PII and security for one text',
      tag: 'classification',
      handler: async (context) => {
        const body = await context.json();
        const text = requireText(body);
        const requestOptions = optionsOf(body);
        const tasks = Array.isArray(body.tasks)
          ? (body.tasks as unknown[]).map(String)
          : ['intent', 'pii', 'security'];
        const started = now();
        const [intent, pii, security] = await Promise.all([
          tasks.includes('intent') ? intentResult(text, requestOptions, true) : undefined,
          tasks.includes('pii') ? piiResult(text, requestOptions) : undefined,
          tasks.includes('security') ? securityResult(text, requestOptions) : undefined,
        ]);
        const block = pii?.security_recommendation === 'block' || security?.recommendation === 'block';
        return json({
          ...(intent ? { intent } : {}),
          ...(pii ? { pii } : {}),
          ...(security ? { security } : {}),
          overall_recommendation: block ? 'block' : 'allow',
          total_processing_time_ms: round(now() - started),
        });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/classify/batch',
      permission: 'classify',
      summary: 'Classify up to max_batch_size texts (task_type intent, pii, security or all)',
      tag: 'classification',
      handler: async (context) => {
        const body = await context.json();
        const texts = body.texts;
        if (!Array.isArray(texts) || texts.length === 0)
          throw new ApiError(400, 'INVALID_INPUT', 'texts must be a non-empty array of strings');
        const limits = batchLimits();
        if (texts.length > limits.maxBatchSize)
          throw new ApiError(
            400,
            'BATCH_TOO_LARGE',
            `batch of ${texts.length} texts exceeds max_batch_size ${limits.maxBatchSize}`,
          );
        if (texts.some((text) => typeof text !== 'string' || text.trim() === ''))
          throw new ApiError(400, 'INVALID_INPUT', 'every text must be a non-empty string');
        const task = typeof body.task_type === 'string' ? body.task_type : 'intent';
        if (!['intent', 'pii', 'security', 'all'].includes(task))
          throw new ApiError(
            400,
            'INVALID_INPUT',
            `task_type must be intent, pii, security or all, got ${task}`,
          );
        const requestOptions = optionsOf(body);
        const started = now();
        const results = await mapBounded(texts as string[], limits.maxConcurrency, async (text) => {
          if (task === 'intent') {
            const result = await intentResult(text, requestOptions, false);
            const classificationResult = result.classification as Record<string, unknown>;
            return {
              ...classificationResult,
              ...(result.probabilities ? { probabilities: result.probabilities } : {}),
            };
          }
          if (task === 'pii') return piiResult(text, requestOptions);
          if (task === 'security') return securityResult(text, requestOptions);
          const [intent, pii, security] = await Promise.all([
            intentResult(text, requestOptions, false),
            piiResult(text, requestOptions),
            securityResult(text, requestOptions),
          ]);
          return { intent: intent.classification, pii, security };
        });
        const latencyMs = now() - started;
        options.telemetry?.recordBatch({ task, size: texts.length, latencyMs });
        const statistics: Record<string, unknown> = {};
        if (task === 'intent') {
          const distribution: Record<string, number> = {};
          let confidenceSum = 0;
          let low = 0;
          for (const result of results as { category: string; confidence: number }[]) {
            distribution[result.category] = (distribution[result.category] ?? 0) + 1;
            confidenceSum += result.confidence;
            if (result.confidence < 0.7) low++;
          }
          statistics.category_distribution = distribution;
          statistics.avg_confidence = round(confidenceSum / results.length, 6);
          statistics.low_confidence_count = low;
        }
        return json({
          results,
          total_count: results.length,
          processing_time_ms: round(latencyMs),
          statistics,
        });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/eval',
      permission: 'classify',
      summary: 'Every signal and the decision for one request (the router explanation)',
      tag: 'classification',
      handler: async (context) => evaluate(await context.json()),
    },
    {
      method: 'POST',
      path: '/api/v1/embeddings',
      permission: 'classify',
      summary: 'Embeddings of texts',
      tag: 'embeddings',
      handler: async (context) => {
        const body = await context.json();
        const texts = Array.isArray(body.texts)
          ? body.texts
          : typeof body.text === 'string'
            ? [body.text]
            : undefined;
        if (!texts || texts.length === 0 || texts.some((text) => typeof text !== 'string'))
          throw new ApiError(400, 'INVALID_INPUT', 'texts must be a non-empty array of strings');
        const limits = batchLimits();
        if (texts.length > limits.maxBatchSize)
          throw new ApiError(
            400,
            'BATCH_TOO_LARGE',
            `${texts.length} texts exceed max_batch_size ${limits.maxBatchSize}`,
          );
        const started = now();
        const result = await service('embed')(texts as string[], {
          ...(typeof body.model === 'string' && body.model !== 'auto' ? { model: body.model } : {}),
          ...(typeof body.dimension === 'number' ? { dimensions: body.dimension } : {}),
        });
        const elapsed = now() - started;
        return json({
          embeddings: result.embeddings.map((embedding, index) => ({
            text: texts[index],
            embedding: Array.from(embedding),
            dimension: embedding.length,
            model_used: result.model,
            processing_time_ms: round(elapsed / texts.length),
          })),
          total_count: texts.length,
          total_processing_time_ms: round(elapsed),
          avg_processing_time_ms: round(elapsed / texts.length),
        });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/similarity',
      permission: 'classify',
      summary: 'Cosine similarity of two texts',
      tag: 'embeddings',
      handler: async (context) => {
        const body = await context.json();
        const text1 = requireText(body, 'text1');
        const text2 = requireText(body, 'text2');
        const started = now();
        const result = await service('embed')([text1, text2], {
          ...(typeof body.model === 'string' && body.model !== 'auto' ? { model: body.model } : {}),
        });
        const [left, right] = result.embeddings;
        if (!left || !right || left.length !== right.length)
          throw new ApiError(500, 'EMBEDDING_FAILED', 'embedding backend returned mismatched vectors');
        let dot = 0;
        let leftNorm = 0;
        let rightNorm = 0;
        for (let index = 0; index < left.length; index++) {
          dot += left[index]! * right[index]!;
          leftNorm += left[index]! ** 2;
          rightNorm += right[index]! ** 2;
        }
        const similarity = leftNorm && rightNorm ? dot / Math.sqrt(leftNorm * rightNorm) : 0;
        return json({
          model_used: result.model,
          similarity: round(similarity, 6),
          processing_time_ms: round(now() - started),
        });
      },
    },
    {
      method: 'GET',
      path: '/config/router',
      permission: 'read',
      summary: 'The active config document (YAML; JSON envelope with Accept: application/json), with ETag',
      tag: 'config',
      handler: (context) => {
        const version = requireConfig().current();
        const headers = { etag: version.etag, 'x-config-version': String(version.id) };
        if (context.request.headers.get('if-none-match') === version.etag)
          return new Response(null, { status: 304, headers });
        if (context.request.headers.get('accept')?.includes('application/json'))
          return json(
            {
              version: version.id,
              etag: version.etag,
              source: version.source,
              config: routerOf().config,
              yaml: version.text,
            },
            200,
            headers,
          );
        return new Response(version.text, {
          headers: { 'content-type': 'application/yaml; charset=utf-8', ...headers },
        });
      },
    },
    {
      method: 'POST',
      path: '/config/router/validate',
      permission: 'read',
      summary: 'Validate a config document without applying it',
      tag: 'config',
      handler: async (context) => {
        const result = requireConfig().validate(await context.text());
        return json(
          { valid: result.valid, errors: issuesBody(result.errors), warnings: issuesBody(result.warnings) },
          result.valid ? 200 : 422,
        );
      },
    },
    {
      method: 'PUT',
      path: '/config/router',
      permission: 'config.write',
      summary: 'Replace the config (If-Match): validate, write, swap atomically; keeps the previous version',
      tag: 'config',
      handler: async (context) => {
        const manager = requireConfig();
        const ifMatch = context.request.headers.get('if-match');
        const text = await context.text();
        if (text.trim() === '')
          throw new ApiError(400, 'INVALID_INPUT', 'the request body must be a config document');
        return changeResponse(await manager.update(text, ifMatch ? { ifMatch } : {}));
      },
    },
    {
      method: 'POST',
      path: '/config/router/rollback',
      permission: 'config.write',
      summary: 'Re-activate the previous (or a given) config version',
      tag: 'config',
      handler: async (context) => {
        const manager = requireConfig();
        const raw = await context.text();
        let toVersion: number | undefined;
        if (raw.trim()) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(raw);
          } catch {
            throw new ApiError(400, 'INVALID_JSON', 'the request body is not valid JSON');
          }
          const version = (parsed as { version?: unknown } | null)?.version;
          if (version !== undefined) {
            if (typeof version !== 'number' || !Number.isInteger(version))
              throw new ApiError(400, 'INVALID_INPUT', 'version must be an integer');
            toVersion = version;
          }
        }
        const ifMatch = context.request.headers.get('if-match');
        return changeResponse(
          await manager.rollback({
            ...(toVersion !== undefined ? { toVersion } : {}),
            ...(ifMatch ? { ifMatch } : {}),
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/api/v1/response-cache/stats',
      permission: 'read',
      summary: 'Response cache counters: lookups, hits (exact, semantic), misses, stores, errors, hit rate',
      tag: 'response-cache',
      handler: () => json(requireResponseCache().stats()),
    },
    {
      method: 'POST',
      path: '/api/v1/response-cache/invalidate',
      permission: 'config.write',
      summary:
        'Drop one entry ({"key"}) or every entry of a decision ({"decision"}) or scope ({"scope": {"kind", "id"}})',
      tag: 'response-cache',
      handler: async (context) => {
        const target = invalidationOf(await context.json());
        await requireResponseCache().invalidate(target);
        return json({ invalidated: target });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/response-cache/flush',
      permission: 'config.write',
      summary: 'Make every cached entry unreachable on every replica (bumps the cache epoch)',
      tag: 'response-cache',
      handler: async () => {
        await requireResponseCache().flush();
        return json({ flushed: true });
      },
    },
    {
      method: 'GET',
      path: '/config/router/versions',
      permission: 'read',
      summary: 'Kept config versions, newest first',
      tag: 'config',
      handler: () => json({ versions: requireConfig().versions() }),
    },
  ];

  const openapi = buildOpenApiDocument(routes, { version: options.version ?? '0.1.0', auth: Boolean(auth) });

  async function readBody(request: Request): Promise<string> {
    const declared = Number(request.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBodyBytes)
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${maxBodyBytes} bytes`);
    const buffer = await request.arrayBuffer();
    if (buffer.byteLength > maxBodyBytes)
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${maxBodyBytes} bytes`);
    return new TextDecoder().decode(buffer);
  }

  return {
    openapi,
    async fetch(request: Request): Promise<Response> {
      const url = new URL(request.url);
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
      const candidates = routes.filter((route) => route.path === path);
      try {
        if (candidates.length === 0) throw new ApiError(404, 'NOT_FOUND', `no endpoint ${path}`);
        const method = request.method === 'HEAD' ? 'GET' : request.method;
        const route = candidates.find((candidate) => candidate.method === method);
        if (!route)
          return json(
            {
              error: {
                code: 'METHOD_NOT_ALLOWED',
                message: `${request.method} not allowed on ${path}`,
                timestamp: new Date().toISOString(),
              },
            },
            405,
            { allow: candidates.map((candidate) => candidate.method).join(', ') },
          );
        if (auth && route.permission) {
          const result = auth.check(request.headers.get('authorization'), route.permission);
          if (result.status === 'unauthenticated')
            throw new ApiError(401, 'UNAUTHORIZED', 'a valid bearer token is required');
          if (result.status === 'forbidden')
            throw new ApiError(403, 'FORBIDDEN', `this token lacks the ${route.permission} permission`);
        }
        let bodyText: Promise<string> | undefined;
        const text = () => (bodyText ??= readBody(request));
        const context: RouteContext = {
          request,
          url,
          text,
          async json() {
            const raw = await text();
            let parsed: unknown;
            try {
              parsed = JSON.parse(raw);
            } catch {
              throw new ApiError(400, 'INVALID_JSON', 'the request body is not valid JSON');
            }
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
              throw new ApiError(400, 'INVALID_INPUT', 'the request body must be a JSON object');
            return parsed as Record<string, unknown>;
          },
        };
        return await route.handler(context);
      } catch (error) {
        if (error instanceof ApiError) return errorResponse(error);
        const normalised = toSemrouteError(error);
        logger.error(
          { path, err: normalised.message, code: normalised.code },
          'management API request failed',
        );
        const status = normalised.httpStatus >= 400 ? normalised.httpStatus : 500;
        return errorResponse(new ApiError(status, normalised.code.toUpperCase(), normalised.message));
      }
    },
  };
}
