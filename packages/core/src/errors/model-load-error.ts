import type { ErrorCode } from './codes.js';
import { hasMarker, SemrouteError } from './semroute-error.js';

const MARKER = Symbol.for('semroute.error.ModelLoadError');

/** A model folder is missing, incomplete or broken; raised at startup, naming the path. */
export class ModelLoadError extends SemrouteError {
  readonly [MARKER] = true;
  /** Model folder or file that failed. */
  readonly path: string;

  constructor(options: { message: string; code?: ErrorCode; cause?: unknown; path: string }) {
    super(options.message, { code: options.code ?? 'model_load_failed', cause: options.cause });
    this.name = 'ModelLoadError';
    this.path = options.path;
  }

  static override isInstance(value: unknown): value is ModelLoadError {
    return hasMarker(value, MARKER);
  }
}
