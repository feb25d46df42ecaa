/**
 * Cache benchmarks: one JSON line per scenario (name, p50, p99 in ms, throughput per second,
 * plus scenario fields). Usage:
 *
 *   pnpm --filter @semroute/cache bench [--sizes 10000,100000] [--data clustered|random]
 *     [--stores memory,memory-cache,redis] [--ef 64,128,256] [--m 16] [--queries 1000]
 *     [--cache-ef 32] [--baseline path/to/create-response-cache.ts]
 *
 * `--cache-ef`: efSearch of the response-cache scenarios (default 32, the stores' default).
 * `--baseline`: another implementation of `createResponseCache` (e.g. a previous commit's file,
 * `git show <rev>:packages/cache/src/response-cache/create-response-cache.ts`, saved next to the
 * current one so its relative imports resolve). It runs over the same stores and entries, and
 * its lookups are interleaved query by query with the current ones (alternating which goes
 * first), so the `*-baseline` lines and their `ratio` compare both under the same load.
 *
 * Redis scenarios use REDIS_URL (default redis://127.0.0.1:6379) under a private key prefix that
 * is deleted afterwards.
 */
import { resolve } from 'node:path';
import type { ChatCompletion, EmbeddingBackendV1, ResponseCacheContext } from '@semroute/core';
import { createResponseCache } from '../src/index.js';
import { createMemoryCacheStore, createMemoryVectorStore } from '../src/memory/index.js';
import { createRedisCacheStore, createRedisVectorStore } from '../src/redis/index.js';
import { connectRedis, deleteByPrefix } from '../src/redis/redis-client.js';
import { bruteForceTop1, createRandom, dataset, nearDuplicate, percentile, round } from './bench-data.js';

const args = new Map<string, string>();
for (let index = 2; index < process.argv.length; index += 2)
  args.set(String(process.argv[index]).replace(/^--/, ''), String(process.argv[index + 1]));
const sizes = (args.get('sizes') ?? '10000,100000').split(',').map(Number);
const dataKind = (args.get('data') ?? 'clustered') as 'clustered' | 'random';
const stores = (args.get('stores') ?? 'memory,redis').split(',');
const efs = (args.get('ef') ?? '64,128,256').split(',').map(Number);
const m = Number(args.get('m') ?? 16);
const queryCount = Number(args.get('queries') ?? 1000);
const cacheEf = Number(args.get('cache-ef') ?? 32);
const baselinePath = args.get('baseline');
type CreateResponseCache = typeof createResponseCache;
const baselineCreate: CreateResponseCache | undefined = baselinePath
  ? ((await import(resolve(baselinePath))) as { createResponseCache: CreateResponseCache })
      .createResponseCache
  : undefined;
const dimensions = 384;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Digit-free text ids: the response cache's number guard compares the numbers of two queries. */
const words = (value: number) =>
  value.toString(26).replace(/[0-9]/g, (digit) => 'qrstuvwxyz'[Number(digit)] as string);

const emit = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

function queries(vectors: readonly Float32Array[], count: number) {
  const random = createRandom(99);
  return Array.from({ length: count }, () => {
    const source = Math.floor(random.uniform() * vectors.length);
    const cosine = 0.85 + random.uniform() * 0.1;
    return { source, vector: nearDuplicate(vectors[source] as Float32Array, cosine, random) };
  });
}

