/**
 * @semroute/cache/redis: stores over plain Redis 6.2+/7 or Valkey (ioredis, loaded lazily).
 *
 * @module
 */
export {
  createRedisCacheStore,
  type RedisCacheStore,
  type RedisCacheStoreOptions,
} from './create-redis-cache-store.js';
export {
  createRedisVectorStore,
  type RedisVectorStore,
  type RedisVectorStoreOptions,
} from './create-redis-vector-store.js';
export {
  deleteByPrefix,
  type RedisArgument,
  type RedisConnectionOptions,
  type RedisLikeClient,
} from './redis-client.js';
