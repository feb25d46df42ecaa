/**
 * A small in-process Milvus for tests: a real gRPC server built from the service definition
 * shipped inside @zilliz/milvus2-sdk-node (its proto JSON), implementing the subset of
 * MilvusService the adapter uses: Connect, DescribeCollection, CreateCollection, CreateIndex,
 * DescribeIndex, LoadCollection, GetLoadState, GetLoadingProgress, Insert, Upsert, Delete,
 * Search, Flush. It stays honest where it matters: unknown collections, a vector of the wrong
 * dimension, a search before an index exists or before loading, unknown fields in expressions
 * and a duplicate collection are rejected with Milvus's error codes and messages; every other
 * RPC answers UNIMPLEMENTED (grpc-js default). Exact (brute-force) COSINE/IP/L2 search.
 */
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { parseMilvusExpression, type Row } from './milvus-expression.js';

const require = createRequire(import.meta.url);
const milvusJson = require('@zilliz/milvus2-sdk-node/dist/milvus/proto-json/milvus.js').default;
const milvusBaseJson = require('@zilliz/milvus2-sdk-node/dist/milvus/proto-json/milvus.base.js').default;
const schemaBaseJson = require('@zilliz/milvus2-sdk-node/dist/milvus/proto-json/schema.base.js').default;

const schemaRoot = protobuf.Root.fromJSON(schemaBaseJson);
const milvusRoot = protobuf.Root.fromJSON(milvusBaseJson);
const CollectionSchema = schemaRoot.lookupType('milvus.proto.schema.CollectionSchema');
const PlaceholderGroup = milvusRoot.lookupType('milvus.proto.common.PlaceholderGroup');

interface FieldInfo {
  name: string;
  dataType: string;
  isPrimaryKey: boolean;
  dim?: number;
  raw: Record<string, unknown>;
}

interface Collection {
  name: string;
  id: number;
  schemaObject: Record<string, unknown>;
  fields: FieldInfo[];
  index?: { fieldName: string; params: Array<{ key: string; value: string }> };
  loaded: boolean;
  rows: Map<string, Record<string, unknown>>;
}

export interface FakeMilvusServer {
  readonly address: string;
  readonly collections: ReadonlyMap<
    string,
    { rows: ReadonlyMap<string, Record<string, unknown>>; loaded: boolean }
  >;
  /** RPC names received, in order. */
  readonly calls: string[];
  close(): Promise<void>;
}

const OK = { error_code: 'Success', reason: '', code: 0 };
const failure = (errorCode: string, code: number, reason: string) => ({
  error_code: errorCode,
  reason,
  code,
  retriable: false,
  detail: reason,
});
const collectionNotFound = (name: string) =>
  failure('CollectionNotExists', 100, `collection not found[database=default][collection=${name}]`);

type Callback = (error: grpc.ServiceError | null, value?: unknown) => void;
type Call = { request: Record<string, unknown> };

