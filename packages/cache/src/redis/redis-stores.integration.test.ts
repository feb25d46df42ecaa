/**
 * Runs against the real Redis on 127.0.0.1:6379 (REDIS_URL overrides), touching only keys under
 * a per-run prefix that it deletes afterwards. The fault test starts its own redis-server.
 */
import { runCacheStoreConformance, runVectorStoreConformance } from '@semroute/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerInstalled, startTestRedis } from '../../test/redis-test-server.js';
import { createHashingEmbedder } from '../hashing-embedder.js';
import { createResponseCache } from '../response-cache/create-response-cache.js';
import { createRedisCacheStore } from './create-redis-cache-store.js';
import { createRedisVectorStore } from './create-redis-vector-store.js';
import { connectRedis, deleteByPrefix } from './redis-client.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runPrefix = `semroute:test:${process.pid}:${Date.now().toString(36)}:`;
const harness = { describe, it, beforeAll, afterAll };
let counter = 0;
const prefix = (label: string) => `${runPrefix}${label}:${counter++}:`;

afterAll(async () => {
  const { client } = await connectRedis({ url });
  await deleteByPrefix(client, runPrefix);
  await client.quit();
});

runCacheStoreConformance({
  harness,
  name: 'redis',
  create: () => createRedisCacheStore({ url, keyPrefix: prefix('kv') }),
  // Real time against a real server: a TTL short enough to be flaky under CI load is not a test.
  expiryMs: 1500,
});
runVectorStoreConformance({
  harness,
  name: 'redis (local index + stream)',
  create: ({ dimensions }) => createRedisVectorStore({ url, dimensions, keyPrefix: prefix('vec') }),
  expiryMs: 1500,
});

