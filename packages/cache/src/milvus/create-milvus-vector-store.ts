/**
 * `VectorStoreV1` over Milvus (@zilliz/milvus2-sdk-node, loaded lazily). One collection with a
 * VarChar primary key, a FloatVector field under an HNSW/COSINE index, the filterable metadata
 * keys as VarChar columns (the first one, by default the cache partition `p`, is the collection's
 * partition key), the full metadata as JSON text, and `expires_at` (Unix ms, 0 = never). Queries
 * filter expired rows in the expression; a periodic delete removes them.
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
import { importOptional } from '../internal/import-optional.js';
import { matchesFilter, normalized } from '../internal/vector-math.js';

/** The part of the SDK's `MilvusClient` used here. */
export interface MilvusClientLike {
  hasCollection(request: { collection_name: string }): Promise<{ status?: MilvusStatus; value: boolean }>;
  createCollection(request: Record<string, unknown>): Promise<MilvusStatus>;
  createIndex(request: Record<string, unknown>): Promise<MilvusStatus>;
  loadCollection(request: { collection_name: string }): Promise<MilvusStatus>;
  upsert(request: {
    collection_name: string;
    data: Array<Record<string, unknown>>;
  }): Promise<{ status: MilvusStatus }>;
  search(
    request: Record<string, unknown>,
  ): Promise<{ status: MilvusStatus; results: Array<Record<string, unknown>> }>;
  delete(request: { collection_name: string; filter: string }): Promise<{ status: MilvusStatus }>;
  query(
    request: Record<string, unknown>,
  ): Promise<{ status: MilvusStatus; data: Array<Record<string, unknown>> }>;
  closeConnection(): Promise<unknown>;
}

export interface MilvusStatus {
  error_code: string | number;
  reason: string;
  code?: number;
}

export interface MilvusVectorStoreOptions {
  readonly dimensions: number;
  /** `host:port` of Milvus (default `127.0.0.1:19530`). */
  readonly address?: string;
  readonly token?: string;
  /** Collection name (default `semroute_cache`); created with its index when missing. */
  readonly collection?: string;
  /** Metadata keys stored as filterable columns (default `['p', 'c']`); other filter keys are applied after the search. */
  readonly filterFields?: readonly string[];
  /** Make the first filter field the partition key (default true). */
  readonly partitionKey?: boolean;
  readonly hnsw?: { readonly m?: number; readonly efConstruction?: number; readonly efSearch?: number };
  /** Interval of the expired-row delete in ms (default 60000; 0 disables). */
  readonly expirySweepMs?: number;
  /** Consistency level of searches (default `Strong`, so a write is visible to the next lookup). */
  readonly consistencyLevel?: 'Strong' | 'Bounded' | 'Session' | 'Eventually';
  readonly clock?: Clock;
  /** An existing client (the store does not close it), else one is created from `address`. */
  readonly client?: MilvusClientLike;
  /** Injected SDK module (default: lazily imported). */
  readonly sdk?: unknown;
}

export interface MilvusVectorStore extends VectorStoreV1 {
  /** Deletes expired rows now; resolves the number of rows the server reports deleted. */
  sweepExpired(): Promise<number>;
  /** Every live record, paged by primary key (for warming a local index). */
  scan(options?: { readonly pageSize?: number }): AsyncIterable<VectorRecord>;
}

