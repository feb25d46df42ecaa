import {
  CacheStoreError,
  type CacheStoreV1,
  type ChatCompletion,
  type ChatCompletionRequest,
  type ResponseCacheContext,
  type ResponseCachePluginConfig,
} from '@semroute/core';
import { createManualTime } from '@semroute/core/test';
import { describe, expect, it } from 'vitest';
import { createHashingEmbedder } from '../hashing-embedder.js';
import { createMemoryCacheStore } from '../memory/create-memory-cache-store.js';
import { createMemoryVectorStore } from '../memory/create-memory-vector-store.js';
import { type CreateResponseCacheOptions, createResponseCache } from './create-response-cache.js';

const plugin = (overrides: Partial<ResponseCachePluginConfig> = {}): ResponseCachePluginConfig => ({
  enabled: true,
  mode: 'exact_then_semantic',
  scope: 'user',
  semantic: { similarity_threshold: 0.8 },
  ttl_seconds: -1,
  ...overrides,
});

const request = (question: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'auto',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: question },
  ],
  ...extra,
});

const context = (
  question: string,
  overrides: Partial<ResponseCacheContext> = {},
  extra: Partial<ChatCompletionRequest> = {},
): ResponseCacheContext => ({
  request: request(question, extra),
  headers: { 'x-authz-user-id': 'alice' },
  recipe: 'default',
  decision: 'math',
  requestedModel: 'auto',
  selectedModel: 'qwen-math',
  stream: false,
  plugin: plugin(),
  policyFingerprint: 'policy-1',
  ...overrides,
});

const completion = (content: string): ChatCompletion => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'qwen-math',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});

function setup(options: Partial<CreateResponseCacheOptions> = {}) {
  const time = createManualTime();
  const embedder = createHashingEmbedder({ dimensions: 128 });
  const cache = createResponseCache({
    store: createMemoryCacheStore({ clock: time, maxEntries: 1000 }),
    vectorStore: createMemoryVectorStore({ dimensions: 128, clock: time }),
    embedder,
    clock: time,
    ...options,
  });
  return { cache, time };
}

