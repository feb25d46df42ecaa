/**
 * Wraps a {@link ResponseCacheV1} so every lookup and store is timed and counted
 * (`llm_cache_operations_total`, `llm_cache_operation_duration_seconds`). Hit/miss counters come
 * from the route outcome, so they are not counted twice. Pass the wrapped cache to
 * `createRouter({ responseCache })`.
 *
 * @module
 */
import type { ResponseCacheV1 } from '@semroute/core';
import type { RouterTelemetry } from './create-router-telemetry.js';

export function instrumentResponseCache(
  cache: ResponseCacheV1,
  options: { readonly telemetry: RouterTelemetry; readonly backend?: string; readonly now?: () => number },
): ResponseCacheV1 {
  const now = options.now ?? (() => performance.now());
  const backend = options.backend ?? 'response_cache';
  const telemetry = options.telemetry;
  async function timed<T>(operation: 'lookup' | 'store', run: () => Promise<T>): Promise<T> {
    const started = now();
    try {
      const result = await run();
      telemetry.recordCacheOperation({ backend, operation, status: 'ok', latencyMs: now() - started });
      return result;
    } catch (error) {
      telemetry.recordCacheOperation({ backend, operation, status: 'error', latencyMs: now() - started });
      throw error;
    }
  }
  return {
    specificationVersion: 'v1',
    lookup: (context, callOptions) => timed('lookup', () => cache.lookup(context, callOptions)),
    store: (context, completion, callOptions) =>
      timed('store', () => cache.store(context, completion, callOptions)),
    ...(cache.close ? { close: () => cache.close!() } : {}),
  };
}
