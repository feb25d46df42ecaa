import { runVectorStoreConformance } from '@semroute/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFakeMilvus } from '../../test/fake-milvus/use-fake-milvus.js';
import { createMilvusVectorStore } from '../milvus/create-milvus-vector-store.js';
import { createHybridVectorStore } from './create-hybrid-vector-store.js';

const harness = { describe, it, beforeAll, afterAll };
const milvus = useFakeMilvus();
let counter = 0;

const documents = (dimensions: number, collection: string) =>
  createMilvusVectorStore({
    client: milvus.client,
    dimensions,
    collection,
    filterFields: ['p', 'c', 'suite', 'partition'],
    expirySweepMs: 0,
  });

runVectorStoreConformance({
  harness,
  name: 'hybrid (local index over Milvus)',
  expiryMs: 2000,
  create: ({ dimensions }) =>
    createHybridVectorStore({ documents: documents(dimensions, `hybrid_${counter++}`), resyncIntervalMs: 0 }),
});

describe('hybrid vector store', () => {
  it('warms its local index from the document store on start and serves queries locally', async () => {
    const first = createHybridVectorStore({ documents: documents(4, 'hybrid_warm'), resyncIntervalMs: 0 });
    const records = Array.from({ length: 25 }, (_, index) => ({
      id: `r${String(index).padStart(3, '0')}`,
      vector: Float32Array.from([1, index / 10, 0, 0]),
      metadata: { p: 'x' },
    }));
    await first.upsert(records);
    await first.close();

    const second = createHybridVectorStore({ documents: documents(4, 'hybrid_warm'), resyncIntervalMs: 0 });
    await second.ready();
    const callsBefore = milvus.server.calls.filter((call) => call === 'Search').length;
    const matches = await second.query({
      vector: Float32Array.from([1, 1.2, 0, 0]),
      topK: 1,
      filter: { p: 'x' },
    });
    expect(matches[0]?.id).toBe('r012');
    expect(milvus.server.calls.filter((call) => call === 'Search').length).toBe(callsBefore); // answered locally
    await second.close();
  });

  it('pages through large document stores during the warm-up', async () => {
    const store = documents(4, 'hybrid_pages');
    await store.upsert(
      Array.from({ length: 2500 }, (_, index) => ({
        id: `k${String(index).padStart(5, '0')}`,
        vector: Float32Array.from([1, index, 0, 1]),
      })),
    );
    const seen = new Set<string>();
    for await (const record of store.scan({ pageSize: 1000 })) seen.add(record.id);
    expect(seen.size).toBe(2500);
    await store.close();
  });
});
