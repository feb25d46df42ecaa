import type { ErrorCode } from './codes.js';
import { hasMarker, SemrouteError } from './semroute-error.js';

const MARKER = Symbol.for('semroute.error.DependencyNotInstalledError');

/** An adapter's lazily imported dependency is not installed; the message says how to install it. */
export class DependencyNotInstalledError extends SemrouteError {
  readonly [MARKER] = true;
  /** npm package that is missing. */
  readonly packageName: string;

  constructor(options: { message: string; code?: ErrorCode; cause?: unknown; packageName: string }) {
    super(options.message, { code: options.code ?? 'dependency_not_installed', cause: options.cause });
    this.name = 'DependencyNotInstalledError';
    this.packageName = options.packageName;
  }

  static override isInstance(value: unknown): value is DependencyNotInstalledError {
    return hasMarker(value, MARKER);
  }
}
