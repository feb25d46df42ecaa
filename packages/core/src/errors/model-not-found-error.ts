import type { ErrorCode } from './codes.js';
import { hasMarker, SemrouteError } from './semroute-error.js';

const MARKER = Symbol.for('semroute.error.ModelNotFoundError');

/** The requested model name is neither an auto name, an entrypoint nor a configured model (HTTP 400). */
export class ModelNotFoundError extends SemrouteError {
  readonly [MARKER] = true;
  /** The model name the client asked for. */
  readonly model: string;

  constructor(options: { message: string; code?: ErrorCode; cause?: unknown; model: string }) {
    super(options.message, { code: options.code ?? 'model_not_found', cause: options.cause });
    this.name = 'ModelNotFoundError';
    this.model = options.model;
  }

  static override isInstance(value: unknown): value is ModelNotFoundError {
    return hasMarker(value, MARKER);
  }
}
