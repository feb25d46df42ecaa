import type { ErrorCode } from './codes.js';
import { hasMarker, SemrouteError } from './semroute-error.js';

const MARKER = Symbol.for('semroute.error.InvalidRequestError');

/** The client's request is malformed or not a chat request (HTTP 400). */
export class InvalidRequestError extends SemrouteError {
  readonly [MARKER] = true;
  /** Request field at fault, e.g. `messages[0].content`, when known. */
  readonly param: string | undefined;

  constructor(options: { message: string; code?: ErrorCode; cause?: unknown; param?: string }) {
    super(options.message, { code: options.code ?? 'invalid_request', cause: options.cause });
    this.name = 'InvalidRequestError';
    this.param = options.param;
  }

  static override isInstance(value: unknown): value is InvalidRequestError {
    return hasMarker(value, MARKER);
  }
}
