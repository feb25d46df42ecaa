/**
 * Structured JSON logs with pino. `createJsonLogger()` returns a logger that satisfies core's
 * `Logger` (pass it to `createRouter`, the hosts and this package); `createRequestLogger()`
 * writes one line per routed request with the request id, decision, model and latency. Prompts,
 * message content and PII values are never logged unless `logPrompts` is set.
 *
 * @module
 */
import type { Logger, RouteOutcome } from '@semroute/core';
import { pino } from 'pino';

export interface CreateJsonLoggerOptions {
  /** `trace` … `fatal`, or `silent` (default `info`). */
  readonly level?: string;
  /** Where lines go: anything with `write(string)` (default stdout). */
  readonly destination?: { write(line: string): unknown };
  /** Fields on every line, e.g. `{ service: 'semroute' }`. */
  readonly base?: Readonly<Record<string, unknown>>;
  /** Log prompt text (`prompt`, `messages`) instead of redacting it (default false). */
  readonly logPrompts?: boolean;
}

/** A pino logger that is also a core `Logger`. */
export interface JsonLogger extends Logger {
  child(bindings: Record<string, unknown>): JsonLogger;
  readonly level: string;
}

/** Paths removed from every line unless `logPrompts`; authorization values are always removed. */
const PROMPT_PATHS = [
  'prompt',
  'text',
  'texts',
  'messages',
  'body',
  'content',
  '*.prompt',
  '*.messages',
  '*.content',
];
const SECRET_PATHS = ['authorization', 'headers.authorization', '*.authorization', 'token', 'api_key'];

export function createJsonLogger(options: CreateJsonLoggerOptions = {}): JsonLogger {
  const paths = options.logPrompts ? SECRET_PATHS : [...SECRET_PATHS, ...PROMPT_PATHS];
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { ...(options.base ?? {}) },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    (options.destination as never) ?? undefined,
  );
  return logger as unknown as JsonLogger;
}

export interface RequestLogInput {
  readonly requestId?: string;
  readonly method?: string;
  readonly path?: string;
  /** Final HTTP status to the client. */
  readonly status?: number;
  /** Whole request, ms (routing + upstream). */
  readonly latencyMs?: number;
  /** The prompt, logged only with `logPrompts`. */
  readonly prompt?: string;
}

export interface RequestLogger {
  /** One `request routed` line per request. */
  logRoute(outcome: RouteOutcome, input?: RequestLogInput): void;
}

export function createRequestLogger(
  logger: Logger,
  options: { readonly logPrompts?: boolean } = {},
): RequestLogger {
  return {
    logRoute(outcome, input = {}) {
      const explanation = outcome.explanation;
      const line: Record<string, unknown> = {
        request_id: input.requestId,
        method: input.method,
        path: input.path,
        status: input.status ?? (outcome.type === 'immediate' ? outcome.status : undefined),
        response_path: outcome.type === 'upstream' ? 'upstream' : outcome.reason,
        decision: explanation.decision,
        recipe: explanation.recipe,
        model: explanation.model,
        selected_model: explanation.selectedModel,
        requested_model: explanation.requestedModel,
        confidence: Number(explanation.confidence.toFixed(4)),
        matched_signals: explanation.signals
          .filter((signal) => signal.status === 'matched')
          .map((signal) => `${signal.type}:${signal.name}`),
        plugins: explanation.plugins,
        routing_latency_ms: Number(explanation.latencyMs.toFixed(3)),
        latency_ms: input.latencyMs !== undefined ? Number(input.latencyMs.toFixed(3)) : undefined,
      };
      if (options.logPrompts && input.prompt !== undefined) line.prompt = input.prompt;
      const failed = explanation.signals.filter(
        (signal) => signal.status === 'error' || signal.status === 'timeout',
      );
      if (failed.length) line.failed_signals = failed.map((signal) => `${signal.type}:${signal.name}`);
      if (outcome.type === 'immediate' && outcome.reason === 'error') logger.warn(line, 'request rejected');
      else logger.info(line, 'request routed');
    },
  };
}
