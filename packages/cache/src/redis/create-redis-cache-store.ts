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
  getMany(keys: readonly string[], options?: StoreCallOptions): Promise<Array<Uint8Array | undefined>>;
  /** The underlying client, once connected. */
  client(): Promise<RedisLikeClient>;
}

export function createRedisCacheStore(options: RedisCacheStoreOptions = {}): RedisCacheStore {
  const prefix = options.keyPrefix ?? 'semroute:cache:';
  const clock = options.clock ?? systemClock;
  const connection = connectRedis(options);
  // Avoid an unhandled rejection before the first call; calls see the error.
  connection.catch(() => undefined);
  // Once connected, commands are written synchronously from the calling tick (no await on the
  // settled connection): a caller that sends a read and then does CPU work (the response
  // cache's ANN search) has the read on the wire while it computes.
  let connected: RedisLikeClient | undefined;
  connection.then(
    ({ client }) => {
      connected = client;
    },
    () => undefined,
  );
  let closed = false;

  const closedError = (method: string, key?: string) =>
    new CacheStoreError({
      message: 'redis cache store is closed',
      store: 'redis',
      method,
      ...(key !== undefined ? { key } : {}),
    });
  const use = async (method: string, key?: string) => {
    if (closed) throw closedError(method, key);
    try {
      return (await connection).client;
    } catch (error) {
      throw redisError('redis', method, error, key);
    }
  };
  const toBytes = (value: Buffer) => new Uint8Array(value.buffer, value.byteOffset, value.byteLength);

  return {
    specificationVersion: 'v1',
    name: 'redis',
    async client() {
      return (await connection).client;
    },
    async get(key: string, _options?: StoreCallOptions) {
      const client = connected && !closed ? connected : await use('get', key);
      try {
        const value = (await client.callBuffer('GET', prefix + key)) as Buffer | null;
        return value ? toBytes(value) : undefined;
      } catch (error) {
        throw redisError('redis', 'get', error, key);
      }
    },
    /** One `MGET`: a single round trip and one consistent snapshot of the keys. */
    async getMany(keys: readonly string[], _options?: StoreCallOptions) {
      if (keys.length === 0) {
        if (closed) throw closedError('getMany');
        return [];
      }
      const client = connected && !closed ? connected : await use('getMany');
      try {
        const values = (await client.callBuffer(
          'MGET',
          ...keys.map((key) => prefix + key),
        )) as Array<Buffer | null>;
        return values.map((value) => (value ? toBytes(value) : undefined));
      } catch (error) {
        throw redisError('redis', 'getMany', error);
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
