/**
 * In-process `VectorStoreV1` (cosine). Vectors live normalised in one contiguous slab; an
 * inverted index over metadata pairs narrows filtered queries to their candidates. Candidate
 * sets below `bruteForceThreshold` are scanned exactly (faster than a graph at that size, and
 * exact); larger ones go through an HNSW graph (hnswlib-node, loaded lazily) built once the
 * store holds `bruteForceThreshold` records, with the filter applied inside the graph search.
 *
 * @module
 */
import {
  CacheStoreError,
  type StoreCallOptions,
  type VectorMatch,
  type VectorQuery,
  type VectorRecord,
  type VectorStoreV1,
} from '@semroute/core';
import { type Clock, systemClock } from '../internal/clock.js';
import { importOptional, interop } from '../internal/import-optional.js';
import { dotAt, matchesFilter, normalized } from '../internal/vector-math.js';
import type { HnswIndexLike, HnswlibModuleLike } from './hnswlib-types.js';

export interface HnswOptions {
  /** Graph degree (default 16). */
  readonly m?: number;
  /** Build-time candidate list (default 200). */
  readonly efConstruction?: number;
  /** Query-time candidate list (default 32: recall@1 ≈ 0.99 on near-duplicate queries at 100k entries); raised to topK when smaller. */
  readonly efSearch?: number;
}

export interface MemoryVectorStoreOptions {
  readonly dimensions: number;
  /** `auto` (default): brute force below the threshold, HNSW above when hnswlib-node is installed. */
  readonly index?: 'auto' | 'hnsw' | 'brute-force';
  /** Candidate-set size under which queries scan exactly (default 4096). */
  readonly bruteForceThreshold?: number;
  readonly hnsw?: HnswOptions;
  /** Oldest records are dropped beyond this many (default unbounded). */
  readonly maxRecords?: number;
  readonly clock?: Clock;
  /** Injected hnswlib-node module (default: lazily imported). */
  readonly hnswlib?: HnswlibModuleLike;
  /** Store name reported in errors (default `memory`). */
  readonly name?: string;
}

export interface MemoryVectorStore extends VectorStoreV1 {
  /** Live record count (expired records not yet purged included). */
  readonly size: number;
  /** Whether the HNSW graph is in use. */
  readonly usingHnsw: boolean;
  /** Ids of every stored record (for rebuilds and sync). */
  ids(): IterableIterator<string>;
  /** Changes the HNSW query-time candidate list (recall/latency trade-off) at run time. */
  setEfSearch(ef: number): void;
}

interface Slot {
  id: string;
  expiresAt: number | undefined;
  metadata: Readonly<Record<string, string>> | undefined;
}

