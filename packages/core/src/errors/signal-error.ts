import type { ErrorCode } from './codes.js';
import { hasMarker, SemrouteError } from './semroute-error.js';

const MARKER = Symbol.for('semroute.error.SignalError');

/** A signal extractor failed or timed out; core applies the signal's `on_error` policy. */
export class SignalError extends SemrouteError {
  readonly [MARKER] = true;
  /** Signal family, e.g. `domain`. */
  readonly signalType: string;
  /** Signal name from the config. */
  readonly signalName: string;

  constructor(options: {
    message: string;
    code?: ErrorCode;
    cause?: unknown;
    signalType: string;
    signalName: string;
  }) {
    super(options.message, { code: options.code ?? 'signal_failed', cause: options.cause });
    this.name = 'SignalError';
    this.signalType = options.signalType;
    this.signalName = options.signalName;
  }

  static override isInstance(value: unknown): value is SignalError {
    return hasMarker(value, MARKER);
  }
}
