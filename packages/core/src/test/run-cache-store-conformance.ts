/**
 * Conformance suite for `CacheStoreV1` implementations. Every store in `@semroute/cache` runs
 * it, and third-party stores should too:
 *
 * ```ts
 * import { afterAll, beforeAll, describe, it } from 'vitest';
 * runCacheStoreConformance({ harness: { describe, it, beforeAll, afterAll }, name: 'my-store', create: () => createMyStore() });
 * ```
 *
 * @module
 */
import { CacheStoreError } from '../errors/cache-store-error.js';
import type { CacheStoreV1 } from '../spec/cache-store/v1/cache-store-v1.js';
import {
  assert,
  assertBytes,
  assertEqual,
  type ConformanceSkips,
  type ConformanceTime,
  conformanceCase,
  realTime,
  type TestHarness,
} from './test-harness.js';

export interface CacheStoreConformanceOptions {
  readonly harness: TestHarness;
  /** Suite title suffix, e.g. `redis`. */
  readonly name: string;
  /** Creates a fresh, empty store. Called once per test; the suite closes it. */
  create(time: ConformanceTime): Promise<CacheStoreV1> | CacheStoreV1;
  /** Time source shared with the store (default: real time; expiry tests then sleep ~250 ms). */
  readonly time?: ConformanceTime;
  /** Lifetime of the short-lived entry in the expiry test, ms (default 150; raise it for remote stores). */
  readonly expiryMs?: number;
  /** Test name → reason to skip it. */
  readonly skip?: ConformanceSkips;
}

const bytes = (text: string) => new TextEncoder().encode(text);

let keyCounter = 0;
const RUN_ID = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
/** Unique keys so suites against shared servers never collide across runs. */
const uniqueKey = (label: string) => `conf:${label}:${RUN_ID}:${keyCounter++}`;

export function runCacheStoreConformance(options: CacheStoreConformanceOptions): void {
  const { harness, skip } = options;
  const time = options.time ?? realTime;
  const expiryMs = options.expiryMs ?? 150;
  const withStore = (name: string, body: (store: CacheStoreV1) => Promise<void>) =>
    conformanceCase(harness, skip, name, async () => {
      const store = await options.create(time);
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });

  harness.describe(`CacheStoreV1 conformance: ${options.name}`, () => {
    withStore('declares specificationVersion v1 and a name', async (store) => {
      assertEqual(store.specificationVersion, 'v1', 'specificationVersion');
      assert(typeof store.name === 'string' && store.name.length > 0, 'name must be a non-empty string');
    });

    withStore('get of a missing key resolves undefined', async (store) => {
      assertEqual(await store.get(uniqueKey('missing')), undefined, 'missing key');
    });

    withStore('set then get round-trips arbitrary bytes', async (store) => {
      const key = uniqueKey('bytes');
      const value = new Uint8Array(256).map((_, index) => index);
      await store.set(key, value);
      assertBytes(await store.get(key), value, 'stored bytes');
    });

    withStore('set replaces an existing value', async (store) => {
      const key = uniqueKey('replace');
      await store.set(key, bytes('first'));
      await store.set(key, bytes('second, longer'));
      assertBytes(await store.get(key), bytes('second, longer'), 'replaced value');
    });

    withStore('keys with separators and unicode are distinct', async (store) => {
      const base = uniqueKey('unicode');
      await store.set(`${base}:a/b c`, bytes('1'));
      await store.set(`${base}:é€😀`, bytes('2'));
      assertBytes(await store.get(`${base}:a/b c`), bytes('1'), 'first key');
      assertBytes(await store.get(`${base}:é€😀`), bytes('2'), 'second key');
    });

    withStore('the stored value is a copy: mutating the input afterwards has no effect', async (store) => {
      const key = uniqueKey('copy');
      const value = bytes('immutable');
      await store.set(key, value);
      value[0] = 0;
      assertBytes(await store.get(key), bytes('immutable'), 'stored copy');
    });

    withStore('delete resolves true once, then false', async (store) => {
      const key = uniqueKey('delete');
      await store.set(key, bytes('x'));
      assertEqual(await store.delete(key), true, 'first delete');
      assertEqual(await store.get(key), undefined, 'after delete');
      assertEqual(await store.delete(key), false, 'second delete');
    });

    withStore('an entry whose expiresAt has passed is never returned', async (store) => {
      const key = uniqueKey('past');
      await store.set(key, bytes('old'), { expiresAt: time.now() - 1000 });
      assertEqual(await store.get(key), undefined, 'already expired');
    });

    withStore('an entry expires when its time comes and is served until then', async (store) => {
      const key = uniqueKey('expiry');
      await store.set(key, bytes('soon'), { expiresAt: time.now() + expiryMs });
      assertBytes(await store.get(key), bytes('soon'), 'before expiry');
      await time.advance(expiryMs * 2);
      assertEqual(await store.get(key), undefined, 'after expiry');
    });

    withStore('large values (512 KiB) round-trip', async (store) => {
      const key = uniqueKey('large');
      const value = new Uint8Array(512 * 1024).map((_, index) => (index * 31) % 251);
      await store.set(key, value);
      assertBytes(await store.get(key), value, 'large value');
    });

    withStore('concurrent writes to distinct keys all land', async (store) => {
      const base = uniqueKey('concurrent');
      await Promise.all(
        Array.from({ length: 50 }, (_, index) => store.set(`${base}:${index}`, bytes(String(index)))),
      );
      const values = await Promise.all(
        Array.from({ length: 50 }, (_, index) => store.get(`${base}:${index}`)),
      );
      values.forEach((value, index) => {
        assertBytes(value, bytes(String(index)), `key ${index}`);
      });
    });

    withStore(
      'getMany (when implemented) answers in key order, undefined for missing and expired keys',
      async (store) => {
        if (!store.getMany) return;
        const base = uniqueKey('many');
        await store.set(`${base}:a`, bytes('a'));
        await store.set(`${base}:c`, bytes('c'), { expiresAt: time.now() + 60_000 });
        await store.set(`${base}:gone`, bytes('old'), { expiresAt: time.now() - 1000 });
        const values = await store.getMany([`${base}:c`, `${base}:missing`, `${base}:a`, `${base}:gone`]);
        assertEqual(values.length, 4, 'one answer per key');
        assertBytes(values[0], bytes('c'), 'first key');
        assertEqual(values[1], undefined, 'missing key');
        assertBytes(values[2], bytes('a'), 'third key');
        assertEqual(values[3], undefined, 'expired key');
        assertEqual((await store.getMany([])).length, 0, 'no keys');
      },
    );

    conformanceCase(
      harness,
      skip,
      'close is idempotent and later calls reject with CacheStoreError',
      async () => {
        const store = await options.create(time);
        await store.close();
        await store.close();
        let error: unknown;
        try {
          await store.get(uniqueKey('closed'));
        } catch (caught) {
          error = caught;
        }
        assert(
          CacheStoreError.isInstance(error),
          `get after close must reject with CacheStoreError, got ${String(error)}`,
        );
        if (store.getMany) {
          error = undefined;
          try {
            await store.getMany([uniqueKey('closed')]);
          } catch (caught) {
            error = caught;
          }
          assert(
            CacheStoreError.isInstance(error),
            `getMany after close must reject with CacheStoreError, got ${String(error)}`,
          );
        }
      },
    );
  });
}
