/**
 * The proxy itself, over the runtime-neutral {@link HttpInput}/{@link HttpResult} exchange:
 * request limits, `router.route()`, then either the router's immediate answer or the upstream
 * call with retries, backend failover, model fallback and passive health, and finally the
 * response passthrough (JSON, or SSE chunk by chunk) with the cache write for complete 2xx
 * responses. `createFetchHandler` and the Node server wrap this.
 *
 * @module
 */
import {
  type ChatCompletion,
  createCompletionCollector,
  type ErrorCode,
  HEADER_SCHEMA_VERSION,
  HEADERS,
  type Logger,
  type RouteOutcome,
  type Router,
  silentLogger,
  type UpstreamOutcome,
} from '@semroute/core';
import {
  BodyTooLargeError,
  type HttpHandler,
  type HttpInput,
  type HttpResult,
} from './http/http-exchange.js';
import { jsonResult, openaiErrorResult } from './http/openai-error-result.js';
import { DEFAULT_REQUEST_LIMITS, jsonNestingDepth, type RequestLimits } from './http/request-limits.js';
import { createFetchTransport } from './transport/fetch-transport.js';
import {
  type ProxyTransport,
  sendThrough,
  type UpstreamResponse,
  type UpstreamResult,
} from './transport/upstream-response.js';
import {
  type BackendHealth,
  type BackendHealthOptions,
  createBackendHealth,
  type EjectionPolicy,
} from './upstream/backend-health.js';
import {
  type BackendTarget,
  orderTargetsByWeight,
  resolveBackendTargets,
} from './upstream/backend-targets.js';
import { parseDurationMs } from './upstream/parse-duration.js';
import {
  type AttemptCandidate,
  type AttemptRecord,
  DEFAULT_RETRY_POLICY,
  planNextAttempt,
  type RetryPolicy,
} from './upstream/plan-attempts.js';
import {
  createStreamUsageTap,
  type ResponseUsage,
  usageOfCompletionText,
} from './upstream/response-usage.js';
import { buildUpstreamHeaders, copyResponseHeaders } from './upstream/upstream-headers.js';

/** Telemetry events (`<noun>-<verb>`), for metrics and logs. */
export type ProxyEvent =
  | {
      readonly type: 'upstream-retry';
      readonly model: string;
      readonly target: string;
      readonly reason: string;
      readonly delayMs: number;
      readonly error: string;
    }
  | { readonly type: 'backend-ejected'; readonly target: string }
  | {
      readonly type: 'upstream-end';
      readonly model: string;
      readonly target: string;
      readonly status: number;
      readonly attempts: number;
      /** Time from sending the request upstream to the response headers, ms. */
      readonly firstByteMs: number;
      /** Time from sending to the last byte, ms. */
      readonly totalMs: number;
      /** For streams: whether `data: [DONE]` arrived and the stream ended normally. */
      readonly complete: boolean;
      /** Streams: time from sending to the first content chunk (text, reasoning or tool call), ms. */
      readonly firstContentMs?: number;
      /** Token usage the upstream reported (streams: with `stream_options.include_usage`). */
      readonly usage?: ResponseUsage;
    };

export interface ProxyTimeouts {
  /** Whole request deadline (routing, every attempt and the response body), ms. Default 600,000. */
  readonly totalMs?: number;
}

