/**
 * `VectorStoreV1` over plain Redis (no modules). Records live in Redis as hashes with native
 * expiry; every replica keeps a local ANN index (the memory vector store: brute force, then
 * HNSW) that follows a Redis stream of upserts and deletes, so replicas share one cache and a
 * restarted replica rebuilds its index from Redis (SCAN) before answering. Queries are local:
 * no Redis round trip. A replica whose feed broke (Redis restarted, stream trimmed past it)
 * rebuilds from SCAN when Redis answers again.
 *
 * With `serverKnn: true` (Redis Stack / Redis 8 search module) queries run on the server
 * instead: FT.CREATE … VECTOR HNSW … COSINE and FT.SEARCH … KNN.
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
import { bufferToVector, normalized, vectorToBuffer } from '../internal/vector-math.js';
import {
  createMemoryVectorStore,
  type MemoryVectorStoreOptions,
} from '../memory/create-memory-vector-store.js';
import {
  connectRedis,
  escapeGlob,
  type RedisConnectionOptions,
  type RedisLikeClient,
  redisError,
} from './redis-client.js';

export interface RedisVectorStoreOptions extends RedisConnectionOptions {
  readonly dimensions: number;
  /** Prefix of every key (default `semroute:vec:`). Replicas sharing a prefix share records. */
  readonly keyPrefix?: string;
  readonly clock?: Clock;
  /** Local index settings (threshold, HNSW parameters, injected hnswlib). */
  readonly localIndex?: Omit<MemoryVectorStoreOptions, 'dimensions' | 'clock' | 'name'>;
  /** Approximate cap of the change stream (default 100000 entries; XADD MAXLEN ~). */
  readonly streamMaxLength?: number;
  /** Block time of the change-feed read, ms (default 1000). */
  readonly feedBlockMs?: number;
  /** Use the server's search module (FT.SEARCH KNN) instead of the local index. */
  readonly serverKnn?: boolean;
  /** Metadata keys filterable with `serverKnn` (TAG fields; default `['p', 'c']`). */
  readonly serverKnnFilterFields?: readonly string[];
}

export interface RedisVectorStore extends VectorStoreV1 {
  /** Resolves once the local index was rebuilt from Redis (or failed to). */
  ready(): Promise<void>;
  /** Forces a full rebuild of the local index from Redis. */
  resync(): Promise<void>;
}

interface StreamRecord {
  readonly op: 'upsert' | 'delete';
  readonly id: string;
}

