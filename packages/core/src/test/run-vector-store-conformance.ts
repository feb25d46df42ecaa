/**
 * Conformance suite for `VectorStoreV1` implementations (cosine metric). Vectors are built so
 * that the expected order is unambiguous; stores with an approximate index must still return
 * exact answers at these sizes.
 *
 * @module
 */
import type { VectorStoreV1 } from '../spec/vector-store/v1/vector-store-v1.js';
import {
  assert,
  assertEqual,
  assertRejects,
  type ConformanceSkips,
  type ConformanceTime,
  conformanceCase,
  realTime,
  type TestHarness,
} from './test-harness.js';

export interface VectorStoreConformanceOptions {
  readonly harness: TestHarness;
  readonly name: string;
  /** Creates a fresh, empty cosine store of `dimensions` (the suite uses 8). The suite closes it. */
  create(options: { dimensions: number; time: ConformanceTime }): Promise<VectorStoreV1> | VectorStoreV1;
  readonly time?: ConformanceTime;
  /** Lifetime of the short-lived record in the expiry test, ms (default 150; raise it for remote stores). */
  readonly expiryMs?: number;
  readonly skip?: ConformanceSkips;
}

const DIMENSIONS = 8;

/** Unit vector mostly along `axis`, tilted towards `(axis + 1) % D` by `tilt`. */
function unit(axis: number, tilt = 0): Float32Array {
  const vector = new Float32Array(DIMENSIONS);
  vector[axis % DIMENSIONS] = 1;
  vector[(axis + 1) % DIMENSIONS] = tilt;
  const norm = Math.hypot(1, tilt);
  for (let index = 0; index < DIMENSIONS; index++) vector[index] = (vector[index] ?? 0) / norm;
  return vector;
}

let idCounter = 0;
const RUN_ID = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const uniqueId = (label: string) => `vconf-${label}-${RUN_ID}-${idCounter++}`;

