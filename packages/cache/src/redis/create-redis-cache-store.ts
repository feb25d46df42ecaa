/**
 * `CacheStoreV1` over plain Redis 6.2+/7 or Valkey (no modules): one string per entry with a
 * native expiry (`SET … PXAT`), so expired entries are never served and Redis reclaims them.
 *
 * @module
 */
import { CacheStoreError, type CacheStoreV1, type StoreCallOptions } from '@semroute/core';
import { type Clock, systemClock } from '../internal/clock.js';
import {
  connectRedis,
  type RedisConnectionOptions,
  type RedisLikeClient,
  redisError,
} from './redis-client.js';

export interface RedisCacheStoreOptions extends RedisConnectionOptions {
  /** Prefix of every key (default `semroute:cache:`). */
  readonly keyPrefix?: string;
  readonly clock?: Clock;
}

export interface RedisCacheStore extends CacheStoreV1 {
  /** The underlying client, once connected. */
  client(): Promise<RedisLikeClient>;
}

export function createRedisCacheStore(options: RedisCacheStoreOptions = {}): RedisCacheStore {
  const prefix = options.keyPrefix ?? 'semroute:cache:';
  const clock = options.clock ?? systemClock;
  const connection = connectRedis(options);
  // Avoid an unhandled rejection before the first call; calls see the error.
  connection.catch(() => undefined);
  let closed = false;

  const use = async (method: string, key?: string) => {
    if (closed)
      throw new CacheStoreError({
        message: 'redis cache store is closed',
        store: 'redis',
        method,
        ...(key !== undefined ? { key } : {}),
      });
    try {
      return (await connection).client;
    } catch (error) {
      throw redisError('redis', method, error, key);
    }
  };

  return {
    specificationVersion: 'v1',
    name: 'redis',
    async client() {
      return (await connection).client;
    },
    async get(key: string, _options?: StoreCallOptions) {
      const client = await use('get', key);
      try {
        const value = (await client.callBuffer('GET', prefix + key)) as Buffer | null;
        return value ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : undefined;
      } catch (error) {
        throw redisError('redis', 'get', error, key);
      }
    },
    async set(
      key: string,
      value: Uint8Array,
      setOptions?: StoreCallOptions & { readonly expiresAt?: number },
    ) {
      const client = await use('set', key);
      try {
        const buffer = Buffer.from(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
        const expiresAt = setOptions?.expiresAt;
        if (expiresAt === undefined) await client.call('SET', prefix + key, buffer);
        else if (expiresAt <= clock.now()) await client.call('DEL', prefix + key);
        // Relative PX from the injected clock: the server clock may differ from ours, the remaining time does not.
        else
          await client.call(
            'SET',
            prefix + key,
            buffer,
            'PX',
            Math.max(1, Math.ceil(expiresAt - clock.now())),
          );
      } catch (error) {
        throw redisError('redis', 'set', error, key);
      }
    },
    async delete(key: string) {
      const client = await use('delete', key);
      try {
        return Number(await client.call('DEL', prefix + key)) > 0;
      } catch (error) {
        throw redisError('redis', 'delete', error, key);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        const { client, owned } = await connection;
        if (owned) await client.quit().catch(() => client.disconnect());
      } catch {
        // never connected
      }
    },
  };
}
