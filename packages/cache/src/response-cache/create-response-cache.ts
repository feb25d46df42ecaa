/**
 * The response cache the router calls: `lookup(context)` before going upstream and
 * `store(context, completion)` after a complete 2xx. Exact tier over a `CacheStoreV1`, semantic
 * tier over a `VectorStoreV1` plus an `EmbeddingBackendV1`; both tiers share one entry per
 * request (the vector record's id is the entry key), partitioned by recipe, decision, requested
 * and selected model, protocol (stream or body), scope, policy fingerprint, revisions and
 * invalidation generations. Store failures are counted and, under `onError: 'miss'` (default),
 * become misses and skipped writes.
 *
 * @module
 */
import {
  CacheStoreError,
  type CacheStoreV1,
  type ChatCompletion,
  type EmbeddingBackendV1,
  type ResponseCacheContext,
  type ResponseCacheHit,
  type ResponseCacheV1,
  type VectorMatch,
  type VectorStoreV1,
} from '@semroute/core';
import { type Clock, systemClock } from '../internal/clock.js';
import { type CacheControl, parseCacheControl } from './cache-control.js';
import { requestIdentity, sha256 } from './cache-keys.js';
import { numbersMatch } from './number-guard.js';

/** Identity headers set by the trusted auth layer, by scope. */
export const SCOPE_HEADERS = {
  user: 'x-authz-user-id',
  team: 'x-authz-team-id',
  tenant: 'x-authz-tenant-id',
} as const;

export type ResponseCacheEventName =
  | 'cache-hit'
  | 'cache-miss'
  | 'cache-store'
  | 'cache-skip'
  | 'cache-error';

export interface ResponseCacheEvent {
  readonly name: ResponseCacheEventName;
  readonly decision: string;
  readonly kind?: 'exact' | 'semantic';
  readonly similarity?: number;
  /** Why a lookup or write was skipped, or which operation failed. */
  readonly reason?: string;
  readonly error?: unknown;
}

export interface CreateResponseCacheOptions {
  /** Entry store: exact tier and the payloads of semantic matches. */
  readonly store: CacheStoreV1;
  /** Semantic tier; without it (or without `embedder`) semantic mode degrades to exact. */
  readonly vectorStore?: VectorStoreV1;
  readonly embedder?: EmbeddingBackendV1;
  readonly clock?: Clock;
  /** TTL used when a decision says `ttl_seconds: -1` (default 3600; 0 = no expiry). */
  readonly defaultTtlSeconds?: number;
  /** `miss` (default): failures are misses and skipped writes, counted. `error`: they reject with CacheStoreError. */
  readonly onError?: 'miss' | 'error';
  /** Prefix of every key this cache writes (default `semroute:rc:`). */
  readonly keyPrefix?: string;
  /** Completions larger than this (bytes, encoded) are not stored (default 1 MiB). */
  readonly maxEntryBytes?: number;
  /**
   * How long a replica trusts its copy of the invalidation generations when *writing* (default
   * 1000 ms). Lookups never trust it: they read the generations in the same store round trip as
   * the entry, so a flush or invalidation by any replica is honoured by the next lookup.
   */
  readonly generationRefreshMs?: number;
  /** When the scope's identity header is missing: share an `anonymous` namespace (default) or skip caching. */
  readonly onMissingIdentity?: 'anonymous' | 'skip';
  /** Semantic candidates examined per lookup (default 3). */
  readonly semanticTopK?: number;
  /**
   * Accept a semantic hit only when both queries contain the same numbers (default true):
   * embeddings cannot tell "15% of 80" from "15% of 90". See BENCHMARKS.md for the effect.
   */
  readonly numberGuard?: boolean;
  /** Telemetry hook (`cache-hit`, `cache-miss`, `cache-store`, `cache-skip`, `cache-error`). Must not throw. */
  readonly onEvent?: (event: ResponseCacheEvent) => void;
}