const FIELD_PREFIX = 'f_';
const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function createMilvusVectorStore(options: MilvusVectorStoreOptions): MilvusVectorStore {
  const dimensions = options.dimensions;
  const collection = options.collection ?? 'semroute_cache';
  const filterFields = options.filterFields ?? ['p', 'c'];
  const clock = options.clock ?? systemClock;
  const efSearch = options.hnsw?.efSearch ?? 128;
  let closed = false;
  let sweepTimer: ReturnType<typeof setInterval> | undefined;

  const fail = (method: string, message: string, cause?: unknown): never => {
    throw new CacheStoreError({
      message,
      store: 'milvus',
      method,
      ...(cause !== undefined ? { cause } : {}),
    });
  };
  const check = (method: string, status: MilvusStatus | undefined) => {
    if (status && status.error_code !== 'Success' && status.error_code !== 0)
      fail(method, `milvus ${method} failed: ${status.reason || String(status.error_code)}`);
  };

  const connect = async (): Promise<{ client: MilvusClientLike; owned: boolean }> => {
    if (options.client) return { client: options.client, owned: false };
    const sdk = (options.sdk ??
      (await importOptional(
        '@zilliz/milvus2-sdk-node',
        () => import('@zilliz/milvus2-sdk-node') as Promise<unknown>,
      ))) as {
      MilvusClient?: new (config: Record<string, unknown>) => MilvusClientLike;
      default?: { MilvusClient: new (config: Record<string, unknown>) => MilvusClientLike };
    };
    const MilvusClient = sdk.MilvusClient ?? sdk.default?.MilvusClient;
    if (!MilvusClient) fail('connect', '@zilliz/milvus2-sdk-node has no MilvusClient export');
    const Client = MilvusClient as new (config: Record<string, unknown>) => MilvusClientLike;
    const client = new Client({
      address: options.address ?? '127.0.0.1:19530',
      ...(options.token ? { token: options.token } : {}),
      logLevel: 'error',
    });
    // The SDK connects in its constructor and keeps the promise; an unreachable server would
    // otherwise surface as an unhandled rejection. Calls still see the failure.
    (client as { connectPromise?: Promise<unknown> }).connectPromise?.catch(() => undefined);
    return { client, owned: true };
  };

  const ensureCollection = async (client: MilvusClientLike) => {
    const exists = await client.hasCollection({ collection_name: collection });
    if (!exists.value) {
      const fields: Array<Record<string, unknown>> = [
        { name: 'id', data_type: 'VarChar', is_primary_key: true, max_length: 512 },
        { name: 'vector', data_type: 'FloatVector', dim: dimensions },
        { name: 'meta', data_type: 'VarChar', max_length: 65535 },
        { name: 'expires_at', data_type: 'Int64' },
        ...filterFields.map((field, index) => ({
          name: `${FIELD_PREFIX}${field}`,
          data_type: 'VarChar',
          max_length: 512,
          ...(index === 0 && (options.partitionKey ?? true) ? { is_partition_key: true } : {}),
        })),
      ];
      check(
        'createCollection',
        await client.createCollection({ collection_name: collection, fields, enable_dynamic_field: false }),
      );
      check(
        'createIndex',
        await client.createIndex({
          collection_name: collection,
          field_name: 'vector',
          index_name: 'vector_hnsw',
          index_type: 'HNSW',
          metric_type: 'COSINE',
          params: { M: options.hnsw?.m ?? 16, efConstruction: options.hnsw?.efConstruction ?? 200 },
        }),
      );
    }
    check('loadCollection', await client.loadCollection({ collection_name: collection }));
  };

  const ready = (async () => {
    const connection = await connect();
    await ensureCollection(connection.client);
    if ((options.expirySweepMs ?? 60_000) > 0) {
      sweepTimer = setInterval(() => {
        void sweep().catch(() => undefined);
      }, options.expirySweepMs ?? 60_000);
      (sweepTimer as { unref?: () => void }).unref?.();
    }
    return connection;
  })();
  ready.catch(() => undefined);

  const use = async (method: string) => {
    if (closed) fail(method, 'milvus vector store is closed');
    try {
      return (await ready).client;
    } catch (error) {
      return fail(
        method,
        `milvus unavailable: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
  };

  const sweep = async (): Promise<number> => {
    const client = await use('sweep');
    const result = await client.delete({
      collection_name: collection,
      filter: `expires_at > 0 and expires_at <= ${Math.floor(clock.now())}`,
    });
    check('delete', result.status);
    return Number((result as { delete_cnt?: string | number }).delete_cnt ?? 0);
  };

  const checkDimensions = (method: string, vector: Float32Array) => {
    if (vector.length !== dimensions)
      fail(method, `vector has ${vector.length} dimensions, the store has ${dimensions}`);
  };

  const wrap = async <T>(method: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (error) {
      if (CacheStoreError.isInstance(error)) throw error;
      return fail(
        method,
        `milvus ${method} failed: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
  };

  return {
    specificationVersion: 'v1',
    name: 'milvus',
    dimensions,
    metric: 'cosine',
    sweepExpired: () => wrap('sweep', sweep),
    async *scan(scanOptions) {
      const client = await use('scan');
      const pageSize = scanOptions?.pageSize ?? 1000;
      let last = '';
      for (;;) {
        const now = Math.floor(clock.now());
        const page = await wrap('scan', () =>
          client.query({
            collection_name: collection,
            filter: `id > ${quote(last)} and (expires_at == 0 or expires_at > ${now})`,
            output_fields: ['id', 'vector', 'meta', 'expires_at'],
            limit: pageSize,
            consistency_level: options.consistencyLevel ?? 'Strong',
          }),
        );
        check('scan', page.status);
        const rows = [...page.data].sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
        for (const row of rows) {
          const expiresAt = Number(row.expires_at ?? 0);
          yield {
            id: String(row.id),
            vector: Float32Array.from(row.vector as number[]),
            metadata: JSON.parse(String(row.meta ?? '{}')) as Record<string, string>,
            ...(expiresAt > 0 ? { expiresAt } : {}),
          };
        }
        if (rows.length < pageSize) return;
        last = String(rows[rows.length - 1]?.id);
      }
    },
    async upsert(records: readonly VectorRecord[], _options?: StoreCallOptions) {
      for (const record of records) checkDimensions('upsert', record.vector);
      const client = await use('upsert');
      if (records.length === 0) return;
      const data = records.map((record) => {
        const row: Record<string, unknown> = {
          id: record.id,
          vector: Array.from(normalized(record.vector)),
          meta: JSON.stringify(record.metadata ?? {}),
          expires_at: record.expiresAt ?? 0,
        };
        for (const field of filterFields) row[`${FIELD_PREFIX}${field}`] = record.metadata?.[field] ?? '';
        return row;
      });
      await wrap('upsert', async () =>
        check('upsert', (await client.upsert({ collection_name: collection, data })).status),
      );
    },
    async query(query: VectorQuery, _options?: StoreCallOptions): Promise<readonly VectorMatch[]> {
      checkDimensions('query', query.vector);
      const client = await use('query');
      const conditions = [`(expires_at == 0 or expires_at > ${Math.floor(clock.now())})`];
      const residual: Record<string, string> = {};
      for (const [key, value] of Object.entries(query.filter ?? {})) {
        if (filterFields.includes(key)) conditions.push(`${FIELD_PREFIX}${key} == ${quote(value)}`);
        else residual[key] = value;
      }
      const needsResidual = Object.keys(residual).length > 0;
      const limit = needsResidual ? Math.max(query.topK * 4, 16) : query.topK;
      const response = await wrap('query', () =>
        client.search({
          collection_name: collection,
          data: Array.from(normalized(query.vector)),
          anns_field: 'vector',
          limit,
          filter: conditions.join(' and '),
          output_fields: ['id', 'meta'],
          params: { ef: Math.max(efSearch, limit) },
          metric_type: 'COSINE',
          consistency_level: options.consistencyLevel ?? 'Strong',
        }),
      );
      check('query', response.status);
      const matches: VectorMatch[] = [];
      for (const row of response.results) {
        const score = Number(row.score);
        if (query.minScore !== undefined && score < query.minScore) continue;
        const metadata = JSON.parse(String(row.meta ?? '{}')) as Record<string, string>;
        if (needsResidual && !matchesFilter(metadata, residual)) continue;
        matches.push({ id: String(row.id), score, metadata });
        if (matches.length >= query.topK) break;
      }
      return matches;
    },
    async delete(ids: readonly string[]) {
      const client = await use('delete');
      if (ids.length === 0) return;
      await wrap('delete', async () =>
        check(
          'delete',
          (
            await client.delete({
              collection_name: collection,
              filter: `id in [${ids.map(quote).join(', ')}]`,
            })
          ).status,
        ),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      if (sweepTimer) clearInterval(sweepTimer);
      try {
        const { client, owned } = await ready;
        if (owned) await client.closeConnection();
      } catch {
        // never connected
      }
    },
  };
}
