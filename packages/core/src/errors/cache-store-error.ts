import type { ErrorCode } from './codes.js';
import { hasMarker, SemrouteError } from './semroute-error.js';

const MARKER = Symbol.for('semroute.error.CacheStoreError');

/** A cache or vector store operation failed (I/O, protocol, timeout). */
export class CacheStoreError extends SemrouteError {
  readonly [MARKER] = true;
  /** Store name, e.g. `redis`. */
  readonly store: string;
  /** Store method that failed, e.g. `get`. */
  readonly method: string;
  /** Key involved, when there is one. */
  readonly key: string | undefined;

  constructor(options: {
    message: string;
    code?: ErrorCode;
    cause?: unknown;
    store: string;
    method: string;
    key?: string;
  }) {
    super(options.message, { code: options.code ?? 'cache_store_failed', cause: options.cause });
    this.name = 'CacheStoreError';
    this.store = options.store;
    this.method = options.method;
    this.key = options.key;
  }

  static override isInstance(value: unknown): value is CacheStoreError {
    return hasMarker(value, MARKER);
  }
}