const unit = (values: number[]) => Float32Array.from(values);
const until = async (condition: () => Promise<boolean>, timeoutMs = 3000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe('redis vector store replicas', () => {
  it('replicas share records through the change stream, and a new replica rebuilds from Redis', async () => {
    const keyPrefix = prefix('replicas');
    const a = createRedisVectorStore({ url, dimensions: 4, keyPrefix, feedBlockMs: 200 });
    const b = createRedisVectorStore({ url, dimensions: 4, keyPrefix, feedBlockMs: 200 });
    await Promise.all([a.ready(), b.ready()]);
    await a.upsert([{ id: 'x', vector: unit([1, 0, 0, 0]), metadata: { p: '1' } }]);
    await until(async () => (await b.query({ vector: unit([1, 0, 0, 0]), topK: 1 }))[0]?.id === 'x');
    await b.upsert([{ id: 'y', vector: unit([0, 1, 0, 0]), metadata: { p: '1' } }]);
    await until(async () => (await a.query({ vector: unit([0, 1, 0, 0]), topK: 1 }))[0]?.id === 'y');
    await a.delete(['x']);
    await until(
      async () => (await b.query({ vector: unit([1, 0, 0, 0]), topK: 2, minScore: 0.9 })).length === 0,
    );

    const restarted = createRedisVectorStore({ url, dimensions: 4, keyPrefix });
    await restarted.ready();
    const matches = await restarted.query({ vector: unit([0, 1, 0, 0]), topK: 5, filter: { p: '1' } });
    expect(matches.map((match) => match.id)).toEqual(['y']);
    expect(matches[0]?.metadata).toEqual({ p: '1' });
    await Promise.all([a.close(), b.close(), restarted.close()]);
  });

  it('records carry native Redis TTLs', async () => {
    const keyPrefix = prefix('ttl');
    const store = createRedisVectorStore({ url, dimensions: 4, keyPrefix });
    await store.upsert([{ id: 'e', vector: unit([1, 1, 0, 0]), expiresAt: Date.now() + 60_000 }]);
    const { client } = await connectRedis({ url });
    const ttl = Number(await client.call('PTTL', `${keyPrefix}r:e`));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await client.quit();
    await store.close();
  });
});

describe('redis vector store after a Redis restart', () => {
  it.skipIf(!redisServerInstalled)(
    'rebuilds its local index once Redis answers again (records lost with the restart disappear)',
    async () => {
      const server = await startTestRedis();
      const store = createRedisVectorStore({
        url: server.url,
        dimensions: 4,
        keyPrefix: 'restart:',
        feedBlockMs: 200,
        commandTimeoutMs: 200,
      });
      try {
        await store.ready();
        await store.upsert([{ id: 'before', vector: unit([1, 0, 0, 0]) }]);
        expect((await store.query({ vector: unit([1, 0, 0, 0]), topK: 1 }))[0]?.id).toBe('before');
        await server.stop();
        await server.start(); // empty: nothing persisted
        await until(
          async () => (await store.query({ vector: unit([1, 0, 0, 0]), topK: 1 })).length === 0,
          10_000,
        );
        await until(async () => {
          try {
            await store.upsert([{ id: 'after', vector: unit([0, 1, 0, 0]) }]);
            return true;
          } catch {
            return false;
          }
        }, 10_000);
        expect((await store.query({ vector: unit([0, 1, 0, 0]), topK: 1 }))[0]?.id).toBe('after');
      } finally {
        await store.close();
        await server.stop();
      }
    },
  );
});

describe('response cache over Redis', () => {
  const context = (question: string) => ({
    request: { model: 'auto', messages: [{ role: 'user', content: question }] },
    headers: { 'x-authz-user-id': 'u1' },
    recipe: 'default',
    decision: 'd',
    requestedModel: 'auto',
    selectedModel: 'm',
    stream: true,
    plugin: {
      enabled: true,
      mode: 'exact_then_semantic' as const,
      scope: 'user' as const,
      semantic: { similarity_threshold: 0.8 },
      ttl_seconds: 60,
    },
    policyFingerprint: 'p',
  });
  const completion = (content: string) => ({
    id: 'c',
    object: 'chat.completion' as const,
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  });

  /** One router replica's response cache over the shared Redis keys under `keyPrefix`. */
  function redisReplica(keyPrefix: string, options: { readonly generationRefreshMs?: number } = {}) {
    return createResponseCache({
      store: createRedisCacheStore({ url, keyPrefix: `${keyPrefix}kv:` }),
      vectorStore: createRedisVectorStore({
        url,
        dimensions: 64,
        keyPrefix: `${keyPrefix}vec:`,
        feedBlockMs: 200,
      }),
      embedder: createHashingEmbedder({ dimensions: 64 }),
      ...options,
    });
  }

  it('two replicas share exact and semantic entries', async () => {
    const keyPrefix = prefix('rc');
    const make = () => redisReplica(keyPrefix);
    const [a, b] = [make(), make()];
    await a.store(context('How many legs does a spider have?'), completion('Eight'));
    expect((await b.lookup(context('How many legs does a spider have?')))?.kind).toBe('exact');
    let semantic: Awaited<ReturnType<typeof b.lookup>>;
    await until(async () => {
      semantic = await b.lookup(context('how many legs does a spider have exactly'));
      return semantic !== undefined;
    });
    expect(semantic?.kind).toBe('semantic');
    expect(semantic?.completion.choices[0]?.message.content).toBe('Eight');
    await Promise.all([a.close(), b.close()]);
  });

  it("a flush or invalidation by one replica is honoured by the other's very next lookup", async () => {
    const keyPrefix = prefix('rc-gen');
    // Generations refresh hourly: only the generations read with the entries can reveal a flush.
    const make = () => redisReplica(keyPrefix, { generationRefreshMs: 3_600_000 });
    const [a, b] = [make(), make()];
    const question = 'What is the chemical symbol for gold?';
    const paraphrase = 'what is the chemical symbol for gold please';
    try {
      await a.store(context(question), completion('Au'));
      expect((await b.lookup(context(question)))?.kind).toBe('exact');
      await until(async () => (await b.lookup(context(paraphrase)))?.kind === 'semantic');

      await a.flush();
      expect(await b.lookup(context(question))).toBeUndefined();
      expect(await b.lookup(context(paraphrase))).toBeUndefined();

      await b.store(context(question), completion('Au (79)'));
      expect((await a.lookup(context(question)))?.completion.choices[0]?.message.content).toBe('Au (79)');
      await until(async () => (await a.lookup(context(paraphrase)))?.kind === 'semantic');
      await b.invalidate({ decision: 'd' });
      expect(await a.lookup(context(question))).toBeUndefined();
      expect(await a.lookup(context(paraphrase))).toBeUndefined();
      expect(a.stats().errors).toEqual({ lookup: 0, store: 0, embed: 0, invalidate: 0 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it.skipIf(!redisServerInstalled)(
    'Redis stopped mid-run: requests keep flowing as misses, nothing crashes, the cache recovers',
    async () => {
      const server = await startTestRedis();
      const embedder = createHashingEmbedder({ dimensions: 64 });
      const cache = createResponseCache({
        store: createRedisCacheStore({ url: server.url, keyPrefix: 'fault:kv:', commandTimeoutMs: 200 }),
        vectorStore: createRedisVectorStore({
          url: server.url,
          dimensions: 64,
          keyPrefix: 'fault:vec:',
          feedBlockMs: 200,
          commandTimeoutMs: 200,
        }),
        embedder,
      });
      try {
        await cache.store(context('What is the speed of light?'), completion('c'));
        expect(await cache.lookup(context('What is the speed of light?'))).toBeDefined();

        await server.stop();
        const started = Date.now();
        for (let index = 0; index < 20; index++) {
          expect(await cache.lookup(context(`question ${index} while redis is down`))).toBeUndefined();
          await cache.store(context(`question ${index} while redis is down`), completion('x'));
        }
        expect(Date.now() - started).toBeLessThan(10_000); // fails fast, does not hang per request
        const stats = cache.stats();
        expect(stats.errors.lookup).toBeGreaterThan(0);
        expect(stats.errors.store).toBeGreaterThan(0);

        await server.start();
        await until(async () => {
          await cache.store(context('After the restart'), completion('back'));
          return (await cache.lookup(context('After the restart'))) !== undefined;
        }, 10_000);
        const semantic = await (async () => {
          let hit: Awaited<ReturnType<typeof cache.lookup>>;
          await until(async () => {
            hit = await cache.lookup(context('after the restart please'));
            return hit !== undefined;
          }, 5000);
          return hit;
        })();
        expect(semantic?.kind).toBe('semantic');
      } finally {
        await cache.close();
        await server.stop();
      }
    },
  );
});
