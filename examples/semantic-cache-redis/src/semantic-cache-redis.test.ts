import { afterAll, expect, it } from 'vitest';
import { QUESTIONS, runCacheDemo } from './cache-demo.js';
import { countKeys, deleteKeys } from './cleanup.js';

// Real Redis on 127.0.0.1:6379 (REDIS_URL overrides); only keys under this run's prefix.
const keyPrefix = `semroute:test:example-cache:${process.pid}:${Date.now().toString(36)}:`;

afterAll(async () => {
  await deleteKeys(keyPrefix);
  expect(await countKeys(keyPrefix)).toBe(0);
});

it('serves a paraphrase from Redis as a semantic hit and misses an unrelated question', async () => {
  const [paraphrase, unrelated] = await runCacheDemo({ keyPrefix });
  expect(paraphrase).toMatchObject({ question: QUESTIONS.paraphrase, hit: true, kind: 'semantic' });
  expect(paraphrase?.similarity).toBeGreaterThanOrEqual(0.8);
  expect(paraphrase?.similarity).toBeLessThan(1);
  expect(paraphrase?.answer).toMatch(/^Hold the reset button/);
  expect(unrelated).toEqual({ question: QUESTIONS.unrelated, hit: false });
  // The entries really live in Redis under this run's prefix.
  expect(await countKeys(keyPrefix)).toBeGreaterThan(0);
});
