import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveExtProc, type ExtProcServerHandle } from '../src/node/serve.js';
import { createFakeEnvoy, type FakeEnvoy } from './fake-envoy/fake-envoy.js';
import { createFakeRouter } from './fake-envoy/fake-router.js';

let server: ExtProcServerHandle;
let envoy: FakeEnvoy;
beforeAll(async () => {
  server = await serveExtProc({ router: createFakeRouter(), port: 0, host: '127.0.0.1' });
  envoy = createFakeEnvoy({ address: `127.0.0.1:${server.port}`, config: { processingMode: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' } } });
});
afterAll(async () => {
  envoy.close();
  await server.close({ graceMs: 100 });
});
it('smoke', async () => {
  const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'integral of x' }] });
  const result = await envoy.exchange({
    request: { headers: { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'content-length': String(body.length) }, body },
  });
  console.log(JSON.stringify({ up: result.upstreamRequest, h: result.headers, c: result.counters, kinds: result.received.map((m) => m.response) }, null, 1));
  expect(result.status).toBe(200);
});
