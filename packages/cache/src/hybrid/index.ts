/**
 * @semroute/cache/hybrid: a local ANN index over a durable document store (Milvus).
 *
 * @module
 */
export {
  createHybridVectorStore,
  type HybridVectorStore,
  type HybridVectorStoreOptions,
  type ScannableVectorStore,
} from './create-hybrid-vector-store.js';