export interface ResponseCacheStats {
  readonly lookups: number;
  readonly hits: number;
  readonly exactHits: number;
  readonly semanticHits: number;
  readonly misses: number;
  /** Lookups not attempted: disabled, ttl 0, no-cache/bypass, missing identity. */
  readonly lookupsSkipped: number;
  /** Semantic candidates above the threshold rejected by the number guard. */
  readonly guardedMisses: number;
  readonly stores: number;
  /** Writes not attempted: disabled, ttl 0, no-store/bypass, too large, missing identity, invalid completion. */
  readonly storesSkipped: number;
  readonly errors: {
    readonly lookup: number;
    readonly store: number;
    readonly embed: number;
    readonly invalidate: number;
  };
  readonly invalidations: number;
  readonly flushes: number;
  /** hits / (hits + misses); 0 before the first lookup. */
  readonly hitRate: number;
}

export type InvalidateTarget =
  | { readonly key: string }
  | { readonly context: ResponseCacheContext }
  | { readonly decision: string }
  | { readonly scope: { readonly kind: 'user' | 'team' | 'tenant' | 'global'; readonly id?: string } };

export interface ResponseCacheLookupHit extends ResponseCacheHit {
  /** Entry key (for `invalidate({ key })`). */
  readonly key: string;
  /** Age of the entry in ms. */
  readonly ageMs: number;
}

