import type { ErrorCode } from './codes.js';
import { hasMarker, SemrouteError } from './semroute-error.js';

const MARKER = Symbol.for('semroute.error.ClassifierError');

/** A classifier or embedding backend failed to load or run. */
export class ClassifierError extends SemrouteError {
  readonly [MARKER] = true;
  /** Backend that failed, e.g. `onnxruntime-node`. */
  readonly backend: string;
  /** Model id or folder. */
  readonly modelId: string;

  constructor(options: {
    message: string;
    code?: ErrorCode;
    cause?: unknown;
    backend: string;
    modelId: string;
  }) {
    super(options.message, { code: options.code ?? 'classifier_failed', cause: options.cause });
    this.name = 'ClassifierError';
    this.backend = options.backend;
    this.modelId = options.modelId;
  }

  static override isInstance(value: unknown): value is ClassifierError {
    return hasMarker(value, MARKER);
  }
}
