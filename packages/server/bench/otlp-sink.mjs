/**
 * OTLP/HTTP trace sink for telemetry-overhead-bench.ts, run as a child process so that the
 * collector's CPU time is not the host's: accepts `POST /v1/traces` (JSON, as
 * `@opentelemetry/exporter-trace-otlp-http` sends it) on any path, counts the spans received per
 * path (from their `spanId` keys) and answers an empty `ExportTraceServiceResponse`. Sends `{ port }` over IPC
 * once listening; on the IPC message `count` it answers `{ spans: { [path]: count } }`.
 */
import { createServer } from 'node:http';

const spans = {};
/** The key of every span's own id in OTLP/JSON (links, which also carry one, are not used). */
const SPAN_ID = Buffer.from('"spanId":');
const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    // Counting the span ids is enough to tell what arrived, and far cheaper than parsing: the
    // sink shares the machine with the host under test, and a slow sink holds up the exporter.
    const body = Buffer.concat(chunks);
    let count = 0;
    for (let at = body.indexOf(SPAN_ID); at !== -1; at = body.indexOf(SPAN_ID, at + SPAN_ID.length)) count++;
    spans[request.url] = (spans[request.url] ?? 0) + count;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'count') process.send?.({ spans });
});
process.on('disconnect', () => server.close());