describe('createResponseCache: exact and semantic tiers', () => {
  it('misses, stores, then hits exactly; a paraphrase hits semantically above the threshold only', async () => {
    const { cache } = setup();
    const question = 'What is the derivative of x cubed with respect to x?';
    expect(await cache.lookup(context(question))).toBeUndefined();
    await cache.store(context(question), completion('3x^2'));
    const exact = await cache.lookup(context(question));
    expect(exact).toMatchObject({
      kind: 'exact',
      similarity: 1,
      completion: { choices: [{ message: { content: '3x^2' } }] },
    });
    const paraphrase = await cache.lookup(
      context('what is the derivative of x cubed with respect to x please'),
    );
    expect(paraphrase?.kind).toBe('semantic');
    expect(paraphrase?.similarity).toBeGreaterThanOrEqual(0.8);
    expect(paraphrase?.similarity).toBeLessThanOrEqual(1);
    expect(await cache.lookup(context('Who wrote the novel War and Peace?'))).toBeUndefined();
    const strict = context('what is the derivative of x cubed with respect to x please', {
      plugin: plugin({ semantic: { similarity_threshold: 0.999 } }),
    });
    expect(await cache.lookup(strict)).toBeUndefined();
    expect(cache.stats()).toMatchObject({
      lookups: 5,
      hits: 2,
      exactHits: 1,
      semanticHits: 1,
      misses: 3,
      stores: 1,
    });
  });

  it('exact mode never matches a paraphrase; semantic mode finds the exact duplicate through the vector index', async () => {
    const { cache } = setup();
    const question = 'Name the capital city of France please';
    await cache.store(context(question, { plugin: plugin({ mode: 'semantic' }) }), completion('Paris'));
    expect(
      await cache.lookup(
        context('name the capital city of france, please', { plugin: plugin({ mode: 'exact' }) }),
      ),
    ).toBeUndefined();
    expect(
      (await cache.lookup(context(question, { plugin: plugin({ mode: 'semantic' }) })))?.completion.choices[0]
        ?.message.content,
    ).toBe('Paris');
  });

  it('semantic mode degrades to exact without a vector store or embedder', async () => {
    const time = createManualTime();
    const cache = createResponseCache({ store: createMemoryCacheStore({ clock: time }), clock: time });
    await cache.store(context('q1', { plugin: plugin({ mode: 'semantic' }) }), completion('a1'));
    expect((await cache.lookup(context('q1', { plugin: plugin({ mode: 'semantic' }) })))?.kind).toBe('exact');
  });

  it('the compatibility fingerprint requires system prompt, history, tools and parameters to match', async () => {
    const { cache } = setup();
    const question = 'Explain the Pythagorean theorem in one sentence';
    await cache.store(context(question), completion('a^2+b^2=c^2'));
    const paraphrase = 'explain the pythagorean theorem in one sentence!';
    expect(await cache.lookup(context(paraphrase))).toBeDefined();
    expect(await cache.lookup(context(paraphrase, {}, { temperature: 0.9 }))).toBeUndefined();
    expect(
      await cache.lookup(context(paraphrase, {}, { tools: [{ type: 'function', function: { name: 'f' } }] })),
    ).toBeUndefined();
    const otherSystem = context(paraphrase);
    const changed = {
      ...otherSystem,
      request: {
        ...otherSystem.request,
        messages: [
          { role: 'system', content: 'Be verbose.' },
          { role: 'user', content: paraphrase },
        ],
      },
    };
    expect(await cache.lookup(changed)).toBeUndefined();
  });

  it('normalises requests: text parts equal a string, model/stream/user fields are ignored', async () => {
    const { cache } = setup();
    await cache.store(context('hello there'), completion('hi'));
    const parts = context('x', {}, {});
    const withParts = {
      ...parts,
      request: {
        model: 'other',
        stream: false,
        user: 'u1',
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'You are terse.' }] },
          { role: 'user', content: [{ type: 'text', text: 'hello there' }] },
        ],
      },
    };
    expect((await cache.lookup(withParts))?.kind).toBe('exact');
  });
});

describe('createResponseCache: partitions and scopes', () => {
  it('partitions by decision, selected model, requested model, recipe, stream, policy and revision', async () => {
    const { cache } = setup();
    await cache.store(context('same question'), completion('a'));
    for (const overrides of [
      { decision: 'other' },
      { selectedModel: 'llama' },
      { requestedModel: 'MoM' },
      { recipe: 'coding' },
      { stream: true },
      { policyFingerprint: 'policy-2' },
      { plugin: plugin({ revision: { model_revision: 'r2' } }) },
    ] satisfies Partial<ResponseCacheContext>[]) {
      expect(
        await cache.lookup(context('same question', overrides)),
        JSON.stringify(overrides),
      ).toBeUndefined();
    }
    expect(await cache.lookup(context('same question'))).toBeDefined();
  });

  it('user scope isolates users; team and tenant scopes share; global ignores identity', async () => {
    const { cache } = setup();
    await cache.store(context('q'), completion('alice answer'));
    expect(await cache.lookup(context('q', { headers: { 'x-authz-user-id': 'bob' } }))).toBeUndefined();
    expect(await cache.lookup(context('q', { headers: {} }))).toBeUndefined();
    const team = plugin({ scope: 'team' });
    await cache.store(
      context('t', { plugin: team, headers: { 'x-authz-user-id': 'alice', 'x-authz-team-id': 'red' } }),
      completion('team'),
    );
    expect(
      await cache.lookup(
        context('t', { plugin: team, headers: { 'x-authz-user-id': 'bob', 'x-authz-team-id': 'red' } }),
      ),
    ).toBeDefined();
    expect(
      await cache.lookup(context('t', { plugin: team, headers: { 'x-authz-team-id': 'blue' } })),
    ).toBeUndefined();
    const tenant = plugin({ scope: 'tenant' });
    await cache.store(
      context('n', { plugin: tenant, headers: { 'x-authz-tenant-id': 'acme' } }),
      completion('tenant'),
    );
    expect(
      await cache.lookup(
        context('n', { plugin: tenant, headers: { 'x-authz-tenant-id': 'acme', 'x-authz-user-id': 'zed' } }),
      ),
    ).toBeDefined();
    const global = plugin({ scope: 'global' });
    await cache.store(context('g', { plugin: global }), completion('global'));
    expect(
      await cache.lookup(context('g', { plugin: global, headers: { 'x-authz-user-id': 'someone-else' } })),
    ).toBeDefined();
  });

  it('a missing identity header shares an anonymous namespace by default, or skips caching', async () => {
    const shared = setup().cache;
    await shared.store(context('q', { headers: {} }), completion('a'));
    expect(await shared.lookup(context('q', { headers: {} }))).toBeDefined();
    const strict = setup({ onMissingIdentity: 'skip' }).cache;
    await strict.store(context('q', { headers: {} }), completion('a'));
    expect(await strict.lookup(context('q', { headers: {} }))).toBeUndefined();
    expect(strict.stats()).toMatchObject({ storesSkipped: 1, lookupsSkipped: 1 });
  });
});

