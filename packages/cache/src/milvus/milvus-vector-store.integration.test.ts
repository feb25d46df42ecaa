/**
 * The Milvus adapter against the real SDK and a small gRPC server implementing the subset of
 * MilvusService it uses (test/fake-milvus). The last block runs against a real Milvus when
 * MILVUS_ADDRESS is set.
 */
import { runVectorStoreConformance } from '@semroute/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFakeMilvus } from '../../test/fake-milvus/use-fake-milvus.js';
import { createHashingEmbedder } from '../hashing-embedder.js';
import { createMemoryCacheStore } from '../memory/create-memory-cache-store.js';
import { createResponseCache } from '../response-cache/create-response-cache.js';
import { createMilvusVectorStore } from './create-milvus-vector-store.js';

const harness = { describe, it, beforeAll, afterAll };
const milvus = useFakeMilvus();
let counter = 0;

runVectorStoreConformance({
  harness,
  name: 'milvus (real SDK, fake server)',
  expiryMs: 2000,
  create: ({ dimensions }) =>
    createMilvusVectorStore({
      client: milvus.client,
      dimensions,
      collection: `conformance_${counter++}`,
      filterFields: ['suite', 'partition'],
      expirySweepMs: 0,
    }),
});

describe('milvus vector store', () => {
  it('creates the collection with an HNSW COSINE index, loads it, and sweeps expired rows', async () => {
    let now = 1_000_000;
    const store = createMilvusVectorStore({
      address: milvus.server.address,
      dimensions: 4,
      collection: 'sweep',
      expirySweepMs: 0,
      clock: { now: () => now },
    });
    await store.upsert([
      {
        id: 'old',
        vector: Float32Array.from([1, 0, 0, 0]),
        expiresAt: now + 10,
        metadata: { p: 'a', c: 'b' },
      },
      {
        id: 'new',
        vector: Float32Array.from([1, 0, 0, 0]),
        expiresAt: now + 10_000,
        metadata: { p: 'a', c: 'b' },
      },
      { id: 'forever', vector: Float32Array.from([0, 1, 0, 0]), metadata: { p: 'a', c: 'b' } },
    ]);
    const created = milvus.server.collections.get('sweep');
    expect(created?.loaded).toBe(true);
    expect(milvus.server.calls).toEqual(
      expect.arrayContaining(['Connect', 'CreateCollection', 'CreateIndex', 'LoadCollection', 'Upsert']),
    );
    now += 20;
    expect(
      (
        await store.query({ vector: Float32Array.from([1, 0, 0, 0]), topK: 5, filter: { p: 'a', c: 'b' } })
      ).map((match) => match.id),
    ).toEqual(['new', 'forever']);
    expect(await store.sweepExpired()).toBe(1);
    expect([...(created?.rows.keys() ?? [])].sort()).toEqual(['forever', 'new']);
    await store.close();
  });

  it('reuses an existing collection on restart and reads what an earlier instance wrote', async () => {
    const first = createMilvusVectorStore({
      address: milvus.server.address,
      dimensions: 4,
      collection: 'restart',
      expirySweepMs: 0,
    });
    await first.upsert([
      { id: 'kept', vector: Float32Array.from([0, 0, 1, 0]), metadata: { p: 'x', c: 'y' } },
    ]);
    await first.close();
    const second = createMilvusVectorStore({
      client: milvus.client,
      dimensions: 4,
      collection: 'restart',
      expirySweepMs: 0,
    });
    expect(
      (await second.query({ vector: Float32Array.from([0, 0, 1, 0]), topK: 1, filter: { p: 'x' } }))[0]?.id,
    ).toBe('kept');
    await second.close();
  });

  it('the server is honest: unknown collections and wrong dimensions are rejected through the real SDK', async () => {
    const sdk = await import('@zilliz/milvus2-sdk-node');
    const client = new sdk.MilvusClient({ address: milvus.server.address, logLevel: 'error' });
    // Either a non-Success status or a thrown SDK error, as with a real Milvus.
    const outcome = (promise: Promise<unknown>) =>
      promise.then(
        (value) => JSON.stringify(value),
        (error: unknown) => String(error),
      );
    expect(await outcome(client.describeCollection({ collection_name: 'does_not_exist' }))).toMatch(
      /CollectionNotExists.*collection not found/,
    );
    expect((await client.hasCollection({ collection_name: 'does_not_exist' })).value).toBe(false);
    expect(
      await outcome(
        client.createIndex({
          collection_name: 'does_not_exist',
          field_name: 'vector',
          index_type: 'HNSW',
          metric_type: 'COSINE',
        }),
      ),
    ).toMatch(/collection not found/);
    expect(await outcome(client.loadCollection({ collection_name: 'does_not_exist' }))).toMatch(
      /collection not found/,
    );
    const store = createMilvusVectorStore({
      address: milvus.server.address,
      dimensions: 4,
      collection: 'dims',
      expirySweepMs: 0,
    });
    await store.upsert([{ id: 'a', vector: Float32Array.from([1, 0, 0, 0]) }]);
    const wrongInsert = await client.upsert({
      collection_name: 'dims',
      data: [{ id: 'b', vector: [1, 0, 0, 0, 0], meta: '{}', expires_at: 0, f_p: '', f_c: '' }],
    });
    expect(wrongInsert.status.error_code).not.toBe('Success');
    expect(wrongInsert.status.reason).toMatch(/dim/);
    const wrongSearch = await client.search({ collection_name: 'dims', data: [1, 0, 0], limit: 1 });
    expect(wrongSearch.status.error_code).not.toBe('Success');
    expect(milvus.server.collections.get('dims')?.rows.size).toBe(1);
    await store.close();
    await client.closeConnection();
  });

  it('an unreachable Milvus rejects with CacheStoreError, and the response cache treats it as a miss', async () => {
    const store = createMilvusVectorStore({
      address: '127.0.0.1:1',
      dimensions: 64,
      collection: 'down',
      expirySweepMs: 0,
    });
    const cache = createResponseCache({
      store: createMemoryCacheStore(),
      vectorStore: store,
      embedder: createHashingEmbedder({ dimensions: 64 }),
    });
    const context = {
      request: { model: 'auto', messages: [{ role: 'user', content: 'hello there' }] },
      headers: {},
      recipe: 'default',
      decision: 'd',
      requestedModel: 'auto',
      selectedModel: 'm',
      stream: false,
      plugin: {
        enabled: true,
        mode: 'semantic' as const,
        scope: 'global' as const,
        semantic: { similarity_threshold: 0.8 },
        ttl_seconds: 60,
      },
      policyFingerprint: 'p',
    };
    expect(await cache.lookup(context)).toBeUndefined();
    expect(cache.stats().errors.lookup).toBe(1);
    await cache.close();
  }, 60_000);
});

describe.skipIf(!process.env.MILVUS_ADDRESS)(
  'milvus vector store against a real Milvus (MILVUS_ADDRESS)',
  () => {
    it('upserts, queries with a filter and deletes', async () => {
      const store = createMilvusVectorStore({
        address: process.env.MILVUS_ADDRESS as string,
        dimensions: 8,
        collection: `semroute_test_${Date.now()}`,
        expirySweepMs: 0,
      });
      const vector = Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0]);
      await store.upsert([{ id: 'r1', vector, metadata: { p: 'a', c: 'b' } }]);
      expect((await store.query({ vector, topK: 1, filter: { p: 'a', c: 'b' } }))[0]?.id).toBe('r1');
      await store.delete(['r1']);
      expect(await store.query({ vector, topK: 1, filter: { p: 'a' } })).toEqual([]);
      await store.close();
    });
  },
);
