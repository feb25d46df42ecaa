/**
 * Builds the response cache that `global.stores.response_cache` describes: the store for the
 * configured `backend_type`, the semantic tier over the given embedder, the store-level TTL and
 * `on_error` policy. This is what `semroute serve` calls. Client libraries stay lazily loaded.
 *
 * Backends: `memory`; `redis`/`valkey` (entries and vectors in Redis, local index per replica;
 * `redis.server_knn: true` for the search module); `milvus` (vectors in Milvus, entries in Redis
 * when a `redis` block is given, else in memory); `hybrid` (local index over Milvus documents,
 * entries as for milvus). `qdrant` is not supported yet.
 *
 * @module
 */
import {
  type CacheStoreV1,
  ConfigError,
  type EmbeddingBackendV1,
  type ResponseCacheStoreConfig,
  type VectorStoreV1,
} from '@semroute/core';
import { createHybridVectorStore } from '../hybrid/create-hybrid-vector-store.js';
import type { Clock } from '../internal/clock.js';
import { createMemoryCacheStore } from '../memory/create-memory-cache-store.js';
import { createMemoryVectorStore } from '../memory/create-memory-vector-store.js';
import { createMilvusVectorStore } from '../milvus/create-milvus-vector-store.js';
import { createRedisCacheStore } from '../redis/create-redis-cache-store.js';
import { createRedisVectorStore } from '../redis/create-redis-vector-store.js';
import {
  type CreateResponseCacheOptions,
  createResponseCache,
  type ResponseCache,
} from './create-response-cache.js';

export interface CreateResponseCacheFromConfigOptions {
  /** `global.stores.response_cache`, defaults applied. */
  readonly config: ResponseCacheStoreConfig;
  /** Embedder for the semantic tier; without it every decision gets exact caching only. */
  readonly embedder?: EmbeddingBackendV1;
  readonly clock?: Clock;
  readonly onEvent?: CreateResponseCacheOptions['onEvent'];
}

const text = (record: Record<string, unknown> | undefined, key: string): string | undefined => {
  const value = record?.[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
};

function redisUrl(block: Record<string, unknown> | undefined): string {
  const url = text(block, 'url');
  if (url) return url;
  const address = text(block, 'address');
  const host = text(block, 'host') ?? address?.split(':')[0] ?? '127.0.0.1';
  const port = text(block, 'port') ?? address?.split(':')[1] ?? '6379';
  const password = text(block, 'password');
  const database = text(block, 'db') ?? text(block, 'database') ?? '0';
  return `redis://${password ? `:${encodeURIComponent(password)}@` : ''}${host}:${port}/${database}`;
}

export function createResponseCacheFromConfig(options: CreateResponseCacheFromConfigOptions): ResponseCache {
  const { config, embedder, clock } = options;
  if (config.backend_type === 'qdrant') {
    throw new ConfigError({
      issues: [
        {
          path: 'global.stores.response_cache.backend_type',
          message: 'qdrant is not supported yet; use memory, redis, valkey, milvus or hybrid',
          severity: 'error',
        },
      ],
    });
  }
  const redisBlock = (config.redis ?? config.valkey) as Record<string, unknown> | undefined;
  const redisPrefix = text(redisBlock, 'key_prefix') ?? 'semroute:';
  const hnsw = {
    ...(config.hnsw_m !== undefined ? { m: config.hnsw_m } : {}),
    ...(config.hnsw_ef_construction !== undefined ? { efConstruction: config.hnsw_ef_construction } : {}),
    ...(config.hnsw_ef_search !== undefined ? { efSearch: config.hnsw_ef_search } : {}),
  };
  const clockOption = clock ? { clock } : {};
  let vectorStore: VectorStoreV1 | undefined;
  // An entry evicted from memory takes its vector along, so the index never outgrows the entries.
  const entryPrefix = 'semroute:rc:e:';
  const memoryEntries = () =>
    createMemoryCacheStore({
      maxEntries: config.max_entries,
      ...(config.max_bytes !== undefined ? { maxBytes: config.max_bytes } : {}),
      evictionPolicy: config.eviction_policy,
      onEvict: (key) => {
        if (key.startsWith(entryPrefix))
          void vectorStore?.delete([key.slice(entryPrefix.length)]).catch(() => undefined);
      },
      ...clockOption,
    });
  const redisEntries = () =>
    createRedisCacheStore({ url: redisUrl(redisBlock), keyPrefix: `${redisPrefix}rc:kv:`, ...clockOption });

  let store: CacheStoreV1;
  const dimensions = embedder?.dimensions;
  switch (config.backend_type) {
    case 'memory':
      store = memoryEntries();
      if (dimensions)
        vectorStore = createMemoryVectorStore({
          dimensions,
          index: config.use_hnsw === false ? 'brute-force' : 'auto',
          hnsw,
          maxRecords: config.max_entries,
          ...clockOption,
        });
      break;
    case 'redis':
    case 'valkey':
      store = redisEntries();
      if (dimensions) {
        vectorStore = createRedisVectorStore({
          url: redisUrl(redisBlock),
          dimensions,
          keyPrefix: `${redisPrefix}rc:vec:`,
          serverKnn: redisBlock?.server_knn === true,
          localIndex: { hnsw, maxRecords: config.max_entries },
          ...clockOption,
        });
      }
      break;
    case 'milvus':
    case 'hybrid': {
      store = redisBlock ? redisEntries() : memoryEntries();
      const milvusBlock = (config.milvus ?? config.hybrid) as Record<string, unknown> | undefined;
      if (dimensions) {
        const documents = createMilvusVectorStore({
          dimensions,
          ...(text(milvusBlock, 'address') ? { address: text(milvusBlock, 'address') as string } : {}),
          ...(text(milvusBlock, 'token') ? { token: text(milvusBlock, 'token') as string } : {}),
          ...(text(milvusBlock, 'collection')
            ? { collection: text(milvusBlock, 'collection') as string }
            : {}),
          hnsw,
          ...clockOption,
        });
        vectorStore =
          config.backend_type === 'hybrid'
            ? createHybridVectorStore({ documents, localIndex: { hnsw }, ...clockOption })
            : documents;
      }
      break;
    }
  }
  return createResponseCache({
    store,
    ...(vectorStore && embedder ? { vectorStore, embedder } : {}),
    defaultTtlSeconds: config.ttl_seconds,
    onError: config.on_error,
    ...clockOption,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}
