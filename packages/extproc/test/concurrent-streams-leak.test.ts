/**
 * 1,000 concurrent ext_proc streams (routed JSON, routed SSE, cache hits, client aborts) must
 * all finish, the open-stream count must return to zero, and the heap must come back to its
 * baseline: per-stream state may not outlive its stream.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ExtProcServerHandle, serveExtProc } from '../src/node/serve.js';
import { createFakeEnvoy, type ExchangeSpec, type FakeEnvoy } from './fake-envoy/fake-envoy.js';
import { createFakeRouter, type FakeRouter } from './fake-envoy/fake-router.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let router: FakeRouter;
let server: ExtProcServerHandle;
let envoy: FakeEnvoy;

beforeAll(async () => {
  router = createFakeRouter();
  server = await serveExtProc({ router, port: 0, host: '127.0.0.1' });
  envoy = createFakeEnvoy({
    address: `127.0.0.1:${server.port}`,
    config: {
      processingMode: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' },
      allowModeOverride: true,
      messageTimeoutMs: 30_000,
      // Envoy with ext_proc_graceful_grpc_close: half-close and wait for our trailers instead of
      // a reset per stream, which Node's HTTP/2 rapid-reset guard would answer with GOAWAY once
      // a loaded machine delays our trailers past the fake Envoy's reset (see README).
      closeMode: 'graceful',
    },
  });
});

afterAll(async () => {
  envoy.close();
  await server.close({ graceMs: 200 });
});

function spec(index: number): ExchangeSpec {
  const kind = index % 4;
  const content = kind === 2 ? 'cached question' : `math question ${index}`;
  const body = JSON.stringify({
    model: 'auto',
    messages: [{ role: 'user', content }],
    stream: kind === 1 || kind === 3,
  });
  const sse = `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi ${index}"}}]}\n\ndata: [DONE]\n\n`;
  const json = `{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"${index}"},"finish_reason":"stop"}]}`;
  return {
    request: {
      headers: {
        ':method': 'POST',
        ':path': '/v1/chat/completions',
        ':authority': 'g',
        ':scheme': 'http',
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    },
    upstream: () =>
      kind === 0
        ? { status: 200, headers: { 'content-type': 'application/json' }, body: json }
        : {
            status: 200,
            headers: { 'content-type': 'text/event-stream' },
            body: sse,
            chunking: { size: 16 },
          },
    // Every fourth stream is reset by the client in the middle of the response.
    ...(kind === 3 ? { abortAfterMessages: 4 } : {}),
  };
}

async function round(count: number): Promise<{ statuses: Map<number, number>; peak: number }> {
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, server.service.stats().openStreams);
  }, 2);
  const statuses = new Map<number, number>();
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const result = await envoy.exchange(spec(index));
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    }),
  );
  clearInterval(sampler);
  return { statuses, peak };
}

async function settledHeap(): Promise<number> {
  const deadline = Date.now() + 5000;
  while (server.service.stats().openStreams > 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  for (let index = 0; index < 4; index++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().heapUsed;
}

it('1,000 concurrent streams finish without leaking streams or heap', async () => {
  await round(100); // warm-up: JIT, grpc buffers, proto caches
  router.stored.length = 0;
  router.routeCalls.length = 0;
  const baseline = await settledHeap();

  const first = await round(1000);
  expect(first.peak).toBeGreaterThan(100);
  expect(first.statuses.get(200)).toBe(750);
  expect(first.statuses.get(0)).toBe(250); // client aborts
  router.stored.length = 0;
  router.routeCalls.length = 0;
  const afterFirst = await settledHeap();
  expect(server.service.stats().openStreams).toBe(0);

  const second = await round(1000);
  expect(second.statuses.get(200)).toBe(750);
  router.stored.length = 0;
  router.routeCalls.length = 0;
  const afterSecond = await settledHeap();

  const mib = 1024 * 1024;
  expect(afterFirst - baseline).toBeLessThan(16 * mib);
  // A real per-stream leak would grow with every round; two rounds must end at the same level.
  expect(afterSecond - afterFirst).toBeLessThan(4 * mib);
  expect(server.service.stats().totalStreams).toBe(2100);
}, 120_000);
