import type { ErrorCode } from './codes.js';
import { hasMarker, SemrouteError } from './semroute-error.js';

const MARKER = Symbol.for('semroute.error.UpstreamError');

/** An upstream model server failed, timed out or answered an error. */
export class UpstreamError extends SemrouteError {
  readonly [MARKER] = true;
  /** Upstream target (backend name or URL). */
  readonly target: string;
  /** HTTP status the upstream answered, when it answered. */
  readonly statusCode: number | undefined;
  /** Body the upstream answered, when it answered (truncated by the caller). */
  readonly responseBody: string | undefined;

  constructor(options: {
    message: string;
    code?: ErrorCode;
    cause?: unknown;
    target: string;
    statusCode?: number;
    responseBody?: string;
  }) {
    super(options.message, { code: options.code ?? 'upstream_failed', cause: options.cause });
    this.name = 'UpstreamError';
    this.target = options.target;
    this.statusCode = options.statusCode;
    this.responseBody = options.responseBody;
  }

  static override isInstance(value: unknown): value is UpstreamError {
    return hasMarker(value, MARKER);
  }
}
