/**
 * Hybrid `VectorStoreV1`: a local ANN index (the memory vector store: exact below a threshold,
 * HNSW above) answers every query in-process, while a shared document store (Milvus, or any
 * store with `scan()`) holds the records durably. Writes go to the document store first, then
 * to the local index; `ready()` warms the index from the document store, and `resyncIntervalMs`
 * re-reads it periodically so writes from other replicas appear (the Redis store syncs through
 * a change stream instead and needs no hybrid wrapper).
 *
 * @module
 */
import {
  CacheStoreError,
  type StoreCallOptions,
  type VectorMatch,
  type VectorQuery,
  type VectorRecord,
  type VectorStoreV1,
} from '@semroute/core';
import { type Clock, systemClock } from '../internal/clock.js';
import {
  createMemoryVectorStore,
  type MemoryVectorStore,
  type MemoryVectorStoreOptions,
} from '../memory/create-memory-vector-store.js';

/** A durable store the hybrid index can be rebuilt from. */
export interface ScannableVectorStore extends VectorStoreV1 {
  scan(options?: { readonly pageSize?: number }): AsyncIterable<VectorRecord>;
}

export interface HybridVectorStoreOptions {
  readonly documents: ScannableVectorStore;
  readonly localIndex?: Omit<MemoryVectorStoreOptions, 'dimensions' | 'clock' | 'name'>;
  /** Rebuild the local index from the documents this often, ms (default 60000; 0 = only at start). */
  readonly resyncIntervalMs?: number;
  readonly clock?: Clock;
}

export interface HybridVectorStore extends VectorStoreV1 {
  /** Resolves once the local index holds what the document store held at start. */
  ready(): Promise<void>;
  /** Rebuilds the local index from the document store now. */
  resync(): Promise<void>;
}

export function createHybridVectorStore(options: HybridVectorStoreOptions): HybridVectorStore {
  const { documents } = options;
  const clock = options.clock ?? systemClock;
  const makeLocal = () =>
    createMemoryVectorStore({
      ...options.localIndex,
      dimensions: documents.dimensions,
      clock,
      name: 'hybrid',
    });
  let local: MemoryVectorStore = makeLocal();
  let closed = false;

  const resync = async () => {
    // Build a fresh index and swap it in, so queries keep answering from the old one meanwhile.
    const next = makeLocal();
    let batch: VectorRecord[] = [];
    for await (const record of documents.scan()) {
      batch.push(record);
      if (batch.length >= 1000) {
        await next.upsert(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await next.upsert(batch);
    const previous = local;
    local = next;
    await previous.close();
  };

  const readyPromise = resync();
  readyPromise.catch(() => undefined);
  let timer: ReturnType<typeof setInterval> | undefined;
  if ((options.resyncIntervalMs ?? 60_000) > 0) {
    timer = setInterval(() => {
      void resync().catch(() => undefined);
    }, options.resyncIntervalMs ?? 60_000);
    (timer as { unref?: () => void }).unref?.();
  }

  const ensureOpen = (method: string) => {
    if (closed)
      throw new CacheStoreError({ message: 'hybrid vector store is closed', store: 'hybrid', method });
  };
  const warm = async () => {
    try {
      await readyPromise;
    } catch {
      // The document store was unreachable at start: serve what we have, keep writing through.
    }
  };

  return {
    specificationVersion: 'v1',
    name: 'hybrid',
    dimensions: documents.dimensions,
    metric: 'cosine',
    ready: () => readyPromise,
    resync: async () => {
      ensureOpen('resync');
      await resync();
    },
    async upsert(records: readonly VectorRecord[], callOptions?: StoreCallOptions) {
      ensureOpen('upsert');
      await warm();
      await documents.upsert(records, callOptions);
      await local.upsert(records);
    },
    async query(query: VectorQuery, _options?: StoreCallOptions): Promise<readonly VectorMatch[]> {
      ensureOpen('query');
      await warm();
      return local.query(query);
    },
    async delete(ids: readonly string[], callOptions?: StoreCallOptions) {
      ensureOpen('delete');
      await warm();
      await documents.delete(ids, callOptions);
      await local.delete(ids);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      await Promise.allSettled([local.close(), documents.close()]);
    },
  };
}
