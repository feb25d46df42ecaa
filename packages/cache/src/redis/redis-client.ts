/**
 * The structural Redis client surface the Redis stores use (satisfied by an ioredis `Redis`
 * instance), and the lazily created default client with cache-friendly failure settings.
 *
 * @module
 */
import { CacheStoreError } from '@semroute/core';
import { importOptional, interop } from '../internal/import-optional.js';

export type RedisArgument = string | Buffer | number;

export interface RedisLikeClient {
  call(command: string, ...args: RedisArgument[]): Promise<unknown>;
  callBuffer(command: string, ...args: RedisArgument[]): Promise<unknown>;
  /** ioredis form: each command is `[methodName, ...args]` with a lower-case method name. */
  pipeline(commands: RedisArgument[][]): { exec(): Promise<Array<[Error | null, unknown]> | null> };
  /** ioredis: a new connection with the same options, `override` applied. */
  duplicate(override?: Record<string, unknown>): RedisLikeClient;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  readonly status: string;
}

export interface RedisConnectionOptions {
  /** An ioredis client (or anything with the same surface). The store does not close a client it was given. */
  readonly client?: RedisLikeClient;
  /** `redis://host:port/db`; default `redis://127.0.0.1:6379`. Used when no client is given. */
  readonly url?: string;
  /** Per-command timeout in ms for the client the store creates (default 500). */
  readonly commandTimeoutMs?: number;
  /** Injected ioredis module (default: lazily imported). */
  readonly ioredis?: unknown;
}

type RedisConstructor = new (url: string, options: Record<string, unknown>) => RedisLikeClient;

/**
 * Creates (or adopts) a client. A created client fails fast while Redis is down (no offline
 * queue, one retry, a command timeout) and reconnects in the background with capped backoff,
 * so a dead Redis turns into quick cache misses rather than stalled requests.
 */
export async function connectRedis(
  options: RedisConnectionOptions,
): Promise<{ client: RedisLikeClient; owned: boolean }> {
  if (options.client) return { client: options.client, owned: false };
  const module =
    options.ioredis ?? (await importOptional('ioredis', () => import('ioredis') as Promise<unknown>));
  const Redis = (interopConstructor(module) ?? interop(module)) as RedisConstructor;
  const client = new Redis(options.url ?? 'redis://127.0.0.1:6379', {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    lazyConnect: false,
  });
  // ioredis emits 'error' on every failed reconnect; commands already reject, so only swallow here.
  client.on('error', () => undefined);
  await waitReady(client, 2000);
  return { client, owned: true };
}

function interopConstructor(module: unknown): RedisConstructor | undefined {
  const value = module as { default?: unknown; Redis?: unknown };
  if (typeof value === 'function') return value as RedisConstructor;
  if (typeof value.Redis === 'function') return value.Redis as RedisConstructor;
  if (typeof value.default === 'function') return value.default as RedisConstructor;
  return undefined;
}

/** Waits until a freshly created client is ready (or fails fast). */
export async function waitReady(client: RedisLikeClient, timeoutMs = 2000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    (timer as { unref?: () => void }).unref?.();
    client.on('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function redisError(store: string, method: string, error: unknown, key?: string): CacheStoreError {
  if (CacheStoreError.isInstance(error)) return error;
  return new CacheStoreError({
    message: `redis ${method} failed: ${error instanceof Error ? error.message : String(error)}`,
    store,
    method,
    cause: error,
    ...(key !== undefined ? { key } : {}),
  });
}

/** Deletes every key under `prefix` with SCAN + UNLINK (never FLUSHALL). Returns the count. */
export async function deleteByPrefix(client: RedisLikeClient, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = (await client.call(
      'SCAN',
      cursor,
      'MATCH',
      `${escapeGlob(prefix)}*`,
      'COUNT',
      1000,
    )) as [string, string[]];
    cursor = next;
    if (keys.length > 0) deleted += Number(await client.call('UNLINK', ...keys));
  } while (cursor !== '0');
  return deleted;
}

export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}