describe('createResponseCache: TTL and request controls', () => {
  it('ttl_seconds -1 uses the store default, a positive TTL expires, 0 never caches', async () => {
    const { cache, time } = setup({ defaultTtlSeconds: 100 });
    await cache.store(context('default ttl'), completion('a'));
    await cache.store(context('short ttl', { plugin: plugin({ ttl_seconds: 10 }) }), completion('b'));
    await cache.store(context('no cache', { plugin: plugin({ ttl_seconds: 0 }) }), completion('c'));
    await time.advance(11_000);
    expect(await cache.lookup(context('short ttl', { plugin: plugin({ ttl_seconds: 10 }) }))).toBeUndefined();
    expect(await cache.lookup(context('default ttl'))).toBeDefined();
    expect(await cache.lookup(context('no cache'))).toBeUndefined();
    await time.advance(90_000);
    expect(await cache.lookup(context('default ttl'))).toBeUndefined();
  });

  it('expired semantic entries are never served', async () => {
    const { cache, time } = setup();
    const ttl = plugin({ ttl_seconds: 5 });
    await cache.store(
      context('What is the boiling point of water at sea level?', { plugin: ttl }),
      completion('100 C'),
    );
    expect(
      (await cache.lookup(context('what is the boiling point of water at sea level', { plugin: ttl })))?.kind,
    ).toBe('semantic');
    await time.advance(6000);
    expect(
      await cache.lookup(context('what is the boiling point of water at sea level', { plugin: ttl })),
    ).toBeUndefined();
  });

  const controls = (allowed?: ResponseCachePluginConfig['request_controls']) =>
    plugin({
      request_controls: allowed ?? {
        enabled: true,
        header: 'x-vsr-cache-control',
        allowed: ['no-cache', 'no-store', 'bypass', 'max-age', 'ttl'],
        max_ttl_seconds: 60,
      },
    });

  it('honours no-cache, no-store, bypass, max-age and ttl (capped by max_ttl_seconds)', async () => {
    const { cache, time } = setup();
    const withHeader = (question: string, value: string) =>
      context(question, {
        plugin: controls(),
        headers: { 'x-authz-user-id': 'alice', 'x-vsr-cache-control': value },
      });
    await cache.store(withHeader('a', 'no-store'), completion('a'));
    expect(await cache.lookup(context('a', { plugin: controls() }))).toBeUndefined();
    await cache.store(withHeader('b', 'bypass'), completion('b'));
    expect(await cache.lookup(context('b', { plugin: controls() }))).toBeUndefined();
    await cache.store(context('c', { plugin: controls() }), completion('c'));
    expect(await cache.lookup(withHeader('c', 'no-cache'))).toBeUndefined();
    expect(await cache.lookup(withHeader('c', 'bypass'))).toBeUndefined();
    expect(await cache.lookup(context('c', { plugin: controls() }))).toBeDefined();
    await time.advance(30_000);
    expect(await cache.lookup(withHeader('c', 'max-age=10'))).toBeUndefined();
    expect(await cache.lookup(withHeader('c', 'max-age=60'))).toBeDefined();
    await cache.store(withHeader('d', 'ttl=3600'), completion('d')); // capped to 60 s
    await time.advance(61_000);
    expect(await cache.lookup(context('d', { plugin: controls() }))).toBeUndefined();
    await cache.store(withHeader('e', 'ttl=0'), completion('e'));
    expect(await cache.lookup(context('e', { plugin: controls() }))).toBeUndefined();
  });

  it('ignores the header when controls are disabled or the directive is not allowed', async () => {
    const { cache } = setup();
    await cache.store(
      context('a', { headers: { 'x-authz-user-id': 'alice', 'x-vsr-cache-control': 'no-store' } }),
      completion('a'),
    );
    expect(await cache.lookup(context('a'))).toBeDefined();
    const onlyTtl = controls({ enabled: true, header: 'x-vsr-cache-control', allowed: ['ttl'] });
    await cache.store(
      context('b', {
        plugin: onlyTtl,
        headers: { 'x-authz-user-id': 'alice', 'x-vsr-cache-control': 'no-store' },
      }),
      completion('b'),
    );
    expect(await cache.lookup(context('b', { plugin: onlyTtl }))).toBeDefined();
  });

  it('skips disabled plugins, invalid and oversized completions', async () => {
    const { cache } = setup({ maxEntryBytes: 500 });
    await cache.store(context('off', { plugin: plugin({ enabled: false }) }), completion('x'));
    expect(await cache.lookup(context('off'))).toBeUndefined();
    await cache.store(context('big'), completion('x'.repeat(1000)));
    expect(await cache.lookup(context('big'))).toBeUndefined();
    await cache.store(context('bad'), { ...completion('x'), choices: [] });
    expect(cache.stats().storesSkipped).toBe(3);
  });
});