export async function startFakeMilvus(): Promise<FakeMilvusServer> {
  const definition = protoLoader.fromJSON(milvusJson, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    milvus: { proto: { milvus: { MilvusService: { service: grpc.ServiceDefinition } } } };
  };
  const collections = new Map<string, Collection>();
  const calls: string[] = [];
  let nextId = 1000;

  const handler =
    (name: string, body: (request: Record<string, unknown>) => unknown) =>
    (call: Call, callback: Callback) => {
      calls.push(name);
      try {
        callback(null, body(call.request));
      } catch (error) {
        callback({
          code: grpc.status.INTERNAL,
          details: String(error),
          message: String(error),
          name: 'Error',
          metadata: new grpc.Metadata(),
        });
      }
    };

  const fieldValues = (field: Record<string, unknown>, rows: number, dim: number | undefined): unknown[] => {
    const scalars = field.scalars as Record<string, { data?: unknown[] }> | undefined;
    const vectors = field.vectors as { dim?: string; float_vector?: { data: number[] } } | undefined;
    if (vectors?.float_vector) {
      const data = vectors.float_vector.data;
      const width = Number(vectors.dim);
      if (dim !== undefined && width !== dim) throw new DimensionError(width, dim, String(field.field_name));
      if (data.length !== rows * width)
        throw new DimensionError(data.length / Math.max(rows, 1), dim ?? width, String(field.field_name));
      return Array.from({ length: rows }, (_, index) => data.slice(index * width, (index + 1) * width));
    }
    if (scalars) {
      const kind = (scalars as unknown as { data?: string }).data;
      const values = kind ? (scalars[kind]?.data ?? []) : [];
      return values;
    }
    return [];
  };

  class DimensionError extends Error {
    constructor(actual: number, expected: number, field: string) {
      super(`the dim (${actual}) of field data(${field}) is not equal to schema dim (${expected})`);
    }
  }

  const mutate = (request: Record<string, unknown>, upsert: boolean) => {
    const collection = collections.get(String(request.collection_name));
    if (!collection) return { status: collectionNotFound(String(request.collection_name)), IDs: null };
    const rowCount = Number(request.num_rows);
    const columns = new Map<string, unknown[]>();
    try {
      for (const field of (request.fields_data as Array<Record<string, unknown>>) ?? []) {
        const info = collection.fields.find((candidate) => candidate.name === field.field_name);
        if (!info)
          return { status: failure('IllegalArgument', 1100, `field ${String(field.field_name)} not exist`) };
        columns.set(info.name, fieldValues(field, rowCount, info.dim));
      }
    } catch (error) {
      return { status: failure('IllegalArgument', 1100, (error as Error).message) };
    }
    for (const info of collection.fields) {
      if (!columns.has(info.name))
        return { status: failure('IllegalArgument', 1100, `the field ${info.name} is not passed`) };
    }
    const primary = collection.fields.find((field) => field.isPrimaryKey) as FieldInfo;
    const ids: string[] = [];
    for (let index = 0; index < rowCount; index++) {
      const row: Record<string, unknown> = {};
      for (const [name, values] of columns) row[name] = values[index];
      const id = String(row[primary.name]);
      if (!upsert && collection.rows.has(id)) continue;
      collection.rows.set(id, row);
      ids.push(id);
    }
    return {
      status: OK,
      IDs: { str_id: { data: ids } },
      succ_index: ids.map((_, index) => index),
      ...(upsert ? { upsert_cnt: ids.length } : { insert_cnt: ids.length }),
      timestamp: String(Date.now()),
    };
  };

  const describe = (collection: Collection) => ({
    status: OK,
    schema: collection.schemaObject,
    collectionID: String(collection.id),
    collection_name: collection.name,
    consistency_level: 'Bounded',
    shards_num: 1,
    db_name: 'default',
    created_timestamp: String(collection.id),
    properties: [],
    num_partitions: '1',
  });

  const implementation: grpc.UntypedServiceImplementation = {
    Connect: handler('Connect', () => ({
      status: OK,
      server_info: { build_tags: 'fake-milvus', reserved: {} },
      identifier: '1',
    })),
    DescribeCollection: handler('DescribeCollection', (request) => {
      const collection = collections.get(String(request.collection_name));
      return collection
        ? describe(collection)
        : { status: collectionNotFound(String(request.collection_name)) };
    }),
    CreateCollection: handler('CreateCollection', (request) => {
      const name = String(request.collection_name);
      if (collections.has(name)) return failure('IllegalArgument', 1, `collection ${name} already exists`);
      const decoded = CollectionSchema.decode(request.schema as Uint8Array);
      const schemaObject = CollectionSchema.toObject(decoded, {
        longs: String,
        enums: String,
        defaults: true,
      }) as Record<string, unknown>;
      const fields = ((schemaObject.fields as Array<Record<string, unknown>>) ?? []).map((field) => {
        const params = (field.typeParams as Array<{ key: string; value: string }>) ?? [];
        const dim = params.find((param) => param.key === 'dim')?.value;
        return {
          name: String(field.name),
          dataType: String(field.dataType),
          isPrimaryKey: field.isPrimaryKey === true,
          ...(dim !== undefined ? { dim: Number(dim) } : {}),
          raw: field,
        };
      });
      if (fields.filter((field) => field.isPrimaryKey).length !== 1)
        return failure('IllegalArgument', 1100, 'there should be exactly one primary key');
      for (const field of fields) {
        if (field.dataType.endsWith('Vector') && !(field.dim && field.dim > 0))
          return failure(
            'IllegalDimension',
            1100,
            `dimension is not defined in field type params of field ${field.name}`,
          );
      }
      // The snake_case shape DescribeCollection answers with (what the SDK's proto-loader expects).
      const snakeFields = fields.map((field, index) => ({
        fieldID: String(100 + index),
        name: field.name,
        is_primary_key: field.isPrimaryKey,
        description: '',
        data_type: field.dataType,
        type_params: (field.raw.typeParams as unknown[]) ?? [],
        index_params: [],
        autoID: false,
        is_partition_key: field.raw.isPartitionKey === true,
        nullable: false,
      }));
      collections.set(name, {
        name,
        id: nextId++,
        schemaObject: {
          name,
          description: '',
          autoID: false,
          fields: snakeFields,
          enable_dynamic_field: schemaObject.enableDynamicField === true,
          properties: [],
          functions: [],
        },
        fields,
        loaded: false,
        rows: new Map(),
      });
      return OK;
    }),
    CreateIndex: handler('CreateIndex', (request) => {
      const collection = collections.get(String(request.collection_name));
      if (!collection) return collectionNotFound(String(request.collection_name));
      const field = collection.fields.find((candidate) => candidate.name === request.field_name);
      if (!field)
        return failure(
          'IllegalArgument',
          1100,
          `cannot create index on non-exist field: ${String(request.field_name)}`,
        );
      const params = request.extra_params as Array<{ key: string; value: string }>;
      if (field.dataType.endsWith('Vector')) {
        const metric = params.find((param) => param.key === 'metric_type')?.value;
        if (!metric || !['COSINE', 'IP', 'L2'].includes(metric))
          return failure('IllegalArgument', 1100, `metric type ${metric} not found or not supported`);
      }
      collection.index = { fieldName: field.name, params };
      const snake = (collection.schemaObject.fields as Array<Record<string, unknown>>).find(
        (candidate) => candidate.name === field.name,
      );
      if (snake) snake.index_params = params;
      return OK;
    }),
    DescribeIndex: handler('DescribeIndex', (request) => {
      const collection = collections.get(String(request.collection_name));
      if (!collection)
        return { status: collectionNotFound(String(request.collection_name)), index_descriptions: [] };
      if (!collection.index)
        return { status: failure('IndexNotExist', 700, 'index not found'), index_descriptions: [] };
      return {
        status: OK,
        index_descriptions: [
          {
            index_name: collection.index.fieldName,
            field_name: collection.index.fieldName,
            params: collection.index.params,
            state: 'Finished',
            indexed_rows: String(collection.rows.size),
            total_rows: String(collection.rows.size),
          },
        ],
      };
    }),
    LoadCollection: handler('LoadCollection', (request) => {
      const collection = collections.get(String(request.collection_name));
      if (!collection) return collectionNotFound(String(request.collection_name));
      if (!collection.index)
        return failure('IndexNotExist', 700, `index not found[collection=${collection.name}]`);
      collection.loaded = true;
      return OK;
    }),
    GetLoadState: handler('GetLoadState', (request) => {
      const collection = collections.get(String(request.collection_name));
      if (!collection) return { status: collectionNotFound(String(request.collection_name)) };
      return { status: OK, state: collection.loaded ? 'LoadStateLoaded' : 'LoadStateNotLoad' };
    }),
    GetLoadingProgress: handler('GetLoadingProgress', (request) => {
      const collection = collections.get(String(request.collection_name));
      if (!collection) return { status: collectionNotFound(String(request.collection_name)) };
      return { status: OK, progress: collection.loaded ? '100' : '0', refresh_progress: '100' };
    }),
    Flush: handler('Flush', () => ({ status: OK })),
    Query: handler('Query', (request) => {
      const collection = collections.get(String(request.collection_name));
      if (!collection)
        return { status: collectionNotFound(String(request.collection_name)), fields_data: [] };
      if (!collection.loaded)
        return {
          status: failure('CollectionNotExists', 101, `collection not loaded[collection=${collection.name}]`),
          fields_data: [],
        };
      let predicate: (row: Row) => boolean;
      try {
        predicate = parseMilvusExpression(
          String(request.expr ?? ''),
          new Set(collection.fields.map((field) => field.name)),
        );
      } catch (error) {
        return { status: failure('IllegalArgument', 1100, (error as Error).message), fields_data: [] };
      }
      const params = Object.fromEntries(
        (request.query_params as Array<{ key: string; value: string }>).map((pair) => [pair.key, pair.value]),
      );
      const primary = collection.fields.find((field) => field.isPrimaryKey) as FieldInfo;
      const offset = Number(params.offset ?? 0);
      const limit = params.limit === undefined ? Number.POSITIVE_INFINITY : Number(params.limit);
      if (offset + (Number.isFinite(limit) ? limit : 0) > 16384)
        return {
          status: failure(
            'IllegalArgument',
            1100,
            'invalid max query result window, (offset+limit) should be in range [1, 16384]',
          ),
          fields_data: [],
        };
      // Milvus returns query results ordered by primary key.
      const rows = [...collection.rows.values()]
        .filter(predicate)
        .sort((a, b) => (String(a[primary.name]) < String(b[primary.name]) ? -1 : 1))
        .slice(offset, offset + limit);
      const outputFields = ((request.output_fields as string[]) ?? []).flatMap((name) =>
        name === '*' ? collection.fields.map((field) => field.name) : [name],
      );
      for (const name of outputFields) {
        if (!collection.fields.some((field) => field.name === name))
          return { status: failure('IllegalArgument', 1100, `field ${name} not exist`), fields_data: [] };
      }
      return {
        status: OK,
        collection_name: collection.name,
        output_fields: outputFields,
        fields_data: columns(collection, outputFields, rows),
        primary_field_name: primary.name,
      };
    }),
    Insert: handler('Insert', (request) => mutate(request, false)),
    Upsert: handler('Upsert', (request) => mutate(request, true)),
    Delete: handler('Delete', (request) => {
      const collection = collections.get(String(request.collection_name));
      if (!collection) return { status: collectionNotFound(String(request.collection_name)) };
      let predicate: (row: Row) => boolean;
      try {
        predicate = parseMilvusExpression(
          String(request.expr),
          new Set(collection.fields.map((field) => field.name)),
        );
      } catch (error) {
        return { status: failure('IllegalArgument', 1100, (error as Error).message) };
      }
      let deleted = 0;
      for (const [id, row] of collection.rows) {
        if (predicate(row)) {
          collection.rows.delete(id);
          deleted++;
        }
      }
      return { status: OK, delete_cnt: String(deleted), IDs: { str_id: { data: [] } } };
    }),
    Search: handler('Search', (request) => {
      const collection = collections.get(String(request.collection_name));
      const empty = {
        num_queries: '0',
        top_k: '0',
        fields_data: [],
        scores: [],
        topks: [],
        output_fields: [],
      };
      if (!collection) return { status: collectionNotFound(String(request.collection_name)), results: empty };
      if (!collection.loaded)
        return {
          status: failure('CollectionNotExists', 101, `collection not loaded[collection=${collection.name}]`),
          results: empty,
        };
      const params = Object.fromEntries(
        (request.search_params as Array<{ key: string; value: string }>).map((pair) => [
          pair.key,
          pair.value,
        ]),
      );
      const field = collection.fields.find(
        (candidate) => candidate.name === (params.anns_field || collection.index?.fieldName),
      );
      if (!field?.dim)
        return { status: failure('IllegalArgument', 1100, 'anns field not found'), results: empty };
      const metric =
        params.metric_type ||
        collection.index?.params.find((param) => param.key === 'metric_type')?.value ||
        'COSINE';
      const topK = Number(params.topk ?? 10);
      let predicate: (row: Row) => boolean;
      try {
        predicate = parseMilvusExpression(
          String(request.dsl ?? ''),
          new Set(collection.fields.map((candidate) => candidate.name)),
        );
      } catch (error) {
        return { status: failure('IllegalArgument', 1100, (error as Error).message), results: empty };
      }
      const group = PlaceholderGroup.toObject(
        PlaceholderGroup.decode(request.placeholder_group as Uint8Array),
        { bytes: Buffer },
      ) as { placeholders: Array<{ values: Buffer[] }> };
      const queries = (group.placeholders[0]?.values ?? []).map(
        (value) =>
          new Float32Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength)),
      );
      for (const query of queries) {
        if (query.length !== field.dim)
          return {
            status: failure(
              'IllegalArgument',
              65535,
              `vector dimension mismatch, expected vector size(byte) ${field.dim * 4}, actual ${query.length * 4}`,
            ),
            results: empty,
          };
      }
      const outputFields = ((request.output_fields as string[]) ?? []).flatMap((name) =>
        name === '*'
          ? collection.fields
              .filter((candidate) => !candidate.dataType.endsWith('Vector'))
              .map((candidate) => candidate.name)
          : [name],
      );
      for (const name of outputFields) {
        if (!collection.fields.some((candidate) => candidate.name === name))
          return { status: failure('IllegalArgument', 1100, `field ${name} not exist`), results: empty };
      }
      const primary = collection.fields.find((candidate) => candidate.isPrimaryKey) as FieldInfo;
      const topks: string[] = [];
      const scores: number[] = [];
      const ids: string[] = [];
      const hitRows: Array<Record<string, unknown>> = [];
      for (const query of queries) {
        const scored: Array<{ row: Record<string, unknown>; score: number }> = [];
        for (const row of collection.rows.values()) {
          if (!predicate(row)) continue;
          scored.push({ row, score: similarity(metric, query, row[field.name] as number[]) });
        }
        scored.sort((a, b) => (metric === 'L2' ? a.score - b.score : b.score - a.score));
        const top = scored.slice(0, topK);
        topks.push(String(top.length));
        for (const { row, score } of top) {
          scores.push(score);
          ids.push(String(row[primary.name]));
          hitRows.push(row);
        }
      }
      const fields_data = columns(collection, outputFields, hitRows);
      return {
        status: OK,
        collection_name: collection.name,
        results: {
          num_queries: String(queries.length),
          top_k: String(topK),
          fields_data,
          scores,
          ids: { str_id: { data: ids } },
          topks,
          output_fields: outputFields,
          primary_field_name: primary.name,
        },
      };
    }),
  };

  const server = new grpc.Server();
  server.addService(loaded.milvus.proto.milvus.MilvusService.service, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
  return {
    address: `127.0.0.1:${port}`,
    collections,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 500).unref();
      }),
  };
}

