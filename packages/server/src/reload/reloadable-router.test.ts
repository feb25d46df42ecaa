import { ConfigError } from '@semroute/core';
import { describe, expect, it } from 'vitest';
import { chat, configText, routerFor, slowRouter } from '../../test/fixtures.js';
import { createReloadableRouter } from './reloadable-router.js';

describe('createReloadableRouter', () => {
  it('finishes in-flight requests on the router they started with, then closes it', async () => {
    const first = slowRouter(await routerFor(configText()), 50);
    const reloadable = await createReloadableRouter({ load: async () => first });
    const inFlight = reloadable.route(chat('the derivative of x^2'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(reloadable.inFlight()).toBe(1);

    const second = await routerFor(configText({ mathAdapter: 'math-expert-v2' }));
    expect(await reloadable.swap(second)).toBe(2);
    expect(first.closed).toBe(false); // still draining

    const old = await inFlight;
    expect(old.type === 'upstream' && old.body.model).toBe('math-expert');
    const fresh = await reloadable.route(chat('the derivative of x^2'));
    expect(fresh.type === 'upstream' && fresh.body.model).toBe('math-expert-v2');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(first.closed).toBe(true);
    await reloadable.close();
  });

  it('keeps the running router when a reload fails', async () => {
    const reloadable = await createReloadableRouter({ load: async () => routerFor(configText()) });
    await expect(reloadable.reload(async () => routerFor('version: v0.3\nrouting: 7\n'))).rejects.toSatisfy(
      (error: unknown) => ConfigError.isInstance(error),
    );
    expect(reloadable.generation).toBe(1);
    const outcome = await reloadable.route(chat('an integral'));
    expect(outcome.explanation.decision).toBe('math');
    await reloadable.close();
  });

  it('closes a retired router after the drain timeout even with a leaked lease', async () => {
    const first = slowRouter(await routerFor(configText()), 0);
    const reloadable = await createReloadableRouter({ load: async () => first, drainTimeoutMs: 20 });
    const lease = reloadable.acquire();
    await reloadable.reload(async () => routerFor(configText()));
    expect(first.closed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(first.closed).toBe(true);
    lease.release();
    lease.release(); // idempotent
    await reloadable.close();
  });

  it('never fails a request while routers are swapped repeatedly under load', async () => {
    const created: ReturnType<typeof slowRouter>[] = [];
    const load = async () => {
      const router = slowRouter(
        await routerFor(configText({ mathAdapter: created.length % 2 ? 'math-expert-v2' : 'math-expert' })),
        3,
      );
      created.push(router);
      return router;
    };
    const reloadable = await createReloadableRouter({ load });
    let stop = false;
    const failures: unknown[] = [];
    let completed = 0;
    const clients = Array.from({ length: 16 }, async () => {
      while (!stop) {
        try {
          const outcome = await reloadable.route(chat('solve this equation'));
          expect(outcome.type).toBe('upstream');
          completed++;
        } catch (error) {
          failures.push(error);
        }
      }
    });
    for (let index = 0; index < 10; index++) {
      await reloadable.reload();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(completed).toBeGreaterThan(50);
    expect(reloadable.generation).toBe(11);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(created.slice(0, -1).every((router) => router.closed)).toBe(true);
    await reloadable.close();
    expect(created.at(-1)!.closed).toBe(true);
  });
});