describe('createResponseCache: invalidate and flush', () => {
  it('invalidates by key, by context, by decision and by scope, and flushes by epoch', async () => {
    const { cache } = setup();
    await cache.store(context('k1'), completion('1'));
    const hit = await cache.lookup(context('k1'));
    await cache.invalidate({ key: hit?.key as string });
    expect(await cache.lookup(context('k1'))).toBeUndefined();

    await cache.store(context('k2'), completion('2'));
    await cache.invalidate({ context: context('k2') });
    expect(await cache.lookup(context('k2'))).toBeUndefined();

    await cache.store(context('k3'), completion('3'));
    await cache.store(context('k3', { decision: 'other' }), completion('3'));
    await cache.invalidate({ decision: 'math' });
    expect(await cache.lookup(context('k3'))).toBeUndefined();
    expect(await cache.lookup(context('k3', { decision: 'other' }))).toBeDefined();

    await cache.store(context('k4'), completion('4'));
    await cache.store(context('k4', { headers: { 'x-authz-user-id': 'bob' } }), completion('4'));
    await cache.invalidate({ scope: { kind: 'user', id: 'alice' } });
    expect(await cache.lookup(context('k4'))).toBeUndefined();
    expect(await cache.lookup(context('k4', { headers: { 'x-authz-user-id': 'bob' } }))).toBeDefined();

    await cache.flush();
    expect(await cache.lookup(context('k4', { headers: { 'x-authz-user-id': 'bob' } }))).toBeUndefined();
    await cache.store(context('k5'), completion('5'));
    expect(await cache.lookup(context('k5'))).toBeDefined();
    expect(cache.stats()).toMatchObject({ invalidations: 4, flushes: 1 });
  });

  /** Two caches over one store and one vector index, refreshing generations only hourly. */
  function replicasSharingOneStore() {
    const time = createManualTime();
    const shared = createMemoryCacheStore({ clock: time });
    const vectors = createMemoryVectorStore({ dimensions: 128, clock: time });
    const embedder = createHashingEmbedder({ dimensions: 128 });
    const replica = () =>
      createResponseCache({
        store: shared,
        vectorStore: vectors,
        embedder,
        clock: time,
        generationRefreshMs: 3_600_000,
      });
    return [replica(), replica()] as const;
  }

  it("a flush or invalidation on one replica is honoured by the other's next lookup, with no refresh delay", async () => {
    // A refresh interval far longer than the test: only the lookup's own generation check can see the change.
    const [replicaA, replicaB] = replicasSharingOneStore();
    const question = 'What is the tallest mountain on Earth?';
    const paraphrase = 'what is the tallest mountain on earth please';
    await replicaA.store(context(question), completion('Everest'));
    expect((await replicaB.lookup(context(question)))?.kind).toBe('exact');
    expect((await replicaB.lookup(context(paraphrase)))?.kind).toBe('semantic');

    await replicaA.flush();
    expect(await replicaB.lookup(context(question))).toBeUndefined();
    expect(await replicaB.lookup(context(paraphrase))).toBeUndefined();
    expect(
      await replicaB.lookup(context(paraphrase, { plugin: plugin({ mode: 'semantic' }) })),
    ).toBeUndefined();

    await replicaB.store(context(question), completion('Everest, 8849 m'));
    expect((await replicaA.lookup(context(question)))?.completion.choices[0]?.message.content).toBe(
      'Everest, 8849 m',
    );
    await replicaB.invalidate({ decision: 'math' });
    expect(await replicaA.lookup(context(question))).toBeUndefined();
    await replicaA.store(context(question), completion('again'));
    await replicaA.invalidate({ scope: { kind: 'user', id: 'alice' } });
    expect(
      await replicaB.lookup(context(paraphrase, { plugin: plugin({ mode: 'semantic' }) })),
    ).toBeUndefined();
    expect(replicaB.stats()).toMatchObject({ hits: 2, errors: { lookup: 0 } });
  });

  it('a replica with outdated generations re-keys and finds the entry written under the new ones', async () => {
    const [replicaA, replicaB] = replicasSharingOneStore();
    // A learns the current generations, then B flushes and writes anew.
    expect(await replicaA.lookup(context('Which planet is largest?'))).toBeUndefined();
    await replicaB.flush();
    await replicaB.store(context('Which planet is largest?'), completion('Jupiter'));
    expect((await replicaA.lookup(context('Which planet is largest?')))?.kind).toBe('exact');
    expect(
      (
        await replicaA.lookup(
          context('which planet is largest please', { plugin: plugin({ mode: 'semantic' }) }),
        )
      )?.kind,
    ).toBe('semantic');
  });

  it('a store without getMany gets the same guarantees through concurrent gets', async () => {
    const time = createManualTime();
    const inner = createMemoryCacheStore({ clock: time });
    const shared: CacheStoreV1 = {
      specificationVersion: 'v1',
      name: 'plain',
      get: (key) => inner.get(key),
      set: (key, value, options) => inner.set(key, value, options),
      delete: (key) => inner.delete(key),
      close: () => inner.close(),
    };
    const replicaA = createResponseCache({ store: shared, clock: time, generationRefreshMs: 3_600_000 });
    const replicaB = createResponseCache({ store: shared, clock: time, generationRefreshMs: 3_600_000 });
    await replicaA.store(context('q'), completion('a'));
    expect(await replicaB.lookup(context('q'))).toBeDefined();
    await replicaA.flush();
    expect(await replicaB.lookup(context('q'))).toBeUndefined();
  });

  it('a lookup reads the store once for an exact hit and twice for a semantic hit, whatever the mode', async () => {
    const time = createManualTime();
    const inner = createMemoryCacheStore({ clock: time });
    const reads = { get: 0, getMany: 0 };
    const counting: CacheStoreV1 = {
      specificationVersion: 'v1',
      name: 'counting',
      get: (key) => {
        reads.get++;
        return inner.get(key);
      },
      getMany: (keys) => {
        reads.getMany++;
        return inner.getMany(keys);
      },
      set: (key, value, options) => inner.set(key, value, options),
      delete: (key) => inner.delete(key),
      close: () => inner.close(),
    };
    const cache = createResponseCache({
      store: counting,
      vectorStore: createMemoryVectorStore({ dimensions: 128, clock: time }),
      embedder: createHashingEmbedder({ dimensions: 128 }),
      clock: time,
    });
    const question = 'How many bones are in the adult human body?';
    await cache.store(context(question), completion('206'));
    const count = async (lookup: () => Promise<unknown>) => {
      reads.get = 0;
      reads.getMany = 0;
      const result = await lookup();
      return { result, reads: reads.get + reads.getMany, viaGet: reads.get };
    };
    for (const mode of ['exact', 'exact_then_semantic', 'semantic'] as const) {
      const exact = await count(() => cache.lookup(context(question, { plugin: plugin({ mode }) })));
      expect(exact.result).toBeDefined();
      // semantic mode finds the exact duplicate through the index: first read + candidates.
      expect(exact.reads).toBe(mode === 'semantic' ? 2 : 1);
      expect(exact.viaGet).toBe(0);
    }
    for (const mode of ['exact_then_semantic', 'semantic'] as const) {
      const semantic = await count(() =>
        cache.lookup(
          context('how many bones are in the adult human body please', { plugin: plugin({ mode }) }),
        ),
      );
      expect((semantic.result as { kind: string }).kind).toBe('semantic');
      expect(semantic.reads).toBe(2);
    }
    const nothingNear = await count(() => cache.lookup(context('Who painted the Mona Lisa?')));
    expect(nothingNear.result).toBeUndefined();
    expect(nothingNear.reads).toBe(1);
  });
});

