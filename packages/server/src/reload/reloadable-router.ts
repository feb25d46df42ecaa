/**
 * A {@link Router} that can be swapped under load. Each call captures the router that is current
 * when it starts, so a reload never changes an in-flight request; the old router is closed once
 * its last in-flight call has finished (or after a drain timeout). Hosts (ExtProc, HTTP proxy)
 * take a `Router`, so this drops in without changes to them.
 *
 * @module
 */
import {
  type ChatCompletion,
  type Logger,
  type ModelListEntry,
  type ResponseCacheContext,
  type RouteOutcome,
  type RouteRequest,
  type Router,
  type RouterConfig,
  silentLogger,
  toSemrouteError,
} from '@semroute/core';

export interface CreateReloadableRouterOptions {
  /** Builds a router from the current source (file, config store...). Called once at creation and on every `reload()`. */
  readonly load: () => Promise<Router>;
  /** How long a retired router may keep in-flight calls before it is closed anyway, ms (default 30,000). */
  readonly drainTimeoutMs?: number;
  readonly logger?: Logger;
  /** Called after every successful swap with the new generation number. */
  readonly onSwap?: (event: { readonly generation: number; readonly router: Router }) => void;
}

/** A router lease: the router a unit of work (route + storeResponse) keeps using until `release()`. */
export interface RouterLease {
  readonly router: Router;
  readonly generation: number;
  /** Idempotent. */
  release(): void;
}

export interface ReloadableRouter extends Router {
  /** Incremented on every swap; 1 after creation. */
  readonly generation: number;
  /** The router new calls go to. */
  current(): Router;
  /**
   * Pins the current router for a unit of work longer than one `route()` call (e.g. route, proxy,
   * then `storeResponse`); the router is not closed before `release()`.
   */
  acquire(): RouterLease;
  /**
   * Builds a new router with `load` (or the given loader) and swaps it in. Rejects, keeping the
   * running router, when building fails (e.g. a `ConfigError`). Reloads are serialised.
   */
  reload(load?: () => Promise<Router>): Promise<number>;
  /** Installs an already-built router (the caller hands over ownership). Resolves the new generation. */
  swap(router: Router): Promise<number>;
  /** Calls currently in flight across all generations. */
  inFlight(): number;
}

interface Entry {
  readonly router: Router;
  readonly generation: number;
  inFlight: number;
  retired: boolean;
  closing: Promise<void> | undefined;
  drainTimer: ReturnType<typeof setTimeout> | undefined;
}

/** Creates a reloadable router and builds the first router with `options.load()`. */
export async function createReloadableRouter(
  options: CreateReloadableRouterOptions,
): Promise<ReloadableRouter> {
  const logger = options.logger ?? silentLogger;
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  const retired = new Set<Entry>();
  let active: Entry = makeEntry(await options.load(), 1);
  let generation = 1;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  function makeEntry(router: Router, number: number): Entry {
    return {
      router,
      generation: number,
      inFlight: 0,
      retired: false,
      closing: undefined,
      drainTimer: undefined,
    };
  }

  function closeEntry(entry: Entry): Promise<void> {
    if (!entry.closing) {
      if (entry.drainTimer) clearTimeout(entry.drainTimer);
      entry.closing = entry.router.close().catch((error: unknown) => {
        logger.warn(
          { err: toSemrouteError(error).message, generation: entry.generation },
          'router close failed',
        );
      });
      void entry.closing.then(() => retired.delete(entry));
    }
    return entry.closing;
  }

  function release(entry: Entry): void {
    entry.inFlight--;
    if (entry.retired && entry.inFlight === 0) void closeEntry(entry);
  }

  function install(router: Router): number {
    if (closed) {
      void router.close();
      throw new Error('reloadable router is closed');
    }
    const previous = active;
    generation++;
    active = makeEntry(router, generation);
    previous.retired = true;
    retired.add(previous);
    if (previous.inFlight === 0) void closeEntry(previous);
    else {
      previous.drainTimer = setTimeout(() => {
        logger.warn(
          { generation: previous.generation, inFlight: previous.inFlight },
          'drain timeout: closing a retired router with calls in flight',
        );
        void closeEntry(previous);
      }, drainTimeoutMs);
      previous.drainTimer.unref?.();
    }
    logger.info({ generation }, 'router swapped');
    options.onSwap?.({ generation, router });
    return generation;
  }

  function serialise<T>(task: () => Promise<T>): Promise<T> {
    const next = queue.then(task, task);
    queue = next.catch(() => undefined);
    return next;
  }

  const reloadable: ReloadableRouter = {
    get config(): RouterConfig {
      return active.router.config;
    },
    get generation() {
      return generation;
    },
    current: () => active.router,
    async route(
      request: RouteRequest,
      callOptions?: { readonly signal?: AbortSignal },
    ): Promise<RouteOutcome> {
      const entry = active;
      entry.inFlight++;
      try {
        return await entry.router.route(request, callOptions);
      } finally {
        release(entry);
      }
    },
    listModels(): { readonly object: 'list'; readonly data: readonly ModelListEntry[] } {
      return active.router.listModels();
    },
    async storeResponse(context: ResponseCacheContext, completion: ChatCompletion): Promise<void> {
      const entry = active;
      entry.inFlight++;
      try {
        await entry.router.storeResponse(context, completion);
      } finally {
        release(entry);
      }
    },
    acquire(): RouterLease {
      const entry = active;
      entry.inFlight++;
      let released = false;
      return {
        router: entry.router,
        generation: entry.generation,
        release() {
          if (released) return;
          released = true;
          release(entry);
        },
      };
    },
    reload(load = options.load) {
      return serialise(async () => install(await load()));
    },
    swap(router: Router) {
      return serialise(async () => install(router));
    },
    inFlight() {
      let total = active.inFlight;
      for (const entry of retired) total += entry.inFlight;
      return total;
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      await Promise.all([closeEntry(active), ...[...retired].map(closeEntry)]);
    },
  };
  return reloadable;
}
