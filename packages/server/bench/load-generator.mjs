/**
 * Load generator for telemetry-overhead-bench.ts, run as a child process (so the host
 * process's CPU time is the host's alone): on each IPC message `{ ms, traced }` it drives 32
 * keep-alive connections for `ms` and answers `{ count, latencies }` (latencies in µs).
 * Arguments: port, prompts (JSON), traceparent.
 */
import { Agent, request as httpRequest } from 'node:http';

const port = Number(process.argv[2]);
const prompts = JSON.parse(process.argv[3]);
const traceparent = process.argv[4];
const agent = new Agent({ keepAlive: true, maxSockets: 32 });
const bodies = prompts.map((content) =>
  JSON.stringify({ model: 'auto', messages: [{ role: 'user', content }] }),
);

function send(index, traced) {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/chat/completions',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', ...(traced ? { traceparent } : {}) },
      },
      (response) => {
        response.resume();
        response.on('end', resolve);
      },
    );
    request.on('error', reject);
    request.end(bodies[index % bodies.length]);
  });
}

process.on('message', async ({ ms, traced }) => {
  const started = performance.now();
  const latencies = [];
  let count = 0;
  await Promise.all(
    Array.from({ length: 32 }, async (_, client) => {
      let index = client;
      while (performance.now() - started < ms) {
        const t0 = performance.now();
        await send(index++, traced);
        latencies.push((performance.now() - t0) * 1000);
        count++;
      }
    }),
  );
  process.send({ count, latencies });
});
