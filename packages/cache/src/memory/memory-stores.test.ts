import { createManualTime, runCacheStoreConformance, runVectorStoreConformance } from '@semroute/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCacheStore } from './create-memory-cache-store.js';
import { createMemoryVectorStore } from './create-memory-vector-store.js';

const harness = { describe, it, beforeAll, afterAll };
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value ? new TextDecoder().decode(value) : undefined);

runCacheStoreConformance({
  harness,
  name: 'memory (fake clock)',
  time: createManualTime(),
  create: (time) => createMemoryCacheStore({ clock: time }),
});
runCacheStoreConformance({ harness, name: 'memory (real clock)', create: () => createMemoryCacheStore() });
runVectorStoreConformance({
  harness,
  name: 'memory brute force',
  time: createManualTime(),
  create: ({ dimensions, time }) =>
    createMemoryVectorStore({ dimensions, clock: time, index: 'brute-force' }),
});
runVectorStoreConformance({
  harness,
  name: 'memory hnsw',
  time: createManualTime(),
  create: ({ dimensions, time }) =>
    createMemoryVectorStore({ dimensions, clock: time, index: 'hnsw', bruteForceThreshold: 0 }),
});

describe('memory cache store bounds and eviction', () => {
  it('fifo evicts the oldest insert regardless of reads', async () => {
    const store = createMemoryCacheStore({ maxEntries: 2, evictionPolicy: 'fifo' });
    await store.set('a', bytes('a'));
    await store.set('b', bytes('b'));
    await store.get('a');
    await store.set('c', bytes('c'));
    expect([text(await store.get('a')), text(await store.get('b')), text(await store.get('c'))]).toEqual([
      undefined,
      'b',
      'c',
    ]);
    expect(store.stats().evictions).toBe(1);
  });

  it('lru evicts the least recently read', async () => {
    const store = createMemoryCacheStore({ maxEntries: 2, evictionPolicy: 'lru' });
    await store.set('a', bytes('a'));
    await store.set('b', bytes('b'));
    await store.get('a');
    await store.set('c', bytes('c'));
    expect([text(await store.get('a')), text(await store.get('b')), text(await store.get('c'))]).toEqual([
      'a',
      undefined,
      'c',
    ]);
  });

  it('lfu evicts the least frequently read, oldest first among equals', async () => {
    const store = createMemoryCacheStore({ maxEntries: 3, evictionPolicy: 'lfu' });
    await store.set('a', bytes('a'));
    await store.set('b', bytes('b'));
    await store.set('c', bytes('c'));
    for (let index = 0; index < 3; index++) await store.get('a');
    await store.get('c');
    await store.set('d', bytes('d')); // evicts b (frequency 1, oldest)
    await store.set('e', bytes('e')); // evicts d (frequency 1) before c (2)
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('d')).toBeUndefined();
    expect(text(await store.get('a'))).toBe('a');
    expect(text(await store.get('c'))).toBe('c');
    expect(text(await store.get('e'))).toBe('e');
  });

  it('maxBytes bounds the total size and expired entries go before live ones', async () => {
    const time = createManualTime();
    const evicted: string[] = [];
    const store = createMemoryCacheStore({
      maxEntries: 100,
      maxBytes: 100,
      clock: time,
      onEvict: (key, reason) => evicted.push(`${key}:${reason}`),
    });
    await store.set('x', new Uint8Array(40));
    await store.set('y', new Uint8Array(40), { expiresAt: time.now() + 10 });
    await time.advance(20);
    await store.set('z', new Uint8Array(40));
    expect(evicted).toEqual(['y:expired']);
    expect(store.stats().bytes).toBeLessThanOrEqual(100);
    await store.set('w', new Uint8Array(40));
    expect(evicted).toEqual(['y:expired', 'x:capacity']);
    await store.set('huge', new Uint8Array(500));
    expect(await store.get('huge')).toBeUndefined();
  });
});

describe('memory vector store index selection', () => {
  const dimensions = 32;
  const random = (seed: number) => () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };

  it('switches to HNSW at the threshold and still answers filtered and unfiltered queries exactly on near-duplicates', async () => {
    const next = random(7);
    const store = createMemoryVectorStore({ dimensions, bruteForceThreshold: 200 });
    const vectors = Array.from({ length: 400 }, () => Float32Array.from({ length: dimensions }, next));
    await store.upsert(
      vectors.map((vector, index) => ({
        id: `v${index}`,
        vector,
        metadata: { p: index % 2 === 0 ? 'even' : 'odd' },
      })),
    );
    expect(store.usingHnsw).toBe(true);
    for (const target of [3, 150, 399]) {
      const query = Float32Array.from(vectors[target] as Float32Array, (value) => value + next() * 0.05);
      expect((await store.query({ vector: query, topK: 1 }))[0]?.id).toBe(`v${target}`);
      const parity = target % 2 === 0 ? 'even' : 'odd';
      expect((await store.query({ vector: query, topK: 1, filter: { p: parity } }))[0]?.id).toBe(
        `v${target}`,
      );
      expect(
        (
          await store.query({ vector: query, topK: 5, filter: { p: parity === 'even' ? 'odd' : 'even' } })
        ).map((match) => match.id),
      ).not.toContain(`v${target}`);
    }
    await store.delete(['v150']);
    const after = await store.query({ vector: vectors[150] as Float32Array, topK: 3 });
    expect(after.map((match) => match.id)).not.toContain('v150');
    expect(store.size).toBe(399);
  });

  it('maxRecords drops the oldest records', async () => {
    const store = createMemoryVectorStore({ dimensions: 4, maxRecords: 2 });
    await store.upsert([
      { id: 'a', vector: new Float32Array([1, 0, 0, 0]) },
      { id: 'b', vector: new Float32Array([0, 1, 0, 0]) },
      { id: 'c', vector: new Float32Array([0, 0, 1, 0]) },
    ]);
    expect([...store.ids()].sort()).toEqual(['b', 'c']);
  });
});

describe('memory vector store in-place updates', () => {
  it('re-upserting the same vector updates metadata and expiry without losing the record', async () => {
    const store = createMemoryVectorStore({ dimensions: 4, index: 'hnsw', bruteForceThreshold: 0 });
    const vector = new Float32Array([1, 2, 3, 4]);
    await store.upsert([
      { id: 'a', vector, metadata: { p: 'old' } },
      { id: 'b', vector: new Float32Array([4, 3, 2, 1]), metadata: { p: 'old' } },
    ]);
    await store.upsert([{ id: 'a', vector, metadata: { p: 'new' }, expiresAt: Date.now() + 60_000 }]);
    expect((await store.query({ vector, topK: 2, filter: { p: 'new' } })).map((match) => match.id)).toEqual([
      'a',
    ]);
    expect((await store.query({ vector, topK: 2, filter: { p: 'old' } })).map((match) => match.id)).toEqual([
      'b',
    ]);
    expect(store.size).toBe(2);
  });
});
