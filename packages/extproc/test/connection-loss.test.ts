/**
 * A gateway connection that dies (proxy restart, network loss) must release every ext_proc
 * stream it carried: per-stream state is dropped and the open-stream count returns to zero.
 */
import { connect } from 'node:http2';
import { expect, it } from 'vitest';
import { serveExtProc } from '../src/node/serve.js';
import { createFakeRouter } from './fake-envoy/fake-router.js';

it('releases all streams of a destroyed HTTP/2 connection', async () => {
  const server = await serveExtProc({ router: createFakeRouter(), port: 0, host: '127.0.0.1' });
  try {
    const session = connect(`http://127.0.0.1:${server.port}`);
    session.on('error', () => {});
    for (let index = 0; index < 50; index++) {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/envoy.service.ext_proc.v3.ExternalProcessor/Process',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => {});
    }
    const deadline = Date.now() + 5000;
    while (server.service.stats().openStreams < 50 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.service.stats().openStreams).toBe(50);
    session.destroy();
    while (server.service.stats().openStreams > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.service.stats().openStreams).toBe(0);
  } finally {
    await server.close({ graceMs: 100 });
  }
});
