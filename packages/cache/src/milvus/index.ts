/**
 * @semroute/cache/milvus: vector store over Milvus (@zilliz/milvus2-sdk-node, loaded lazily).
 *
 * @module
 */
export {
  createMilvusVectorStore,
  type MilvusClientLike,
  type MilvusStatus,
  type MilvusVectorStore,
  type MilvusVectorStoreOptions,
} from './create-milvus-vector-store.js';
