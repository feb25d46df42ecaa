/**
 * OTLP/HTTP trace sink for telemetry-overhead-bench.ts, run as a child process so that the
 * collector's CPU time is not the host's: accepts `POST /v1/traces` (JSON, as
 * `@opentelemetry/exporter-trace-otlp-http` sends it) on any path, parses it, counts the spans
 * received per path and answers an empty `ExportTraceServiceResponse`. Sends `{ port }` over IPC
 * once listening; on the IPC message `count` it answers `{ spans: { [path]: count } }`.
 */
import { createServer } from 'node:http';

const spans = {};
const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    try {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const resource of payload.resourceSpans ?? [])
        for (const scope of resource.scopeSpans ?? [])
          spans[request.url] = (spans[request.url] ?? 0) + (scope.spans?.length ?? 0);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    } catch {
      response.writeHead(400);
      response.end();
    }
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'count') process.send?.({ spans });
});
process.on('disconnect', () => server.close());