export function createMemoryVectorStore(options: MemoryVectorStoreOptions): MemoryVectorStore {
  const dimensions = options.dimensions;
  const storeName = options.name ?? 'memory';
  const clock = options.clock ?? systemClock;
  const mode = options.index ?? 'auto';
  const threshold = options.bruteForceThreshold ?? 4096;
  const maxRecords = options.maxRecords ?? Number.POSITIVE_INFINITY;
  const m = options.hnsw?.m ?? 16;
  const efConstruction = options.hnsw?.efConstruction ?? 200;
  let efSearch = options.hnsw?.efSearch ?? 32;

  let capacity = 1024;
  let slab = new Float32Array(capacity * dimensions);
  const slots: Array<Slot | undefined> = [];
  const free: number[] = [];
  const byId = new Map<string, number>();
  /** `key\u0000value` -> slots; Sets keep insertion order, which doubles as fifo order. */
  const postings = new Map<string, Set<number>>();
  let graph: HnswIndexLike | undefined;
  let graphLoading: Promise<void> | undefined;
  let graphUnavailable = mode === 'brute-force';
  let closed = false;

  const fail = (method: string, message: string): never => {
    throw new CacheStoreError({ message, store: storeName, method });
  };
  const ensureOpen = (method: string) => {
    if (closed) fail(method, `${storeName} vector store is closed`);
  };
  const checkDimensions = (method: string, vector: Float32Array) => {
    if (vector.length !== dimensions)
      fail(method, `vector has ${vector.length} dimensions, the store has ${dimensions}`);
  };

  const postingKey = (key: string, value: string) => `${key}\u0000${value}`;

  const removeSlot = (slotIndex: number) => {
    const slot = slots[slotIndex];
    if (!slot) return;
    unindexMetadata(slotIndex);
    byId.delete(slot.id);
    slots[slotIndex] = undefined;
    free.push(slotIndex);
    graph?.markDelete(slotIndex);
  };

  const unindexMetadata = (slotIndex: number) => {
    const slot = slots[slotIndex];
    if (!slot?.metadata) return;
    for (const key in slot.metadata) {
      const postingId = postingKey(key, slot.metadata[key] as string);
      const posting = postings.get(postingId);
      posting?.delete(slotIndex);
      if (posting?.size === 0) postings.delete(postingId);
    }
  };

  /** Sets expiry and metadata of a live slot and indexes the metadata pairs. */
  const setMetadata = (slotIndex: number, record: VectorRecord) => {
    const slot = slots[slotIndex] as Slot;
    unindexMetadata(slotIndex);
    const metadata = record.metadata ? { ...record.metadata } : undefined;
    slot.expiresAt = record.expiresAt;
    slot.metadata = metadata;
    if (!metadata) return;
    for (const key in metadata) {
      const postingId = postingKey(key, metadata[key] as string);
      let posting = postings.get(postingId);
      if (!posting) {
        posting = new Set();
        postings.set(postingId, posting);
      }
      posting.add(slotIndex);
    }
  };

  const sameRow = (slotIndex: number, vector: Float32Array) => {
    const offset = slotIndex * dimensions;
    for (let index = 0; index < dimensions; index++) if (slab[offset + index] !== vector[index]) return false;
    return true;
  };

  const grow = () => {
    capacity *= 2;
    const next = new Float32Array(capacity * dimensions);
    next.set(slab);
    slab = next;
  };

  const loadGraph = async () => {
    if (graph || graphUnavailable) return;
    if (!graphLoading) {
      graphLoading = (async () => {
        let lib: HnswlibModuleLike;
        try {
          lib =
            options.hnswlib ??
            (interop(
              await importOptional('hnswlib-node', () => import('hnswlib-node') as Promise<unknown>),
            ) as HnswlibModuleLike);
        } catch (error) {
          if (mode === 'hnsw') throw error;
          graphUnavailable = true; // auto: stay exact when the library is missing
          return;
        }
        const index = new lib.HierarchicalNSW('ip', dimensions);
        index.initIndex({ maxElements: Math.max(capacity, 1024), m, efConstruction, randomSeed: 100 });
        for (let slotIndex = 0; slotIndex < slots.length; slotIndex++) {
          if (!slots[slotIndex]) continue;
          index.addPoint(
            Array.from(slab.subarray(slotIndex * dimensions, (slotIndex + 1) * dimensions)),
            slotIndex,
          );
        }
        // Slots freed before the graph existed were never added: nothing to mark.
        graph = index;
      })();
    }
    await graphLoading;
  };

  const bruteForce = (
    query: Float32Array,
    candidates: Iterable<number>,
    topK: number,
    minScore: number,
    filter: VectorQuery['filter'],
    now: number,
    expired: number[],
  ) => {
    const best: Array<{ slot: number; score: number }> = [];
    for (const slotIndex of candidates) {
      const slot = slots[slotIndex];
      if (!slot) continue;
      if (slot.expiresAt !== undefined && slot.expiresAt <= now) {
        expired.push(slotIndex);
        continue;
      }
      if (!matchesFilter(slot.metadata, filter)) continue;
      const score = dotAt(query, slab, slotIndex * dimensions);
      if (score < minScore) continue;
      if (best.length < topK) {
        best.push({ slot: slotIndex, score });
        best.sort((a, b) => b.score - a.score);
      } else if (score > (best[best.length - 1] as { score: number }).score) {
        best[best.length - 1] = { slot: slotIndex, score };
        best.sort((a, b) => b.score - a.score);
      }
    }
    return best;
  };

  const allSlots = function* () {
    for (let index = 0; index < slots.length; index++) if (slots[index]) yield index;
  };

  return {
    specificationVersion: 'v1',
    name: storeName,
    dimensions,
    metric: 'cosine',
    get size() {
      return byId.size;
    },
    get usingHnsw() {
      return graph !== undefined;
    },
    ids() {
      return byId.keys();
    },
    setEfSearch(ef: number) {
      efSearch = Math.max(1, Math.floor(ef));
    },
    async upsert(records: readonly VectorRecord[], _options?: StoreCallOptions) {
      ensureOpen('upsert');
      for (const record of records) checkDimensions('upsert', record.vector);
      for (const record of records) {
        const existing = byId.get(record.id);
        const vector = normalized(record.vector);
        if (existing !== undefined && sameRow(existing, vector)) {
          // Same vector (a resync, a TTL refresh): update in place and leave the graph alone;
          // re-linking an unchanged point only costs time and graph quality.
          setMetadata(existing, record);
          continue;
        }
        if (existing !== undefined) removeSlot(existing);
        while (byId.size >= maxRecords) {
          const oldest = byId.values().next().value;
          if (oldest === undefined) break;
          removeSlot(oldest);
        }
        const slotIndex = free.length > 0 ? (free.pop() as number) : slots.length;
        if (slotIndex >= capacity) grow();
        slab.set(vector, slotIndex * dimensions);
        slots[slotIndex] = { id: record.id, expiresAt: undefined, metadata: undefined };
        byId.set(record.id, slotIndex);
        setMetadata(slotIndex, record);
        if (graph) {
          if (slotIndex >= graph.getMaxElements())
            graph.resizeIndex(Math.max(capacity, graph.getMaxElements() * 2));
          graph.addPoint(Array.from(vector), slotIndex);
        }
      }
      if (!graph && !graphUnavailable && (mode === 'hnsw' || byId.size >= threshold)) await loadGraph();
    },
    async query(query: VectorQuery, _options?: StoreCallOptions): Promise<readonly VectorMatch[]> {
      ensureOpen('query');
      checkDimensions('query', query.vector);
      const topK = Math.max(0, Math.floor(query.topK));
      if (topK === 0 || byId.size === 0) return [];
      const vector = normalized(query.vector);
      const minScore = query.minScore ?? Number.NEGATIVE_INFINITY;
      const now = clock.now();
      const expired: number[] = [];
      // Smallest posting list among the filter pairs bounds the candidates.
      let candidates: Set<number> | undefined;
      if (query.filter) {
        for (const key in query.filter) {
          const posting = postings.get(postingKey(key, query.filter[key] as string));
          if (!posting) return [];
          if (!candidates || posting.size < candidates.size) candidates = posting;
        }
      }
      const candidateCount = candidates?.size ?? byId.size;
      let best: Array<{ slot: number; score: number }>;
      if (graph && candidateCount > threshold) {
        const filter = query.filter;
        const accept = (label: number) => {
          const slot = slots[label];
          if (!slot) return false;
          if (slot.expiresAt !== undefined && slot.expiresAt <= now) return false;
          return matchesFilter(slot.metadata, filter);
        };
        graph.setEf(Math.max(efSearch, topK));
        // A filter that keeps (nearly) everything, or none: search natively and drop the few
        // rejects afterwards; a JS callback per visited node costs more than a few extra neighbours.
        // A selective filter runs inside the graph search so it still finds topK matches.
        const selective = filter !== undefined && candidateCount < byId.size * 0.9;
        const search = (filtered: boolean) => {
          const k = Math.min(filtered ? topK : topK + 8, graph?.getCurrentCount() ?? 0);
          const vectorArray = Array.from(vector);
          return filtered
            ? (graph as HnswIndexLike).searchKnn(vectorArray, k, accept)
            : (graph as HnswIndexLike).searchKnn(vectorArray, k);
        };
        let result = search(selective);
        const accepted = result.neighbors.filter(accept).length;
        if (!selective && filter !== undefined && accepted < Math.min(topK, candidateCount)) {
          result = search(true); // the unfiltered neighbours were mostly rejected: search again inside the filter
        }
        best = [];
        for (let index = 0; index < result.neighbors.length; index++) {
          const label = result.neighbors[index] as number;
          const score = 1 - (result.distances[index] as number);
          if (!accept(label)) {
            const slot = slots[label];
            if (slot?.expiresAt !== undefined && slot.expiresAt <= now) expired.push(label);
            continue;
          }
          if (score >= minScore) best.push({ slot: label, score });
        }
        best.sort((a, b) => b.score - a.score);
        best.length = Math.min(best.length, topK);
      } else {
        best = bruteForce(vector, candidates ?? allSlots(), topK, minScore, query.filter, now, expired);
      }
      for (const slotIndex of expired) removeSlot(slotIndex);
      return best.map(({ slot, score }) => {
        const record = slots[slot] as Slot;
        return record.metadata
          ? { id: record.id, score, metadata: { ...record.metadata } }
          : { id: record.id, score };
      });
    },
    async delete(ids: readonly string[]) {
      ensureOpen('delete');
      for (const id of ids) {
        const slotIndex = byId.get(id);
        if (slotIndex !== undefined) removeSlot(slotIndex);
      }
    },
    async close() {
      closed = true;
      byId.clear();
      postings.clear();
      slots.length = 0;
      graph = undefined;
    },
  };
}
