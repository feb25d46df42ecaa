/**
 * Vector similarity store contract, version 1, for the semantic cache and embedding signals.
 *
 * Contract: as `CacheStoreV1` (rejects with `CacheStoreError`, idempotent `close()`, expired
 * records never returned, inputs never mutated).
 *
 * @module
 */
import type { StoreCallOptions } from '../../cache-store/v1/cache-store-v1.js';

export interface VectorRecord {
  readonly id: string;
  readonly vector: Float32Array;
  /** Absolute Unix time in ms; `undefined` = no expiry. */
  readonly expiresAt?: number;
  /** Flat string metadata; `filter` in queries matches on it exactly. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface VectorMatch {
  readonly id: string;
  /** Similarity: cosine or inner product in [-1, 1]; for `l2`, the negated distance. Higher is closer. */
  readonly score: number;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface VectorQuery {
  readonly vector: Float32Array;
  readonly topK: number;
  /** Matches scoring below this are dropped. */
  readonly minScore?: number;
  /** Exact-match filter over record metadata (all pairs must match). */
  readonly filter?: Readonly<Record<string, string>>;
}

export interface VectorStoreV1 {
  readonly specificationVersion: 'v1';
  readonly name: string;
  readonly dimensions: number;
  readonly metric: 'cosine' | 'inner-product' | 'l2';
  /** Inserts or replaces records by id. Rejects when a vector's length differs from `dimensions`. */
  upsert(records: readonly VectorRecord[], options?: StoreCallOptions): Promise<void>;
  /** Best first. */
  query(query: VectorQuery, options?: StoreCallOptions): Promise<readonly VectorMatch[]>;
  delete(ids: readonly string[], options?: StoreCallOptions): Promise<void>;
  close(): Promise<void>;
}
