import { ConfigError, type ResponseCacheContext, type ResponseCacheStoreConfig } from '@semroute/core';
import { describe, expect, it } from 'vitest';
import { createHashingEmbedder } from '../hashing-embedder.js';
import { connectRedis, deleteByPrefix } from '../redis/redis-client.js';
import { createResponseCacheFromConfig } from './create-response-cache-from-config.js';

const base: ResponseCacheStoreConfig = {
  enabled: true,
  backend_type: 'memory',
  max_entries: 100,
  ttl_seconds: 60,
  eviction_policy: 'lru',
  on_error: 'miss',
};
const context = (question: string): ResponseCacheContext => ({
  request: { model: 'auto', messages: [{ role: 'user', content: question }] },
  headers: {},
  recipe: 'default',
  decision: 'd',
  requestedModel: 'auto',
  selectedModel: 'm',
  stream: false,
  plugin: {
    enabled: true,
    mode: 'exact_then_semantic',
    scope: 'global',
    semantic: { similarity_threshold: 0.8 },
    ttl_seconds: -1,
  },
  policyFingerprint: 'p',
});
const completion = {
  id: 'c',
  object: 'chat.completion' as const,
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'stop' }],
};

describe('createResponseCacheFromConfig', () => {
  it('builds an in-memory exact and semantic cache from global.stores.response_cache', async () => {
    const cache = createResponseCacheFromConfig({
      config: base,
      embedder: createHashingEmbedder({ dimensions: 64 }),
    });
    await cache.store(context('Describe the water cycle in detail'), completion);
    expect((await cache.lookup(context('describe the water cycle in detail please')))?.kind).toBe('semantic');
    await cache.close();
  });

  it('builds a Redis-backed cache for backend_type redis', async () => {
    const prefix = `semroute:test:config:${process.pid}:`;
    const cache = createResponseCacheFromConfig({
      config: {
        ...base,
        backend_type: 'redis',
        redis: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', key_prefix: prefix },
      },
      embedder: createHashingEmbedder({ dimensions: 64 }),
    });
    await cache.store(context('What causes ocean tides?'), completion);
    expect((await cache.lookup(context('What causes ocean tides?')))?.kind).toBe('exact');
    await cache.close();
    const { client } = await connectRedis({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
    expect(await deleteByPrefix(client, prefix)).toBeGreaterThan(0);
    await client.quit();
  });

  it('rejects qdrant with a ConfigError naming the path', () => {
    let error: unknown;
    try {
      createResponseCacheFromConfig({ config: { ...base, backend_type: 'qdrant' } });
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/backend_type/);
  });
});

describe('createResponseCacheFromConfig: bounded memory', () => {
  it('serves no entry evicted for capacity, exact or semantic, and keeps serving the newest', async () => {
    const cache = createResponseCacheFromConfig({
      config: { ...base, max_entries: 3, eviction_policy: 'fifo' },
      embedder: createHashingEmbedder({ dimensions: 64 }),
    });
    const questions = [
      'alpha question about rivers',
      'beta question about mountains',
      'gamma question about deserts',
      'delta question about oceans',
    ];
    for (const question of questions) await cache.store(context(question), completion);
    expect(await cache.lookup(context(questions[0] as string))).toBeUndefined();
    expect(await cache.lookup(context(`${questions[0]} please`))).toBeUndefined();
    expect(await cache.lookup(context(questions[3] as string))).toBeDefined();
    expect((await cache.lookup(context(`${questions[3]} please`)))?.kind).toBe('semantic');
    await cache.close();
  });
});
