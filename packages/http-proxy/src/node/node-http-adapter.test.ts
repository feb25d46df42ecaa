import { describe, expect, it } from 'vitest';
import type { HttpResult } from '../http/http-exchange.js';
import { listenWithHandler } from './node-http-adapter.js';

const encoder = new TextEncoder();

describe('listenWithHandler', () => {
  it('drains an in-flight stream on close, then cuts it after the grace period', async () => {
    let cancelled = false;
    const server = await listenWithHandler(
      async (): Promise<HttpResult> => ({
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        body: (async function* () {
          try {
            for (let index = 0; index < 1_000; index++) {
              yield encoder.encode(`data: ${index}\n\n`);
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          } finally {
            cancelled = true;
          }
        })(),
      }),
      { port: 0 },
    );
    const response = await fetch(`${server.url}/`);
    const reader = response.body!.getReader();
    await reader.read();
    const started = Date.now();
    await server.close(200);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2_000);
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) break;
      })(),
    ).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cancelled).toBe(true);
    // Idempotent.
    await server.close();
  });

  it('turns a handler rejection into a 500 and keeps serving', async () => {
    let calls = 0;
    const server = await listenWithHandler(
      async (): Promise<HttpResult> => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return { status: 204, headers: {}, body: null };
      },
      { port: 0 },
    );
    try {
      expect((await fetch(server.url)).status).toBe(500);
      expect((await fetch(server.url)).status).toBe(204);
    } finally {
      await server.close();
    }
  });
});