/** Column-wise FieldData for `rows`, as Milvus answers searches and queries. */
function columns(
  collection: Collection,
  names: readonly string[],
  rows: ReadonlyArray<Record<string, unknown>>,
) {
  return names.map((name) => {
    const info = collection.fields.find((candidate) => candidate.name === name) as FieldInfo;
    const values = rows.map((row) => row[name]);
    const base = { type: info.dataType, field_name: name, field_id: '0', is_dynamic: false, valid_data: [] };
    if (info.dataType === 'FloatVector')
      return {
        ...base,
        vectors: {
          dim: String(info.dim),
          float_vector: { data: values.flatMap((value) => value as number[]) },
        },
      };
    if (info.dataType === 'Int64') return { ...base, scalars: { long_data: { data: values.map(String) } } };
    return { ...base, scalars: { string_data: { data: values.map(String) } } };
  });
}

function similarity(metric: string, query: Float32Array, vector: number[]): number {
  let dot = 0;
  let normQuery = 0;
  let normVector = 0;
  let l2 = 0;
  for (let index = 0; index < query.length; index++) {
    const a = query[index] as number;
    const b = vector[index] as number;
    dot += a * b;
    normQuery += a * a;
    normVector += b * b;
    l2 += (a - b) ** 2;
  }
  if (metric === 'IP') return dot;
  if (metric === 'L2') return l2;
  return normQuery === 0 || normVector === 0 ? 0 : dot / Math.sqrt(normQuery * normVector);
}
