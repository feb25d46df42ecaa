/**
 * @semroute/cache/memory: the embedded stores.
 *
 * @module
 */
export {
  createMemoryCacheStore,
  type EvictionPolicy,
  type MemoryCacheStore,
  type MemoryCacheStoreOptions,
  type MemoryCacheStoreStats,
} from './create-memory-cache-store.js';
export {
  createMemoryVectorStore,
  type HnswOptions,
  type MemoryVectorStore,
  type MemoryVectorStoreOptions,
} from './create-memory-vector-store.js';
export type { HnswIndexLike, HnswlibModuleLike } from './hnswlib-types.js';