export function runVectorStoreConformance(options: VectorStoreConformanceOptions): void {
  const { harness, skip } = options;
  const time = options.time ?? realTime;
  const expiryMs = options.expiryMs ?? 150;
  const withStore = (name: string, body: (store: VectorStoreV1) => Promise<void>) =>
    conformanceCase(harness, skip, name, async () => {
      const store = await options.create({ dimensions: DIMENSIONS, time });
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });

  harness.describe(`VectorStoreV1 conformance: ${options.name}`, () => {
    withStore('declares v1, its dimensions and the cosine metric', async (store) => {
      assertEqual(store.specificationVersion, 'v1', 'specificationVersion');
      assertEqual(store.dimensions, DIMENSIONS, 'dimensions');
      assertEqual(store.metric, 'cosine', 'metric');
    });

    withStore('query on an empty store resolves []', async (store) => {
      const matches = await store.query({ vector: unit(0), topK: 3, filter: { suite: uniqueId('empty') } });
      assertEqual(matches.length, 0, 'matches');
    });

    withStore('returns matches best first with cosine scores and metadata', async (store) => {
      const group = uniqueId('group');
      const [a, b, c] = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
      await store.upsert([
        { id: a, vector: unit(0), metadata: { suite: group, label: 'a' } },
        { id: b, vector: unit(0, 0.5), metadata: { suite: group, label: 'b' } },
        { id: c, vector: unit(3), metadata: { suite: group, label: 'c' } },
      ]);
      const matches = await store.query({ vector: unit(0), topK: 3, filter: { suite: group } });
      assertEqual(matches[0]?.id, a, 'best match');
      assert(
        Math.abs((matches[0]?.score ?? 0) - 1) < 1e-4,
        `identical vector scores 1, got ${matches[0]?.score}`,
      );
      assertEqual(matches[1]?.id, b, 'second match');
      assert(
        Math.abs((matches[1]?.score ?? 0) - 1 / Math.hypot(1, 0.5)) < 1e-3,
        `cosine of b, got ${matches[1]?.score}`,
      );
      assertEqual(matches[0]?.metadata?.label, 'a', 'metadata of the best match');
      for (let index = 1; index < matches.length; index++) {
        assert(
          (matches[index - 1]?.score ?? 0) >= (matches[index]?.score ?? 0),
          'matches must be sorted best first',
        );
      }
    });

    withStore('topK limits and minScore drops', async (store) => {
      const group = uniqueId('limits');
      await store.upsert(
        Array.from({ length: 6 }, (_, index) => ({
          id: uniqueId('l'),
          vector: unit(0, index * 0.3),
          metadata: { suite: group },
        })),
      );
      assertEqual(
        (await store.query({ vector: unit(0), topK: 2, filter: { suite: group } })).length,
        2,
        'topK',
      );
      const strict = await store.query({ vector: unit(0), topK: 6, minScore: 0.9, filter: { suite: group } });
      assert(
        strict.length >= 1 && strict.length < 6,
        `minScore keeps only close matches, got ${strict.length}`,
      );
      for (const match of strict) assert(match.score >= 0.9, `score ${match.score} below minScore`);
    });

    withStore('filter matches every metadata pair exactly', async (store) => {
      const group = uniqueId('filter');
      const [x, y] = [uniqueId('x'), uniqueId('y')];
      await store.upsert([
        { id: x, vector: unit(1), metadata: { suite: group, partition: 'p1' } },
        { id: y, vector: unit(1), metadata: { suite: group, partition: 'p2' } },
      ]);
      const p2 = await store.query({ vector: unit(1), topK: 5, filter: { suite: group, partition: 'p2' } });
      assertEqual(p2.length, 1, 'only p2');
      assertEqual(p2[0]?.id, y, 'p2 id');
      const none = await store.query({ vector: unit(1), topK: 5, filter: { suite: group, partition: 'p3' } });
      assertEqual(none.length, 0, 'unknown partition');
    });

    withStore('upsert replaces a record by id (vector and metadata)', async (store) => {
      const group = uniqueId('upsert');
      const id = uniqueId('r');
      await store.upsert([{ id, vector: unit(2), metadata: { suite: group, version: '1' } }]);
      await store.upsert([{ id, vector: unit(5), metadata: { suite: group, version: '2' } }]);
      const matches = await store.query({ vector: unit(5), topK: 5, filter: { suite: group } });
      assertEqual(matches.length, 1, 'one record');
      assertEqual(matches[0]?.metadata?.version, '2', 'new metadata');
      assert((matches[0]?.score ?? 0) > 0.99, 'new vector');
    });

    withStore('delete removes records', async (store) => {
      const group = uniqueId('delete');
      const [a, b] = [uniqueId('a'), uniqueId('b')];
      await store.upsert([
        { id: a, vector: unit(4), metadata: { suite: group } },
        { id: b, vector: unit(4, 0.2), metadata: { suite: group } },
      ]);
      await store.delete([a, uniqueId('never-stored')]);
      const matches = await store.query({ vector: unit(4), topK: 5, filter: { suite: group } });
      assertEqual(matches.length, 1, 'one left');
      assertEqual(matches[0]?.id, b, 'b left');
    });

    withStore('expired records are never returned', async (store) => {
      const group = uniqueId('expiry');
      const [old, soon, keep] = [uniqueId('old'), uniqueId('soon'), uniqueId('keep')];
      await store.upsert([
        { id: old, vector: unit(6), expiresAt: time.now() - 1000, metadata: { suite: group } },
        { id: soon, vector: unit(6), expiresAt: time.now() + expiryMs, metadata: { suite: group } },
        { id: keep, vector: unit(6, 0.1), metadata: { suite: group } },
      ]);
      const before = await store.query({ vector: unit(6), topK: 5, filter: { suite: group } });
      assertEqual(before.map((match) => match.id).join(','), `${soon},${keep}`, 'before expiry');
      await time.advance(expiryMs * 2);
      const after = await store.query({ vector: unit(6), topK: 5, filter: { suite: group } });
      assertEqual(after.map((match) => match.id).join(','), keep, 'after expiry');
    });

    withStore('rejects a vector of the wrong dimension', async (store) => {
      await assertRejects(
        store.upsert([{ id: uniqueId('bad'), vector: new Float32Array(DIMENSIONS + 1) }]),
        'upsert of a wrong-length vector',
      );
      await assertRejects(
        store.query({ vector: new Float32Array(DIMENSIONS - 1), topK: 1 }),
        'query with a wrong-length vector',
      );
    });

    withStore('never mutates its inputs', async (store) => {
      const group = uniqueId('inputs');
      const vector = new Float32Array([3, 0, 0, 0, 0, 0, 0, 4]);
      const copy = Float32Array.from(vector);
      const metadata = { suite: group };
      await store.upsert([{ id: uniqueId('m'), vector, metadata }]);
      await store.query({ vector, topK: 1, filter: { suite: group } });
      assert(
        vector.every((value, index) => value === copy[index]),
        'vector was mutated',
      );
      assertEqual(Object.keys(metadata).join(','), 'suite', 'metadata was mutated');
      const matches = await store.query({ vector: copy, topK: 1, filter: { suite: group } });
      assert(Math.abs((matches[0]?.score ?? 0) - 1) < 1e-4, 'unnormalised vectors are compared by cosine');
    });

    conformanceCase(harness, skip, 'close is idempotent and later calls reject', async () => {
      const store = await options.create({ dimensions: DIMENSIONS, time });
      await store.close();
      await store.close();
      await assertRejects(store.query({ vector: unit(0), topK: 1 }), 'query after close');
    });
  });
}
