/**
 * Exact-match cache store contract, version 1. Values are opaque bytes; core owns keys and
 * (de)serialisation. Implemented by `@semroute/cache` (memory, redis, milvus, ...).
 *
 * Contract: adapters reject with `CacheStoreError` on I/O failure (never report failure only
 * through events); fail-open is the caller's policy. `close()` is idempotent. Expired entries
 * are never returned.
 *
 * @module
 */

/** Options every store call accepts. */
export interface StoreCallOptions {
  readonly signal?: AbortSignal;
}

export interface CacheStoreV1 {
  readonly specificationVersion: 'v1';
  /** Store name, e.g. `memory`, `redis`. */
  readonly name: string;
  get(key: string, options?: StoreCallOptions): Promise<Uint8Array | undefined>;
  /**
   * Optional: reads several keys in one round trip, answering in key order (`undefined` for a
   * missing or expired key). Remote stores should read them atomically (one snapshot), as Redis
   * `MGET` does: the response cache reads an entry together with the invalidation generations
   * it was keyed under and trusts the pair only because they come from one snapshot. Without
   * it, callers issue concurrent `get`s.
   */
  getMany?(keys: readonly string[], options?: StoreCallOptions): Promise<Array<Uint8Array | undefined>>;
  /** `expiresAt`: absolute Unix time in ms; `undefined` = no expiry. */
  set(
    key: string,
    value: Uint8Array,
    options?: StoreCallOptions & { readonly expiresAt?: number },
  ): Promise<void>;
  /** Resolves true when an entry was removed. */
  delete(key: string, options?: StoreCallOptions): Promise<boolean>;
  close(): Promise<void>;
}