export function createRedisVectorStore(options: RedisVectorStoreOptions): RedisVectorStore {
  const dimensions = options.dimensions;
  const prefix = options.keyPrefix ?? 'semroute:vec:';
  const clock = options.clock ?? systemClock;
  const recordPrefix = `${prefix}r:`;
  const streamKey = `${prefix}feed`;
  const indexName = `${prefix}idx`;
  const filterFields = options.serverKnnFilterFields ?? ['p', 'c'];
  const origin = `${clock.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  /** The change-feed entry every replica replays (`src` lets this one skip its own writes). */
  const changeEntry = (op: 'upsert' | 'delete', id: string): Array<string | number> => [
    'xadd',
    streamKey,
    'MAXLEN',
    '~',
    options.streamMaxLength ?? 100_000,
    '*',
    'op',
    op,
    'id',
    id,
    'src',
    origin,
  ];
  const local = createMemoryVectorStore({ ...options.localIndex, dimensions, clock, name: 'redis' });
  const connection = connectRedis(options);
  connection.catch(() => undefined);
  let feedClient: RedisLikeClient | undefined;
  let lastStreamId = '0-0';
  let closed = false;
  let needsResync = false;
  let feedRunning: Promise<void> | undefined;

  const fail = (method: string, message: string): never => {
    throw new CacheStoreError({ message, store: 'redis', method });
  };
  const client = async (method: string) => {
    if (closed) fail(method, 'redis vector store is closed');
    try {
      return (await connection).client;
    } catch (error) {
      throw redisError('redis', method, error);
    }
  };

  const parseRecord = (id: string, fields: Buffer[]): VectorRecord | undefined => {
    let vector: Float32Array | undefined;
    let metadata: Record<string, string> | undefined;
    let expiresAt: number | undefined;
    for (let index = 0; index + 1 < fields.length; index += 2) {
      const name = (fields[index] as Buffer).toString();
      const value = fields[index + 1] as Buffer;
      if (name === 'vec') vector = bufferToVector(value);
      else if (name === 'meta') metadata = JSON.parse(value.toString()) as Record<string, string>;
      else if (name === 'exp') expiresAt = Number(value.toString());
    }
    if (!vector || vector.length !== dimensions) return undefined;
    return {
      id,
      vector,
      ...(metadata ? { metadata } : {}),
      ...(expiresAt !== undefined && expiresAt > 0 ? { expiresAt } : {}),
    };
  };

  /** Rebuilds the local index from Redis: note the feed position first, then SCAN every record. */
  const rebuild = async () => {
    const redis = await client('resync');
    const last = (await redis.call('XREVRANGE', streamKey, '+', '-', 'COUNT', 1)) as Array<[string, unknown]>;
    const startId = last[0]?.[0] ?? '0-0';
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = (await redis.call(
        'SCAN',
        cursor,
        'MATCH',
        `${escapeGlob(recordPrefix)}*`,
        'COUNT',
        1000,
      )) as [string, string[]];
      cursor = next;
      if (keys.length === 0) continue;
      const records: VectorRecord[] = [];
      // Issued together: ioredis writes them back to back, so this is one round trip's worth.
      const buffers = await Promise.all(
        keys.map((key) => redis.callBuffer('HGETALL', key) as Promise<Buffer[]>),
      );
      for (let index = 0; index < keys.length; index++) {
        const id = (keys[index] as string).slice(recordPrefix.length);
        const record = parseRecord(id, buffers[index] ?? []);
        if (record) {
          records.push(record);
          seen.add(id);
        }
      }
      if (records.length > 0) await local.upsert(records);
    } while (cursor !== '0');
    const stale = [...local.ids()].filter((id) => !seen.has(id));
    if (stale.length > 0) await local.delete(stale);
    lastStreamId = startId;
    needsResync = false;
  };

  const applyFeed = async (entries: Array<[string, string[]]>) => {
    for (const [entryId, fields] of entries) {
      lastStreamId = entryId;
      const message: Record<string, string> = {};
      for (let index = 0; index + 1 < fields.length; index += 2)
        message[fields[index] as string] = fields[index + 1] as string;
      if (message.src === origin) continue; // our own write, already applied locally
      const change = message as unknown as StreamRecord;
      if (change.op === 'delete') await local.delete([change.id]);
      else if (change.op === 'upsert') {
        const redis = await client('feed');
        const fieldsBuffer = (await redis.callBuffer('HGETALL', `${recordPrefix}${change.id}`)) as Buffer[];
        const record = parseRecord(change.id, fieldsBuffer);
        if (record) await local.upsert([record]);
        else await local.delete([change.id]); // already expired or replaced
      }
    }
  };

  const runFeed = async () => {
    const { client: main } = await connection;
    // A generous timeout: a busy event loop may read a blocking XREAD's answer late, and a late
    // answer is not a gap. Gaps come from lost connections, handled below.
    feedClient = main.duplicate({ commandTimeout: (options.feedBlockMs ?? 1000) + 30_000 });
    feedClient.on('error', () => undefined);
    // Every (re)connection after the first may follow a Redis restart or missed feed entries:
    // rebuild the local index from Redis then.
    let connections = 0;
    const onReady = () => {
      if (connections++ > 0) needsResync = true;
    };
    feedClient.on('ready', onReady);
    if (feedClient.status === 'ready') onReady();
    main.on('ready', () => {
      needsResync = true;
    });
    while (!closed) {
      try {
        if (needsResync) await rebuild();
        const response = (await feedClient.call(
          'XREAD',
          'COUNT',
          512,
          'BLOCK',
          options.feedBlockMs ?? 1000,
          'STREAMS',
          streamKey,
          lastStreamId,
        )) as Array<[string, Array<[string, string[]]>]> | null;
        if (response) for (const [, entries] of response) await applyFeed(entries);
      } catch {
        if (closed) break;
        // Redis unreachable: wait; the reconnect ('ready') schedules the rebuild.
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };

  let serverIndexReady: Promise<void> | undefined;
  const ensureServerIndex = async () => {
    const redis = await client('query');
    if (!serverIndexReady) {
      serverIndexReady = (async () => {
        try {
          await redis.call('FT.INFO', indexName);
        } catch {
          const tags = filterFields.flatMap((field) => [`m_${field}`, 'TAG']);
          await redis.call(
            'FT.CREATE',
            indexName,
            'ON',
            'HASH',
            'PREFIX',
            1,
            recordPrefix,
            'SCHEMA',
            'vec',
            'VECTOR',
            'HNSW',
            6,
            'TYPE',
            'FLOAT32',
            'DIM',
            dimensions,
            'DISTANCE_METRIC',
            'COSINE',
            ...tags,
          );
        }
      })();
      serverIndexReady.catch(() => {
        serverIndexReady = undefined;
      });
    }
    await serverIndexReady;
    return redis;
  };

  const readyPromise: Promise<void> = options.serverKnn
    ? connection.then(() => undefined)
    : rebuild().then(
        () => {
          feedRunning = runFeed().catch(() => undefined);
        },
        () => {
          needsResync = true;
          feedRunning = runFeed().catch(() => undefined);
        },
      );
  readyPromise.catch(() => undefined);

  const checkDimensions = (method: string, vector: Float32Array) => {
    if (vector.length !== dimensions)
      fail(method, `vector has ${vector.length} dimensions, the store has ${dimensions}`);
  };
  const tagEscape = (value: string) => value.replace(/[^A-Za-z0-9_]/g, (character) => `\\${character}`);

  return {
    specificationVersion: 'v1',
    name: 'redis',
    dimensions,
    metric: 'cosine',
    ready: () => readyPromise,
    resync: async () => {
      await rebuild();
    },
    async upsert(records: readonly VectorRecord[], _options?: StoreCallOptions) {
      if (closed) fail('upsert', 'redis vector store is closed');
      for (const record of records) checkDimensions('upsert', record.vector);
      await readyPromise;
      const redis = await client('upsert');
      const now = clock.now();
      const commands: Array<Array<string | Buffer | number>> = [];
      for (const record of records) {
        const key = `${recordPrefix}${record.id}`;
        const vector = normalized(record.vector);
        const fields: Array<string | Buffer | number> = [
          'vec',
          vectorToBuffer(vector),
          'meta',
          JSON.stringify(record.metadata ?? {}),
          'exp',
          record.expiresAt ?? 0,
        ];
        for (const field of filterFields) {
          const value = record.metadata?.[field];
          if (value !== undefined) fields.push(`m_${field}`, value);
        }
        commands.push(['del', key], ['hset', key, ...fields]);
        if (record.expiresAt !== undefined)
          commands.push(['pexpire', key, Math.max(1, Math.ceil(record.expiresAt - now))]);
        commands.push(changeEntry('upsert', record.id));
      }
      try {
        const results = await redis.pipeline(commands).exec();
        const failed = results?.find(([error]) => error);
        if (failed) throw failed[0];
      } catch (error) {
        throw redisError('redis', 'upsert', error);
      }
      if (!options.serverKnn) await local.upsert(records);
    },
    async query(query: VectorQuery, _options?: StoreCallOptions): Promise<readonly VectorMatch[]> {
      if (closed) fail('query', 'redis vector store is closed');
      checkDimensions('query', query.vector);
      if (!options.serverKnn) {
        await readyPromise;
        return local.query(query);
      }
      const redis = await ensureServerIndex();
      const filter = Object.entries(query.filter ?? {})
        .map(([key, value]) => `@m_${key}:{${tagEscape(value)}}`)
        .join(' ');
      try {
        const response = (await redis.callBuffer(
          'FT.SEARCH',
          indexName,
          `(${filter || '*'})=>[KNN ${query.topK} @vec $B AS dist]`,
          'PARAMS',
          2,
          'B',
          vectorToBuffer(normalized(query.vector)),
          'SORTBY',
          'dist',
          'RETURN',
          3,
          'dist',
          'meta',
          'exp',
          'DIALECT',
          2,
        )) as Array<Buffer | Buffer[] | number>;
        const matches: VectorMatch[] = [];
        const now = clock.now();
        for (let index = 1; index + 1 < response.length; index += 2) {
          const id = (response[index] as Buffer).toString().slice(recordPrefix.length);
          const fields = response[index + 1] as Buffer[];
          const map = new Map<string, string>();
          for (let field = 0; field + 1 < fields.length; field += 2)
            map.set((fields[field] as Buffer).toString(), (fields[field + 1] as Buffer).toString());
          const expiresAt = Number(map.get('exp') ?? 0);
          if (expiresAt > 0 && expiresAt <= now) continue;
          const score = 1 - Number(map.get('dist'));
          if (query.minScore !== undefined && score < query.minScore) continue;
          matches.push({
            id,
            score,
            metadata: JSON.parse(map.get('meta') ?? '{}') as Record<string, string>,
          });
        }
        return matches;
      } catch (error) {
        throw redisError('redis', 'query', error);
      }
    },
    async delete(ids: readonly string[]) {
      if (closed) fail('delete', 'redis vector store is closed');
      if (ids.length === 0) return;
      await readyPromise;
      const redis = await client('delete');
      const commands: Array<Array<string | number>> = [];
      for (const id of ids) {
        commands.push(['del', `${recordPrefix}${id}`]);
        commands.push(changeEntry('delete', id));
      }
      try {
        await redis.pipeline(commands).exec();
      } catch (error) {
        throw redisError('redis', 'delete', error);
      }
      if (!options.serverKnn) await local.delete(ids);
    },
    async close() {
      if (closed) return;
      closed = true;
      feedClient?.disconnect();
      await feedRunning?.catch(() => undefined);
      await local.close();
      try {
        const { client: redis, owned } = await connection;
        if (owned) await redis.quit().catch(() => redis.disconnect());
      } catch {
        // never connected
      }
    },
  };
}