export interface ResponseCache extends ResponseCacheV1 {
  lookup(
    context: ResponseCacheContext,
    options?: { readonly signal?: AbortSignal },
  ): Promise<ResponseCacheLookupHit | undefined>;
  stats(): ResponseCacheStats;
  /** Drops one entry, or every entry of a decision or scope (by bumping its generation). */
  invalidate(target: InvalidateTarget): Promise<void>;
  /** Bumps the cache epoch: every existing entry becomes unreachable (and expires by TTL). No store-wide wipe. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

interface StoredEntry {
  readonly v: 1;
  readonly createdAt: number;
  readonly expiresAt?: number;
  readonly query: string;
  readonly decision: string;
  readonly completion: ChatCompletion;
}

/** What a request is cached under, before the invalidation generations are known. */
interface Resolved {
  readonly scope: string;
  readonly control: CacheControl;
  readonly exactFingerprint: string;
  readonly compatibility: string;
  readonly query: string;
  /** Generation names of the request's partition: epoch, decision, scope. */
  readonly generationNames: readonly [string, string, string];
}

interface Prepared {
  readonly partition: string;
  readonly entryId: string;
  readonly compatibility: string;
  readonly query: string;
  readonly control: CacheControl;
}

/** A promise's outcome as a value: lets a lookup start reads early and inspect them later. */
type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };
const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/** Re-keyings a lookup tolerates when the generations change under it, before it gives up (a miss). */
const MAX_LOOKUP_ATTEMPTS = 3;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function createResponseCache(options: CreateResponseCacheOptions): ResponseCache {
  const { store, vectorStore, embedder } = options;
  const clock = options.clock ?? systemClock;
  const prefix = options.keyPrefix ?? 'semroute:rc:';
  const defaultTtlSeconds = options.defaultTtlSeconds ?? 3600;
  const onError = options.onError ?? 'miss';
  const maxEntryBytes = options.maxEntryBytes ?? 1024 * 1024;
  const refreshMs = options.generationRefreshMs ?? 1000;
  const semanticTopK = options.semanticTopK ?? 3;
  const numberGuard = options.numberGuard ?? true;
  if (vectorStore && embedder && vectorStore.dimensions !== embedder.dimensions) {
    throw new CacheStoreError({
      message: `vector store has ${vectorStore.dimensions} dimensions, the embedder ${embedder.dimensions}`,
      store: vectorStore.name,
      method: 'create',
    });
  }

  const counters = {
    lookups: 0,
    hits: 0,
    exactHits: 0,
    semanticHits: 0,
    misses: 0,
    lookupsSkipped: 0,
    guardedMisses: 0,
    stores: 0,
    storesSkipped: 0,
    errors: { lookup: 0, store: 0, embed: 0, invalidate: 0 },
    invalidations: 0,
    flushes: 0,
  };
  const emit = (event: ResponseCacheEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // telemetry must never break caching
    }
  };

  // Invalidation generations (epoch, per decision, per scope) are part of every entry key, so a
  // bump makes the old entries unreachable. Each replica keeps its last-seen values here. A
  // lookup keys the request with them and reads the generations in the same store snapshot
  // (`getMany`, one round trip) as the entries; it serves an entry only when the snapshot agrees
  // with the values the key was built from, and otherwise re-keys with the snapshot's values.
  // A flush or invalidation on any replica is therefore honoured by the next lookup everywhere,
  // without a separate round trip. Writes use the local copy for up to `refreshMs`: a write keyed
  // under an old generation lands in an unreachable partition, which wastes it but never serves it.
  const generations = new Map<string, { value: string; fetchedAt: number }>();
  const generationKey = (name: string) => `${prefix}gen:${name}`;
  const knownGeneration = (name: string) => generations.get(name)?.value ?? '0';
  const readMany = (
    keys: readonly string[],
    signal?: AbortSignal,
  ): Promise<Array<Uint8Array | undefined>> => {
    const callOptions = signal ? { signal } : undefined;
    return store.getMany
      ? store.getMany(keys, callOptions)
      : Promise.all(keys.map((key) => store.get(key, callOptions)));
  };
  /**
   * Records the generations a store snapshot holds and says whether they equal `used`. A store
   * that lost a generation key (eviction, restart) must not resurrect flushed entries: a missing
   * key keeps the value this replica knows.
   */
  const observeGenerations = (
    names: readonly string[],
    snapshot: ReadonlyArray<Uint8Array | undefined>,
    used: readonly string[],
  ): boolean => {
    const now = clock.now();
    let unchanged = true;
    names.forEach((name, index) => {
      const bytes = snapshot[index];
      const value = bytes ? decoder.decode(bytes) : knownGeneration(name);
      generations.set(name, { value, fetchedAt: now });
      if (value !== used[index]) unchanged = false;
    });
    return unchanged;
  };
  const readGenerations = async (
    names: readonly string[],
    signal?: AbortSignal,
    fresh = false,
  ): Promise<string[]> => {
    const now = clock.now();
    const stale = names.some((name) => {
      const cached = generations.get(name);
      return fresh || !cached || now - cached.fetchedAt >= refreshMs;
    });
    if (stale) {
      const snapshot = await readMany(names.map(generationKey), signal);
      observeGenerations(names, snapshot, []);
    }
    return names.map(knownGeneration);
  };
  let generationCounter = 0;
  const bumpGeneration = async (name: string) => {
    const value = `${clock.now().toString(36)}.${(generationCounter++).toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
    generations.set(name, { value, fetchedAt: clock.now() });
    await store.set(generationKey(name), encoder.encode(value));
  };

  const embeddings = new Map<string, Float32Array>();
  const embed = async (text: string, signal?: AbortSignal): Promise<Float32Array> => {
    const cached = embeddings.get(text);
    if (cached) return cached;
    const result = await (embedder as EmbeddingBackendV1).doEmbed(
      signal ? { texts: [text], signal } : { texts: [text] },
    );
    const vector = result.embeddings[0];
    if (!vector) throw new Error('embedder returned no vector');
    embeddings.set(text, vector);
    if (embeddings.size > 256) embeddings.delete(embeddings.keys().next().value as string);
    return vector;
  };

  const scopeNamespace = (context: ResponseCacheContext): string | undefined => {
    const scope = context.plugin.scope;
    if (scope === 'global') return 'global';
    const id = context.headers[SCOPE_HEADERS[scope]];
    if (id) return `${scope}:${id}`;
    return options.onMissingIdentity === 'skip' ? undefined : `${scope}:anonymous`;
  };

  const ttlSeconds = (context: ResponseCacheContext, control: CacheControl): number => {
    if (control.ttlSeconds !== undefined) return control.ttlSeconds;
    const configured = context.plugin.ttl_seconds;
    const ttl = configured === -1 ? defaultTtlSeconds : configured;
    const cap = context.plugin.request_controls?.max_ttl_seconds;
    return cap !== undefined && ttl > 0 ? Math.min(ttl, cap) : ttl;
  };

  /** Resolves what a request is cached under, or why it must not be cached. No I/O. */
  const resolveRequest = (context: ResponseCacheContext): Resolved | { skip: string } => {
    const plugin = context.plugin;
    if (!plugin.enabled) return { skip: 'disabled' };
    if (plugin.ttl_seconds === 0) return { skip: 'ttl-zero' };
    const scope = scopeNamespace(context);
    if (scope === undefined) return { skip: 'missing-identity' };
    const identity = requestIdentity(context.request);
    return {
      scope,
      control: parseCacheControl(context.headers, plugin),
      exactFingerprint: identity.exactFingerprint,
      compatibility: identity.compatibilityFingerprint.slice(0, 32),
      query: identity.semanticQuery,
      generationNames: ['epoch', `decision:${context.decision}`, `scope:${scope}`],
    };
  };

  /** The partition and entry id of a resolved request under the given generations. */
  const keyRequest = (
    context: ResponseCacheContext,
    resolved: Resolved,
    generationValues: readonly string[],
  ): Prepared => {
    const revision = context.plugin.revision ?? {};
    const partition = sha256(
      JSON.stringify([
        context.recipe,
        context.decision,
        context.requestedModel,
        context.selectedModel,
        context.stream ? 'openai:stream' : 'openai:body',
        resolved.scope,
        context.policyFingerprint,
        String(revision.cache_epoch ?? ''),
        revision.model_revision ?? '',
        revision.prompt_revision ?? '',
        revision.policy_revision ?? '',
        ...generationValues,
      ]),
    ).slice(0, 32);
    return {
      partition,
      entryId: `${partition}:${resolved.exactFingerprint}`,
      compatibility: resolved.compatibility,
      query: resolved.query,
      control: resolved.control,
    };
  };

  /** Resolves and keys a request for a write (`fresh`: re-read the generations first). */
  const prepare = async (
    context: ResponseCacheContext,
    signal?: AbortSignal,
    fresh = false,
  ): Promise<Prepared | { skip: string }> => {
    const resolved = resolveRequest(context);
    if ('skip' in resolved) return resolved;
    const generationValues = await readGenerations(resolved.generationNames, signal, fresh);
    return keyRequest(context, resolved, generationValues);
  };

  const entryKey = (entryId: string) => `${prefix}e:${entryId}`;

  /** An entry from its stored bytes, or `undefined` when absent, corrupt, expired or too old for max-age. */
  const decodeEntry = (bytes: Uint8Array | undefined, control: CacheControl): StoredEntry | undefined => {
    if (!bytes) return undefined;
    let entry: StoredEntry;
    try {
      entry = JSON.parse(decoder.decode(bytes)) as StoredEntry;
    } catch {
      return undefined; // a corrupt entry is a miss
    }
    const now = clock.now();
    if (entry.v !== 1 || !entry.completion) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= now) return undefined;
    if (control.maxAgeSeconds !== undefined && now - entry.createdAt > control.maxAgeSeconds * 1000)
      return undefined;
    return entry;
  };

  const failure = (
    operation: 'lookup' | 'store' | 'embed' | 'invalidate',
    context: { decision: string },
    error: unknown,
  ): void => {
    counters.errors[operation]++;
    emit({ name: 'cache-error', decision: context.decision, reason: operation, error });
    if (onError === 'error') {
      if (CacheStoreError.isInstance(error)) throw error;
      throw new CacheStoreError({
        message: `response cache ${operation} failed: ${error instanceof Error ? error.message : String(error)}`,
        store: store.name,
        method: operation,
        cause: error,
      });
    }
  };

  const semanticEnabled = (context: ResponseCacheContext) =>
    context.plugin.mode !== 'exact' && vectorStore !== undefined && embedder !== undefined;

  // Running estimates (EWMA, ms) of a store read and of embedding + vector search. In
  // `exact_then_semantic` mode they decide whether the search starts before the exact answer is
  // in: only when a read takes longer than the search, so that searching early costs an exact hit
  // nothing. Against a nearby Redis (a read ≈ 0.03 ms, a search ≈ 0.2 ms) the lookup waits for
  // the exact answer; against a distant one it searches while the read is in flight.
  const estimates = { read: 0, search: 0 };
  const sample = (name: 'read' | 'search', startedAt: number) => {
    const elapsed = performance.now() - startedAt;
    estimates[name] = estimates[name] === 0 ? elapsed : estimates[name] + (elapsed - estimates[name]) * 0.1;
  };

  /**
   * A lookup's store reads (each one round trip):
   *
   * 1. The first read: the partition's generations, plus the exact entry unless the mode is
   *    `semantic` (a `semantic` lookup finds the exact duplicate through the vector index anyway).
   * 2. With a semantic tier, embedding and vector search (local CPU work for the memory and Redis
   *    stores). In `semantic` mode, and in `exact_then_semantic` mode when reads are slower than
   *    searches, they run while the first read is in flight; otherwise after an exact miss.
   * 3. The first read decides first (an exact hit wins over a semantic one); then the candidates'
   *    entries are read, with the generations again, in one more read and checked in score order.
   *
   * So an exact hit costs one round trip, and a semantic hit the search plus one round trip in
   * `semantic` mode (two in `exact_then_semantic` mode against a nearby store). Whenever a
   * snapshot's generations differ from those the keys were built from (another replica flushed
   * or invalidated), the lookup re-keys with the snapshot's values and starts over, at most
   * `MAX_LOOKUP_ATTEMPTS` times.
   */
  const lookup = async (
    context: ResponseCacheContext,
    callOptions?: { readonly signal?: AbortSignal },
  ): Promise<ResponseCacheLookupHit | undefined> => {
    const signal = callOptions?.signal;
    counters.lookups++;
    const resolved = resolveRequest(context);
    if ('skip' in resolved || resolved.control.bypass || resolved.control.noCache) {
      counters.lookupsSkipped++;
      emit({
        name: 'cache-skip',
        decision: context.decision,
        reason: 'skip' in resolved ? resolved.skip : resolved.control.bypass ? 'bypass' : 'no-cache',
      });
      return undefined;
    }
    const { control, query, generationNames: names } = resolved;
    const generationKeys = names.map(generationKey);
    const hit = (
      entry: StoredEntry,
      key: string,
      kind: 'exact' | 'semantic',
      similarity: number,
    ): ResponseCacheLookupHit => {
      counters.hits++;
      if (kind === 'exact') counters.exactHits++;
      else counters.semanticHits++;
      emit({ name: 'cache-hit', decision: context.decision, kind, similarity });
      return { completion: entry.completion, kind, similarity, key, ageMs: clock.now() - entry.createdAt };
    };
    const miss = (): undefined => {
      counters.misses++;
      emit({ name: 'cache-miss', decision: context.decision });
      return undefined;
    };
    /** A failed operation: counted (and thrown under `onError: 'error'`), then a miss. */
    const failed = (operation: 'lookup' | 'embed', error: unknown): undefined => {
      failure(operation, context, error);
      counters.misses++;
      return undefined;
    };
    const exactTier = context.plugin.mode !== 'semantic' || !semanticEnabled(context);
    const semanticTier = semanticEnabled(context) && query.length > 0;
    // Computed once per lookup: a re-keyed attempt reuses it.
    let embedding: Promise<Settled<Float32Array>> | undefined;
    const STALE = Symbol('stale');
    const CONTINUE = Symbol('continue');

    for (let attempt = 0; attempt < MAX_LOOKUP_ATTEMPTS; attempt++) {
      const used = names.map(knownGeneration);
      const { entryId, partition, compatibility } = keyRequest(context, resolved, used);
      // Until a search has been timed (a run of exact hits never searches), wait for the exact answer.
      const searchEarly =
        semanticTier && (!exactTier || (estimates.search > 0 && estimates.read > estimates.search));
      const readStartedAt = performance.now();
      const firstRead = settle(
        readMany(exactTier ? [...generationKeys, entryKey(entryId)] : generationKeys, signal),
      );
      /** The first read's verdict: a hit, a miss/failure to return, STALE, or CONTINUE to the semantic tier. */
      const judgeFirstRead = async (): Promise<
        ResponseCacheLookupHit | undefined | typeof STALE | typeof CONTINUE
      > => {
        const outcome = await firstRead;
        if (!outcome.ok) return failed('lookup', outcome.error);
        if (!observeGenerations(names, outcome.value, used)) return STALE;
        const entry = exactTier ? decodeEntry(outcome.value[names.length], control) : undefined;
        return entry ? hit(entry, entryId, 'exact', 1) : CONTINUE;
      };
      if (!searchEarly) {
        const verdict = await judgeFirstRead();
        sample('read', readStartedAt);
        if (verdict === STALE) continue;
        if (verdict !== CONTINUE) return verdict;
        if (!semanticTier) return miss();
      }

      const searchStartedAt = performance.now();
      embedding ??= settle(embed(query, signal));
      const embedded = await embedding;
      let search: Settled<readonly VectorMatch[]> | undefined;
      if (embedded.ok) {
        search = await settle(
          (vectorStore as VectorStoreV1).query(
            {
              vector: embedded.value,
              topK: semanticTopK,
              minScore: context.plugin.semantic.similarity_threshold,
              filter: { p: partition, c: compatibility },
            },
            signal ? { signal } : undefined,
          ),
        );
        sample('search', searchStartedAt);
      }
      // The first read decides before any semantic failure is reported: an exact hit wins.
      if (searchEarly) {
        const verdict = await judgeFirstRead();
        if (verdict === STALE) continue;
        if (verdict !== CONTINUE) return verdict;
      }
      if (!embedded.ok) return failed('embed', embedded.error);
      if (!search?.ok) return failed('lookup', search?.error);
      const matches = search.value;
      if (matches.length === 0) return miss();
      // The candidates' entries, with the generations again, in one read.
      const candidatesStartedAt = performance.now();
      const candidates = await settle(
        readMany([...generationKeys, ...matches.map((match) => entryKey(match.id))], signal),
      );
      sample('read', candidatesStartedAt);
      if (!candidates.ok) return failed('lookup', candidates.error);
      if (!observeGenerations(names, candidates.value, used)) continue;
      const dangling: string[] = [];
      let found: ResponseCacheLookupHit | undefined;
      for (const [index, match] of matches.entries()) {
        const entry = decodeEntry(candidates.value[names.length + index], control);
        if (!entry) {
          // Gone (evicted or expired): drop the dangling vector. Too old for max-age: keep it.
          if (control.maxAgeSeconds === undefined) dangling.push(match.id);
          continue;
        }
        if (numberGuard && match.id !== entryId && !numbersMatch(entry.query, query)) {
          counters.guardedMisses++;
          continue;
        }
        found = hit(entry, match.id, match.id === entryId ? 'exact' : 'semantic', Math.min(1, match.score));
        break;
      }
      // Housekeeping, off the lookup's path; a failure only leaves the vector for the next lookup.
      if (dangling.length > 0) void (vectorStore as VectorStoreV1).delete(dangling).catch(() => undefined);
      return found ?? miss();
    }
    // The generations changed under every attempt (an invalidation storm): a miss is always safe.
    return miss();
  };

  const skipStore = (context: ResponseCacheContext, reason: string) => {
    counters.storesSkipped++;
    emit({ name: 'cache-skip', decision: context.decision, reason });
  };

  const storeCompletion = async (
    context: ResponseCacheContext,
    completion: ChatCompletion,
    callOptions?: { readonly signal?: AbortSignal },
  ) => {
    const signal = callOptions?.signal;
    if (
      !completion ||
      completion.object !== 'chat.completion' ||
      !Array.isArray(completion.choices) ||
      completion.choices.length === 0
    ) {
      skipStore(context, 'invalid-completion');
      return;
    }
    let prepared: Prepared | { skip: string };
    try {
      prepared = await prepare(context, signal);
    } catch (error) {
      failure('store', context, error);
      return;
    }
    if ('skip' in prepared) return skipStore(context, prepared.skip);
    if (prepared.control.bypass || prepared.control.noStore)
      return skipStore(context, prepared.control.bypass ? 'bypass' : 'no-store');
    const ttl = ttlSeconds(context, prepared.control);
    if (ttl === 0 && prepared.control.ttlSeconds !== undefined) return skipStore(context, 'ttl-zero');
    const now = clock.now();
    const expiresAt = ttl > 0 ? now + ttl * 1000 : undefined;
    const entry: StoredEntry = {
      v: 1,
      createdAt: now,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      query: prepared.query,
      decision: context.decision,
      completion,
    };
    const bytes = encoder.encode(JSON.stringify(entry));
    if (bytes.byteLength > maxEntryBytes) return skipStore(context, 'too-large');
    const setOptions = { ...(signal ? { signal } : {}), ...(expiresAt !== undefined ? { expiresAt } : {}) };
    try {
      await store.set(entryKey(prepared.entryId), bytes, setOptions);
    } catch (error) {
      failure('store', context, error);
      return;
    }
    if (semanticEnabled(context) && prepared.query.length > 0) {
      let vector: Float32Array;
      try {
        vector = await embed(prepared.query, signal);
      } catch (error) {
        failure('embed', context, error);
        return;
      }
      try {
        await (vectorStore as VectorStoreV1).upsert(
          [
            {
              id: prepared.entryId,
              vector,
              ...(expiresAt !== undefined ? { expiresAt } : {}),
              metadata: { p: prepared.partition, c: prepared.compatibility },
            },
          ],
          signal ? { signal } : undefined,
        );
      } catch (error) {
        failure('store', context, error);
        return;
      }
    }
    counters.stores++;
    emit({ name: 'cache-store', decision: context.decision });
  };

  let closed = false;
  return {
    specificationVersion: 'v1',
    lookup,
    store: storeCompletion,
    stats() {
      const answered = counters.hits + counters.misses;
      return {
        ...counters,
        errors: { ...counters.errors },
        hitRate: answered === 0 ? 0 : counters.hits / answered,
      };
    },
    async invalidate(target) {
      counters.invalidations++;
      try {
        if ('decision' in target) await bumpGeneration(`decision:${target.decision}`);
        else if ('scope' in target) {
          const name =
            target.scope.kind === 'global'
              ? 'global'
              : `${target.scope.kind}:${target.scope.id ?? 'anonymous'}`;
          await bumpGeneration(`scope:${name}`);
        } else {
          let entryId: string;
          if ('key' in target) entryId = target.key;
          else {
            const prepared = await prepare(target.context, undefined, true);
            if ('skip' in prepared) return;
            entryId = prepared.entryId;
          }
          await store.delete(entryKey(entryId));
          await vectorStore?.delete([entryId]);
        }
      } catch (error) {
        counters.errors.invalidate++;
        throw CacheStoreError.isInstance(error)
          ? error
          : new CacheStoreError({
              message: `invalidate failed: ${error instanceof Error ? error.message : String(error)}`,
              store: store.name,
              method: 'invalidate',
              cause: error,
            });
      }
    },
    async flush() {
      counters.flushes++;
      await bumpGeneration('epoch');
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([store.close(), vectorStore?.close()]);
    },
  };
}
