/**
 * The semantic response cache on its own, with Redis as the shared store: no router, no
 * gateway. Stores one completion, then looks up a paraphrase (semantic hit) and an unrelated
 * question (miss). Embeddings come from the default GloVe-SIF model of @semroute/classifiers.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createResponseCache } from '@semroute/cache';
import { createRedisCacheStore, createRedisVectorStore } from '@semroute/cache/redis';
import {
  buildDefaultModels,
  createModelLoader,
  DEFAULT_MODEL_IDS,
  defaultModelsUpToDate,
} from '@semroute/classifiers';
import type { ChatCompletion, ResponseCacheContext } from '@semroute/core';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const QUESTIONS = {
  stored: 'How do I reset my router password?',
  paraphrase: 'How can I reset the password on my router?',
  unrelated: 'What is the best recipe for banana bread?',
} as const;

export interface CacheDemoOptions {
  /** Redis URL; default `REDIS_URL` or `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** Prefix of every key the demo writes (one per run, so runs never collide). */
  readonly keyPrefix: string;
  readonly similarityThreshold?: number;
}

export interface LookupResult {
  readonly question: string;
  readonly hit: boolean;
  readonly kind?: 'exact' | 'semantic';
  readonly similarity?: number;
  readonly answer?: string;
}

/** A request context as the router would build it for a decision with a `response_cache` plugin. */
function contextFor(question: string, threshold: number): ResponseCacheContext {
  return {
    request: { model: 'auto', messages: [{ role: 'user', content: question }] },
    headers: {},
    recipe: 'default',
    decision: 'support',
    requestedModel: 'auto',
    selectedModel: 'general-expert',
    stream: false,
    plugin: {
      enabled: true,
      mode: 'exact_then_semantic',
      scope: 'global',
      semantic: { similarity_threshold: threshold },
      ttl_seconds: 600,
    },
    policyFingerprint: 'example',
  };
}

const completion = (content: string): ChatCompletion => ({
  id: 'chatcmpl-example',
  object: 'chat.completion',
  created: Math.floor(Date.now() / 1000),
  model: 'general-expert',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 8, completion_tokens: 12, total_tokens: 20 },
});

export async function runCacheDemo(options: CacheDemoOptions): Promise<LookupResult[]> {
  const url = options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const threshold = options.similarityThreshold ?? 0.8;
  const modelsDir = resolve(REPOSITORY_ROOT, process.env.SEMROUTE_MODELS_DIR ?? 'models');
  // Locked build: concurrent callers wait for one build (≈15 s the first time, then a no-op).
  if (!(await defaultModelsUpToDate(modelsDir))) await buildDefaultModels({ modelsDir });

  const loader = createModelLoader({ modelsDir });
  const { backend: embedder } = await loader.loadEmbedder({ model: DEFAULT_MODEL_IDS.embedding });
  const cache = createResponseCache({
    store: createRedisCacheStore({ url, keyPrefix: `${options.keyPrefix}kv:` }),
    vectorStore: createRedisVectorStore({
      url,
      dimensions: embedder.dimensions,
      keyPrefix: `${options.keyPrefix}vec:`,
    }),
    embedder,
    keyPrefix: options.keyPrefix,
    onError: 'error', // surface Redis failures instead of reporting misses
  });
  try {
    await cache.store(
      contextFor(QUESTIONS.stored, threshold),
      completion('Hold the reset button for 10 seconds, then log in with the default password.'),
    );
    const results: LookupResult[] = [];
    for (const question of [QUESTIONS.paraphrase, QUESTIONS.unrelated]) {
      const hit = await cache.lookup(contextFor(question, threshold));
      results.push(
        hit
          ? {
              question,
              hit: true,
              kind: hit.kind,
              similarity: hit.similarity,
              answer: hit.completion.choices[0]?.message.content ?? '',
            }
          : { question, hit: false },
      );
    }
    return results;
  } finally {
    await cache.close(); // closes both Redis stores
    await loader.close();
  }
}
