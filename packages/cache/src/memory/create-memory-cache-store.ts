/**
 * In-process `CacheStoreV1`: bounded by entry count and bytes, with fifo, lru or lfu eviction.
 * Expired entries are never served (checked against the injected clock on every read) and are
 * evicted before live ones.
 *
 * @module
 */
import { CacheStoreError, type CacheStoreV1, type StoreCallOptions } from '@semroute/core';
import { type Clock, systemClock } from '../internal/clock.js';

export type EvictionPolicy = 'fifo' | 'lru' | 'lfu';

export interface MemoryCacheStoreOptions {
  /** Maximum live entries (default 1000, the reference default). */
  readonly maxEntries?: number;
  /** Maximum total value bytes (keys included); default unbounded. */
  readonly maxBytes?: number;
  /** Default `fifo`, as the reference. */
  readonly evictionPolicy?: EvictionPolicy;
  readonly clock?: Clock;
  /** Called for each key dropped to make room or found expired (not for `delete`). */
  readonly onEvict?: (key: string, reason: 'capacity' | 'expired') => void;
}

export interface MemoryCacheStoreStats {
  readonly entries: number;
  readonly bytes: number;
  readonly evictions: number;
  readonly expirations: number;
}

export interface MemoryCacheStore extends CacheStoreV1 {
  getMany(keys: readonly string[], options?: StoreCallOptions): Promise<Array<Uint8Array | undefined>>;
  stats(): MemoryCacheStoreStats;
}

interface Entry {
  value: Uint8Array;
  expiresAt: number | undefined;
  size: number;
  frequency: number;
}

export function createMemoryCacheStore(options: MemoryCacheStoreOptions = {}): MemoryCacheStore {
  const maxEntries = options.maxEntries ?? 1000;
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const policy = options.evictionPolicy ?? 'fifo';
  const clock = options.clock ?? systemClock;
  // Map iteration order is insertion order: fifo keeps it, lru re-inserts on read.
  const entries = new Map<string, Entry>();
  // lfu: frequency -> keys in insertion order; minFrequency tracks the lowest non-empty bucket.
  const buckets = new Map<number, Set<string>>();
  let minFrequency = 1;
  let bytes = 0;
  let evictions = 0;
  let expirations = 0;
  let closed = false;

  const ensureOpen = (method: string, key?: string) => {
    if (closed) {
      throw new CacheStoreError({
        message: 'memory cache store is closed',
        store: 'memory',
        method,
        ...(key !== undefined ? { key } : {}),
      });
    }
  };

  const bucketAdd = (key: string, frequency: number) => {
    let bucket = buckets.get(frequency);
    if (!bucket) {
      bucket = new Set();
      buckets.set(frequency, bucket);
    }
    bucket.add(key);
  };
  const bucketRemove = (key: string, frequency: number) => {
    const bucket = buckets.get(frequency);
    if (!bucket) return;
    bucket.delete(key);
    if (bucket.size === 0) buckets.delete(frequency);
  };

  const remove = (key: string, entry: Entry) => {
    entries.delete(key);
    bytes -= entry.size;
    if (policy === 'lfu') bucketRemove(key, entry.frequency);
  };

  const victim = (): string | undefined => {
    if (policy !== 'lfu') return entries.keys().next().value;
    if (!buckets.has(minFrequency)) {
      minFrequency = Math.min(...buckets.keys());
    }
    return buckets.get(minFrequency)?.values().next().value;
  };

  const makeRoom = (incoming: number) => {
    // Expired entries go first: scan a bounded prefix in insertion order.
    if (entries.size >= maxEntries || bytes + incoming > maxBytes) {
      const now = clock.now();
      let scanned = 0;
      for (const [key, entry] of entries) {
        if (scanned++ >= 64) break;
        if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
          remove(key, entry);
          expirations++;
          options.onEvict?.(key, 'expired');
        }
      }
    }
    while (entries.size > 0 && (entries.size >= maxEntries || bytes + incoming > maxBytes)) {
      const key = victim();
      if (key === undefined) break;
      const entry = entries.get(key);
      if (!entry) {
        bucketRemove(key, minFrequency);
        continue;
      }
      remove(key, entry);
      evictions++;
      options.onEvict?.(key, 'capacity');
    }
  };

  const read = (key: string): Uint8Array | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= clock.now()) {
      remove(key, entry);
      expirations++;
      options.onEvict?.(key, 'expired');
      return undefined;
    }
    if (policy === 'lru') {
      entries.delete(key);
      entries.set(key, entry);
    } else if (policy === 'lfu') {
      bucketRemove(key, entry.frequency);
      if (entry.frequency === minFrequency && !buckets.has(minFrequency)) minFrequency++;
      entry.frequency++;
      bucketAdd(key, entry.frequency);
    }
    return entry.value.slice();
  };

  return {
    specificationVersion: 'v1',
    name: 'memory',
    async get(key: string, _options?: StoreCallOptions) {
      ensureOpen('get', key);
      return read(key);
    },
    async getMany(keys: readonly string[], _options?: StoreCallOptions) {
      ensureOpen('getMany');
      return keys.map(read);
    },
    async set(
      key: string,
      value: Uint8Array,
      setOptions?: StoreCallOptions & { readonly expiresAt?: number },
    ) {
      ensureOpen('set', key);
      const size = value.byteLength + key.length * 2;
      const existing = entries.get(key);
      if (existing) remove(key, existing);
      if (size > maxBytes) return; // can never fit: not cached
      makeRoom(size);
      const entry: Entry = { value: value.slice(), expiresAt: setOptions?.expiresAt, size, frequency: 1 };
      entries.set(key, entry);
      bytes += size;
      if (policy === 'lfu') {
        bucketAdd(key, 1);
        minFrequency = 1;
      }
    },
    async delete(key: string) {
      ensureOpen('delete', key);
      const entry = entries.get(key);
      if (!entry) return false;
      remove(key, entry);
      return !(entry.expiresAt !== undefined && entry.expiresAt <= clock.now());
    },
    async close() {
      closed = true;
      entries.clear();
      buckets.clear();
      bytes = 0;
    },
    stats() {
      return { entries: entries.size, bytes, evictions, expirations };
    },
  };
}
