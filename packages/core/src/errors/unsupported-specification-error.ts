import type { ErrorCode } from './codes.js';
import { hasMarker, SemrouteError } from './semroute-error.js';

const MARKER = Symbol.for('semroute.error.UnsupportedSpecificationError');

/** An adapter implements a specification version core does not support. */
export class UnsupportedSpecificationError extends SemrouteError {
  readonly [MARKER] = true;
  /** Version the adapter declared. */
  readonly version: string;

  constructor(options: { message: string; code?: ErrorCode; cause?: unknown; version: string }) {
    super(options.message, { code: options.code ?? 'unsupported_specification', cause: options.cause });
    this.name = 'UnsupportedSpecificationError';
    this.version = options.version;
  }

  static override isInstance(value: unknown): value is UnsupportedSpecificationError {
    return hasMarker(value, MARKER);
  }
}