async function memoryScenario(size: number) {
  const vectors = dataset(dataKind, size, dimensions);
  const work = queries(vectors, queryCount);
  const truth = work.map((query) => bruteForceTop1(vectors, query.vector));
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const store = createMemoryVectorStore({
    dimensions,
    index: 'hnsw',
    bruteForceThreshold: 0,
    hnsw: { m, efConstruction: 200 },
  });
  const insertStart = performance.now();
  for (let start = 0; start < size; start += 1000) {
    await store.upsert(
      vectors
        .slice(start, start + 1000)
        .map((vector, offset) => ({ id: String(start + offset), vector, metadata: { p: 'bench', c: 'c' } })),
    );
  }
  const insertSeconds = (performance.now() - insertStart) / 1000;
  global.gc?.();
  const rssMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  emit({
    name: `memory-insert-${size}`,
    p50: null,
    p99: null,
    throughput: round(size / insertSeconds, 0),
    m,
    data: dataKind,
    rssMb: round(rssMb, 1),
    bytesPerVector: round((rssMb * 1024 * 1024) / size, 0),
  });
  for (const ef of efs) {
    const latencies: number[] = [];
    let correct = 0;
    store.setEfSearch(ef);
    for (const [index, query] of work.entries()) {
      const start = performance.now();
      const matches = await store.query({
        vector: query.vector,
        topK: 1,
        minScore: 0.8,
        filter: { p: 'bench', c: 'c' },
      });
      latencies.push(performance.now() - start);
      if (matches[0]?.id === String(truth[index])) correct++;
    }
    latencies.sort((a, b) => a - b);
    emit({
      name: `memory-lookup-${size}-ef${ef}`,
      p50: round(percentile(latencies, 0.5)),
      p99: round(percentile(latencies, 0.99)),
      throughput: round(1000 / (latencies.reduce((a, b) => a + b, 0) / latencies.length), 0),
      recallAt1: round(correct / work.length, 4),
      m,
      data: dataKind,
    });
  }
  // Exact scan over the same data for comparison.
  const latencies: number[] = [];
  for (const query of work.slice(0, 200)) {
    const start = performance.now();
    bruteForceTop1(vectors, query.vector);
    latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  emit({
    name: `brute-force-lookup-${size}`,
    p50: round(percentile(latencies, 0.5)),
    p99: round(percentile(latencies, 0.99)),
    throughput: round(1000 / percentile(latencies, 0.5), 0),
    recallAt1: 1,
    data: dataKind,
  });
  await store.close();
}

/** Response-cache lookups end to end (entry GET + ANN index), embeddings precomputed. */
async function responseCacheScenario(size: number, backend: 'memory' | 'redis') {
  const vectors = dataset(dataKind, size, dimensions);
  const work = queries(vectors, Math.min(queryCount, 1000));
  const texts = new Map<string, Float32Array>();
  vectors.forEach((vector, index) => {
    texts.set(`stored question ${words(index)}`, vector);
  });
  work.forEach((query, index) => {
    texts.set(`paraphrase ${words(index)}`, query.vector);
  });
  const embedder: EmbeddingBackendV1 = {
    specificationVersion: 'v1',
    provider: 'bench',
    modelId: 'precomputed',
    dimensions,
    maxBatchSize: undefined,
    async doEmbed({ texts: batch }) {
      return { embeddings: batch.map((text) => texts.get(text) ?? new Float32Array(dimensions)) };
    },
  };
  const prefix = `semroute:bench:${process.pid}:`;
  const hnsw = { m, efConstruction: 200, efSearch: cacheEf };
  const backendStores =
    backend === 'redis'
      ? {
          store: createRedisCacheStore({ url: redisUrl, keyPrefix: `${prefix}kv:` }),
          vectorStore: createRedisVectorStore({
            url: redisUrl,
            dimensions,
            keyPrefix: `${prefix}vec:`,
            localIndex: { hnsw },
          }),
        }
      : {
          store: createMemoryCacheStore({ maxEntries: size * 2 }),
          vectorStore: createMemoryVectorStore({ dimensions, hnsw }),
        };
  const cache = createResponseCache({ ...backendStores, embedder });
  // Same stores, same key layout: the baseline reads the entries the current cache wrote.
  const baseline = baselineCreate?.({ ...backendStores, embedder });
  const context = (
    text: string,
    mode: 'exact_then_semantic' | 'semantic' = 'exact_then_semantic',
  ): ResponseCacheContext => ({
    request: { model: 'auto', messages: [{ role: 'user', content: text }] },
    headers: {},
    recipe: 'default',
    decision: 'bench',
    requestedModel: 'auto',
    selectedModel: 'm',
    stream: false,
    plugin: {
      enabled: true,
      mode,
      scope: 'global',
      semantic: { similarity_threshold: 0.8 },
      ttl_seconds: 3600,
    },
    policyFingerprint: 'bench',
  });
  const completion = (index: number): ChatCompletion => ({
    id: `c${index}`,
    object: 'chat.completion',
    created: 0,
    model: 'm',
    choices: [
      { index: 0, message: { role: 'assistant', content: `answer ${index}` }, finish_reason: 'stop' },
    ],
  });
  try {
    const insertStart = performance.now();
    for (let start = 0; start < size; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, size - start) }, (_, offset) =>
          cache.store(context(`stored question ${words(start + offset)}`), completion(start + offset)),
        ),
      );
    }
    const insertSeconds = (performance.now() - insertStart) / 1000;
    emit({
      name: `${backend}-response-cache-insert-${size}`,
      p50: null,
      p99: null,
      throughput: round(size / insertSeconds, 0),
      data: dataKind,
    });
    // `semantic`: paraphrases in exact_then_semantic mode (exact probe, then the index);
    // `semantic-mode`: the same paraphrases with mode: semantic (no exact probe).
    for (const kind of ['exact', 'semantic', 'semantic-mode'] as const) {
      const variants = baseline
        ? [
            { label: '', cache, latencies: [] as number[], hits: 0 },
            { label: '-baseline', cache: baseline, latencies: [] as number[], hits: 0 },
          ]
        : [{ label: '', cache, latencies: [] as number[], hits: 0 }];
      for (const [index, query] of work.entries()) {
        const text =
          kind === 'exact' ? `stored question ${words(query.source)}` : `paraphrase ${words(index)}`;
        const order = index % 2 === 0 ? variants : [...variants].reverse();
        for (const variant of order) {
          const start = performance.now();
          const hit = await variant.cache.lookup(
            context(text, kind === 'semantic-mode' ? 'semantic' : 'exact_then_semantic'),
          );
          variant.latencies.push(performance.now() - start);
          if (hit) variant.hits++;
        }
      }
      const p50s: number[] = [];
      for (const variant of variants) {
        const latencies = variant.latencies.sort((a, b) => a - b);
        p50s.push(percentile(latencies, 0.5));
        emit({
          name: `${backend}-response-cache-${kind}-hit-${size}${variant.label}`,
          p50: round(percentile(latencies, 0.5)),
          p99: round(percentile(latencies, 0.99)),
          throughput: round(1000 / (latencies.reduce((a, b) => a + b, 0) / latencies.length), 0),
          hitRate: round(variant.hits / work.length, 4),
          data: dataKind,
          efSearch: cacheEf,
          errors: variant.cache.stats().errors,
          ...(variant.label && p50s[0] ? { ratio: round((p50s[1] as number) / p50s[0], 2) } : {}),
        });
      }
    }
  } finally {
    await Promise.all([cache.close(), baseline?.close()]);
    if (backend === 'redis') {
      const { client } = await connectRedis({ url: redisUrl });
      await deleteByPrefix(client, prefix);
      await client.quit();
    }
  }
}

for (const size of sizes) {
  if (stores.includes('memory')) await memoryScenario(size);
  if (stores.includes('memory-cache')) await responseCacheScenario(size, 'memory');
  if (stores.includes('redis')) await responseCacheScenario(size, 'redis');
}
