/**
 * `x-vsr-cache-control` request controls (honoured only when the decision's
 * `request_controls.enabled` is true, and only the directives it allows):
 * `no-cache` (skip the lookup, still store), `no-store` (do not store), `bypass` (neither),
 * `max-age=N` (accept only entries at most N seconds old), `ttl=N` (store with this TTL, capped
 * by `max_ttl_seconds`).
 *
 * @module
 */
import type { ResponseCachePluginConfig } from '@semroute/core';

export interface CacheControl {
  readonly noCache: boolean;
  readonly noStore: boolean;
  readonly bypass: boolean;
  readonly maxAgeSeconds?: number;
  readonly ttlSeconds?: number;
}

export const NO_CACHE_CONTROL: CacheControl = { noCache: false, noStore: false, bypass: false };

export function parseCacheControl(
  headers: Readonly<Record<string, string>>,
  plugin: ResponseCachePluginConfig,
): CacheControl {
  const controls = plugin.request_controls;
  if (!controls?.enabled) return NO_CACHE_CONTROL;
  const raw = headers[controls.header.toLowerCase()];
  if (!raw) return NO_CACHE_CONTROL;
  const allowed = new Set<string>(controls.allowed);
  let noCache = false;
  let noStore = false;
  let bypass = false;
  let maxAgeSeconds: number | undefined;
  let ttlSeconds: number | undefined;
  for (const part of raw.split(',')) {
    const [rawName, rawValue] = part.split('=', 2);
    const name = (rawName ?? '').trim().toLowerCase();
    if (!name || !allowed.has(name)) continue;
    const number = rawValue === undefined ? Number.NaN : Number(rawValue.trim());
    if (name === 'no-cache') noCache = true;
    else if (name === 'no-store') noStore = true;
    else if (name === 'bypass') bypass = true;
    else if (name === 'max-age' && Number.isInteger(number) && number >= 0) maxAgeSeconds = number;
    else if (name === 'ttl' && Number.isInteger(number) && number >= 0) {
      ttlSeconds =
        controls.max_ttl_seconds !== undefined ? Math.min(number, controls.max_ttl_seconds) : number;
    }
  }
  return {
    noCache,
    noStore,
    bypass,
    ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}),
    ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
  };
}