describe('createResponseCache: search before the exact answer only when reads are slow', () => {
  const delayed = <T>(value: T, ms: number) =>
    new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
  const run = async (readDelayMs: number, embedDelayMs: number) => {
    const inner = createMemoryCacheStore();
    const store: CacheStoreV1 = {
      specificationVersion: 'v1',
      name: 'delayed',
      get: async (key) => delayed(await inner.get(key), readDelayMs),
      getMany: async (keys) => delayed(await inner.getMany(keys), readDelayMs),
      set: (key, value, options) => inner.set(key, value, options),
      delete: (key) => inner.delete(key),
      close: () => inner.close(),
    };
    const hashing = createHashingEmbedder({ dimensions: 128 });
    const vectors = createMemoryVectorStore({ dimensions: 128 });
    let searches = 0;
    const cache = createResponseCache({
      store,
      vectorStore: {
        ...vectors,
        query: (query, options) => {
          searches++;
          return vectors.query(query, options);
        },
      },
      embedder: {
        ...hashing,
        doEmbed: async (input) => delayed(await hashing.doEmbed(input), embedDelayMs),
      },
    });
    await cache.store(context('What is the speed of sound in air?'), completion('343 m/s'));
    await cache.store(context('What is the boiling point of ethanol?'), completion('78 C'));
    // A semantic hit measures both a read and a search.
    expect((await cache.lookup(context('what is the speed of sound in air please')))?.kind).toBe('semantic');
    searches = 0;
    const exact = await cache.lookup(context('What is the boiling point of ethanol?'));
    expect(exact?.kind).toBe('exact');
    return searches;
  };

  it('a run of exact hits never searches, before or after its reads are timed', async () => {
    const vectors = createMemoryVectorStore({ dimensions: 128 });
    let searches = 0;
    const cache = createResponseCache({
      store: createMemoryCacheStore(),
      vectorStore: {
        ...vectors,
        query: (query, options) => {
          searches++;
          return vectors.query(query, options);
        },
      },
      embedder: createHashingEmbedder({ dimensions: 128 }),
    });
    await cache.store(context('Name the largest ocean on Earth'), completion('Pacific'));
    for (let index = 0; index < 5; index++)
      expect((await cache.lookup(context('Name the largest ocean on Earth')))?.kind).toBe('exact');
    expect(searches).toBe(0);
  });

  it('a fast store: an exact hit is answered without a vector search', async () => {
    expect(await run(0, 15)).toBe(0);
  });

  it('a slow store: the vector search runs while the exact read is in flight, and the exact hit still wins', async () => {
    expect(await run(15, 0)).toBe(1);
  });
});