export interface ProxyHandlerOptions {
  /** The routing engine (`createRouter(...)` from @semroute/core). */
  readonly router: Router;
  /**
   * Sends upstream attempts: any `TransportV1`; one with `sendUpstream` (the undici transport)
   * skips building Fetch responses. Default: {@link createFetchTransport} on the global fetch.
   */
  readonly transport?: ProxyTransport;
  /** Upstream targets per logical model. Default: resolved from `router.config` and `env`. */
  readonly targets?: ReadonlyMap<string, readonly BackendTarget[]>;
  /** Environment for `api_key_env`. Default: `process.env` where it exists. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly limits?: Partial<RequestLimits>;
  /**
   * Retry policy. A model's `reliability.retry_count` overrides `maxRetriesPerTarget`;
   * `reliability.consecutive_5xx` and `base_ejection_time` override the health thresholds.
   */
  readonly retry?: Partial<RetryPolicy>;
  /** Passive health tracker, or options for the default one (shared across requests). */
  readonly health?: BackendHealth | BackendHealthOptions;
  readonly timeouts?: ProxyTimeouts;
  readonly logger?: Logger;
  readonly onEvent?: (event: ProxyEvent) => void;
  readonly clock?: { now(): number };
  readonly random?: () => number;
  /** Waits `ms` (backoff); rejects when `signal` aborts. Injected by tests. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A proxy handler plus what it holds. */
export interface ProxyHandler {
  readonly handle: HttpHandler;
  readonly health: BackendHealth;
  readonly targets: ReadonlyMap<string, readonly BackendTarget[]>;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function processEnv(): Readonly<Record<string, string | undefined>> {
  const candidate = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return candidate?.env ?? {};
}

function isHealth(value: BackendHealth | BackendHealthOptions | undefined): value is BackendHealth {
  return typeof (value as BackendHealth | undefined)?.isAvailable === 'function';
}

interface Candidate extends AttemptCandidate<BackendTarget> {
  readonly bodyText: string;
}

interface TriedAttempt {
  readonly model: string;
  readonly backend: string;
  readonly status?: number;
  readonly error: string;
}

/** Creates the runtime-neutral proxy handler. */
export function createProxyHandler(options: ProxyHandlerOptions): ProxyHandler {
  const { router } = options;
  const limits: RequestLimits = { ...DEFAULT_REQUEST_LIMITS, ...options.limits };
  const basePolicy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const clock = options.clock ?? { now: () => Date.now() };
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const logger = options.logger ?? silentLogger;
  const emit = options.onEvent ?? (() => undefined);
  // Usage and first-content timing cost a parse per response: only when someone listens.
  const observing = options.onEvent !== undefined;
  const totalMs = options.timeouts?.totalMs ?? 600_000;
  const transport = options.transport ?? createFetchTransport({ clock });
  const targets = options.targets ?? resolveBackendTargets(router.config, options.env ?? processEnv());
  const health = isHealth(options.health)
    ? options.health
    : createBackendHealth({ clock, ...options.health });
  // A model's `reliability` block overrides the retry budget and the ejection thresholds.
  const policies = new Map<string, RetryPolicy>();
  const ejection = new Map<string, EjectionPolicy>();
  for (const model of router.config.providers.models) {
    const reliability = model.reliability;
    if (reliability?.retry_count !== undefined) {
      policies.set(model.name, { ...basePolicy, maxRetriesPerTarget: reliability.retry_count });
    }
    const baseEjectionMs = parseDurationMs(reliability?.base_ejection_time);
    if (reliability?.consecutive_5xx !== undefined || baseEjectionMs !== undefined) {
      ejection.set(model.name, {
        ...(reliability?.consecutive_5xx !== undefined
          ? { consecutiveFailures: reliability.consecutive_5xx }
          : {}),
        ...(baseEjectionMs !== undefined ? { baseEjectionMs } : {}),
      });
    }
  }

  async function handle(input: HttpInput): Promise<HttpResult> {
    try {
      const { method, path } = input;
      if (path === '/v1/chat/completions' || path === '/chat/completions') {
        if (method !== 'POST')
          return openaiErrorResult('invalid_request', `method ${method} is not allowed on ${path}`, {
            status: 405,
          });
        return await chat(input);
      }
      if (path === '/v1/models' || path === '/models') {
        if (method !== 'GET')
          return openaiErrorResult('invalid_request', `method ${method} is not allowed on ${path}`, {
            status: 405,
          });
        return jsonResult(200, router.listModels());
      }
      if (path === '/health' || path === '/healthz') return jsonResult(200, { status: 'ok' });
      return openaiErrorResult(
        'not_found',
        `unknown path ${path}: this proxy serves POST /v1/chat/completions and GET /v1/models`,
      );
    } catch (error) {
      logger.error({ error: error instanceof Error ? error.message : String(error) }, 'proxy request failed');
      return openaiErrorResult('internal', 'internal proxy error');
    }
  }

  async function chat(input: HttpInput): Promise<HttpResult> {
    let text: string;
    try {
      text = await input.readBody(limits.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return openaiErrorResult(
          'payload_too_large',
          `request body exceeds the limit of ${limits.maxBodyBytes} bytes`,
        );
      }
      return openaiErrorResult('invalid_request', 'could not read the request body');
    }
    if (jsonNestingDepth(text, limits.maxJsonDepth) > limits.maxJsonDepth) {
      return openaiErrorResult(
        'invalid_request',
        `request JSON is nested deeper than ${limits.maxJsonDepth} levels`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      return openaiErrorResult(
        'invalid_request',
        `request body is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`,
      );
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return openaiErrorResult('invalid_request', 'request body must be a JSON object');
    }
    const messages = (body as { messages?: unknown }).messages;
    if (Array.isArray(messages) && messages.length > limits.maxMessages) {
      return openaiErrorResult(
        'invalid_request',
        `too many messages: ${messages.length} (limit ${limits.maxMessages})`,
        { param: 'messages' },
      );
    }

    // One controller per exchange: a client abort and the total deadline end routing, every
    // upstream attempt and the response body.
    const exchange = new AbortController();
    let clientGone = false;
    const onClientGone = () => {
      clientGone = true;
      exchange.abort(new Error('client closed the request'));
    };
    let unlink: () => void;
    if (input.onClientClose) unlink = input.onClientClose(onClientGone);
    else if (input.signal.aborted) {
      onClientGone();
      unlink = () => undefined;
    } else {
      input.signal.addEventListener('abort', onClientGone, { once: true });
      unlink = () => input.signal.removeEventListener('abort', onClientGone);
    }

    let outcome: RouteOutcome;
    try {
      outcome = await router.route(
        { body, headers: input.headers, path: input.path },
        { signal: exchange.signal },
      );
    } catch (error) {
      unlink();
      logger.error({ error: error instanceof Error ? error.message : String(error) }, 'routing failed');
      return openaiErrorResult('internal', 'routing failed');
    }
    if (outcome.type === 'immediate') {
      unlink();
      return { status: outcome.status, headers: outcome.headers, body: outcome.body };
    }
    return forward(input, outcome, { controller: exchange, isClientGone: () => clientGone, unlink });
  }

  function candidatesOf(outcome: UpstreamOutcome): Candidate[] {
    const list: Candidate[] = [];
    const seen = new Set<string>();
    const add = (model: string, bodyModel: string) => {
      const key = `${model}\u0000${bodyModel}`;
      if (seen.has(key)) return;
      seen.add(key);
      const bodyText =
        bodyModel === outcome.body.model
          ? outcome.bodyText
          : JSON.stringify({ ...outcome.body, model: bodyModel });
      list.push({
        model,
        bodyModel,
        bodyText,
        targets: orderTargetsByWeight(targets.get(model) ?? [], random),
      });
    };
    add(outcome.selectedModel, outcome.body.model);
    for (const fallback of outcome.fallbackModels) add(fallback.model, fallback.bodyModel);
    return list;
  }

  async function forward(
    input: HttpInput,
    outcome: UpstreamOutcome,
    exchange: { controller: AbortController; isClientGone: () => boolean; unlink: () => void },
  ): Promise<HttpResult> {
    const candidates = candidatesOf(outcome);
    const start = clock.now();
    const deadline = start + totalMs;
    const policy = policies.get(outcome.selectedModel) ?? basePolicy;
    const { controller } = exchange;
    const deadlineTimer = setTimeout(() => controller.abort(new Error('request deadline passed')), totalMs);
    let handedOver = false;
    const release = () => {
      clearTimeout(deadlineTimer);
      exchange.unlink();
    };

    try {
      const history: AttemptRecord[] = [];
      const tried: TriedAttempt[] = [];
      let lastFailure: UpstreamResult | undefined;
      for (;;) {
        const plan = planNextAttempt({
          candidates,
          history,
          now: clock.now(),
          deadline,
          policy,
          isAvailable: health.isAvailable,
          random,
        });
        if (plan.type === 'stop') break;
        const candidate = candidates[plan.candidateIndex]!;
        if (plan.delayMs > 0) {
          try {
            await sleep(plan.delayMs, controller.signal);
          } catch {
            break;
          }
        }
        const target = plan.target;
        const headers = buildUpstreamHeaders(
          input.headers,
          outcome.requestHeaders,
          target,
          plan.candidateIndex > 0 ? candidate.bodyModel : undefined,
        );
        const sentAt = clock.now();
        const result = await sendThrough(
          transport,
          { url: target.url, method: 'POST', headers, body: candidate.bodyText, target: target.name },
          { signal: controller.signal, deadline },
        );
        if (result.status === 'success') {
          health.recordSuccess(target.id);
          history.push({ targetId: target.id, model: candidate.model, result: 'success' });
          handedOver = true;
          return respond(outcome, candidate, target, result.response, {
            sentAt,
            attempts: history.length,
            signal: controller.signal,
            abort: () => controller.abort(),
            release,
          });
        }
        const error = result.error;
        if (error.code === 'aborted' || exchange.isClientGone()) {
          return openaiErrorResult('aborted', 'client closed the request');
        }
        lastFailure = result;
        const record: AttemptRecord = {
          targetId: target.id,
          model: candidate.model,
          result: result.status,
          ...(error.statusCode !== undefined ? { statusCode: error.statusCode } : {}),
          ...(result.status === 'retryable' && result.retryAfterMs !== undefined
            ? { retryAfterMs: result.retryAfterMs }
            : {}),
        };
        history.push(record);
        tried.push({
          model: candidate.bodyModel,
          backend: target.name,
          ...(error.statusCode !== undefined ? { status: error.statusCode } : {}),
          error: error.message,
        });
        if (result.status === 'retryable') {
          if (health.recordFailure(target.id, ejection.get(target.model))) {
            emit({ type: 'backend-ejected', target: target.id });
            logger.warn({ target: target.id }, 'backend ejected after consecutive failures');
          }
          emit({
            type: 'upstream-retry',
            model: candidate.model,
            target: target.name,
            reason: record.statusCode !== undefined ? String(record.statusCode) : 'network',
            delayMs: 0,
            error: error.message,
          });
        }
      }

      if (exchange.isClientGone()) return openaiErrorResult('aborted', 'client closed the request');
      if (lastFailure?.status === 'failure' && lastFailure.error.statusCode !== undefined) {
        return relayUpstreamError(lastFailure.error.statusCode, lastFailure.error.responseBody ?? '');
      }
      return exhaustedError(candidates, tried, controller.signal.aborted);
    } finally {
      if (!handedOver) release();
    }
  }

  function relayUpstreamError(status: number, responseBody: string): HttpResult {
    let body = responseBody;
    try {
      JSON.parse(responseBody);
    } catch {
      return openaiErrorResult(
        'upstream_failed',
        `upstream answered ${status}: ${responseBody.slice(0, 500)}`,
        { status },
      );
    }
    if (body === '') body = '{}';
    return {
      status,
      // Decision headers go on 2xx answers only (the reference's header contract).
      headers: {
        'content-type': 'application/json',
        [HEADERS.schemaVersion]: HEADER_SCHEMA_VERSION,
        [HEADERS.responsePath]: 'error',
      },
      body,
    };
  }

  function exhaustedError(
    candidates: readonly Candidate[],
    tried: readonly TriedAttempt[],
    deadlinePassed: boolean,
  ): HttpResult {
    const untargeted = candidates
      .filter((candidate) => candidate.targets.length === 0)
      .map((candidate) => candidate.model);
    const skipped = candidates
      .flatMap((candidate) => candidate.targets)
      .filter(
        (target) =>
          !tried.some((attempt) => attempt.backend === target.name) && !health.isAvailable(target.id),
      )
      .map((target) => target.id);
    const parts: string[] = [];
    if (tried.length > 0) {
      parts.push(
        `tried ${tried.map((attempt) => `${attempt.model}@${attempt.backend} (${attempt.status ?? attempt.error})`).join(', ')}`,
      );
    }
    if (skipped.length > 0) parts.push(`skipped ejected backends ${skipped.join(', ')}`);
    if (untargeted.length > 0) parts.push(`no backend_refs configured for ${untargeted.join(', ')}`);
    const models = candidates.map((candidate) => candidate.bodyModel).join(' -> ');
    const message = `all upstreams failed for ${models}${deadlinePassed ? ' before the request deadline' : ''}: ${parts.join('; ') || 'nothing to try'}`;
    let code: ErrorCode = 'upstream_failed';
    if (deadlinePassed || (tried.length > 0 && tried.every((attempt) => attempt.error.includes('timed out'))))
      code = 'upstream_timeout';
    else if (tried.length > 0 && tried.every((attempt) => attempt.status === 429)) code = 'rate_limited';
    return openaiErrorResult(code, message, { extra: { attempts: tried } });
  }

  async function respond(
    outcome: UpstreamOutcome,
    candidate: Candidate,
    target: BackendTarget,
    response: UpstreamResponse,
    context: {
      sentAt: number;
      attempts: number;
      signal: AbortSignal;
      abort: () => void;
      release: () => void;
    },
  ): Promise<HttpResult> {
    const firstByteMs = clock.now() - context.sentAt;
    const headers: Record<string, string> = {};
    copyResponseHeaders(response.headers, headers);
    Object.assign(headers, outcome.responseHeaders);
    if (candidate.bodyModel !== outcome.body.model)
      headers[HEADERS.selectedModelResponse] = candidate.bodyModel;
    const contentType = headers['content-type'] ?? '';
    const end = (
      complete: boolean,
      observed?: { readonly usage?: ResponseUsage | undefined; readonly firstContentAt?: number | undefined },
    ) => {
      if (!observing) return;
      emit({
        type: 'upstream-end',
        model: candidate.model,
        target: target.name,
        status: response.status,
        attempts: context.attempts,
        firstByteMs,
        totalMs: clock.now() - context.sentAt,
        complete,
        ...(observed?.firstContentAt !== undefined
          ? { firstContentMs: observed.firstContentAt - context.sentAt }
          : {}),
        ...(observed?.usage ? { usage: observed.usage } : {}),
      });
    };

    if (!contentType.includes('text/event-stream')) {
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        context.release();
        logger.warn(
          { target: target.name, error: error instanceof Error ? error.message : String(error) },
          'upstream body failed',
        );
        if (context.signal.aborted) return openaiErrorResult('aborted', 'client closed the request');
        return openaiErrorResult(
          'upstream_failed',
          `upstream ${target.name} failed while sending the response body`,
        );
      }
      context.release();
      let completion: ChatCompletion | undefined;
      if (outcome.cacheWrite && response.status >= 200 && response.status < 300) {
        try {
          const parsed = JSON.parse(text) as ChatCompletion;
          if (parsed && typeof parsed === 'object' && Array.isArray(parsed.choices)) {
            completion = parsed;
            void router.storeResponse(outcome.cacheWrite, completion).catch(() => undefined);
          }
        } catch {
          // Not JSON: nothing to cache.
        }
      }
      // A body parsed for the cache already has its usage; otherwise read just the usage object.
      if (observing) end(true, { usage: completion ? completion.usage : usageOfCompletionText(text) });
      return { status: response.status, headers, body: text };
    }

    const collector = outcome.cacheWrite ? createCompletionCollector() : undefined;
    // A collector (cache write) already parses every event and reports first content and usage;
    // only without one does the cheaper tap watch the stream for the event.
    const tap = observing && !collector ? createStreamUsageTap(clock.now) : undefined;
    let firstContentAt: number | undefined;
    const cacheWrite = outcome.cacheWrite;
    async function* passthrough(): AsyncGenerator<Uint8Array> {
      let finished = false;
      try {
        for await (const chunk of response.chunks()) {
          if (collector) {
            collector.push(chunk);
            if (firstContentAt === undefined && collector.firstContentSeen) firstContentAt = clock.now();
          }
          tap?.push(chunk);
          yield chunk;
        }
        finished = true;
      } finally {
        context.release();
        // The client went away (or the upstream failed): stop the upstream too.
        if (!finished) context.abort();
        // Only a stream that ended with `data: [DONE]` rebuilds into a completion.
        const completion = finished ? collector?.finish() : undefined;
        const complete = finished && (collector ? completion !== undefined : true);
        end(complete, tap ?? { usage: collector?.usage, firstContentAt });
        if (completion && cacheWrite && response.status >= 200 && response.status < 300) {
          void router.storeResponse(cacheWrite, completion).catch(() => undefined);
        }
      }
    }
    return { status: response.status, headers, body: passthrough() };
  }

  return { handle, health, targets };
}
