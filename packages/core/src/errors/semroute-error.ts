/**
 * The base of every error semroute throws. Identified by a `Symbol.for` marker, never by
 * `instanceof`, so that two copies of the package in one process still recognise each other.
 *
 * @module
 */
import { ERROR_CODES, type ErrorCode } from './codes.js';

const BASE_MARKER = Symbol.for('semroute.error');

export interface SemrouteErrorOptions {
  readonly code?: ErrorCode;
  readonly cause?: unknown;
}

export class SemrouteError extends Error {
  readonly [BASE_MARKER] = true;
  /** Code from the error table; decides HTTP status, OpenAI type and gRPC status. */
  readonly code: ErrorCode;
  override readonly cause?: unknown;

  constructor(message: string, options: SemrouteErrorOptions = {}) {
    super(message);
    this.name = 'SemrouteError';
    this.code = options.code ?? 'internal';
    if (options.cause !== undefined) this.cause = options.cause;
  }

  /** HTTP status for this error. */
  get httpStatus(): number {
    return ERROR_CODES[this.code].httpStatus;
  }

  /** gRPC status code for this error. */
  get grpcStatus(): number {
    return ERROR_CODES[this.code].grpcStatus;
  }

  /** OpenAI-style error `type`. */
  get openaiType(): string {
    return ERROR_CODES[this.code].openaiType;
  }

  /** Whether retrying the same operation may succeed. */
  get isRetryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  /** The OpenAI-style error body: `{"error": {"message", "type", "code"}}`. */
  toOpenAIError(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.openaiType, code: this.code, param: null } };
  }

  /** True for any semroute error, from any copy of the package. */
  static isInstance(value: unknown): value is SemrouteError {
    return (
      typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BASE_MARKER] === true
    );
  }
}

/** The OpenAI error body every transport sends. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

/** Builds a marker-checking `isInstance` for a subclass. */
export function hasMarker(value: unknown, marker: symbol): boolean {
  return SemrouteError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[marker] === true;
}

/**
 * Normalises anything thrown into a {@link SemrouteError}, keeping the original as `cause` (and
 * its stack).
 */
export function toSemrouteError(value: unknown, code: ErrorCode = 'internal'): SemrouteError {
  if (SemrouteError.isInstance(value)) return value;
  if (value instanceof Error) {
    const error = new SemrouteError(value.message, { code, cause: value });
    if (value.stack) error.stack = value.stack;
    return error;
  }
  return new SemrouteError(String(value), { code, cause: value });
}