describe('createResponseCache: failures', () => {
  const failing = (): CacheStoreV1 & { failing: boolean } => {
    const inner = createMemoryCacheStore();
    const store = {
      specificationVersion: 'v1' as const,
      name: 'flaky',
      failing: false,
      get: (key: string) =>
        store.failing
          ? Promise.reject(new CacheStoreError({ message: 'down', store: 'flaky', method: 'get', key }))
          : inner.get(key),
      set: (key: string, value: Uint8Array, options?: { expiresAt?: number }) =>
        store.failing ? Promise.reject(new Error('ECONNREFUSED')) : inner.set(key, value, options),
      delete: (key: string) => inner.delete(key),
      close: () => inner.close(),
    };
    return store;
  };

  it('on_error miss: failures become misses and skipped writes, and are counted', async () => {
    const store = failing();
    const cache = createResponseCache({ store });
    await cache.store(context('q'), completion('a'));
    store.failing = true;
    expect(await cache.lookup(context('q', { decision: 'fresh' }))).toBeUndefined();
    await expect(cache.store(context('q2'), completion('b'))).resolves.toBeUndefined();
    store.failing = false;
    expect(await cache.lookup(context('q'))).toBeDefined();
    expect(cache.stats().errors).toMatchObject({ lookup: 1, store: 1 });
  });

  it('on_error error: failures reject with CacheStoreError', async () => {
    const store = failing();
    store.failing = true;
    const cache = createResponseCache({ store, onError: 'error' });
    const lookupError = await cache.lookup(context('q')).catch((error: unknown) => error);
    expect(CacheStoreError.isInstance(lookupError)).toBe(true);
    const storeError = await cache.store(context('q'), completion('a')).catch((error: unknown) => error);
    expect(CacheStoreError.isInstance(storeError)).toBe(true);
  });

  it('an embedder failure is a miss, counted separately', async () => {
    const time = createManualTime();
    const cache = createResponseCache({
      store: createMemoryCacheStore({ clock: time }),
      vectorStore: createMemoryVectorStore({ dimensions: 4, clock: time }),
      embedder: {
        specificationVersion: 'v1',
        provider: 'x',
        modelId: 'x',
        dimensions: 4,
        maxBatchSize: 1,
        doEmbed: () => Promise.reject(new Error('model gone')),
      },
      clock: time,
    });
    expect(await cache.lookup(context('q'))).toBeUndefined();
    expect(cache.stats().errors.embed).toBe(1);
  });

  it('rejects a vector store whose dimensions differ from the embedder', () => {
    expect(() =>
      createResponseCache({
        store: createMemoryCacheStore(),
        vectorStore: createMemoryVectorStore({ dimensions: 8 }),
        embedder: createHashingEmbedder({ dimensions: 16 }),
      }),
    ).toThrow(/dimensions/);
  });
});

describe('createResponseCache: number guard', () => {
  it('rejects a semantic hit whose numbers differ, unless the guard is off', async () => {
    const guarded = setup().cache;
    await guarded.store(context('What is 15 percent of 80 dollars in total?'), completion('12'));
    expect(await guarded.lookup(context('what is 15 percent of 90 dollars in total'))).toBeUndefined();
    expect(guarded.stats().guardedMisses).toBe(1);
    expect((await guarded.lookup(context('what is 15 percent of 80 dollars in total please')))?.kind).toBe(
      'semantic',
    );
    const unguarded = setup({ numberGuard: false }).cache;
    await unguarded.store(context('What is 15 percent of 80 dollars in total?'), completion('12'));
    expect((await unguarded.lookup(context('what is 15 percent of 90 dollars in total')))?.kind).toBe(
      'semantic',
    );
  });
});
